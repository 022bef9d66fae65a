//! The names of the propagation headers (REST) and metadata keys (gRPC) every transport that
//! frames calls in HTTP shares (`docs/wire.md`), written once.

/// `Accord-Error`: the qualified name of the declared error a failed call carries.
pub const ACCORD_ERROR: &str = "accord-error";
/// `Accord-Deadline-Ms`: the caller's remaining budget in milliseconds (REST; gRPC sends its
/// own `grpc-timeout`).
pub const ACCORD_DEADLINE_MS: &str = "accord-deadline-ms";
/// `X-Correlation-Id`: the call's correlation id, when it is not the trace id.
pub const CORRELATION_ID: &str = "x-correlation-id";
/// W3C `traceparent`.
pub const TRACEPARENT: &str = "traceparent";

/// The same names as `HeaderName`s built at compile time: a lookup or insert by `&str` parses
/// and validates the name on every call (it showed in the REST bench's instruction counts).
#[cfg(any(feature = "rest", feature = "grpc"))]
pub(crate) mod names {
    use http::HeaderName;

    pub const ACCORD_ERROR: HeaderName = HeaderName::from_static(super::ACCORD_ERROR);
    #[cfg(feature = "rest")]
    pub const ACCORD_DEADLINE_MS: HeaderName = HeaderName::from_static(super::ACCORD_DEADLINE_MS);
    pub const CORRELATION_ID: HeaderName = HeaderName::from_static(super::CORRELATION_ID);
    pub const TRACEPARENT: HeaderName = HeaderName::from_static(super::TRACEPARENT);
}
