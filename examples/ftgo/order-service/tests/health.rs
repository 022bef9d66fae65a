//! Health and metrics of the order service as a process: `/health/live` and `/health/ready`
//! without a token; readiness (REST and gRPC health) following its broker, a real nats-server
//! this test kills and restarts; `/metrics` read with a Prometheus text-format parser, each
//! route's requests counted under its template, method and status.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;
mod support;

use accord::grpc::tonic_health::pb::HealthCheckRequest;
use accord::grpc::tonic_health::pb::health_check_response::ServingStatus;
use accord::grpc::tonic_health::pb::health_client::HealthClient;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{ALL_SCOPES, SECRET, Service, order, token};

/// A free loopback port for the gRPC listener (the REST one is told back by the service).
fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// Polls `probe` until it returns `want`, for at most `limit`; the last value otherwise.
async fn until<T: PartialEq + std::fmt::Debug, F: Future<Output = T>>(
    want: T,
    limit: Duration,
    mut probe: impl FnMut() -> F,
) -> T {
    let started = Instant::now();
    loop {
        let got = probe().await;
        if got == want || started.elapsed() > limit {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn ready(http: &reqwest::Client, base: &str) -> (u16, Value) {
    let response = http
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn grpc_status(grpc: &str) -> Option<ServingStatus> {
    let endpoint = accord::grpc::tonic::transport::Endpoint::from_shared(grpc.to_owned()).ok()?;
    let channel = endpoint
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .ok()?;
    let mut client = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: String::new(),
    };
    let reply = client.check(request).await.ok()?.into_inner();
    ServingStatus::try_from(reply.status).ok()
}

/// The request counts of `http_server_request_duration_seconds`, by (method, route,
/// status), as an OpenMetrics parser reads them (its test suite is the specification's).
fn request_counts(text: &str) -> HashMap<(String, String, String), f64> {
    use openmetrics_parser::OpenMetricsValue;
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(text).expect("OpenMetrics");
    let family = &exposition.families["http_server_request_duration_seconds"];
    let mut counts = HashMap::new();
    for sample in family.iter_samples() {
        let OpenMetricsValue::Histogram(histogram) = &sample.value else {
            panic!("a histogram: {:?}", sample.value);
        };
        let labels = sample.get_labelset().unwrap();
        let label = |name: &str| labels.get_label_value(name).unwrap_or_default().to_owned();
        let key = (
            label("http_request_method"),
            label("http_route"),
            label("http_response_status_code"),
        );
        counts.insert(key, histogram.count.expect("a count") as f64);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_broker_and_metrics_count_each_route() {
    let Some(mut nats) = brokers::Server::start(brokers::Kind::Nats) else {
        return;
    };
    let grpc_port = free_port();
    let grpc_listen = format!("127.0.0.1:{grpc_port}");
    let url = nats.url();
    let orders = Service::start(
        "ftgo-order-service",
        &[
            "--listen",
            "127.0.0.1:0",
            "--grpc-listen",
            &grpc_listen,
            "--broker",
            &url,
            "--jwt-secret",
            SECRET,
        ],
    )
    .await;
    let ready_line = orders.said().last().cloned().unwrap();
    let base = ready_line.rsplit(' ').next().unwrap().to_owned();
    let grpc = format!("http://{grpc_listen}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // No token needed, and nothing but states in the answers.
    let live = http
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(live.json::<Value>().await.unwrap(), json!({"status": "up"}));
    let up = json!({"status": "up", "checks": {"broker": {"status": "up"}}});
    assert_eq!(ready(&http, &base).await, (200, up.clone()));
    let serving = until(
        Some(ServingStatus::Serving),
        Duration::from_secs(10),
        || grpc_status(&grpc),
    );
    assert_eq!(serving.await, Some(ServingStatus::Serving));

    // N calls per route, answered with various statuses; each counted under its template.
    let bearer = format!("Bearer {}", token(ALL_SCOPES));
    let mut sent: HashMap<(String, String, String), f64> = HashMap::new();
    let mut count = |method: &str, route: &str, status: u16| {
        let key = (method.to_owned(), route.to_owned(), status.to_string());
        *sent.entry(key).or_default() += 1.0;
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        let created = http
            .post(format!("{base}/orders"))
            .header("authorization", &bearer)
            .json(&order(1, 1, &[("pad-thai", 1)]))
            .send()
            .await
            .unwrap();
        count("POST", "/orders", created.status().as_u16());
        let body: Value = created.json().await.unwrap();
        ids.push(body["order_id"].as_i64().expect("an order id"));
    }
    for id in ids.iter().chain(&[987_654]) {
        let got = http
            .get(format!("{base}/orders/{id}"))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        count("GET", "/orders/{order_id}", got.status().as_u16());
    }
    // Refused without a token: counted too, under the same template.
    let refused = http.get(format!("{base}/orders/1")).send().await.unwrap();
    count("GET", "/orders/{order_id}", refused.status().as_u16());
    assert_eq!(refused.status(), 401);
    assert!(
        sent.contains_key(&("GET".into(), "/orders/{order_id}".into(), "404".into())),
        "{sent:?}"
    );

    let scraped = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.unwrap();
    assert_eq!(request_counts(&text), sent, "counted as sent");
    assert!(
        !text.contains("987654"),
        "raw paths never become labels: {text}"
    );

    // The broker goes away: not ready, over REST and gRPC, with the reason; then back.
    nats.kill();
    let down = until(503, Duration::from_secs(15), || async {
        ready(&http, &base).await.0
    });
    assert_eq!(down.await, 503, "not ready without its broker");
    let (status, body) = ready(&http, &base).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        json!({"status": "down", "checks": {"broker": {"status": "down", "reason": "disconnected"}}})
    );
    let not_serving = until(
        Some(ServingStatus::NotServing),
        Duration::from_secs(10),
        || grpc_status(&grpc),
    );
    assert_eq!(not_serving.await, Some(ServingStatus::NotServing));
    let live = http
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200, "still live without its broker");

    nats.restart();
    let back = until(200, Duration::from_secs(30), || async {
        ready(&http, &base).await.0
    });
    assert_eq!(back.await, 200, "ready again once the broker is back");
    assert_eq!(ready(&http, &base).await, (200, up));
    let serving = until(
        Some(ServingStatus::Serving),
        Duration::from_secs(10),
        || grpc_status(&grpc),
    );
    assert_eq!(serving.await, Some(ServingStatus::Serving));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_service_reports_its_broker_and_consumers_and_counts_its_routes() {
    let Some(mut nats) = brokers::Server::start(brokers::Kind::Nats) else {
        return;
    };
    let url = nats.url();
    let consumers = Service::start(
        "ftgo-consumer-service",
        &["--listen", "127.0.0.1:0", "--broker", &url],
    )
    .await;
    let ready_line = consumers.said().last().cloned().unwrap();
    let base = ready_line.rsplit(' ').next().unwrap().to_owned();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let up = json!({"status": "up", "checks": {
        "broker": {"status": "up"},
        "consumers": {"status": "up"},
    }});
    assert_eq!(ready(&http, &base).await, (200, up));
    for id in [1, 2, 404_404] {
        http.get(format!("{base}/consumers/{id}"))
            .send()
            .await
            .unwrap();
    }
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let route = |status: &str| {
        let key = (
            "GET".to_owned(),
            "/consumers/{consumer_id}".to_owned(),
            status.to_owned(),
        );
        request_counts(&text).get(&key).copied()
    };
    assert_eq!(
        (route("200"), route("404")),
        (Some(2.0), Some(1.0)),
        "{text}"
    );

    nats.kill();
    let down = until(503, Duration::from_secs(15), || async {
        ready(&http, &base).await.0
    });
    assert_eq!(down.await, 503, "not ready without its broker");
    let (_, body) = ready(&http, &base).await;
    assert_eq!(body["checks"]["broker"]["status"], "down", "{body}");
}
