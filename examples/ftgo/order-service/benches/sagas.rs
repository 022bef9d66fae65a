//! Create Order sagas per second, end to end across processes, on each real broker: a private
//! `nats-server -js` (file store, its own ports and folder) and then a private
//! `rabbitmq-server` (its own ports and data folder), each started and stopped by this bench
//! (`runtime/tests/brokers/mod.rs`). On each, the release binaries `ftgo-order-service`,
//! `ftgo-consumer-service`, `ftgo-kitchen-service` and `ftgo-accounting-service` (beside this
//! package's binary, `target/release/`) run as separate processes, each with its own SQLite
//! `--db` in a temp folder, as `tests/faults.rs` starts them (the kitchen has tiramisu sold
//! out, accounting declines over 50.00).
//!
//! C callers place N orders over REST (`POST /orders`, no auth) between them, the mix of
//! `tests/faults.rs`: 3 in 5 approved, 1 in 5 rejected by the kitchen, 1 in 5 declined by
//! accounting after its ticket was created (compensated). An order's latency runs from its POST
//! until `GET /orders/{id}` reads `APPROVED` or `REJECTED` (polled every
//! `ACCORD_BENCH_POLL_MS`, default 10 ms: a latency includes up to one poll interval; the
//! order events carry no approval to wait on). Every wait is bounded: an order not final 60 s
//! after its POST is counted stuck, a POST not answered 201 refused. Before the measured run,
//! each caller places one warm-up order (not counted).
//!
//! Prints per broker: orders, final (approved + rejected), stuck, refused, wall seconds,
//! sagas/s (final orders over the wall time), p50 and p99 latency of the final orders, and the
//! machine's load average (`/proc/loadavg`) before and after: the broker, the four services and
//! this client share the machine, so the figures move with whatever else runs.
//!
//! ```text
//! cargo build --release -p ftgo-order-service -p ftgo-kitchen-service \
//!     -p ftgo-accounting-service -p ftgo-consumer-service
//! cargo bench -p ftgo-order-service --bench sagas
//! ```
//!
//! `ACCORD_BENCH_ORDERS` (default 200) and `ACCORD_BENCH_TASKS` (default 16) change N and C;
//! `ACCORD_BENCH_BROKERS=nats` or `=rabbit` runs one broker. A broker not installed prints
//! `SKIPPED`.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;
#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::Service;

/// How long an order may take from its POST to a final state before it counts as stuck (a
/// saga waits 30 s at most for a participant).
const ORDER_WAIT: Duration = Duration::from_secs(60);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(default)
}

/// The `n`th order: most approved, some sold out (the kitchen rejects), some over the card
/// limit (accounting declines after the ticket was created: compensated). As `tests/faults.rs`.
fn order_body(n: usize) -> Value {
    let (restaurant, item, quantity) = match n % 5 {
        3 => (2, "tiramisu", 1),
        4 => (1, "pad-thai", 5),
        _ => (1, "pad-thai", 2),
    };
    json!({
        "restaurant_id": restaurant,
        "consumer_id": (n % 3) as i64 + 1,
        "line_items": [{"menu_item_id": item, "quantity": quantity}],
    })
}

/// The last word of a service's `ready` line: the URL it listens on.
fn listening(service: &Service) -> String {
    let ready = service
        .said()
        .into_iter()
        .rfind(|l| l.contains("ready"))
        .unwrap();
    ready.rsplit(' ').next().unwrap().to_owned()
}

/// The four services on one broker, each with its own SQLite file. Dropping it kills them
/// (before the folder goes).
struct System {
    _services: Vec<Service>,
    order_url: String,
    _dbs: tempfile::TempDir,
}

impl System {
    async fn start(broker_url: &str) -> System {
        let dbs = tempfile::tempdir().unwrap();
        let db = |name: &str| dbs.path().join(format!("{name}.db")).display().to_string();
        let listen = "127.0.0.1:0";
        let consumer = Service::start(
            "ftgo-consumer-service",
            &[
                "--listen",
                listen,
                "--broker",
                broker_url,
                "--db",
                &db("consumer"),
            ],
        )
        .await;
        let kitchen = Service::start(
            "ftgo-kitchen-service",
            &[
                "--broker",
                broker_url,
                "--db",
                &db("kitchen"),
                "--listen",
                listen,
                "--sold-out",
                "tiramisu",
            ],
        )
        .await;
        let accounting = Service::start(
            "ftgo-accounting-service",
            &[
                "--broker",
                broker_url,
                "--db",
                &db("accounting"),
                "--listen",
                listen,
                "--decline-over",
                "5000",
            ],
        )
        .await;
        let order = Service::start(
            "ftgo-order-service",
            &[
                "--listen",
                listen,
                "--broker",
                broker_url,
                "--db",
                &db("orders"),
                "--insecure-no-auth",
            ],
        )
        .await;
        System {
            order_url: listening(&order),
            _services: vec![order, kitchen, accounting, consumer],
            _dbs: dbs,
        }
    }
}

/// How one order ended.
enum Outcome {
    Final { latency: Duration, approved: bool },
    Stuck,
    Refused,
}

/// Places order `n` and waits (bounded) until it is final.
async fn saga(http: &reqwest::Client, url: &str, n: usize, poll: Duration) -> Outcome {
    let started = Instant::now();
    let response = match http
        .post(format!("{url}/orders"))
        .json(&order_body(n))
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => {
            eprintln!("order {n} not placed: {e}");
            return Outcome::Refused;
        }
    };
    if response.status() != 201 {
        eprintln!("order {n} refused: {}", response.status());
        return Outcome::Refused;
    }
    let Some(id) = response
        .json::<Value>()
        .await
        .ok()
        .and_then(|created| created["order_id"].as_i64())
    else {
        eprintln!("order {n}: no order_id in the answer");
        return Outcome::Refused;
    };
    let order_url = format!("{url}/orders/{id}");
    while started.elapsed() < ORDER_WAIT {
        if let Ok(response) = http.get(&order_url).send().await
            && response.status().is_success()
            && let Ok(order) = response.json::<Value>().await
        {
            match order["state"].as_str() {
                Some("APPROVED") => {
                    return Outcome::Final {
                        latency: started.elapsed(),
                        approved: true,
                    };
                }
                Some("REJECTED") => {
                    return Outcome::Final {
                        latency: started.elapsed(),
                        approved: false,
                    };
                }
                _ => {}
            }
        }
        tokio::time::sleep(poll).await;
    }
    eprintln!("order {id} still not final after {ORDER_WAIT:?}");
    Outcome::Stuck
}

/// One broker's figures.
struct Figures {
    orders: usize,
    approved: usize,
    rejected: usize,
    stuck: usize,
    refused: usize,
    wall: Duration,
    latencies: Vec<Duration>,
}

/// `tasks` callers place orders `first..first + orders` between them; every order's outcome.
async fn run(
    http: &reqwest::Client,
    url: &str,
    first: usize,
    orders: usize,
    tasks: usize,
    poll: Duration,
) -> Vec<Outcome> {
    let next = Arc::new(AtomicUsize::new(first));
    let end = first + orders;
    let callers: Vec<_> = (0..tasks)
        .map(|_| {
            let (http, url, next) = (http.clone(), url.to_owned(), next.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= end {
                        return outcomes;
                    }
                    outcomes.push(saga(&http, &url, n, poll).await);
                }
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(orders);
    for caller in callers {
        outcomes.extend(caller.await.unwrap());
    }
    outcomes
}

async fn bench(broker_url: String, orders: usize, tasks: usize, poll: Duration) -> Figures {
    let system = System::start(&broker_url).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(tasks)
        .build()
        .unwrap();
    // Warm-up: one order per caller (connections, the brokers' consumers, SQLite pages).
    let warm = run(&http, &system.order_url, 0, tasks, tasks, poll).await;
    let warm_final = warm
        .iter()
        .filter(|o| matches!(o, Outcome::Final { .. }))
        .count();
    eprintln!("warm-up: {warm_final} of {tasks} orders final");
    let started = Instant::now();
    let outcomes = run(&http, &system.order_url, tasks, orders, tasks, poll).await;
    let wall = started.elapsed();
    let mut figures = Figures {
        orders,
        approved: 0,
        rejected: 0,
        stuck: 0,
        refused: 0,
        wall,
        latencies: Vec::with_capacity(orders),
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Final { latency, approved } => {
                figures.latencies.push(latency);
                if approved {
                    figures.approved += 1;
                } else {
                    figures.rejected += 1;
                }
            }
            Outcome::Stuck => figures.stuck += 1,
            Outcome::Refused => figures.refused += 1,
        }
    }
    figures.latencies.sort();
    drop(system);
    figures
}

/// The nearest-rank percentile `p` (0..=100) of sorted `values`, in milliseconds.
fn percentile_ms(values: &[Duration], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1].as_secs_f64() * 1e3
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    // `cargo bench` passes `--bench`; this bench takes no arguments of its own.
    let orders = env_number("ACCORD_BENCH_ORDERS", 200) as usize;
    let tasks = env_number("ACCORD_BENCH_TASKS", 16) as usize;
    let poll = Duration::from_millis(env_number("ACCORD_BENCH_POLL_MS", 10));
    let only = std::env::var("ACCORD_BENCH_BROKERS").unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for (kind, name) in [
        (brokers::Kind::Nats, "NATS JetStream"),
        (brokers::Kind::Rabbit, "RabbitMQ"),
    ] {
        if !only.is_empty() && !format!("{kind:?}").to_lowercase().starts_with(&only) {
            continue;
        }
        let Some(server) = brokers::Server::start(kind) else {
            continue;
        };
        let before = load();
        let figures = runtime.block_on(bench(server.url(), orders, tasks, poll));
        let after = load();
        drop(server);
        let row = format!(
            "| {name} | {} | {} ({} + {}) | {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {before} → {after} |",
            figures.orders,
            figures.approved + figures.rejected,
            figures.approved,
            figures.rejected,
            figures.stuck,
            figures.refused,
            figures.wall.as_secs_f64(),
            figures.latencies.len() as f64 / figures.wall.as_secs_f64(),
            percentile_ms(&figures.latencies, 50.0),
            percentile_ms(&figures.latencies, 99.0),
        );
        eprintln!("{row}");
        rows.push(row);
    }
    println!(
        "\nCreate Order sagas end to end across processes ({orders} orders, {tasks} callers, \
         SQLite --db each, polled every {} ms)",
        poll.as_millis()
    );
    println!(
        "| broker | orders | final (approved + rejected) | stuck | refused | wall s | sagas/s | p50 ms | p99 ms | load 1/5/15 min before → after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
