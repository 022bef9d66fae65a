//! The call shape shared by every transport: a [`Context`] plus the operation's input.

use crate::trace::TraceParent;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What travels with a call besides its input, the same for every transport.
///
/// Servers fill it from the incoming request (deadline from `Accord-Deadline-Ms`, correlation id,
/// trace context, other headers as metadata, the peer address in `extensions`); proxies turn it
/// back into headers. Use [`Context::child`] to pass deadline, correlation and trace on to the
/// calls a handler makes.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// When the caller stops waiting; it travels to the server (`Accord-Deadline-Ms`), and a
    /// server fills it from there. `None`: the proxy applies the operation's `@timeout` or its
    /// configured default, which guard this caller only and do not travel.
    pub deadline: Option<Instant>,
    /// The id set to tie together every call made on behalf of one piece of work
    /// (`X-Correlation-Id`), when one was set: by this caller, or by an upstream caller (a
    /// server fills it from the header). Without one, a call's correlation id is its trace
    /// id, which nobody needs to store or send: read [`Context::correlation`] for the id that
    /// applies.
    pub correlation_id: Option<String>,
    /// W3C trace context of the current call (`traceparent`).
    pub trace: Option<TraceParent>,
    /// String headers, keys in lower case.
    pub metadata: BTreeMap<String, String>,
    /// Transport extensions, such as the peer's `SocketAddr` on a REST server.
    pub extensions: http::Extensions,
    /// The caller the server verified (`@auth`): subject, scopes and claims. Never sent on:
    /// a downstream call authenticates with its proxy's own credentials.
    pub principal: Option<std::sync::Arc<crate::auth::Principal>>,
}

impl Context {
    /// An empty context: no deadline, no correlation id, no trace, no metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// The context for a downstream call: same deadline, correlation id and trace, nothing else.
    pub fn child(&self) -> Self {
        Context {
            deadline: self.deadline,
            correlation_id: self.correlation_id.clone(),
            trace: self.trace,
            ..Context::default()
        }
    }

    /// The call's correlation id: the one set, else the trace id (32 lower-case hex digits),
    /// `None` without either (a caller's fresh context, before its proxy starts a trace).
    pub fn correlation(&self) -> Option<Cow<'_, str>> {
        match (&self.correlation_id, &self.trace) {
            (Some(id), _) => Some(Cow::Borrowed(id)),
            (None, Some(trace)) => Some(Cow::Owned(trace.trace_id_hex())),
            (None, None) => None,
        }
    }

    /// Time left before the deadline (zero once passed), `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// A metadata value by (case-insensitive) name.
    pub fn metadata(&self, name: &str) -> Option<&str> {
        self.metadata
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// One call: its [`Context`] and its input. `input.into()` makes one with a default context.
#[derive(Debug, Clone, Default)]
pub struct Request<T> {
    /// Deadline, correlation id, trace, metadata and extensions.
    pub context: Context,
    /// The operation's input.
    pub input: T,
}

impl<T> Request<T> {
    /// A request with an empty context.
    pub fn new(input: T) -> Self {
        Request {
            context: Context::default(),
            input,
        }
    }

    /// A request from a context and an input.
    pub fn from_parts(context: Context, input: T) -> Self {
        Request { context, input }
    }

    /// Splits into context and input.
    pub fn into_parts(self) -> (Context, T) {
        (self.context, self.input)
    }

    /// The input, dropping the context.
    pub fn into_input(self) -> T {
        self.input
    }

    /// Replaces the context (for example with [`Context::child`] of the incoming call).
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Sets the deadline to `timeout` from now.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        self.with_deadline(deadline_after(Instant::now(), timeout))
    }

    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.context.deadline = Some(deadline);
        self
    }

    /// Sets the correlation id.
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.context.correlation_id = Some(id.into());
        self
    }

    /// Adds a metadata entry (the name is stored in lower case).
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into().to_ascii_lowercase();
        self.context.metadata.insert(name, value.into());
        self
    }
}

impl<T> From<T> for Request<T> {
    fn from(input: T) -> Self {
        Request::new(input)
    }
}

/// `start + timeout`, saturating at a year instead of overflowing `Instant` on absurd inputs.
pub(crate) fn deadline_after(start: Instant, timeout: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    start + timeout.min(YEAR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_the_context() {
        let r: Request<u32> = 7.into();
        assert!(r.context.deadline.is_none());
        let r = r
            .with_timeout(Duration::from_secs(5))
            .with_correlation_id("c-1")
            .with_metadata("X-Tenant", "acme");
        let left = r.context.remaining().unwrap();
        assert!(left <= Duration::from_secs(5) && left > Duration::from_secs(4));
        assert_eq!(r.context.metadata("x-tenant"), Some("acme"));
        let child = r.context.child();
        assert_eq!(child.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(child.correlation().as_deref(), Some("c-1"));
        assert!(child.metadata.is_empty());
        let (ctx, input) = r.into_parts();
        assert_eq!((ctx.deadline, input), (child.deadline, 7));
        let far = Request::new(()).with_timeout(Duration::MAX);
        assert!(far.context.remaining().unwrap() > Duration::from_secs(3600));
    }

    #[test]
    fn without_an_id_set_the_trace_id_correlates() {
        let mut context = Context::new();
        assert_eq!(context.correlation(), None);
        let trace = TraceParent::new_root();
        context.trace = Some(trace);
        assert_eq!(
            context.correlation().as_deref(),
            Some(&*trace.trace_id_hex())
        );
        assert_eq!(
            context.child().correlation(),
            context.correlation(),
            "a downstream call keeps the trace, so the id"
        );
        context.correlation_id = Some("c-2".into());
        assert_eq!(context.correlation().as_deref(), Some("c-2"));
    }
}
