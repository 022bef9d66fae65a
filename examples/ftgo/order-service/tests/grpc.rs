//! The order service over gRPC beside REST: one store behind both transports, `WatchOrder`
//! streaming state changes, bearer tokens checked as REST checks them, the latency applied to
//! gRPC too, and the real binary with `--grpc-listen`.

mod support;

use accord::auth::StaticToken;
use accord::grpc::client::GrpcClient;
use accord::rest::client::RestClient;
use accord::{CallError, Code, ProxyConfig, Request, Shutdown};
use ftgo_order_service::api::ftgo::order::order_service::{self, GetOrderError, grpc, rest};
use ftgo_order_service::api::ftgo::order::{
    CancelOrderRequest, CreateOrderRequest, GetOrderRequest, OrderNotFound, OrderService,
    OrderState,
};
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
use futures::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use support::{SECRET, token, verifying};

/// REST and gRPC over one store; the two base URLs.
async fn serve(store: InMemoryOrders) -> (String, String) {
    let store = Arc::new(store);
    let config = verifying();
    let routes = ftgo_order_service::grpc::routes(
        store.clone(),
        ftgo_order_service::grpc::config_like(&config),
        &config.health,
    )
    .await
    .unwrap();
    let router = rest::router(store, config);
    let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let urls = (
        format!("http://{}", rest_listener.local_addr().unwrap()),
        format!("http://{}", grpc_listener.local_addr().unwrap()),
    );
    tokio::spawn(accord::rest::server::serve(
        rest_listener,
        router,
        Shutdown::never(),
    ));
    tokio::spawn(accord::grpc::server::serve(
        grpc_listener,
        routes,
        Shutdown::never(),
    ));
    urls
}

fn rest_proxy(base: &str) -> rest::Proxy {
    let client = RestClient::builder(base)
        .credentials(StaticToken::new(token("orders:read orders:write")))
        .build()
        .unwrap();
    rest::Proxy::new(client)
}

fn grpc_proxy(url: &str, scopes: Option<&str>, config: ProxyConfig) -> grpc::Proxy {
    let mut builder = GrpcClient::builder(url);
    builder.config(config);
    if let Some(scopes) = scopes {
        builder.credentials(StaticToken::new(token(scopes)));
    }
    grpc::Proxy::new(builder.build().unwrap())
}

fn create() -> CreateOrderRequest {
    support::order(7, 2, &[("margherita", 2)])
}

#[tokio::test]
async fn an_order_created_over_one_transport_is_seen_over_the_other() {
    let (rest_url, grpc_url) = serve(InMemoryOrders::new(demo_restaurants())).await;
    let over_rest = rest_proxy(&rest_url);
    let over_grpc = grpc_proxy(
        &grpc_url,
        Some("orders:read orders:write"),
        ProxyConfig::default(),
    );

    let created = over_grpc.create_order(create().into()).await.unwrap();
    let seen = over_rest
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(seen.total.amount, 2200);
    let back = over_grpc
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(
        back, seen,
        "the same order, field for field, over both transports"
    );

    let created = over_rest.create_order(create().into()).await.unwrap();
    let seen = over_grpc
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(seen.order_id, created.order_id);

    let missing = over_grpc
        .get_order(GetOrderRequest { order_id: 999 }.into())
        .await;
    assert_eq!(
        missing,
        Err(GetOrderError::OrderNotFound(OrderNotFound {
            order_id: 999
        }))
    );
}

#[tokio::test]
async fn watching_an_order_streams_its_states_until_it_is_cancelled() {
    let (rest_url, grpc_url) = serve(InMemoryOrders::new(demo_restaurants())).await;
    let over_grpc = grpc_proxy(
        &grpc_url,
        Some("orders:read orders:write"),
        ProxyConfig::default(),
    );
    // The routing client: `watch_order` has no @http, so it goes over gRPC.
    let client = order_service::Client::new()
        .with_rest(rest_proxy(&rest_url))
        .with_grpc(over_grpc);
    let created = client.create_order(create().into()).await.unwrap();
    let mut states = client.watch_order(
        GetOrderRequest {
            order_id: created.order_id,
        }
        .into(),
    );
    let first = states.next().await.unwrap().unwrap();
    assert_eq!(first.state, OrderState::ApprovalPending);
    client
        .cancel_order(
            CancelOrderRequest {
                order_id: created.order_id,
                reason: Some("changed my mind".into()),
            }
            .into(),
        )
        .await
        .unwrap();
    let last = tokio::time::timeout(Duration::from_secs(5), states.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(last.state, OrderState::Cancelled);
    assert!(
        states.next().await.is_none(),
        "the stream ends with the order"
    );
}

#[tokio::test]
async fn grpc_callers_need_the_same_tokens_and_scopes_as_rest_callers() {
    let (_, grpc_url) = serve(InMemoryOrders::new(demo_restaurants())).await;
    let anonymous = grpc_proxy(&grpc_url, None, ProxyConfig::default());
    let refused = anonymous.create_order(create().into()).await;
    assert!(
        matches!(&refused, Err(order_service::CreateOrderError::Call(CallError::Status(s)))
            if s.code == Code::Unauthenticated && s.message == "missing credentials"),
        "{refused:?}"
    );
    let reader = grpc_proxy(&grpc_url, Some("orders:read"), ProxyConfig::default());
    let refused = reader.create_order(create().into()).await;
    assert!(
        matches!(&refused, Err(order_service::CreateOrderError::Call(CallError::Status(s)))
            if s.code == Code::PermissionDenied && s.message == "insufficient scope"),
        "{refused:?}"
    );
    // A refused caller says nothing of the server's health: the breaker stays closed.
    for _ in 0..10 {
        let _ = anonymous
            .order_viewed(GetOrderRequest { order_id: 1 }.into())
            .await;
    }
    let writer = grpc_proxy(&grpc_url, Some("orders:write"), ProxyConfig::default());
    writer.create_order(create().into()).await.unwrap();
}

#[tokio::test]
async fn a_grpc_proxy_spreads_calls_over_instances_and_ejects_a_dead_one() {
    let (_, first) = serve(InMemoryOrders::new(demo_restaurants())).await;
    let (_, second) = serve(InMemoryOrders::new(demo_restaurants())).await;
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let mut builder = GrpcClient::builder(format!("{first},{second},{dead}"));
    builder.credentials(StaticToken::new(token("orders:read orders:write")));
    // The proxy's own breaker off: the instances' breakers are what this test watches.
    builder.config(ProxyConfig {
        breaker: None,
        ..ProxyConfig::default()
    });
    let client = builder.discover().await.unwrap();
    let proxy = grpc::Proxy::new(client.clone());
    let (mut created, mut failed) = (0, 0);
    for _ in 0..30 {
        match proxy.create_order(create().into()).await {
            Ok(_) => created += 1,
            Err(order_service::CreateOrderError::Call(CallError::Connect(_))) => failed += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    // A refused connection sent nothing: the call (not idempotent) goes to another instance,
    // so callers see no failure while the dead instance's breaker ejects it.
    assert_eq!(
        failed, 0,
        "a refused connection is tried on another instance"
    );
    assert_eq!(created, 30);
    let pool = client.balanced().unwrap().pool();
    let state = |url: &str| pool.state_of(url).unwrap();
    use accord::discovery::BreakerState::{Closed, Open};
    assert_eq!(
        [state(&first), state(&second), state(&dead)],
        [Closed, Closed, Open]
    );
    // Each live instance holds some of the orders: both were called.
    for url in [&first, &second] {
        let one = grpc_proxy(url, Some("orders:read"), ProxyConfig::default());
        let got = one.get_order(GetOrderRequest { order_id: 1 }.into()).await;
        assert!(got.is_ok(), "{url}: {got:?}");
    }
}

#[tokio::test]
async fn the_latency_applies_to_grpc_and_a_proxy_times_out() {
    let store = InMemoryOrders::new(demo_restaurants()).with_latency(Duration::from_millis(400));
    let (_, grpc_url) = serve(store).await;
    let config = ProxyConfig {
        default_timeout: Duration::from_millis(100),
        ..ProxyConfig::default()
    };
    let impatient = grpc_proxy(&grpc_url, Some("orders:read orders:write"), config);
    let started = std::time::Instant::now();
    let result = impatient
        .get_order(GetOrderRequest { order_id: 1 }.into())
        .await;
    assert_eq!(result, Err(GetOrderError::Call(CallError::Timeout)));
    assert!(started.elapsed() < Duration::from_millis(350));
    let patient = grpc_proxy(
        &grpc_url,
        Some("orders:read orders:write"),
        ProxyConfig::default(),
    );
    let started = std::time::Instant::now();
    patient.create_order(create().into()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn the_binary_serves_grpc_beside_rest() {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ftgo-order-service"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--grpc-listen",
            "127.0.0.1:0",
            "--jwt-secret",
            SECRET,
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut rest_url, mut grpc_url) = (None, None);
    while rest_url.is_none() || grpc_url.is_none() {
        let line = lines.next_line().await.unwrap().expect("the addresses");
        let url = line.rsplit(' ').next().unwrap().to_owned();
        if line.contains("gRPC") {
            grpc_url = Some(url);
        } else {
            rest_url = Some(url);
        }
    }
    let over_grpc = grpc_proxy(
        &grpc_url.unwrap(),
        Some("orders:read orders:write"),
        ProxyConfig::default(),
    );
    let created = over_grpc.create_order(create().into()).await.unwrap();
    let seen = rest_proxy(&rest_url.unwrap())
        .get_order(Request::new(GetOrderRequest {
            order_id: created.order_id,
        }))
        .await
        .unwrap();
    assert_eq!(seen.order_id, created.order_id);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn rest_and_grpc_share_one_port() {
    let store = Arc::new(InMemoryOrders::new(demo_restaurants()));
    let config = verifying();
    let routes = ftgo_order_service::grpc::routes(
        store.clone(),
        ftgo_order_service::grpc::config_like(&config),
        &config.health,
    )
    .await
    .unwrap();
    let both = accord::grpc::server::beside_rest(rest::router(store, config), routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(accord::rest::server::serve(
        listener,
        both,
        Shutdown::never(),
    ));
    let over_grpc = grpc_proxy(
        &url,
        Some("orders:read orders:write"),
        ProxyConfig::default(),
    );
    let created = over_grpc.create_order(create().into()).await.unwrap();
    let seen = rest_proxy(&url)
        .get_order(
            GetOrderRequest {
                order_id: created.order_id,
            }
            .into(),
        )
        .await
        .unwrap();
    assert_eq!(seen.order_id, created.order_id);
    // REST's own answers are unchanged: an unknown path is still a 404 problem.
    let missing = reqwest::get(format!("{url}/nowhere")).await.unwrap();
    assert_eq!(missing.status(), 404);
}
