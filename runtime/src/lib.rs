//! The Accord runtime. Filled in by the Rust code generation work.
