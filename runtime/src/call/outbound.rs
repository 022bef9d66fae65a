//! The client side of the call core. A proxy owns a [`Caller`]; for each call it makes an
//! [`Outgoing`] (deadline and trace), and [`Caller::run`] passes the outstanding bound and the
//! circuit breaker, runs the transport's exchange under the deadline inside the call's span,
//! and reports the outcome to the breaker and the span.
//!
//! ```ignore
//! let call = caller.outgoing(&OP, &context);
//! caller.run(&call, "rest", exchange(&call), |reply| reply.outcome()).await
//! ```

use super::{MetadataPolicy, OperationInfo, Outcome};
use crate::context::{Context, deadline_after};
use crate::deadline::within;
use crate::metrics::{Made, Side};
use crate::resilience::{Admission, Resilience};
use crate::trace::TraceParent;
use crate::{CallError, ProxyConfig};
use futures::FutureExt as _;
use futures::future::{self, Either};
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::Instrument as _;

/// The shared part of every proxy: its settings and its resilience layer (one bound and one
/// breaker per proxy, whatever the transport).
#[derive(Debug)]
pub struct Caller {
    config: ProxyConfig,
    resilience: Resilience,
}

/// One call on its way out, as every step of sending it sees it: built once per call and
/// passed by reference.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// The operation.
    pub op: &'a OperationInfo,
    /// The caller's context.
    pub context: &'a Context,
    /// When this caller stops waiting: the context's deadline, else the operation's
    /// `@timeout`, else the proxy's default.
    pub deadline: Instant,
    /// This call's span in the caller's trace, or the root of a new trace.
    pub trace: TraceParent,
}

impl Outgoing<'_> {
    /// The budget the call tells the server, when the context carries a deadline (set by the
    /// caller, or inherited through `Context::child`). A default (`@timeout`, the proxy's)
    /// guards this caller alone and does not travel, as tonic's `Endpoint::timeout` does
    /// beside `Request::set_timeout`.
    pub fn deadline_to_send(&self) -> Option<Duration> {
        let deadline = self.context.deadline?;
        Some(deadline.saturating_duration_since(Instant::now()))
    }

    /// The correlation id the call sends: only one that is not the trace id (the receiver
    /// derives that one; see `docs/wire.md`).
    pub fn correlation_to_send(&self) -> Option<&str> {
        let explicit = self.context.correlation_id.as_deref();
        explicit.filter(|id| !self.trace.is_trace_id(id))
    }
}

impl Caller {
    /// A caller with `config`'s bound, breaker and timeouts.
    pub fn new(config: ProxyConfig) -> Self {
        Caller {
            resilience: Resilience::new(&config),
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// The resilience layer (for inspecting the breaker).
    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    /// The metadata of `context` this proxy may send (its [`MetadataPolicy`]).
    pub fn metadata<'a>(
        &'a self,
        context: &'a Context,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let policy: &MetadataPolicy = &self.config.metadata;
        context
            .metadata
            .iter()
            .filter(move |(name, _)| policy.allows(name))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The call about to go out: its deadline and its trace.
    pub fn outgoing<'a>(&self, op: &'a OperationInfo, context: &'a Context) -> Outgoing<'a> {
        let deadline = context.deadline.unwrap_or_else(|| {
            let timeout = op.timeout.unwrap_or(self.config.default_timeout);
            deadline_after(Instant::now(), timeout)
        });
        let trace = context
            .trace
            .map_or_else(TraceParent::new_root, |t| t.child());
        Outgoing {
            op,
            context,
            deadline,
            trace,
        }
    }

    /// Admits a call (outstanding bound, breaker) or fails fast; for transports whose call
    /// outlives one future (a stream holds its admission until it ends).
    pub fn admit(&self) -> Result<Admission, CallError> {
        self.resilience.admit()
    }

    /// Runs `exchange` admitted and under the call's deadline, in the call's span, and reports
    /// the outcome (`outcome` reads a successful exchange's answer: a reply can carry a
    /// declared error) to the breaker and the span; with metrics, the call's duration under
    /// the labels `made` gives (the transport's: route and status, method and code, channel),
    /// asked only then.
    ///
    /// Combinators rather than an `async fn`: an `async fn` keeps its arguments (the exchange
    /// future) beside the future it builds from them, doubling the call's size, and every
    /// proxy call is boxed or spawned by someone (see ARCHITECTURE.md, small futures).
    pub fn run<T, F, O, M>(
        &self,
        call: &Outgoing<'_>,
        transport: &'static str,
        exchange: F,
        outcome: O,
        made: M,
    ) -> impl Future<Output = Result<T, CallError>> + use<T, F, O, M>
    where
        F: Future<Output = Result<T, CallError>>,
        O: FnOnce(&T) -> Outcome,
        M: FnOnce(&Result<T, CallError>) -> Made,
    {
        let span = span(call, transport);
        let in_flight = self
            .config
            .metrics
            .as_ref()
            .map(|m| m.in_flight(Side::Client, transport));
        // The clock is read only when someone listens or counts.
        let traced = !span.is_disabled();
        let started = (traced || in_flight.is_some()).then(Instant::now);
        let work = match self.resilience.admit() {
            Ok(mut admission) => Either::Left(
                within(call.deadline, exchange)
                    .instrument(span.clone())
                    .map(move |result| {
                        admission.record(&result);
                        result
                    }),
            ),
            Err(refused) => Either::Right(future::ready(Err(refused))),
        };
        work.map(move |result| {
            let Some(started) = started else {
                return result;
            };
            if traced {
                let label = match &result {
                    Ok(answer) => outcome(answer),
                    Err(error) => Outcome::of_failure(error),
                };
                record(&span, label, started);
            }
            if let Some(in_flight) = in_flight {
                let seconds = started.elapsed().as_secs_f64();
                in_flight.metrics().made(made(&result), seconds);
            }
            result
        })
    }
}

/// The span of one call made: `accord.call` with side, transport, service, operation and ids.
pub fn span(call: &Outgoing<'_>, transport: &'static str) -> tracing::Span {
    let span = tracing::info_span!(
        "accord.call",
        side = "client",
        transport,
        service = call.op.service,
        operation = call.op.name,
        trace_id = tracing::field::Empty,
        correlation_id = tracing::field::Empty,
        outcome = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    // Formatting the trace id costs an allocation: only when someone listens.
    if !span.is_disabled() {
        let trace_id = call.trace.trace_id_hex();
        let correlation = call.context.correlation_id.as_deref();
        span.record("correlation_id", correlation.unwrap_or(&trace_id));
        span.record("trace_id", trace_id);
    }
    span
}

fn record(span: &tracing::Span, outcome: Outcome, started: Instant) {
    let label = outcome.label();
    let latency = started.elapsed().as_secs_f64() * 1e3;
    span.record("outcome", label);
    span.record("latency_ms", latency);
    span.in_scope(|| tracing::debug!(outcome = label, latency_ms = latency, "call finished"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BreakerConfig;
    use crate::call::Interaction;

    static OP: OperationInfo = OperationInfo {
        service: "s.S",
        name: "op",
        interaction: Interaction::Unary,
        timeout: Some(Duration::from_millis(20)),
        idempotent: false,
        auth: crate::auth::Requirement::None,
    };

    fn test_labels<T>(_: &Result<T, CallError>) -> Made {
        Made::Rpc(crate::metrics::RpcLabels {
            rpc_system: "test",
            rpc_service: "s.S",
            rpc_method: "op",
            rpc_grpc_status_code: 0,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_bound_fails_fast_and_a_slow_exchange_times_out() {
        let caller = Caller::new(ProxyConfig {
            max_outstanding: 1,
            breaker: None,
            ..ProxyConfig::default()
        });
        let context = Context::new();
        let call = caller.outgoing(&OP, &context);
        assert_eq!(
            call.deadline_to_send(),
            None,
            "a default deadline does not travel"
        );
        let held = caller.admit().unwrap();
        let refused = caller.run(
            &call,
            "test",
            async { Ok(()) },
            |_| Outcome::Ok,
            test_labels,
        );
        assert_eq!(refused.await, Err(CallError::Overloaded));
        drop(held);
        let slow = caller.run(
            &call,
            "test",
            async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(())
            },
            |_| Outcome::Ok,
            test_labels,
        );
        assert_eq!(slow.await, Err(CallError::Timeout));
        assert_eq!(caller.resilience().available(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn remote_failures_open_the_breaker() {
        let caller = Caller::new(ProxyConfig {
            breaker: Some(BreakerConfig {
                failure_threshold: 2,
                cool_down: Duration::from_secs(60),
            }),
            ..ProxyConfig::default()
        });
        let context = Context::new();
        let call = caller.outgoing(&OP, &context);
        for _ in 0..2 {
            let failed = caller.run(
                &call,
                "test",
                async { Err::<(), _>(CallError::Connect("refused".into())) },
                |_| Outcome::Ok,
                test_labels,
            );
            assert!(matches!(failed.await, Err(CallError::Connect(_))));
        }
        let refused = caller.run(
            &call,
            "test",
            async { Ok(()) },
            |_| Outcome::Ok,
            test_labels,
        );
        assert_eq!(refused.await, Err(CallError::CircuitOpen));
    }

    #[tokio::test]
    async fn with_metrics_every_call_is_recorded_once_under_the_transports_labels() {
        let metrics = crate::metrics::Metrics::new();
        let caller = Caller::new(ProxyConfig {
            metrics: Some(metrics.clone()),
            max_outstanding: 1,
            ..ProxyConfig::default()
        });
        let context = Context::new();
        let call = caller.outgoing(&OP, &context);
        for _ in 0..2 {
            let ran = caller.run(
                &call,
                "grpc",
                async { Ok(()) },
                |_| Outcome::Ok,
                test_labels,
            );
            assert_eq!(ran.await, Ok(()));
        }
        let held = caller.admit().unwrap();
        let refused = caller.run(
            &call,
            "grpc",
            async { Ok(()) },
            |_| Outcome::Ok,
            test_labels,
        );
        assert_eq!(refused.await, Err(CallError::Overloaded));
        drop(held);
        let text = metrics.encode();
        let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
        let family = &exposition.families["rpc_client_call_duration_seconds"];
        let counts: Vec<_> = family
            .iter_samples()
            .map(|sample| match &sample.value {
                openmetrics_parser::OpenMetricsValue::Histogram(h) => h.count,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(counts, [Some(3)], "refused calls count too: {text}");
        let in_flight = &exposition.families["accord_in_flight_requests"];
        let client_grpc = in_flight.iter_samples().find(|sample| {
            let labels = sample.get_labelset().unwrap();
            labels.get_label_value("side") == Some("client")
                && labels.get_label_value("transport") == Some("grpc")
        });
        let value = match &client_grpc.unwrap().value {
            openmetrics_parser::OpenMetricsValue::Gauge(g) => g.as_f64(),
            other => panic!("{other:?}"),
        };
        assert_eq!(value, 0.0, "every call left");
    }

    #[test]
    fn credentials_in_a_context_do_not_leave_by_default() {
        let mut context = Context::new();
        for (name, value) in [
            ("authorization", "Bearer t"),
            ("cookie", "s=1"),
            ("x-tenant", "a"),
        ] {
            context.metadata.insert(name.into(), value.into());
        }
        let caller = Caller::new(ProxyConfig::default());
        let sent: Vec<_> = caller.metadata(&context).collect();
        assert_eq!(sent, [("x-tenant", "a")]);
        let explicit = ProxyConfig {
            metadata: MetadataPolicy::default().allow("authorization"),
            ..ProxyConfig::default()
        };
        let caller = Caller::new(explicit);
        let sent: Vec<_> = caller.metadata(&context).collect();
        assert_eq!(sent, [("authorization", "Bearer t"), ("x-tenant", "a")]);
    }
}
