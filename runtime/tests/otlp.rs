//! OTLP export (feature `otlp`): a call through a REST proxy to a REST server, both of the
//! runtime, reaches an in-process OTLP/HTTP receiver on loopback as spans (named after the
//! operation, with the runtime's W3C trace id) and as pushed metrics
//! (`http.server.request.duration` with the calls' count and buckets).

use accord::call::{Interaction, OperationInfo};
use accord::metrics::Metrics;
use accord::rest::Route;
use accord::rest::client::{Parts, RestClient};
use accord::rest::server::{Call, NoInput, ServerConfig};
use accord::telemetry::Otlp;
use accord::{CallError, Context, ProxyConfig, Request, Shutdown};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message as _;
use std::future::IntoFuture as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SERVICE: &str = "test.otlp.Things";
const CALLS: usize = 5;

static OP: OperationInfo = OperationInfo {
    service: SERVICE,
    name: "make_thing",
    interaction: Interaction::Unary,
    timeout: Some(Duration::from_secs(5)),
    idempotent: false,
    auth: accord::auth::Requirement::None,
};

static ROUTE: Route = Route {
    op: &OP,
    method: http::Method::POST,
    path: "/thing",
    success: 200,
    resource: None,
};

/// What the receiver was sent.
#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

/// An OTLP/HTTP receiver on loopback that decodes what it is posted.
async fn receiver() -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let traces = Arc::clone(&received);
    let metrics = Arc::clone(&received);
    let router = axum::Router::new()
        .route(
            "/v1/traces",
            axum::routing::post(move |body: axum::body::Bytes| async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP traces");
                let spans = request
                    .resource_spans
                    .into_iter()
                    .flat_map(|r| r.scope_spans.into_iter().flat_map(|s| s.spans));
                traces.lock().unwrap().spans.extend(spans);
            }),
        )
        .route(
            "/v1/metrics",
            axum::routing::post(move |body: axum::body::Bytes| async move {
                let request = ExportMetricsServiceRequest::decode(body).expect("OTLP metrics");
                metrics.lock().unwrap().metrics.push(request);
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router).into_future());
    (url, received)
}

/// A REST server of the runtime answering `POST /thing` with the trace id its call had.
async fn server(metrics: Metrics) -> String {
    fn make_thing(_: Arc<()>, call: Call) -> impl Future<Output = axum::response::Response> + Send {
        call.unary(
            &ROUTE,
            |_| {},
            |r: Request<NoInput>| async move {
                let trace = r.context.trace.map(|t| t.trace_id_hex());
                Ok::<_, CallError>(serde_json::json!({ "trace_id": trace }))
            },
        )
    }
    let router = axum::Router::new().route(
        "/thing",
        axum::routing::post(accord::rest::server::endpoint(make_thing)),
    );
    let config = ServerConfig {
        metrics: Some(metrics),
        ..ServerConfig::default()
    };
    let router = accord::rest::server::finish_router(router, (), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(accord::rest::server::serve(
        listener,
        router,
        Shutdown::never(),
    ));
    url
}

/// Waits (at most 10 s) until `done` holds of what was received.
async fn until(received: &Mutex<Received>, what: &str, done: impl Fn(&Received) -> bool) {
    within(Duration::from_secs(10), received, what, done).await;
}

/// Waits at most `bound` until `done` holds of what was received.
async fn within(
    bound: Duration,
    received: &Mutex<Received>,
    what: &str,
    done: impl Fn(&Received) -> bool,
) {
    let deadline = Instant::now() + bound;
    while !done(&received.lock().unwrap()) {
        assert!(Instant::now() < deadline, "no {what} within {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn call_spans(received: &Received, kind: SpanKind) -> Vec<Span> {
    let name = format!("{SERVICE}/make_thing");
    received
        .spans
        .iter()
        .filter(|s| s.name == name && s.kind == kind as i32)
        .cloned()
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The last pushed `http.server.request.duration`, if any.
fn server_duration(received: &Received) -> Option<Metric> {
    let last = received.metrics.last()?;
    last.resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .find(|m| m.name == "http.server.request.duration")
        .cloned()
}

fn histogram_count(metric: &Metric) -> u64 {
    match &metric.data {
        Some(metric::Data::Histogram(h)) => h.data_points.iter().map(|p| p.count).sum(),
        other => panic!("not a histogram: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_reaches_the_collector_as_spans_with_its_trace_id_and_as_pushed_metrics() {
    let (collector, received) = receiver().await;
    let metrics = Metrics::new();
    let url = server(metrics.clone()).await;
    let otlp = Otlp::builder(&collector)
        .service_name("otlp-test")
        .metrics(metrics.clone(), Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .install()
        .unwrap();

    let client = RestClient::builder(&url)
        .config(ProxyConfig::default())
        .build()
        .unwrap();
    let mut trace_ids = Vec::new();
    for _ in 0..CALLS {
        let answer: serde_json::Value = client
            .call::<_, CallError>(&ROUTE, Context::new(), Parts::new())
            .await
            .unwrap();
        trace_ids.push(answer["trace_id"].as_str().unwrap().to_owned());
    }
    // The service's own spans go too, from INFO up (the default level).
    tracing::info_span!("app.work").in_scope(|| {});
    tracing::debug_span!("app.noise").in_scope(|| {});
    otlp.flush().await.unwrap();

    // Spans: each call once on each side, named after the operation, in the call's trace.
    until(&received, "call spans", |r| {
        call_spans(r, SpanKind::Server).len() == CALLS
            && call_spans(r, SpanKind::Client).len() == CALLS
    })
    .await;
    {
        let received_now = received.lock().unwrap();
        for kind in [SpanKind::Server, SpanKind::Client] {
            let mut seen: Vec<String> = call_spans(&received_now, kind)
                .iter()
                .map(|s| hex(&s.trace_id))
                .collect();
            seen.sort();
            let mut expected = trace_ids.clone();
            expected.sort();
            assert_eq!(seen, expected, "{kind:?} spans' trace ids");
        }
        let names: Vec<&str> = received_now.spans.iter().map(|s| &*s.name).collect();
        assert!(names.contains(&"app.work"), "{names:?}");
        assert!(!names.contains(&"app.noise"), "{names:?}");
        let span = &call_spans(&received_now, SpanKind::Server)[0];
        let operation = span
            .attributes
            .iter()
            .find(|a| a.key == "operation")
            .and_then(|a| a.value.as_ref()?.value.as_ref());
        assert_eq!(
            operation,
            Some(&any_value::Value::StringValue("make_thing".to_owned()))
        );
    }

    // Metrics: the periodic push (not only `flush`) carries the server's duration histogram
    // with every call.
    let flushed = received.lock().unwrap().metrics.len();
    until(&received, "two periodic metrics pushes", |r| {
        r.metrics.len() >= flushed + 2
    })
    .await;
    until(&received, "pushed http.server.request.duration", |r| {
        server_duration(r).is_some_and(|m| histogram_count(&m) == CALLS as u64)
    })
    .await;
    let metric = server_duration(&received.lock().unwrap()).unwrap();
    assert_eq!(metric.unit, "s");
    let Some(metric::Data::Histogram(histogram)) = &metric.data else {
        unreachable!()
    };
    let point = &histogram.data_points[0];
    assert_eq!(point.bucket_counts.len(), point.explicit_bounds.len() + 1);
    assert_eq!(point.bucket_counts.iter().sum::<u64>(), point.count);
    assert_eq!(point.explicit_bounds.first(), Some(&0.005));
    let route = point
        .attributes
        .iter()
        .find(|a| a.key == "http.route")
        .and_then(|a| a.value.as_ref()?.value.as_ref());
    assert_eq!(
        route,
        Some(&any_value::Value::StringValue("/thing".to_owned()))
    );
    let status = point
        .attributes
        .iter()
        .find(|a| a.key == "http.response.status_code")
        .and_then(|a| a.value.as_ref()?.value.as_ref());
    assert_eq!(
        status,
        Some(&any_value::Value::StringValue("200".to_owned()))
    );

    // Dropping the guard exports the spans still in the batch, at once (the batch's own timer
    // is 5 s away).
    tracing::info_span!("app.last").in_scope(|| {});
    drop(otlp);
    within(Duration::from_secs(1), &received, "the last span", |r| {
        r.spans.iter().any(|s| s.name == "app.last")
    })
    .await;
}
