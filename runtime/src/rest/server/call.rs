//! One incoming call ([`Call`]): the REST framing of the call core's inbound pipeline, from
//! the request's head to the response.

use super::body::{Unread, UnreadBody, is_json};
use super::config::ServerConfig;
use super::decode::decode;
use super::events::sse_response;
use super::params::Params;
use super::propagation::Propagation;
use super::response::{
    body_response, error_response, json_response, problem_response, refusal_response,
};
use crate::auth::Authenticator;
use crate::call::headers::names::{ACCORD_ERROR, CORRELATION_ID};
use crate::call::inbound::{self, Echo, Incoming};
use crate::call::{MetadataPolicy, Outcome};
use crate::metrics::{HttpLabels, Metrics, Served as ServedCall};
use crate::rest::hal::{self, Hypermedia};
use crate::rest::{Route, problem_of};
use crate::shape::Shape;
use crate::validate::{FieldPath, Validate};
use crate::{BoxStream, Context, Request, ServiceError};
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::{IntoResponse, Response};
use futures::FutureExt as _;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

/// One incoming call, as an [`endpoint`] hands it to its operation. Reading it never fails:
/// every problem is reported when the input is decoded.
#[doc(hidden)]
pub struct Call {
    parts: http::request::Parts,
    body: Body,
    /// The matched placeholders as axum holds them (names and values shared, not copied).
    path: Result<RawPathParams, String>,
    started: Instant,
    /// The body limit of the router's `ServerConfig`.
    limit: usize,
    /// Which headers become metadata.
    metadata: MetadataPolicy,
    /// Who verifies credentials.
    authenticator: Option<Arc<dyn Authenticator>>,
    /// `ServerConfig::insecure_no_auth`.
    insecure_no_auth: bool,
    /// `ServerConfig::hypermedia`.
    hypermedia: Option<Arc<Hypermedia>>,
    /// `ServerConfig::metrics`.
    metrics: Option<Metrics>,
}

impl Call {
    pub(super) fn new(request: axum::extract::Request, config: &ServerConfig) -> Self {
        let started = Instant::now();
        let (mut parts, body) = request.into_parts();
        // axum's extractor is an `async fn` that never waits: it reads what routing left in
        // the extensions.
        let path = match RawPathParams::from_request_parts(&mut parts, &()).now_or_never() {
            Some(read) => read.map_err(|e| e.body_text()),
            None => Err("the path parameters were not ready".to_owned()),
        };
        Call {
            parts,
            body,
            path,
            started,
            limit: config.body_limit,
            metadata: config.metadata.clone(),
            authenticator: config.authenticator.clone(),
            insecure_no_auth: config.insecure_no_auth,
            hypermedia: config.hypermedia.clone(),
            metrics: config.metrics.clone(),
        }
    }
}

// The serving functions return their futures rather than being `async fn`s: everything up to
// the first await (context, span, binding the head's fields) runs before the future exists, so
// the future holds only what the call needs after that. axum boxes every handler future; kept
// as nested `async fn`s that each held the `Call` (~300 bytes) and the context, it was over 3 KB,
// past the allocator's small-size caches, and was copied at every level.
impl Call {
    /// Serves an operation with a JSON output (the route's status, 200 unless declared).
    pub fn unary<I, O, E, F, Fut>(
        self,
        route: &'static Route,
        bind: impl FnOnce(&mut Params<'_>),
        handler: F,
    ) -> impl Future<Output = Response>
    where
        I: DeserializeOwned + Validate + Shape,
        O: Serialize,
        E: ServiceError,
        F: FnOnce(Request<I>) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        let status = route.status();
        self.serve(route, bind, handler, move |o| json_response(status, &o))
    }

    /// Serves an operation of a `@hypermedia` service whose output is a resource: the JSON
    /// output with HAL `_links` and, on a GET, the relations `?expand=` asks for under
    /// `_embedded` (`docs/wire.md`, "Hypermedia"); a 201 carries `Location`.
    pub fn resource<I, O, E, F, Fut>(
        self,
        route: &'static Route,
        bind: impl FnOnce(&mut Params<'_>),
        handler: F,
    ) -> impl Future<Output = Response>
    where
        I: DeserializeOwned + Validate + Shape,
        O: Serialize,
        E: ServiceError,
        F: FnOnce(Request<I>) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        let resource = route.resource.expect("a resource route");
        let expand = match route.method {
            http::Method::GET => hal::requested(resource, self.parts.uri.query()),
            _ => Ok(Vec::new()),
        };
        let settings = self.hypermedia.clone();
        let status = route.status();
        let created = status == StatusCode::CREATED;
        let rendered = move |request: Request<I>| {
            let context = request.context.child();
            // An unknown relation is answered before the operation runs.
            let call = expand.map(|expand| (handler(request), expand));
            async move {
                let (call, expand) = match call {
                    Ok(call) => call,
                    Err(problem) => return Ok::<_, E>(Err(problem)),
                };
                let output = call.await?;
                let rendered = hal::render(resource, settings, expand, &output, &context, created);
                Ok(rendered.await.map_err(|e| Box::new(problem_of(&e))))
            }
        };
        self.serve(route, bind, rendered, move |rendered| match rendered {
            Ok(hal::Rendered { body, location }) => {
                let mut response =
                    body_response(status, HeaderValue::from_static("application/json"), body);
                if let Some(location) = location.and_then(|l| HeaderValue::try_from(l).ok()) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Err(problem) => problem_response(*problem),
        })
    }

    /// Serves an operation without output: the route's status (204, 202 for `notify`).
    pub fn empty<I, E, F, Fut>(
        self,
        route: &'static Route,
        bind: impl FnOnce(&mut Params<'_>),
        handler: F,
    ) -> impl Future<Output = Response>
    where
        I: DeserializeOwned + Validate + Shape,
        E: ServiceError,
        F: FnOnce(Request<I>) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let status = route.status();
        self.serve(route, bind, handler, move |()| status.into_response())
    }

    /// Serves a streamed output as server-sent events: one `data: <json>` event per item, and
    /// a final `event: error` with a problem object if the stream fails.
    pub fn stream<I, O, E, F>(
        self,
        route: &'static Route,
        bind: impl FnOnce(&mut Params<'_>),
        handler: F,
    ) -> impl Future<Output = Response>
    where
        I: DeserializeOwned + Validate + Shape,
        O: Serialize + Send + 'static,
        E: ServiceError,
        F: FnOnce(Request<I>) -> BoxStream<'static, Result<O, E>>,
    {
        let opened = |request: Request<I>| {
            let deadline = request.context.deadline;
            futures::future::ready(Ok::<_, E>((deadline, handler(request))))
        };
        self.serve(route, bind, opened, |(deadline, items)| {
            sse_response(items, deadline)
        })
    }

    fn serve<I, T, E, F, Fut>(
        mut self,
        route: &'static Route,
        bind: impl FnOnce(&mut Params<'_>),
        handler: F,
        respond: impl FnOnce(T) -> Response,
    ) -> impl Future<Output = Response>
    where
        I: DeserializeOwned + Validate + Shape,
        E: ServiceError,
        F: FnOnce(Request<I>) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let (mut context, echo, deadline_malformed) = self.context();
        // Before the input is read: a refused caller learns nothing of it.
        let headers = &self.parts.headers;
        let refused = if self.insecure_no_auth {
            None
        } else {
            inbound::authorize(
                route.op,
                |name| headers.get(name).and_then(|v| v.to_str().ok()),
                self.authenticator.as_deref(),
                &mut context,
            )
            .err()
        };
        let span = inbound::span(route.op, "rest", &context);
        let started = self.started;
        let metrics = self.metrics.take();
        let in_flight = inbound::in_flight(metrics.as_ref(), "rest");
        let Unread {
            fields,
            mut violations,
            body,
        } = self.bind(bind);
        if deadline_malformed {
            let message = "header Accord-Deadline-Ms: not a whole number of milliseconds";
            violations.push(&FieldPath::Root, message);
        }
        let work = async move {
            if let Some(refused) = refused {
                return refusal_response(route.op, refused);
            }
            let object = match body {
                Some(body) => match body.read().await {
                    Ok(object) => Some(object),
                    Err(problem) => return problem_response(*problem),
                },
                None => None,
            };
            let deadline = context.deadline;
            let request = match decode::<I>(fields, violations, object, context) {
                Ok(request) => request,
                Err(problem) => return problem_response(*problem),
            };
            match inbound::run_until(deadline, handler(request)).await {
                Ok(Ok(output)) => respond(output),
                Ok(Err(error)) => error_response(error),
                Err(timeout) => error_response(timeout),
            }
        };
        // The span's closing work in a `map`, not a second async block around `work` (which
        // would keep a copy of everything `work` captures).
        work.instrument(span.clone()).map(move |mut response| {
            let status = response.status().as_u16();
            inbound::record(&span, outcome(&response), status, started);
            let labels = HttpLabels {
                http_request_method: route.method.as_str(),
                http_route: route.path,
                http_response_status_code: status,
            };
            inbound::observe(metrics.as_ref(), ServedCall::Http(labels), started);
            drop(in_flight);
            if let Some(correlation) = echo {
                response.headers_mut().insert(CORRELATION_ID, correlation);
            }
            response
        })
    }

    /// The fields the request's head binds, and what reading the body will need: the head
    /// itself is dropped here.
    fn bind(self, bind: impl FnOnce(&mut Params<'_>)) -> Unread {
        let mut params = Params::new(&self.parts, &self.path);
        bind(&mut params);
        let Params {
            fields,
            violations,
            body,
            ..
        } = params;
        let headers = &self.parts.headers;
        let body = body.then(|| UnreadBody {
            declared: headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok()),
            json: is_json(headers),
            limit: self.limit,
            body: self.body,
        });
        Unread {
            fields,
            violations,
            body,
        }
    }

    /// The call's context from the request's propagation headers, allowed metadata and
    /// extensions (moved into the context: cloning them cost an allocation per entry on every
    /// call), made by the core; and the correlation id's header value for the response when
    /// the caller cannot already know it (see `docs/wire.md`): the caller's own id (the
    /// request's header value, shared, not copied), or the trace id that stands for it (of the
    /// trace this skeleton started, or of the caller's when its id was refused). Also whether `Accord-Deadline-Ms` was malformed (the call is then refused as invalid).
    fn context(&mut self) -> (Context, Option<HeaderValue>, bool) {
        let Propagation {
            deadline_ms,
            traceparent,
            correlation_id,
            metadata,
        } = Propagation::read(&self.parts.headers, &self.metadata);
        // Bytes that are not even text stand as U+FFFD, which the core refuses like any other
        // invalid id (so the answer tells the id in force), rather than as no id at all.
        let received = correlation_id
            .filter(|v| !v.is_empty())
            .map(|v| (v, std::str::from_utf8(v.as_bytes()).unwrap_or("\u{fffd}")));
        let deadline = deadline_ms.map(|v| inbound::budget_of_millis(v.as_bytes()));
        let incoming = Incoming {
            deadline: deadline.and_then(Result::ok),
            traceparent: traceparent.map(HeaderValue::as_bytes),
            correlation_id: received.map(|(_, id)| id),
            metadata,
            extensions: std::mem::take(&mut self.parts.extensions),
        };
        let (context, echo) = incoming.into_context(self.started);
        let echo = match echo {
            Echo::Nothing => None,
            Echo::Received => received.map(|(header, _)| header.clone()),
            // Hex digits are always a valid header value.
            Echo::Started(trace_id) => Some(HeaderValue::from_str(&trace_id).expect("hex")),
        };
        (context, echo, matches!(deadline, Some(Err(_))))
    }
}

/// How a response tells the call's outcome.
fn outcome(response: &Response) -> Outcome {
    let status = response.status();
    if status.is_success() {
        Outcome::Ok
    } else if response.headers().contains_key(ACCORD_ERROR) {
        Outcome::DeclaredError
    } else if status.is_client_error() {
        Outcome::Rejected
    } else {
        Outcome::Failed("failed")
    }
}
