//! Responses: JSON outputs, problems, declared errors and refusals.

use crate::auth::{AuthError, Requirement};
use crate::call::OperationInfo;
use crate::call::headers::names::ACCORD_ERROR;
use crate::call::inbound;
use crate::codec::Format;
use crate::rest::{PROBLEM_JSON, Problem, problem_of, status_of_code};
use crate::{CallError, ErrorEncoding, ServiceError};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

pub(super) fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    // Room for a typical reply up front: `to_vec` starts at 128 bytes and regrows (copying)
    // twice for a reply of a few hundred.
    let mut body = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => body_response(status, HeaderValue::from_static("application/json"), body),
        Err(e) => error_response(CallError::Internal(format!("encoding the output: {e}"))),
    }
}

/// A response assembled directly: axum's `([(name, "text")], body)` form parses and copies
/// the content type into a new header value on every call.
pub(super) fn body_response(
    status: StatusCode,
    content_type: HeaderValue,
    body: Vec<u8>,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// A refused call (`docs/wire.md`, Authentication): 401 or 403 with its fixed message as a
/// problem and the challenge of RFC 6750 (`ApiKey` for an API key operation).
pub(super) fn refusal_response(op: &OperationInfo, refused: AuthError) -> Response {
    let status = status_of_code(refused.code());
    let mut response = problem_response(Problem::new(status).with_detail(refused.message()));
    let realm = op.service;
    let challenge = match op.auth {
        Requirement::ApiKey { header } => format!("ApiKey realm=\"{realm}\", header=\"{header}\""),
        _ => {
            let mut challenge = format!("Bearer realm=\"{realm}\"");
            if let Some(error) = refused.bearer_error() {
                challenge.push_str(&format!(", error=\"{error}\""));
            }
            if matches!(refused, AuthError::Forbidden(_)) {
                challenge.push_str(&format!(", scope=\"{}\"", op.auth.scopes().join(" ")));
            }
            challenge
        }
    };
    // Service names, header names and scopes are checked tokens: always a valid value.
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// A problem as an `application/problem+json` response.
#[doc(hidden)]
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(&problem) {
        Ok(body) => body_response(status, HeaderValue::from_static(PROBLEM_JSON), body),
        Err(_) => status.into_response(),
    }
}

/// A handler's error as a response: a declared error with its status, `Accord-Error` header and
/// JSON body, anything else as a problem.
#[doc(hidden)]
pub fn error_response<E: ServiceError>(error: E) -> Response {
    match error.encode() {
        ErrorEncoding::Declared(declared) => {
            let status =
                StatusCode::from_u16(declared.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = match declared.encode(Format::Json) {
                Ok(body) => body,
                Err(e) => {
                    let failure = format!("encoding {}: {e}", declared.name);
                    return error_response(CallError::Internal(failure));
                }
            };
            let json = HeaderValue::from_static("application/json");
            let mut response = body_response(status, json, body);
            response
                .headers_mut()
                .insert(ACCORD_ERROR, HeaderValue::from_static(declared.name));
            response
        }
        ErrorEncoding::Call(error) => {
            inbound::log_internal(&error);
            problem_response(problem_of(&error))
        }
    }
}
