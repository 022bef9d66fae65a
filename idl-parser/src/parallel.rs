//! The one thread helper of the compiler (front end and emitters): work split over scoped
//! threads, results in input order, under a cap the caller sets.
//!
//! Results come back in input order: a caller that concatenates them gets exactly what one
//! thread would have produced, so output never depends on the number of threads.
//!
//! The cap: [`with_threads`] bounds every helper called inside it (as rayon's
//! `ThreadPool::install` does). Outside any [`with_threads`] the cap is the machine's cores,
//! which is what the CLI wants; the build.rs `Builder` and the attribute macro run inside
//! `with_threads(1, …)` by default, since cargo already runs one job per core. Threads are
//! always scoped: none outlives the call that started it. A helper called on a worker runs
//! serially, so the cap bounds the whole tree of threads, not each level.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::Builder;

thread_local! {
    /// The cap of this thread: `None` outside any [`with_threads`] (the cores).
    static CAP: Cell<Option<usize>> = const { Cell::new(None) };
}

/// How many threads the machine runs at once (asked once: the answer reads cgroup files).
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many threads the helpers may use here: the innermost [`with_threads`] cap, else the
/// cores.
pub fn threads() -> usize {
    CAP.with(Cell::get).unwrap_or_else(cores).max(1)
}

/// Runs `f` with the helpers capped at `threads` (at least 1) on this thread, and restores the
/// previous cap afterwards (also when `f` panics).
pub fn with_threads<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CAP.with(|cap| cap.set(self.0));
        }
    }
    let _restore = Restore(CAP.with(|cap| cap.replace(Some(threads.max(1)))));
    f()
}

/// `items.iter().map(f).collect()` on up to [`threads`] threads (the caller's included). Each
/// thread takes the next item not yet taken, so a slow item, or a core another process slows
/// down, does not hold the others back as a fixed split would. Output order is input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads().min(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        with_threads(1, || {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    return done;
                };
                done.push((index, f(item)));
            }
        })
    };
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let work = &work;
        // A thread the OS refuses to start simply takes no items: the others take them.
        let workers: Vec<_> = (1..threads)
            .filter_map(|_| Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut all = vec![work()];
        for w in workers {
            // A worker panics only on a bug: pass it on as if it had happened here.
            all.push(w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        for (index, result) in all.into_iter().flatten() {
            slots[index] = Some(result);
        }
    });
    // Every index below the length was taken exactly once, so every slot is filled.
    slots.into_iter().flatten().collect()
}

/// Runs `work` on consecutive runs of `items` of about equal `weight`, on up to `threads`
/// threads (the calling thread takes the first run), and returns one result per run, in order.
/// For work whose runs must be consecutive (a file's chunks, a phase's declarations); callers
/// pass [`threads`] or fewer.
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
                let started =
                    Builder::new().spawn_scoped(scope, move || with_threads(1, || work(run)));
                (run, started.ok())
            })
            .collect();
        let mut out = Vec::with_capacity(runs.len());
        out.push(with_threads(1, || work(first)));
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

    #[test]
    fn map_keeps_the_order_of_the_items() {
        let items: Vec<u64> = (0..1001)
            .map(|i| if i % 7 == 0 { 20_000 } else { 10 })
            .collect();
        let sums: Vec<u64> = items.iter().map(|&n| (0..n).sum()).collect();
        for threads in [1, 2, 3, 8] {
            let got = with_threads(threads, || map(&items, |&n| (0..n).sum::<u64>()));
            assert_eq!(got, sums);
        }
        assert!(map(&[] as &[u32], |n| *n).is_empty());
    }

    /// The distinct threads `helper` runs its items on under a cap of `cap`, asserting that
    /// nested helpers on them are serial.
    fn threads_used(cap: usize, helper: fn(&[u32], &(dyn Fn() + Sync))) -> usize {
        let seen = Mutex::new(HashSet::new());
        let items: Vec<u32> = (0..64).collect();
        let record = || {
            seen.lock().unwrap().insert(std::thread::current().id());
            assert_eq!(threads(), 1, "a nested helper starts no thread");
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        with_threads(cap, || helper(&items, &record));
        assert_eq!(threads(), cores(), "the cap ends with with_threads");
        seen.into_inner().unwrap().len()
    }

    use std::collections::HashSet;
    use std::sync::Mutex;

    #[test]
    fn the_cap_bounds_every_helper() {
        let by_map: fn(&[u32], &(dyn Fn() + Sync)) = |items, f| {
            map(items, |_| f());
        };
        let by_runs: fn(&[u32], &(dyn Fn() + Sync)) = |items, f| {
            runs(items, threads(), |_| 1, |run| run.iter().for_each(|_| f()));
        };
        for helper in [by_map, by_runs] {
            assert_eq!(threads_used(1, helper), 1);
            let used = threads_used(3, helper);
            assert!((1..=3).contains(&used), "{used} threads under a cap of 3");
        }
        assert_eq!(threads_used(2, by_runs), 2, "runs uses what it may");
    }
}
