//! REST skeleton glue: what a generated axum handler calls, so that it stays a few lines.
//!
//! ```ignore
//! fn get_order<S: OrderService>(svc: Arc<S>, call: server::Call) -> impl Future<Output = Response> {
//!     call.unary(&routes::GET_ORDER, |p| p.path::<i64>("order_id"), move |r| async move {
//!         svc.get_order(r).await
//!     })
//! }
//! // routed as `get(server::endpoint(get_order::<S>))`
//! ```
//!
//! [`Call`] is the REST framing of the call core's inbound pipeline (`crate::call::inbound`):
//! it reads the propagation headers (`Accord-Deadline-Ms`, `X-Correlation-Id`, `traceparent`,
//! the metadata its [`ServerConfig`] allows) for the core to make the [`Context`], decodes
//! path, query, headers and body into the input (every violation it can find, 400/413/415
//! problems), runs `Validate`, lets the core run the handler under the deadline inside the
//! call's span, and maps the `Result` to a response.

pub use super::connection::serve_with;
use super::hal::{self, Hypermedia, Linked};
use super::header_names::{ACCORD_ERROR, CORRELATION_ID};
use super::{PROBLEM_JSON, ParamValue, Problem, Route, problem_of};
use crate::auth::{AuthError, Authenticator, Requirement};
use crate::call::inbound::{self, Echo, Incoming};
use crate::call::{MetadataPolicy, OperationInfo, Outcome};
use crate::codec::{Format, JsonError};
pub use crate::connections::Connections;
use crate::deadline::Deadline;
use crate::health::Health;
use crate::metrics::{HttpLabels, Metrics, Served as ServedCall};
use crate::shape::Shape;
use crate::shutdown::Shutdown;
use crate::validate::{FieldPath, Validate, Violation, Violations};
use crate::{BoxStream, CallError, Context, ErrorEncoding, Request, ServiceError};
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{FutureExt as _, StreamExt as _};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

/// The input of an operation declared without one (`op ping()`): any JSON object, members
/// ignored, so a skeleton decodes it like every other input.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoInput {}

impl Validate for NoInput {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

impl Shape for NoInput {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        crate::shape::object(value, path, violations);
    }
}

/// Settings of a REST skeleton.
#[derive(Clone)]
pub struct ServerConfig {
    /// Largest accepted request body in bytes; a larger one gets 413. Default
    /// [`MAX_MESSAGE_BYTES`](crate::call::MAX_MESSAGE_BYTES), the same on every transport.
    pub body_limit: usize,
    /// Which request headers become the handler's `Context::metadata` (besides the
    /// propagation headers, read for the core); credentials only when named.
    pub metadata: MetadataPolicy,
    /// Verifies the credentials of operations with `@auth` (a `JwtVerifier`, `ApiKeys`, or
    /// `Authenticators` for both). Without one, such operations refuse every call.
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// Skips `@auth` altogether: anyone may call anything. For local development and
    /// benchmarks only; the router logs a warning when it is built with it.
    pub insecure_no_auth: bool,
    /// Where a `@hypermedia` service is published and the services its `@link` relations
    /// lead to (for `?expand=`); `None` is the default: links as absolute paths, nothing
    /// expandable.
    pub hypermedia: Option<Arc<Hypermedia>>,
    /// The checks `/health/ready` runs (`docs/wire.md`, "Health"); empty by default, so a
    /// server is ready as soon as it serves. Register the service's dependencies (its
    /// broker, its consumers, its database) in it.
    pub health: Health,
    /// Records every call's duration and serves `GET /metrics` (`docs/wire.md`, "Metrics");
    /// `None` (the default) records nothing and has no `/metrics`.
    pub metrics: Option<Metrics>,
}

impl Default for ServerConfig {
    /// A 1 MiB body limit; every metadata header but the credentials; no authenticator.
    fn default() -> Self {
        ServerConfig {
            body_limit: crate::call::MAX_MESSAGE_BYTES,
            metadata: MetadataPolicy::default(),
            authenticator: None,
            insecure_no_auth: false,
            hypermedia: None,
            health: Health::new(),
            metrics: None,
        }
    }
}

impl ServerConfig {
    /// Verifies credentials with `authenticator`.
    pub fn with_authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Where the service is published (`https://api.example.com/ftgo`): its HAL links start
    /// with it.
    pub fn with_public_base_url(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        self.hypermedia_mut().public_base_url = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// Expands the relations that lead to `linked`'s service (`?expand=`), and starts their
    /// hrefs at its base URL.
    pub fn with_linked(mut self, linked: Linked) -> Self {
        self.hypermedia_mut().linked.push(linked);
        self
    }

    fn hypermedia_mut(&mut self) -> &mut Hypermedia {
        Arc::make_mut(self.hypermedia.get_or_insert_with(Default::default))
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("body_limit", &self.body_limit)
            .field("metadata", &self.metadata)
            .field("authenticator", &self.authenticator.is_some())
            .field("insecure_no_auth", &self.insecure_no_auth)
            .field("hypermedia", &self.hypermedia)
            .field("health", &self.health)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

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
    super::observe::routes(router, &config.health, config.metrics.as_ref())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .with_state(Served {
            service: Arc::new(service),
            config,
        })
}

/// Serves `router` on `listener` until `shutdown` says stop, with the default
/// [`Connections`] settings: [`serve_with`] with `Connections::default()`.
///
/// Its own accept loop rather than `axum::serve`: that one spawns a task per connection that
/// outlives its future, so a call could not be cut off at the end of the drain, and it bounds
/// neither slow heads nor idle connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, Connections::default()).await
}

async fn not_found(method: http::Method, uri: http::Uri) -> Response {
    let detail = format!("no operation at {method} {}", uri.path());
    problem_response(Problem::new(404).with_detail(detail))
}

async fn method_not_allowed(method: http::Method, uri: http::Uri) -> Response {
    let detail = format!("{} does not accept {method}", uri.path());
    problem_response(Problem::new(405).with_detail(detail))
}

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
    fn new(request: axum::extract::Request, config: &ServerConfig) -> Self {
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
                let mut response = json_response(status, &body);
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

/// A call's input once its head is read: the fields bound from path, query and headers with
/// their violations, and the body still to read when the operation takes one.
struct Unread {
    fields: Vec<(&'static str, Value)>,
    violations: Violations,
    body: Option<UnreadBody>,
}

/// The body and what the head said about it.
struct UnreadBody {
    body: Body,
    /// `Content-Length`, when it was sent and is a number.
    declared: Option<u64>,
    /// Whether `Content-Type` is JSON.
    json: bool,
    limit: usize,
}

impl UnreadBody {
    /// The body as a JSON object: 413 over the limit, 415 when not JSON, 400 when malformed.
    async fn read(self) -> Result<Map<String, Value>, Box<Problem>> {
        let limit = self.limit;
        let too_large = || Problem::new(413).with_detail(format!("the body exceeds {limit} bytes"));
        if self.declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large().into());
        }
        let bytes = match axum::body::to_bytes(self.body, limit).await {
            Ok(bytes) => bytes,
            Err(e) if is_length_limit(&e) => return Err(too_large().into()),
            Err(e) if is_error::<super::connection::BodyTimedOut>(&e) => {
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

/// The operation's input from the bound fields and the body's object, validated: every
/// violation of the head's fields, else of decoding, else of the input's constraints.
fn decode<I: DeserializeOwned + Validate + Shape>(
    fields: Vec<(&'static str, Value)>,
    mut violations: Violations,
    object: Option<Map<String, Value>>,
    context: Context,
) -> Result<Request<I>, Box<Problem>> {
    if !violations.is_empty() {
        return Err(Problem::invalid(violations.into_vec()).into());
    }
    // The plain decode first: tracking paths costs on every call, so only a rejected input is
    // read again, as one JSON object, to place its violations. Without a body the fields are
    // read straight from the list (no object built on the way of a good call).
    let decoded = match object {
        Some(mut object) => {
            object.extend(owned_names(fields));
            let value = Value::Object(object);
            let decoded = I::deserialize(&value);
            decoded.map_err(|_| value)
        }
        None => {
            let entries = fields.iter().map(|(name, value)| (*name, value));
            I::deserialize(MapDeserializer::<_, serde_json::Error>::new(entries))
                .map_err(|_| Value::Object(owned_names(fields).collect()))
        }
    };
    let input = match decoded {
        Ok(input) => input,
        Err(value) => {
            let error = serde_path_to_error::deserialize::<_, I>(&value).err();
            return Err(Problem::invalid(decode_violations::<I>(&value, error)).into());
        }
    };
    input.validate_into(&FieldPath::Root, &mut violations);
    violations
        .into_result()
        .map_err(|v| Problem::invalid(v.into_vec()))?;
    Ok(Request::from_parts(context, input))
}

/// Binds the input fields that travel outside the body: what a generated `bind` closure calls.
#[doc(hidden)]
pub struct Params<'a> {
    parts: &'a http::request::Parts,
    path: &'a Result<RawPathParams, String>,
    query: Option<Vec<(String, String)>>,
    /// The bound fields by wire name, each at most once (a generated `bind` names a field once).
    fields: Vec<(&'static str, Value)>,
    violations: Violations,
    body: bool,
}

impl<'a> Params<'a> {
    fn new(parts: &'a http::request::Parts, path: &'a Result<RawPathParams, String>) -> Self {
        Params {
            parts,
            path,
            query: None,
            fields: Vec::new(),
            violations: Violations::new(),
            body: false,
        }
    }

    /// The remaining input fields come from the JSON body (POST, PUT, PATCH).
    pub fn body(&mut self) {
        self.body = true;
    }

    /// Field `field` from the path placeholder of the same name.
    pub fn path<T: ParamValue>(&mut self, field: &'static str) {
        let found = match self.path {
            Ok(params) => params.iter().find(|(k, _)| *k == field).map(|(_, v)| v),
            Err(e) => return self.violation(field, e),
        };
        match found {
            Some(raw) => self.set::<T>(field, raw),
            None => self.violation(field, "missing path parameter"),
        }
    }

    /// Field `field` from query parameter `name`; absent leaves the field unset.
    pub fn query<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        let values = self.query_values(name);
        match values.as_slice() {
            [] => {}
            [one] => self.set::<T>(field, one),
            _ => self.violation(field, "repeated query parameter that takes one value"),
        }
    }

    /// List field `field` from every occurrence of query parameter `name` (`?tag=a&tag=b`).
    pub fn query_list<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        let values = self.query_values(name);
        let root = FieldPath::Root;
        let path = root.field(field);
        let mut items = Vec::with_capacity(values.len());
        for (i, raw) in values.iter().enumerate() {
            match T::parse_param(raw).and_then(|v| to_json(&v)) {
                Ok(value) => items.push(value),
                Err(message) => self.violations.push(&path.index(i), message),
            }
        }
        // No occurrence is an empty list: a query string cannot tell "absent" from "empty".
        self.fields.push((field, Value::Array(items)));
    }

    /// Field `field` from header `name`; absent leaves the field unset.
    pub fn header<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        match self.parts.headers.get(name).map(|v| v.to_str()) {
            None => {}
            Some(Ok(raw)) => self.set::<T>(field, raw),
            Some(Err(_)) => self.violation(field, "header value is not visible ASCII"),
        }
    }

    fn query_values(&mut self, name: &str) -> Vec<String> {
        if self.query.is_none() {
            let raw = self.parts.uri.query().unwrap_or("");
            let parsed = serde_urlencoded::from_str::<Vec<(String, String)>>(raw);
            if parsed.is_err() {
                self.violation("", "malformed query string");
            }
            self.query = Some(parsed.unwrap_or_default());
        }
        let pairs = self.query.as_deref().unwrap_or_default();
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn set<T: ParamValue>(&mut self, field: &'static str, raw: &str) {
        match T::parse_param(raw).and_then(|v| to_json(&v)) {
            Ok(value) => self.fields.push((field, value)),
            Err(message) => self.violation(field, &message),
        }
    }

    fn violation(&mut self, field: &str, message: &str) {
        let root = FieldPath::Root;
        let path = if field.is_empty() {
            root
        } else {
            root.field(field)
        };
        self.violations.push(&path, message);
    }
}

/// Bound fields as JSON object members.
fn owned_names(fields: Vec<(&str, Value)>) -> impl Iterator<Item = (String, Value)> {
    fields
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
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
fn is_json(headers: &HeaderMap) -> bool {
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

fn invalid(field: &str, message: &str) -> Problem {
    Problem::invalid(vec![Violation {
        field: field.to_owned(),
        message: message.to_owned(),
    }])
}

/// Every violation of an input serde could not read: the shape check finds them all; serde's
/// own error stands in should the check find none.
fn decode_violations<I: Shape>(
    value: &Value,
    error: Option<serde_path_to_error::Error<serde_json::Error>>,
) -> Vec<Violation> {
    let mut violations = Violations::new();
    I::check_shape(value, &FieldPath::Root, &mut violations);
    match (error, violations.is_empty()) {
        (Some(error), true) => vec![serde_violation(&error)],
        (None, true) => vec![Violation {
            field: String::new(),
            message: "the input could not be decoded".to_owned(),
        }],
        (_, false) => violations.into_vec(),
    }
}

/// serde stops at the first error; report it at its path, naming a missing field in the path.
fn serde_violation(error: &serde_path_to_error::Error<serde_json::Error>) -> Violation {
    let mut field = String::new();
    for segment in error.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => push_member(&mut field, key),
            Segment::Unknown => {}
        }
    }
    let message = error.inner().to_string();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        push_member(&mut field, missing);
        return Violation {
            field,
            message: "required field is missing".to_owned(),
        };
    }
    Violation { field, message }
}

fn push_member(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
}

/// What a request's headers say about the call: the propagation headers (the first of each)
/// and the caller's metadata (every other header that is not transport plumbing).
struct Propagation<'a> {
    deadline_ms: Option<&'a HeaderValue>,
    traceparent: Option<&'a HeaderValue>,
    correlation_id: Option<&'a HeaderValue>,
    metadata: std::collections::BTreeMap<String, String>,
}

impl<'a> Propagation<'a> {
    /// One pass over the headers, names matched as text: a `HeaderMap` lookup per propagation
    /// header hashed its (custom) name again on every call.
    fn read(headers: &'a HeaderMap, policy: &MetadataPolicy) -> Self {
        let mut read = Propagation {
            deadline_ms: None,
            traceparent: None,
            correlation_id: None,
            metadata: Default::default(),
        };
        for (name, value) in headers {
            let slot = match name.as_str() {
                super::ACCORD_DEADLINE_MS => &mut read.deadline_ms,
                super::TRACEPARENT => &mut read.traceparent,
                super::CORRELATION_ID => &mut read.correlation_id,
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

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
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
fn body_response(status: StatusCode, content_type: HeaderValue, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// A refused call (`docs/wire.md`, Authentication): 401 or 403 with its fixed message as a
/// problem and the challenge of RFC 6750 (`ApiKey` for an API key operation).
fn refusal_response(op: &OperationInfo, refused: AuthError) -> Response {
    let status = super::status_of_code(refused.code());
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

fn data_event<O: Serialize>(value: &O) -> Result<Event, Box<Problem>> {
    serde_json::to_string(value)
        .map(|data| Event::default().data(data))
        .map_err(|e| {
            Box::new(problem_of(&CallError::Internal(format!(
                "encoding an item: {e}"
            ))))
        })
}

fn sse_response<O, E>(
    items: BoxStream<'static, Result<O, E>>,
    deadline: Option<Instant>,
) -> Response
where
    O: Serialize + Send + 'static,
    E: ServiceError,
{
    let events = items.scan(false, |failed, item| {
        let event = match item {
            _ if *failed => None,
            Ok(value) => Some(data_event(&value)),
            Err(error) => Some(Err(Box::new(error_problem(error)))),
        };
        let event = event.map(|e| {
            e.unwrap_or_else(|problem| {
                *failed = true;
                let data = serde_json::to_string(&problem).unwrap_or_default();
                Event::default().event("error").data(data)
            })
        });
        futures::future::ready(event.map(Ok::<_, Infallible>))
    });
    let events: BoxStream<'static, Result<Event, Infallible>> = match deadline {
        Some(deadline) => Box::pin(events.take_until(Deadline::at(deadline))),
        None => Box::pin(events),
    };
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
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
