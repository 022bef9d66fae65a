//! The server side of the call core. A transport reads its framing into [`Incoming`], and the
//! core makes the rest: the handler's [`Context`], the caller's authorization ([`authorize`],
//! before the input is read), the call's span, the deadline around the handler, and the outcome
//! on the span.
//!
//! ```ignore
//! let incoming = Incoming { deadline, traceparent, correlation_id, metadata, extensions };
//! let (context, echo) = incoming.into_context(started);
//! let span = inbound::span(&OP, "rest", &context);
//! let reply = inbound::run_until(context.deadline, handler(Request::from_parts(context, input)));
//! // ... then `inbound::record(&span, outcome, started)` once the transport has its answer.
//! ```

use super::{OperationInfo, Outcome};
use crate::CallError;
use crate::auth::{AuthError, Authenticator};
use crate::context::{Context, deadline_after};
use crate::deadline::within;
use crate::metrics::{InFlight, Metrics, Served, Side};
use crate::trace::TraceParent;
use futures::FutureExt as _;
use futures::future::Either;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// What a transport read off a call's framing that the core interprets.
#[derive(Debug, Default)]
pub struct Incoming<'a> {
    /// The caller's remaining budget, when it sent one.
    pub deadline: Option<Duration>,
    /// The caller's W3C `traceparent`, as received.
    pub traceparent: Option<&'a [u8]>,
    /// The caller's correlation id, when it sent a non-empty one. One that is not a valid
    /// id ([`valid_correlation_id`]) is dropped by the core, as if none had come.
    pub correlation_id: Option<&'a str>,
    /// The caller's metadata that the server's [`MetadataPolicy`](super::MetadataPolicy)
    /// allows, names in lower case.
    pub metadata: BTreeMap<String, String>,
    /// Transport extensions (the peer's address, ...).
    pub extensions: http::Extensions,
}

/// Which correlation id the answer carries back (see `docs/wire.md`): only one the caller
/// cannot know already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Echo {
    /// None: the caller's trace id is the correlation id, and the caller knows it.
    Nothing,
    /// The id the caller sent, echoed.
    Received,
    /// The id this server chose, which the caller cannot know: the trace id of the trace it
    /// started (no valid `traceparent` came), or of the caller's trace when the caller's
    /// correlation id was refused ([`valid_correlation_id`]).
    Started(String),
}

/// The longest correlation id a server takes from a caller, in bytes.
pub const MAX_CORRELATION_ID_BYTES: usize = 128;

/// Whether a caller's correlation id is taken: 1 to [`MAX_CORRELATION_ID_BYTES`] bytes of
/// visible ASCII (`!` to `~`, no spaces or controls), so it is echoed, logged and forwarded as
/// it came on every transport. Any other is dropped and the call's trace id stands for it
/// (`docs/wire.md`, "Correlation id").
pub fn valid_correlation_id(id: &str) -> bool {
    (1..=MAX_CORRELATION_ID_BYTES).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A caller's remaining budget as `Accord-Deadline-Ms` carries it: whole milliseconds in
/// decimal digits (surrounding blanks ignored). `0`, or a negative number, is a budget spent
/// already: the call ends with `DEADLINE_EXCEEDED` before its handler runs. A number too
/// large for 64 bits is the longest budget. Anything else is malformed (`Err`), which the
/// transport refuses as invalid input rather than run the call without the caller's deadline.
pub fn budget_of_millis(text: &[u8]) -> Result<Duration, MalformedDeadline> {
    let text = text.trim_ascii();
    let (negative, digits) = match text.split_first() {
        Some((b'-', digits)) => (true, digits),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(MalformedDeadline);
    }
    if negative {
        return Ok(Duration::ZERO);
    }
    let millis = digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    Ok(Duration::from_millis(millis.unwrap_or(u64::MAX)))
}

/// A deadline header that is not a number of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedDeadline;

impl std::fmt::Display for MalformedDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the deadline is not a whole number of milliseconds")
    }
}

impl std::error::Error for MalformedDeadline {}

impl Incoming<'_> {
    /// The handler's context, counting the deadline from `started` (when the call arrived),
    /// and what the answer echoes. Without an id from the caller the context holds none: the
    /// trace id stands for it (`Context::correlation`), which spares formatting it per call.
    pub fn into_context(self, started: Instant) -> (Context, Echo) {
        let received = self.correlation_id.is_some();
        let (context, continued) = self.build(started);
        let taken = context.correlation_id.is_some();
        let echo = match (taken, received || !continued, context.trace) {
            (true, _, _) => Echo::Received,
            // The caller cannot know the id in force: none came with its trace, or its own
            // was refused.
            (false, true, Some(trace)) => Echo::Started(trace.trace_id_hex()),
            _ => Echo::Nothing,
        };
        (context, echo)
    }

    /// The handler's context alone, for a transport that echoes nothing back (messaging: a
    /// reply's `correlation_id` is the request's `message_id`).
    pub fn context(self, started: Instant) -> Context {
        self.build(started).0
    }

    /// The context, and whether it continues the caller's trace.
    fn build(self, started: Instant) -> (Context, bool) {
        let deadline = self.deadline.map(|left| deadline_after(started, left));
        let continued = self.traceparent.and_then(TraceParent::parse_bytes);
        let trace = continued.map_or_else(TraceParent::new_root, |t| t.child());
        let context = Context {
            deadline,
            correlation_id: self
                .correlation_id
                .filter(|id| valid_correlation_id(id))
                .map(str::to_owned),
            trace: Some(trace),
            metadata: self.metadata,
            extensions: self.extensions,
            principal: None,
        };
        (context, continued.is_some())
    }
}

/// `work` under the call's deadline, if it has one. A plain function (an `async fn` would keep
/// its own copy of `work` beside the deadline's); a timer is taken only with a deadline. A
/// deadline passed already (a caller's budget of `0`) is a timeout without polling `work`: the
/// handler never runs for a caller who has stopped waiting.
pub fn run_until<F: Future>(
    deadline: Option<Instant>,
    work: F,
) -> impl Future<Output = Result<F::Output, CallError>> {
    match deadline {
        Some(deadline) if deadline <= Instant::now() => Either::Left(Either::Left(
            futures::future::ready(Err(CallError::Timeout)),
        )),
        Some(deadline) => Either::Left(Either::Right(within(deadline, work.map(Ok)))),
        None => Either::Right(work.map(Ok)),
    }
}

/// The span of one served call: `accord.call` with side, transport, service, operation and the
/// ids; outcome and latency are recorded by [`record`].
pub fn span(op: &OperationInfo, transport: &'static str, context: &Context) -> tracing::Span {
    let span = tracing::info_span!(
        "accord.call",
        side = "server",
        transport,
        service = op.service,
        operation = op.name,
        trace_id = tracing::field::Empty,
        correlation_id = context.correlation_id.as_deref().unwrap_or_default(),
        outcome = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    // Formatting the trace id costs an allocation: only when someone listens.
    if let Some(trace) = context.trace.filter(|_| !span.is_disabled()) {
        span.record("trace_id", trace.trace_id_hex());
    }
    span
}

/// Records how a served call ended (`status` is the transport's own code, for the event).
pub fn record(span: &tracing::Span, outcome: Outcome, status: u16, started: Instant) {
    // Nobody listens: skip the clock read.
    if span.is_disabled() && !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let outcome = outcome.label();
    let latency = started.elapsed().as_secs_f64() * 1e3;
    span.record("outcome", outcome);
    span.record("latency_ms", latency);
    span.in_scope(|| tracing::info!(status, outcome, latency_ms = latency, "call finished"));
}

/// The metrics step, first: the call counts in `accord_in_flight_requests` until the guard
/// drops (nothing without metrics).
pub fn in_flight(metrics: Option<&Metrics>, transport: &'static str) -> Option<InFlight> {
    metrics.map(|m| m.in_flight(Side::Server, transport))
}

/// The metrics step, last: the call's duration under the labels its transport gives (the
/// route template and status, the gRPC method and code, the channel). Without metrics it
/// costs a branch.
pub fn observe(metrics: Option<&Metrics>, call: Served, started: Instant) {
    if let Some(metrics) = metrics {
        metrics.served(call, started.elapsed().as_secs_f64());
    }
}

/// The auth step of the pipeline: the credential the operation's requirement asks for (read by
/// the transport with `header`, a lookup of its metadata by name, ignoring case), checked by the
/// server's authenticator; the verified principal goes into the context. A refusal is
/// answered before the input is read, and the handler never runs.
pub fn authorize<'a>(
    op: &OperationInfo,
    header: impl FnOnce(&str) -> Option<&'a str>,
    authenticator: Option<&dyn Authenticator>,
    context: &mut Context,
) -> Result<(), AuthError> {
    // The transport's lookup ignores case, as header and metadata names do.
    let credential = op.auth.credential(header);
    let principal = crate::auth::authorize(&op.auth, credential, authenticator)?;
    context.principal = principal.map(std::sync::Arc::new);
    Ok(())
}

/// Logs an internal failure a handler ended with, or a failed call to another service it
/// passed on: the caller sees none of their details (in the call's span, so with its
/// correlation id).
pub fn log_internal(error: &CallError) {
    if let CallError::Internal(detail) = error {
        tracing::error!(%detail, "internal error");
    } else if let Some(upstream) = error.upstream() {
        tracing::warn!(kind = upstream.name(), %error, "a call to another service failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_continues_the_callers_trace_and_echoes_only_what_it_cannot_know() {
        let started = Instant::now();
        let parent = TraceParent::new_root();
        let header = parent.to_header();
        let incoming = Incoming {
            deadline: Some(Duration::from_millis(250)),
            traceparent: Some(header.as_bytes()),
            ..Incoming::default()
        };
        let (context, echo) = incoming.into_context(started);
        assert_eq!(echo, Echo::Nothing);
        assert_eq!(context.deadline, Some(started + Duration::from_millis(250)));
        assert_eq!(context.trace.unwrap().trace_id_hex(), parent.trace_id_hex());
        assert_eq!(context.correlation(), Some(parent.trace_id_hex().into()));

        let incoming = Incoming {
            correlation_id: Some("c-1"),
            ..Incoming::default()
        };
        let (context, echo) = incoming.into_context(started);
        assert_eq!(
            (echo, context.correlation_id.as_deref()),
            (Echo::Received, Some("c-1"))
        );

        let (context, echo) = Incoming::default().into_context(started);
        let started_trace = context.trace.unwrap().trace_id_hex();
        assert_eq!(echo, Echo::Started(started_trace));
    }

    #[test]
    fn a_correlation_id_that_is_too_long_or_not_visible_ascii_is_replaced_and_told() {
        let started = Instant::now();
        let parent = TraceParent::new_root();
        let header = parent.to_header();
        let longest = "c".repeat(MAX_CORRELATION_ID_BYTES);
        let too_long = "c".repeat(MAX_CORRELATION_ID_BYTES + 1);
        for good in ["c-1", "x", "A~!{}", longest.as_str()] {
            let incoming = Incoming {
                traceparent: Some(header.as_bytes()),
                correlation_id: Some(good),
                ..Incoming::default()
            };
            let (context, echo) = incoming.into_context(started);
            assert_eq!(context.correlation_id.as_deref(), Some(good));
            assert_eq!(echo, Echo::Received);
        }
        for bad in [
            too_long.as_str(),
            "a b",
            "tab\there",
            "caf\u{e9}",
            "nl\n",
            "\u{7f}",
        ] {
            // With the caller's trace: its trace id is the id, and the answer says so.
            let incoming = Incoming {
                traceparent: Some(header.as_bytes()),
                correlation_id: Some(bad),
                ..Incoming::default()
            };
            let (context, echo) = incoming.into_context(started);
            assert_eq!(context.correlation_id, None, "{bad:?}");
            assert_eq!(
                context.correlation().as_deref(),
                Some(&*parent.trace_id_hex())
            );
            assert_eq!(echo, Echo::Started(parent.trace_id_hex()), "{bad:?}");
            // Without one: the trace it starts.
            let incoming = Incoming {
                correlation_id: Some(bad),
                ..Incoming::default()
            };
            let (context, echo) = incoming.into_context(started);
            let trace = context.trace.unwrap().trace_id_hex();
            assert_eq!((context.correlation_id, echo), (None, Echo::Started(trace)));
            // A transport that echoes nothing (messaging) drops it too.
            let incoming = Incoming {
                correlation_id: Some(bad),
                ..Incoming::default()
            };
            assert_eq!(incoming.context(started).correlation_id, None);
        }
    }

    #[test]
    fn deadline_headers_are_milliseconds_and_zero_or_negative_is_spent() {
        let ms = Duration::from_millis;
        for (text, budget) in [
            ("250", ms(250)),
            (" 7 ", ms(7)),
            ("0", Duration::ZERO),
            ("-5", Duration::ZERO),
            ("99999999999999999999999", ms(u64::MAX)),
        ] {
            assert_eq!(budget_of_millis(text.as_bytes()), Ok(budget), "{text:?}");
        }
        for bad in ["", "-", "+5", "1.5", "5ms", "0x10", "--5", "1 2", "\u{661}"] {
            assert_eq!(
                budget_of_millis(bad.as_bytes()),
                Err(MalformedDeadline),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_spent_deadline_times_out_without_running_the_work() {
        let ran = std::cell::Cell::new(false);
        let work = async { ran.set(true) };
        let now = Instant::now();
        assert_eq!(run_until(Some(now), work).await, Err(CallError::Timeout));
        assert!(!ran.get(), "the handler of a spent deadline never runs");
        let later = now + Duration::from_secs(5);
        assert_eq!(run_until(Some(later), async { 7 }).await, Ok(7));
        assert_eq!(run_until(None, async { 8 }).await, Ok(8));
    }
}
