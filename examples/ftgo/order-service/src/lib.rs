//! The FTGO order service: the generated `OrderService` trait implemented over an in-memory
//! store, served by the generated REST skeleton (see `main.rs`) and called through the
//! generated REST proxy (see `tests/`). With a broker, each new order runs the Create Order
//! saga (`saga`) against the consumer, kitchen and accounting services. With a store
//! (`durable`), orders, saga progress and the events and commands they send persist.

/// The FTGO API generated from `examples/ftgo/api` (shared by every FTGO service).
pub use ftgo_api::api;

pub mod durable;
pub mod grpc;
mod saga;
mod store;

pub use durable::OrderDb;
pub use saga::{CreateOrderSaga, NewOrder, Outcome, RETRY_FOR, Step};
pub use store::{InMemoryOrders, Menu, demo_restaurants};
