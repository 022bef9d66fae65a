//! The routes every REST server answers besides its operations (`docs/wire.md`, "Health" and
//! "Metrics"): `GET /health/live`, `GET /health/ready` and, with metrics, `GET /metrics`. None
//! asks for a credential, whatever the service's `@auth`: probes and scrapers carry no token.
//! So none tells more than a check's name and state, or the call metrics' labels.

use crate::health::Health;
use crate::metrics::{CONTENT_TYPE, Metrics};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};

/// `router` with the health routes and, given `metrics`, `/metrics`.
pub(super) fn routes<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    health: &Health,
    metrics: Option<&Metrics>,
) -> axum::Router<S> {
    let health = health.clone();
    let router = router
        .route("/health/live", get(live))
        .route("/health/ready", get(move || ready(health.clone())));
    match metrics {
        Some(metrics) => {
            let metrics = metrics.clone();
            router.route("/metrics", get(move || scrape(metrics.clone())))
        }
        None => router,
    }
}

/// Live while the process serves: the answer itself is the proof.
async fn live() -> Response {
    let body = serde_json::json!({ "status": "up" });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// 200 when every check is up, else 503; the body lists each check's state.
async fn ready(health: Health) -> Response {
    let readiness = health.readiness().await;
    let status = if readiness.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (status, axum::Json(readiness.to_json())).into_response();
    // A probe must see the state now, not a cached one.
    let no_store = http::HeaderValue::from_static("no-store");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, no_store);
    response
}

/// A contract document the service was given (`ServerConfig::documents`).
pub(super) fn document(text: &'static str, media_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, media_type)], text).into_response()
}

async fn scrape(metrics: Metrics) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.encode()).into_response()
}
