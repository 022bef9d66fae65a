//! End-to-end tests of the REST glue over real loopback sockets, through the mini order service
//! generated from `api/shop.accord` by this crate's build script.

use accord::rest::client::RestClient;
use accord::rest::server::ServerConfig;
use accord::trace::TraceParent;
use accord::{BoxStream, BreakerConfig, CallError, Code, ProxyConfig, Request};
use accord_rest_e2e::order_service::{
    CancelOrderError, CreateOrderError, DeleteOrderError, GetOrderError, WatchOrderError, rest,
};
use accord_rest_e2e::*;
use futures::StreamExt as _;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Order id whose handler sleeps for 5 s.
const SLOW: i64 = 7;
/// Order id whose handler fails with an internal error (500).
const BROKEN: i64 = 500;

/// The business logic under test: echoes what it saw of the call in the order's labels.
#[derive(Default)]
struct Shop {
    calls: AtomicUsize,
}

fn order(order_id: i64, labels: BTreeMap<String, String>) -> Order {
    let line_items = vec![LineItem {
        menu_item_id: "pizza".into(),
        quantity: 2,
    }];
    Order {
        order_id,
        state: OrderState::Approved,
        line_items,
        labels,
    }
}

fn seen(request: &Request<impl Sized>) -> BTreeMap<String, String> {
    let ctx = &request.context;
    let mut labels = BTreeMap::new();
    let trace = ctx.trace.map(|t| t.trace_id_hex()).unwrap_or_default();
    labels.insert("trace_id".into(), trace);
    labels.insert(
        "correlation_id".into(),
        ctx.correlation().unwrap_or_default().into_owned(),
    );
    let remaining = ctx
        .remaining()
        .map(|d| d.as_millis().to_string())
        .unwrap_or_default();
    labels.insert("remaining_ms".into(), remaining);
    let names: Vec<&str> = ctx.metadata.keys().map(String::as_str).collect();
    labels.insert("metadata".into(), names.join(","));
    labels.insert(
        "tenant".into(),
        ctx.metadata("x-tenant").unwrap_or_default().into(),
    );
    let peer = ctx
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .is_some();
    labels.insert("peer_known".into(), peer.to_string());
    labels
}

impl OrderService for Shop {
    async fn create_order(
        &self,
        request: Request<CreateOrderRequest>,
    ) -> Result<CreateOrderReply, CreateOrderError> {
        let input = request.input;
        if input.restaurant_id == 0 {
            let e = RestaurantNotFound { restaurant_id: 0 };
            return Err(CreateOrderError::RestaurantNotFound(e));
        }
        Ok(CreateOrderReply {
            order_id: input.restaurant_id * 100 + input.line_items.len() as i64,
        })
    }

    async fn get_order(&self, request: Request<GetOrderRequest>) -> Result<Order, GetOrderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match request.input.order_id {
            SLOW => tokio::time::sleep(Duration::from_secs(5)).await,
            BROKEN => return Err(CallError::Internal("the database is down".into()).into()),
            id if id < 0 => {
                return Err(GetOrderError::OrderNotFound(OrderNotFound { order_id: id }));
            }
            _ => {}
        }
        Ok(order(request.input.order_id, seen(&request)))
    }

    async fn list_orders(
        &self,
        request: Request<ListOrdersRequest>,
    ) -> Result<OrderList, CallError> {
        let input = request.input;
        let orders = (0..input.limit.unwrap_or(2)).map(|i| {
            let mut o = order(i64::from(i), BTreeMap::new());
            o.state = input
                .state
                .get(i as usize)
                .cloned()
                .unwrap_or(OrderState::ApprovalPending);
            o
        });
        Ok(OrderList {
            orders: orders.collect(),
        })
    }

    async fn cancel_order(
        &self,
        request: Request<CancelOrderRequest>,
    ) -> Result<Order, CancelOrderError> {
        let input = request.input;
        let mut labels = BTreeMap::new();
        labels.insert("reason".into(), input.reason.unwrap_or_default());
        labels.insert("actor".into(), input.actor.unwrap_or_default());
        let mut o = order(input.order_id, labels);
        o.state = OrderState::Cancelled;
        Ok(o)
    }

    async fn delete_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> Result<(), DeleteOrderError> {
        match request.input.order_id {
            id if id < 0 => Err(DeleteOrderError::OrderNotFound(OrderNotFound {
                order_id: id,
            })),
            _ => Ok(()),
        }
    }

    async fn order_viewed(&self, _: Request<GetOrderRequest>) -> Result<(), CallError> {
        Ok(())
    }

    fn watch_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, WatchOrderError>> {
        let id = request.input.order_id;
        if id < 0 {
            let e = WatchOrderError::OrderNotFound(OrderNotFound { order_id: id });
            return Box::pin(futures::stream::iter([Err(e)]));
        }
        let states = [
            OrderState::ApprovalPending,
            OrderState::Approved,
            OrderState::Cancelled,
        ];
        Box::pin(futures::stream::iter(states).map(move |state| {
            let mut o = order(id, BTreeMap::new());
            o.state = state;
            Ok(o)
        }))
    }
}

struct Server {
    base: String,
    shop: Arc<ShopHandle>,
}

/// Shares the call counter with the test while the router owns the service.
struct ShopHandle(Arc<Shop>);

impl OrderService for ShopHandle {
    fn create_order(
        &self,
        r: Request<CreateOrderRequest>,
    ) -> impl Future<Output = Result<CreateOrderReply, CreateOrderError>> + Send {
        self.0.create_order(r)
    }
    fn get_order(
        &self,
        r: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<Order, GetOrderError>> + Send {
        self.0.get_order(r)
    }
    fn list_orders(
        &self,
        r: Request<ListOrdersRequest>,
    ) -> impl Future<Output = Result<OrderList, CallError>> + Send {
        self.0.list_orders(r)
    }
    fn cancel_order(
        &self,
        r: Request<CancelOrderRequest>,
    ) -> impl Future<Output = Result<Order, CancelOrderError>> + Send {
        self.0.cancel_order(r)
    }
    fn delete_order(
        &self,
        r: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), DeleteOrderError>> + Send {
        self.0.delete_order(r)
    }
    fn order_viewed(
        &self,
        r: Request<GetOrderRequest>,
    ) -> impl Future<Output = Result<(), CallError>> + Send {
        self.0.order_viewed(r)
    }
    fn watch_order(
        &self,
        r: Request<GetOrderRequest>,
    ) -> BoxStream<'static, Result<Order, WatchOrderError>> {
        self.0.watch_order(r)
    }
}

async fn serve() -> Server {
    serve_with(ServerConfig {
        body_limit: 4096,
        ..ServerConfig::default()
    })
    .await
}

async fn serve_with(config: ServerConfig) -> Server {
    let shop = Arc::new(Shop::default());
    let router = rest::router(ShopHandle(shop.clone()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base: format!("http://{addr}"),
        shop: Arc::new(ShopHandle(shop)),
    }
}

fn proxy(server: &Server, config: ProxyConfig) -> rest::Proxy {
    let client = RestClient::builder(&server.base)
        .default_header("X-Tenant", "acme")
        .config(config)
        .build()
        .unwrap();
    rest::Proxy::new(client)
}

fn create_request(restaurant_id: i64) -> CreateOrderRequest {
    CreateOrderRequest {
        restaurant_id,
        consumer_id: 9,
        line_items: vec![LineItem {
            menu_item_id: "pizza".into(),
            quantity: 3,
        }],
        delivery_note: None,
        currency: "EUR".into(),
    }
}

#[tokio::test]
async fn success_paths_round_trip_typed_values() {
    let server = serve().await;
    let orders = proxy(&server, ProxyConfig::default());
    let reply = orders.create_order(create_request(4).into()).await.unwrap();
    assert_eq!(reply, CreateOrderReply { order_id: 401 });

    let got = orders
        .get_order(GetOrderRequest { order_id: 12 }.into())
        .await
        .unwrap();
    assert_eq!((got.order_id, got.state), (12, OrderState::Approved));
    assert_eq!(got.labels["tenant"], "acme");
    assert_eq!(got.labels["peer_known"], "true");

    let states = vec![OrderState::Cancelled, OrderState::Approved];
    let list = ListOrdersRequest {
        state: states,
        limit: Some(3),
    };
    let list = orders.list_orders(list.into()).await.unwrap();
    let got: Vec<_> = list.orders.iter().map(|o| o.state.clone()).collect();
    assert_eq!(
        got,
        [
            OrderState::Cancelled,
            OrderState::Approved,
            OrderState::ApprovalPending
        ]
    );

    let cancel = CancelOrderRequest {
        order_id: 5,
        reason: Some("late / cold".into()),
        actor: Some("bob".into()),
    };
    let cancelled = orders.cancel_order(cancel.into()).await.unwrap();
    assert_eq!(cancelled.state, OrderState::Cancelled);
    assert_eq!(
        (
            cancelled.labels["reason"].as_str(),
            cancelled.labels["actor"].as_str()
        ),
        ("late / cold", "bob")
    );

    orders
        .delete_order(GetOrderRequest { order_id: 1 }.into())
        .await
        .unwrap();
    orders
        .order_viewed(GetOrderRequest { order_id: 1 }.into())
        .await
        .unwrap();
}

#[tokio::test]
async fn declared_errors_come_back_typed() {
    let server = serve().await;
    let orders = proxy(&server, ProxyConfig::default());
    let err = orders
        .create_order(create_request(0).into())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CreateOrderError::RestaurantNotFound(RestaurantNotFound { restaurant_id: 0 })
    );
    let err = orders
        .get_order(GetOrderRequest { order_id: -3 }.into())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        GetOrderError::OrderNotFound(OrderNotFound { order_id: -3 })
    );
    let err = orders
        .delete_order(GetOrderRequest { order_id: -4 }.into())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DeleteOrderError::OrderNotFound(OrderNotFound { order_id: -4 })
    );

    let raw = reqwest::get(format!("{}/orders/-3", server.base))
        .await
        .unwrap();
    assert_eq!(raw.status(), 404);
    assert_eq!(raw.headers()["accord-error"], "shop.orders.OrderNotFound");
    assert_eq!(raw.json::<Value>().await.unwrap(), json!({"order_id": -3}));
}

#[tokio::test]
async fn internal_errors_are_500_problems_without_details() {
    let server = serve().await;
    let raw = reqwest::get(format!("{}/orders/{BROKEN}", server.base))
        .await
        .unwrap();
    assert_eq!(raw.status(), 500);
    assert_eq!(raw.headers()["content-type"], "application/problem+json");
    let text = raw.text().await.unwrap();
    assert!(!text.contains("database"), "{text}");

    let orders = proxy(
        &server,
        ProxyConfig {
            breaker: None,
            ..ProxyConfig::default()
        },
    );
    match orders
        .get_order(GetOrderRequest { order_id: BROKEN }.into())
        .await
    {
        Err(GetOrderError::Call(CallError::Status(status))) => {
            assert_eq!(
                (status.code, status.message.as_str()),
                (Code::Internal, "internal error")
            )
        }
        other => panic!("{other:?}"),
    }
}

/// Sends a raw request and returns the status and the JSON body.
async fn raw(
    method: &str,
    url: String,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().unwrap(), url).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status < 300 {
        return (status, response.json().await.unwrap_or(Value::Null));
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (status, response.json().await.unwrap())
}

fn violations(problem: &Value) -> Vec<(String, String)> {
    let list = problem["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|v| {
            (
                v["field"].as_str().unwrap().to_owned(),
                v["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn bad_bodies_get_400_problems_with_paths() {
    let server = serve().await;
    let url = format!("{}/orders", server.base);
    let post = |body: &'static str| raw("POST", url.clone(), Some("application/json"), body);

    let (status, p) = post("{\"restaurant_id\": 1,").await;
    assert_eq!(status, 400);
    assert!(violations(&p)[0].1.starts_with("malformed JSON"), "{p}");

    let (status, p) = post("[1]").await;
    assert_eq!(
        (status, violations(&p)[0].1.as_str()),
        (400, "the body must be a JSON object")
    );

    let wrong_type = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR",
        "line_items": [{"menu_item_id": "a", "quantity": "many"}]}"#;
    let (status, p) = post(wrong_type).await;
    assert_eq!(status, 400);
    assert_eq!(violations(&p)[0].0, "line_items[0].quantity");
    assert!(violations(&p)[0].1.contains("invalid type"), "{p}");

    let missing = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR",
        "line_items": [{"menu_item_id": "a", "quantity": 1}, {"menu_item_id": "b"}]}"#;
    let (_, p) = post(missing).await;
    assert_eq!(
        violations(&p),
        [(
            "line_items[1].quantity".into(),
            "required field is missing".into()
        )]
    );

    // serde stops at the first problem; the problem body still lists every one.
    let many = r#"{"restaurant_id": "one", "currency": 7,
        "line_items": [{"quantity": "x"}, 5], "delivery_note": null}"#;
    let (status, p) = post(many).await;
    assert_eq!(status, 400);
    let fields: Vec<_> = violations(&p).into_iter().map(|v| v.0).collect();
    assert_eq!(
        fields,
        [
            "restaurant_id",
            "consumer_id",
            "line_items[0].menu_item_id",
            "line_items[0].quantity",
            "line_items[1]",
            "currency"
        ],
        "{p}"
    );

    let constraints = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "eur",
        "line_items": [{"menu_item_id": "a", "quantity": 0}, {"menu_item_id": "b", "quantity": 101}],
        "unknown_member": true}"#;
    let (status, p) = post(constraints).await;
    assert_eq!(status, 400);
    let fields: Vec<_> = violations(&p).into_iter().map(|v| v.0).collect();
    assert_eq!(
        fields,
        [
            "line_items[0].quantity",
            "line_items[1].quantity",
            "currency"
        ]
    );
}

#[tokio::test]
async fn bad_transport_input_gets_the_right_status() {
    let server = serve().await;
    let base = &server.base;
    let (status, p) = raw(
        "POST",
        format!("{base}/orders"),
        Some("text/plain"),
        "hello",
    )
    .await;
    assert_eq!((status, p["status"].as_u64()), (415, Some(415)));

    let big = format!("{{\"delivery_note\": \"{}\"}}", "x".repeat(10_000));
    let (status, _) = raw(
        "POST",
        format!("{base}/orders"),
        Some("application/json"),
        big,
    )
    .await;
    assert_eq!(status, 413);

    let (status, p) = raw("GET", format!("{base}/orders/abc"), None, "").await;
    assert_eq!(
        violations(&p),
        [("order_id".into(), "\"abc\" is not a 64-bit integer".into())]
    );
    assert_eq!(status, 400);

    let (status, p) = raw(
        "GET",
        format!("{base}/orders?state=APPROVED&state=EATEN&limit=x"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 400);
    let fields: Vec<_> = violations(&p).into_iter().map(|v| v.0).collect();
    assert_eq!(fields, ["state[1]", "limit"]);

    let (status, p) = raw("GET", format!("{base}/orders?limit=51"), None, "").await;
    assert_eq!((status, violations(&p)[0].0.as_str()), (400, "limit"));

    let (status, _) = raw("GET", format!("{base}/nowhere"), None, "").await;
    assert_eq!(status, 404);
    let (status, p) = raw("PUT", format!("{base}/orders/1"), None, "").await;
    assert_eq!(
        (status, p["title"].as_str()),
        (405, Some("Method Not Allowed"))
    );
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_413() {
    let server = serve().await;
    let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024]));
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let (status, p) = raw(
        "POST",
        format!("{}/orders", server.base),
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!((status, p["status"].as_u64()), (413, Some(413)));
}

#[tokio::test]
async fn garbage_never_takes_the_server_down() {
    let server = serve().await;
    let client = reqwest::Client::new();
    let garbage: &[(&str, &str, &[u8])] = &[
        ("POST", "/orders", b"\xff\xfe\x00garbage"),
        ("POST", "/orders/%FF%FE/cancel", b"{}"),
        ("GET", "/orders/99999999999999999999999", b""),
        ("GET", "/orders?state=%ZZ&&&==", b""),
        (
            "POST",
            "/orders/1/cancel",
            b"{\"reason\": {\"deep\": [[[[[[[[[[[[]]]]]]]]]]]]}}",
        ),
        ("DELETE", "/orders/1%2F2", b""),
    ];
    for (method, path, body) in garbage {
        let response = client
            .request(method.parse().unwrap(), format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .header("traceparent", "00-zz-yy-01")
            .header(
                "accord-deadline-ms",
                if path.len() % 2 == 0 {
                    "-5"
                } else {
                    "18446744073709551615"
                },
            )
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{method} {path}: {}",
            response.status()
        );
    }
    let orders = proxy(&server, ProxyConfig::default());
    assert!(
        orders
            .get_order(GetOrderRequest { order_id: 1 }.into())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_slow_handler_times_the_client_out_within_its_deadline() {
    let server = serve().await;
    let orders = proxy(&server, ProxyConfig::default());
    let started = Instant::now();
    let request =
        Request::new(GetOrderRequest { order_id: SLOW }).with_timeout(Duration::from_millis(200));
    let err = orders.get_order(request).await.unwrap_err();
    assert_eq!(err, GetOrderError::Call(CallError::Timeout));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    let (status, p) = {
        let response = reqwest::Client::new()
            .get(format!("{}/orders/{SLOW}", server.base))
            .header("accord-deadline-ms", "100")
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    assert_eq!(
        (status, p["detail"].as_str()),
        (504, Some("deadline exceeded"))
    );
}

#[tokio::test]
async fn a_full_outstanding_bound_fails_fast() {
    let server = serve().await;
    let config = ProxyConfig {
        max_outstanding: 1,
        breaker: None,
        ..ProxyConfig::default()
    };
    let orders = proxy(&server, config);
    let slow = {
        let orders = orders.clone();
        let request =
            Request::new(GetOrderRequest { order_id: SLOW }).with_timeout(Duration::from_secs(2));
        tokio::spawn(async move { orders.get_order(request).await })
    };
    while server.shop.0.calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let err = orders
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await
        .unwrap_err();
    assert_eq!(err, GetOrderError::Call(CallError::Overloaded));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        slow.await.unwrap(),
        Err(GetOrderError::Call(CallError::Timeout))
    );
    assert!(
        orders
            .get_order(GetOrderRequest { order_id: 1 }.into())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_breaker_opens_and_recovers() {
    let server = serve().await;
    let breaker = BreakerConfig {
        failure_threshold: 2,
        cool_down: Duration::from_millis(300),
    };
    let orders = proxy(
        &server,
        ProxyConfig {
            breaker: Some(breaker),
            ..ProxyConfig::default()
        },
    );
    let get = |id| orders.get_order(GetOrderRequest { order_id: id }.into());
    for _ in 0..2 {
        assert!(matches!(
            get(BROKEN).await,
            Err(GetOrderError::Call(CallError::Status(status))) if status.code == Code::Internal
        ));
    }
    let hits = server.shop.0.calls.load(Ordering::SeqCst);
    assert_eq!(
        get(1).await,
        Err(GetOrderError::Call(CallError::CircuitOpen))
    );
    assert_eq!(
        server.shop.0.calls.load(Ordering::SeqCst),
        hits,
        "an open breaker sends nothing"
    );
    // A declared error is a business answer, never a breaker failure.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(
        get(-1).await,
        Err(GetOrderError::OrderNotFound(_))
    ));
    assert!(get(1).await.is_ok());
    for _ in 0..2 {
        let _ = get(BROKEN).await;
    }
    assert_eq!(
        get(1).await,
        Err(GetOrderError::Call(CallError::CircuitOpen))
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        get(BROKEN).await.is_err(),
        "the failed probe reopens the breaker"
    );
    assert_eq!(
        get(1).await,
        Err(GetOrderError::Call(CallError::CircuitOpen))
    );
}

#[tokio::test]
async fn streams_arrive_as_server_sent_events() {
    let server = serve().await;
    let orders = proxy(&server, ProxyConfig::default());
    let items: Vec<_> = orders
        .watch_order(GetOrderRequest { order_id: 3 }.into())
        .collect()
        .await;
    let states: Vec<_> = items.into_iter().map(|o| o.unwrap().state).collect();
    assert_eq!(
        states,
        [
            OrderState::ApprovalPending,
            OrderState::Approved,
            OrderState::Cancelled
        ]
    );

    let items: Vec<_> = orders
        .watch_order(GetOrderRequest { order_id: -8 }.into())
        .collect()
        .await;
    assert_eq!(
        items,
        [Err(WatchOrderError::OrderNotFound(OrderNotFound {
            order_id: -8
        }))]
    );

    let items: Vec<_> = orders
        .watch_order(GetOrderRequest { order_id: 0 }.into())
        .take(1)
        .collect()
        .await;
    assert_eq!(items.len(), 1);

    let body = reqwest::get(format!("{}/orders/3/watch", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.starts_with("data: {\"order_id\":3"), "{body}");
}

#[tokio::test]
async fn an_injected_reqwest_client_and_request_metadata_travel() {
    let server = serve().await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-tenant", "from-client".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = RestClient::builder(&server.base)
        .http_client(http)
        .build()
        .unwrap();
    let orders = rest::Proxy::new(client);
    let got = orders
        .get_order(GetOrderRequest { order_id: 3 }.into())
        .await
        .unwrap();
    assert_eq!(
        got.labels["tenant"], "from-client",
        "the injected client's headers"
    );
    let request =
        Request::new(GetOrderRequest { order_id: 3 }).with_metadata("X-Tenant", "per-call");
    let got = orders.get_order(request).await.unwrap();
    assert_eq!(
        got.labels["tenant"], "per-call",
        "per-call metadata travels as headers"
    );
}

/// A handler that passes its own request's context downstream (instead of `Context::child`)
/// must not forward its caller's credentials: they are not metadata on the way in, and a
/// proxy does not send them on the way out, unless both sides name them.
#[tokio::test]
async fn credentials_never_leave_a_proxy_unless_explicitly_allowed() {
    let server = serve().await;
    let sent = reqwest::Client::new()
        .get(format!("{}/orders/3", server.base))
        .header("authorization", "Bearer caller-token")
        .header("cookie", "session=caller")
        .header("x-tenant", "acme")
        .send()
        .await
        .unwrap();
    let order: Value = sent.json().await.unwrap();
    assert_eq!(
        order["labels"]["metadata"], "x-tenant",
        "credentials are not metadata on the way in"
    );

    // A context as a server with a permissive policy would have filled it.
    let mut incoming = accord::Context::new();
    for (name, value) in [
        ("authorization", "Bearer caller-token"),
        ("cookie", "session=caller"),
        ("x-tenant", "acme"),
    ] {
        incoming.metadata.insert(name.into(), value.into());
    }
    let permissive = serve_with(ServerConfig {
        metadata: accord::MetadataPolicy::default()
            .allow("authorization")
            .allow("cookie"),
        ..ServerConfig::default()
    })
    .await;
    let request = || Request::from_parts(incoming.clone(), GetOrderRequest { order_id: 3 });
    let default_proxy = proxy(&permissive, ProxyConfig::default());
    let got = default_proxy.get_order(request()).await.unwrap();
    assert_eq!(
        got.labels["metadata"], "x-tenant",
        "not forwarded by default"
    );
    let explicit = proxy(
        &permissive,
        ProxyConfig {
            metadata: accord::MetadataPolicy::default().allow("authorization"),
            ..ProxyConfig::default()
        },
    );
    let got = explicit.get_order(request()).await.unwrap();
    assert_eq!(
        got.labels["metadata"], "authorization,x-tenant",
        "forwarded when named; the cookie still is not"
    );
}

#[tokio::test]
async fn trace_and_correlation_propagate() {
    let server = serve().await;
    let orders = proxy(&server, ProxyConfig::default());
    let parent = TraceParent::new_root();
    let mut request = Request::new(GetOrderRequest { order_id: 2 })
        .with_correlation_id("corr-42")
        .with_timeout(Duration::from_secs(10));
    request.context.trace = Some(parent);
    let got = orders.get_order(request).await.unwrap();
    assert_eq!(got.labels["trace_id"], parent.trace_id_hex());
    assert_eq!(got.labels["correlation_id"], "corr-42");
    let remaining: u64 = got.labels["remaining_ms"].parse().unwrap();
    assert!(remaining > 5_000 && remaining <= 10_000, "{remaining}");

    // Without a trace the proxy starts one and the server continues it; without a correlation
    // id the call's correlation id is its trace id.
    let got = orders
        .get_order(GetOrderRequest { order_id: 2 }.into())
        .await
        .unwrap();
    assert_eq!(got.labels["trace_id"].len(), 32);
    assert_eq!(got.labels["correlation_id"], got.labels["trace_id"]);

    let get = |headers: &[(&str, &str)]| {
        let mut request = reqwest::Client::new().get(format!("{}/orders/2", server.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    // A caller's own correlation id is kept and echoed.
    let response = get(&[("traceparent", PARENT), ("x-correlation-id", "abc")])
        .await
        .unwrap();
    assert_eq!(response.headers()["x-correlation-id"], "abc");
    let got: Order = response.json().await.unwrap();
    assert_eq!(got.labels["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(got.labels["correlation_id"], "abc");

    // With only a trace, the correlation id is the trace id, which the caller already knows:
    // nothing is echoed.
    let response = get(&[("traceparent", PARENT)]).await.unwrap();
    assert!(!response.headers().contains_key("x-correlation-id"));
    let got: Order = response.json().await.unwrap();
    assert_eq!(
        got.labels["correlation_id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );

    // With neither (or a malformed trace), the skeleton starts a trace and tells the caller the
    // correlation id it chose.
    for headers in [&[][..], &[("traceparent", "00-nonsense-01")][..]] {
        let response = get(headers).await.unwrap();
        let echoed = response.headers()["x-correlation-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let got: Order = response.json().await.unwrap();
        assert_eq!(got.labels["trace_id"], echoed);
        assert_eq!(got.labels["correlation_id"], echoed);
    }
}

#[tokio::test]
async fn a_correlation_id_travels_only_when_the_trace_does_not_imply_it() {
    let parent = TraceParent::new_root();
    let cases = [
        (None, false),
        (Some(parent.trace_id_hex()), false),
        (Some(parent.trace_id_hex().to_uppercase()), true),
        (Some("corr-7".to_owned()), true),
    ];
    for (correlation, sent) in cases {
        let mut request = Request::new(GetOrderRequest { order_id: 1 });
        request.context.trace = Some(parent);
        request.context.correlation_id = correlation.clone();
        let head = head_of(request, ProxyConfig::default()).await;
        let trace = format!("traceparent: 00-{}-", parent.trace_id_hex());
        assert!(head.contains(&trace), "{head}");
        assert_eq!(head.contains("x-correlation-id:"), sent, "{head}");
        if let Some(id) = correlation.filter(|_| sent) {
            let line = format!("x-correlation-id: {}\r\n", id.to_lowercase());
            assert!(head.contains(&line), "{head}");
        }
    }
}

#[tokio::test]
async fn only_a_deadline_the_request_carries_travels() {
    // The configured default still bounds the call locally, but stays out of the headers.
    let config = ProxyConfig {
        default_timeout: Duration::from_secs(3),
        ..ProxyConfig::default()
    };
    let head = head_of(
        Request::new(GetOrderRequest { order_id: 1 }),
        config.clone(),
    )
    .await;
    assert!(!head.contains("accord-deadline-ms"), "{head}");

    let request =
        Request::new(GetOrderRequest { order_id: 1 }).with_timeout(Duration::from_secs(9));
    let head = head_of(request, config).await;
    let ms: u64 = head
        .lines()
        .find_map(|line| line.strip_prefix("accord-deadline-ms: "))
        .expect("a deadline header")
        .parse()
        .unwrap();
    assert!(ms > 8_000 && ms <= 9_000, "{ms}");
}

/// The head of the request a proxy sends for `request`, read by a bare socket that answers 404.
async fn head_of(request: Request<GetOrderRequest>, config: ProxyConfig) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let head = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buffer = [0; 4096];
        while !head.ends_with(b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the connection closed inside the head");
            head.extend_from_slice(&buffer[..n]);
        }
        let reply = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        socket.write_all(reply.as_bytes()).await.unwrap();
        String::from_utf8(head).unwrap().to_ascii_lowercase()
    });
    let client = RestClient::builder(base).config(config).build().unwrap();
    let orders = rest::Proxy::new(client);
    assert!(
        orders.get_order(request).await.is_err(),
        "the socket answers 404"
    );
    head.await.unwrap()
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = RestClient::new(format!("http://{addr}")).unwrap();
    let orders = rest::Proxy::new(client);
    let err = orders
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await
        .unwrap_err();
    assert!(
        matches!(err, GetOrderError::Call(CallError::Connect(_))),
        "{err:?}"
    );
    assert!(RestClient::new("ftp://x").is_err());
    assert!(RestClient::new("not a url").is_err());
}

/// A server whose first `drops` connections are closed before any answer.
async fn serve_after_dropping(drops: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..drops {
            let (socket, _) = listener.accept().await.unwrap();
            drop(socket);
        }
        let router = rest::router(Shop::default(), ServerConfig::default());
        axum::serve(listener, router).await
    });
    base
}

#[tokio::test]
async fn idempotent_operations_are_retried_once_after_a_connection_failure() {
    let orders = rest::Proxy::new(RestClient::new(serve_after_dropping(1).await).unwrap());
    let got = orders
        .get_order(GetOrderRequest { order_id: 4 }.into())
        .await
        .unwrap();
    assert_eq!(got.order_id, 4);

    let orders = rest::Proxy::new(RestClient::new(serve_after_dropping(1).await).unwrap());
    let err = orders
        .create_order(create_request(1).into())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateOrderError::Call(CallError::Connect(_))),
        "{err:?}"
    );
    assert!(orders.create_order(create_request(1).into()).await.is_ok());
}

/// Shutdown: the server stops accepting at the signal, and a call still running after the
/// drain time is dropped rather than holding the process (the caller sees the connection go).
#[tokio::test]
async fn shutdown_drops_calls_that_outlive_the_drain() {
    let shop = Arc::new(Shop::default());
    let router = rest::router(ShopHandle(shop), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        let _ = stopped.await;
    };
    let shutdown = accord::Shutdown::on(signal).drain(Duration::from_millis(100));
    let server = tokio::spawn(accord::rest::server::serve(listener, router, shutdown));
    let orders = rest::Proxy::connect(&base).unwrap();
    let quick = orders
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert!(quick.is_ok(), "{quick:?}");
    // The slow handler sleeps 5 s; the drain allows 100 ms.
    let slow = tokio::spawn(async move {
        orders
            .get_order(GetOrderRequest { order_id: SLOW }.into())
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(4), server)
        .await
        .expect("serve returns after the drain, before the slow call would end");
    assert!(served.unwrap().is_ok());
    let dropped = slow.await.unwrap();
    assert!(
        matches!(dropped, Err(GetOrderError::Call(CallError::Connect(_)))),
        "{dropped:?}"
    );
}

/// `docs/wire.md`, JSON encoding of values: an object that names a member twice is refused,
/// with a violation at the member's path that names it (serde alone keeps the last).
#[tokio::test]
async fn a_member_named_twice_is_a_400_naming_it() {
    let server = serve().await;
    let url = format!("{}/orders", server.base);
    let post = |body: &'static str| raw("POST", url.clone(), Some("application/json"), body);
    let twice = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR", "restaurant_id": 0,
        "line_items": [{"menu_item_id": "a", "quantity": 1}]}"#;
    let (status, p) = post(twice).await;
    assert_eq!(status, 400, "{p}");
    assert_eq!(
        violations(&p),
        [(
            "restaurant_id".into(),
            "member \"restaurant_id\" appears more than once in its object".into()
        )]
    );
    let nested = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR",
        "line_items": [{"menu_item_id": "a", "quantity": 1},
                       {"menu_item_id": "b", "quantity": 1, "quantity": 100}]}"#;
    let (status, p) = post(nested).await;
    assert_eq!(status, 400);
    assert_eq!(violations(&p)[0].0, "line_items[1].quantity");
    // An unknown member named twice is refused too: no reader may disagree about any member.
    let unknown = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR", "x": 1, "x": 2,
        "line_items": [{"menu_item_id": "a", "quantity": 1}]}"#;
    assert_eq!(post(unknown).await.0, 400);
    let once = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR",
        "line_items": [{"menu_item_id": "a", "quantity": 1}]}"#;
    let (status, reply) = post(once).await;
    assert_eq!((status, reply["order_id"].as_i64()), (200, Some(101)));
}

/// JSON is UTF-8: a body whose media type names another charset is 415, never read as UTF-8.
#[tokio::test]
async fn a_body_in_another_charset_is_415() {
    let server = serve().await;
    let url = format!("{}/orders", server.base);
    let body = r#"{"restaurant_id": 1, "consumer_id": 2, "currency": "EUR",
        "line_items": [{"menu_item_id": "a", "quantity": 1}]}"#;
    for refused in [
        "application/json; charset=utf-16",
        "application/json; charset=\"UTF-16LE\"",
        "application/json;charset=iso-8859-1",
        "application/json; charset=",
        "application/vnd.shop+json; charset=us-ascii",
    ] {
        let (status, p) = raw("POST", url.clone(), Some(refused), body).await;
        assert_eq!(status, 415, "{refused}: {p}");
        assert_eq!(p["detail"], "the body must be application/json in UTF-8");
    }
    for taken in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; Charset=\"UTF-8\"",
        "application/json;charset=utf-8;profile=x",
        "application/vnd.shop+json",
    ] {
        let (status, p) = raw("POST", url.clone(), Some(taken), body).await;
        assert_eq!(status, 200, "{taken}: {p}");
    }
}

/// Values in the path and query have one text form each (as JSON writes them): `+1`, `01` and
/// `-0` are refused; `%31` is `1`, the same URI by RFC 3986.
#[tokio::test]
async fn ids_in_the_path_and_query_have_one_text_form() {
    let server = serve().await;
    let base = &server.base;
    for path in ["+1", "%2B1", "01", "-0", "%201", "1%20", "0x1", "1e0"] {
        let (status, p) = raw("GET", format!("{base}/orders/{path}"), None, "").await;
        assert_eq!(status, 400, "{path}: {p}");
        assert_eq!(violations(&p)[0].0, "order_id", "{path}");
    }
    let (_, p) = raw("GET", format!("{base}/orders/%2B1"), None, "").await;
    assert_eq!(
        violations(&p)[0].1,
        "\"+1\" is not a 64-bit integer as JSON writes it (no `+`, leading zero or `-0`)"
    );
    for (path, id) in [("%31", 1), ("0", 0), ("12", 12)] {
        let (status, order) = raw("GET", format!("{base}/orders/{path}"), None, "").await;
        assert_eq!(
            (status, order["order_id"].as_i64()),
            (200, Some(id)),
            "{path}"
        );
    }
    for query in ["limit=%2B5", "limit=05", "limit=-0"] {
        let (status, p) = raw("GET", format!("{base}/orders?{query}"), None, "").await;
        assert_eq!(
            (status, violations(&p)[0].0.as_str()),
            (400, "limit"),
            "{query}"
        );
    }
    let (status, list) = raw("GET", format!("{base}/orders?limit=%35"), None, "").await;
    assert_eq!(status, 200);
    assert_eq!(list["orders"].as_array().unwrap().len(), 5);
}

/// `Accord-Deadline-Ms: 0` (or negative) is a budget spent: 504 before the handler runs; a
/// value that is not whole milliseconds is a 400.
#[tokio::test]
async fn a_spent_deadline_is_504_and_a_malformed_one_400_without_running_the_handler() {
    let server = serve().await;
    let calls = || server.shop.0.calls.load(Ordering::SeqCst);
    let get = |deadline: &'static str| {
        reqwest::Client::new()
            .get(format!("{}/orders/3", server.base))
            .header("accord-deadline-ms", deadline)
            .send()
    };
    for spent in ["0", "-5", " 0 "] {
        let response = get(spent).await.unwrap();
        assert_eq!(response.status(), 504, "{spent:?}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], 504);
    }
    for malformed in ["abc", "1.5", "+5", "5ms", ""] {
        let response = get(malformed).await.unwrap();
        assert_eq!(response.status(), 400, "{malformed:?}");
        let problem: Value = response.json().await.unwrap();
        assert!(violations(&problem)[0].1.contains("Accord-Deadline-Ms"));
    }
    assert_eq!(calls(), 0, "no handler ran");
    assert_eq!(get("5000").await.unwrap().status(), 200);
    assert_eq!(calls(), 1);
}

/// A correlation id over 128 bytes or with anything but visible ASCII is dropped: the call's
/// trace id stands for it, and the answer says which id that is.
#[tokio::test]
async fn correlation_ids_too_long_or_not_visible_ascii_are_replaced_by_the_trace_id() {
    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    let server = serve().await;
    let get = |id: reqwest::header::HeaderValue| {
        reqwest::Client::new()
            .get(format!("{}/orders/2", server.base))
            .header("traceparent", PARENT)
            .header("x-correlation-id", id)
            .send()
    };
    let value = |bytes: &[u8]| reqwest::header::HeaderValue::from_bytes(bytes).unwrap();
    let longest = "c".repeat(128);
    let response = get(value(longest.as_bytes())).await.unwrap();
    assert_eq!(response.headers()["x-correlation-id"], longest.as_str());
    let got: Order = response.json().await.unwrap();
    assert_eq!(got.labels["correlation_id"], longest);

    let too_long = "c".repeat(129);
    let huge = "c".repeat(6000);
    for refused in [
        too_long.as_bytes(),
        huge.as_bytes(),
        b"a b",
        b"tab\there",
        "caf\u{e9}".as_bytes(),
        b"latin\xe9",
    ] {
        let response = get(value(refused)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["x-correlation-id"],
            TRACE,
            "{:?}",
            String::from_utf8_lossy(refused)
        );
        let got: Order = response.json().await.unwrap();
        assert_eq!(got.labels["correlation_id"], TRACE);
    }
}
