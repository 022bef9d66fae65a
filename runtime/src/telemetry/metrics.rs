//! The [`Metrics`] registry as OTLP metrics: read from its own OpenMetrics text (one set of
//! instruments, the one `/metrics` serves) and built as `ExportMetricsServiceRequest`s with
//! opentelemetry-proto's types. Counters become cumulative monotonic sums, gauges gauges,
//! histograms explicit-bucket histograms (OpenMetrics' cumulative buckets made per-bucket);
//! labels become attributes. Names follow [`otel_name`].

use crate::metrics::Metrics;
use openmetrics_parser::{MetricNumber, OpenMetricsMetricFamily, OpenMetricsValue};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::time::{SystemTime, UNIX_EPOCH};

/// The OpenTelemetry name of a family, from its Prometheus name (without `_total`, which the
/// parser already drops from a counter's family): the unit suffix `_seconds` goes (it is the
/// metric's unit, `s`), and the underscores of the OpenTelemetry conventions' names become
/// their dots (`http_server_request_duration_seconds` is `http.server.request.duration`).
/// Accord's own `accord_*` families keep their words: `accord_dead_letters` is
/// `accord.dead_letters`.
pub fn otel_name(prometheus: &str) -> (String, &'static str) {
    let (base, unit) = match prometheus.strip_suffix("_seconds") {
        Some(base) => (base, "s"),
        None => (prometheus, ""),
    };
    let base = base.strip_suffix("_total").unwrap_or(base);
    let name = match base.strip_prefix("accord_") {
        Some(rest) => format!("accord.{rest}"),
        None => base.replace('_', "."),
    };
    (name, unit)
}

/// One export request of everything `metrics` holds now, from a process started at `start`
/// (the start of every cumulative point).
pub(super) fn request(
    metrics: &Metrics,
    resource: &Resource,
    start: SystemTime,
) -> Result<ExportMetricsServiceRequest, String> {
    let text = metrics.encode();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text)
        .map_err(|e| format!("the registry's OpenMetrics text did not parse: {e}"))?;
    let (start, now) = (nanos(start), nanos(SystemTime::now()));
    let mut families: Vec<_> = exposition.families.into_iter().collect();
    families.sort_by(|a, b| a.0.cmp(&b.0));
    let metrics = families
        .iter()
        .filter_map(|(name, family)| metric(name, family, start, now))
        .collect();
    Ok(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource.clone()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "accord".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..Default::default()
                }),
                metrics,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    })
}

fn metric(name: &str, family: &OpenMetricsMetricFamily, start: u64, now: u64) -> Option<Metric> {
    let (otel, unit) = otel_name(name);
    let mut numbers = Vec::new();
    let mut histograms = Vec::new();
    let mut monotonic = None;
    for sample in family.iter_samples() {
        let attributes = sample
            .get_labelset()
            .map(|labels| labels.iter().map(|(k, v)| attribute(k, v)).collect())
            .unwrap_or_default();
        match &sample.value {
            OpenMetricsValue::Counter(counter) => {
                monotonic = Some(true);
                numbers.push(number(attributes, &counter.value, start, now));
            }
            OpenMetricsValue::Gauge(value) => {
                monotonic = Some(false);
                numbers.push(number(attributes, value, 0, now));
            }
            OpenMetricsValue::Histogram(h) => {
                let mut buckets: Vec<_> = h
                    .buckets
                    .iter()
                    .map(|b| (b.upper_bound, b.count.as_f64() as u64))
                    .collect();
                buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                let count = h.count.unwrap_or_else(|| buckets.last().map_or(0, |b| b.1));
                let (explicit_bounds, bucket_counts) = per_bucket(&buckets, count);
                histograms.push(HistogramDataPoint {
                    attributes,
                    start_time_unix_nano: start,
                    time_unix_nano: now,
                    count,
                    sum: h.sum.as_ref().map(MetricNumber::as_f64),
                    bucket_counts,
                    explicit_bounds,
                    ..Default::default()
                });
            }
            // The registry has no other kinds; a new one is left out rather than mislabelled.
            _ => return None,
        }
    }
    let data = if !histograms.is_empty() {
        metric::Data::Histogram(Histogram {
            data_points: histograms,
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })
    } else {
        match monotonic? {
            true => metric::Data::Sum(Sum {
                data_points: numbers,
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            }),
            false => metric::Data::Gauge(Gauge {
                data_points: numbers,
            }),
        }
    };
    Some(Metric {
        name: otel,
        description: family.help.clone(),
        unit: unit.to_owned(),
        data: Some(data),
        ..Default::default()
    })
}

/// OpenMetrics' cumulative `le` buckets as OTLP's bounds (the finite ones) and per-bucket
/// counts (one more than the bounds: the last is above the largest bound).
fn per_bucket(cumulative: &[(f64, u64)], count: u64) -> (Vec<f64>, Vec<u64>) {
    let mut bounds = Vec::with_capacity(cumulative.len());
    let mut counts = Vec::with_capacity(cumulative.len() + 1);
    let mut below = 0;
    for &(bound, up_to) in cumulative.iter().filter(|b| b.0.is_finite()) {
        bounds.push(bound);
        counts.push(up_to.saturating_sub(below));
        below = up_to;
    }
    counts.push(count.saturating_sub(below));
    (bounds, counts)
}

fn number(
    attributes: Vec<KeyValue>,
    value: &MetricNumber,
    start: u64,
    now: u64,
) -> NumberDataPoint {
    let value = match value {
        MetricNumber::Int(i) => number_data_point::Value::AsInt(*i),
        MetricNumber::Float(f) => number_data_point::Value::AsDouble(*f),
    };
    NumberDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: now,
        value: Some(value),
        ..Default::default()
    }
}

/// The OpenTelemetry attribute name of a label: the conventions' names with their dots made
/// underscores for Prometheus, dotted again (`http_request_method` is `http.request.method`),
/// except their one word with an underscore of its own, `status_code`
/// (`http.response.status_code`, `rpc.grpc.status_code`). Accord's own labels (`side`,
/// `reason`, `service`, ...) are one word and stay as they are.
pub fn otel_attribute(label: &str) -> String {
    match label.strip_suffix("_status_code") {
        Some(prefix) => format!("{}.status_code", prefix.replace('_', ".")),
        None => label.replace('_', "."),
    }
}

pub(super) fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: otel_attribute(key),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_conventions_and_accord_keeps_its_words() {
        assert_eq!(
            otel_name("http_server_request_duration_seconds"),
            ("http.server.request.duration".to_owned(), "s")
        );
        assert_eq!(
            otel_name("messaging_client_sent_messages"),
            ("messaging.client.sent.messages".to_owned(), "")
        );
        assert_eq!(
            otel_name("accord_dead_letters_total"),
            ("accord.dead_letters".to_owned(), "")
        );
    }

    #[test]
    fn labels_become_the_conventions_attributes() {
        assert_eq!(otel_attribute("http_request_method"), "http.request.method");
        assert_eq!(
            otel_attribute("http_response_status_code"),
            "http.response.status_code"
        );
        assert_eq!(
            otel_attribute("rpc_grpc_status_code"),
            "rpc.grpc.status_code"
        );
        assert_eq!(
            otel_attribute("messaging_destination_name"),
            "messaging.destination.name"
        );
        assert_eq!(otel_attribute("reason"), "reason");
    }

    #[test]
    fn cumulative_buckets_become_per_bucket_counts() {
        let cumulative = [(0.1, 2), (0.5, 5), (f64::INFINITY, 6)];
        assert_eq!(per_bucket(&cumulative, 6), (vec![0.1, 0.5], vec![2, 3, 1]));
    }
}
