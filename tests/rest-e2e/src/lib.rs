//! The code generated from `api/shop.accord` (a mini order service), which `tests/rest.rs`
//! runs end to end over loopback: the runtime's REST glue tested through generated code, not a
//! hand-written copy of it.

accord::include_api!("api");

pub use shop::orders::*;
