//! [`Outbox`]: where a [`Publisher`](super::Publisher) writes instead of the broker, so an event
//! leaves only if the caller's transaction commits. The store's
//! `accord::store::Transaction` is one (features `sqlite`, `postgres`); the seam
//! is a trait so messaging does not depend on a database.

use super::error::BrokerError;
use super::message::{Channel, Message};
use futures::future::BoxFuture;

/// A sink for messages to publish later, typically the outbox table of an open transaction:
/// what it accepts is published once (and only if) that transaction commits.
pub trait Outbox: Send + Sync {
    /// Keeps `message` for `channel`. An error means the message is not kept (the transaction
    /// is gone or the database refused it): the caller's work should fail with it.
    fn write(&self, channel: Channel, message: Message) -> BoxFuture<'_, Result<(), BrokerError>>;
}
