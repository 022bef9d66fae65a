//! [`Store::open`]: the `--db` string to a pool of connections, with the SQLite settings that
//! make it a service's durable store, and the runtime's migrations applied.

pub use super::backend::Backend;
use super::error::StoreError;
use super::schema;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor as _};
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// How a store connects; the defaults suit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Connections in the pool (1 for `sqlite::memory:`, whose database lives in its one
    /// connection).
    pub max_connections: u32,
    /// The longest [`Store::begin`] waits for a connection, and [`Store::open`] for the first.
    pub acquire_timeout: Duration,
    /// SQLite: how long a writer waits for another's transaction to end before failing.
    pub busy_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// A service's database. Cheap to clone; clones share the pool and the relay's wake-up.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Woken by every commit that wrote to the outbox, so a relay in this process publishes at
    /// once instead of at its next poll.
    pub(crate) committed: Notify,
    /// SQLite: the process's transactions queue here for the one write lock, in order, instead
    /// of polling for it in SQLite's busy handler (which sleeps up to 100 ms between tries).
    /// Other processes on the same file still wait in the busy handler.
    pub(crate) writer: Option<Arc<Semaphore>>,
    pub(crate) acquire_timeout: Duration,
    /// PostgreSQL: the URL, for a relay's `LISTEN` connection.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) url: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish()
    }
}

impl Store {
    /// Opens with the default [`StoreConfig`]. See [`Store::open_with`].
    pub async fn open(db: &str) -> Result<Store, StoreError> {
        Self::open_with(db, StoreConfig::default()).await
    }

    /// Opens the store at `db` and brings its tables to this runtime's schema:
    /// - `postgres://…` or `postgresql://…` (feature `postgres`);
    /// - `sqlite:PATH`, `sqlite://PATH` or a plain `PATH` (feature `sqlite`): the file is
    ///   created if missing, in WAL mode with `synchronous=FULL` (a commit survives a power
    ///   loss, not only a crash: the outbox and the processed messages promise what a broker
    ///   was told, so they must not lose an acknowledged commit);
    /// - `sqlite::memory:`: a private database that lives as long as the store (tests, and
    ///   services run without `--db`).
    pub async fn open_with(db: &str, config: StoreConfig) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let target = Target::parse(db)?;
        let pool = target.pool(&config).await?;
        schema::migrate(&pool, target.backend()).await?;
        let backend = target.backend();
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                committed: Notify::new(),
                writer: (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1))),
                acquire_timeout: config.acquire_timeout,
                url: match &target {
                    Target::Postgres { url } => Some(url.clone()),
                    Target::Sqlite { .. } => None,
                },
            }),
        })
    }

    /// The database this store is on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The connection pool, for the service's own queries outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Closes every connection; later operations fail.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

/// Where a `--db` string points.
enum Target {
    Sqlite { path: String, memory: bool },
    Postgres { url: String },
}

impl Target {
    fn parse(db: &str) -> Result<Target, StoreError> {
        let db = db.trim();
        if db.is_empty() {
            return Err(StoreError::Config("empty database path or URL".into()));
        }
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            return Ok(Target::Postgres { url: db.to_owned() });
        }
        let path = db
            .strip_prefix("sqlite://")
            .or_else(|| db.strip_prefix("sqlite:"))
            .unwrap_or(db);
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(StoreError::Config(format!(
                "unknown database scheme `{scheme}://` (a file path, sqlite:PATH, postgres://)"
            )));
        }
        match path {
            "" => Err(StoreError::Config("`sqlite:` needs a path".into())),
            ":memory:" => Ok(Target::Sqlite {
                path: String::new(),
                memory: true,
            }),
            _ => Ok(Target::Sqlite {
                path: path.to_owned(),
                memory: false,
            }),
        }
    }

    fn backend(&self) -> Backend {
        match self {
            Target::Sqlite { .. } => Backend::Sqlite,
            Target::Postgres { .. } => Backend::Postgres,
        }
    }

    async fn pool(&self, config: &StoreConfig) -> Result<AnyPool, StoreError> {
        let options = AnyPoolOptions::new().acquire_timeout(config.acquire_timeout);
        match self {
            Target::Postgres { url } => {
                check_compiled(Backend::Postgres)?;
                let connect = AnyConnectOptions::from_str(url)
                    .map_err(|_| StoreError::Config(format!("`{}` is not a URL", redact(url))))?;
                let pool = options.max_connections(config.max_connections.max(1));
                Ok(pool
                    .connect_with(connect)
                    .await
                    .map_err(|e| unreachable(url, e))?)
            }
            Target::Sqlite { path, memory } => {
                check_compiled(Backend::Sqlite)?;
                let url = sqlite_url(path, *memory);
                let connect = AnyConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::Config(format!("`{path}`: {e}")))?;
                let busy = config.busy_timeout.as_millis();
                let connections = if *memory {
                    1
                } else {
                    config.max_connections.max(1)
                };
                let pool = options
                    .max_connections(connections)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute(&*sqlite_pragmas(busy)).await?;
                            Ok(())
                        })
                    });
                Ok(pool
                    .connect_with(connect)
                    .await
                    .map_err(|e| unreachable(path, e))?)
            }
        }
    }
}

/// The settings of every SQLite connection: WAL (readers never block the writer), FULL sync
/// (see [`Store::open_with`]), a busy timeout instead of an immediate `SQLITE_BUSY`.
fn sqlite_pragmas(busy_ms: u128) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = {busy_ms}; \
         PRAGMA foreign_keys = ON;"
    )
}

/// The sqlx URL of a SQLite file: the path percent-encoded (sqlx decodes it, so `?`, `#` and
/// `%` in a file name survive), created if missing.
fn sqlite_url(path: &str, memory: bool) -> String {
    if memory {
        return "sqlite::memory:".to_owned();
    }
    const SPECIAL: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b'%')
        .add(b'?')
        .add(b'#')
        .add(b' ');
    let encoded = percent_encoding::utf8_percent_encode(path, SPECIAL);
    format!("sqlite:{encoded}?mode=rwc")
}

fn check_compiled(backend: Backend) -> Result<(), StoreError> {
    let (compiled, feature) = match backend {
        Backend::Sqlite => (cfg!(feature = "sqlite"), "sqlite"),
        Backend::Postgres => (cfg!(feature = "postgres"), "postgres"),
    };
    if compiled {
        return Ok(());
    }
    Err(StoreError::Config(format!(
        "this database needs the `{feature}` feature of the accord crate"
    )))
}

fn unreachable(target: &str, e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Unavailable(m) | StoreError::Database(m) => {
            StoreError::Unavailable(format!("{}: {m}", redact(target)))
        }
        other => other,
    }
}

/// The URL without its password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_strings_pick_the_backend() {
        let sqlite = |s| match Target::parse(s) {
            Ok(Target::Sqlite { path, memory }) => (path, memory),
            _ => panic!("{s} is sqlite"),
        };
        assert_eq!(sqlite("orders.db"), ("orders.db".into(), false));
        assert_eq!(sqlite("sqlite:/var/x.db"), ("/var/x.db".into(), false));
        assert_eq!(sqlite("sqlite:///var/x.db"), ("/var/x.db".into(), false));
        assert_eq!(sqlite("sqlite::memory:"), (String::new(), true));
        assert!(matches!(
            Target::parse("postgresql://u:p@h/db"),
            Ok(Target::Postgres { .. })
        ));
        for bad in ["", "sqlite:", "mysql://h/db"] {
            assert!(
                matches!(Target::parse(bad), Err(StoreError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn file_names_with_url_characters_survive() {
        assert_eq!(
            sqlite_url("/tmp/a b?#%.db", false),
            "sqlite:/tmp/a%20b%3F%23%25.db?mode=rwc"
        );
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
    }
}
