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
    /// The caller's correlation id, when it sent a non-empty one.
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
    /// The trace id of the trace this server started (no valid `traceparent` came).
    Started(String),
}

impl Incoming<'_> {
    /// The handler's context, counting the deadline from `started` (when the call arrived),
    /// and what the answer echoes. Without an id from the caller the context holds none: the
    /// trace id stands for it (`Context::correlation`), which spares formatting it per call.
    pub fn into_context(self, started: Instant) -> (Context, Echo) {
        let received = self.correlation_id.is_some();
        let (context, continued) = self.build(started);
        let echo = match (received, continued, context.trace) {
            (true, _, _) => Echo::Received,
            (false, false, Some(trace)) => Echo::Started(trace.trace_id_hex()),
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
            correlation_id: self.correlation_id.map(str::to_owned),
            trace: Some(trace),
            metadata: self.metadata,
            extensions: self.extensions,
            principal: None,
        };
        (context, continued.is_some())
    }
}

/// `work` under the call's deadline, if it has one. A plain function (an `async fn` would keep
/// its own copy of `work` beside the deadline's); a timer is taken only with a deadline.
pub fn run_until<F: Future>(
    deadline: Option<Instant>,
    work: F,
) -> impl Future<Output = Result<F::Output, CallError>> {
    match deadline {
        Some(deadline) => Either::Left(within(deadline, work.map(Ok))),
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
}
