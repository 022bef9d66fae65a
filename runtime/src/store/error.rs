//! [`StoreError`]: what a store operation can fail with.

use std::fmt;

/// A failed store operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The `--db` string is unusable (unknown scheme, backend not compiled in, bad option).
    Config(String),
    /// The database cannot be reached (connect or pool timeout, lost connection).
    Unavailable(String),
    /// The database's schema is not one this runtime can use (written by a newer runtime).
    Schema(String),
    /// [`Tx::record`](super::Tx::record) for a message already recorded: another delivery of
    /// the same message committed first. Roll back and acknowledge.
    Duplicate,
    /// The database refused a statement (constraint, syntax, serialization failure, ...).
    Database(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Config(m) => write!(f, "store configuration: {m}"),
            StoreError::Unavailable(m) => write!(f, "store unavailable: {m}"),
            StoreError::Schema(m) => write!(f, "store schema: {m}"),
            StoreError::Duplicate => f.write_str("message already processed"),
            StoreError::Database(m) => write!(f, "store: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
            sqlx::Error::Database(db) => StoreError::Database(db.message().to_owned()),
            sqlx::Error::Configuration(m) => StoreError::Config(m.to_string()),
            e @ (sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_)) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Database(other.to_string()),
        }
    }
}

impl From<StoreError> for crate::CallError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => crate::CallError::Connect(e.to_string()),
            _ => crate::CallError::Internal(e.to_string()),
        }
    }
}
