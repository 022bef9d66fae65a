//! The transport-neutral status of a failure that is not a declared error: a canonical
//! [`Code`], a message and details. Each transport maps it to its own form (`rest` to an HTTP
//! status and a problem body, gRPC to a status code) and back; the tables are in `docs/wire.md`.

use crate::validate::Violation;
use std::fmt;

/// The canonical failure codes, gRPC's set (the most widely shared vocabulary of RPC
/// outcomes). The numbers are gRPC's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The caller cancelled the call.
    Cancelled = 1,
    /// An error that says nothing more.
    Unknown = 2,
    /// The input breaks the contract (carries the violations).
    InvalidArgument = 3,
    /// The deadline passed.
    DeadlineExceeded = 4,
    /// No such resource or operation target.
    NotFound = 5,
    /// The resource exists already, or the call conflicts with the state.
    AlreadyExists = 6,
    /// The caller is known but may not do this.
    PermissionDenied = 7,
    /// A quota, a size limit or the server's capacity is exhausted.
    ResourceExhausted = 8,
    /// The system is not in the state the call needs.
    FailedPrecondition = 9,
    /// A concurrency conflict; retry at a higher level.
    Aborted = 10,
    /// A value outside its valid range.
    OutOfRange = 11,
    /// The operation is not implemented or not served here.
    Unimplemented = 12,
    /// A bug or broken invariant on the server.
    Internal = 13,
    /// The service cannot be reached or cannot serve now; retrying may help.
    Unavailable = 14,
    /// Unrecoverable loss of data.
    DataLoss = 15,
    /// The caller's credentials are missing or invalid.
    Unauthenticated = 16,
}

impl Code {
    /// The code's name as gRPC writes it (`INVALID_ARGUMENT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// The code named `name` as gRPC writes it (`INVALID_ARGUMENT`); the inverse of
    /// [`Code::as_str`].
    pub fn from_name(name: &str) -> Option<Code> {
        const ALL: [Code; 16] = [
            Code::Cancelled,
            Code::Unknown,
            Code::InvalidArgument,
            Code::DeadlineExceeded,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::ResourceExhausted,
            Code::FailedPrecondition,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unimplemented,
            Code::Internal,
            Code::Unavailable,
            Code::DataLoss,
            Code::Unauthenticated,
        ];
        ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// Whether a failure with this code says something about the remote's health, so the
    /// circuit breaker counts it.
    pub fn is_server_fault(self) -> bool {
        matches!(
            self,
            Code::Unknown
                | Code::DeadlineExceeded
                | Code::Unimplemented
                | Code::Internal
                | Code::Unavailable
                | Code::DataLoss
        )
    }

    /// The code of an Accord status number (an error's `@status`, numbered as HTTP statuses
    /// are): the table of `docs/wire.md`.
    pub fn from_status(status: u16) -> Code {
        // The exact statuses first, then the 4xx range; the overlap is the table's meaning.
        #[allow(clippy::match_overlapping_arm)]
        match status {
            400 => Code::InvalidArgument,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::NotFound,
            409 => Code::AlreadyExists,
            412 => Code::FailedPrecondition,
            429 => Code::ResourceExhausted,
            499 => Code::Cancelled,
            501 => Code::Unimplemented,
            503 => Code::Unavailable,
            504 => Code::DeadlineExceeded,
            400..=499 => Code::FailedPrecondition,
            _ => Code::Internal,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure as every transport can carry it: code, message and the input's violations.
///
/// A status a proxy received from another service is marked as such ([`Status::is_remote`]):
/// its caller sees all of it, but a server that fails with it tells its own caller only a
/// fixed message (`docs/wire.md`, "Failures"), as the message and violations describe another
/// service's internals. Equality ignores the mark.
#[derive(Debug, Clone)]
pub struct Status {
    /// What kind of failure.
    pub code: Code,
    /// What happened, in words; empty when the transport said nothing.
    pub message: String,
    /// Every violation of the input (with [`Code::InvalidArgument`]).
    pub violations: Vec<Violation>,
    /// Whether another service answered with it.
    pub(crate) remote: bool,
}

impl PartialEq for Status {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.violations == other.violations
    }
}

impl Status {
    /// A status with a message and no violations.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Status {
            code,
            message: message.into(),
            violations: Vec::new(),
            remote: false,
        }
    }

    /// [`Code::InvalidArgument`] listing every violation.
    pub fn invalid(violations: Vec<Violation>) -> Self {
        let message = format!("the input breaks {} rule(s)", violations.len());
        Status {
            code: Code::InvalidArgument,
            message,
            violations,
            remote: false,
        }
    }

    /// Whether another service answered with this status (a proxy received it): a server
    /// that fails with it answers its own caller with a fixed message instead.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// This status as received from another service.
    pub fn received(mut self) -> Self {
        self.remote = true;
        self
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        for v in &self.violations {
            write!(f, "; {}: {}", v.field, v.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_codes_as_the_wire_table_says() {
        for (status, code) in [
            (400, Code::InvalidArgument),
            (402, Code::FailedPrecondition),
            (404, Code::NotFound),
            (409, Code::AlreadyExists),
            (422, Code::FailedPrecondition),
            (500, Code::Internal),
            (502, Code::Internal),
            (503, Code::Unavailable),
            (504, Code::DeadlineExceeded),
        ] {
            assert_eq!(Code::from_status(status), code, "{status}");
        }
        assert!(Code::Unavailable.is_server_fault() && !Code::NotFound.is_server_fault());
        assert_eq!(Code::from_name("NOT_FOUND"), Some(Code::NotFound));
        assert_eq!(Code::from_name("OK"), None);
        let status = Status::invalid(vec![Violation {
            field: "a".into(),
            message: "bad".into(),
        }]);
        assert_eq!(
            status.to_string(),
            "INVALID_ARGUMENT: the input breaks 1 rule(s); a: bad"
        );
    }
}
