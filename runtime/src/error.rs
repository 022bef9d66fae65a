//! Call failures: [`CallError`] for transport and internal failures, [`ServiceError`] for the
//! generated error enums that add the declared errors, and [`ErrorEncoding`], how a server
//! sends either. Nothing here knows a transport: a failure carries a neutral [`Status`], and a
//! declared error its name, `@status` and value, which each transport encodes in its format.

use crate::codec::{CodecError, ErasedValue, Format};
use crate::status::{Code, Status};
use std::fmt;

/// A failure that is not one of the operation's declared errors. Every generated error enum
/// has a case carrying one.
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
    /// The remote answered with a failure that is not a declared error (boxed to keep
    /// `Result<T, CallError>` small).
    Status(Box<Status>),
    /// A message could not be decoded (malformed reply, unexpected shape).
    Decode(String),
    /// The server could not be reached or the connection failed.
    Connect(String),
    /// A bug or an unexpected state; servers never show the details to the caller.
    Internal(String),
}

impl CallError {
    /// A [`CallError::Status`] with `code` and `message`.
    pub fn status(code: Code, message: impl Into<String>) -> Self {
        CallError::Status(Box::new(Status::new(code, message)))
    }

    /// The neutral code of this failure, as a server reports it to its caller.
    pub fn code(&self) -> Code {
        match self {
            CallError::Timeout => Code::DeadlineExceeded,
            CallError::Overloaded | CallError::CircuitOpen | CallError::Connect(_) => {
                Code::Unavailable
            }
            CallError::Unsupported { .. } => Code::Unimplemented,
            CallError::Status(status) => status.code,
            CallError::Decode(_) | CallError::Internal(_) => Code::Internal,
        }
    }

    /// What a server tells its caller about this failure: internal details never leak. A
    /// failure of a call this server made (another service's status, a reply that could not
    /// be read, a service that could not be reached) is the fixed message of its
    /// [`upstream`](Self::upstream) kind (`docs/wire.md`, "Failures").
    pub fn public_message(&self) -> String {
        if let Some(upstream) = self.upstream() {
            return upstream.message().to_owned();
        }
        match self {
            CallError::Status(status) => status.message.clone(),
            CallError::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }

    /// The code a server answers its caller with: [`code`](Self::code), but a failed call to
    /// another service is the code of its [`upstream`](Self::upstream) kind (another
    /// service's `NOT_FOUND` is no `NOT_FOUND` of this one's).
    pub fn public_code(&self) -> Code {
        match self.upstream() {
            Some(upstream) => upstream.code(),
            None => self.code(),
        }
    }

    /// What kind of failed call to another service this is, if it is one.
    pub fn upstream(&self) -> Option<Upstream> {
        match self {
            CallError::Connect(_) => Some(Upstream::Unreachable),
            CallError::Decode(_) => Some(Upstream::Malformed),
            CallError::Status(status) if status.remote => Some(match status.code {
                Code::Unavailable => Upstream::Unavailable,
                Code::DeadlineExceeded => Upstream::Timeout,
                _ => Upstream::Failed,
            }),
            _ => None,
        }
    }

    /// This failure as one of another service: a status is marked received
    /// ([`Status::is_remote`]).
    pub fn received(self) -> Self {
        match self {
            CallError::Status(status) => CallError::Status(Box::new(status.received())),
            other => other,
        }
    }

    /// Whether this failure says something about the remote's health, so the circuit breaker
    /// counts it: timeouts, connection failures and server faults.
    pub fn is_remote_failure(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Connect(_) => true,
            CallError::Status(status) => status.code.is_server_fault(),
            _ => false,
        }
    }
}

impl From<Status> for CallError {
    fn from(status: Status) -> Self {
        CallError::Status(Box::new(status))
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
            CallError::Status(status) => status_text(status, f),
            CallError::Decode(m) => write!(f, "decode error: {m}"),
            CallError::Connect(m) => write!(f, "connection error: {m}"),
            CallError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

/// A refusal reads as one (`unauthenticated: missing bearer token`); any other status the call
/// did not expect is named with its code.
fn status_text(status: &Status, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let refusal = match status.code {
        Code::Unauthenticated => "unauthenticated",
        Code::PermissionDenied => "permission denied",
        _ => return write!(f, "unexpected status: {status}"),
    };
    f.write_str(refusal)?;
    if !status.message.is_empty() {
        write!(f, ": {}", status.message)?;
    }
    Ok(())
}

/// The kinds of failed calls to another service, as a server tells its own caller of them:
/// a fixed message, status and code each, never the other service's words (`docs/wire.md`,
/// "Failures"; the details are logged with the call's correlation id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// It could not be reached, or the connection failed.
    Unreachable,
    /// Its reply could not be read: malformed, or over the proxy's size limit.
    Malformed,
    /// It answered `UNAVAILABLE`.
    Unavailable,
    /// It answered `DEADLINE_EXCEEDED`.
    Timeout,
    /// It answered with any other failure (or a redirect).
    Failed,
}

impl Upstream {
    /// The `code` member of the problem a REST server answers with.
    pub fn name(self) -> &'static str {
        match self {
            Upstream::Unreachable => "upstream_unreachable",
            Upstream::Malformed => "upstream_malformed",
            Upstream::Unavailable => "upstream_unavailable",
            Upstream::Timeout => "upstream_timeout",
            Upstream::Failed => "upstream_failed",
        }
    }

    /// The fixed message.
    pub fn message(self) -> &'static str {
        match self {
            Upstream::Unreachable => "a service this call depends on could not be reached",
            Upstream::Malformed => {
                "a service this call depends on sent a reply that could not be read"
            }
            Upstream::Unavailable => "a service this call depends on is unavailable",
            Upstream::Timeout => "a service this call depends on did not answer in time",
            Upstream::Failed => "a service this call depends on failed",
        }
    }

    /// The neutral code (gRPC's status).
    pub fn code(self) -> Code {
        match self {
            Upstream::Unreachable | Upstream::Unavailable => Code::Unavailable,
            Upstream::Timeout => Code::DeadlineExceeded,
            Upstream::Malformed | Upstream::Failed => Code::Internal,
        }
    }

    /// The HTTP status.
    pub fn http_status(self) -> u16 {
        match self {
            Upstream::Unavailable => 503,
            Upstream::Timeout => 504,
            Upstream::Unreachable | Upstream::Malformed | Upstream::Failed => 502,
        }
    }
}

/// A declared error on its way out: qualified name, `@status` and the value, encoded by the
/// transport in its own format.
#[derive(Debug)]
pub struct Declared {
    /// The error's `@status` (numbered as HTTP statuses are; gRPC maps it to a code).
    pub status: u16,
    /// `<package>.<ErrorName>`.
    pub name: &'static str,
    value: Box<dyn ErasedValue>,
}

impl Declared {
    /// The neutral code of the error's `@status`.
    pub fn code(&self) -> Code {
        Code::from_status(self.status)
    }

    /// The value encoded in `format`.
    pub fn encode(&self, format: Format) -> Result<Vec<u8>, CodecError> {
        self.value.encode(format)
    }

    /// The full protobuf name of the error's message (`ftgo.order.v1.OrderNotFound`).
    pub fn proto_name(&self) -> &'static str {
        self.value.proto_name()
    }
}

/// How a server sends one error value.
#[derive(Debug)]
pub enum ErrorEncoding {
    /// A declared error.
    Declared(Declared),
    /// A transport or internal failure.
    Call(CallError),
}

impl ErrorEncoding {
    /// A declared error value with its `@status` and qualified name.
    pub fn declared<T>(status: u16, name: &'static str, value: T) -> Self
    where
        T: serde::Serialize + crate::proto::Message + fmt::Debug + Send + 'static,
    {
        let value = Box::new(value);
        ErrorEncoding::Declared(Declared {
            status,
            name,
            value,
        })
    }
}

/// Implemented by each generated error enum (declared errors plus a `CallError` case), so
/// transports can map it both ways.
pub trait ServiceError: From<CallError> + Send + 'static {
    /// Server side: how to answer with this error.
    fn encode(self) -> ErrorEncoding;

    /// Client side: the declared error named `name` decoded from its `payload` in `format`;
    /// `None` when `name` is not one of this enum's errors.
    fn decode(name: &str, payload: &[u8], format: Format) -> Option<Result<Self, CallError>>;
}

/// Decodes a declared error's payload; a malformed one is a [`CallError::Decode`].
pub fn decode_declared<T: serde::de::DeserializeOwned + crate::proto::Message>(
    payload: &[u8],
    format: Format,
) -> Result<T, CallError> {
    crate::codec::decode(payload, format).map_err(|e| CallError::Decode(e.0))
}

/// The error type of an operation that declares no errors.
impl ServiceError for CallError {
    fn encode(self) -> ErrorEncoding {
        ErrorEncoding::Call(self)
    }

    fn decode(_: &str, _: &[u8], _: Format) -> Option<Result<Self, CallError>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_codes_and_no_leaked_internals() {
        assert_eq!(CallError::Timeout.code(), Code::DeadlineExceeded);
        assert_eq!(CallError::Overloaded.code(), Code::Unavailable);
        let internal = CallError::Internal("db password wrong".into());
        assert!(!internal.public_message().contains("password"));
        assert!(CallError::Timeout.is_remote_failure());
        assert!(!CallError::Overloaded.is_remote_failure());
        let unavailable = CallError::status(Code::Unavailable, "down");
        let missing = CallError::status(Code::NotFound, "no such order");
        assert!(unavailable.is_remote_failure() && !missing.is_remote_failure());
        assert_eq!(
            missing.to_string(),
            "unexpected status: NOT_FOUND: no such order"
        );
    }

    #[test]
    fn refusals_display_as_such() {
        let unauthenticated = CallError::status(Code::Unauthenticated, "missing bearer token");
        assert_eq!(
            unauthenticated.to_string(),
            "unauthenticated: missing bearer token"
        );
        let denied = CallError::status(Code::PermissionDenied, "scope orders:write required");
        assert_eq!(
            denied.to_string(),
            "permission denied: scope orders:write required"
        );
        assert_eq!(
            CallError::status(Code::PermissionDenied, "").to_string(),
            "permission denied"
        );
    }

    #[test]
    fn a_declared_error_encodes_in_the_transports_format() {
        let ErrorEncoding::Declared(declared) =
            ErrorEncoding::declared(404, "shop.NotFound", crate::proto::Empty)
        else {
            unreachable!()
        };
        assert_eq!(declared.code(), Code::NotFound);
        assert_eq!(declared.encode(Format::Json).unwrap(), b"null");
        assert_eq!(declared.encode(Format::Protobuf).unwrap(), b"");
        assert_eq!(declared.proto_name(), "google.protobuf.Empty");
    }
}
