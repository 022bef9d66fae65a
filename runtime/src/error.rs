//! Call failures: [`CallError`] for transport and internal failures, [`ServiceError`] for the
//! generated per-service enums that add the declared errors.

use crate::problem::Problem;
use std::fmt;

/// A failure that is not one of the operation's declared errors. Every generated service error
/// enum has a case carrying one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// The deadline passed before the call completed.
    Timeout,
    /// The proxy's bound on outstanding requests was full; the call was not sent.
    Overloaded,
    /// The circuit breaker is open after repeated failures; the call was not sent.
    CircuitOpen,
    /// The operation is not available over this transport.
    Unsupported {
        /// `Service.operation`.
        operation: String,
    },
    /// The server answered with a status that is neither success nor a declared error.
    Status {
        /// The HTTP status.
        status: u16,
        /// The decoded problem body (synthesised when the body was not a problem); boxed to
        /// keep `Result<T, CallError>` small.
        problem: Box<Problem>,
    },
    /// A message could not be decoded (malformed reply, unexpected shape).
    Decode(String),
    /// The server could not be reached or the connection failed.
    Connect(String),
    /// A bug or an unexpected state; servers never show the details to the caller.
    Internal(String),
}

impl CallError {
    /// The HTTP status a server answers with when a handler fails with this error.
    pub fn http_status(&self) -> u16 {
        match self {
            CallError::Timeout => 504,
            CallError::Overloaded | CallError::CircuitOpen => 503,
            CallError::Unsupported { .. } => 501,
            CallError::Status { status, .. } => *status,
            CallError::Decode(_) | CallError::Connect(_) => 502,
            CallError::Internal(_) => 500,
        }
    }

    /// The problem body a server sends for this error. Internal details never leak.
    pub fn to_problem(&self) -> Problem {
        match self {
            CallError::Status { problem, .. } => (**problem).clone(),
            CallError::Internal(_) => Problem::new(500).with_detail("internal error"),
            other => Problem::new(other.http_status()).with_detail(other.to_string()),
        }
    }

    /// Whether this failure says something about the remote's health, so the circuit breaker
    /// counts it: timeouts, connection failures and 5xx statuses.
    pub fn is_remote_failure(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Connect(_) => true,
            CallError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("deadline exceeded"),
            CallError::Overloaded => f.write_str("too many outstanding requests"),
            CallError::CircuitOpen => f.write_str("circuit breaker open"),
            CallError::Unsupported { operation } => {
                write!(
                    f,
                    "operation {operation} is not available over this transport"
                )
            }
            CallError::Status { problem, .. } => write!(f, "unexpected status: {problem}"),
            CallError::Decode(m) => write!(f, "decode error: {m}"),
            CallError::Connect(m) => write!(f, "connection error: {m}"),
            CallError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

/// How a server sends one error value.
#[derive(Debug)]
pub enum ErrorEncoding {
    /// A declared error: its `@status`, qualified name (`Accord-Error`) and JSON body.
    Declared {
        /// The error's `@status`.
        status: u16,
        /// `<package>.<ErrorName>`.
        name: &'static str,
        /// The error value as JSON.
        body: serde_json::Value,
    },
    /// A transport or internal failure: answered with a problem body.
    Call(CallError),
}

impl ErrorEncoding {
    /// Encodes a declared error value; a value that cannot be serialized becomes an internal error.
    pub fn declared<T: serde::Serialize>(status: u16, name: &'static str, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(body) => ErrorEncoding::Declared { status, name, body },
            Err(e) => ErrorEncoding::Call(CallError::Internal(format!("encoding {name}: {e}"))),
        }
    }
}

/// Implemented by each generated service error enum (declared errors plus a `CallError` case),
/// so transports can map it both ways.
///
/// ```ignore
/// impl accord::ServiceError for OrderServiceError {
///     fn encode(self) -> ErrorEncoding {
///         match self {
///             Self::OrderNotFound(e) => ErrorEncoding::declared(404, "ftgo.order.OrderNotFound", &e),
///             Self::Call(e) => ErrorEncoding::Call(e),
///         }
///     }
///     fn decode(name: &str, body: &[u8]) -> Option<Result<Self, CallError>> {
///         match name {
///             "ftgo.order.OrderNotFound" => Some(decode_declared(body).map(Self::OrderNotFound)),
///             _ => None,
///         }
///     }
/// }
/// ```
pub trait ServiceError: From<CallError> + Send + 'static {
    /// Server side: how to answer with this error.
    fn encode(self) -> ErrorEncoding;

    /// Client side: the declared error named `name` (the `Accord-Error` header) decoded from
    /// its JSON `body`; `None` when `name` is not one of this service's errors.
    fn decode(name: &str, body: &[u8]) -> Option<Result<Self, CallError>>;
}

/// Decodes a declared error's JSON body; a malformed body is a [`CallError::Decode`].
pub fn decode_declared<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, CallError> {
    serde_json::from_slice(body).map_err(|e| CallError::Decode(e.to_string()))
}

/// The service error enum of an operation that declares no errors needs only this case; it is
/// also the enum used by runtime tests.
impl ServiceError for CallError {
    fn encode(self) -> ErrorEncoding {
        ErrorEncoding::Call(self)
    }

    fn decode(_: &str, _: &[u8]) -> Option<Result<Self, CallError>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_statuses_without_leaking_internals() {
        assert_eq!(CallError::Timeout.http_status(), 504);
        assert_eq!(CallError::Overloaded.http_status(), 503);
        let p = CallError::Internal("db password wrong".into()).to_problem();
        assert_eq!(p.status, 500);
        assert!(!serde_json::to_string(&p).unwrap().contains("password"));
        assert!(CallError::Timeout.is_remote_failure());
        assert!(!CallError::Overloaded.is_remote_failure());
        let status = |s| CallError::Status {
            status: s,
            problem: Box::new(Problem::new(s)),
        };
        assert!(status(503).is_remote_failure() && !status(404).is_remote_failure());
        assert_eq!(status(404).to_string(), "unexpected status: 404 Not Found");
    }
}
