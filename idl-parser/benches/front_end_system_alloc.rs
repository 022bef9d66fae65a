//! The `front_end` benchmark with the system allocator (glibc malloc here), for comparison.
//!
//! `cargo bench -p accord-idl --bench front_end_system_alloc`

#[path = "shared/front_end.rs"]
mod shared;

criterion::criterion_group!(benches, shared::front_end);
criterion::criterion_main!(benches);
