//! End to end over loopback: the generated proxy against the generated skeleton serving the
//! in-memory store, raw HTTP for invalid input, and the real binary.

mod support;

use accord::auth::StaticToken;
use accord::rest::client::RestClient;
use accord::testing::TestBed;
use accord::{CallError, Code, ProxyConfig, Request};
use ftgo_order_service::api::ftgo::order::order_service::{
    CancelOrderError, CreateOrderError, GetOrderError, rest,
};
use ftgo_order_service::api::ftgo::order::{
    CancelOrderRequest, CreateOrderRequest, GetOrderRequest, OrderNotFound, OrderService,
    OrderState, RestaurantNotFound,
};
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{SECRET, token, verifying};

fn store() -> InMemoryOrders {
    InMemoryOrders::new(demo_restaurants())
}

/// Serves `store` on a loopback port of a test bed, verifying tokens signed with [`SECRET`];
/// returns the bed (the server stops when it is dropped) and the base URL.
async fn serve(store: InMemoryOrders) -> (TestBed, String) {
    let mut bed = TestBed::new();
    let base = bed.rest(rest::router(store, verifying())).await.unwrap();
    (bed, base)
}

/// A proxy that reads and writes orders.
fn proxy(base: &str, config: ProxyConfig) -> rest::Proxy {
    let client = RestClient::builder(base)
        .config(config)
        .credentials(StaticToken::new(token("orders:read orders:write")))
        .build()
        .unwrap();
    rest::Proxy::new(client)
}

/// An order of consumer 42, with a delivery note.
fn create(restaurant_id: i64, items: &[(&str, i32)]) -> CreateOrderRequest {
    CreateOrderRequest {
        delivery_note: Some("ring twice".to_owned()),
        ..support::order(42, restaurant_id, items)
    }
}

#[tokio::test]
async fn create_get_and_cancel() {
    let (_bed, base) = serve(store()).await;
    let orders = proxy(&base, ProxyConfig::default());
    let created = orders
        .create_order(create(1, &[("pad-thai", 2), ("spring-roll", 1)]).into())
        .await
        .unwrap();
    let order = orders
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(order.order_id, created.order_id);
    assert_eq!(order.state, OrderState::ApprovalPending);
    assert_eq!(order.total.amount, 2 * 1250 + 450);
    assert_eq!(order.total.currency, "USD");
    assert_eq!(order.labels["delivery_note"], "ring twice");
    assert_eq!(order.line_items.len(), 2);

    let cancel = CancelOrderRequest {
        order_id: created.order_id,
        reason: Some("late".into()),
    };
    let cancelled = orders.cancel_order(cancel.into()).await.unwrap();
    assert_eq!(cancelled.state, OrderState::Cancelled);
    assert_eq!(cancelled.labels["cancel_reason"], "late");
    let again = orders
        .get_order(Request::new(GetOrderRequest {
            order_id: created.order_id,
        }))
        .await
        .unwrap();
    assert_eq!(again.state, OrderState::Cancelled);
}

#[tokio::test]
async fn declared_errors_come_back_typed() {
    let (_bed, base) = serve(store()).await;
    let orders = proxy(&base, ProxyConfig::default());
    let missing = orders
        .get_order(GetOrderRequest { order_id: 999 }.into())
        .await;
    assert_eq!(
        missing,
        Err(GetOrderError::OrderNotFound(OrderNotFound {
            order_id: 999
        }))
    );
    let unknown_restaurant = orders
        .create_order(create(77, &[("pad-thai", 1)]).into())
        .await;
    assert_eq!(
        unknown_restaurant,
        Err(CreateOrderError::RestaurantNotFound(RestaurantNotFound {
            restaurant_id: 77
        }))
    );
    // Schema-valid input the menu cannot serve is a declared error too (422), never an
    // undeclared status.
    let off_menu = orders
        .create_order(create(1, &[("sushi", 1), ("pad-thai", 1), ("ramen", 2)]).into())
        .await;
    let Err(CreateOrderError::MenuItemUnavailable(unavailable)) = off_menu else {
        panic!("expected MenuItemUnavailable, got {off_menu:?}");
    };
    assert_eq!(unavailable.menu_item_ids, ["sushi", "ramen"]);
}

#[tokio::test]
async fn operations_without_http_are_unsupported_by_the_rest_proxy() {
    let (_bed, base) = serve(store()).await;
    let orders = proxy(&base, ProxyConfig::default());
    let viewed = orders
        .order_viewed(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert!(matches!(viewed, Err(CallError::Unsupported { .. })));
}

/// Sends a raw request; returns status, content type and JSON body.
async fn raw(method: &str, url: &str, content_type: &str, body: &str) -> (u16, String, Value) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = client
        .request(method, url)
        .bearer_auth(token("orders:read orders:write"))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map_or(String::new(), |v| v.to_str().unwrap_or_default().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, kind, body)
}

/// Method, URL, content type, body, expected status, fields the problem must name.
type Case<'a> = (&'a str, String, &'a str, String, u16, Vec<&'a str>);

fn fields(problem: &Value) -> Vec<String> {
    problem["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| x["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn invalid_input_of_every_kind_gets_a_problem_and_the_server_stays_up() {
    let (_bed, base) = serve(store()).await;
    let orders = format!("{base}/orders");
    let json = "application/json";
    let valid = json!({"restaurant_id": 1, "consumer_id": 2, "line_items": [{"menu_item_id": "pad-thai", "quantity": 1}]});
    let cases: Vec<Case> = vec![
        ("POST", orders.clone(), json, "{not json".into(), 400, vec![]),
        ("POST", orders.clone(), json, json!({"restaurant_id": "one", "consumer_id": 2, "line_items": []}).to_string(), 400, vec!["restaurant_id"]),
        ("POST", orders.clone(), json, json!({"restaurant_id": 1, "line_items": [{"menu_item_id": "x", "quantity": 1}]}).to_string(), 400, vec!["consumer_id"]),
        ("POST", orders.clone(), json, json!({"line_items": [{"quantity": "lots"}]}).to_string(), 400, vec!["restaurant_id", "consumer_id", "line_items[0].menu_item_id", "line_items[0].quantity"]),
        ("POST", orders.clone(), json, json!({"restaurant_id": 1, "consumer_id": 2, "line_items": []}).to_string(), 400, vec!["line_items"]),
        ("POST", orders.clone(), json, json!({"restaurant_id": 1, "consumer_id": 2, "line_items": [{"menu_item_id": "a", "quantity": 0}, {"menu_item_id": "b", "quantity": 101}]}).to_string(), 400, vec!["line_items[0].quantity", "line_items[1].quantity"]),
        ("POST", orders.clone(), json, "[1, 2]".into(), 400, vec![]),
        ("POST", orders.clone(), "text/plain", valid.to_string(), 415, vec![]),
        ("POST", orders.clone(), json, format!("{{\"delivery_note\": \"{}\"}}", "x".repeat(2 << 20)), 413, vec![]),
        ("GET", format!("{orders}/abc"), json, String::new(), 400, vec!["order_id"]),
        ("GET", format!("{orders}/99999999999999999999"), json, String::new(), 400, vec!["order_id"]),
        ("POST", format!("{orders}/abc/cancel"), json, "{}".into(), 400, vec!["order_id"]),
        ("GET", format!("{base}/nowhere"), json, String::new(), 404, vec![]),
        ("DELETE", orders.clone(), json, String::new(), 405, vec![]),
    ];
    for (method, url, content_type, body, status, expected) in cases {
        let (got, kind, problem) = raw(method, &url, content_type, &body).await;
        assert_eq!(got, status, "{method} {url} {body:.80}: {problem}");
        assert_eq!(kind, "application/problem+json", "{method} {url}");
        assert_eq!(problem["status"], status, "{problem}");
        let found = fields(&problem);
        for field in expected {
            assert!(
                found.iter().any(|f| f == field),
                "{method} {url}: {field} not in {found:?}"
            );
        }
    }
    // Still serving.
    let (status, _, reply) = raw("POST", &orders, json, &valid.to_string()).await;
    assert_eq!(status, 201, "{reply}");
    assert!(reply["order_id"].is_i64());
}

#[tokio::test]
async fn a_slow_server_makes_the_proxy_time_out_within_its_deadline() {
    let (_bed, base) = serve(store().with_latency(Duration::from_secs(5))).await;
    let orders = proxy(&base, ProxyConfig::default());
    let started = Instant::now();
    let request =
        Request::new(GetOrderRequest { order_id: 1 }).with_timeout(Duration::from_millis(200));
    let result = orders.get_order(request).await;
    assert_eq!(result, Err(GetOrderError::Call(CallError::Timeout)));
    // Not a benchmark: only that the call gave up long before the server answered.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_deadline_is_the_operation_timeout_else_the_client_default() {
    let (_bed, base) = serve(store().with_latency(Duration::from_millis(600))).await;
    let config = ProxyConfig {
        default_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    };
    let orders = proxy(&base, config);
    // get_order declares no @timeout: the client's 200 ms default is too short for the answer.
    let got = orders
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert_eq!(got, Err(GetOrderError::Call(CallError::Timeout)));
    // cancel_order declares @timeout(2s): the same slow answer arrives, typed.
    let cancel = CancelOrderRequest {
        order_id: 999,
        reason: None,
    };
    let got = orders.cancel_order(cancel.into()).await;
    assert!(
        matches!(got, Err(CancelOrderError::OrderNotFound(_))),
        "{got:?}"
    );
}

#[tokio::test]
async fn with_the_outstanding_bound_reached_the_next_call_fails_at_once() {
    let (_bed, base) = serve(store().with_latency(Duration::from_secs(2))).await;
    let config = ProxyConfig {
        max_outstanding: 1,
        ..ProxyConfig::default()
    };
    let orders = proxy(&base, config);
    let busy = orders.clone();
    let first =
        tokio::spawn(async move { busy.get_order(GetOrderRequest { order_id: 1 }.into()).await });
    // Wait until the first call holds the only slot.
    while orders.client().resilience().available() > 0 {
        tokio::task::yield_now().await;
    }
    let second = orders
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert_eq!(second, Err(GetOrderError::Call(CallError::Overloaded)));
    assert!(
        !first.is_finished(),
        "the second call must fail while the first is still out"
    );
    first.abort();
}

#[tokio::test]
async fn the_binary_serves_on_the_address_it_is_given() {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args(["--listen", "127.0.0.1:0", "--jwt-secret", SECRET])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    let orders = proxy(&base, ProxyConfig::default());
    let created = orders
        .create_order(create(1, &[("pad-thai", 1)]).into())
        .await
        .unwrap();
    let order = orders
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(order.total.amount, 1250);
    child.kill().await.unwrap();
}

/// SIGTERM during a slow call: the server stops accepting, the call in flight still gets its
/// answer, and the process exits 0.
#[tokio::test]
async fn sigterm_lets_the_call_in_flight_finish_and_exits_0() {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--latency-ms",
            "800",
            "--insecure-no-auth",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).await.unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    let orders = proxy(&base, ProxyConfig::default());
    let slow = tokio::spawn(async move {
        orders
            .create_order(create(1, &[("pad-thai", 1)]).into())
            .await
    });
    // The call is in flight (the server holds it for 800 ms) when the signal comes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    // SAFETY: kill(2) with a pid this test spawned and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let answer = slow.await.unwrap();
    assert!(answer.is_ok(), "the call in flight is answered: {answer:?}");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the process exits after the drain")
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    let refused = RestClient::new(&base).map(rest::Proxy::new).unwrap();
    let after = refused
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert!(
        matches!(after, Err(GetOrderError::Call(CallError::Connect(_)))),
        "no longer accepting: {after:?}"
    );
}

/// The order service checks the scopes its contract names, and refuses to start without a way
/// to verify tokens unless told to serve insecurely.
#[tokio::test]
async fn the_binary_enforces_scopes_and_refuses_to_start_without_a_verifier() {
    let bare = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .await
        .unwrap();
    assert_eq!(bare.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bare.stderr);
    assert!(
        said.contains("--jwt-secret") && said.contains("--insecure-no-auth"),
        "{said}"
    );

    let (_bed, base) = serve(store()).await;
    let reader = {
        let client = RestClient::builder(&base)
            .credentials(StaticToken::new(token("orders:read")))
            .build()
            .unwrap();
        rest::Proxy::new(client)
    };
    let refused = reader
        .create_order(create(1, &[("pad-thai", 1)]).into())
        .await;
    assert!(
        matches!(&refused, Err(CreateOrderError::Call(CallError::Status(s))) if s.code == Code::PermissionDenied),
        "orders:read cannot create: {refused:?}"
    );
    let writer = proxy(&base, ProxyConfig::default());
    let created = writer
        .create_order(create(1, &[("pad-thai", 1)]).into())
        .await
        .unwrap();
    let read = reader
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await;
    assert!(read.is_ok(), "orders:read reads: {read:?}");
    let anonymous = rest::Proxy::connect(&base).unwrap();
    let refused = anonymous
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await;
    assert!(
        matches!(&refused, Err(GetOrderError::Call(CallError::Status(s))) if s.code == Code::Unauthenticated),
        "{refused:?}"
    );
}

/// A token signed with [`SECRET`] holding `claims` (`null` leaves a claim out) beside a
/// subject, both scopes and an hour of validity.
fn token_with(claims: Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut all = json!({"sub": "tester", "scope": support::ALL_SCOPES, "exp": now + 3600});
    for (name, value) in claims.as_object().unwrap() {
        match value {
            Value::Null => all.as_object_mut().unwrap().remove(name),
            _ => all
                .as_object_mut()
                .unwrap()
                .insert(name.clone(), value.clone()),
        };
    }
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &all, &key).unwrap()
}

/// `--jwt-audience` and `--jwt-issuer` (each repeatable): the binary refuses a token for another
/// service, from another issuer, for nobody (empty `sub`) or without the claims, with the
/// usual 401 problem, and serves one that names either configured audience and issuer.
#[tokio::test]
async fn the_binary_accepts_only_tokens_for_its_audience_and_issuer() {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args(["--listen", "127.0.0.1:0", "--jwt-secret", SECRET])
        .args(["--jwt-audience", "ftgo.order.OrderService"])
        .args(["--jwt-audience", "orders"])
        .args([
            "--jwt-issuer",
            "https://id.test",
            "--jwt-issuer",
            "https://id-eu.test",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    let client = reqwest::Client::new();
    let get = |token: String| {
        let request = client
            .get(format!("{base}/orders/424242"))
            .bearer_auth(token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let challenge = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, challenge, response.json::<Value>().await.unwrap())
        }
    };
    let ours = json!({"aud": "ftgo.order.OrderService", "iss": "https://id.test"});
    for accepted in [
        ours.clone(),
        json!({"aud": ["billing", "orders"], "iss": "https://id-eu.test"}),
    ] {
        let (status, _, body) = get(token_with(accepted.clone())).await;
        assert_eq!(status, 404, "{accepted}: past authentication: {body}");
    }
    for refused in [
        json!({"aud": "ftgo.accounting.AccountingService", "iss": "https://id.test"}),
        json!({"aud": ["billing"], "iss": "https://id.test"}),
        json!({"aud": "orders", "iss": "https://evil.test"}),
        json!({"aud": "orders", "iss": "https://id.test", "sub": ""}),
        json!({"aud": null, "iss": "https://id.test"}),
        json!({"aud": "orders", "iss": null}),
    ] {
        let (status, challenge, problem) = get(token_with(refused.clone())).await;
        assert_eq!(status, 401, "{refused}: {problem}");
        assert_eq!(problem["detail"], "invalid credentials", "{refused}");
        assert_eq!(problem["status"], 401);
        assert!(
            challenge.is_some_and(|c| c.contains("error=\"invalid_token\"")),
            "{refused}"
        );
    }
    // An empty expected audience is a configuration error, not "accept `aud: \"\"`".
    let empty = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args(["--listen", "127.0.0.1:0", "--jwt-secret", SECRET])
        .args(["--jwt-audience", ""])
        .output()
        .await
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("audience must not be empty"));
    child.kill().await.unwrap();
}
