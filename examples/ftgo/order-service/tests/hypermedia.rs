//! REST Level 3 end to end over loopback: the order service's HAL links, `?expand=consumer`
//! through the generated consumer-service proxy with the consumer service up, slow (the
//! request's deadline) and down, the typed reading of both on the proxy side, 201 with
//! `Location`; then, against the real binaries, schemathesis driven by the emitted OpenAPI
//! (stateful phase following its links) and a Python client that reaches `cancel_order` from
//! `POST /orders` by following `_links` alone.

mod support;

use accord::auth::StaticToken;
use accord::rest::client::RestClient;
use accord::rest::server::ServerConfig;
use accord::{CallError, ProxyConfig, Request, Shutdown};
use ftgo_order_service::api::ftgo::consumer::consumer_service::{self, GetConsumerError};
use ftgo_order_service::api::ftgo::consumer::{
    Consumer, ConsumerNotFound, ConsumerService, CreateConsumerReply, CreateConsumerRequest,
    GetConsumerRequest, ValidateOrderReply, ValidateOrderRequest,
};
use ftgo_order_service::api::ftgo::order::order_service::rest;
use ftgo_order_service::api::ftgo::order::order_service::rest::relations::ORDER_CONSUMER;
use ftgo_order_service::api::ftgo::order::{CreateOrderRequest, GetOrderRequest};
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::{ALL_SCOPES, SECRET, Service, order, python_has, token, verifying};

/// Consumers 1..=3, answered after `delay`.
struct Consumers {
    delay: Duration,
}

impl ConsumerService for Consumers {
    async fn create_consumer(
        &self,
        _: Request<CreateConsumerRequest>,
    ) -> Result<CreateConsumerReply, CallError> {
        Err(CallError::Internal("not in this test".into()))
    }

    async fn get_consumer(
        &self,
        request: Request<GetConsumerRequest>,
    ) -> Result<Consumer, GetConsumerError> {
        tokio::time::sleep(self.delay).await;
        let consumer_id = request.input.consumer_id;
        if !(1..=3).contains(&consumer_id) {
            return Err(ConsumerNotFound { consumer_id }.into());
        }
        Ok(Consumer {
            consumer_id,
            name: format!("consumer {consumer_id}"),
            email: format!("c{consumer_id}@example.com"),
            registered_at: accord::Timestamp::from(std::time::UNIX_EPOCH),
        })
    }

    async fn validate_order(
        &self,
        _: Request<ValidateOrderRequest>,
    ) -> Result<ValidateOrderReply, consumer_service::ValidateOrderError> {
        Err(CallError::Internal("not in this test".into()).into())
    }
}

/// Serves a router on an ephemeral loopback port until the returned task is aborted.
async fn serve(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = accord::rest::server::serve(listener, router, Shutdown::never()).await;
    });
    (base, task)
}

/// A consumer service answering after `delay`.
async fn consumers(delay: Duration) -> (String, tokio::task::JoinHandle<()>) {
    let config = ServerConfig::default();
    serve(consumer_service::rest::router(Consumers { delay }, config)).await
}

/// The order service, expanding `consumer` through the consumer service at `consumers` (when
/// given), published at `public` (when given).
async fn orders(consumers: Option<&str>, public: Option<&str>) -> String {
    let mut config = verifying();
    if let Some(url) = public {
        config = config.with_public_base_url(url);
    }
    if let Some(url) = consumers {
        let proxy = consumer_service::rest::Proxy::connect(url).unwrap();
        let client = consumer_service::Client::new().with_rest(proxy);
        config = config.with_linked(rest::linked::consumer_service(client).base_url(url));
    }
    let store = InMemoryOrders::new(demo_restaurants());
    serve(rest::router(store, config)).await.0
}

fn proxy(base: &str) -> rest::Proxy {
    let client = RestClient::builder(base)
        .config(ProxyConfig::default())
        .credentials(StaticToken::new(token(ALL_SCOPES)))
        .build()
        .unwrap();
    rest::Proxy::new(client)
}

/// Two pad thai from restaurant 1 for `consumer_id`.
fn pad_thai(consumer_id: i64) -> CreateOrderRequest {
    order(consumer_id, 1, &[("pad-thai", 2)])
}

/// Places an order for `consumer_id`; returns its id.
async fn place(proxy: &rest::Proxy, consumer_id: i64) -> i64 {
    let created = proxy
        .create_order_hal(Request::new(pad_thai(consumer_id)), &[])
        .await
        .unwrap();
    created.resource.order_id
}

fn get(order_id: i64) -> Request<GetOrderRequest> {
    Request::new(GetOrderRequest { order_id })
}

#[tokio::test]
async fn responses_carry_links_and_a_created_order_its_location() {
    let (consumers, _task) = consumers(Duration::ZERO).await;
    let base = orders(Some(&consumers), Some("https://api.example.com/ftgo/")).await;
    let proxy = proxy(&base);
    let created = proxy
        .create_order_hal(Request::new(pad_thai(2)), &[])
        .await
        .unwrap();
    let id = created.resource.order_id;
    let here = format!("https://api.example.com/ftgo/orders/{id}");
    assert_eq!(created.link("get_order").unwrap().href, here);
    let cancel = created.link("cancel_order").unwrap();
    assert_eq!(cancel.href, format!("{here}/cancel"));
    assert_eq!(cancel.method.as_deref(), Some("POST"));
    assert!(
        created.link("self").is_none(),
        "no GET returns a CreateOrderReply"
    );

    let order = proxy.get_order_hal(get(id), &[]).await.unwrap();
    assert_eq!(order.link("self").unwrap().href, here);
    assert_eq!(
        order.link("consumer").unwrap().href,
        format!("{consumers}/consumers/2"),
        "a relation's href is the linked service's"
    );
    assert!(order.embedded(&ORDER_CONSUMER).is_none(), "not asked for");

    // Raw HTTP: 201, `Location`, the HAL members in the JSON.
    let response = reqwest::Client::new()
        .post(format!("{base}/orders"))
        .bearer_auth(token(ALL_SCOPES))
        .json(&serde_json::to_value(order_json(3)).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let id = body["order_id"].as_i64().unwrap();
    assert_eq!(
        location,
        format!("https://api.example.com/ftgo/orders/{id}")
    );
    assert_eq!(body["_links"]["cancel_order"]["method"], "POST");
}

fn order_json(consumer_id: i64) -> Value {
    serde_json::json!({
        "restaurant_id": 1,
        "consumer_id": consumer_id,
        "line_items": [{"menu_item_id": "spring-roll", "quantity": 1}],
    })
}

#[tokio::test]
async fn expand_embeds_the_consumer_fetched_through_its_proxy() {
    let (consumers, _task) = consumers(Duration::ZERO).await;
    let proxy = proxy(&orders(Some(&consumers), None).await);
    let id = place(&proxy, 3).await;
    let order = proxy
        .get_order_hal(get(id), &[ORDER_CONSUMER.name])
        .await
        .unwrap();
    let consumer = order.embedded(&ORDER_CONSUMER).unwrap().unwrap();
    assert_eq!(consumer.consumer_id, 3);
    assert_eq!(consumer.name, "consumer 3");
    assert_eq!(order.resource.consumer_id, 3);

    // A consumer the consumer service does not know: the order, and why the relation is not.
    let id = place(&proxy, 9).await;
    let order = proxy
        .get_order_hal(get(id), &[ORDER_CONSUMER.name])
        .await
        .unwrap();
    let problem = order.embedded(&ORDER_CONSUMER).unwrap().unwrap_err();
    assert_eq!(problem.status, 404);
    assert!(
        problem.detail.as_deref().unwrap().contains("get_consumer"),
        "{problem:?}"
    );
}

#[tokio::test]
async fn a_slow_consumer_service_costs_the_relation_not_the_deadline() {
    let (consumers, _task) = consumers(Duration::from_secs(5)).await;
    let proxy = proxy(&orders(Some(&consumers), None).await);
    let id = place(&proxy, 1).await;
    let started = Instant::now();
    let order = proxy
        .get_order_hal(
            get(id).with_timeout(Duration::from_millis(600)),
            &[ORDER_CONSUMER.name],
        )
        .await
        .expect("the order itself arrives");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "waited {took:?}");
    assert_eq!(order.resource.order_id, id);
    let problem = order.failed("consumer").expect("the relation failed");
    assert_eq!(problem.status, 504, "{problem:?}");
}

#[tokio::test]
async fn a_consumer_service_that_is_down_leaves_the_order_intact() {
    let (consumers, task) = consumers(Duration::ZERO).await;
    task.abort();
    let _ = task.await;
    let proxy = proxy(&orders(Some(&consumers), None).await);
    let id = place(&proxy, 1).await;
    let order = proxy
        .get_order_hal(get(id), &[ORDER_CONSUMER.name])
        .await
        .unwrap();
    assert_eq!(order.resource.order_id, id);
    let problem = order.failed("consumer").expect("the relation failed");
    assert!(problem.status >= 500, "{problem:?}");
    assert!(order.embedded(&ORDER_CONSUMER).unwrap().is_err());
}

#[tokio::test]
async fn unknown_and_unconfigured_relations_say_so() {
    let base = orders(None, None).await;
    let http = reqwest::Client::new();
    let id = place(&proxy(&base), 1).await;
    let response = http
        .get(format!("{base}/orders/{id}?expand=consumer,courier"))
        .bearer_auth(token(ALL_SCOPES))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["relations"], serde_json::json!(["consumer"]));
    assert!(problem["detail"].as_str().unwrap().contains("`courier`"));

    // Known, but this server was given no consumer service: 200, and the reason.
    let body: Value = http
        .get(format!("{base}/orders/{id}?expand=consumer"))
        .bearer_auth(token(ALL_SCOPES))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["order_id"], id);
    assert_eq!(body["_embedded_errors"]["consumer"]["status"], 501);
    assert!(body.get("_embedded").is_none());
}

#[tokio::test]
async fn an_item_not_on_the_menu_is_the_declared_422() {
    let base = orders(None, None).await;
    let mut bad = pad_thai(1);
    bad.line_items[0].menu_item_id = "sushi".into();
    let error = proxy(&base)
        .create_order_hal(Request::new(bad), &[])
        .await
        .unwrap_err();
    use ftgo_order_service::api::ftgo::order::order_service::CreateOrderError;
    let CreateOrderError::MenuItemUnavailable(unavailable) = error else {
        panic!("{error:?}");
    };
    assert_eq!(unavailable.menu_item_ids, ["sushi"]);
}

/// The OpenAPI document of the order service, as `accord build` writes it, in a fresh folder.
fn openapi_document() -> (tempfile::TempDir, std::path::PathBuf) {
    let api = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../api"));
    let roots: Vec<std::path::PathBuf> = ["order", "consumer", "kitchen", "accounting"]
        .iter()
        .map(|name| api.join(format!("{name}.accord")))
        .collect();
    let compiled = accord_idl::compile(&roots, &mut |p: &std::path::Path| {
        std::fs::read_to_string(p)
    });
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    let dir = tempfile::tempdir().unwrap();
    let mut path = None;
    for file in accord_codegen::openapi::emit(&compiled.model) {
        let target = dir.path().join(&file.path);
        std::fs::write(&target, &file.contents).unwrap();
        if file.path.to_string_lossy() == "ftgo.order.OrderService.yaml" {
            path = Some(target);
        }
    }
    (dir, path.expect("the order service's document"))
}

/// The consumer service and the order service (expanding through it), as their binaries.
async fn binaries() -> (Service, Service, String) {
    let consumer = Service::start("ftgo-consumer-service", &["--listen", "127.0.0.1:0"]).await;
    let consumer_url = url_in(&consumer.said());
    let order = Service::start(
        "ftgo-order-service",
        &[
            "--listen",
            "127.0.0.1:0",
            "--jwt-secret",
            SECRET,
            "--consumer-service",
            &consumer_url,
        ],
    )
    .await;
    let order_url = url_in(&order.said());
    (consumer, order, order_url)
}

/// The `http://…` URL a binary's ready line names.
fn url_in(lines: &[String]) -> String {
    let line = lines.iter().find(|l| l.contains("ready")).unwrap();
    let start = line.find("http://").expect("a URL in the ready line");
    line[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn schemathesis_finds_nothing_following_the_emitted_links() {
    if !python_has("schemathesis") {
        return;
    }
    let (dir, document) = openapi_document();
    let (_consumer, _order, base) = binaries().await;
    let interop = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop");
    let out = tokio::process::Command::new("python3")
        .args(["-m", "schemathesis.cli", "run"])
        .arg(&document)
        .args(["--url", &base, "--checks", "all", "--max-examples", "25"])
        .args(["--seed", "1", "--no-color"])
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", token(ALL_SCOPES)))
        .env("PYTHONPATH", interop)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        // Its cache (`.schemathesis/`) goes with the document, not into the source tree.
        .current_dir(dir.path())
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The stateful phase ran and followed links from created orders.
    let links = report
        .lines()
        .find(|l| l.contains("API Links:"))
        .unwrap_or_else(|| panic!("no stateful phase:\n{report}"));
    let covered: u32 = links
        .split_whitespace()
        .skip_while(|w| *w != "Links:")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(covered >= 3, "links followed: {links}\n{report}");
}

#[tokio::test]
async fn a_python_client_cancels_an_order_by_following_links() {
    if !python_has("urllib.request") {
        return;
    }
    let (_consumer, _order, base) = binaries().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../interop/follow_links.py");
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&base)
        .arg(token(ALL_SCOPES))
        .output()
        .await
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("CANCELLED"), "{said}");
    assert!(said.contains("consumer: "), "{said}");
}
