//! Messaging: a small broker abstraction that generated channel code sits on. It deals in
//! bytes and headers ([`Message`]), not in generated types.
//!
//! - [`Broker::connect`] picks the backend by URL at run time: `memory:` (the embedded broker,
//!   the default, zero setup), `nats://host:port` (feature `nats`, JetStream for durable
//!   channels), `amqp://user:pass@host:port/vhost` (feature `amqp`, RabbitMQ).
//! - [`Broker::publish`] to a [`Channel`]; [`Broker::subscribe`] as a member of a group, then
//!   [`Consumer::serve`] with a handler (the shared consumer policy: retries, dead letters,
//!   per-key order, bounded in-flight) or [`Consumer::next`] for raw [`Delivery`]s;
//!   [`Broker::reply_inbox`] for replies to asynchronous requests, sent with [`Broker::reply`].
//!
//! - Typed glue for generated code: [`Responder`] (the skeleton of channel-bound operations
//!   and of subscribers), [`Requester`] (the proxy: requests with correlated replies, one-way
//!   commands, collected replies) and [`Publisher`] (events), described by the `static`
//!   [`ChannelInfo`]s and [`Binding`]s the generator writes.
//!
//! The wire mapping (header and property names, addresses, dead letters, which addresses a
//! reply may go to) is written in `docs/wire.md`, "Messages on channels".

mod address;
mod backend;
mod binding;
mod broker;
mod config;
mod consumer;
mod deadline;
mod dispatch;
#[cfg(any(feature = "nats", feature = "amqp"))]
mod dlq;
mod error;
mod idempotent;
mod memory;
mod message;
mod outbox;
mod requester;
mod responder;

#[cfg(feature = "amqp")]
mod amqp;
#[cfg(feature = "nats")]
mod nats;

pub use address::MAX_ADDRESS_BYTES;
pub use binding::{Binding, ChannelInfo, EMPTY_TYPE, STATUS_TYPE, key};
pub use broker::{Backoff, Broker, BrokerConfig, Consumer, Delivery, Inbox};
pub use consumer::{ConsumerConfig, HandlerError};
#[cfg(any(feature = "nats", feature = "amqp"))]
pub use dlq::{DeadLetter, DeadLetters, Pick};
pub use error::BrokerError;
pub use idempotent::{Handled, Idempotence, Run};
pub use message::{Channel, ChannelKind, JSON, Message, PROTOBUF, header};
pub use outbox::Outbox;
pub use requester::{Publisher, Requester};
pub use responder::{ConsumersRunning, Responder, ServeConfig, Serving};
