//! The `#[accord::api]` attribute macro. Filled in by the Rust code generation work.
