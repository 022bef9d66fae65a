//! The Create Order saga across processes, on real NATS and RabbitMQ servers this test starts:
//! the order service, the consumer service, two kitchens, accounting and two couriers, each its
//! own binary. Orders end APPROVED or REJECTED as FTGO says, and Python clients (nats-py, pika)
//! that speak only the documented wire send kitchen commands, read order events and collect
//! quotes.
//!
//! The other services' binaries are found beside this package's (`cargo test --workspace` and
//! `cargo build --workspace` build them all); a missing one fails the test with the command that
//! builds it.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;

use accord::auth::StaticToken;
use accord::rest::client::RestClient;
use accord::{ProxyConfig, Request};
use ftgo_order_service::api::ftgo::order::order_service::rest;
use ftgo_order_service::api::ftgo::order::{
    CreateOrderRequest, GetOrderRequest, LineItem, OrderService as _, OrderState,
};
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt as _;

const SECRET: &str = "ftgo-test-secret-of-32-bytes-long";

fn token() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"sub": "saga-test", "scope": "orders:read orders:write", "iat": now, "exp": now + 3600});
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

/// A binary of the workspace: this package's from cargo, the others beside it.
fn binary(name: &str) -> PathBuf {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_ftgo-order-service"));
    if name == "ftgo-order-service" {
        return ours;
    }
    let path = ours.with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p {name}` (cargo test --workspace builds it)",
        path.display()
    );
    path
}

/// A service process, its stdout kept line by line; killed when dropped.
struct Service {
    _child: tokio::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Service {
    /// Starts `name` with `args` and waits for its line containing `ready`.
    async fn start(name: &str, args: &[&str]) -> Service {
        let mut child = tokio::process::Command::new(binary(name))
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = stdout.next_line().await.unwrap() {
                let ready = line.contains("ready");
                lines.lock().unwrap().push(line);
                if ready {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(ready, Ok(true)),
            "{name} {args:?} never said ready: {:?}",
            lines.lock().unwrap()
        );
        let kept = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        Service {
            _child: child,
            lines,
        }
    }

    fn said(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

fn order(consumer_id: i64, restaurant_id: i64, items: &[(&str, i32)]) -> CreateOrderRequest {
    CreateOrderRequest {
        restaurant_id,
        consumer_id,
        line_items: items
            .iter()
            .map(|(id, quantity)| LineItem {
                menu_item_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect(),
        delivery_note: None,
    }
}

/// Whether python3 can import `module`; without it the interop part is skipped, unless `CI`.
fn python_has(module: &str) -> bool {
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
    }
    found
}

async fn saga_across_processes(kind: brokers::Kind) {
    let Some(server) = brokers::Server::start(kind) else {
        return;
    };
    let url = server.url();
    let broker = url.as_str();
    let _consumer = Service::start(
        "ftgo-consumer-service",
        &["--listen", "127.0.0.1:0", "--broker", broker],
    )
    .await;
    let kitchens = [
        Service::start(
            "ftgo-kitchen-service",
            &["--broker", broker, "--sold-out", "tiramisu"],
        )
        .await,
        Service::start(
            "ftgo-kitchen-service",
            &["--broker", broker, "--sold-out", "tiramisu"],
        )
        .await,
    ];
    let _accounting = Service::start(
        "ftgo-accounting-service",
        &["--broker", broker, "--decline-over", "5000"],
    )
    .await;
    let _couriers = [
        Service::start(
            "ftgo-courier",
            &["--broker", broker, "--name", "speedy", "--minutes", "12"],
        )
        .await,
        Service::start(
            "ftgo-courier",
            &["--broker", broker, "--name", "steady", "--minutes", "25"],
        )
        .await,
    ];
    let orders = Service::start(
        "ftgo-order-service",
        &[
            "--listen",
            "127.0.0.1:0",
            "--broker",
            broker,
            "--jwt-secret",
            SECRET,
        ],
    )
    .await;
    let ready = orders.said().last().cloned().unwrap();
    let base = ready.rsplit(' ').next().unwrap().to_owned();

    let client = RestClient::builder(&base)
        .config(ProxyConfig::default())
        .credentials(StaticToken::new(token()))
        .build()
        .unwrap();
    let proxy = rest::Proxy::new(client);
    let cases = [
        (
            "approved",
            order(1, 1, &[("pad-thai", 2)]),
            OrderState::Approved,
        ),
        (
            "sold out",
            order(2, 2, &[("margherita", 1), ("tiramisu", 1)]),
            OrderState::Rejected,
        ),
        (
            "unknown consumer",
            order(99, 1, &[("spring-roll", 1)]),
            OrderState::Rejected,
        ),
        (
            "card declined",
            order(3, 1, &[("pad-thai", 5)]),
            OrderState::Rejected,
        ),
    ];
    for (what, request, expected) in cases {
        let created = proxy.create_order(request.into()).await.expect("created");
        let started = Instant::now();
        let order = loop {
            let get = GetOrderRequest {
                order_id: created.order_id,
            };
            let order = proxy.get_order(Request::new(get)).await.expect("read back");
            if order.state != OrderState::ApprovalPending
                || started.elapsed() > Duration::from_secs(30)
            {
                break order;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(
            order.state,
            expected,
            "{what}: {:?}\n{:?}",
            order.labels,
            orders.said()
        );
    }
    // The declined card's ticket was cancelled by the saga's compensation, by one kitchen.
    let cancelled = |k: &Service| {
        k.said()
            .iter()
            .filter(|l| l.contains("cancelled") && l.contains("ticket"))
            .count()
    };
    wait_for(
        || cancelled(&kitchens[0]) + cancelled(&kitchens[1]) == 1,
        "one ticket cancelled",
    )
    .await;

    let mode = match kind {
        brokers::Kind::Nats => ("nats", "nats"),
        brokers::Kind::Rabbit => ("amqp", "pika"),
    };
    if !python_has(mode.1) {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/ftgo_clients.py");
    let args = [
        script.to_owned(),
        mode.0.to_owned(),
        url.clone(),
        base.clone(),
        token(),
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
    let seen: serde_json::Value = serde_json::from_str(said.lines().next().unwrap()).unwrap();
    assert_eq!(
        seen["quotes"],
        json!([["speedy", 12], ["steady", 25]]),
        "{said}"
    );
    // Each of the Python client's commands went to exactly one of the two kitchens.
    for order_id in seen["tickets"].as_array().unwrap() {
        let mention = format!("order {order_id}");
        let handled = |k: &Service| {
            k.said()
                .iter()
                .filter(|l| l.ends_with(&mention) || l.contains(&format!("{mention} rejected")))
                .count()
        };
        let (a, b) = (handled(&kitchens[0]), handled(&kitchens[1]));
        assert_eq!(a + b, 1, "{mention}: kitchen 1 {a} time(s), kitchen 2 {b}");
    }
}

async fn wait_for(done: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saga_runs_across_processes_over_nats() {
    saga_across_processes(brokers::Kind::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saga_runs_across_processes_over_rabbitmq() {
    saga_across_processes(brokers::Kind::Rabbit).await;
}
