//! The golden output of the Rust target, compiled: any warning fails the build.
//! The files are written by `codegen/tests/golden_rust.rs`.
#![deny(warnings)]

/// The FTGO example API (`examples/ftgo/api`).
#[path = "ftgo/mod.rs"]
pub mod ftgo_api;

/// The stress API (`tests/stress/everything.accord` and its import).
#[path = "stress/mod.rs"]
pub mod stress_api;

/// Awkward names: keywords and case-only differences everywhere (`api/names.accord`).
#[path = "names/mod.rs"]
pub mod names_api;

/// Version 1 of the evolution API (`api/evolution/v1.accord`).
#[path = "evolution_v1/mod.rs"]
pub mod evolution_v1;

/// Version 1.1: every MINOR change that can be made at once (`api/evolution/v1_1.accord`).
#[path = "evolution_v1_1/mod.rs"]
pub mod evolution_v1_1;

/// The same user code, compiled against v1 ...
pub mod user_of_v1 {
    use crate::evolution_v1::shop as api;
    include!("evolution/user.rs");
}

/// ... and against v1.1, unchanged (docs/evolution.md).
pub mod user_of_v1_1 {
    use crate::evolution_v1_1::shop as api;
    include!("evolution/user.rs");
}
