//! The store against real databases: SQLite files in temp folders and a PostgreSQL server the
//! binary starts itself (`tests/store/postgres.rs`). Every scenario runs on both; relays
//! publish to a recording sink (and, once, to a real `nats-server`).

#[cfg(feature = "nats")]
mod brokers;
mod scraped;
mod store_support;

use accord::messaging::{Backoff, BrokerError, Channel, Message, header};
use accord::store::{Relay, RelayConfig, Retention, StoreError, schema};
use accord::store::{Store, sqlx};
use std::collections::HashSet;
use std::time::Duration;
use store_support::{Recorder, commit, drained, until};

const LIMIT: Duration = Duration::from_secs(30);

/// Runs a scenario on SQLite and on PostgreSQL, as two tests.
macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let (store, _dir) = crate::store_support::sqlite().await;
                    tokio::time::timeout(crate::LIMIT * 2, crate::$scenario(store)).await.expect("bounded");
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(store) = crate::store_support::postgres().await else { return };
                    tokio::time::timeout(crate::LIMIT * 2, crate::$scenario(store)).await.expect("bounded");
                }
            )*
        }
    };
}

on_both!(
    state_and_outbox_commit_together,
    a_relay_publishes_through_the_embedded_broker,
    transactions_publishing_under_one_key_take_turns,
    order_holds_per_key_under_concurrent_keys,
    a_crashed_relay_loses_nothing,
    a_relay_killed_with_sigkill_loses_nothing,
    a_refused_message_is_dead_lettered_while_others_flow,
    a_duplicate_runs_the_handler_once_and_gets_the_stored_reply,
    racing_deliveries_of_one_message_run_it_once,
    migrations_are_idempotent_and_concurrent_opens_are_safe,
    retention_prunes_by_age_and_count,
    two_relays_split_the_keys_without_publishing_twice,
);

fn events() -> Channel {
    Channel::publish_subscribe("test.events").with_key("order_id")
}

fn fast() -> RelayConfig {
    RelayConfig {
        poll: Duration::from_millis(20),
        backoff: Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        ..RelayConfig::default()
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

async fn create_orders(store: &Store) {
    sqlx::query("CREATE TABLE orders (id BIGINT PRIMARY KEY, state TEXT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
}

/// The service's own row and its event commit together; a rolled-back transaction leaves
/// neither, and the relay publishes only the committed event.
async fn state_and_outbox_commit_together(store: Store) {
    create_orders(&store).await;
    let channel = events();
    let mut ids = Vec::new();
    for (id, commit_it) in [(1_i64, true), (2, false)] {
        let message =
            Message::new("test.OrderCreated", format!("order {id}")).with_key(id.to_string());
        let mut tx = store.begin().await.unwrap();
        sqlx::query("INSERT INTO orders (id, state) VALUES ($1, $2)")
            .bind(id)
            .bind("PENDING")
            .execute(tx.conn())
            .await
            .unwrap();
        tx.publish(&channel, &message).await.unwrap();
        if commit_it {
            tx.commit().await.unwrap();
            ids.push(message.message_id);
        } else {
            drop(tx);
        }
    }
    assert_eq!(count(&store, "SELECT COUNT(*) FROM orders").await, 1);
    let sink = Recorder::default();
    let mut relay = Relay::new(store.clone(), sink.clone(), fast());
    let round = relay.round().await.unwrap();
    assert_eq!((round.rows, round.published), (1, 1));
    let published = sink.all();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].0, "test.events");
    assert_eq!(published[0].1.message_id, ids[0]);
    assert_eq!(&published[0].1.payload[..], b"order 1");
    assert_eq!(published[0].1.key.as_deref(), Some("1"));
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.sent, stats.dead), (0, 1, 0));
    assert_eq!(
        relay.round().await.unwrap().rows,
        0,
        "sent rows are not published again"
    );
}

/// Through the embedded broker to a subscriber: every header and the payload as committed, in
/// order per key.
async fn a_relay_publishes_through_the_embedded_broker(store: Store) {
    let broker = accord::messaging::Broker::memory(Default::default());
    let channel = Channel::point_to_point("test.commands").with_key("order_id");
    let mut consumer = broker.subscribe(&channel, "kitchen").await.unwrap();
    let mut sent = Vec::new();
    for n in 0..30 {
        let message = Message::new("test.CreateTicket", format!("{n}"))
            .with_key(format!("order-{}", n % 3))
            .with_reply_to("inbox.7")
            .with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .with_header("tenant", "acme");
        let mut tx = store.begin().await.unwrap();
        tx.publish(&channel, &message).await.unwrap();
        tx.commit().await.unwrap();
        sent.push(message);
    }
    let relay = Relay::new(store.clone(), broker, fast()).spawn();
    let mut received = Vec::new();
    while received.len() < sent.len() {
        let delivery = tokio::time::timeout(LIMIT, consumer.next())
            .await
            .expect("in time")
            .expect("open");
        received.push(delivery.message().clone());
        delivery.ack().await.unwrap();
    }
    drop(relay);
    for key in ["order-0", "order-1", "order-2"] {
        let of = |messages: &[Message]| -> Vec<Message> {
            let key = Some(key.to_owned());
            messages.iter().filter(|m| m.key == key).cloned().collect()
        };
        assert_eq!(of(&received), of(&sent), "{key}");
    }
}

/// A transaction publishing under a key another open transaction published under waits for
/// it, so the relay publishes them in commit order; on PostgreSQL another key does not wait.
async fn transactions_publishing_under_one_key_take_turns(store: Store) {
    let keyed =
        |payload: &str, key: &str| Message::new("test.Event", payload.to_owned()).with_key(key);
    let mut first = store.begin().await.unwrap();
    first
        .publish(&events(), &keyed("first", "k"))
        .await
        .unwrap();
    let publish_later = |payload: &'static str, key: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            tx.publish(&events(), &keyed(payload, key)).await.unwrap();
            tx.commit().await.unwrap();
        })
    };
    let second = publish_later("second", "k");
    if store.backend() == accord::store::Backend::Postgres {
        let other = publish_later("other", "j");
        tokio::time::timeout(LIMIT, other)
            .await
            .expect("another key does not wait")
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second transaction waits for the first"
    );
    first.commit().await.unwrap();
    tokio::time::timeout(LIMIT, second)
        .await
        .expect("then it goes on")
        .unwrap();
    let sink = Recorder::default();
    Relay::new(store.clone(), sink.clone(), fast())
        .round()
        .await
        .unwrap();
    assert_eq!(sink.by_key()["k"], ["first", "second"]);
}

/// Eight keys committed concurrently, a relay publishing meanwhile with a sink that takes its
/// time: every key's messages arrive once each, in commit order.
async fn order_holds_per_key_under_concurrent_keys(store: Store) {
    let sink = Recorder::slow(Duration::from_micros(200));
    let relay = Relay::new(
        store.clone(),
        sink.clone(),
        RelayConfig {
            batch: 32,
            per_key: 4,
            ..fast()
        },
    )
    .spawn();
    let writers: Vec<_> = (0..8)
        .map(|k| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..40 {
                    commit(&store, &events(), Some(&format!("key{k}")), &format!("{n}")).await;
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    until(LIMIT, "every message published", || sink.count() >= 320).await;
    drop(relay);
    let expected: Vec<String> = (0..40).map(|n| n.to_string()).collect();
    let by_key = sink.by_key();
    assert_eq!(by_key.len(), 8);
    for (key, payloads) in by_key {
        assert_eq!(payloads, expected, "order of {key}");
    }
}

/// A relay stopped mid-round (as a crash stops it) and another started after it: every
/// committed message is published; a message published twice keeps its `message_id`, and the
/// repeats are bounded by one round.
async fn a_crashed_relay_loses_nothing(store: Store) {
    let committed = commit_for_crash(&store).await;
    let first = Recorder::slow(Duration::from_millis(2));
    let relay = Relay::new(store.clone(), first.clone(), crash_config()).spawn();
    until(LIMIT, "some published", || first.count() >= 60).await;
    drop(relay); // mid-round: what it published since its last settle is not marked sent
    // An abort lands at the task's next await: a poll running on the other worker finishes.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = first.count();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        first.count(),
        before,
        "the stopped relay published nothing more"
    );
    let first: Vec<Message> = first.all().into_iter().map(|(_, m)| m).collect();
    recover(&store, &committed, &first).await;
}

/// The same with a relay in a child process killed with SIGKILL mid-stream (whatever it was
/// doing: publishing, or writing a round's outcomes).
async fn a_relay_killed_with_sigkill_loses_nothing(store: Store) {
    let committed = commit_for_crash(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("published.log");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_relay", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, database_url(&store).await)
        .env(CHILD_LOG, &log)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the child relay starts");
    let published = || store_support::FileSink::read(&log);
    until(LIMIT, "the child published some", || {
        published().len() >= 60
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    recover(&store, &committed, &published()).await;
}

const CHILD_DB: &str = "ACCORD_STORE_CHILD_DB";
const CHILD_LOG: &str = "ACCORD_STORE_CHILD_LOG";

/// Not a test of its own: the relay process `a_relay_killed_with_sigkill_loses_nothing` runs
/// (this binary again, with the database and the sink's log file in its environment) and
/// kills. Without them it returns at once.
#[test]
fn child_relay() {
    let (Ok(db), Ok(log)) = (std::env::var(CHILD_DB), std::env::var(CHILD_LOG)) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        let sink = store_support::FileSink::new(log.into(), Duration::from_millis(2));
        let relay = Relay::new(store, sink, crash_config());
        tokio::time::timeout(LIMIT, relay.run()).await.ok(); // killed long before
    });
}

fn crash_config() -> RelayConfig {
    RelayConfig {
        name: Some("service-1".into()),
        batch: 50,
        ..fast()
    }
}

/// 200 messages over 10 keys; their ids.
async fn commit_for_crash(store: &Store) -> Vec<String> {
    let mut committed = Vec::new();
    for n in 0..200 {
        let key = format!("key{}", n % 10);
        let message = commit(store, &events(), Some(&key), &format!("{n}")).await;
        committed.push(message.message_id);
    }
    committed
}

/// After a crashed relay published `first`: a relay of the same name publishes the rest; every
/// committed message is published, repeats are bounded by one round (`crash_config`'s batch)
/// and keep their `message_id`, and per key the first publications are in commit order.
async fn recover(store: &Store, committed: &[String], first: &[Message]) {
    let second = Recorder::default();
    let relay = Relay::new(store.clone(), second.clone(), crash_config()).spawn();
    let all = || -> Vec<Message> {
        let second = second.all().into_iter().map(|(_, m)| m);
        first.iter().cloned().chain(second).collect()
    };
    until(LIMIT, "the rest published", || {
        let seen: HashSet<String> = all().into_iter().map(|m| m.message_id).collect();
        seen.len() == committed.len()
    })
    .await;
    drained(store, LIMIT).await;
    drop(relay);
    let committed: HashSet<&String> = committed.iter().collect();
    assert!(all().iter().all(|m| committed.contains(&m.message_id)));
    let first_ids: HashSet<&String> = first.iter().map(|m| &m.message_id).collect();
    let repeated = second
        .all()
        .iter()
        .filter(|(_, m)| first_ids.contains(&m.message_id))
        .count();
    assert!(repeated <= 50, "{repeated} repeats, more than one round");
    let mut firsts: Vec<Message> = Vec::new();
    let mut seen = HashSet::new();
    for m in all() {
        if seen.insert(m.message_id.clone()) {
            firsts.push(m);
        }
    }
    for k in 0..10 {
        let key = format!("key{k}");
        let order: Vec<u32> = firsts
            .iter()
            .filter(|m| m.key.as_deref() == Some(&key))
            .map(|m| std::str::from_utf8(&m.payload).unwrap().parse().unwrap())
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted, "order of {key}");
        assert_eq!(order.len(), 20);
    }
}

/// A message the broker refuses is retried `max_attempts` times, then dead-lettered (to
/// `<address>.dlq` with the reason); its key goes on after it, other keys never wait for it,
/// and a broker outage (unavailable) never dead-letters.
async fn a_refused_message_is_dead_lettered_while_others_flow(store: Store) {
    let outage = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let outages = outage.clone();
    let sink = Recorder::refusing(move |address, m| match &m.payload[..] {
        b"a2" if address == "test.events" => {
            Some(BrokerError::Rejected("message too large".into()))
        }
        b"c1" if outages.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 6 => {
            Some(BrokerError::Unavailable("connection refused".into()))
        }
        _ => None,
    });
    for (key, payload) in [("a", "a1"), ("a", "a2"), ("a", "a3"), ("c", "c1")] {
        commit(&store, &events(), Some(key), payload).await;
    }
    for n in 1..=5 {
        commit(&store, &events(), Some("b"), &format!("b{n}")).await;
    }
    let config = RelayConfig {
        max_attempts: 3,
        ..fast()
    };
    let metrics = accord::metrics::Metrics::new();
    let relay = Relay::new(store.clone(), sink.clone(), config)
        .metrics(metrics.clone())
        .spawn();
    until(LIMIT, "all but the refused one published", || {
        sink.count() >= 9
    })
    .await;
    drained(&store, LIMIT).await;
    drop(relay);
    let by_key = sink.by_key();
    assert_eq!(by_key["b"], ["b1", "b2", "b3", "b4", "b5"]);
    assert_eq!(by_key["c"], ["c1"], "an outage retries, never dead-letters");
    let all = sink.all();
    let a: Vec<(&str, &[u8])> = all
        .iter()
        .filter(|(_, m)| m.key.as_deref() == Some("a"))
        .map(|(address, m)| (address.as_str(), &m.payload[..]))
        .collect();
    assert_eq!(
        a,
        [
            ("test.events", &b"a1"[..]),
            ("test.events.dlq", b"a2"),
            ("test.events", b"a3")
        ]
    );
    let dead = &all
        .iter()
        .find(|(address, _)| address == "test.events.dlq")
        .unwrap()
        .1;
    assert_eq!(dead.header(header::ATTEMPTS), Some("3"));
    assert!(
        dead.header(header::ERROR)
            .unwrap()
            .contains("message too large")
    );
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.sent, stats.dead), (0, 8, 1));
    let letters = store.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(&letters[0].message.payload[..], b"a2");
    assert_eq!(letters[0].attempts, 3);
    assert!(letters[0].error.contains("message too large"));
    assert_eq!(letters[0].channel, events());
    let samples = scraped::dead_letters(&metrics);
    let expected = ("_OTHER".into(), "test.events".into(), "refused".into(), 1.0);
    assert_eq!(
        samples,
        [expected],
        "a test sink is no system the conventions name"
    );
}

/// The handler of the idempotent consumer tests: a kitchen creating a ticket per request.
async fn handle(store: &Store, request: &Message) -> Result<Message, StoreError> {
    let mut tx = store.begin().await?;
    if let Some(done) = tx.seen("kitchen", &request.message_id).await? {
        return Ok(done.reply.expect("a reply was stored"));
    }
    sqlx::query("INSERT INTO tickets (order_id) VALUES ($1)")
        .bind(std::str::from_utf8(&request.payload).unwrap().to_owned())
        .execute(tx.conn())
        .await?;
    let reply = request.reply(
        "test.TicketCreated",
        "ticket for ".to_owned() + std::str::from_utf8(&request.payload).unwrap(),
    );
    tx.record("kitchen", &request.message_id, Some(&reply))
        .await?;
    tx.commit().await?;
    Ok(reply)
}

async fn create_tickets(store: &Store) {
    sqlx::query("CREATE TABLE tickets (order_id TEXT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
}

/// The same request twice: one ticket, and the second delivery gets the first's reply.
async fn a_duplicate_runs_the_handler_once_and_gets_the_stored_reply(store: Store) {
    create_tickets(&store).await;
    let request = Message::new("test.CreateTicket", "order-7").with_reply_to("inbox.1");
    let first = handle(&store, &request).await.unwrap();
    let again = handle(&store, &request).await.unwrap();
    assert_eq!(again, first, "the stored reply, same message_id and all");
    assert_eq!(first.correlation_id.as_deref(), Some(&*request.message_id));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM tickets").await, 1);
    // Another group handles it on its own; a rolled-back record is no record.
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.seen("accounting", &request.message_id)
            .await
            .unwrap()
            .is_none()
    );
    tx.record("accounting", &request.message_id, None)
        .await
        .unwrap();
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.seen("accounting", &request.message_id)
            .await
            .unwrap()
            .is_none()
    );
    tx.record("accounting", &request.message_id, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let seen = tx
        .seen("accounting", &request.message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.reply, None);
    assert_eq!(
        tx.record("accounting", &request.message_id, None).await,
        Err(StoreError::Duplicate)
    );
}

/// Two deliveries of one message handled at the same time (a redelivery racing the first):
/// one ticket; the loser either sees the winner's record or fails with `Duplicate`.
async fn racing_deliveries_of_one_message_run_it_once(store: Store) {
    create_tickets(&store).await;
    for n in 0..10 {
        let request = Message::new("test.CreateTicket", format!("order-{n}"));
        let (a, b) = tokio::join!(handle(&store, &request), handle(&store, &request));
        for outcome in [a, b] {
            match outcome {
                Ok(reply) => {
                    assert_eq!(reply.correlation_id.as_deref(), Some(&*request.message_id))
                }
                Err(StoreError::Duplicate) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(count(&store, "SELECT COUNT(*) FROM tickets").await, 10);
}

/// Opening runs the migrations: again and again, and from two opens at once, each version is
/// applied once; a database at a newer version is refused.
async fn migrations_are_idempotent_and_concurrent_opens_are_safe(store: Store) {
    let url = database_url(&store).await;
    let (a, b) = tokio::join!(Store::open(&url), Store::open(&url));
    a.unwrap();
    b.unwrap();
    Store::open(&url).await.unwrap();
    let versions: Vec<(i64,)> =
        sqlx::query_as("SELECT version FROM accord_schema_version ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let expected: Vec<(i64,)> = (1..=schema::current_version()).map(|v| (v,)).collect();
    assert_eq!(versions, expected);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM accord_relay_lease").await,
        schema::BUCKETS
    );
    sqlx::query("INSERT INTO accord_schema_version (version, description, applied_at) VALUES (999, 'future', 0)")
        .execute(store.pool())
        .await
        .unwrap();
    match Store::open(&url).await {
        Err(StoreError::Schema(m)) => assert!(m.contains("999"), "{m}"),
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
}

/// The URL the store was opened with: the SQLite file's path, or the PostgreSQL database's.
async fn database_url(store: &Store) -> String {
    match store.backend() {
        accord::store::Backend::Sqlite => {
            let (file,): (String,) =
                sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            format!("sqlite:{file}")
        }
        accord::store::Backend::Postgres => {
            let (db,): (String,) = sqlx::query_as("SELECT current_database()::text")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let admin = store_support::postgres::shared().unwrap();
            format!("{}/{db}", admin.rsplit_once('/').unwrap().0)
        }
    }
}

/// Pruning deletes sent rows and processed messages past their age, processed messages past
/// their count (the oldest), and never pending or dead rows.
async fn retention_prunes_by_age_and_count(store: Store) {
    for n in 0..4 {
        commit(&store, &events(), Some("k"), &format!("{n}")).await;
    }
    let mut relay = Relay::new(store.clone(), Recorder::default(), fast());
    assert_eq!(relay.round().await.unwrap().published, 4);
    commit(&store, &events(), Some("k"), "pending").await;
    let mut tx = store.begin().await.unwrap();
    for n in 0..5 {
        tx.record("g", &format!("m{n}"), None).await.unwrap();
    }
    tx.commit().await.unwrap();
    let hour_ago = now_ms() - 2 * 60 * 60 * 1000;
    sqlx::query("UPDATE accord_outbox SET sent_at = $1 WHERE id <= 2")
        .bind(hour_ago)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE accord_processed_messages SET processed_at = $1 WHERE message_id = 'm0'")
        .bind(hour_ago)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE accord_processed_messages SET processed_at = processed_at - 10 WHERE message_id = 'm1'").execute(store.pool()).await.unwrap();
    let retention = Retention {
        sent: Duration::from_secs(60 * 60),
        processed: Duration::from_secs(60 * 60),
        processed_rows: 3,
    };
    let pruned = store.prune(&retention).await.unwrap();
    assert_eq!((pruned.sent, pruned.processed), (2, 2));
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.sent), (1, 2));
    let left: Vec<(String,)> =
        sqlx::query_as("SELECT message_id FROM accord_processed_messages ORDER BY message_id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(
        left,
        [("m2".to_owned(),), ("m3".to_owned(),), ("m4".to_owned(),)]
    );
    assert_eq!(store.prune(&retention).await.unwrap(), Default::default());
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Two relays on one store, each leasing half the buckets: every message published exactly
/// once, in order per key; when one stops, the other takes its buckets over.
async fn two_relays_split_the_keys_without_publishing_twice(store: Store) {
    let sink = Recorder::slow(Duration::from_micros(100));
    let config = |name: &str| RelayConfig {
        name: Some(name.into()),
        max_buckets: 8,
        lease: Duration::from_millis(600),
        ..fast()
    };
    let mut one = Relay::new(store.clone(), sink.clone(), config("one"));
    let mut two = Relay::new(store.clone(), sink.clone(), config("two"));
    one.round().await.unwrap();
    two.round().await.unwrap();
    let (a, b): (HashSet<i64>, HashSet<i64>) = (
        one.buckets().iter().copied().collect(),
        two.buckets().iter().copied().collect(),
    );
    assert_eq!((a.len(), b.len()), (8, 8));
    assert!(a.is_disjoint(&b));
    let (one, two) = (one.spawn(), two.spawn());
    for n in 0..200 {
        commit(
            &store,
            &events(),
            Some(&format!("key{}", n % 40)),
            &format!("{n}"),
        )
        .await;
    }
    until(LIMIT, "all published", || sink.count() >= 200).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.count(), 200, "published twice");
    one.stop().await.unwrap();
    for n in 200..240 {
        commit(
            &store,
            &events(),
            Some(&format!("key{}", n % 40)),
            &format!("{n}"),
        )
        .await;
    }
    until(LIMIT, "the survivor took every bucket", || {
        sink.count() >= 240
    })
    .await;
    drop(two);
    for (key, payloads) in sink.by_key() {
        let numbers: Vec<u32> = payloads.iter().map(|p| p.parse().unwrap()).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, sorted, "order of {key}");
        assert_eq!(numbers.len(), 6);
    }
}

/// A relay publishing through a real `nats-server` (JetStream, file store) to a subscriber.
#[cfg(feature = "nats")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_publishes_through_nats_jetstream() {
    let Some(url) = brokers::shared(brokers::Kind::Nats) else {
        return;
    };
    let (store, _dir) = store_support::sqlite().await;
    let broker = accord::messaging::Broker::connect(&url).await.unwrap();
    let channel = Channel::point_to_point("test.store.relay").with_key("order_id");
    let mut consumer = broker.subscribe(&channel, "test").await.unwrap();
    let mut sent = Vec::new();
    for n in 0..20 {
        sent.push(
            commit(
                &store,
                &channel,
                Some(&format!("k{}", n % 3)),
                &format!("{n}"),
            )
            .await
            .message_id,
        );
    }
    let relay = Relay::new(store.clone(), broker.clone(), fast()).spawn();
    let mut received = Vec::new();
    while received.len() < sent.len() {
        let delivery = tokio::time::timeout(LIMIT, consumer.next())
            .await
            .expect("in time")
            .expect("open");
        received.push(delivery.message().message_id.clone());
        delivery.ack().await.unwrap();
    }
    let (mut a, mut b) = (sent.clone(), received.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let started = std::time::Instant::now();
    while store.outbox_stats().await.unwrap().sent < 20 {
        assert!(started.elapsed() < LIMIT, "rows marked sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(relay);
}

/// A database that cannot be reached is reported as unavailable, in bounded time, without its
/// password; an unusable `--db` string is a configuration error.
#[tokio::test]
async fn unreachable_or_unusable_databases_fail_clearly() {
    let config = accord::store::StoreConfig {
        acquire_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // free, and nobody listens once the listener is dropped
    let url = format!("postgres://app:secret@127.0.0.1:{port}/orders");
    let started = std::time::Instant::now();
    match Store::open_with(&url, config.clone()).await {
        Err(StoreError::Unavailable(m)) => {
            assert!(!m.contains("secret"), "{m}");
            assert!(m.contains("app:***@127.0.0.1"), "{m}");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/x.db");
    let missing = Store::open_with(missing.to_str().unwrap(), config).await;
    assert!(
        matches!(missing, Err(StoreError::Unavailable(_))),
        "{missing:?}"
    );
    for bad in ["", "mysql://h/db", "sqlite:"] {
        let opened = Store::open(bad).await;
        assert!(
            matches!(opened, Err(StoreError::Config(_))),
            "{bad}: {opened:?}"
        );
    }
}

/// On PostgreSQL a relay hears another process's commit at once (`LISTEN`/`NOTIFY`), not at
/// its next poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_hears_commits_of_other_processes_on_postgres() {
    let Some(url) = store_support::postgres::fresh_database().await else {
        return;
    };
    let (here, there) = (
        Store::open(&url).await.unwrap(),
        Store::open(&url).await.unwrap(),
    );
    let sink = Recorder::default();
    let config = RelayConfig {
        poll: Duration::from_secs(60),
        ..fast()
    };
    let relay = Relay::new(here.clone(), sink.clone(), config).spawn();
    tokio::time::sleep(Duration::from_millis(500)).await; // its first round and LISTEN
    for n in 0..3 {
        commit(&there, &events(), Some("k"), &format!("{n}")).await;
        until(
            Duration::from_secs(5),
            "published long before the poll",
            || sink.count() > n,
        )
        .await;
    }
    drop(relay);
}
