//! The store (features `sqlite`, `postgres`): a service's database, opened from a `--db`
//! string, with the two tables that make messaging reliable: the transactional **outbox** and
//! the **idempotent consumer** (processed messages). Both live in the service's own database, so
//! a handler's state change, the messages it publishes and the record that it handled a message
//! commit in one transaction, or not at all.
//!
//! - [`Store::open`]: `PATH`, `sqlite:PATH` or `sqlite::memory:` (SQLite, WAL, one file per
//!   service), `postgres://user:pass@host:port/db` (several instances of a service share it).
//!   The runtime's own tables (`accord_*`) are created and migrated on open ([`schema`]).
//! - [`Store::begin`] gives a [`Tx`]: the service's own SQL through [`Tx::conn`] (sqlx's `Any`
//!   connection, the same API on both databases; write placeholders as `$1`, which SQLite reads
//!   too), messages to publish with [`Tx::publish`], the idempotent consumer with [`Tx::seen`]
//!   and [`Tx::record`], then [`Tx::commit`]. Dropped without a commit, it rolls back: nothing
//!   it published is ever sent.
//! - A [`Relay`] publishes committed outbox rows through a broker ([`Sink`], implemented by
//!   [`Broker`](crate::messaging::Broker)), in order per key, with bounded retries and dead
//!   letters, and prunes both tables ([`Retention`]).
//!
//! Guarantees (written for users in `docs/wire.md`, "Delivery guarantees: outbox and
//! idempotent consumer"): a committed message is published at least once, with the
//! `message_id` it was committed with, also after a crash of the service or an outage of the
//! broker; messages with the same key are published in commit order; a message the broker
//! refuses is retried, then dead-lettered, without holding back other keys. A consumer that
//! records what it handled in its transaction runs its handler's effects once per
//! `message_id` and consumer group.
//!
//! Wiring:
//! - a `Responder` served with a store ([`ServeConfig::store`](crate::messaging::ServeConfig::store))
//!   handles each message in a [`Transaction`] that records it (`messaging/idempotent.rs`):
//!   a redelivery is acknowledged without running the handler, its stored reply sent again;
//! - a `Publisher` [`within`](crate::messaging::Publisher::within) a [`Transaction`] writes
//!   with [`Tx::publish`] instead of publishing to the broker, so the event leaves only if the
//!   caller's transaction commits;
//! - each service process runs one [`Relay`] next to its consumers.

mod backend;
mod codec;
mod error;
mod idempotent;
mod open;
mod outbox;
mod prune;
mod relay;
pub mod schema;
mod transaction;
mod tx;

pub use error::StoreError;
pub use open::{Backend, Store, StoreConfig};
pub use outbox::{DeadLetter, OutboxStats};
pub use prune::{Pruned, Retention};
pub use relay::{Relay, RelayConfig, RelayTask, Round, Sink};
pub use transaction::Transaction;
pub use tx::{Processed, Tx};

/// sqlx, re-exported so a service's own SQL uses the same version: `accord::store::sqlx::query`.
pub use sqlx;

/// Milliseconds since the Unix epoch: every timestamp in the store's tables (an integer, the
/// same on both databases).
pub(crate) fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
