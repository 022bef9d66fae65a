//! Testing services without a network or a broker to run: a [`TestBed`] runs a set of services
//! in one process (responders and subscribers on an embedded broker of its own, REST and gRPC
//! servers on loopback ports the system picks) and tells where to reach them; with the Builder's
//! `fakes(true)`, every generated service module has a `Fake`, an implementation of its trait whose operations are [`Stub`]s
//! with programmable answers and a record of their calls.
//!
//! ```ignore
//! use accord::testing::TestBed;
//! use api::ftgo::kitchen::kitchen_service::{self, CreateTicketError};
//!
//! // The kitchen is a fake: it answers and records.
//! let kitchen = kitchen_service::Fake::default();
//! kitchen.create_ticket.answers(|r| Ok(TicketCreated { ticket_id: r.input.order_id * 10 }));
//! let mut bed = TestBed::new();
//! bed.serve(kitchen_service::messaging::responder(kitchen.clone())).await?;
//! // The service under test, over REST, calling the fake kitchen on the bed's broker.
//! let orders = bed.rest(order_service::rest::router(Orders::new(bed.broker()), Default::default())).await?;
//! let orders = order_service::rest::Proxy::connect(&orders)?;
//! orders.create_order(order.into()).await?;
//! assert_eq!(kitchen.create_ticket.inputs()[0].order_id, 1);
//! ```
//!
//! A fake's clones share its stubs, so the test keeps one clone to program and inspect while
//! a server owns the other.

mod bed;
mod stub;

pub use bed::TestBed;
pub use stub::Stub;
#[doc(hidden)]
pub use stub::collect;
