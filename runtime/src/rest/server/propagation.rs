//! What a request's headers say about the call, read in one pass.

use crate::call::MetadataPolicy;
use crate::call::headers::{ACCORD_DEADLINE_MS, CORRELATION_ID, TRACEPARENT};
use http::{HeaderMap, HeaderName, HeaderValue};

/// What a request's headers say about the call: the propagation headers (the first of each)
/// and the caller's metadata (every other header that is not transport plumbing).
pub(super) struct Propagation<'a> {
    pub(super) deadline_ms: Option<&'a HeaderValue>,
    pub(super) traceparent: Option<&'a HeaderValue>,
    pub(super) correlation_id: Option<&'a HeaderValue>,
    pub(super) metadata: std::collections::BTreeMap<String, String>,
}

impl<'a> Propagation<'a> {
    /// One pass over the headers, names matched as text: a `HeaderMap` lookup per propagation
    /// header hashed its (custom) name again on every call.
    pub(super) fn read(headers: &'a HeaderMap, policy: &MetadataPolicy) -> Self {
        let mut read = Propagation {
            deadline_ms: None,
            traceparent: None,
            correlation_id: None,
            metadata: Default::default(),
        };
        for (name, value) in headers {
            let slot = match name.as_str() {
                ACCORD_DEADLINE_MS => &mut read.deadline_ms,
                TRACEPARENT => &mut read.traceparent,
                CORRELATION_ID => &mut read.correlation_id,
                // Plumbing first: its values need no text check.
                _ if is_plumbing(name) || !policy.allows(name.as_str()) => continue,
                _ => {
                    if let Ok(text) = value.to_str() {
                        read.metadata
                            .insert(name.as_str().to_owned(), text.to_owned());
                    }
                    continue;
                }
            };
            slot.get_or_insert(value);
        }
        read
    }
}

/// Whether a request header is transport plumbing rather than caller metadata (one `match`:
/// every header of every call is asked).
fn is_plumbing(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "content-type"
            | "content-length"
            | "connection"
            | "transfer-encoding"
            | "accept"
            | "accept-encoding"
            | "user-agent"
            | "te"
            | "upgrade"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagation_headers_and_plumbing_stay_out_of_the_metadata() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "example.org"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            (
                "traceparent",
                "00-ffffffffffffffffffffffffffffffff-00f067aa0ba902b7-01",
            ),
            ("accord-deadline-ms", "250"),
            ("x-correlation-id", "c-1"),
            ("x-tenant", "acme"),
            ("authorization", "Bearer secret"),
            ("cookie", "session=1"),
            ("x-binary", "caf\u{e9}"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
        let read = Propagation::read(&headers, &MetadataPolicy::default());
        let text = |v: Option<&HeaderValue>| v.map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            text(read.traceparent).as_deref(),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "the first of repeated propagation headers counts, as HeaderMap::get would"
        );
        assert_eq!(text(read.deadline_ms).as_deref(), Some("250"));
        assert_eq!(text(read.correlation_id).as_deref(), Some("c-1"));
        let metadata: Vec<_> = read.metadata.iter().collect();
        assert_eq!(
            metadata,
            [(&"x-tenant".to_owned(), &"acme".to_owned())],
            "plumbing, propagation, credentials and non-text values are not metadata"
        );
    }
}
