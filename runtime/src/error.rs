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

    /// What a server tells its caller about this failure: internal details never leak.
    pub fn public_message(&self) -> String {
        match self {
            CallError::Status(status) => status.message.clone(),
            CallError::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
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
            CallError::Status(status) => write!(f, "unexpected status: {status}"),
            CallError::Decode(m) => write!(f, "decode error: {m}"),
            CallError::Connect(m) => write!(f, "connection error: {m}"),
            CallError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

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
