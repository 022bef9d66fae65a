//! The front end on the 60,000-line benchmark API: parse, parse + check, format.
//!
//! `cargo bench -p accord-idl --bench front_end`
//!
//! The allocator is mimalloc, the one `accord check` runs with (cli/src/main.rs), so the numbers
//! are close to those users get (the binary calls `mi_malloc` itself where the alignment allows,
//! cli/src/alloc.rs, a little cheaper). `--bench front_end_system_alloc` runs the same with the
//! system allocator.

#[path = "shared/front_end.rs"]
mod shared;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn front_end(c: &mut criterion::Criterion) {
    shared::front_end(c, "front_end");
}

criterion::criterion_group!(benches, front_end);
criterion::criterion_main!(benches);
