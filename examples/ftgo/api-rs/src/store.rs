//! Where every FTGO service keeps its state: the store its `--db` names (a SQLite file,
//! `sqlite:PATH`, or `postgres://...`), or a private in-memory SQLite database without one. A
//! service creates its own tables on open ([`Tables`]), writes its state and the messages it
//! sends in one transaction (the outbox: [`outgoing_command`], [`outgoing_event`]), and runs a
//! relay ([`relay`]) that publishes what was committed, also what a previous run left pending.

use accord::Context;
use accord::messaging::{Binding, Broker, Channel, ChannelInfo, Message};
use accord::metrics::Metrics;
use accord::proto::Message as Proto;
use accord::store::{Backend, Relay, RelayConfig, RelayTask, Store, StoreError, Transaction, Tx};
use serde::Serialize;
use std::process::ExitCode;
use tokio::sync::MappedMutexGuard;

/// A service's own tables, as `CREATE TABLE IF NOT EXISTS` statements per database (they differ
/// only in how an id counts up: `INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite never reuses an
/// id, nor does a `BIGSERIAL`).
#[derive(Debug, Clone, Copy)]
pub struct Tables {
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

/// Opens `db` (in memory when `None`) and creates `tables`; the error says what and why.
pub async fn open(db: Option<&str>, tables: Tables) -> Result<Store, StoreError> {
    let store = Store::open(db.unwrap_or("sqlite::memory:")).await?;
    let statements = match store.backend() {
        Backend::Sqlite => tables.sqlite,
        Backend::Postgres => tables.postgres,
    };
    for statement in statements {
        accord::store::sqlx::query(statement)
            .execute(store.pool())
            .await?;
    }
    Ok(store)
}

/// [`open`] for a binary: a failure is printed and becomes exit code 1.
pub async fn open_or_exit(db: Option<&str>, tables: Tables) -> Result<Store, ExitCode> {
    open(db, tables).await.map_err(|e| {
        eprintln!("error: cannot open the database: {e}");
        ExitCode::FAILURE
    })
}

/// Runs the outbox relay of `service` over `broker` until the task is dropped. On SQLite (one
/// file per service) it is named after the service, so a restarted process takes the relay's
/// leases back at once instead of waiting for them to lapse. The rows it dead-letters are
/// counted in `metrics` (`accord_dead_letters_total`).
pub fn relay(store: &Store, broker: &Broker, service: &str, metrics: &Metrics) -> RelayTask {
    let name = (store.backend() == Backend::Sqlite).then(|| service.to_owned());
    let config = RelayConfig {
        name,
        ..RelayConfig::default()
    };
    Relay::new(store.clone(), broker.clone(), config)
        .metrics(metrics.clone())
        .spawn()
}

/// A one-way command (`notify`) of `binding` as the generated proxy sends it, to be written to
/// the outbox with [`Tx::publish`](accord::store::Tx::publish).
pub fn outgoing_command<T: Serialize + Proto>(
    binding: &'static Binding,
    input: &T,
) -> Result<(Channel, Message), StoreError> {
    outgoing(binding.channel, binding.input, input, None)
}

/// An event of `channel` as the generated publisher sends it, ordered by `key`.
pub fn outgoing_event<T: Serialize + Proto>(
    channel: &'static ChannelInfo,
    message_type: &'static str,
    event: &T,
    key: Option<String>,
) -> Result<(Channel, Message), StoreError> {
    outgoing(channel, message_type, event, key)
}

fn outgoing<T: Serialize + Proto>(
    channel: &'static ChannelInfo,
    message_type: &'static str,
    value: &T,
    key: Option<String>,
) -> Result<(Channel, Message), StoreError> {
    let payload = accord::codec::encode(value, channel.format)
        .map_err(|e| StoreError::Database(format!("`{message_type}` not encoded: {e}")))?;
    let mut message = Message::new(message_type, payload);
    message.content_type = channel.format.content_type().into();
    message.key = key;
    Ok((channel.channel(), message))
}

/// The transaction a handler works in: the one its responder opened for the message when
/// served with the store (`ServeConfig::store`: the record that the message was handled, the
/// handler's writes and its outbox messages commit together, by the responder), else one of
/// its own (a REST call, a test), committed by [`Work::commit`]. Every statement of a handler
/// goes through it: on SQLite a second transaction (or, in memory, a second connection) would
/// wait for the first.
pub struct Work {
    tx: Transaction,
    own: bool,
}

impl Work {
    /// The responder's transaction for this call, or a new one of `store`'s.
    pub async fn begin(store: &Store, context: &Context) -> Result<Work, StoreError> {
        Ok(match Transaction::of(context) {
            Some(tx) => Work { tx, own: false },
            None => Work {
                tx: Transaction::new(store.begin().await?),
                own: true,
            },
        })
    }

    /// The transaction, for the handler's SQL (`tx.conn()`) and outbox (`tx.publish`).
    pub async fn lock(&self) -> Result<MappedMutexGuard<'_, Tx>, StoreError> {
        self.tx.lock().await
    }

    /// Commits a transaction of its own; the responder's is committed by the responder.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.own {
            true => self.tx.commit().await,
            false => Ok(()),
        }
    }
}
