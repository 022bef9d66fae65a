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
