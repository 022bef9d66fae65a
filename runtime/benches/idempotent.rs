//! The idempotent consumer's cost per message, through the messaging runtime as generated code
//! uses it, printed (nothing asserted): `Publisher::publish` of a JSON event → a
//! `Responder::event` handler on the embedded broker, served without a store, then with
//! `ServeConfig::store` on SQLite (a file, WAL, `synchronous=FULL`) and on PostgreSQL (started
//! privately, fsync on; skipped when missing). With a store each message is a transaction:
//! `seen`, `record`, the handler's own insert, commit. Also: a redelivered message (a
//! duplicate), acknowledged without running its handler.
//!
//! `cargo bench -p accord-runtime --features sqlite,postgres --bench idempotent`.
//! `ACCORD_BENCH_IDEMPOTENT` sets the messages per variant (default 5000).

#[path = "../tests/store_support/postgres.rs"]
mod postgres;

use accord::codec::Format;
use accord::messaging::{
    Broker, BrokerConfig, ChannelInfo, ChannelKind, ConsumerConfig, Publisher, Responder,
    ServeConfig,
};
use accord::store::{Store, Transaction, sqlx};
use accord::{CallError, Request, Validate};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(serde::Serialize, serde::Deserialize)]
struct OrderApproved {
    order_id: i64,
    state: String,
}

impl Validate for OrderApproved {}
accord::__private::message!(OrderApproved = "bench.OrderApproved" {
    order_id: i64 = 1,
    state: String = 2,
});

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let n: u64 = std::env::var("ACCORD_BENCH_IDEMPOTENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let server = postgres::Server::start(true);
    let none = per_message(None, n, "none").await;
    println!(
        "no store            : {:>8.1} µs per message ({n} events)",
        none
    );
    let mut stores = vec![("sqlite", dir.path().join("bench.db").display().to_string())];
    if let Some(server) = &server {
        stores.push(("postgres", server.url()));
    }
    for (name, db) in stores {
        let store = Store::open(&db).await.expect("open");
        let table = "CREATE TABLE approvals (order_id BIGINT NOT NULL, state TEXT NOT NULL)";
        sqlx::query(table).execute(store.pool()).await.unwrap();
        let with = per_message(Some(store.clone()), n, name).await;
        let duplicate = duplicates(&store, n, name).await;
        println!(
            "{name:8} idempotent: {with:>8.1} µs per message (+{:.1} µs over no store: seen + record + the handler's insert + commit); a duplicate: {duplicate:>6.1} µs",
            with - none
        );
    }
}

fn channel(address: String) -> &'static ChannelInfo {
    Box::leak(Box::new(ChannelInfo {
        name: "bench.events",
        address: Box::leak(address.into_boxed_str()),
        kind: ChannelKind::PublishSubscribe,
        key: None,
        format: Format::Json,
    }))
}

/// Publishes `n` events while a subscriber handles them (with `store`, inserting a row in its
/// transaction); wall time per message from the first publish to the last handled.
async fn per_message(store: Option<Store>, n: u64, name: &str) -> f64 {
    let broker = Broker::memory(BrokerConfig::default());
    let events = channel(format!("bench.idempotent.{name}"));
    let handled = Arc::new((AtomicU64::new(0), tokio::sync::Notify::new()));
    let responder = Responder::new("bench.Service").event(
        events,
        "bench.OrderApproved",
        &handled,
        move |handled, event: Request<OrderApproved>| async move {
            if let Some(tx) = Transaction::of(&event.context) {
                let mut tx = tx
                    .lock()
                    .await
                    .map_err(|e| CallError::Internal(e.to_string()))?;
                sqlx::query("INSERT INTO approvals (order_id, state) VALUES ($1, $2)")
                    .bind(event.input.order_id)
                    .bind(event.input.state)
                    .execute(tx.conn())
                    .await
                    .map_err(|e| CallError::Internal(e.to_string()))?;
            }
            if handled.0.fetch_add(1, Ordering::Relaxed) + 1 == n {
                handled.1.notify_one();
            }
            Ok::<(), CallError>(())
        },
    );
    let mut config = ServeConfig {
        consumer: ConsumerConfig {
            max_in_flight: 256,
            ..ConsumerConfig::default()
        },
        ..ServeConfig::default()
    };
    if let Some(store) = store {
        config = config.store(store);
    }
    let _serving = responder.serve(&broker, config).await.unwrap();
    let publisher = Publisher::new(broker.clone());
    let started = Instant::now();
    for i in 0..n {
        let event = OrderApproved {
            order_id: i as i64,
            state: "APPROVED".into(),
        };
        publisher
            .publish(events, "bench.OrderApproved", &event, None)
            .await
            .unwrap();
    }
    let done = handled.1.notified();
    if handled.0.load(Ordering::Relaxed) < n {
        tokio::time::timeout(Duration::from_secs(600), done)
            .await
            .expect("every event handled within 10 minutes");
    }
    started.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// The same event delivered `n` times to a group that handled it once: each is one `seen`
/// in a transaction, then acknowledged without running the handler.
async fn duplicates(store: &Store, n: u64, name: &str) -> f64 {
    let broker = Broker::memory(BrokerConfig::default());
    let events = channel(format!("bench.duplicates.{name}"));
    let runs = Arc::new(AtomicU64::new(0));
    let _serving = Responder::new("bench.Service")
        .event(
            events,
            "bench.OrderApproved",
            &runs,
            |runs, _: Request<OrderApproved>| async move {
                runs.fetch_add(1, Ordering::Relaxed);
                Ok::<(), CallError>(())
            },
        )
        .serve(&broker, ServeConfig::default().store(store.clone()))
        .await
        .unwrap();
    let payload = serde_json::to_vec(&OrderApproved {
        order_id: 1,
        state: "APPROVED".into(),
    })
    .unwrap();
    // One key: handled in order, so the marker below runs after every duplicate.
    let event = accord::messaging::Message::new("bench.OrderApproved", payload).with_key("1");
    broker
        .publish(&events.channel(), event.clone())
        .await
        .unwrap();
    while runs.load(Ordering::Relaxed) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let started = Instant::now();
    for _ in 1..n {
        broker
            .publish(&events.channel(), event.clone())
            .await
            .unwrap();
    }
    // Every duplicate consumed: the queue is empty when a last marker event runs.
    let marker = accord::messaging::Message::new(
        "bench.OrderApproved",
        serde_json::to_vec(&OrderApproved {
            order_id: 2,
            state: "APPROVED".into(),
        })
        .unwrap(),
    )
    .with_key("1");
    broker.publish(&events.channel(), marker).await.unwrap();
    while runs.load(Ordering::Relaxed) < 2 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(runs.load(Ordering::Relaxed), 2, "duplicates never ran");
    started.elapsed().as_secs_f64() * 1e6 / n as f64
}
