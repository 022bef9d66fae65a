//! OTLP export of traces and metrics (feature `otlp`; `docs/wire.md`, "OTLP export"), over
//! HTTP/protobuf to a collector (`http://host:4318`):
//!
//! ```no_run
//! # async fn run(metrics: accord::metrics::Metrics) -> Result<(), accord::telemetry::OtlpError> {
//! let otlp = accord::telemetry::Otlp::builder("http://collector:4318")
//!     .service_name("kitchen")
//!     .metrics(metrics, std::time::Duration::from_secs(10))
//!     .install()?;
//! // ... serve ...
//! otlp.shutdown().await; // the last spans and metrics
//! # Ok(()) }
//! ```
//!
//! Traces: the `tracing` spans (from `INFO` up) go to `/v1/traces` (tracing-opentelemetry's
//! layer on the SDK's batch exporter, installed as the global subscriber); a call's span is
//! named `service/operation` and carries the W3C trace id the runtime propagates
//! (`traces.rs`). Metrics: the [`Metrics`](crate::metrics::Metrics) registry is pushed to
//! `/v1/metrics` every period (`metrics.rs`).

mod metrics;
mod traces;

pub use metrics::{otel_attribute, otel_name};

use crate::metrics::Metrics;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;
use std::time::{Duration, SystemTime};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Why [`OtlpBuilder::install`] failed.
#[derive(Debug)]
pub struct OtlpError(String);

impl std::fmt::Display for OtlpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OTLP export: {}", self.0)
    }
}

impl std::error::Error for OtlpError {}

/// Entry point: [`Otlp::builder`].
pub struct Otlp;

impl Otlp {
    /// Export to the collector at `endpoint`, its base URL (`http://collector:4318`); the
    /// signals go to `/v1/traces` and `/v1/metrics` under it.
    pub fn builder(endpoint: impl Into<String>) -> OtlpBuilder {
        OtlpBuilder {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            service_name: "accord-service".to_owned(),
            metrics: None,
            timeout: Duration::from_secs(10),
            level: LevelFilter::INFO,
        }
    }
}

/// What to export, and where.
pub struct OtlpBuilder {
    endpoint: String,
    service_name: String,
    metrics: Option<(Metrics, Duration)>,
    timeout: Duration,
    level: LevelFilter,
}

impl OtlpBuilder {
    /// The `service.name` resource attribute of everything exported.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self
    }

    /// Also push `metrics` every `every` (none by default).
    pub fn metrics(mut self, metrics: Metrics, every: Duration) -> Self {
        self.metrics = Some((metrics, every));
        self
    }

    /// How long one export request may take (10 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The least severe spans exported: `INFO` by default, which the call spans are, and which
    /// keeps the libraries' `debug` and `trace` spans (h2's per-frame ones) out.
    pub fn level(mut self, level: tracing::Level) -> Self {
        self.level = LevelFilter::from_level(level);
        self
    }

    /// What `install` refuses before it installs anything.
    fn check(&self) -> Result<(), OtlpError> {
        let scheme = self.endpoint.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("http" | "https")) {
            return Err(OtlpError(format!(
                "the endpoint {:?} is not an http:// or https:// URL",
                self.endpoint
            )));
        }
        if self.metrics.as_ref().is_some_and(|m| m.1.is_zero()) {
            return Err(OtlpError("the metrics period is zero".to_owned()));
        }
        if self.metrics.is_some() && tokio::runtime::Handle::try_current().is_err() {
            return Err(OtlpError(
                "the metrics push needs a tokio runtime".to_owned(),
            ));
        }
        Ok(())
    }

    /// Installs the trace export as the global `tracing` subscriber and starts the metrics
    /// push (on the current tokio runtime). Fails on a bad endpoint, outside a runtime when
    /// metrics are pushed, or when a global subscriber is already set.
    pub fn install(self) -> Result<OtlpGuard, OtlpError> {
        self.check()?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", self.endpoint))
            .with_timeout(self.timeout)
            .build()
            .map_err(|e| OtlpError(e.to_string()))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(self.service_name.clone())
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("accord"));
        let subscriber = tracing_subscriber::registry()
            .with(layer)
            .with(traces::CallSpans)
            .with(self.level);
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|_| OtlpError("a global tracing subscriber is already set".to_owned()))?;
        let push = self.metrics.map(|(metrics, every)| {
            let pusher = Pusher::new(&self.endpoint, &self.service_name, metrics, self.timeout);
            let task = tokio::spawn(pusher.clone().every(every));
            (pusher, task)
        });
        Ok(OtlpGuard { provider, push })
    }
}

/// The running export. [`shutdown`](Self::shutdown) sends what is left; dropping it stops the
/// metrics push and exports the spans left. Spans ended after either are not exported.
pub struct OtlpGuard {
    provider: SdkTracerProvider,
    push: Option<(Pusher, tokio::task::JoinHandle<()>)>,
}

impl OtlpGuard {
    /// Exports the spans ended so far and pushes the metrics now.
    pub async fn flush(&self) -> Result<(), OtlpError> {
        let provider = self.provider.clone();
        // The SDK's flush blocks until its exporter thread has sent the batch.
        tokio::task::spawn_blocking(move || provider.force_flush())
            .await
            .map_err(|e| OtlpError(e.to_string()))?
            .map_err(|e| OtlpError(e.to_string()))?;
        if let Some((pusher, _)) = &self.push {
            pusher.push().await.map_err(OtlpError)?;
        }
        Ok(())
    }

    /// Flushes (see [`flush`](Self::flush)), then stops both exports.
    pub async fn shutdown(mut self) {
        if let Err(error) = self.flush().await {
            tracing::warn!(%error, "the last OTLP export failed");
        }
        if let Some((_, task)) = self.push.take() {
            task.abort();
        }
        let provider = self.provider.clone();
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
}

impl Drop for OtlpGuard {
    /// Stops the metrics push (without a last one: that needs [`shutdown`](Self::shutdown)'s
    /// `await`) and exports the spans still in the batch. The global subscriber's tracer keeps
    /// the provider alive, so it is shut down here rather than by its own drop; that waits for
    /// the exporter's thread (bounded by the export timeout), not for the async runtime.
    fn drop(&mut self) {
        if let Some((_, task)) = self.push.take() {
            task.abort();
        }
        // After `shutdown` this is a no-op that reports "already shut down".
        let _ = self.provider.shutdown();
    }
}

/// Pushes the registry as OTLP metrics.
#[derive(Clone)]
struct Pusher {
    url: String,
    client: reqwest::Client,
    metrics: Metrics,
    resource: Resource,
    started: SystemTime,
}

impl Pusher {
    fn new(endpoint: &str, service_name: &str, metrics: Metrics, timeout: Duration) -> Self {
        Pusher {
            url: format!("{endpoint}/v1/metrics"),
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
            metrics,
            resource: Resource {
                attributes: vec![metrics::attribute("service_name", service_name)],
                ..Default::default()
            },
            started: SystemTime::now(),
        }
    }

    async fn every(self, period: Duration) {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if let Err(error) = self.push().await {
                tracing::warn!(%error, "OTLP metrics push failed");
            }
        }
    }

    async fn push(&self) -> Result<(), String> {
        let request = metrics::request(&self.metrics, &self.resource, self.started)?;
        let response = self
            .client
            .post(&self.url)
            .header(http::header::CONTENT_TYPE, "application/x-protobuf")
            .body(request.encode_to_vec())
            .send()
            .await
            .map_err(|e| format!("POST {}: {e}", self.url))?;
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(format!("POST {}: {status}", self.url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(builder: OtlpBuilder) -> String {
        builder.check().unwrap_err().to_string()
    }

    #[test]
    fn a_bad_endpoint_or_period_is_refused_before_anything_is_installed() {
        let error = refused(Otlp::builder("collector:4318"));
        assert!(error.contains("not an http:// or https:// URL"), "{error}");
        let every = Duration::ZERO;
        let error = refused(Otlp::builder("http://c:4318").metrics(Metrics::new(), every));
        assert!(error.contains("period is zero"), "{error}");
        let every = Duration::from_secs(1);
        let error = refused(Otlp::builder("http://c:4318").metrics(Metrics::new(), every));
        assert!(error.contains("needs a tokio runtime"), "{error}");
        assert!(Otlp::builder("https://c:4318/").check().is_ok());
    }
}
