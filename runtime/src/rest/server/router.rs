//! The generated router's state and handlers: each operation an [`endpoint`] with the service
//! and [`ServerConfig`] as state, and the fallbacks and observability routes every router has.

use super::call::Call;
use super::config::ServerConfig;
use super::response::problem_response;
use crate::rest::Problem;
use crate::rest::observe;
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The state of a generated router: the service and the skeleton's settings, which each
/// [`endpoint`] hands to its operation (state rather than a layer, which would cost a boxed
/// service clone and an extension per request).
#[doc(hidden)]
pub struct Served<S> {
    service: Arc<S>,
    config: ServerConfig,
}

impl<S> Clone for Served<S> {
    fn clone(&self) -> Self {
        Served {
            service: Arc::clone(&self.service),
            config: self.config.clone(),
        }
    }
}

/// A generated operation as an axum handler: `get(endpoint(get_order::<S>))`, where
/// `get_order` takes the service and the [`Call`] and returns the future of the response.
///
/// Rather than an `async fn` handler with extractors: axum boxes every handler's future, and
/// its own handler future keeps the request's head (~250 bytes) and an `async fn` keeps its
/// arguments (the `Call`, ~300 bytes) for the whole call, beside the serving future. Together
/// they came to 1424 bytes, past glibc's per-thread cache (1 KiB), so every request paid the
/// allocator's locked path. Here the call is read before anything is boxed, and only the
/// serving future is.
#[doc(hidden)]
pub fn endpoint<S, F, Fut>(operation: F) -> Endpoint<F>
where
    F: FnOnce(Arc<S>, Call) -> Fut,
{
    Endpoint(operation)
}

/// What [`endpoint`] makes.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Endpoint<F>(F);

impl<S, F, Fut> axum::handler::Handler<Endpoint<()>, Served<S>> for Endpoint<F>
where
    S: Send + Sync + 'static,
    F: FnOnce(Arc<S>, Call) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    type Future = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn call(self, request: axum::extract::Request, state: Served<S>) -> Self::Future {
        let call = Call::new(request, &state.config);
        Box::pin((self.0)(state.service, call))
    }
}

/// Adds what every generated router needs after its routes: 404/405 problem fallbacks, and
/// the service and [`ServerConfig`] as its state.
#[doc(hidden)]
pub fn finish_router<S: Send + Sync + 'static>(
    router: axum::Router<Served<S>>,
    service: S,
    config: ServerConfig,
) -> axum::Router {
    if config.insecure_no_auth {
        tracing::warn!(
            "serving without authentication (insecure_no_auth): anyone may call anything"
        );
    }
    // The documents are served by the fallback, so an operation at their path wins and
    // nothing can make the router's build panic on a duplicate route.
    let documents = config.documents;
    observe::routes(router, &config.health, config.metrics.as_ref())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(move |method, uri| not_found(documents, method, uri))
        .with_state(Served {
            service: Arc::new(service),
            config,
        })
}

async fn not_found(documents: crate::Documents, method: http::Method, uri: http::Uri) -> Response {
    if method == http::Method::GET || method == http::Method::HEAD {
        if let Some((text, media_type)) = documents.at(uri.path()) {
            return observe::document(text, media_type);
        }
    }
    let detail = format!("no operation at {method} {}", uri.path());
    problem_response(Problem::new(404).with_detail(detail))
}

async fn method_not_allowed(method: http::Method, uri: http::Uri) -> Response {
    let detail = format!("{} does not accept {method}", uri.path());
    problem_response(Problem::new(405).with_detail(detail))
}
