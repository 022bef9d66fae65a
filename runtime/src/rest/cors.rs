//! CORS (feature `cors`): lets pages from other origins call a REST service from a browser.
//! [`layer`] is tower-http's `CorsLayer` set for Accord's wire (`docs/wire.md`, "CORS"): the
//! REST methods, the request headers a generated proxy and a bearer token send, and the response
//! headers a client reads. Apply it to a generated router:
//!
//! ```ignore
//! let cors = accord::rest::cors::layer(["https://app.example.com"], ["x-actor"])?;
//! let router = order_service::rest::router(orders, config).layer(cors);
//! ```
//!
//! Tokens travel in `Authorization`, not in cookies, so credentials mode stays off and `"*"`
//! may be given to allow any origin.

use http::{HeaderName, HeaderValue, Method};
use std::time::Duration;
pub use tower_http::cors::CorsLayer;
use tower_http::cors::{AllowOrigin, Any};

/// How long a browser may reuse a preflight answer.
const MAX_AGE: Duration = Duration::from_secs(600);

/// The request headers Accord's clients send.
const REQUEST_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "accept",
    "accord-deadline-ms",
    "x-correlation-id",
    "traceparent",
    "tracestate",
];

/// The response headers a client reads (the rest a browser hides from scripts).
const EXPOSED_HEADERS: [&str; 6] = [
    "accord-error",
    "x-correlation-id",
    "traceparent",
    "location",
    "retry-after",
    "www-authenticate",
];

/// An origin or header name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsError(String);

impl std::fmt::Display for CorsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CorsError {}

/// A CORS layer allowing `origins` (`"https://app.example.com"`, or `"*"` for any) to call the
/// service with Accord's headers plus `extra_headers` (a contract's `@header` fields).
pub fn layer<O, H>(origins: O, extra_headers: H) -> Result<CorsLayer, CorsError>
where
    O: IntoIterator,
    O::Item: AsRef<str>,
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    let origins: Vec<String> = origins.into_iter().map(|o| o.as_ref().to_owned()).collect();
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::from(Any)
    } else if origins.is_empty() {
        return Err(CorsError(
            "CORS needs at least one origin (or \"*\")".into(),
        ));
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .map(|o| origin(o))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    let mut request_headers = names(REQUEST_HEADERS)?;
    request_headers.extend(names(extra_headers)?);
    Ok(CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
        ])
        .allow_headers(request_headers)
        .expose_headers(names(EXPOSED_HEADERS)?)
        .max_age(MAX_AGE))
}

/// `scheme://host[:port]`, as a browser sends it in `Origin`.
fn origin(text: &str) -> Result<HeaderValue, CorsError> {
    let bad = || CorsError(format!("{text:?} is not an origin (scheme://host[:port])"));
    let (scheme, rest) = text.split_once("://").ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return Err(bad());
    }
    HeaderValue::from_str(text).map_err(|_| bad())
}

fn names<H>(headers: H) -> Result<Vec<HeaderName>, CorsError>
where
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    headers
        .into_iter()
        .map(|h| {
            let h = h.as_ref();
            HeaderName::from_bytes(h.as_bytes())
                .map_err(|_| CorsError(format!("{h:?} is not a header name")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_headers_are_checked() {
        assert!(
            layer(
                ["https://app.example.com", "http://localhost:3000"],
                ["x-actor"]
            )
            .is_ok()
        );
        assert!(layer(["*"], [] as [&str; 0]).is_ok());
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "ftp://x",
            "https://",
        ] {
            let error = layer([bad], [] as [&str; 0]).unwrap_err();
            assert!(
                error.to_string().contains("is not an origin"),
                "{bad}: {error}"
            );
        }
        assert!(layer([] as [&str; 0], [] as [&str; 0]).is_err());
        let error = layer(["*"], ["bad header"]).unwrap_err();
        assert!(error.to_string().contains("is not a header name"));
    }
}
