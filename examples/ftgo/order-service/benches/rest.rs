//! The generated REST proxy calling the generated skeleton, beside a hand-written axum +
//! reqwest pair exchanging the same bytes, both on loopback: `GET /orders/{id}` answering an
//! `Order` from the same in-memory store as a HAL resource (`_links` included, the order
//! service is `@hypermedia`), or with `ACCORD_BENCH_OP=plain` the plain `GET /consumers/{id}`
//! of the consumer service (`benches/common`; `tests/bench_bodies.rs` checks the bodies). Prints requests/s and p50/p99 latency of each and the
//! throughput ratio, overall and per pair of adjacent 500 ms slices (median, quartiles, range).
//!
//! `cargo bench -p ftgo-order-service --bench rest` (`ACCORD_BENCH_SECS`, `ACCORD_BENCH_TASKS`
//! change the run length per side, default 5 s, and the concurrent callers, default 32;
//! `ACCORD_BENCH_ONLY=0..4` runs one of the five pairings alone, for `perf stat`).
//!
//! The fifth pairing is the hand-written pair doing the generated pair's duties beyond answering
//! by hand: the client sends a fresh `traceparent` and holds each call to the proxy's default
//! deadline (reqwest's per-request timeout), the server reads and parses the trace context (an
//! axum middleware). What the hand-written code simply does not do is so measured apart.
//!
//! Besides wall-clock numbers it prints the process's CPU time per request (client and server
//! both live in this process): on a machine shared with other work, requests/s swings with the
//! load, while CPU per request measures the work each side's glue costs.
//!
//! `ACCORD_BENCH_METRICS=1` gives the generated skeleton and proxy a `Metrics` (each request
//! then records `http_server_request_duration_seconds` and `http_client_...`), to measure what
//! recording costs.
//!
//! `ACCORD_BENCH_DISCOVERY=1` builds each generated proxy as a balanced client: its instance
//! found in an in-process registry, each call through the pool (the instance's breaker, the
//! retry budget) and recorded in a `Metrics`, to measure what discovery, balancing and metrics
//! cost against a fixed URL without them.
//!
//! `ACCORD_BENCH_ALLOCS=1` also counts heap allocations per request (client and server
//! together): a count does not depend on the machine's load. Counting adds a shared atomic
//! increment to every allocation, so leave it off when comparing times.

mod allocations;
mod common;
mod cpu;
mod traceparent;
mod tracing_off;

use accord::ProxyConfig;
use accord::rest::client::RestClient;
use common::{CONSUMER_ID, Consumers, hand_written_consumers, hand_written_router, seed, store};
use cpu::process_cpu;
use ftgo_order_service::api::ftgo::consumer::{
    Consumer, ConsumerService, GetConsumerRequest, consumer_service,
};
use ftgo_order_service::api::ftgo::order::{
    GetOrderRequest, Order, OrderService, order_service::rest,
};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn listen(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(accord::rest::server::serve(
        listener,
        router,
        accord::Shutdown::never(),
    ));
    base
}

#[global_allocator]
static GLOBAL: allocations::Counting = allocations::Counting;

#[derive(Default)]
struct Report {
    elapsed: Duration,
    /// Process CPU time spent while this side ran.
    cpu: Duration,
    /// Heap allocations (and reallocations) made while this side ran, when counted.
    allocations: u64,
    /// Every call's latency, sorted.
    latencies: Vec<Duration>,
}

impl Report {
    fn merge(parts: Vec<Report>) -> Report {
        let mut all = Report::default();
        for part in parts {
            all.elapsed += part.elapsed;
            all.cpu += part.cpu;
            all.allocations += part.allocations;
            all.latencies.extend(part.latencies);
        }
        all.latencies.sort_unstable();
        all
    }

    fn at(&self, q: f64) -> Duration {
        let n = self.latencies.len();
        self.latencies
            .get(((n as f64 * q) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn cpu_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.latencies.len().max(1) as f64
    }

    fn print(&self, name: &str) {
        let allocations = if allocations::counting() {
            let per_request = self.allocations as f64 / self.latencies.len().max(1) as f64;
            format!("   {per_request:.1} allocs/req")
        } else {
            String::new()
        };
        println!(
            "{name:<28} {:>9.0} req/s   p50 {:>7.1} µs   p99 {:>7.1} µs   CPU {:>5.1} µs/req{allocations}   ({} requests)",
            self.per_second(),
            self.at(0.50).as_secs_f64() * 1e6,
            self.at(0.99).as_secs_f64() * 1e6,
            self.cpu_per_request(),
            self.latencies.len()
        );
    }
}

/// `tasks` callers looping on `call` for `millis`; every call must succeed.
async fn load<F, Fut>(tasks: usize, millis: u64, call: F) -> Report
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let (started, cpu) = (Instant::now(), process_cpu());
    let allocations = allocations::so_far();
    let until = started + Duration::from_millis(millis);
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let t = Instant::now();
                    assert!(call().await, "a benchmark call failed");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.expect("worker"));
    }
    all.sort_unstable();
    Report {
        elapsed: started.elapsed(),
        cpu: process_cpu() - cpu,
        allocations: allocations::so_far() - allocations,
        latencies: all,
    }
}

fn main() {
    tracing_off::install();
    let secs = env_or("ACCORD_BENCH_SECS", 5);
    let tasks = env_or("ACCORD_BENCH_TASKS", 32) as usize;
    allocations::count_if_asked();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let plain = std::env::var("ACCORD_BENCH_OP").is_ok_and(|op| op == "plain");
    runtime.block_on(async move {
        let (what, calls) = match plain {
            false => ("GET /orders/{id} (HAL resource)", hal_calls(tasks).await),
            true => ("GET /consumers/{id} (plain)", plain_calls(tasks).await),
        };
        println!("{what} over loopback, {tasks} concurrent callers, {secs} s per side");
        println!("(sides alternate in 500 ms slices so load from other processes hits both alike)");
        let [generated_call, hand_call, hand_to_generated_call, generated_to_hand_call, duties_call] =
            calls;
        let mut reports: [Vec<Report>; 5] = Default::default();
        let only = std::env::var("ACCORD_BENCH_ONLY").ok();
        let run = |n: usize| only.as_deref().is_none_or(|o| o == n.to_string());
        // Warm up (connections, allocator) before measuring; with ACCORD_BENCH_ONLY, only the
        // pairing measured, so a profile of one pairing holds nothing of the others.
        let mut warm_up = 0;
        if run(0) || run(2) {
            warm_up += load(tasks, 1000, caller(&generated_call)).await.latencies.len();
        }
        if run(1) || run(3) {
            warm_up += load(tasks, 1000, caller(&hand_call)).await.latencies.len();
        }
        if run(4) {
            warm_up += load(tasks, 1000, caller(&duties_call)).await.latencies.len();
        }
        for _ in 0..secs * 2 {
            if run(0) {
                reports[0].push(load(tasks, 500, caller(&generated_call)).await);
            }
            if run(1) {
                reports[1].push(load(tasks, 500, caller(&hand_call)).await);
            }
            if run(2) {
                reports[2].push(load(tasks, 500, caller(&hand_to_generated_call)).await);
            }
            if run(3) {
                reports[3].push(load(tasks, 500, caller(&generated_to_hand_call)).await);
            }
            if run(4) {
                reports[4].push(load(tasks, 500, caller(&duties_call)).await);
            }
        }
        // Each generated slice against the hand-written slice run right after it: both saw
        // nearly the same load from the rest of the machine, so the spread of these ratios
        // shows how much of a difference is noise.
        let mut paired: Vec<f64> = reports[0]
            .iter()
            .zip(&reports[1])
            .map(|(generated, hand)| generated.per_second() / hand.per_second())
            .collect();
        paired.sort_unstable_by(f64::total_cmp);
        let [generated, hand, hand_to_generated, generated_to_hand, duties] =
            reports.map(Report::merge);
        // What bench/rest-instructions.sh divides a whole run's instruction count by.
        let measured: usize = [&generated, &hand, &hand_to_generated, &generated_to_hand, &duties]
            .iter()
            .map(|r| r.latencies.len())
            .sum();
        println!("requests in all, warm-up included: {}", warm_up + measured);
        generated.print("generated proxy+skeleton");
        hand.print("hand-written axum+reqwest");
        // Where a difference lies: each generated half against the other hand-written half.
        hand_to_generated.print("hand client, generated server");
        generated_to_hand.print("generated proxy, hand server");
        duties.print("hand-written with duties");
        println!(
            "throughput ratio generated/hand-written: {:.3}",
            generated.per_second() / hand.per_second()
        );
        println!(
            "throughput ratio generated/hand-written with duties: {:.3}",
            generated.per_second() / duties.per_second()
        );
        if let (Some(low), Some(high)) = (paired.first(), paired.last()) {
            println!(
                "paired slices: median {:.3}, quartiles {:.3}-{:.3}, range {low:.3}-{high:.3} ({} pairs)",
                paired[paired.len() / 2],
                paired[paired.len() / 4],
                paired[paired.len() * 3 / 4],
                paired.len()
            );
        }
        println!(
            "CPU-per-request ratio hand-written/generated: {:.3} (pair), {:.3} (proxy alone), {:.3} (skeleton alone)",
            hand.cpu_per_request() / generated.cpu_per_request(),
            hand.cpu_per_request() / generated_to_hand.cpu_per_request(),
            hand.cpu_per_request() / hand_to_generated.cpu_per_request(),
        );
    });
}

/// One benchmark call: true when it succeeded with the expected answer.
type Call = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// `call` as what [`load`] takes.
fn caller(
    call: &Call,
) -> impl Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Clone + Send + 'static {
    let call = Arc::clone(call);
    move || call()
}

/// The five pairings' calls of `GET /orders/{id}`, a HAL resource on both servers: generated
/// proxy + skeleton, reqwest + hand-written handler, reqwest + skeleton, proxy + handler, and
/// reqwest + handler doing the trace-context duty by hand.
async fn hal_calls(tasks: usize) -> [Call; 5] {
    let generated_store = store();
    let order = seed(&generated_store).await;
    let id = order.order_id;
    let generated = listen(rest::router(generated_store, insecure())).await;
    let hand_store = store();
    let hand_order = seed(&hand_store).await;
    assert_eq!(
        (hand_order.order_id, &hand_order.line_items),
        (id, &order.line_items),
        "both servers hold the same order"
    );
    let hand = listen(hand_written_router(hand_store)).await;
    let duties_store = store();
    seed(&duties_store).await;
    let duties = listen(traceparent::read_on(hand_written_router(duties_store))).await;
    let service = rest::routes::GET_ORDER.op.service;
    let to_generated = rest::Proxy::new(rest_client(&generated, tasks, service).await);
    let to_hand = rest::Proxy::new(rest_client(&hand, tasks, service).await);
    let get = move |proxy: rest::Proxy| -> Call {
        Arc::new(move || {
            let proxy = proxy.clone();
            Box::pin(async move {
                let request = GetOrderRequest { order_id: id }.into();
                proxy
                    .get_order(request)
                    .await
                    .is_ok_and(|o| o.order_id == id)
            })
        })
    };
    let http = reqwest::Client::new();
    [
        get(to_generated),
        reqwest_call::<Order>(&http, format!("{hand}/orders/{id}"), false),
        reqwest_call::<Order>(&http, format!("{generated}/orders/{id}"), false),
        get(to_hand),
        reqwest_call::<Order>(&http, format!("{duties}/orders/{id}"), true),
    ]
}

/// The same five pairings of the plain `GET /consumers/{id}` (a service without
/// `@hypermedia`).
async fn plain_calls(tasks: usize) -> [Call; 5] {
    let insecure = insecure();
    let generated = listen(consumer_service::rest::router(Consumers::new(), insecure)).await;
    let hand = listen(hand_written_consumers(Consumers::new())).await;
    let duties = listen(traceparent::read_on(hand_written_consumers(
        Consumers::new(),
    )))
    .await;
    let service = consumer_service::rest::routes::GET_CONSUMER.op.service;
    let to_generated =
        consumer_service::rest::Proxy::new(rest_client(&generated, tasks, service).await);
    let to_hand = consumer_service::rest::Proxy::new(rest_client(&hand, tasks, service).await);
    let get = move |proxy: consumer_service::rest::Proxy| -> Call {
        Arc::new(move || {
            let proxy = proxy.clone();
            Box::pin(async move {
                let request = GetConsumerRequest {
                    consumer_id: CONSUMER_ID,
                }
                .into();
                let got = proxy.get_consumer(request).await;
                got.is_ok_and(|c| c.consumer_id == CONSUMER_ID)
            })
        })
    };
    let http = reqwest::Client::new();
    [
        get(to_generated),
        reqwest_call::<Consumer>(&http, format!("{hand}/consumers/{CONSUMER_ID}"), false),
        reqwest_call::<Consumer>(&http, format!("{generated}/consumers/{CONSUMER_ID}"), false),
        get(to_hand),
        reqwest_call::<Consumer>(&http, format!("{duties}/consumers/{CONSUMER_ID}"), true),
    ]
}

/// A generated proxy's client of `base`, allowed all the callers' calls at once; with
/// `ACCORD_BENCH_DISCOVERY=1`, `base` is the one instance of `service` in an in-process registry
/// and the client a balanced one, with metrics.
async fn rest_client(base: &str, tasks: usize, service: &'static str) -> RestClient {
    use accord::discovery::{Instance, MemoryRegistry, Registry, Source};
    let config = ProxyConfig {
        max_outstanding: tasks * 2,
        metrics: metrics(),
        ..ProxyConfig::default()
    };
    if !std::env::var("ACCORD_BENCH_DISCOVERY").is_ok_and(|v| v == "1") {
        return RestClient::builder(base)
            .config(config)
            .build()
            .expect("client");
    }
    let registry = MemoryRegistry::new();
    let registration = registry
        .register(service, Instance::rest("bench", base))
        .await
        .expect("registered");
    // Dropping a registration withdraws the instance: it stays registered for the whole bench.
    std::mem::forget(registration);
    let config = ProxyConfig {
        metrics: Some(accord::metrics::Metrics::new()),
        ..config
    };
    RestClient::builder("")
        .source(Source::Registry(Arc::new(registry)))
        .service(service)
        .config(config)
        .discover()
        .await
        .expect("client")
}

/// The hand-written client: reqwest getting `url` and decoding a `T`; with `duties`, also doing
/// what every generated proxy call does: sending a fresh `traceparent`, held to a deadline.
fn reqwest_call<T: DeserializeOwned + 'static>(
    http: &reqwest::Client,
    url: String,
    duties: bool,
) -> Call {
    let http = http.clone();
    Arc::new(move || {
        let (http, url) = (http.clone(), url.clone());
        Box::pin(async move {
            let traceparent = duties.then(traceparent::fresh);
            let deadline = duties.then_some(common::DEFAULT_DEADLINE);
            common::get_json::<T>(&http, &url, traceparent, deadline)
                .await
                .is_some()
        })
    })
}

/// The generated skeleton without its `@auth` check: the hand-written side checks no token
/// either, so the comparison stays like for like (JWT verification has its own bench:
/// `cargo bench -p accord-runtime --bench auth`).
fn insecure() -> accord::rest::server::ServerConfig {
    accord::rest::server::ServerConfig {
        insecure_no_auth: true,
        metrics: metrics(),
        ..Default::default()
    }
}

/// A `Metrics` when `ACCORD_BENCH_METRICS=1`.
fn metrics() -> Option<accord::metrics::Metrics> {
    let on = std::env::var("ACCORD_BENCH_METRICS").is_ok_and(|v| v == "1");
    on.then(accord::metrics::Metrics::new)
}
