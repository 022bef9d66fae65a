//! Work spread over the machine's cores: the document emitters make one file (or a few) per
//! service, declaration or package, each independent of the others, so they map the list on
//! scoped threads and keep its order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `items.iter().map(f).collect()` on one thread per core. Each thread takes the next item not
/// yet taken, so a core that another process slows down, or a run of bigger items, does not
/// hold the others back as a fixed split would. Output order is input order, so the files are
/// the same bytes in the same order as a serial map.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..cores.min(items.len()))
            .map(|_| scope.spawn(work))
            .collect();
        for worker in workers {
            // A panic in a worker is a bug in an emitter: pass it on unchanged.
            let done = worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            for (index, result) in done {
                slots[index] = Some(result);
            }
        }
    });
    // Every index below the length was taken exactly once, so every slot is filled.
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<u32> = (0..1001).collect();
        let doubled = super::map(&items, |n| n * 2);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
    }

    #[test]
    fn uneven_items_keep_their_order() {
        // Some items take far longer than others: whichever thread is free takes the next.
        let items: Vec<u64> = (0..64)
            .map(|i| if i % 7 == 0 { 200_000 } else { 10 })
            .collect();
        let sums = super::map(&items, |&n| (0..n).sum::<u64>());
        assert_eq!(
            sums,
            items
                .iter()
                .map(|&n| (0..n).sum::<u64>())
                .collect::<Vec<_>>()
        );
    }
}
