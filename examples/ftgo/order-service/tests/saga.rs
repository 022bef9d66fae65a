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
mod support;

use accord::auth::StaticToken;
use accord::rest::client::RestClient;
use accord::{ProxyConfig, Request};
use ftgo_order_service::api::ftgo::order::order_service::rest;
use ftgo_order_service::api::ftgo::order::{GetOrderRequest, OrderService as _, OrderState};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{ALL_SCOPES, SECRET, Service, order, python_has, token};

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
    // Two instances of the kitchen share its database, as instances of a service do: a
    // compensation handled by one finds the ticket the other created.
    let dir = tempfile::tempdir().unwrap();
    let kitchen_db = dir.path().join("kitchen.db").display().to_string();
    let kitchen_args = [
        "--broker",
        broker,
        "--sold-out",
        "tiramisu",
        "--db",
        &kitchen_db,
    ];
    let kitchens = [
        Service::start("ftgo-kitchen-service", &kitchen_args).await,
        Service::start("ftgo-kitchen-service", &kitchen_args).await,
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
        .credentials(StaticToken::new(token(ALL_SCOPES)))
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
        token(ALL_SCOPES),
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
