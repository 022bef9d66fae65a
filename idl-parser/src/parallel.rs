//! Work split over the machine's cores with `std::thread::scope`, for the stages whose pieces
//! are independent (chunks of a file, files, declarations of one lowering phase).
//!
//! Items are cut into consecutive runs of about equal weight, one run per thread, and the
//! results come back in run order: a caller that concatenates them gets exactly what one
//! thread would have produced, so output never depends on the number of cores.

use std::sync::OnceLock;
use std::thread::Builder;

/// How many threads the machine runs at once (asked once: the answer reads cgroup files).
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `work` on consecutive runs of `items` of about equal `weight`, on up to `threads`
/// threads (the calling thread takes the first run), and returns one result per run, in order.
pub(crate) fn runs<I, T, W, F>(items: &[I], threads: usize, weight: W, work: F) -> Vec<T>
where
    I: Sync,
    T: Send,
    W: Fn(&I) -> usize,
    F: Fn(&[I]) -> T + Sync,
{
    let runs = balanced(items, threads.max(1), &weight);
    let Some((first, rest)) = runs.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return vec![work(first)];
    }
    std::thread::scope(|scope| {
        let work = &work;
        // A run whose thread cannot be started (the OS refused one) is done here instead.
        let workers: Vec<_> = rest
            .iter()
            .map(|run| {
                (
                    run,
                    Builder::new().spawn_scoped(scope, move || work(run)).ok(),
                )
            })
            .collect();
        let mut out = Vec::with_capacity(runs.len());
        out.push(work(first));
        for (run, worker) in workers {
            // A worker panics only on a bug: pass it on as if it had happened here.
            out.push(match worker {
                Some(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => work(run),
            });
        }
        out
    })
}

/// Frees `value` on a thread of its own, off the caller's path: nothing waits for it, and a
/// process that exits first leaves the memory to the OS (as `accord check` does with its
/// whole compilation). Freeing the syntax trees of a large API takes as long as checking it.
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    // Should no thread start, the closure, and `value` with it, is dropped right here.
    let _ = std::thread::Builder::new()
        .name("accord-free".into())
        .spawn(move || drop(value));
}

/// Cuts `items` into at most `parts` consecutive, non-empty runs of about equal weight.
fn balanced<'i, I>(items: &'i [I], parts: usize, weight: &impl Fn(&I) -> usize) -> Vec<&'i [I]> {
    let total: usize = items.iter().map(weight).sum();
    let share = total.div_ceil(parts).max(1);
    let mut runs = Vec::with_capacity(parts);
    let (mut first, mut sum) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        sum += weight(item);
        if sum >= share && runs.len() + 1 < parts {
            runs.push(&items[first..=i]);
            (first, sum) = (i + 1, 0);
        }
    }
    if first < items.len() {
        runs.push(&items[first..]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_order_whatever_the_thread_count() {
        let items: Vec<usize> = (1..=100).collect();
        let one: Vec<usize> = runs(&items, 1, |&w| w, |run| run.to_vec()).concat();
        for threads in [2, 3, 8, 200] {
            let split = runs(&items, threads, |&w| w, |run| run.to_vec());
            assert!(split.len() <= threads && split.iter().all(|r| !r.is_empty()));
            assert_eq!(split.concat(), one);
        }
        assert!(runs(&[] as &[usize], 4, |&w| w, |run| run.len()).is_empty());
    }

    #[test]
    fn runs_are_about_equal_in_weight() {
        let items = vec![1usize; 1000];
        let sizes: Vec<usize> = runs(&items, 4, |&w| w, |run| run.len());
        assert_eq!(sizes, [250, 250, 250, 250]);
    }
}
