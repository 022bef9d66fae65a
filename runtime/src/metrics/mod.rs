//! Prometheus metrics of calls, served and made, on every transport (`docs/wire.md`,
//! "Metrics"). Names and labels follow the OpenTelemetry semantic conventions in their
//! Prometheus form; what they lack is named `accord_*`.
//!
//! | metric | labels |
//! | --- | --- |
//! | `http_server_request_duration_seconds` (histogram) | `http_request_method`, `http_route` (the template), `http_response_status_code` |
//! | `http_client_request_duration_seconds` (histogram) | the same |
//! | `rpc_server_call_duration_seconds`, `rpc_client_call_duration_seconds` (histograms) | `rpc_system`, `rpc_service`, `rpc_method`, `rpc_grpc_status_code` |
//! | `messaging_process_duration_seconds` (histogram) | `messaging_system`, `messaging_destination_name`, `messaging_operation_name` |
//! | `messaging_client_sent_messages_total` (counter) | the same |
//! | `accord_messaging_dropped_messages_total` (counter) | `messaging_system`, `messaging_destination_name`, `reason` (`expired`: the request's deadline had passed; `duplicate`: its group had handled it) |
//! | `accord_dead_letters_total` (counter) | `messaging_system`, `messaging_destination_name` (the channel's address, not the `.dlq`), `reason` (`failed`: its handler failed every attempt; `undeliverable`: it can never be handled; `redelivered`: delivered too often unacknowledged; `refused`: the broker refused an outbox row's publish) |
//! | `accord_in_flight_requests` (gauge) | `side` (`server`, `client`), `transport` |
//! | `accord_breaker_state`, `accord_retries_total`, `accord_retry_budget_exhausted_total`, `accord_fallbacks_total` | see `resilience.rs` |
//!
//! The call core records them (`call::inbound::observe`, `call::outbound::Caller::run`), so
//! each transport gets them once and supplies only its labels ([`Served`], [`Made`]). A
//! [`Metrics`] is opt-in: a server or proxy without one records nothing and pays one branch.
//! Label values are bounded: routes are templates, never raw paths; no label carries an id.

mod labels;
mod resilience;

use labels::{DroppedLabels, InFlightLabels, MessagingLabels};
pub use labels::{HttpLabels, Made, MessagingCall, RpcLabels, Served};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
// The unit is in each name rather than a `# UNIT` line: parsers differ on units of histograms.
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The `Content-Type` of [`Metrics::encode`]'s text (OpenMetrics, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The duration buckets, in seconds: the OpenTelemetry HTTP conventions' advice, 5 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

type Durations<L> = Family<L, Histogram, fn() -> Histogram>;

fn durations<L: Clone + std::hash::Hash + Eq>() -> Durations<L> {
    Family::new_with_constructor(histogram as fn() -> Histogram)
}

/// The transports, as the in-flight gauge labels them.
const TRANSPORTS: [&str; 3] = ["rest", "grpc", "messaging"];

/// A registry of call metrics. Cheap to clone; clones share the registry, so one [`Metrics`]
/// given to a service's servers and proxies gathers all of them on one `/metrics`.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
    registry: Arc<Mutex<Registry>>,
}

/// The call metrics' families. A family appears in the exposition once it has a series: no
/// empty `rpc_*` families on a server that speaks only REST (and some parsers take a family
/// without samples for the start of the next one).
#[derive(Debug)]
struct Inner {
    http_server: Sparse<Durations<HttpLabels>>,
    http_client: Sparse<Durations<HttpLabels>>,
    rpc_server: Sparse<Durations<RpcLabels>>,
    rpc_client: Sparse<Durations<RpcLabels>>,
    messaging_process: Sparse<Durations<MessagingLabels>>,
    messaging_sent: Sparse<Family<MessagingLabels, Counter>>,
    messaging_dropped: Sparse<Family<DroppedLabels, Counter>>,
    dead_letters: Sparse<Family<DroppedLabels, Counter>>,
    in_flight_family: Family<InFlightLabels, Gauge>,
    /// Resolved once per side and transport: the hot path never hashes a label set for them.
    in_flight: [[Gauge; TRANSPORTS.len()]; 2],
    resilience: resilience::Resilience,
}

/// A family, its name and help, and whether it has a series yet.
#[derive(Debug)]
struct Sparse<F> {
    name: &'static str,
    help: &'static str,
    family: F,
    used: AtomicBool,
}

impl<F> Sparse<F> {
    fn new(name: &'static str, help: &'static str, family: F) -> Self {
        Sparse {
            name,
            help,
            family,
            used: AtomicBool::new(false),
        }
    }
}

impl<F> Sparse<F> {
    /// The family, marked as having a series (one relaxed load once it has).
    fn get(&self) -> &F {
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
        }
        &self.family
    }
}

impl<F: EncodeMetric> Sparse<F> {
    fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        if !self.used.load(Ordering::Relaxed) {
            return Ok(());
        }
        let metric =
            encoder.encode_descriptor(self.name, self.help, None, self.family.metric_type())?;
        self.family.encode(metric)
    }
}

/// The registry's view of the call metrics: encoded on each scrape.
#[derive(Debug)]
struct Families(Arc<Inner>);

impl Collector for Families {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let inner = &self.0;
        inner.http_server.encode(&mut encoder)?;
        inner.http_client.encode(&mut encoder)?;
        inner.rpc_server.encode(&mut encoder)?;
        inner.rpc_client.encode(&mut encoder)?;
        inner.messaging_process.encode(&mut encoder)?;
        inner.messaging_sent.encode(&mut encoder)?;
        inner.messaging_dropped.encode(&mut encoder)?;
        inner.dead_letters.encode(&mut encoder)?;
        inner.resilience.encode(&mut encoder)?;
        let in_flight = encoder.encode_descriptor(
            "accord_in_flight_requests",
            "Calls being served (side=server) or awaiting their answer (side=client)",
            None,
            inner.in_flight_family.metric_type(),
        )?;
        inner.in_flight_family.encode(in_flight)
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every call metric, empty.
    pub fn new() -> Self {
        let in_flight_family = Family::<InFlightLabels, Gauge>::default();
        let gauge = |side, transport| {
            let labels = InFlightLabels { side, transport };
            in_flight_family.get_or_create(&labels).clone()
        };
        let in_flight = ["server", "client"].map(|side| TRANSPORTS.map(|t| gauge(side, t)));
        let inner = Arc::new(Inner {
            http_server: Sparse::new(
                "http_server_request_duration_seconds",
                "Duration of HTTP server requests",
                durations(),
            ),
            http_client: Sparse::new(
                "http_client_request_duration_seconds",
                "Duration of HTTP client requests",
                durations(),
            ),
            rpc_server: Sparse::new(
                "rpc_server_call_duration_seconds",
                "Duration of RPCs served",
                durations(),
            ),
            rpc_client: Sparse::new(
                "rpc_client_call_duration_seconds",
                "Duration of RPCs made",
                durations(),
            ),
            messaging_process: Sparse::new(
                "messaging_process_duration_seconds",
                "Duration of processing a received message",
                durations(),
            ),
            messaging_sent: Sparse::new(
                "messaging_client_sent_messages",
                "Messages a producer sent",
                Family::default(),
            ),
            messaging_dropped: Sparse::new(
                "accord_messaging_dropped_messages",
                "Messages a consumer acknowledged without running their handler",
                Family::default(),
            ),
            dead_letters: Sparse::new(
                "accord_dead_letters",
                "Messages sent to a dead-letter address (<address>.dlq)",
                Family::default(),
            ),
            in_flight_family,
            in_flight,
            resilience: resilience::Resilience::new(),
        });
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Families(inner.clone())));
        Metrics {
            inner,
            registry: Arc::new(Mutex::new(registry)),
        }
    }

    /// Registers a metric of the service's own, exposed beside the call metrics.
    pub fn register(
        &self,
        name: &str,
        help: &str,
        metric: impl prometheus_client::registry::Metric,
    ) {
        self.registry().register(name, help, metric);
    }

    /// The exposition in the OpenMetrics text format ([`CONTENT_TYPE`]), as `/metrics`
    /// serves it.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry())
            .expect("writing to a String cannot fail");
        text
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while encoding leaves the registry as it was: plain data.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A call starts being served or made on `transport`: counted in flight until the guard
    /// drops.
    pub fn in_flight(&self, side: Side, transport: &'static str) -> InFlight {
        let index = TRANSPORTS.iter().position(|t| *t == transport);
        let gauge = index.map(|i| &self.inner.in_flight[side as usize][i]);
        if let Some(gauge) = gauge {
            gauge.inc();
        }
        InFlight {
            metrics: self.clone(),
            at: index.map(|i| (side as usize, i)),
        }
    }

    /// Records a served call that took `seconds`.
    pub fn served(&self, call: Served, seconds: f64) {
        let inner = &self.inner;
        match call {
            Served::Http(labels) => inner
                .http_server
                .get()
                .get_or_create(&labels)
                .observe(seconds),
            Served::Rpc(labels) => inner
                .rpc_server
                .get()
                .get_or_create(&labels)
                .observe(seconds),
            Served::Messaging(labels) => {
                let labels = labels.owned();
                inner
                    .messaging_process
                    .get()
                    .get_or_create(&labels)
                    .observe(seconds);
            }
        }
    }

    /// Records a call made that took `seconds` (a one-way send counts a sent message).
    pub fn made(&self, call: Made, seconds: f64) {
        let inner = &self.inner;
        match call {
            Made::Http(labels) => inner
                .http_client
                .get()
                .get_or_create(&labels)
                .observe(seconds),
            Made::Rpc(labels) => inner
                .rpc_client
                .get()
                .get_or_create(&labels)
                .observe(seconds),
            Made::Sent(labels) => {
                inner
                    .messaging_sent
                    .get()
                    .get_or_create(&labels.owned())
                    .inc();
            }
        }
    }
}

impl Metrics {
    /// Counts a message a consumer acknowledged without running its handler, for `reason`.
    pub fn dropped(&self, call: MessagingCall, reason: &'static str) {
        let labels = DroppedLabels {
            messaging_system: call.system,
            messaging_destination_name: labels::Destination(call.destination),
            reason,
        };
        self.inner
            .messaging_dropped
            .get()
            .get_or_create(&labels)
            .inc();
    }
}

impl Metrics {
    /// Counts a message sent to its channel's dead-letter address, for `reason` (`failed`,
    /// `undeliverable`, `redelivered`; an outbox relay's `refused`).
    pub fn dead_lettered(&self, call: MessagingCall, reason: &'static str) {
        let labels = DroppedLabels {
            messaging_system: call.system,
            messaging_destination_name: labels::Destination(call.destination),
            reason,
        };
        self.inner.dead_letters.get().get_or_create(&labels).inc();
    }
}

/// Which side of a call a process is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Serving it.
    Server = 0,
    /// Making it.
    Client = 1,
}

/// A call counted in `accord_in_flight_requests` until dropped.
#[derive(Debug)]
pub struct InFlight {
    metrics: Metrics,
    at: Option<(usize, usize)>,
}

impl InFlight {
    /// The metrics it counts in.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some((side, transport)) = self.at {
            self.metrics.inner.in_flight[side][transport].dec();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openmetrics_parser::{OpenMetricsValue, openmetrics::parse_openmetrics};

    /// A sample's labels, sorted, and its value (a histogram's count).
    type Sample = (Vec<(String, String)>, f64);

    /// Each family's samples, read by an OpenMetrics parser.
    fn scrape(metrics: &Metrics) -> HashMap<String, Vec<Sample>> {
        let exposition = parse_openmetrics(&metrics.encode()).expect("OpenMetrics text");
        let mut families = HashMap::new();
        for (name, family) in exposition.families {
            let samples = family
                .iter_samples()
                .map(|sample| {
                    let labels = sample.get_labelset().unwrap();
                    let mut labels: Vec<_> =
                        labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    labels.sort();
                    let value = match &sample.value {
                        OpenMetricsValue::Histogram(h) => h.count.unwrap() as f64,
                        OpenMetricsValue::Counter(c) => c.value.as_f64(),
                        OpenMetricsValue::Gauge(g) => g.as_f64(),
                        other => panic!("{other:?}"),
                    };
                    (labels, value)
                })
                .collect();
            families.insert(name, samples);
        }
        families
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut labels: Vec<_> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.sort();
        labels
    }

    use std::collections::HashMap;

    #[test]
    fn each_call_is_counted_under_its_conventional_name_and_labels() {
        let metrics = Metrics::new();
        let families = scrape(&metrics);
        assert_eq!(
            families.keys().collect::<Vec<_>>(),
            ["accord_in_flight_requests"],
            "no family without a series"
        );
        let http = HttpLabels {
            http_request_method: "GET",
            http_route: "/orders/{order_id}",
            http_response_status_code: 200,
        };
        for _ in 0..3 {
            metrics.served(Served::Http(http), 0.002);
        }
        metrics.made(Made::Http(http), 0.2);
        let rpc = RpcLabels {
            rpc_system: "grpc",
            rpc_service: "ftgo.order.OrderService",
            rpc_method: "GetOrder",
            rpc_grpc_status_code: 5,
        };
        metrics.served(Served::Rpc(rpc), 0.01);
        metrics.made(Made::Rpc(rpc), 0.01);
        let message = MessagingCall {
            system: "nats",
            destination: "ftgo.kitchen.commands".into(),
            operation: "process",
        };
        metrics.served(Served::Messaging(message.clone()), 0.5);
        let sent = MessagingCall {
            operation: "send",
            ..message
        };
        metrics.made(Made::Sent(sent.clone()), 0.0);
        metrics.made(Made::Sent(sent), 0.0);
        let held = metrics.in_flight(Side::Server, "grpc");

        let families = scrape(&metrics);
        let http_labels = labels(&[
            ("http_request_method", "GET"),
            ("http_route", "/orders/{order_id}"),
            ("http_response_status_code", "200"),
        ]);
        assert_eq!(
            families["http_server_request_duration_seconds"],
            [(http_labels.clone(), 3.0)]
        );
        assert_eq!(
            families["http_client_request_duration_seconds"],
            [(http_labels, 1.0)]
        );
        let rpc_labels = labels(&[
            ("rpc_system", "grpc"),
            ("rpc_service", "ftgo.order.OrderService"),
            ("rpc_method", "GetOrder"),
            ("rpc_grpc_status_code", "5"),
        ]);
        assert_eq!(
            families["rpc_server_call_duration_seconds"],
            [(rpc_labels.clone(), 1.0)]
        );
        assert_eq!(
            families["rpc_client_call_duration_seconds"],
            [(rpc_labels, 1.0)]
        );
        let messaging = |operation| {
            labels(&[
                ("messaging_system", "nats"),
                ("messaging_destination_name", "ftgo.kitchen.commands"),
                ("messaging_operation_name", operation),
            ])
        };
        assert_eq!(
            families["messaging_process_duration_seconds"],
            [(messaging("process"), 1.0)]
        );
        assert_eq!(
            families["messaging_client_sent_messages"],
            [(messaging("send"), 2.0)]
        );
        let in_flight = &families["accord_in_flight_requests"];
        let grpc_server = labels(&[("side", "server"), ("transport", "grpc")]);
        assert!(
            in_flight.contains(&(grpc_server.clone(), 1.0)),
            "{in_flight:?}"
        );
        drop(held);
        let in_flight = &scrape(&metrics)["accord_in_flight_requests"];
        assert!(in_flight.contains(&(grpc_server, 0.0)), "{in_flight:?}");
        assert_eq!(in_flight.len(), 6, "both sides of every transport");
    }
}
