//! Observability over loopback: each call opens an `accord.call` span on the proxy's side and
//! one on the skeleton's, each naming the service, operation and transport and recording the
//! outcome and latency; the skeleton's span continues the proxy's trace and correlation id.
//!
//! A small recording subscriber stands in for tracing-subscriber (one file, no new crate).

use ftgo_order_service::api::ftgo::order::{GetOrderRequest, OrderService, order_service::rest};
use ftgo_order_service::{InMemoryOrders, Menu};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

type Fields = BTreeMap<String, String>;

/// Every span opened in this test binary, with its fields as recorded so far.
static SPANS: Mutex<Vec<Fields>> = Mutex::new(Vec::new());

struct Recorder;

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields::new();
        fields.insert("name".into(), attributes.metadata().name().into());
        attributes.record(&mut Visitor(&mut fields));
        let mut spans = SPANS.lock().unwrap();
        spans.push(fields);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = SPANS.lock().unwrap();
        if let Some(fields) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Visitor(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn calls(side: &str) -> Vec<Fields> {
    SPANS
        .lock()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "accord.call" && f.get("side").map(String::as_str) == Some(side))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_record_a_span_per_call() {
    tracing::subscriber::set_global_default(Recorder).expect("the only subscriber");
    let menu = Menu {
        currency: "USD".into(),
        prices: BTreeMap::new(),
    };
    let store = InMemoryOrders::new([(1, menu)]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(accord::rest::server::serve(
        listener,
        rest::router(store, insecure()),
        accord::Shutdown::never(),
    ));
    let orders = rest::Proxy::connect(base).unwrap();
    let request = accord::Request::new(GetOrderRequest { order_id: 77 }).with_correlation_id("c-9");
    let got = orders.get_order(request).await;
    assert!(got.is_err(), "order 77 does not exist: {got:?}");

    let client = calls("client");
    let server = calls("server");
    assert_eq!(
        (client.len(), server.len()),
        (1, 1),
        "{:?}",
        SPANS.lock().unwrap()
    );
    for span in [&client[0], &server[0]] {
        assert_eq!(span["service"], "ftgo.order.OrderService");
        assert_eq!(span["operation"], "get_order");
        assert_eq!(span["transport"], "rest");
        assert_eq!(span["correlation_id"], "c-9");
        assert_eq!(span["outcome"], "declared_error", "{span:?}");
        let latency: f64 = span["latency_ms"].parse().unwrap();
        assert!(latency >= 0.0);
    }
    assert_eq!(
        server[0]["trace_id"].len(),
        32,
        "the skeleton records the trace it continues"
    );
    assert_eq!(
        client[0]["trace_id"], server[0]["trace_id"],
        "both sides record the same trace"
    );
}

/// Spans are the subject here, not tokens.
fn insecure() -> accord::rest::server::ServerConfig {
    accord::rest::server::ServerConfig {
        insecure_no_auth: true,
        ..Default::default()
    }
}
