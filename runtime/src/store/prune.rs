//! Retention: the sent outbox rows and the processed messages are kept for a while, then
//! deleted, so neither table grows without bound. Dead outbox rows are kept until someone
//! deals with them.
//!
//! How long to keep processed messages: longer than the broker may redeliver a message
//! (JetStream's ack wait times its deliveries, a consumer's retries, a broker restart), since a
//! message redelivered after its row is pruned is handled again. The defaults keep a week, and
//! at most a million rows.

use super::error::StoreError;
use super::open::Store;
use super::outbox::SENT;
use std::time::Duration;

/// How long rows are kept ([`Store::prune`]); a [`Relay`](super::Relay) prunes with its
/// [`RelayConfig::retention`](super::RelayConfig::retention) periodically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Sent outbox rows older than this are deleted (kept meanwhile to show what was sent).
    pub sent: Duration,
    /// Processed messages older than this are deleted.
    pub processed: Duration,
    /// At most this many processed messages are kept, the newest.
    pub processed_rows: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            sent: Duration::from_secs(60 * 60),
            processed: Duration::from_secs(7 * 24 * 60 * 60),
            processed_rows: 1_000_000,
        }
    }
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Sent outbox rows.
    pub sent: u64,
    /// Processed messages.
    pub processed: u64,
}

impl Store {
    /// Deletes what `retention` no longer keeps.
    pub async fn prune(&self, retention: &Retention) -> Result<Pruned, StoreError> {
        let now = super::now_ms();
        let before =
            |age: Duration| now.saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX));
        let mut tx = self.begin().await?;
        let sent = sqlx::query(&format!(
            "DELETE FROM accord_outbox WHERE state = {SENT} AND sent_at < $1"
        ))
        .bind(before(retention.sent))
        .execute(tx.conn())
        .await?
        .rows_affected();
        let mut processed =
            sqlx::query("DELETE FROM accord_processed_messages WHERE processed_at < $1")
                .bind(before(retention.processed))
                .execute(tx.conn())
                .await?
                .rows_affected();
        // Beyond the count: everything older than the newest `processed_rows`.
        let cut: Option<(i64,)> = sqlx::query_as(
            "SELECT processed_at FROM accord_processed_messages \
             ORDER BY processed_at DESC LIMIT 1 OFFSET $1",
        )
        .bind(i64::try_from(retention.processed_rows).unwrap_or(i64::MAX))
        .fetch_optional(tx.conn())
        .await?;
        if let Some((cut,)) = cut {
            processed +=
                sqlx::query("DELETE FROM accord_processed_messages WHERE processed_at <= $1")
                    .bind(cut)
                    .execute(tx.conn())
                    .await?
                    .rows_affected();
        }
        tx.commit().await?;
        Ok(Pruned { sent, processed })
    }
}
