//! A REST proxy over several instances, on loopback: calls balanced across instances found in
//! a registry, a killed instance ejected by its own breaker while calls keep succeeding (the
//! time to eject it and the error rate meanwhile are printed), a failing instance ejected
//! while the healthy one answers, retries of an unavailable service stopped by the retry
//! budget, and no retry of a call that is not idempotent (after a 503, or when an instance
//! took the request and closed the connection unanswered). Every wait is bounded.

use accord::call::balanced::BalanceConfig;
use accord::call::{Interaction, OperationInfo};
use accord::discovery::{BreakerState, Instance, MemoryRegistry, Registry, Source};
use accord::metrics::Metrics;
use accord::rest::Route;
use accord::rest::client::{Parts, RestClient};
use accord::{CallError, Context, ProxyConfig};
use std::future::IntoFuture as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const SERVICE: &str = "test.balanced.Things";

static GET_OP: OperationInfo = OperationInfo {
    service: SERVICE,
    name: "get_thing",
    interaction: Interaction::Unary,
    timeout: Some(Duration::from_secs(5)),
    idempotent: true,
    auth: accord::auth::Requirement::None,
};

static POST_OP: OperationInfo = OperationInfo {
    idempotent: false,
    name: "make_thing",
    ..GET_OP
};

static GET: Route = Route {
    op: &GET_OP,
    method: http::Method::GET,
    path: "/thing",
    success: 200,
    resource: None,
};

static POST: Route = Route {
    op: &POST_OP,
    method: http::Method::POST,
    path: "/thing",
    success: 200,
    resource: None,
};

/// One instance on loopback answering `/thing` with `status`, counting the requests it got. It
/// runs on a runtime of its own in a thread, so that [`Server::kill`] drops every connection
/// too, as a killed process would.
struct Server {
    url: String,
    hits: Arc<AtomicU32>,
    stop: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Server {
    async fn start(status: u16) -> Server {
        let hits = Arc::new(AtomicU32::new(0));
        let counted = hits.clone();
        let answer = move || {
            counted.fetch_add(1, Ordering::Relaxed);
            let status = http::StatusCode::from_u16(status).unwrap();
            async move {
                (
                    status,
                    axum::Json(serde_json::json!({"ok": status.is_success()})),
                )
            }
        };
        // Every answer closes its connection, so every call opens one: a killed instance is
        // then always a refused connection (what these tests are about). A kept-alive
        // connection would race the kill: a POST written to it just before the client saw it
        // close has, for all the client knows, reached a server that died processing it, and
        // is rightly not sent again.
        let close = |mut response: axum::response::Response| async move {
            let close = http::HeaderValue::from_static("close");
            response
                .headers_mut()
                .insert(http::header::CONNECTION, close);
            response
        };
        let router = axum::Router::new()
            .route("/thing", axum::routing::get(answer.clone()).post(answer))
            .layer(axum::middleware::map_response(close));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let serving = axum::serve(listener, router).into_future();
                tokio::select! {
                    _ = serving => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime drops every connection task: their sockets close.
        });
        Server {
            url,
            hits,
            stop: std::sync::Mutex::new(Some(stop)),
            thread: std::sync::Mutex::new(Some(thread)),
        }
    }

    fn hits(&self) -> u32 {
        self.hits.load(Ordering::Relaxed)
    }

    async fn kill(&self) {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
        let thread = self.thread.lock().unwrap().take();
        if let Some(thread) = thread {
            tokio::task::spawn_blocking(move || thread.join().unwrap())
                .await
                .unwrap();
        }
    }
}

/// An instance that reads each request and closes its connection unanswered, as a server that
/// dies while handling it; counts the requests it took.
async fn swallowing() -> (String, Arc<AtomicU32>) {
    use tokio::io::AsyncReadExt as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let taken = Arc::new(AtomicU32::new(0));
    let counted = taken.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let (mut head, mut buffer) = (Vec::new(), [0u8; 1024]);
                while let Ok(n @ 1..) = socket.read(&mut buffer).await {
                    head.extend_from_slice(&buffer[..n]);
                    if head.windows(4).any(|w| w == b"\r\n\r\n") {
                        counted.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
                // Dropped here: closed without an answer.
            });
        }
    });
    (url, taken)
}

async fn client(source: Source, metrics: Option<Metrics>, config: BalanceConfig) -> RestClient {
    let proxy_config = ProxyConfig {
        metrics,
        // The per-instance breakers are what this test watches.
        breaker: None,
        ..ProxyConfig::default()
    };
    RestClient::builder("")
        .source(source)
        .service(SERVICE)
        .balance(config)
        .config(proxy_config)
        .discover()
        .await
        .unwrap()
}

async fn call(client: &RestClient, route: &'static Route) -> Result<serde_json::Value, CallError> {
    client
        .call::<serde_json::Value, CallError>(route, Context::new(), Parts::new())
        .await
}

#[tokio::test]
async fn calls_are_balanced_and_a_killed_instance_is_ejected_without_failing_callers() {
    let servers = [
        Server::start(200).await,
        Server::start(200).await,
        Server::start(200).await,
    ];
    let registry = MemoryRegistry::new();
    let mut registrations = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let instance = Instance::rest(format!("i{i}"), &server.url);
        registrations.push(registry.register(SERVICE, instance).await.unwrap());
    }
    let client = client(
        Source::Registry(Arc::new(registry)),
        None,
        BalanceConfig::default(),
    )
    .await;
    for _ in 0..30 {
        call(&client, &POST).await.unwrap();
    }
    let hits: Vec<u32> = servers.iter().map(Server::hits).collect();
    assert_eq!(hits, [10, 10, 10], "round robin");

    servers[0].kill().await;
    let killed = Instant::now();
    let (mut calls, mut failed, mut ejected_after) = (0u32, 0u32, None);
    while killed.elapsed() < Duration::from_millis(500) {
        calls += 1;
        failed += u32::from(call(&client, &POST).await.is_err());
        let state = client.balanced().unwrap().pool().state_of(&servers[0].url);
        if ejected_after.is_none() && state == Some(BreakerState::Open) {
            ejected_after = Some(killed.elapsed());
        }
    }
    let ejected_after = ejected_after.expect("ejected");
    eprintln!(
        "killed instance ejected {ejected_after:?} after its port closed; {failed} of {calls} \
         calls failed meanwhile"
    );
    assert_eq!(
        failed, 0,
        "a refused connection is retried on another instance, even a POST"
    );
    assert!(
        ejected_after < Duration::from_millis(100),
        "{ejected_after:?}"
    );
    // The instance leaves the registry: the pool forgets it.
    drop(registrations.remove(0));
    tokio::time::timeout(Duration::from_secs(2), async {
        while client
            .balanced()
            .unwrap()
            .pool()
            .state_of(&servers[0].url)
            .is_some()
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the pool follows the registry");
}

#[tokio::test]
async fn a_failing_instance_is_ejected_while_the_healthy_one_answers() {
    let (bad, good) = (Server::start(500).await, Server::start(200).await);
    let source = Source::parse(&format!("{},{}", bad.url, good.url)).unwrap();
    let metrics = Metrics::new();
    let client = client(source, Some(metrics.clone()), BalanceConfig::default()).await;
    let mut failures = 0;
    for _ in 0..20 {
        failures += u32::from(call(&client, &POST).await.is_err());
    }
    assert_eq!(
        failures, 3,
        "the bad instance's breaker opens after 3 failures"
    );
    assert_eq!(bad.hits(), 3);
    let pool = client.balanced().unwrap().pool();
    assert_eq!(pool.state_of(&bad.url), Some(BreakerState::Open));
    assert_eq!(pool.state_of(&good.url), Some(BreakerState::Closed));
    let text = metrics.encode();
    let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    let state = parsed.families["accord_breaker_state"]
        .iter_samples()
        .find(|s| s.get_labelset().unwrap().get_label_value("instance") == Some(bad.url.as_str()))
        .map(|s| match &s.value {
            openmetrics_parser::OpenMetricsValue::Gauge(g) => g.as_f64(),
            other => panic!("{other:?}"),
        });
    assert_eq!(state, Some(1.0), "{text}");
}

#[tokio::test]
async fn retries_of_an_unavailable_service_stop_at_the_budget_and_only_idempotent_calls_retry() {
    let servers = [Server::start(503).await, Server::start(503).await];
    let source = Source::parse(&format!("{},{}", servers[0].url, servers[1].url)).unwrap();
    let config = BalanceConfig {
        pool: accord::discovery::PoolConfig {
            // Keep both instances in: this test is about the budget.
            failure_threshold: u32::MAX,
            ..Default::default()
        },
        retry: accord::call::retry::RetryPolicy {
            base_backoff: Duration::from_micros(100),
            min_per_second: 5,
            ..Default::default()
        },
    };
    let metrics = Metrics::new();
    let client = client(source, Some(metrics.clone()), config).await;
    let hits = || servers.iter().map(Server::hits).sum::<u32>();
    for _ in 0..20 {
        assert!(call(&client, &POST).await.is_err());
    }
    assert_eq!(hits(), 20, "a POST answered 503 is not retried");
    let started = Instant::now();
    for _ in 0..200 {
        assert!(call(&client, &GET).await.is_err());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let retries = hits() - 20 - 200;
    // 20% of the 220 calls made, plus the floor (5 at start, 5 more per second).
    let allowed = (0.2 * 220.0 + 5.0 + 5.0 * elapsed).ceil() as u32;
    eprintln!(
        "{retries} retries for 200 GETs to an unavailable service in {elapsed:.2} s (allowed {allowed})"
    );
    assert!(retries <= allowed, "{retries} > {allowed}");
    assert!(retries >= 40, "the budget does allow retries: {retries}");
    let text = metrics.encode();
    let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    let counter = |name: &str| match &parsed.families[name].iter_samples().next().unwrap().value {
        openmetrics_parser::OpenMetricsValue::Counter(c) => c.value.as_f64() as u32,
        other => panic!("{other:?}"),
    };
    assert_eq!(counter("accord_retries"), retries);
    assert!(counter("accord_retry_budget_exhausted") > 100, "{text}");
}

#[tokio::test]
async fn a_request_whose_connection_closes_unanswered_is_sent_again_only_if_idempotent() {
    let (swallower, taken) = swallowing().await;
    let good = Server::start(200).await;
    let source = Source::parse(&format!("{swallower},{}", good.url)).unwrap();
    let config = BalanceConfig {
        pool: accord::discovery::PoolConfig {
            // Keep both instances in rotation: this test is about what is sent again.
            failure_threshold: u32::MAX,
            ..Default::default()
        },
        ..Default::default()
    };
    let client = client(source, None, config).await;
    for _ in 0..10 {
        call(&client, &GET)
            .await
            .expect("a GET the first instance swallowed is sent to the other");
    }
    let swallowed_gets = taken.load(Ordering::Relaxed);
    assert!(
        swallowed_gets >= 1,
        "round robin reached the swallowing instance"
    );
    assert_eq!(good.hits(), 10, "every GET answered by the good instance");
    let mut failed = 0;
    for _ in 0..10 {
        failed += u32::from(call(&client, &POST).await.is_err());
    }
    let swallowed_posts = taken.load(Ordering::Relaxed) - swallowed_gets;
    assert!(
        swallowed_posts >= 1,
        "round robin reached the swallowing instance"
    );
    assert_eq!(
        failed, swallowed_posts,
        "a POST that may have been taken is not sent again"
    );
    assert_eq!(good.hits(), 10 + 10 - failed);
}
