//! The binary's allocator: mimalloc, asked for plain `mi_malloc` blocks whenever those are
//! aligned enough, as Rust's `System` allocator asks for `malloc` ones.
//!
//! `mimalloc::MiMalloc` passes every request to `mi_malloc_aligned`, which tries the small-block
//! free list only when the first free block happens to be aligned and otherwise (blocks over
//! 1 KiB, such as the parser's token queues and the model's vectors) over-allocates and aligns:
//! about 70 instructions a call on `accord check` of the benchmark API where `mi_malloc` takes
//! 20. A block of mimalloc is aligned to 16 bytes (`MI_MAX_ALIGN_SIZE`) when it is at least that
//! large, and to 8 otherwise, so an alignment up to 16 and no larger than the size needs no more.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as mi;

/// mimalloc's `MI_MAX_ALIGN_SIZE`: every block of at least this many bytes is aligned to it.
const MAX_ALIGN: usize = 16;

/// mimalloc, with plain calls where the alignment allows them.
pub struct Mimalloc;

/// Whether a plain block of `size` bytes is aligned to `align`.
fn plain(align: usize, size: usize) -> bool {
    align <= MAX_ALIGN && align <= size
}

// SAFETY: every path returns a block of mimalloc of at least `size` bytes aligned to `align`
// (see `plain`), or null; `mi_free` and `mi_realloc*` take any block of mimalloc.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain C calls; the layout's size is not zero (GlobalAlloc's contract).
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator; a moved block is a new one, aligned as `alloc`'s.
        unsafe {
            if plain(layout.align(), new_size) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block is as aligned as its layout asks, through allocation, zeroed allocation and
    /// growth and shrinking, for the sizes and alignments Rust values have (and larger ones).
    #[test]
    fn blocks_have_the_alignment_their_layout_asks_for() {
        let a = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=80).chain([96, 100, 1000, 1024, 1025, 4000, 70_000, 300_000]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes; every block is freed with the layout it has.
                unsafe {
                    let zeroed = a.alloc_zeroed(layout);
                    assert_eq!(
                        zeroed as usize % align,
                        0,
                        "zeroed {size} bytes, align {align}"
                    );
                    assert!((0..size).all(|i| *zeroed.add(i) == 0));
                    a.dealloc(zeroed, layout);
                    let mut blocks = Vec::new();
                    for _ in 0..8 {
                        let p = a.alloc(layout);
                        assert!(!p.is_null());
                        assert_eq!(p as usize % align, 0, "{size} bytes, align {align}");
                        p.write_bytes(0xa5, size);
                        blocks.push(p);
                    }
                    for p in blocks {
                        let grown = a.realloc(p, layout, size * 3 + 5);
                        assert_eq!(
                            grown as usize % align,
                            0,
                            "grown {size} bytes, align {align}"
                        );
                        assert!((0..size).all(|i| *grown.add(i) == 0xa5), "contents kept");
                        let bigger = Layout::from_size_align(size * 3 + 5, align).unwrap();
                        let shrunk = a.realloc(grown, bigger, size.div_ceil(2));
                        assert_eq!(shrunk as usize % align, 0, "shrunk, align {align}");
                        let half = Layout::from_size_align(size.div_ceil(2), align).unwrap();
                        a.dealloc(shrunk, half);
                    }
                }
            }
        }
    }
}
