//! The broker semantics every backend must show, written once and run against the embedded
//! broker (`messaging.rs`), NATS (`messaging_nats.rs`) and RabbitMQ (`messaging_amqp.rs`).
//! Every wait is bounded (a hung broker fails the test, it does not hang it); no assertion is
//! about how long anything took.

#![allow(dead_code)] // each test binary uses its own subset

use accord::messaging::{
    Backoff, Broker, Channel, ConsumerConfig, HandlerError, Message, PROTOBUF, header,
};
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One `#[tokio::test]` per case of the suite against a real broker: `$broker` is the test
/// binary's `async fn() -> Option<Broker>` (`None`: the server is not installed, the test skips).
#[allow(unused_macros)] // the embedded broker's binary runs its cases on a paused clock instead
macro_rules! against_a_real_broker {
    ($broker:ident) => {
        messaging_suite::against_a_real_broker!(@each $broker headers_and_payload_round_trip, group_members_compete, groups_fan_out, per_key_order, nack_redelivers, failures_are_retried_then_dead_lettered, in_flight_is_bounded, replies_reach_the_inbox, illegal_reply_addresses_are_refused_before_sending);
    };
    (@each $broker:ident $($name:ident),*) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(broker) = $broker().await else { return };
            messaging_suite::$name(&broker).await;
        }
    )*};
}
#[allow(unused_imports)]
// the embedded broker's binary runs its cases on a paused clock instead
pub(crate) use against_a_real_broker;

/// A name no other test (nor an earlier run against the same broker) uses.
pub fn unique(name: &str) -> String {
    let id = accord::__private::uuid::Uuid::new_v4().simple().to_string();
    format!("test.{name}.{}", &id[..12])
}

/// Retries fast so the tests do not wait long for dead letters.
pub fn fast_retries() -> ConsumerConfig {
    ConsumerConfig {
        max_attempts: 3,
        retry_backoff: Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(40),
        },
        max_in_flight: 16,
    }
}

/// Fails the test instead of hanging it.
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Long enough for a stray extra delivery to arrive, before checking there was none.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Serving tasks, aborted when the test ends (also when it fails).
#[derive(Default)]
pub struct Serving(Vec<JoinHandle<()>>);

impl Serving {
    pub fn spawn(&mut self, f: impl Future<Output = ()> + Send + 'static) {
        self.0.push(tokio::spawn(f));
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

fn text(m: &Message) -> String {
    String::from_utf8_lossy(&m.payload).into_owned()
}

async fn recv_n<T>(rx: &mut mpsc::UnboundedReceiver<T>, n: usize, what: &str) -> Vec<T> {
    within(what, async {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            got.push(rx.recv().await.expect("senders alive"));
        }
        got
    })
    .await
}

/// A handler that reports (member, payload) of every message it handles.
fn reporter(
    member: &'static str,
    tx: &mpsc::UnboundedSender<(&'static str, String)>,
) -> impl Fn(&Message) -> std::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static {
    let tx = tx.clone();
    move |m: &Message| {
        let _ = tx.send((member, text(m)));
        std::future::ready(Ok(()))
    }
}

/// Every header and the payload arrive exactly as sent.
pub async fn headers_and_payload_round_trip(broker: &Broker) {
    let channel = Channel::point_to_point(unique("roundtrip"));
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    let sent = Message::new("test.Shape", Bytes::from_static(b"\x08\x96\x01"))
        .with_content_type(PROTOBUF)
        .with_correlation_id("corr-1")
        .with_reply_to("some.inbox")
        .with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .with_key("order-7")
        .with_header("tenant", "acme");
    broker.publish(&channel, sent.clone()).await.unwrap();
    let delivery = within("the message", consumer.next()).await.unwrap();
    assert_eq!(delivery.message(), &sent);
    assert_eq!(delivery.attempt(), 1);
    delivery.ack().await.unwrap();
}

/// Members of one group compete: each message reaches exactly one of them.
pub async fn group_members_compete(broker: &Broker) {
    for channel in [
        Channel::publish_subscribe(unique("compete.events")),
        Channel::point_to_point(unique("compete.commands")),
    ] {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut serving = Serving::default();
        for member in ["m0", "m1"] {
            let consumer = broker.subscribe(&channel, "workers").await.unwrap();
            serving.spawn(consumer.serve(fast_retries(), reporter(member, &tx)));
        }
        for i in 0..20 {
            broker
                .publish(&channel, Message::new("test.N", i.to_string()))
                .await
                .unwrap();
        }
        let got = recv_n(&mut rx, 20, "20 messages").await;
        let payloads: BTreeSet<String> = got.into_iter().map(|(_, p)| p).collect();
        assert_eq!(payloads.len(), 20, "each message once: {payloads:?}");
        settle().await;
        assert!(rx.try_recv().is_err(), "no message reached two members");
    }
}

/// Every group of a publish-subscribe channel gets every message.
pub async fn groups_fan_out(broker: &Broker) {
    let channel = Channel::publish_subscribe(unique("fanout"));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut serving = Serving::default();
    for (member, group) in [("a0", "a"), ("a1", "a"), ("b0", "b")] {
        let consumer = broker.subscribe(&channel, group).await.unwrap();
        serving.spawn(consumer.serve(fast_retries(), reporter(member, &tx)));
    }
    for i in 0..10 {
        let m = Message::new("test.N", i.to_string());
        broker.publish(&channel, m).await.unwrap();
    }
    let got = recv_n(&mut rx, 20, "10 messages per group").await;
    let mut per_group: BTreeMap<char, BTreeSet<String>> = BTreeMap::new();
    for (member, payload) in got {
        let group = member.chars().next().unwrap();
        assert!(per_group.entry(group).or_default().insert(payload));
    }
    let all: BTreeSet<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(per_group[&'a'], all);
    assert_eq!(per_group[&'b'], all);
    settle().await;
    assert!(rx.try_recv().is_err());
}

/// Messages with one key are handled one at a time, in order, even when one of them fails
/// and is retried; different keys run concurrently.
pub async fn per_key_order(broker: &Broker) {
    let channel = Channel::publish_subscribe(unique("keyed")).with_key("order_id");
    let consumer = broker.subscribe(&channel, "g").await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let failed_once = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (running, most) = (running.clone(), most.clone());
        move |m: &Message| {
            let (key, i) = text(m)
                .split_once(':')
                .map(|(k, i)| (k.to_owned(), i.parse::<u64>().unwrap()))
                .unwrap();
            let (tx, running, most, failed_once) = (
                tx.clone(),
                running.clone(),
                most.clone(),
                failed_once.clone(),
            );
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Uneven handling times, so a later message could overtake an earlier one.
                tokio::time::sleep(Duration::from_millis((i * 7 + key.len() as u64) % 5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                if key == "k0" && i == 3 && failed_once.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(HandlerError::Failed("transient".into()));
                }
                let _ = tx.send((key, i));
                Ok(())
            }
        }
    };
    let mut serving = Serving::default();
    serving.spawn(consumer.serve(fast_retries(), handler));
    for i in 0..10 {
        for key in ["k0", "k1", "k2"] {
            let m = Message::new("test.N", format!("{key}:{i}")).with_key(key);
            broker.publish(&channel, m).await.unwrap();
        }
    }
    let got = recv_n(&mut rx, 30, "30 keyed messages").await;
    for key in ["k0", "k1", "k2"] {
        let seen: Vec<u64> = got
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(seen, (0..10).collect::<Vec<_>>(), "order of {key}");
    }
    assert!(
        most.load(Ordering::SeqCst) > 1,
        "different keys ran concurrently"
    );
}

/// A message handed back is delivered again, counted as a second delivery.
pub async fn nack_redelivers(broker: &Broker) {
    let channel = Channel::point_to_point(unique("nack"));
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    let sent = Message::new("test.N", "again");
    broker.publish(&channel, sent.clone()).await.unwrap();
    let first = within("the first delivery", consumer.next()).await.unwrap();
    assert_eq!(first.attempt(), 1);
    first.nack(Duration::ZERO).await.unwrap();
    let second = within("the redelivery", consumer.next()).await.unwrap();
    assert_eq!(second.message().message_id, sent.message_id);
    assert_eq!(second.attempt(), 2);
    second.ack().await.unwrap();
}

/// A handler that keeps failing runs `max_attempts` times, then the message goes to
/// `<address>.dlq` with `error` and `attempts` headers; undecodable messages go there at once;
/// a panicking handler counts as failing; the consumer keeps serving throughout.
pub async fn failures_are_retried_then_dead_lettered(broker: &Broker) {
    let channel = Channel::point_to_point(unique("dlq"));
    let mut dead = broker
        .subscribe(&channel.dead_letters(), "ops")
        .await
        .unwrap();
    let consumer = broker.subscribe(&channel, "g").await.unwrap();
    let calls = Arc::new(std::sync::Mutex::new(BTreeMap::<String, usize>::new()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = {
        let calls = calls.clone();
        move |m: &Message| {
            let payload = text(m);
            *calls.lock().unwrap().entry(payload.clone()).or_default() += 1;
            let tx = tx.clone();
            async move {
                match payload.as_str() {
                    "fails" => Err(HandlerError::Failed("downstream said no".into())),
                    "garbage" => Err(HandlerError::Undeliverable(
                        "unknown message type test.Nope".into(),
                    )),
                    "panics" => panic!("handler bug"),
                    _ => {
                        let _ = tx.send(payload);
                        Ok(())
                    }
                }
            }
        }
    };
    let metrics = accord::metrics::Metrics::new();
    let mut serving = Serving::default();
    serving.spawn(
        consumer
            .metrics(metrics.clone())
            .serve(fast_retries(), handler),
    );
    for payload in ["fails", "garbage", "panics", "fine"] {
        let m = Message::new("test.N", payload).with_header("tenant", "acme");
        broker.publish(&channel, m).await.unwrap();
    }
    assert_eq!(recv_n(&mut rx, 1, "the good message").await, ["fine"]);
    let mut letters = BTreeMap::new();
    for _ in 0..3 {
        let letter = within("a dead letter", dead.next()).await.unwrap();
        let m = letter.message().clone();
        letter.ack().await.unwrap();
        letters.insert(text(&m), m);
    }
    let header = |p: &str, h: &str| letters[p].header(h).map(str::to_owned);
    assert_eq!(
        header("fails", header::ERROR).as_deref(),
        Some("downstream said no")
    );
    assert_eq!(header("fails", header::ATTEMPTS).as_deref(), Some("3"));
    assert_eq!(
        header("garbage", header::ERROR).as_deref(),
        Some("unknown message type test.Nope")
    );
    assert_eq!(header("garbage", header::ATTEMPTS).as_deref(), Some("0"));
    assert!(
        header("panics", header::ERROR)
            .unwrap()
            .contains("handler bug")
    );
    assert_eq!(header("panics", header::ATTEMPTS).as_deref(), Some("3"));
    let counted = crate::scraped::dead_letters(&metrics);
    let counted: Vec<_> = counted
        .iter()
        .map(|(system, address, reason, n)| {
            assert_eq!(system, broker.system());
            assert_eq!(address, &*channel.address, "the channel's, not the .dlq");
            (reason.as_str(), *n)
        })
        .collect();
    assert_eq!(counted, [("failed", 2.0), ("undeliverable", 1.0)]);
    assert_eq!(
        header("fails", "tenant").as_deref(),
        Some("acme"),
        "headers kept"
    );
    let calls = calls.lock().unwrap().clone();
    let expected = [("fails", 3), ("fine", 1), ("garbage", 1), ("panics", 3)];
    let expected: BTreeMap<String, usize> = expected
        .into_iter()
        .map(|(p, n)| (p.to_owned(), n))
        .collect();
    assert_eq!(calls, expected);
}

/// No more than `max_in_flight` messages are taken at once; the rest wait in the broker.
pub async fn in_flight_is_bounded(broker: &Broker) {
    let channel = Channel::point_to_point(unique("bounded"));
    let consumer = broker.subscribe(&channel, "g").await.unwrap();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let entered = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = {
        let (gate, entered) = (gate.clone(), entered.clone());
        move |m: &Message| {
            entered.fetch_add(1, Ordering::SeqCst);
            let (gate, tx, payload) = (gate.clone(), tx.clone(), text(m));
            async move {
                gate.acquire().await.unwrap().forget();
                let _ = tx.send(payload);
                Ok(())
            }
        }
    };
    let config = ConsumerConfig {
        max_in_flight: 2,
        ..fast_retries()
    };
    let mut serving = Serving::default();
    serving.spawn(consumer.serve(config, handler));
    for i in 0..6 {
        let m = Message::new("test.N", i.to_string());
        broker.publish(&channel, m).await.unwrap();
    }
    within("two handlers to start", async {
        while entered.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    settle().await;
    assert_eq!(entered.load(Ordering::SeqCst), 2, "only two taken");
    gate.add_permits(6);
    assert_eq!(recv_n(&mut rx, 6, "all six").await.len(), 6);
}

/// A request carries `reply_to` = an inbox; the reply carries `correlation_id` = the request's
/// `message_id` and arrives in the inbox.
pub async fn replies_reach_the_inbox(broker: &Broker) {
    let channel = Channel::point_to_point(unique("requests"));
    let consumer = broker.subscribe(&channel, "server").await.unwrap();
    let server = broker.clone();
    let handler = move |request: &Message| {
        let reply = request.reply("test.Pong", request.payload.clone());
        let to = request.reply_to.clone().expect("reply_to");
        let server = server.clone();
        async move {
            server
                .reply(&to, reply)
                .await
                .map_err(|e| HandlerError::Failed(e.to_string()))
        }
    };
    let mut serving = Serving::default();
    serving.spawn(consumer.serve(fast_retries(), handler));
    let mut inbox = broker.reply_inbox().await.unwrap();
    let request = Message::new("test.Ping", "hello")
        .with_reply_to(inbox.address())
        .with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    broker.publish(&channel, request.clone()).await.unwrap();
    let reply = within("the reply", inbox.next()).await.unwrap();
    assert_eq!(reply.correlation_id.as_deref(), Some(&*request.message_id));
    assert_eq!(reply.message_type, "test.Pong");
    assert_eq!(reply.payload, "hello");
    assert_eq!(reply.traceparent, request.traceparent);
}

/// `tests/validators/messaging_interop.py` (nats-py / pika) sends a request with the wire
/// names of `docs/wire.md` to a consumer served here, which replies with what it read.
/// Skipped (`SKIPPED`) when python3 or the client library is missing, unless `CI` is set.
pub async fn python_clients_speak_the_documented_wire(broker: &Broker, mode: &str, url: &str) {
    let module = if mode == "nats" { "nats" } else { "pika" };
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with {module} is required under CI"
        );
        eprintln!("SKIPPED: python3 with {module} (tests/validators/requirements.txt) is missing");
        return;
    }
    let channel = Channel::point_to_point(unique("interop"));
    let consumer = broker.subscribe(&channel, "kitchen").await.unwrap();
    let server = broker.clone();
    let handler = move |request: &Message| {
        let seen = serde_json::json!({
            "message_id": request.message_id,
            "message_type": request.message_type,
            "traceparent": request.traceparent,
            "content_type": request.content_type,
            "tenant": request.header("tenant"),
        });
        let reply = request.reply("ftgo.kitchen.TicketRejected", seen.to_string());
        let (server, to) = (server.clone(), request.reply_to.clone().unwrap_or_default());
        async move {
            server
                .reply(&to, reply)
                .await
                .map_err(|e| HandlerError::Failed(e.to_string()))
        }
    };
    let mut serving = Serving::default();
    serving.spawn(consumer.serve(fast_retries(), handler));
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/validators/messaging_interop.py"
    );
    let args = [
        script.to_owned(),
        mode.to_owned(),
        url.to_owned(),
        channel.address.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(args)
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.contains("OK"), "{said}");
}

/// A message whose consumers keep stopping before they acknowledge it (a crash, a lost
/// connection) is not redelivered forever: once it has been delivered more times than its
/// handler has attempts, the next delivery dead-letters it without running the handler.
/// `connect` opens a connection of its own for each consumer, dropped with it as a crashing
/// process's would be.
pub async fn a_message_that_keeps_losing_its_consumer_is_dead_lettered_unrun<C, F>(
    broker: &Broker,
    connect: C,
) where
    C: Fn() -> F,
    F: Future<Output = Broker>,
{
    let channel = Channel::point_to_point(unique("crashes"));
    let mut dead = broker
        .subscribe(&channel.dead_letters(), "ops")
        .await
        .unwrap();
    let sent = Message::new("test.N", "stuck");
    broker.publish(&channel, sent.clone()).await.unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let config = fast_retries();
    for _ in 0..config.max_attempts {
        let crashing = connect().await;
        let consumer = crashing.subscribe(&channel, "g").await.unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let runs = runs.clone();
        // Runs, then never finishes: the consumer is stopped mid-work.
        let handler = move |_: &Message| {
            runs.fetch_add(1, Ordering::SeqCst);
            let _ = tx.send(());
            std::future::pending::<Result<(), HandlerError>>()
        };
        let mut serving = Serving::default();
        serving.spawn(consumer.serve(config.clone(), handler));
        recv_n(&mut rx, 1, "a run").await;
        // Stopped: its delivery goes back (a process that dies instead has the broker
        // redeliver after the ack wait), then its connection ends.
        drop(serving);
        settle().await;
        drop(crashing);
    }
    let consumer = broker.subscribe(&channel, "g").await.unwrap();
    let mut serving = Serving::default();
    let counted = runs.clone();
    serving.spawn(consumer.serve(config.clone(), move |_: &Message| {
        counted.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(()))
    }));
    let letter = within("the dead letter", dead.next()).await.unwrap();
    let m = letter.message().clone();
    letter.ack().await.unwrap();
    assert_eq!(m.message_id, sent.message_id);
    let why = m.header(header::ERROR).unwrap();
    assert!(
        why.starts_with("delivered 4 times without being acknowledged"),
        "{why}"
    );
    assert_eq!(m.header(header::ATTEMPTS), Some("3"));
    settle().await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "never run on the spent delivery"
    );
    let extra = tokio::time::timeout(Duration::from_millis(300), dead.next()).await;
    assert!(extra.is_err(), "dead-lettered once");
}

/// `Broker::reply` refuses, before sending, an address no reply may go to; the broker keeps
/// serving replies to legal inboxes.
pub async fn illegal_reply_addresses_are_refused_before_sending(broker: &Broker) {
    let long = "x".repeat(5 * 1024);
    for to in [
        "",
        long.as_str(),
        "_INBOX.a b",
        "_INBOX.*",
        "_INBOX.>",
        "x.#",
        "a\r\nPUB x 0",
        "$JS.API.STREAM.LIST",
        "amq.direct",
    ] {
        let refused = broker.reply(to, Message::new("test.Pong", "x")).await;
        assert!(
            matches!(refused, Err(accord::messaging::BrokerError::Rejected(_))),
            "{to:?}: {refused:?}"
        );
    }
    let too_long_channel = Channel::point_to_point(long.clone());
    let refused = broker
        .publish(&too_long_channel, Message::new("test.N", "x"))
        .await;
    assert!(
        matches!(refused, Err(accord::messaging::BrokerError::Rejected(_))),
        "{refused:?}"
    );
    replies_reach_the_inbox(broker).await;
}
