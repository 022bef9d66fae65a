//! Messaging throughput and latency, printed (nothing asserted), for two paths: the broker layer
//! (`Broker::publish`, `Consumer::serve`, bytes) and the typed path generated code takes
//! (`Publisher::publish` of a serde struct encoded as JSON → a `Responder::event` handler that
//! decodes and validates it; `Requester::request` → `Responder::unary`, as a generated proxy and
//! skeleton call them, with the same `static` descriptors the generator writes):
//! - the embedded broker, publish → handler, on one core (a current-thread runtime);
//! - NATS (JetStream) and RabbitMQ: publish + consume + ack on both paths beside the raw
//!   async-nats / lapin client doing the same (confirmed publishes awaited one by one, a
//!   prefetching consumer acking each message) in the same run, and their ratios; on NATS also
//!   the raw client sending the headers Accord sends (`Nats-Msg-Id` for JetStream's duplicate
//!   detection, `content_type`);
//! - asynchronous request/reply round trips, p50 and p99, per broker and path.
//!
//! `cargo bench -p accord-runtime --features nats,amqp --bench messaging`. The real brokers are started
//! from PATH on private ports (as the tests do) and skipped when missing.
//! `ACCORD_BENCH_MESSAGES` sets the embedded broker's message count (default 2000000),
//! `ACCORD_BENCH_BROKER_MESSAGES` the real brokers' per run (default 10000),
//! `ACCORD_BENCH_BROKER_RUNS` the interleaved runs per real broker (default 3; medians),
//! `ACCORD_BENCH_ROUND_TRIPS` the round trips per broker (default 2000),
//! `ACCORD_BENCH_RUNS` how many times the embedded broker's throughput is measured (default 5;
//! each run and the median are printed), and `ACCORD_BENCH_MEMORY_ONLY=1` skips the real
//! brokers (for profiling the embedded one, e.g. under `valgrind --tool=callgrind`), and
//! `ACCORD_BENCH_ONLY=broker|typed` runs one of its two paths;
//! `ACCORD_BENCH_BROKER_ONLY=raw|raw_headers|broker|typed` runs that path on NATS alone
//! (nothing on RabbitMQ, nothing compared).

#[cfg(any(feature = "nats", feature = "amqp"))]
#[path = "../tests/brokers/mod.rs"]
mod brokers;

use accord::call::{Interaction, OperationInfo};
use accord::codec::Format;
use accord::messaging::{
    Binding, Broker, BrokerConfig, Channel, ChannelInfo, ChannelKind, ConsumerConfig, HandlerError,
    Message, Publisher, Requester, Responder, ServeConfig,
};
use accord::{CallError, ProxyConfig, Request, Validate};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PAYLOAD: &[u8] = br#"{"order_id":12345,"state":"APPROVED"}"#;

fn count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let one_core = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    one_core.block_on(memory());

    #[cfg(any(feature = "nats", feature = "amqp"))]
    if std::env::var_os("ACCORD_BENCH_MEMORY_ONLY").is_none_or(|v| v != "1") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        #[cfg(feature = "nats")]
        if let Some(server) = brokers::Server::start(brokers::Kind::Nats) {
            rt.block_on(nats(&server.url()));
        }
        // Nothing on RabbitMQ when a NATS path runs alone.
        #[cfg(feature = "amqp")]
        if broker_only().is_none()
            && let Some(server) = brokers::Server::start(brokers::Kind::Rabbit)
        {
            rt.block_on(amqp(&server.url()));
        }
    }
}

async fn memory() {
    let n = count("ACCORD_BENCH_MESSAGES", 2_000_000);
    let runs = count("ACCORD_BENCH_RUNS", 5).max(1);
    let broker = Broker::memory(BrokerConfig::default());
    let mut rates = Vec::new();
    for run in 0..runs {
        let rate = if only("typed") {
            f64::NAN
        } else {
            accord_path(&broker, &format!("bench.memory.{run}"), n).await
        };
        if runs > 1 {
            println!("memory  run {}: {rate:>10.0} msgs/s", run + 1);
        }
        rates.push(rate);
    }
    let mut typed = Vec::new();
    for run in 0..runs {
        let rate = if only("broker") {
            f64::NAN
        } else {
            typed_path(&broker, &format!("bench.typed.{run}"), n).await
        };
        if runs > 1 {
            println!("memory  typed run {}: {rate:>10.0} msgs/s", run + 1);
        }
        typed.push(rate);
    }
    println!(
        "memory  publish → handler (one core): {:>10.0} msgs/s ({n} messages, median of {runs})",
        median(rates)
    );
    println!(
        "memory  typed publish → handler (one core): {:>10.0} msgs/s (generated code's path)",
        median(typed)
    );
    round_trips(&broker, "memory").await;
    typed_round_trips(&broker, "memory").await;
}

/// Whether `ACCORD_BENCH_ONLY` names `path` (`broker` or `typed`): the embedded broker's runs of
/// the other path are skipped, so a profiler sees one path alone.
fn only(path: &str) -> bool {
    std::env::var("ACCORD_BENCH_ONLY").is_ok_and(|only| only == path)
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// The event generated code publishes and subscribes to.
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

/// A contract channel at `address`, as generated code states it (leaked: a bench makes few).
fn channel_info(address: String) -> &'static ChannelInfo {
    Box::leak(Box::new(ChannelInfo {
        name: "bench.events",
        address: Box::leak(address.into_boxed_str()),
        kind: ChannelKind::PointToPoint,
        key: None,
        format: Format::Json,
    }))
}

/// The typed path: `Publisher::publish` of a struct, one after another, while a
/// `Responder::event` handler decodes each; messages per second from the first publish to the
/// last handled.
async fn typed_path(broker: &Broker, address: &str, n: u64) -> f64 {
    let channel = channel_info(format!("{address}.{}", std::process::id()));
    let handled = Arc::new(AtomicU64::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    let counter = Arc::new((handled, done.clone()));
    let responder = Responder::new("bench.Service").event(
        channel,
        "bench.OrderApproved",
        &counter,
        move |counter, event: Request<OrderApproved>| {
            debug_assert_eq!(event.input.order_id, 12345);
            if counter.0.fetch_add(1, Ordering::Relaxed) + 1 == n {
                counter.1.notify_one();
            }
            std::future::ready(Ok::<(), CallError>(()))
        },
    );
    let config = ServeConfig {
        consumer: ConsumerConfig {
            max_in_flight: 256,
            ..ConsumerConfig::default()
        },
        ..ServeConfig::default()
    };
    let serving = responder.serve(broker, config).await.unwrap();
    let publisher = Publisher::new(broker.clone());
    let event = OrderApproved {
        order_id: 12345,
        state: "APPROVED".into(),
    };
    let start = Instant::now();
    for _ in 0..n {
        publisher
            .publish(channel, "bench.OrderApproved", &event, None)
            .await
            .unwrap();
    }
    done.notified().await;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(serving);
    rate
}

static PING: OperationInfo = OperationInfo {
    service: "bench.Service",
    name: "ping",
    interaction: Interaction::Unary,
    timeout: None,
    idempotent: false,
    auth: accord::auth::Requirement::None,
};

/// Sequential requests through a `Requester` to a `Responder::unary`, as a generated proxy
/// and skeleton make them; prints p50 and p99.
async fn typed_round_trips(broker: &Broker, name: &str) {
    let n = count("ACCORD_BENCH_ROUND_TRIPS", 2000);
    let channel = channel_info(format!("bench.{name}.typed.{}", std::process::id()));
    let binding: &'static Binding = Box::leak(Box::new(Binding {
        op: &PING,
        channel,
        input: "bench.OrderApproved",
        output: Some("bench.OrderApproved"),
        collect: None,
    }));
    let serving = Responder::new("bench.Service")
        .unary(
            binding,
            &Arc::new(()),
            |_, request: Request<OrderApproved>| {
                std::future::ready(Ok::<_, CallError>(request.input))
            },
        )
        .serve(broker, ServeConfig::default())
        .await
        .unwrap();
    let requester = Requester::new(broker, ProxyConfig::default())
        .await
        .unwrap();
    let mut took = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let ping = OrderApproved {
            order_id: 12345,
            state: "APPROVED".into(),
        };
        let start = Instant::now();
        let pong: Result<OrderApproved, CallError> = requester
            .request(binding, accord::Context::new(), ping, None)
            .await;
        pong.unwrap();
        took.push(start.elapsed());
    }
    drop(serving);
    print_percentiles(
        &format!("{name:<7} typed request/reply round trip"),
        took,
        n,
    );
}

fn print_percentiles(what: &str, mut took: Vec<Duration>, n: u64) {
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q) as usize];
    println!(
        "{what}: p50 {:>8.1} µs, p99 {:>8.1} µs ({n} sequential)",
        micros(at(0.50)),
        micros(at(0.99))
    );
}

/// Publishes `n` messages one after another while a served consumer handles them; messages
/// per second from the first publish to the last handled.
async fn accord_path(broker: &Broker, address: &str, n: u64) -> f64 {
    let channel = Channel::point_to_point(format!("{address}.{}", std::process::id()));
    let consumer = broker.subscribe(&channel, "bench").await.unwrap();
    let handled = Arc::new(AtomicU64::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    let handler = {
        let (handled, done) = (handled.clone(), done.clone());
        move |_: &Message| {
            if handled.fetch_add(1, Ordering::Relaxed) + 1 == n {
                done.notify_one();
            }
            std::future::ready(Ok::<(), HandlerError>(()))
        }
    };
    let config = ConsumerConfig {
        max_in_flight: 256,
        ..ConsumerConfig::default()
    };
    let serving = tokio::spawn(consumer.serve(config, handler));
    let payload = Bytes::from_static(PAYLOAD);
    let start = Instant::now();
    for _ in 0..n {
        let message = Message::new("bench.OrderApproved", payload.clone());
        broker.publish(&channel, message).await.unwrap();
    }
    done.notified().await;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    serving.abort();
    rate
}

/// Sequential asynchronous requests to a served consumer that replies; prints p50 and p99.
async fn round_trips(broker: &Broker, name: &str) {
    let n = count("ACCORD_BENCH_ROUND_TRIPS", 2000);
    let channel = Channel::point_to_point(format!("bench.{name}.requests.{}", std::process::id()));
    let consumer = broker.subscribe(&channel, "server").await.unwrap();
    let server = broker.clone();
    let handler = move |request: &Message| {
        let reply = request.reply("bench.Pong", request.payload.clone());
        let (server, to) = (server.clone(), request.reply_to.clone().unwrap());
        async move {
            server
                .reply(&to, reply)
                .await
                .map_err(|e| HandlerError::Failed(e.to_string()))
        }
    };
    let serving = tokio::spawn(consumer.serve(ConsumerConfig::default(), handler));
    let mut inbox = broker.reply_inbox().await.unwrap();
    let mut took = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let request =
            Message::new("bench.Ping", Bytes::from_static(PAYLOAD)).with_reply_to(inbox.address());
        let start = Instant::now();
        broker.publish(&channel, request).await.unwrap();
        inbox.next().await.unwrap();
        took.push(start.elapsed());
    }
    serving.abort();
    print_percentiles(&format!("{name:<7} request/reply round trip"), took, n);
}

fn micros(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1000.0
}

/// Prints the medians of the interleaved runs of each path and the ratios of the medians,
/// with the quartiles of the per-run ratios (each run's paths shared the broker's state).
#[cfg(any(feature = "nats", feature = "amqp"))]
fn compare(name: &str, raw_client: &str, accord: &[f64], typed: &[f64], raw: &[f64], n: u64) {
    let (a, t, r) = (
        median(accord.to_vec()),
        median(typed.to_vec()),
        median(raw.to_vec()),
    );
    println!("{name:<7} accord publish + consume + ack:   {a:>10.0} msgs/s ({n} messages)");
    println!("{name:<7} typed (generated code's path):    {t:>10.0} msgs/s");
    println!(
        "{name:<7} raw {raw_client} same:{:>w$}{r:>10.0} msgs/s",
        "",
        w = 23 - raw_client.len()
    );
    println!(
        "{name:<7} ratio accord / raw: {:.2} (runs {}), typed / raw: {:.2} (runs {})",
        a / r,
        quartiles(accord, raw),
        t / r,
        quartiles(typed, raw),
    );
}

/// The first and third quartiles of the per-run ratios `num[i] / den[i]`, as `q1–q3`.
#[cfg(any(feature = "nats", feature = "amqp"))]
fn quartiles(num: &[f64], den: &[f64]) -> String {
    let mut ratios: Vec<f64> = num.iter().zip(den).map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    let at = |quarter: usize| ratios[(ratios.len() - 1) * quarter / 4];
    format!("{:.2}–{:.2}", at(1), at(3))
}

#[cfg(feature = "nats")]
async fn nats(url: &str) {
    let n = count("ACCORD_BENCH_BROKER_MESSAGES", 10_000);
    let broker = Broker::connect(url).await.unwrap();
    let (mut raw, mut accord, mut typed) = (Vec::new(), Vec::new(), Vec::new());
    let mut raw_as_accord = Vec::new();
    let only = broker_only();
    let runs = |path: &str| only.as_deref().is_none_or(|only| only == path);
    // Interleaved runs, medians compared, each run starting with the next path: a warming or
    // busy broker, or one slowing down as its store grows, favours no side.
    for run in 0..broker_runs() {
        for path in rotation(run, 4) {
            match path {
                0 if runs("raw") => raw.push(raw_nats(url, n, run, false).await),
                1 if runs("raw_headers") => raw_as_accord.push(raw_nats(url, n, run, true).await),
                2 if runs("broker") => {
                    accord.push(accord_path(&broker, &format!("bench.nats.{run}"), n).await)
                }
                3 if runs("typed") => {
                    typed.push(typed_path(&broker, &format!("bench.nats.typed.{run}"), n).await)
                }
                _ => {}
            }
        }
    }
    if only.is_some() {
        return;
    }
    compare("nats", "async-nats", &accord, &typed, &raw, n);
    // Accord's JetStream publishes carry `Nats-Msg-Id` (the stream then keeps one copy of a
    // message published twice, at the cost of a lookup in its duplicate window) and the
    // payload's `content_type`: the raw client sending the same headers, measured apart.
    let same = median(raw_as_accord.clone());
    println!("nats    raw async-nats, Accord's headers:  {same:>10.0} msgs/s");
    println!(
        "nats    ratio typed / raw with Accord's headers: {:.2} (runs {})",
        median(typed.clone()) / same,
        quartiles(&typed, &raw_as_accord)
    );
    round_trips(&broker, "nats").await;
    typed_round_trips(&broker, "nats").await;
}

/// The one NATS path to run (`raw`, `raw_headers`, `broker` or `typed`), when
/// `ACCORD_BENCH_BROKER_ONLY` names one: it then runs alone and nothing is compared (for counting
/// one path's instructions, e.g. under `valgrind --tool=callgrind`).
#[cfg(any(feature = "nats", feature = "amqp"))]
fn broker_only() -> Option<String> {
    std::env::var("ACCORD_BENCH_BROKER_ONLY").ok()
}

/// The order of `paths` paths in run `run`: each run starts one path later than the previous.
#[cfg(any(feature = "nats", feature = "amqp"))]
fn rotation(run: u32, paths: u32) -> impl Iterator<Item = u32> {
    (0..paths).map(move |step| (run + step) % paths)
}

/// Interleaved runs per real broker (`ACCORD_BENCH_BROKER_RUNS`, default 3).
#[cfg(any(feature = "nats", feature = "amqp"))]
fn broker_runs() -> u32 {
    count("ACCORD_BENCH_BROKER_RUNS", 3).max(1) as u32
}

/// async-nats alone: a work-queue stream, JetStream publishes awaited one by one, a pull
/// consumer acking each message; `as_accord`, each publish also carries the headers Accord's
/// broker layer adds (`Nats-Msg-Id`, `content_type`).
#[cfg(feature = "nats")]
async fn raw_nats(url: &str, n: u64, run: u32, as_accord: bool) -> f64 {
    use async_nats::jetstream::{self, consumer::pull, stream};
    use futures::StreamExt as _;
    let client = async_nats::connect(url).await.unwrap();
    let js = jetstream::new(client);
    let variant = if as_accord { "raw_headers" } else { "raw" };
    let subject = format!("bench.{variant}.{}.{run}", std::process::id());
    let name = subject.replace('.', "_");
    let stream = js
        .get_or_create_stream(stream::Config {
            name: name.clone(),
            subjects: vec![subject.clone()],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
    let config = pull::Config {
        durable_name: Some(name.clone()),
        ack_policy: jetstream::consumer::AckPolicy::Explicit,
        max_ack_pending: 64,
        ..Default::default()
    };
    let consumer = stream.get_or_create_consumer(&name, config).await.unwrap();
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(64)
        .messages()
        .await
        .unwrap();
    let consuming = tokio::spawn(async move {
        for _ in 0..n {
            messages.next().await.unwrap().unwrap().ack().await.unwrap();
        }
    });
    let start = Instant::now();
    for _ in 0..n {
        let mut headers = async_nats::HeaderMap::new();
        let id = uuid_string();
        headers.insert("message_id", id.as_str());
        headers.insert("message_type", "bench.OrderApproved");
        if as_accord {
            headers.insert("content_type", "application/json");
            headers.insert("Nats-Msg-Id", id.as_str());
        }
        js.publish_with_headers(subject.clone(), headers, Bytes::from_static(PAYLOAD))
            .await
            .unwrap()
            .await
            .unwrap();
    }
    consuming.await.unwrap();
    n as f64 / start.elapsed().as_secs_f64()
}

#[cfg(feature = "amqp")]
async fn amqp(url: &str) {
    let n = count("ACCORD_BENCH_BROKER_MESSAGES", 10_000);
    let broker = Broker::connect(url).await.unwrap();
    let (mut raw, mut accord, mut typed) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..broker_runs() {
        for path in rotation(run, 3) {
            match path {
                0 => raw.push(raw_amqp(url, n, run).await),
                1 => accord.push(accord_path(&broker, &format!("bench.amqp.{run}"), n).await),
                _ => typed.push(typed_path(&broker, &format!("bench.amqp.typed.{run}"), n).await),
            }
        }
    }
    compare("amqp", "lapin", &accord, &typed, &raw, n);
    round_trips(&broker, "amqp").await;
    typed_round_trips(&broker, "amqp").await;
}

/// lapin alone: a durable quorum queue, persistent publishes through the default exchange with each
/// confirmation awaited, a consumer with prefetch 64 acking each message.
#[cfg(feature = "amqp")]
async fn raw_amqp(url: &str, n: u64, run: u32) -> f64 {
    use futures::StreamExt as _;
    use lapin::options::*;
    use lapin::types::{AMQPValue, FieldTable};
    use lapin::{BasicProperties, Connection, ConnectionProperties};
    let properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio);
    let connection = Connection::connect(url, properties).await.unwrap();
    let publisher = connection.create_channel().await.unwrap();
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let queue = format!("bench.raw.{}.{run}", std::process::id());
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    // A quorum queue, as the runtime declares for durable channels: like for like.
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    publisher
        .queue_declare(&queue, durable, arguments)
        .await
        .unwrap();
    let consumer_channel = connection.create_channel().await.unwrap();
    consumer_channel
        .basic_qos(64, BasicQosOptions::default())
        .await
        .unwrap();
    let mut consumer = consumer_channel
        .basic_consume(
            &queue,
            "",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let consuming = tokio::spawn(async move {
        for _ in 0..n {
            let delivery = consumer.next().await.unwrap().unwrap();
            delivery.ack(BasicAckOptions::default()).await.unwrap();
        }
    });
    let start = Instant::now();
    for _ in 0..n {
        let mut headers = FieldTable::default();
        headers.insert("traceparent".into(), AMQPValue::LongString("".into()));
        let properties = BasicProperties::default()
            .with_message_id(uuid_string().into())
            .with_type("bench.OrderApproved".into())
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_headers(headers);
        publisher
            .basic_publish(
                "",
                &queue,
                BasicPublishOptions::default(),
                PAYLOAD,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    consuming.await.unwrap();
    n as f64 / start.elapsed().as_secs_f64()
}

#[cfg(any(feature = "nats", feature = "amqp"))]
fn uuid_string() -> String {
    accord::__private::uuid::Uuid::new_v4().to_string()
}
