//! The outbox's queries, as the relay uses them: what is due per key, marking rows sent, failed
//! or dead, the leases on buckets of keys; and what an operator can ask ([`OutboxStats`],
//! [`DeadLetter`]s).

use super::codec;
use super::error::StoreError;
use super::open::Store;
use crate::messaging::{Channel, Message};
use sqlx::Row as _;
use sqlx::any::AnyRow;

pub(crate) const PENDING: i64 = 0;
pub(crate) const SENT: i64 = 1;
pub(crate) const DEAD: i64 = 2;

/// One pending row, ready to publish.
pub(crate) struct Pending {
    pub(crate) id: i64,
    pub(crate) okey: String,
    pub(crate) channel: Channel,
    pub(crate) message: Message,
    pub(crate) attempts: i64,
}

/// How many rows are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Committed, not yet published.
    pub pending: u64,
    /// Published, kept until pruned.
    pub sent: u64,
    /// Given up on (see [`DeadLetter`]).
    pub dead: u64,
}

/// A message the relay gave up on: refused by the broker on every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its row.
    pub id: i64,
    /// The channel it was for.
    pub channel: Channel,
    /// The message as committed.
    pub message: Message,
    /// How many times publishing it failed.
    pub attempts: i64,
    /// The last refusal.
    pub error: String,
}

const COLUMNS: &str = "id, okey, address, kind, durable, key_field, headers, payload, attempts";

/// Up to `batch` pending rows of the buckets in `buckets`, in id order, at most `per_key` per
/// key, leaving out every key whose first pending row waits for a retry (`not_before` later
/// than `now`). Only the first row of a key is ever retried, so the latest `not_before` of a
/// key's pending rows is its first row's.
pub(crate) async fn due(
    store: &Store,
    buckets: &[i64],
    now: i64,
    per_key: i64,
    batch: i64,
) -> Result<Vec<Pending>, StoreError> {
    // The bucket numbers are ours (0..BUCKETS), written as literals: the list varies in length.
    let list = buckets
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // The window runs over the pending index alone (id, key, bucket, not_before); only the
    // chosen rows are read whole, so a large backlog costs an index scan per round.
    let sql = format!(
        "SELECT {COLUMNS} FROM accord_outbox WHERE id IN (
            SELECT id FROM (
                SELECT id,
                    ROW_NUMBER() OVER (PARTITION BY okey ORDER BY id) AS nth,
                    MAX(not_before) OVER (PARTITION BY okey) AS key_not_before
                FROM accord_outbox WHERE state = 0 AND bucket IN ({list})
            ) AS heads
            WHERE nth <= $1 AND key_not_before <= $2
            ORDER BY id LIMIT $3
        ) ORDER BY id"
    );
    let rows = sqlx::query(&sql)
        .bind(per_key)
        .bind(now)
        .bind(batch)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(pending).collect()
}

fn pending(row: &AnyRow) -> Result<Pending, StoreError> {
    let message = codec::message(row.try_get("headers")?, row.try_get("payload")?)?;
    Ok(Pending {
        id: row.try_get("id")?,
        okey: row.try_get("okey")?,
        channel: codec::channel(
            row.try_get("address")?,
            row.try_get("kind")?,
            row.try_get("durable")?,
            row.try_get("key_field")?,
        ),
        message,
        attempts: row.try_get("attempts")?,
    })
}

/// What became of one row in a round.
pub(crate) enum Outcome {
    Sent,
    /// Failed; retry not before this time.
    Retry {
        error: String,
        not_before: i64,
    },
    /// Failed for the last time.
    Dead {
        error: String,
    },
}

/// Writes a round's outcomes in one transaction.
pub(crate) async fn settle(store: &Store, outcomes: &[(i64, Outcome)]) -> Result<(), StoreError> {
    let now = super::now_ms();
    let mut tx = store.begin().await?;
    let sent: Vec<i64> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Sent))
        .map(|(id, _)| *id)
        .collect();
    for chunk in sent.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql =
            format!("UPDATE accord_outbox SET state = {SENT}, sent_at = $1 WHERE id IN ({list})");
        sqlx::query(&sql).bind(now).execute(tx.conn()).await?;
    }
    for (id, outcome) in outcomes {
        let (state, error, not_before) = match outcome {
            Outcome::Sent => continue,
            Outcome::Retry { error, not_before } => (PENDING, error, *not_before),
            Outcome::Dead { error } => (DEAD, error, 0),
        };
        sqlx::query(
            "UPDATE accord_outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             not_before = $3 WHERE id = $4",
        )
        .bind(state)
        .bind(error.as_str())
        .bind(not_before)
        .bind(*id)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await
}

/// Renews this relay's leases and takes free or expired ones, up to `max` buckets in all (and
/// abandoned ones beyond it); returns the buckets it holds until `until`.
pub(crate) async fn lease(
    store: &Store,
    owner: &str,
    now: i64,
    until: i64,
    max: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut tx = store.begin().await?;
    sqlx::query("UPDATE accord_relay_lease SET until = $1 WHERE owner = $2")
        .bind(until)
        .bind(owner)
        .execute(tx.conn())
        .await?;
    let held: Vec<(i64,)> =
        sqlx::query_as("SELECT bucket FROM accord_relay_lease WHERE owner = $1 ORDER BY bucket")
            .bind(owner)
            .fetch_all(tx.conn())
            .await?;
    let mut held: Vec<i64> = held.into_iter().map(|(b,)| b).collect();
    // Free buckets: up to `max` in all, and beyond it those abandoned for a whole lease (a
    // relay that died), so its keys are published even when every survivor is capped.
    let free: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT bucket, until FROM accord_relay_lease WHERE until < $1 AND owner <> $2 \
         ORDER BY until, bucket",
    )
    .bind(now)
    .bind(owner)
    .fetch_all(tx.conn())
    .await?;
    let abandoned = now - (until - now);
    for (bucket, lapsed) in free {
        // 0: never leased; 1: released (abandoned at once); else the time the lease lapsed.
        let is_abandoned = lapsed > 0 && lapsed < abandoned;
        if held.len() as i64 >= max && !is_abandoned {
            continue;
        }
        // The condition again: on PostgreSQL another relay may have taken it since the select.
        let taken = sqlx::query(
            "UPDATE accord_relay_lease SET owner = $1, until = $2 WHERE bucket = $3 AND until < $4",
        )
        .bind(owner)
        .bind(until)
        .bind(bucket)
        .bind(now)
        .execute(tx.conn())
        .await?;
        if taken.rows_affected() == 1 {
            held.push(bucket);
        }
    }
    tx.commit().await?;
    held.sort_unstable();
    Ok(held)
}

/// Gives this relay's leases up, so another relay takes its buckets at once.
pub(crate) async fn release(store: &Store, owner: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE accord_relay_lease SET owner = '', until = 1 WHERE owner = $1")
        .bind(owner)
        .execute(store.pool())
        .await?;
    Ok(())
}

impl Store {
    /// How many outbox rows are pending, sent (kept until pruned) and dead.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM accord_outbox GROUP BY state")
                .fetch_all(self.pool())
                .await?;
        let mut stats = OutboxStats::default();
        for (state, count) in rows {
            let count = count as u64;
            match state {
                PENDING => stats.pending = count,
                SENT => stats.sent = count,
                _ => stats.dead += count,
            }
        }
        Ok(stats)
    }

    /// The dead outbox rows, oldest first, at most `limit`.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, last_error FROM accord_outbox WHERE state = {DEAD} ORDER BY id LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let p = pending(row)?;
                Ok(DeadLetter {
                    id: p.id,
                    channel: p.channel,
                    message: p.message,
                    attempts: p.attempts,
                    error: row
                        .try_get::<Option<String>, _>("last_error")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}
