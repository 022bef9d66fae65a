//! The runtime's own tables and their versions. Each migration is a numbered list of
//! statements per database, applied once, in order, in one transaction with the row that
//! records it in `accord_schema_version`; [`Store::open`](super::Store::open) migrates, applying
//! what is missing, so opening is idempotent. Two processes opening one database at once take
//! turns: PostgreSQL through a transaction-scoped advisory lock taken before anything is read,
//! SQLite through its write lock (`BEGIN IMMEDIATE`). A database already at a version this
//! runtime does not know is refused rather than used.
//!
//! Tables (every timestamp in milliseconds since the Unix epoch, an integer on both
//! databases; `state` 0 = pending, 1 = sent, 2 = dead):
//! - `accord_outbox`: the transactional outbox, one row per message, in commit order per key;
//! - `accord_processed_messages`: the idempotent consumer, one row per (consumer group,
//!   `message_id`) with the reply that was sent, if any;
//! - `accord_relay_lease`: which relay publishes which bucket of keys, until when (`until` 0:
//!   never leased; 1: released by a relay that stopped).
//!
//! A new migration is a new entry at the end of [`MIGRATIONS`]; an applied one is never edited.

use super::backend::Backend;
use super::error::StoreError;
use sqlx::{AnyPool, Executor as _};

/// One version of the schema: its statements on each database.
pub struct Migration {
    /// The version it brings the schema to (1, 2, ...).
    pub version: i64,
    /// What it does, for people.
    pub description: &'static str,
    /// The statements on SQLite.
    pub sqlite: &'static [&'static str],
    /// The statements on PostgreSQL.
    pub postgres: &'static [&'static str],
}

/// The relay's buckets: keys are spread over this many, each published by one relay at a time.
pub const BUCKETS: i64 = 16;

/// Every migration, oldest first.
pub static MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "outbox, processed messages, relay leases",
    sqlite: &[
        "CREATE TABLE accord_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            bucket BIGINT NOT NULL,
            okey TEXT NOT NULL,
            address TEXT NOT NULL,
            kind BIGINT NOT NULL,
            durable BIGINT NOT NULL,
            key_field TEXT,
            message_id TEXT NOT NULL,
            headers TEXT NOT NULL,
            payload BLOB NOT NULL,
            state BIGINT NOT NULL DEFAULT 0,
            attempts BIGINT NOT NULL DEFAULT 0,
            last_error TEXT,
            not_before BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            sent_at BIGINT
        )",
        "CREATE INDEX accord_outbox_pending ON accord_outbox (bucket, okey, id, not_before) \
         WHERE state = 0",
        "CREATE INDEX accord_outbox_sent ON accord_outbox (sent_at) WHERE state = 1",
        "CREATE TABLE accord_processed_messages (
            consumer_group TEXT NOT NULL,
            message_id TEXT NOT NULL,
            reply_headers TEXT,
            reply_payload BLOB,
            processed_at BIGINT NOT NULL,
            PRIMARY KEY (consumer_group, message_id)
        )",
        "CREATE INDEX accord_processed_age ON accord_processed_messages (processed_at)",
        "CREATE TABLE accord_relay_lease (
            bucket BIGINT PRIMARY KEY,
            owner TEXT NOT NULL,
            until BIGINT NOT NULL
        )",
        "WITH RECURSIVE b(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM b WHERE n + 1 < 16)
         INSERT INTO accord_relay_lease (bucket, owner, until) SELECT n, '', 0 FROM b",
    ],
    postgres: &[
        "CREATE TABLE accord_outbox (
            id BIGSERIAL PRIMARY KEY,
            bucket BIGINT NOT NULL,
            okey TEXT NOT NULL,
            address TEXT NOT NULL,
            kind BIGINT NOT NULL,
            durable BIGINT NOT NULL,
            key_field TEXT,
            message_id TEXT NOT NULL,
            headers TEXT NOT NULL,
            payload BYTEA NOT NULL,
            state BIGINT NOT NULL DEFAULT 0,
            attempts BIGINT NOT NULL DEFAULT 0,
            last_error TEXT,
            not_before BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            sent_at BIGINT
        )",
        "CREATE INDEX accord_outbox_pending ON accord_outbox (bucket, okey, id, not_before) \
         WHERE state = 0",
        "CREATE INDEX accord_outbox_sent ON accord_outbox (sent_at) WHERE state = 1",
        "CREATE TABLE accord_processed_messages (
            consumer_group TEXT NOT NULL,
            message_id TEXT NOT NULL,
            reply_headers TEXT,
            reply_payload BYTEA,
            processed_at BIGINT NOT NULL,
            PRIMARY KEY (consumer_group, message_id)
        )",
        "CREATE INDEX accord_processed_age ON accord_processed_messages (processed_at)",
        "CREATE TABLE accord_relay_lease (
            bucket BIGINT PRIMARY KEY,
            owner TEXT NOT NULL,
            until BIGINT NOT NULL
        )",
        "INSERT INTO accord_relay_lease (bucket, owner, until)
         SELECT n, '', 0 FROM generate_series(0, 15) AS n",
    ],
}];

/// The newest version this runtime knows.
pub fn current_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The advisory lock key of migrations on PostgreSQL (any constant; "accord" in ASCII).
const MIGRATION_LOCK: i64 = 0x6163_636f_7264;

/// Brings the database to [`current_version`]; see the module's doc.
pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    tx.execute(
        "CREATE TABLE IF NOT EXISTS accord_schema_version (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )
    .await?;
    let (applied,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(version) FROM accord_schema_version")
            .fetch_one(&mut *tx)
            .await?;
    let applied = applied.unwrap_or(0);
    if applied > current_version() {
        return Err(StoreError::Schema(format!(
            "the database is at version {applied}, newer than this runtime's {}",
            current_version()
        )));
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > applied) {
        apply(&mut tx, migration, backend).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn apply(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    migration: &Migration,
    backend: Backend,
) -> Result<(), StoreError> {
    let statements = match backend {
        Backend::Sqlite => migration.sqlite,
        Backend::Postgres => migration.postgres,
    };
    for statement in statements {
        tx.execute(*statement).await?;
    }
    sqlx::query(
        "INSERT INTO accord_schema_version (version, description, applied_at) VALUES ($1, $2, $3)",
    )
    .bind(migration.version)
    .bind(migration.description)
    .bind(super::now_ms())
    .execute(&mut **tx)
    .await?;
    tracing::info!(version = migration.version, "store schema migrated");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_and_both_databases_get_every_table() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            let tables = |s: &[&str]| {
                s.iter()
                    .filter(|s| s.starts_with("CREATE TABLE"))
                    .map(|s| s.split_whitespace().nth(2).unwrap().to_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(tables(m.sqlite), tables(m.postgres));
        }
        assert!(MIGRATIONS[0].sqlite.iter().any(|s| s.contains("< 16")));
        assert_eq!(BUCKETS, 16);
    }
}
