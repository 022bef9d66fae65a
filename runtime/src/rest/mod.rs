//! The REST transport (feature `rest`): [`server`] glue for axum skeletons, [`client`] glue for
//! reqwest proxies, and what both share: the [`Operation`] descriptor, header names and the
//! text form of path, query and header values ([`ParamValue`]).

pub mod client;
pub mod server;
mod sse;

/// `Accord-Error`: the qualified name of the declared error in a response.
pub const ACCORD_ERROR: &str = "accord-error";
/// `Accord-Deadline-Ms`: the caller's remaining budget in milliseconds.
pub const ACCORD_DEADLINE_MS: &str = "accord-deadline-ms";
/// `X-Correlation-Id`.
pub const CORRELATION_ID: &str = "x-correlation-id";
/// W3C `traceparent`.
pub const TRACEPARENT: &str = "traceparent";

/// The same names as `HeaderName`s built at compile time: a lookup or insert by `&str` parses
/// and validates the name on every call (it showed in the REST bench's instruction counts).
pub(crate) mod header_names {
    use http::HeaderName;

    pub const ACCORD_ERROR: HeaderName = HeaderName::from_static(super::ACCORD_ERROR);
    pub const ACCORD_DEADLINE_MS: HeaderName = HeaderName::from_static(super::ACCORD_DEADLINE_MS);
    pub const CORRELATION_ID: HeaderName = HeaderName::from_static(super::CORRELATION_ID);
    pub const TRACEPARENT: HeaderName = HeaderName::from_static(super::TRACEPARENT);
}

/// What the runtime needs to know about one operation bound to REST; generated as a `static`.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The service's qualified name (`ftgo.order.OrderService`).
    pub service: &'static str,
    /// The operation's name (`create_order`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template with `{field}` placeholders (`/orders/{order_id}`).
    pub path: &'static str,
    /// `@timeout`: the operation's default deadline.
    pub timeout: Option<std::time::Duration>,
    /// Safe to retry: the proxy retries it once after a connection failure.
    pub idempotent: bool,
}

pub use crate::param::ParamValue;
