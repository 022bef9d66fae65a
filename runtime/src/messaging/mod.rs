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
//! The wire mapping (header and property names, addresses, dead letters) is written in
//! `docs/wire.md`, "Messages on channels".

mod broker;
mod consumer;
mod error;
mod memory;
mod message;

#[cfg(feature = "amqp")]
mod amqp;
#[cfg(feature = "nats")]
mod nats;

pub use broker::{Backoff, Broker, BrokerConfig, Consumer, Delivery, Inbox};
pub use consumer::{ConsumerConfig, HandlerError};
pub use error::BrokerError;
pub use message::{Channel, ChannelKind, JSON, Message, PROTOBUF, header};
