//! Which database a store is on ([`Backend`]): what opening and migrating both ask.

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// One file per service (or `sqlite::memory:`), WAL.
    Sqlite,
    /// A PostgreSQL database, shareable by several instances of a service.
    Postgres,
}
