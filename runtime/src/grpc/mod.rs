//! The gRPC transport (feature `grpc`): [`server`] glue for tonic skeletons, [`client`] glue for
//! tonic proxies, and what both share: the [`Method`] of an operation, the protobuf [`codec`],
//! and the gRPC form of failures (`docs/wire.md`): a declared error is a status with the code of
//! its `@status`, its qualified name in the `accord-error` metadata and its protobuf encoding in
//! the details (a `google.rpc.Status` holding it as an `Any`); a neutral status is its code and
//! message, with a `google.rpc.BadRequest` listing the violations of an invalid input. The call
//! core (`crate::call`) does the rest.

// tonic's traits fix `tonic::Status` (176 bytes) as the error type of every service, codec
// and stream item here.
#![allow(clippy::result_large_err)]

pub mod client;
pub mod codec;
pub mod server;

use crate::call::OperationInfo;
use crate::codec::Format;
use crate::error::{CallError, ErrorEncoding, ServiceError};
use crate::status::{Code, Status};
use crate::validate::Violation;
use prost::Message as _;
use tonic::metadata::{Ascii, MetadataValue};

/// What generated code and users name: tonic and its companions, re-exported so a crate that
/// uses generated gRPC code depends on `accord` alone.
pub use {tonic, tonic_health, tonic_reflection};

/// The metadata keys gRPC shares with REST (`accord-error`, `x-correlation-id`,
/// `traceparent`): the call core's.
pub use crate::call::headers::{ACCORD_ERROR, CORRELATION_ID, TRACEPARENT};
/// The default bound on one message's size, each way: the call core's limit for every
/// transport ([`crate::call::MAX_MESSAGE_BYTES`], 1 MiB; gRPC's own libraries default to 4 MiB).
pub const DEFAULT_MAX_MESSAGE: usize = crate::call::MAX_MESSAGE_BYTES;

/// An operation's gRPC binding; generated as a `static` beside its [`OperationInfo`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Method {
    /// The operation.
    pub op: &'static OperationInfo,
    /// `/ftgo.order.v1.OrderService/CreateOrder`.
    pub path: &'static str,
}

impl Method {
    /// The method's name, the last segment of its path (`CreateOrder`).
    pub fn name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

/// The gRPC code of a neutral code (the numbers are the same).
pub fn grpc_code(code: Code) -> tonic::Code {
    tonic::Code::from_i32(code as i32)
}

/// The neutral code of a gRPC code (`OK`, which no failure has, reads as `UNKNOWN`).
pub fn neutral_code(code: tonic::Code) -> Code {
    match code {
        tonic::Code::Cancelled => Code::Cancelled,
        tonic::Code::InvalidArgument => Code::InvalidArgument,
        tonic::Code::DeadlineExceeded => Code::DeadlineExceeded,
        tonic::Code::NotFound => Code::NotFound,
        tonic::Code::AlreadyExists => Code::AlreadyExists,
        tonic::Code::PermissionDenied => Code::PermissionDenied,
        tonic::Code::ResourceExhausted => Code::ResourceExhausted,
        tonic::Code::FailedPrecondition => Code::FailedPrecondition,
        tonic::Code::Aborted => Code::Aborted,
        tonic::Code::OutOfRange => Code::OutOfRange,
        tonic::Code::Unimplemented => Code::Unimplemented,
        tonic::Code::Internal => Code::Internal,
        tonic::Code::Unavailable => Code::Unavailable,
        tonic::Code::DataLoss => Code::DataLoss,
        tonic::Code::Unauthenticated => Code::Unauthenticated,
        tonic::Code::Ok | tonic::Code::Unknown => Code::Unknown,
    }
}

/// The messages of `google/rpc/status.proto`, `google/protobuf/any.proto` and
/// `google/rpc/error_details.proto` that error details use.
pub mod rpc {
    /// `google.rpc.Status`: what `grpc-status-details-bin` carries.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Status {
        /// The gRPC code.
        #[prost(int32, tag = "1")]
        pub code: i32,
        /// The message.
        #[prost(string, tag = "2")]
        pub message: String,
        /// The details, each a typed message.
        #[prost(message, repeated, tag = "3")]
        pub details: Vec<Any>,
    }

    /// `google.protobuf.Any`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Any {
        /// `type.googleapis.com/<full message name>`.
        #[prost(string, tag = "1")]
        pub type_url: String,
        /// The message's encoding.
        #[prost(bytes = "vec", tag = "2")]
        pub value: Vec<u8>,
    }

    /// `google.rpc.BadRequest`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BadRequest {
        /// One per violation.
        #[prost(message, repeated, tag = "1")]
        pub field_violations: Vec<FieldViolation>,
    }

    /// `google.rpc.BadRequest.FieldViolation`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FieldViolation {
        /// The field's path (`line_items[0].quantity`).
        #[prost(string, tag = "1")]
        pub field: String,
        /// What is wrong.
        #[prost(string, tag = "2")]
        pub description: String,
    }

    /// The type URL of `google.rpc.BadRequest`.
    pub const BAD_REQUEST: &str = "type.googleapis.com/google.rpc.BadRequest";
    /// The prefix of every type URL.
    pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/";
}

/// The status a skeleton answers a handler's error with (`docs/wire.md`).
pub fn error_status<E: ServiceError>(error: E) -> tonic::Status {
    match error.encode() {
        ErrorEncoding::Declared(declared) => {
            let value = match declared.encode(Format::Protobuf) {
                Ok(value) => value,
                Err(e) => return call_status(&CallError::Internal(e.0)),
            };
            let code = grpc_code(declared.code());
            let details = rpc::Status {
                code: code as i32,
                message: declared.name.to_owned(),
                details: vec![rpc::Any {
                    type_url: format!("{}{}", rpc::TYPE_URL_PREFIX, declared.proto_name()),
                    value,
                }],
            };
            let mut metadata = tonic::metadata::MetadataMap::new();
            metadata.insert(
                ACCORD_ERROR,
                tonic::metadata::MetadataValue::from_static(declared.name),
            );
            tonic::Status::with_details_and_metadata(
                code,
                declared.name,
                details.encode_to_vec().into(),
                metadata,
            )
        }
        ErrorEncoding::Call(error) => call_status(&error),
    }
}

/// The status of a failure that is not a declared error: its code and public message, and
/// for an invalid input the violations as a `google.rpc.BadRequest`. Internal details never
/// leak (they are logged).
pub fn call_status(error: &CallError) -> tonic::Status {
    crate::call::inbound::log_internal(error);
    let code = grpc_code(error.public_code());
    let message = error.public_message();
    match error {
        CallError::Status(status) if !status.violations.is_empty() && !status.is_remote() => {
            bad_request(code, message, &status.violations)
        }
        _ => tonic::Status::new(code, message),
    }
}

fn bad_request(code: tonic::Code, message: String, violations: &[Violation]) -> tonic::Status {
    let request = rpc::BadRequest {
        field_violations: violations
            .iter()
            .map(|v| rpc::FieldViolation {
                field: v.field.clone(),
                description: v.message.clone(),
            })
            .collect(),
    };
    let details = rpc::Status {
        code: code as i32,
        message: message.clone(),
        details: vec![rpc::Any {
            type_url: rpc::BAD_REQUEST.to_owned(),
            value: request.encode_to_vec(),
        }],
    };
    tonic::Status::with_details(code, message, details.encode_to_vec().into())
}

/// What a proxy makes of a status it received: the declared error `accord-error` names,
/// decoded from the details, else a [`CallError`] (the violations of a `BadRequest` kept).
pub fn status_error<E: ServiceError>(status: &tonic::Status) -> E {
    if let Some(name) = status
        .metadata()
        .get(ACCORD_ERROR)
        .and_then(|v| v.to_str().ok())
    {
        let payload = rpc::Status::decode(status.details())
            .ok()
            .and_then(|s| s.details.into_iter().next())
            .map(|any| any.value)
            .unwrap_or_default();
        if let Some(decoded) = E::decode(name, &payload, Format::Protobuf) {
            return decoded.unwrap_or_else(E::from);
        }
    }
    E::from(status_call_error(status))
}

/// The [`CallError`] of a status that is not a declared error.
pub fn status_call_error(status: &tonic::Status) -> CallError {
    let code = neutral_code(status.code());
    // A status with a source error is one tonic made from the transport's failure (the server
    // not reached, or the connection lost before its answer: `UNAVAILABLE`, `CANCELLED`
    // "operation was canceled", `UNKNOWN` "transport error"), never the server's answer.
    let lost = matches!(code, Code::Unavailable | Code::Cancelled | Code::Unknown);
    if lost && std::error::Error::source(status).is_some() {
        return CallError::Connect(status.message().to_owned());
    }
    let mut neutral = Status::new(code, status.message());
    let details = match code {
        Code::InvalidArgument => rpc::Status::decode(status.details()).ok(),
        _ => None,
    };
    for any in details.into_iter().flat_map(|d| d.details) {
        if any.type_url != rpc::BAD_REQUEST {
            continue;
        }
        if let Ok(request) = rpc::BadRequest::decode(any.value.as_slice()) {
            neutral
                .violations
                .extend(request.field_violations.into_iter().map(|v| Violation {
                    field: v.field,
                    message: v.description,
                }));
        }
    }
    CallError::from(neutral.received())
}

/// `grpc-timeout` (`<digits><unit>`, at most 8 digits) as a duration.
pub fn parse_timeout(value: &str) -> Option<std::time::Duration> {
    use std::time::Duration;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// `duration` as `grpc-timeout`: the most precise unit that keeps it within 8 digits, as gRPC's
/// own clients write it; formatted on the stack, so the value is the call's one allocation for it
/// (tonic's `Request::set_timeout` formats a `String` and then copies it).
pub(crate) fn timeout_value(duration: std::time::Duration) -> MetadataValue<Ascii> {
    const MAX: u128 = 99_999_999;
    let secs = u128::from(duration.as_secs());
    let (value, unit) = [
        (duration.as_nanos(), b'n'),
        (duration.as_micros(), b'u'),
        (duration.as_millis(), b'm'),
        (secs, b'S'),
        (secs / 60, b'M'),
    ]
    .into_iter()
    .find(|(value, _)| *value <= MAX)
    .unwrap_or(((secs / 3600).min(MAX), b'H'));
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value).as_bytes();
    let mut text = [0u8; 9];
    text[..digits.len()].copy_from_slice(digits);
    text[digits.len()] = unit;
    MetadataValue::try_from(&text[..=digits.len()]).expect("digits and a unit letter")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_are_written_as_tonic_writes_them() {
        use std::time::Duration;
        for duration in [
            Duration::ZERO,
            Duration::from_nanos(99_999_999),
            Duration::from_nanos(100_000_001),
            Duration::from_millis(100),
            Duration::from_secs(30),
            Duration::from_secs(3600),
            Duration::from_secs(100_000_000),
            Duration::from_secs(10_000_000_000),
        ] {
            let mut tonics = tonic::Request::new(());
            tonics.set_timeout(duration);
            let value = timeout_value(duration);
            assert_eq!(
                Some(&value),
                tonics.metadata().get("grpc-timeout"),
                "{duration:?}"
            );
            let back = parse_timeout(value.to_str().unwrap()).unwrap();
            assert!(back <= duration, "{duration:?}");
        }
        // Beyond 8 digits of hours (11,415 years), where tonic panics: the largest it can say.
        assert_eq!(timeout_value(Duration::MAX).to_str().unwrap(), "99999999H");
    }

    #[test]
    fn grpc_timeouts_parse_as_the_spec_writes_them() {
        use std::time::Duration;
        assert_eq!(parse_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(
            parse_timeout("99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in ["", "m", "123456789m", "12x", "-1S", "1.5S"] {
            assert_eq!(parse_timeout(bad), None, "{bad}");
        }
    }

    #[test]
    fn violations_travel_as_a_bad_request_and_come_back() {
        let error = CallError::from(Status::invalid(vec![Violation {
            field: "line_items[0].quantity".into(),
            message: "must be at least 1".into(),
        }]));
        let status = call_status(&error);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let back = status_call_error(&status);
        assert_eq!(back, error);
        let internal = call_status(&CallError::Internal("secret".into()));
        assert_eq!(internal.code(), tonic::Code::Internal);
        assert!(!internal.message().contains("secret"));
    }

    #[test]
    fn a_received_status_is_passed_on_as_a_fixed_one() {
        let violations = vec![Violation {
            field: "their_field".into(),
            message: "bad".into(),
        }];
        let mut upstream = Status::invalid(violations);
        upstream.message = "the consumer service's own words".into();
        let received = status_call_error(&call_status(&upstream.into()));
        assert!(
            matches!(&received, CallError::Status(s) if s.is_remote() && s.code == Code::InvalidArgument)
        );
        let passed_on = call_status(&received);
        assert_eq!(passed_on.code(), tonic::Code::Internal);
        assert_eq!(passed_on.message(), "a service this call depends on failed");
        assert!(
            passed_on.details().is_empty(),
            "no violations of another service"
        );
        let unreachable = call_status(&CallError::Connect("http://10.0.0.7:50051: refused".into()));
        assert_eq!(unreachable.code(), tonic::Code::Unavailable);
        assert!(!unreachable.message().contains("10.0.0.7"));
    }
}
