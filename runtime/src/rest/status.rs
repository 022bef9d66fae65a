//! The HTTP form of the neutral status (`docs/wire.md`, "Failures"): a code's HTTP status, a
//! failure's problem body, and a received problem's status.

use super::problem::Problem;
use crate::codec::Format;
use crate::status::{Code, Status};
use crate::{CallError, ErrorEncoding, ServiceError};
use serde_json::Value;

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

/// The problem object of an `event: error`: a declared error carries its name in `error` and
/// its JSON in `value`.
pub(crate) fn error_problem<E: ServiceError>(error: E) -> Problem {
    encoding_problem(error.encode())
}

/// [`error_problem`] of an encoded error.
pub(crate) fn encoding_problem(encoding: ErrorEncoding) -> Problem {
    match encoding {
        ErrorEncoding::Declared(declared) => {
            let value = declared
                .encode(Format::Json)
                .map_err(|e| e.to_string())
                .and_then(|json| serde_json::from_slice(&json).map_err(|e| e.to_string()));
            let value = match value {
                Ok(value) => value,
                Err(e) => {
                    let failure = format!("encoding {}: {e}", declared.name);
                    return problem_of(&CallError::Internal(failure));
                }
            };
            let mut problem = Problem::new(declared.status).with_detail(declared.name);
            problem
                .extensions
                .insert("error".into(), Value::String(declared.name.into()));
            problem.extensions.insert("value".into(), value);
            problem
        }
        ErrorEncoding::Call(error) => problem_of(&error),
    }
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
