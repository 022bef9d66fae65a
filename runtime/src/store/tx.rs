//! [`Tx`]: one transaction over the service's own tables, the outbox and the processed
//! messages.

use super::backend::Backend;
use super::codec;
use super::error::StoreError;
use super::open::Store;
use super::schema::BUCKETS;
use crate::messaging::{Channel, Message};
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::OwnedSemaphorePermit;

// Beginning a transaction is here, beside the `Tx` it makes, so that `open` (which `Tx` uses
// for the `Store` it holds) imports nothing of `tx`.
impl Store {
    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// two transactions that read and then write wait for each other instead of failing; the
    /// transactions of one process take turns in the order they asked. Do not begin a second
    /// transaction while holding one: on SQLite it waits for the first (and times out).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let permit = match &self.inner.writer {
            Some(writer) => {
                let wait = self.inner.acquire_timeout;
                let permit = tokio::time::timeout(wait, writer.clone().acquire_owned()).await;
                let permit = permit.map_err(|_| {
                    StoreError::Unavailable(format!("no write turn within {wait:?}"))
                })?;
                Some(permit.expect("the semaphore is never closed"))
            }
            None => None,
        };
        let tx = match self.inner.backend {
            Backend::Sqlite => self.inner.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.inner.pool.begin().await?,
        };
        Ok(Tx::new(tx, self.clone(), permit))
    }
}

/// A transaction. Commit it with [`Tx::commit`]; dropped without one, it rolls back, and
/// nothing it published is ever sent.
pub struct Tx {
    inner: Transaction<'static, Any>,
    store: Store,
    published: bool,
    /// PostgreSQL: the keys whose advisory lock this transaction holds.
    locked: Vec<i64>,
    /// SQLite: this process's write turn, given back after the transaction (declared after
    /// `inner`, so dropped after it).
    _turn: Option<OwnedSemaphorePermit>,
}

/// What [`Tx::seen`] found: the message was handled before, in a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// When (milliseconds since the Unix epoch).
    pub processed_at: i64,
    /// The reply that was sent, to send again to a redelivered request's `reply_to`.
    pub reply: Option<Message>,
}

impl Tx {
    pub(crate) fn new(
        inner: Transaction<'static, Any>,
        store: Store,
        turn: Option<OwnedSemaphorePermit>,
    ) -> Tx {
        Tx {
            inner,
            store,
            published: false,
            locked: Vec::new(),
            _turn: turn,
        }
    }

    /// The connection, for the service's own SQL in this transaction:
    /// `sqlx::query("UPDATE orders SET state = $1 WHERE id = $2").bind(..).execute(tx.conn())`.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }

    /// Which database the transaction is on, for the rare statement that differs.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Writes `message` to the outbox, to be published to `channel` once this transaction
    /// commits. Messages with the same key ([`Message::key`]) are published in the order their
    /// transactions commit (on PostgreSQL, two transactions publishing under one key take turns
    /// from here to their commit); messages without a key are unordered.
    pub async fn publish(
        &mut self,
        channel: &Channel,
        message: &Message,
    ) -> Result<(), StoreError> {
        let okey = match &message.key {
            Some(key) => format!("k:{key}"),
            None => format!("m:{}", message.message_id),
        };
        let hash = codec::stable_hash(&okey);
        if self.backend() == Backend::Postgres && message.key.is_some() {
            self.lock_key(hash as i64).await?;
        }
        sqlx::query(
            "INSERT INTO accord_outbox (bucket, okey, address, kind, durable, key_field, \
             message_id, headers, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind((hash % BUCKETS as u64) as i64)
        .bind(okey)
        .bind(channel.address.to_string())
        .bind(codec::kind_code(channel.kind))
        .bind(i64::from(channel.durable))
        .bind(channel.key.as_deref().map(str::to_owned))
        .bind(message.message_id.clone())
        .bind(codec::headers_json(message))
        .bind(message.payload.to_vec())
        .bind(super::now_ms())
        .execute(&mut *self.inner)
        .await?;
        if !self.published && self.backend() == Backend::Postgres {
            // Delivered at commit, to the relays of other processes (`LISTEN`).
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(super::relay::CHANNEL)
                .execute(&mut *self.inner)
                .await?;
        }
        self.published = true;
        Ok(())
    }

    /// Serializes the transactions that publish under one key, so ids are in commit order per
    /// key (a sequence hands out ids at insert, not at commit).
    async fn lock_key(&mut self, lock: i64) -> Result<(), StoreError> {
        if self.locked.contains(&lock) {
            return Ok(());
        }
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(lock)
            .execute(&mut *self.inner)
            .await?;
        self.locked.push(lock);
        Ok(())
    }

    /// Whether `message_id` was already handled by `group` in a committed transaction, and
    /// what was replied. A hit means: acknowledge without running the handler (and send the
    /// stored reply again, if the request has a `reply_to`).
    pub async fn seen(
        &mut self,
        group: &str,
        message_id: &str,
    ) -> Result<Option<Processed>, StoreError> {
        let row: Option<(i64, Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT processed_at, reply_headers, reply_payload FROM accord_processed_messages \
             WHERE consumer_group = $1 AND message_id = $2",
        )
        .bind(group)
        .bind(message_id)
        .fetch_optional(&mut *self.inner)
        .await?;
        let Some((processed_at, headers, payload)) = row else {
            return Ok(None);
        };
        let reply = match headers {
            Some(h) => Some(codec::message(&h, payload.unwrap_or_default())?),
            None => None,
        };
        Ok(Some(Processed {
            processed_at,
            reply,
        }))
    }

    /// Records that `group` handled `message_id`, with the reply it sent (if any), in this
    /// transaction. Fails with [`StoreError::Duplicate`] when another delivery of the same
    /// message recorded it first (on PostgreSQL the second writer waits for the first to
    /// commit, then fails): roll back, and acknowledge.
    pub async fn record(
        &mut self,
        group: &str,
        message_id: &str,
        reply: Option<&Message>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO accord_processed_messages \
             (consumer_group, message_id, reply_headers, reply_payload, processed_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(group)
        .bind(message_id)
        .bind(reply.map(codec::headers_json))
        .bind(reply.map(|r| r.payload.to_vec()))
        .bind(super::now_ms())
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Stores `reply` as the reply to `message_id`, which `group` [`record`](Tx::record)ed
    /// in this transaction without one (the idempotent responder records a message before its
    /// handler runs, so a concurrent delivery of it waits for this transaction instead of
    /// running the handler too, and stores the reply once the handler has made it).
    pub async fn record_reply(
        &mut self,
        group: &str,
        message_id: &str,
        reply: &Message,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accord_processed_messages SET reply_headers = $1, reply_payload = $2 \
             WHERE consumer_group = $3 AND message_id = $4",
        )
        .bind(codec::headers_json(reply))
        .bind(reply.payload.to_vec())
        .bind(group)
        .bind(message_id)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Commits; a relay in this process is woken at once for what was published.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        if self.published {
            self.store.inner.committed.notify_one();
        }
        Ok(())
    }

    /// Rolls back (as dropping does, but waits for it).
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.inner.rollback().await?;
        Ok(())
    }
}
