//! The [`Relay`]: publishes the outbox's committed rows through a broker.
//!
//! Each round takes the due rows of the buckets this relay leases, groups them by key, and
//! publishes each key's rows one after another (different keys at the same time), stopping a
//! key at its first failure so nothing overtakes it. A round's outcomes are written in one
//! transaction at its end: rows published and not yet marked when the process dies are
//! published again by the next relay, with the same `message_id` (at least once; at most one
//! round's `batch` of rows can be repeated). A failed row waits its backoff; a row whose attempts
//! reach `max_attempts` with a refusal ([`BrokerError::Rejected`] or [`BrokerError::Config`]) is
//! marked dead with the reason and published to the channel's dead-letter address
//! (`<address>.dlq`, with `error` and `attempts` headers, as `docs/wire.md` says), and the rows
//! after it in its key go on. A broker that is down or slow ([`BrokerError::Unavailable`],
//! [`BrokerError::Timeout`]) never dead-letters anything: the rows wait in the outbox.
//!
//! Several relays (processes sharing a PostgreSQL database, or a SQLite file) split the keys
//! by bucket (`hash(key) % 16`): a relay publishes only the buckets whose lease it holds
//! (`accord_relay_lease`), renews them while it runs, and stops a round before its lease
//! would lapse. A relay that dies keeps its buckets until the lease expires (or until a relay
//! with the same [`RelayConfig::name`] starts, which takes them back at once).
//!
//! A relay is woken by every commit of its process that published; on PostgreSQL also by other
//! processes' (a transaction that publishes sends `NOTIFY accord_outbox`, delivered at commit,
//! and the relay `LISTEN`s); it polls every [`RelayConfig::poll`] besides.

use super::error::StoreError;
use super::open::Store;
use super::outbox::{self, Outcome, Pending};
use super::prune::Retention;
use crate::messaging::{Backoff, Broker, BrokerError, Channel, Message, header};
use crate::metrics::{MessagingCall, Metrics};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a relay publishes: any broker, or a wrapper around one (tests, metrics).
pub trait Sink: Send + Sync + 'static {
    /// Publishes `message` to `channel`; `Ok` once the broker has it.
    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// The messaging system it publishes to (`nats`, `rabbitmq`, `memory`), for metrics;
    /// `_OTHER`, the OpenTelemetry conventions' value for one they do not name, by default.
    fn system(&self) -> &'static str {
        "_OTHER"
    }
}

impl Sink for Broker {
    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        Broker::publish(self, channel, message)
    }

    fn system(&self) -> &'static str {
        Broker::system(self)
    }
}

/// How a relay works; the defaults suit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// This relay's name in the lease table: a relay restarted with the same name takes its
    /// buckets back at once. Default: a fresh UUID per relay.
    pub name: Option<String>,
    /// How often to look for rows committed by other processes (commits in this process wake
    /// the relay at once), and to retry rows waiting for their backoff.
    pub poll: Duration,
    /// Rows per round at most.
    pub batch: usize,
    /// Rows of one key per round at most, so one busy key does not fill a round.
    pub per_key: usize,
    /// Failed attempts after which a refusal dead-letters a row (at least 1).
    pub max_attempts: u32,
    /// The wait after a failed attempt.
    pub backoff: Backoff,
    /// How long a lease on a bucket lasts; renewed every third of it while the relay runs.
    pub lease: Duration,
    /// Free buckets this relay takes at most (of [`BUCKETS`](super::schema::BUCKETS)): fewer
    /// spreads the keys over several relays, all of them leaves the others standing by. A
    /// bucket whose lease lapsed a whole `lease` ago (its relay died) is taken beyond the cap.
    pub max_buckets: usize,
    /// What the relay prunes, every `prune_every`.
    pub retention: Retention,
    /// How often the relay prunes.
    pub prune_every: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            name: None,
            poll: Duration::from_millis(500),
            batch: 256,
            per_key: 64,
            max_attempts: 5,
            backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(10),
            },
            lease: Duration::from_secs(10),
            max_buckets: super::schema::BUCKETS as usize,
            retention: Retention::default(),
            prune_every: Duration::from_secs(60),
        }
    }
}

/// What one [`Relay::round`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Rows it looked at.
    pub rows: usize,
    /// Rows published.
    pub published: usize,
    /// Rows that failed and wait for a retry.
    pub retried: usize,
    /// Rows given up on (dead-lettered).
    pub dead: usize,
}

/// Publishes a store's outbox through a [`Sink`]; see the module's doc.
pub struct Relay<S: Sink> {
    store: Store,
    sink: Arc<S>,
    config: RelayConfig,
    owner: String,
    held: Vec<i64>,
    /// When the leases in `held` stop being ours, by this process's clock (with a margin).
    held_until: Instant,
    renewed_at: Option<Instant>,
    pruned_at: Instant,
    /// Where dead-lettered rows are counted.
    metrics: Option<Metrics>,
}

impl<S: Sink> Relay<S> {
    /// A relay over `store` publishing to `sink`; call [`Relay::spawn`] or [`Relay::round`].
    pub fn new(store: Store, sink: S, config: RelayConfig) -> Self {
        let owner = config
            .name
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        Relay {
            store,
            sink: Arc::new(sink),
            config,
            owner,
            held: Vec::new(),
            held_until: Instant::now(),
            renewed_at: None,
            pruned_at: Instant::now(),
            metrics: None,
        }
    }

    /// Counts each row it dead-letters in `metrics` (`accord_dead_letters_total`, reason
    /// `refused`).
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The buckets this relay holds now.
    pub fn buckets(&self) -> &[i64] {
        &self.held
    }

    /// Runs [`Relay::run`] on a task; the relay stops when the [`RelayTask`] is dropped.
    pub fn spawn(self) -> RelayTask {
        let store = self.store.clone();
        let owner = self.owner.clone();
        RelayTask {
            handle: Some(tokio::spawn(self.run())),
            store,
            owner,
        }
    }

    /// Publishes until dropped: a round whenever something was committed in this process (or,
    /// on PostgreSQL, in another: `LISTEN accord_outbox`), every `poll` otherwise, at once again after a full round; prunes every `prune_every`.
    pub async fn run(mut self) {
        let _listening = Aborting(listen(&self.store, self.config.poll));
        loop {
            let full = match self.round().await {
                Ok(round) => round.rows >= self.config.batch,
                Err(e) => {
                    tracing::warn!("outbox relay: {e}");
                    false
                }
            };
            if self.pruned_at.elapsed() >= self.config.prune_every {
                self.pruned_at = Instant::now();
                if let Err(e) = self.store.prune(&self.config.retention).await {
                    tracing::warn!("outbox relay pruning: {e}");
                }
            }
            if !full {
                let committed = self.store.inner.committed.notified();
                tokio::select! {
                    () = committed => {}
                    () = tokio::time::sleep(self.config.poll) => {}
                }
            }
        }
    }

    /// One round: renew the leases if due, publish what is due, write the outcomes.
    pub async fn round(&mut self) -> Result<Round, StoreError> {
        self.renew().await?;
        if self.held.is_empty() {
            return Ok(Round::default());
        }
        let rows = outbox::due(
            &self.store,
            &self.held,
            super::now_ms(),
            self.config.per_key.max(1) as i64,
            self.config.batch.max(1) as i64,
        )
        .await?;
        let mut round = Round {
            rows: rows.len(),
            ..Round::default()
        };
        let keys = by_key(rows);
        let outcomes: Vec<(i64, Outcome)> =
            futures::future::join_all(keys.into_iter().map(|rows| self.publish_key(rows)))
                .await
                .into_iter()
                .flatten()
                .collect();
        for (_, outcome) in &outcomes {
            match outcome {
                Outcome::Sent => round.published += 1,
                Outcome::Retry { .. } => round.retried += 1,
                Outcome::Dead { .. } => round.dead += 1,
            }
        }
        if !outcomes.is_empty() {
            outbox::settle(&self.store, &outcomes).await?;
        }
        Ok(round)
    }

    /// Renews the leases every third of their duration (and takes free buckets then).
    async fn renew(&mut self) -> Result<(), StoreError> {
        let lease = self.config.lease;
        if self.renewed_at.is_some_and(|t| t.elapsed() < lease / 3) {
            return Ok(());
        }
        let started = Instant::now();
        let now = super::now_ms();
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        self.held = outbox::lease(
            &self.store,
            &self.owner,
            now,
            until,
            self.config.max_buckets as i64,
        )
        .await?;
        // A margin for clocks that drift and for the publish in flight when it lapses.
        self.held_until = started + lease - lease / 5;
        self.renewed_at = Some(started);
        Ok(())
    }

    /// Publishes one key's rows in order, stopping at the first failure.
    async fn publish_key(&self, rows: Vec<Pending>) -> Vec<(i64, Outcome)> {
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            if Instant::now() >= self.held_until {
                break; // the lease may lapse mid-publish: leave the rest to the next round
            }
            match self.sink.publish(&row.channel, row.message.clone()).await {
                Ok(()) => outcomes.push((row.id, Outcome::Sent)),
                Err(e) => {
                    let outcome = self.failed(&row, e).await;
                    outcomes.push((row.id, outcome));
                    break;
                }
            }
        }
        outcomes
    }

    /// What a failed publish of `row` becomes: a retry later, or a dead letter.
    async fn failed(&self, row: &Pending, error: BrokerError) -> Outcome {
        let attempts = row.attempts + 1;
        let refused = matches!(error, BrokerError::Rejected(_) | BrokerError::Config(_));
        let error = error.to_string();
        if !refused || attempts < i64::from(self.config.max_attempts.max(1)) {
            tracing::debug!(id = row.id, attempts, "outbox publish failed: {error}");
            let wait = self
                .config
                .backoff
                .delay(u32::try_from(attempts).unwrap_or(u32::MAX));
            let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
            return Outcome::Retry {
                error,
                not_before: super::now_ms() + wait,
            };
        }
        let mut dead = row.message.clone();
        dead.set_header(header::ERROR, error.clone());
        dead.set_header(header::ATTEMPTS, attempts.to_string());
        let dlq = row.channel.dead_letters();
        tracing::warn!(id = row.id, address = %row.channel.address, "outbox message dead-lettered: {error}");
        if let Some(metrics) = &self.metrics {
            let call = MessagingCall {
                system: self.sink.system(),
                destination: row.channel.address.clone(),
                operation: "publish",
            };
            metrics.dead_lettered(call, "refused");
        }
        match self.sink.publish(&dlq, dead).await {
            Ok(()) => Outcome::Dead { error },
            Err(e) => Outcome::Dead {
                error: format!("{error}; `{}` refused it too: {e}", dlq.address),
            },
        }
    }
}

/// The PostgreSQL notification channel a commit that published signals on.
pub(crate) const CHANNEL: &str = "accord_outbox";

/// On PostgreSQL, a task that wakes the relay when another process commits to the outbox
/// (the poll still covers a lost notification or connection).
fn listen(store: &Store, retry: Duration) -> Option<tokio::task::JoinHandle<()>> {
    #[cfg(feature = "postgres")]
    if let Some(url) = store.inner.url.clone() {
        let store = store.clone();
        return Some(tokio::spawn(async move {
            loop {
                if let Err(e) = listen_once(&store, &url).await {
                    tracing::debug!("outbox relay LISTEN: {e}");
                }
                tokio::time::sleep(retry).await;
            }
        }));
    }
    let _ = (store, retry);
    None
}

#[cfg(feature = "postgres")]
async fn listen_once(store: &Store, url: &str) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    loop {
        listener.recv().await?;
        store.inner.committed.notify_one();
    }
}

/// Aborts its task when dropped.
struct Aborting(Option<tokio::task::JoinHandle<()>>);

impl Drop for Aborting {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// The rows grouped by key, each group in id order, the groups in the order of their first row.
fn by_key(rows: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<Pending>> = Vec::new();
    for row in rows {
        match index.get(&row.okey) {
            Some(&i) => groups[i].push(row),
            None => {
                index.insert(row.okey.clone(), groups.len());
                groups.push(vec![row]);
            }
        }
    }
    groups
}

/// A running relay ([`Relay::spawn`]); dropping it stops the relay where it is, as a crash
/// would (its leases lapse in their time); [`RelayTask::stop`] also gives the leases up.
pub struct RelayTask {
    handle: Option<tokio::task::JoinHandle<()>>,
    store: Store,
    owner: String,
}

impl RelayTask {
    /// Stops the relay and releases its buckets for other relays.
    pub async fn stop(mut self) -> Result<(), StoreError> {
        if let Some(handle) = self.handle.take() {
            handle.abort();
            let _ = handle.await;
        }
        outbox::release(&self.store, &self.owner).await
    }
}

impl Drop for RelayTask {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}
