//! The FTGO order service: the generated `OrderService` trait implemented over an in-memory
//! store, served by the generated REST skeleton (see `main.rs`) and called through the
//! generated REST proxy (see `tests/`).

/// The code generated from `examples/ftgo/api/order.accord` by the build script.
pub mod api {
    accord::include_api!("api");
}

pub mod grpc;
mod store;

pub use store::{InMemoryOrders, Menu, demo_restaurants};
