//! The call core: what every transport runs around a call, written once.
//!
//! - [`OperationInfo`]: what the core knows of an operation (service, name, interaction,
//!   timeout, idempotency); a transport's binding (a REST route, a gRPC method, a channel)
//!   points at it.
//! - [`inbound`]: the server side. From the propagation data a transport read off its framing
//!   ([`inbound::Incoming`]) to the handler's [`Context`](crate::Context) (deadline, trace,
//!   correlation id, allowed metadata), the call's span, the handler run under the deadline,
//!   and the outcome recorded.
//! - [`outbound`]: the client side. [`outbound::Caller`] holds a proxy's settings and
//!   resilience; each call gets its deadline and trace ([`outbound::Outgoing`]), passes the
//!   outstanding bound and the circuit breaker, runs the transport's exchange under its
//!   deadline in a span, and reports its outcome.
//! - [`MetadataPolicy`]: which metadata crosses a process boundary, in and out; credentials
//!   never do unless named.
//! - What every transport's client shares ([`ClientConfigError`], the proxy's credentials, the
//!   body of a generated proxy) and the propagation header names ([`headers`]).
//!
//! Transports supply framing only: how metadata, payloads and statuses travel. They depend on
//! this module, never the reverse.

pub mod balanced;
#[cfg(any(feature = "rest", feature = "grpc"))]
mod client;
pub mod fallback;
pub mod headers;
pub mod inbound;
mod metadata;
pub mod outbound;
pub mod retry;

#[cfg(any(feature = "rest", feature = "grpc"))]
pub use client::ClientConfigError;
#[cfg(any(feature = "rest", feature = "grpc"))]
pub(crate) use client::Credentials;
pub use metadata::MetadataPolicy;

use std::time::Duration;

/// The largest request a server takes by default, on every transport: a REST body
/// (`rest::server::ServerConfig::body_limit`, else `413`), a gRPC message
/// (`grpc::server::ServerConfig::max_message_size`, each way, else `RESOURCE_EXHAUSTED`) and a
/// message payload on a channel. One limit, so an input one transport takes is taken by all:
/// 1 MiB, NATS's default `max_payload`, so whatever a service accepts can also be relayed
/// over NATS. Each server's config changes it for that server.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// What the core knows about one operation, the same for every transport; generated as a
/// `static` per operation.
#[derive(Debug, Clone)]
pub struct OperationInfo {
    /// The service's qualified name (`ftgo.order.OrderService`).
    pub service: &'static str,
    /// The operation's name (`create_order`).
    pub name: &'static str,
    /// How the call's messages flow.
    pub interaction: Interaction,
    /// `@timeout`: the default deadline a proxy gives the call.
    pub timeout: Option<Duration>,
    /// Safe to retry: a proxy retries it once after a connection failure.
    pub idempotent: bool,
    /// Who may call it (`@auth`, `@scopes`): every transport's skeleton checks it with
    /// [`inbound::authorize`] before the handler runs.
    pub auth: crate::auth::Requirement,
}

/// How the messages of a call flow (the five interaction styles and the streaming shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    /// One request, one reply (synchronous, or asynchronous over a channel).
    Unary,
    /// One request, a stream of replies.
    ServerStream,
    /// A stream of requests, one reply.
    ClientStream,
    /// Streams both ways.
    BidiStream,
    /// One-way: no reply is expected or sent.
    Notify,
    /// Publish/async responses: one request to every subscriber, the replies that arrive
    /// within a window.
    Collect,
}

/// How a call ended, in the words every transport's span and metrics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The operation succeeded.
    Ok,
    /// The operation ended with one of its declared errors.
    DeclaredError,
    /// The call was refused before the handler ran (bad input, unknown route).
    Rejected,
    /// The call failed: a timeout, a transport failure, an internal error.
    Failed(&'static str),
}

impl Outcome {
    /// The label recorded on the call's span.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::DeclaredError => "declared_error",
            Outcome::Rejected => "rejected",
            Outcome::Failed(what) => what,
        }
    }

    /// The outcome of a call that failed with `error` (client side).
    pub fn of_failure(error: &crate::CallError) -> Outcome {
        use crate::CallError;
        Outcome::Failed(match error {
            CallError::Timeout => "timeout",
            CallError::Overloaded => "overloaded",
            CallError::CircuitOpen => "circuit_open",
            CallError::Unsupported { .. } => "unsupported",
            CallError::Status(_) => "failed",
            CallError::Decode(_) => "decode_failed",
            CallError::Connect(_) => "connect_failed",
            CallError::Internal(_) => "internal",
        })
    }
}
