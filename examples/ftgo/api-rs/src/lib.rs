//! The FTGO example's API as Rust, generated once for every FTGO service (`api`), and what
//! their binaries share to join a broker and report readiness (`host`).

/// The code generated from `examples/ftgo/api` by the build script.
pub mod api {
    accord::include_api!("api");
}

pub mod discovery;
pub mod host;
pub mod serve;
pub mod store;
