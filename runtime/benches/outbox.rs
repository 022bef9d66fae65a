//! The store's costs, printed (nothing asserted):
//! - outbox relay throughput, committed → published: a backlog of committed messages (64 keys)
//!   drained by one relay into the embedded broker (and into NATS JetStream, feature `nats`,
//!   when `nats-server` is on PATH), on SQLite and on PostgreSQL; and the same while writers
//!   commit one message per transaction, as handlers do (commits/s and published/s);
//! - the idempotent consumer's cost per message: a handler's transaction (one insert of its
//!   own, commit) with and without the inbox (`seen` + `record`).
//!
//! `cargo bench -p accord-runtime --features sqlite,postgres[,nats] --bench outbox`. PostgreSQL is
//! started privately as the tests do (fsync on, like a real one), skipped when missing; SQLite
//! is a file in a temp folder (WAL, `synchronous=FULL`). `ACCORD_BENCH_OUTBOX` sets the backlog
//! (default 20000), `ACCORD_BENCH_INBOX` the handled messages per variant (default 2000).

#[cfg(feature = "nats")]
#[path = "../tests/brokers/mod.rs"]
mod brokers;
#[path = "../tests/store_support/postgres.rs"]
mod postgres;

use accord::messaging::{Broker, BrokerConfig, Channel, Message};
use accord::store::{Relay, RelayConfig, Sink, Store, sqlx};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PAYLOAD: &str = r#"{"order_id":12345,"state":"APPROVED"}"#;
const KEYS: usize = 64;

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let server = postgres::Server::start(true);
    let mut targets = vec![("sqlite", dir.path().join("bench.db").display().to_string())];
    if let Some(server) = &server {
        targets.push(("postgres", server.url()));
    }
    #[cfg(feature = "nats")]
    let nats = brokers::Server::start(brokers::Kind::Nats);
    let backlog = count("ACCORD_BENCH_OUTBOX", 20_000);
    let handled = count("ACCORD_BENCH_INBOX", 2_000);
    for (name, db) in &targets {
        let store = Store::open(db).await.expect("open");
        let memory = Broker::memory(BrokerConfig::default());
        let rate = drain(&store, memory.clone(), "memory", backlog).await;
        println!("{name:8} relay backlog → memory broker: {backlog} messages, {rate:>8.0} msg/s");
        #[cfg(feature = "nats")]
        if let Some(nats) = &nats {
            let broker = Broker::connect(&nats.url()).await.expect("nats");
            let rate = drain(&store, broker, name, backlog / 4).await;
            println!(
                "{name:8} relay backlog → NATS JetStream: {} messages, {rate:>8.0} msg/s",
                backlog / 4
            );
        }
        let (commits, published) = live(&store, memory, handled).await;
        println!(
            "{name:8} live: 4 writers, 1 message per transaction: {commits:>6.0} commits/s, {published:>6.0} published/s"
        );
        let (plain, inbox) = consumer_cost(&store, handled).await;
        println!(
            "{name:8} handler transaction: {:>7.1} µs without inbox, {:>7.1} µs with (seen + record): +{:.1} µs per message",
            plain,
            inbox,
            inbox - plain
        );
        store.close().await;
    }
}

/// Commits `n` messages over `KEYS` keys (500 per transaction), then times one relay
/// publishing them all to `broker`, which a subscriber drains.
async fn drain(store: &Store, broker: Broker, tag: &str, n: usize) -> f64 {
    let channel = Channel::point_to_point(format!("bench.outbox.{tag}.{}", uuid::Uuid::new_v4()));
    let received = Arc::new(AtomicU64::new(0));
    let mut consumer = broker.subscribe(&channel, "bench").await.unwrap();
    let counter = received.clone();
    let consuming = tokio::spawn(async move {
        while let Some(delivery) = consumer.next().await {
            counter.fetch_add(1, Ordering::Relaxed);
            let _ = delivery.ack().await;
        }
    });
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut tx = store.begin().await.unwrap();
        for i in chunk {
            let message =
                Message::new("bench.Event", PAYLOAD).with_key(format!("order-{}", i % KEYS));
            tx.publish(&channel, &message).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let started = Instant::now();
    let relay = Relay::new(store.clone(), broker, relay_config()).spawn();
    wait(|| received.load(Ordering::Relaxed) >= n as u64).await;
    let rate = n as f64 / started.elapsed().as_secs_f64();
    relay.stop().await.unwrap(); // gives its buckets up for the next relay
    consuming.abort();
    rate
}

fn relay_config() -> RelayConfig {
    RelayConfig {
        poll: Duration::from_millis(50),
        ..RelayConfig::default()
    }
}

/// Four writers committing one message per transaction while a relay publishes.
async fn live(store: &Store, broker: Broker, n: usize) -> (f64, f64) {
    let channel = Channel::point_to_point(format!("bench.live.{}", uuid::Uuid::new_v4()));
    let published = Arc::new(AtomicU64::new(0));
    let sink = Counting {
        broker,
        published: published.clone(),
    };
    let relay = Relay::new(store.clone(), sink, relay_config()).spawn();
    let started = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (store, channel) = (store.clone(), channel.clone());
            tokio::spawn(async move {
                for i in 0..n / 4 {
                    let message = Message::new("bench.Event", PAYLOAD)
                        .with_key(format!("order-{}", (w * n + i) % KEYS));
                    let mut tx = store.begin().await.unwrap();
                    tx.publish(&channel, &message).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let committed = started.elapsed();
    let total = (n / 4 * 4) as u64;
    wait(|| published.load(Ordering::Relaxed) >= total).await;
    let all = started.elapsed();
    relay.stop().await.unwrap();
    (
        total as f64 / committed.as_secs_f64(),
        total as f64 / all.as_secs_f64(),
    )
}

/// A broker that counts what it was given (the embedded broker drops what no group reads).
struct Counting {
    broker: Broker,
    published: Arc<AtomicU64>,
}

impl Sink for Counting {
    async fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> Result<(), accord::messaging::BrokerError> {
        self.broker.publish(channel, message).await?;
        self.published.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Microseconds per handler transaction, without and with the inbox, one handler at a time;
/// the two variants alternate in blocks of 100, so the disk's moods hit both alike.
async fn consumer_cost(store: &Store, n: usize) -> (f64, f64) {
    let table = format!("bench_tickets_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE TABLE {table} (order_id TEXT NOT NULL)"))
        .execute(store.pool())
        .await
        .unwrap();
    let insert = format!("INSERT INTO {table} (order_id) VALUES ($1)");
    let mut spent = [Duration::ZERO; 2];
    for block in 0..n.div_ceil(100) {
        for (variant, inbox) in [false, true].into_iter().enumerate() {
            let started = Instant::now();
            for i in 0..100 {
                handle(store, &insert, inbox, block * 100 + i).await;
            }
            spent[variant] += started.elapsed();
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / (n.div_ceil(100) * 100) as f64;
    (per(spent[0]), per(spent[1]))
}

/// One handler transaction: its own insert, with or without the inbox around it.
async fn handle(store: &Store, insert: &str, inbox: bool, i: usize) {
    let request = Message::new("bench.CreateTicket", PAYLOAD);
    let mut tx = store.begin().await.unwrap();
    if inbox {
        assert!(
            tx.seen("kitchen", &request.message_id)
                .await
                .unwrap()
                .is_none()
        );
    }
    sqlx::query(insert)
        .bind(format!("order-{i}"))
        .execute(tx.conn())
        .await
        .unwrap();
    if inbox {
        let reply = request.reply("bench.TicketCreated", PAYLOAD);
        tx.record("kitchen", &request.message_id, Some(&reply))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn wait(mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the relay stalled"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
