//! The `front_end` benchmark with the system allocator (glibc malloc here), for comparison.
//!
//! `cargo bench -p accord-idl --bench front_end_system_alloc`

#[path = "shared/front_end.rs"]
mod shared;

fn front_end(c: &mut criterion::Criterion) {
    shared::front_end(c, "front_end_system_alloc");
}

criterion::criterion_group!(benches, front_end);
criterion::criterion_main!(benches);
