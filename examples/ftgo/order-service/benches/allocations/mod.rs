//! Heap allocations counted per request: the system allocator with a counter in front, on only
//! when `ACCORD_BENCH_ALLOCS=1` (the count adds an atomic increment to every allocation, so
//! timed runs leave it off). A bench declares `#[global_allocator] static GLOBAL: Counting`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The system allocator, counting allocations (and reallocations) while counting is on.
pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Turns counting on when `ACCORD_BENCH_ALLOCS=1`; call it first in `main`.
pub fn count_if_asked() {
    let asked = std::env::var("ACCORD_BENCH_ALLOCS").is_ok_and(|v| v == "1");
    ON.store(asked, Ordering::Relaxed);
}

/// Whether allocations are being counted.
pub fn counting() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Allocations so far (0 when not counting): a side's count is the difference of two readings.
pub fn so_far() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

impl Counting {
    fn count(&self) {
        if ON.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}
