//! The REST transport (feature `rest`): [`server`] glue for axum skeletons, [`client`] glue for
//! reqwest proxies, and what both share: the [`Route`] of an operation, header names, the
//! HTTP form of the neutral status ([`Problem`], [`http_status`]) and the text form of path,
//! query and header values ([`ParamValue`]). The call core (`crate::call`) does the rest.

pub mod client;
mod connection;
pub mod hal;
mod hal_links;
mod observe;
mod problem;
pub mod server;
mod sse;

pub use crate::param::ParamValue;
pub use problem::{PROBLEM_JSON, Problem};

use crate::CallError;
use crate::call::OperationInfo;
use crate::status::{Code, Status};

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

/// An operation's REST binding; generated as a `static` beside its [`OperationInfo`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Route {
    /// The operation.
    pub op: &'static OperationInfo,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template with `{field}` placeholders (`/orders/{order_id}`).
    pub path: &'static str,
    /// The status of a successful call (`@http(..., status = N)`, else 200, 204 or 202).
    pub success: u16,
    /// The output's links and relations, in a `@hypermedia` service.
    pub resource: Option<&'static hal::Resource>,
}

impl Route {
    /// [`Route::success`] as a status code.
    pub fn status(&self) -> http::StatusCode {
        http::StatusCode::from_u16(self.success).unwrap_or(http::StatusCode::OK)
    }
}

/// The HTTP status of a neutral code (grpc-gateway's table, `docs/wire.md`).
pub fn status_of_code(code: Code) -> u16 {
    match code {
        Code::Cancelled => 499,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::DeadlineExceeded => 504,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::PermissionDenied => 403,
        Code::Unauthenticated => 401,
        Code::ResourceExhausted => 429,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        Code::Unknown | Code::Internal | Code::DataLoss => 500,
    }
}

/// The HTTP status a skeleton answers a handler's failure with. Decode and connection
/// failures of the handler's own downstream calls are a bad gateway.
pub fn http_status(error: &CallError) -> u16 {
    if let Some(upstream) = error.upstream() {
        return upstream.http_status();
    }
    match error {
        CallError::Timeout => 504,
        CallError::Overloaded | CallError::CircuitOpen => 503,
        CallError::Unsupported { .. } => 501,
        CallError::Status(status) => status_of_code(status.code),
        CallError::Decode(_) | CallError::Connect(_) => 502,
        CallError::Internal(_) => 500,
    }
}

/// The problem body a skeleton answers a handler's failure with; internal details never leak.
/// A failed call to another service is its fixed message with its kind in `code`
/// (`upstream_failed`, ...; `docs/wire.md`, "Failures").
pub fn problem_of(error: &CallError) -> Problem {
    let problem = Problem::new(http_status(error));
    if let Some(upstream) = error.upstream() {
        let mut problem = problem.with_detail(upstream.message());
        let code = serde_json::Value::String(upstream.name().to_owned());
        problem.extensions.insert("code".to_owned(), code);
        return problem;
    }
    match error {
        CallError::Status(status) => {
            let Status {
                message,
                violations,
                ..
            } = &**status;
            let problem = if message.is_empty() {
                problem
            } else {
                problem.with_detail(message.clone())
            };
            Problem {
                violations: violations.clone(),
                ..problem
            }
        }
        other => problem.with_detail(other.public_message()),
    }
}

/// The neutral status of a problem a server answered with (marked received: see
/// [`Status::is_remote`]).
pub fn status_of_problem(problem: Problem) -> Status {
    let mut status = Status::new(
        Code::from_status(problem.status),
        problem.detail.unwrap_or_default(),
    );
    status.violations = problem.violations;
    status.received()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Violation;

    #[test]
    fn failures_map_to_http_without_leaking_internals() {
        assert_eq!(http_status(&CallError::Timeout), 504);
        assert_eq!(http_status(&CallError::Overloaded), 503);
        assert_eq!(http_status(&CallError::Connect("x".into())), 502);
        let p = problem_of(&CallError::Internal("db password wrong".into()));
        assert_eq!(p.status, 500);
        assert!(!serde_json::to_string(&p).unwrap().contains("password"));
        let invalid = Status::invalid(vec![Violation {
            field: "a".into(),
            message: "bad".into(),
        }]);
        let problem = problem_of(&invalid.clone().into());
        assert_eq!(problem, Problem::invalid(invalid.violations.clone()));
        assert_eq!(status_of_problem(problem), invalid);
    }

    #[test]
    fn a_failed_call_to_another_service_is_answered_with_its_fixed_problem() {
        let secret = "x".repeat(100_000);
        let received = |code: Code| {
            let mut problem = Problem::new(status_of_code(code)).with_detail(secret.clone());
            problem.violations = vec![Violation {
                field: "internal_field".into(),
                message: "bad".into(),
            }];
            CallError::from(status_of_problem(problem))
        };
        let url = "error sending request for url (http://127.0.0.1:9/consumers/1): refused";
        for (error, status, code) in [
            (CallError::Connect(url.into()), 502, "upstream_unreachable"),
            (
                CallError::Decode("expected value at line 1 column 2".into()),
                502,
                "upstream_malformed",
            ),
            (received(Code::Internal), 502, "upstream_failed"),
            (received(Code::NotFound), 502, "upstream_failed"),
            (received(Code::InvalidArgument), 502, "upstream_failed"),
            (received(Code::Unavailable), 503, "upstream_unavailable"),
            (received(Code::DeadlineExceeded), 504, "upstream_timeout"),
        ] {
            let problem = problem_of(&error);
            let text = serde_json::to_string(&problem).unwrap();
            assert_eq!(
                (problem.status, problem.extensions["code"].as_str()),
                (status, Some(code))
            );
            assert_eq!(
                problem.detail.as_deref(),
                error.upstream().map(|u| u.message())
            );
            for leaked in [
                "xxxx",
                "127.0.0.1",
                "error sending",
                "line 1",
                "internal_field",
            ] {
                assert!(!text.contains(leaked), "{leaked} in {text}");
            }
        }
        // A status of the handler's own keeps its words.
        let own = problem_of(&CallError::status(Code::NotFound, "no order 7"));
        assert_eq!(
            (own.status, own.detail.as_deref()),
            (404, Some("no order 7"))
        );
        assert!(!own.extensions.contains_key("code"));
    }

    #[test]
    fn every_code_round_trips_through_its_http_status_where_the_table_is_one_to_one() {
        for code in [
            Code::InvalidArgument,
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::NotFound,
            Code::AlreadyExists,
            Code::ResourceExhausted,
            Code::Cancelled,
            Code::Unimplemented,
            Code::Unavailable,
            Code::DeadlineExceeded,
            Code::Internal,
        ] {
            assert_eq!(Code::from_status(status_of_code(code)), code, "{code}");
        }
    }
}
