//! A request's body: read within the limit and the body deadline, as one JSON object.

use super::decode::invalid;
use crate::codec::JsonError;
use crate::connections::accept::BodyTimedOut;
use crate::rest::Problem;
use crate::validate::Violations;
use axum::body::Body;
use http::{HeaderMap, header};
use serde_json::{Map, Value};

/// A call's input once its head is read: the fields bound from path, query and headers with
/// their violations, and the body still to read when the operation takes one.
pub(super) struct Unread {
    pub(super) fields: Vec<(&'static str, Value)>,
    pub(super) violations: Violations,
    pub(super) body: Option<UnreadBody>,
}

/// The body and what the head said about it.
pub(super) struct UnreadBody {
    pub(super) body: Body,
    /// `Content-Length`, when it was sent and is a number.
    pub(super) declared: Option<u64>,
    /// Whether `Content-Type` is JSON.
    pub(super) json: bool,
    pub(super) limit: usize,
}

impl UnreadBody {
    /// The body as a JSON object: 413 over the limit, 415 when not JSON, 400 when malformed.
    pub(super) async fn read(self) -> Result<Map<String, Value>, Box<Problem>> {
        let limit = self.limit;
        let too_large = || Problem::new(413).with_detail(format!("the body exceeds {limit} bytes"));
        if self.declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large().into());
        }
        let bytes = match axum::body::to_bytes(self.body, limit).await {
            Ok(bytes) => bytes,
            Err(e) if is_length_limit(&e) => return Err(too_large().into()),
            Err(e) if is_error::<BodyTimedOut>(&e) => {
                let detail = "the request body did not arrive in time";
                return Err(Problem::new(408).with_detail(detail).into());
            }
            Err(e) => {
                return Err(Problem::new(400)
                    .with_detail(format!("reading the body failed: {e}"))
                    .into());
            }
        };
        if bytes.is_empty() {
            return Ok(Map::new());
        }
        if !self.json {
            return Err(Problem::new(415)
                .with_detail("the body must be application/json in UTF-8")
                .into());
        }
        match crate::codec::json_value(&bytes) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(invalid("", "the body must be a JSON object").into()),
            Err(JsonError::Duplicate(member)) => {
                Err(invalid(&member.path, &member.message()).into())
            }
            Err(e) => Err(invalid("", &e.to_string()).into()),
        }
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    is_error::<http_body_util::LengthLimitError>(error)
}

/// Whether `error` is, or was caused by, a `T`.
fn is_error<T: std::error::Error + 'static>(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<T>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Whether `Content-Type` says JSON (`application/json`, `application/*+json`) in UTF-8: JSON
/// between systems is UTF-8 (RFC 8259 §8.1), so a `charset` parameter naming anything else
/// (`utf-16`, `iso-8859-1`) is refused rather than read as UTF-8.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    json && parts.all(|parameter| {
        let (name, charset) = parameter.split_once('=').unwrap_or((parameter, ""));
        let charset = charset.trim();
        let charset = charset
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .unwrap_or(charset);
        !name.trim().eq_ignore_ascii_case("charset") || charset.eq_ignore_ascii_case("utf-8")
    })
}
