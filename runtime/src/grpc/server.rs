//! Server glue for generated gRPC skeletons. A generated `Server<S>` (the [`__grpc_server!`]
//! macro) is a tonic service: `tonic::transport::Server::builder().add_service(server)`, or
//! beside an axum router through `tonic::service::Routes`. Each request becomes a [`Call`],
//! which the generated `dispatch` hands to the operation's serving function by path:
//!
//! ```ignore
//! fn get_order<S: OrderService>(svc: Arc<S>, call: server::Call) -> impl Future<…> {
//!     call.unary(&methods::GET_ORDER, move |r| async move { svc.get_order(r).await })
//! }
//! ```
//!
//! Every call runs the call core's pipeline: context from the metadata (`grpc-timeout`,
//! `traceparent`, `x-correlation-id`, the allowed metadata), authorization before the input is
//! decoded, validation, the handler under the deadline with panics caught (`INTERNAL`, and the
//! server keeps serving), errors as `docs/wire.md` says. Framing, flow control, compression
//! and size limits are tonic's.

use super::codec::ProtoCodec;
use super::{CORRELATION_ID, TRACEPARENT, call_status, error_status, grpc_code};
use crate::auth::Authenticator;
use crate::call::inbound::{self, Echo, Incoming};
use crate::call::{MetadataPolicy, Outcome};
use crate::metrics::{Metrics, RpcLabels, Served as ServedCall};
use crate::proto::Message;
use crate::status::Status;
use crate::{
    BoxStream, CallError, Connections, Context, Request, ServiceError, Shutdown, Validate,
};
use futures::future::BoxFuture;
use futures::{FutureExt as _, Stream, StreamExt as _};
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Instant;
use tonic::body::Body;
use tonic::metadata::MetadataValue;
use tracing::Instrument as _;

/// A gRPC response.
pub type Response = http::Response<Body>;

/// Header names built at compile time: a lookup by `&str` parses the name on every call.
mod names {
    use http::HeaderName;

    pub const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");
    pub const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
    pub const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
    pub use crate::call::headers::names::{ACCORD_ERROR, CORRELATION_ID, TRACEPARENT};
}

/// Settings of a gRPC skeleton.
#[derive(Clone)]
pub struct ServerConfig {
    /// Largest message accepted or sent, in bytes (default
    /// [`MAX_MESSAGE_BYTES`](crate::call::MAX_MESSAGE_BYTES), 1 MiB, the same on every
    /// transport); a larger one is `RESOURCE_EXHAUSTED`.
    pub max_message_size: usize,
    /// Which request metadata becomes the handler's `Context::metadata` (besides the
    /// propagation keys, read for the core); credentials only when named.
    pub metadata: MetadataPolicy,
    /// Verifies the credentials of operations with `@auth`. Without one, such operations
    /// refuse every call.
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// Skips `@auth` altogether. For local development and benchmarks only.
    pub insecure_no_auth: bool,
    /// Records every call's duration (`rpc_server_call_duration_seconds`); `None` (the
    /// default) records nothing. Share the REST server's to expose both on its `/metrics`.
    pub metrics: Option<Metrics>,
}

impl Default for ServerConfig {
    /// 1 MiB messages; every metadata key but the credentials; no authenticator.
    fn default() -> Self {
        ServerConfig {
            max_message_size: super::DEFAULT_MAX_MESSAGE,
            metadata: MetadataPolicy::default(),
            authenticator: None,
            insecure_no_auth: false,
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
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("max_message_size", &self.max_message_size)
            .field("metadata", &self.metadata)
            .field("authenticator", &self.authenticator.is_some())
            .field("insecure_no_auth", &self.insecure_no_auth)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// The generated `Server<S>`: a tonic service named after the `.proto` service, routing by
/// path to `dispatch`.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_server {
    (
        $(#[$attr:meta])*
        pub struct $name:ident = $full:literal;
        trait $service:path;
        dispatch $dispatch:ident;
    ) => {
        $(#[$attr])*
        pub struct $name<S> {
            served: $crate::grpc::server::Served<S>,
        }

        impl<S> ::core::clone::Clone for $name<S> {
            fn clone(&self) -> Self {
                Self { served: ::core::clone::Clone::clone(&self.served) }
            }
        }

        impl<S: $service> $name<S> {
            /// Serves `service` with `config`.
            pub fn new(service: S, config: $crate::grpc::server::ServerConfig) -> Self {
                Self::from_arc(::std::sync::Arc::new(service), config)
            }

            /// Serves a shared `service` (the same one a REST router serves, say).
            pub fn from_arc(
                service: ::std::sync::Arc<S>,
                config: $crate::grpc::server::ServerConfig,
            ) -> Self {
                Self { served: $crate::grpc::server::Served::new(service, config) }
            }
        }

        impl<S> $crate::grpc::tonic::server::NamedService for $name<S> {
            const NAME: &'static str = $full;
        }

        impl<S: $service>
            $crate::grpc::tonic::codegen::Service<
                $crate::__private::http::Request<$crate::grpc::tonic::body::Body>,
            > for $name<S>
        {
            type Response = $crate::grpc::server::Response;
            type Error = ::core::convert::Infallible;
            type Future = $crate::grpc::server::Serving;

            fn poll_ready(
                &mut self,
                _: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<::core::result::Result<(), Self::Error>> {
                ::core::task::Poll::Ready(::core::result::Result::Ok(()))
            }

            fn call(
                &mut self,
                request: $crate::__private::http::Request<$crate::grpc::tonic::body::Body>,
            ) -> Self::Future {
                self.served.call(request, $dispatch::<S>)
            }
        }
    };
}

/// The future of one served call.
pub type Serving = BoxFuture<'static, Result<Response, Infallible>>;

/// What a generated `Server` holds: the service and the settings.
#[doc(hidden)]
pub struct Served<S> {
    service: Arc<S>,
    config: Arc<ServerConfig>,
}

impl<S> Clone for Served<S> {
    fn clone(&self) -> Self {
        Served {
            service: Arc::clone(&self.service),
            config: Arc::clone(&self.config),
        }
    }
}

impl<S> Served<S> {
    /// `service` served with `config`.
    pub fn new(service: Arc<S>, config: ServerConfig) -> Self {
        if config.insecure_no_auth {
            tracing::warn!(
                "serving gRPC without authentication (insecure_no_auth): anyone may call anything"
            );
        }
        Served {
            service,
            config: Arc::new(config),
        }
    }

    /// Serves one request through the generated `dispatch`.
    pub fn call(
        &self,
        request: http::Request<Body>,
        dispatch: fn(Arc<S>, Call) -> Serving,
    ) -> Serving {
        let call = Call {
            request,
            started: Instant::now(),
            config: Arc::clone(&self.config),
        };
        dispatch(Arc::clone(&self.service), call)
    }
}

/// One incoming call, as `dispatch` hands it to its operation.
#[doc(hidden)]
pub struct Call {
    request: http::Request<Body>,
    started: Instant,
    config: Arc<ServerConfig>,
}

/// What every call prepares before its input is read.
struct Prepared {
    context: Context,
    echo: Option<MetadataValue<tonic::metadata::Ascii>>,
    span: tracing::Span,
    refused: Option<tonic::Status>,
}

impl Call {
    /// The request's path (`/package.Service/Method`), for `dispatch`.
    pub fn path(&self) -> &str {
        self.request.uri().path()
    }

    /// The answer to a method the service does not have.
    pub fn unimplemented(self) -> Serving {
        let status =
            tonic::Status::unimplemented(format!("no method {}", self.request.uri().path()));
        Box::pin(futures::future::ready(Ok(status.into_http())))
    }

    fn prepare(&mut self, method: &'static super::Method) -> Prepared {
        let headers = self.request.headers();
        let policy = &self.config.metadata;
        let metadata = headers
            .iter()
            .filter(|(name, _)| is_metadata(name.as_str()) && policy.allows(name.as_str()))
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        // Bytes that are not text stand as U+FFFD, refused by the core like any invalid id.
        let correlation = headers
            .get(names::CORRELATION_ID)
            .map(|v| std::str::from_utf8(v.as_bytes()).unwrap_or("\u{fffd}"))
            .filter(|id| !id.is_empty());
        let incoming = Incoming {
            deadline: headers
                .get(names::GRPC_TIMEOUT)
                .and_then(|v| v.to_str().ok())
                .and_then(super::parse_timeout),
            traceparent: headers.get(names::TRACEPARENT).map(|v| v.as_bytes()),
            correlation_id: correlation,
            metadata,
            extensions: http::Extensions::new(),
        };
        let (mut context, echo) = incoming.into_context(self.started);
        let echo = match echo {
            Echo::Nothing => None,
            Echo::Received => correlation.and_then(|id| MetadataValue::try_from(id).ok()),
            // The id's own buffer becomes the value's (a `String` would be copied).
            Echo::Started(trace_id) => MetadataValue::try_from(bytes::Bytes::from(trace_id)).ok(),
        };
        context.extensions = std::mem::take(self.request.extensions_mut());
        let refused = if self.config.insecure_no_auth {
            None
        } else {
            let headers = self.request.headers();
            inbound::authorize(
                method.op,
                |name| headers.get(name).and_then(|v| v.to_str().ok()),
                self.config.authenticator.as_deref(),
                &mut context,
            )
            .err()
            .map(|refused| tonic::Status::new(grpc_code(refused.code()), refused.message()))
        };
        let span = inbound::span(method.op, "grpc", &context);
        Prepared {
            context,
            echo,
            span,
            refused,
        }
    }

    /// Runs `serve` (tonic's framing around the operation) unless the caller was refused, in
    /// the call's span, and records the outcome.
    fn run<Fut>(
        mut self,
        method: &'static super::Method,
        serve: impl FnOnce(Prepared, http::Request<Body>) -> Fut + Send + 'static,
    ) -> Serving
    where
        Fut: Future<Output = Response> + Send + 'static,
    {
        let mut prepared = self.prepare(method);
        let refused = prepared.refused.take();
        let span = prepared.span.clone();
        let started = self.started;
        let metrics = self.config.metrics.clone();
        let in_flight = inbound::in_flight(metrics.as_ref(), "grpc");
        let request = self.request;
        // One async block, boxed once: the serving future (tonic's, over a kilobyte) is
        // built inside the box rather than moved through layers of combinators into it.
        Box::pin(async move {
            let response = match refused {
                Some(status) => status.into_http(),
                None => serve(prepared, request).instrument(span.clone()).await,
            };
            let response = size_exhausted(response);
            let (outcome, code) = outcome(&response);
            inbound::record(&span, outcome, code, started);
            let labels = RpcLabels {
                rpc_system: "grpc",
                rpc_service: method.op.service,
                rpc_method: method.name(),
                rpc_grpc_status_code: i32::from(code),
            };
            inbound::observe(metrics.as_ref(), ServedCall::Rpc(labels), started);
            drop(in_flight);
            Ok(response)
        })
    }

    /// tonic's framing for a method; `single`: the request is one message (unary and
    /// server-streaming methods), so a second one is refused.
    fn grpc<E, D>(&self, single: bool) -> tonic::server::Grpc<ProtoCodec<E, D>>
    where
        E: Message + Send + 'static,
        D: Message + Send + 'static,
    {
        let limit = self.config.max_message_size;
        let codec = match single {
            true => ProtoCodec::server_single(),
            false => ProtoCodec::server(),
        };
        tonic::server::Grpc::new(codec)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
    }

    /// Serves an operation with one input and one output (`()` for none: the wire's `Empty`).
    pub fn unary<I, O, E, F, Fut>(self, method: &'static super::Method, handler: F) -> Serving
    where
        I: Message + Validate + Send + 'static,
        O: Message + Send + 'static,
        E: ServiceError,
        F: FnOnce(Request<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
    {
        let mut grpc = self.grpc::<O, I>(true);
        self.run(method, move |prepared, request| async move {
            let service = Unary {
                handler: Some((handler, prepared.context)),
                echo: prepared.echo,
            };
            grpc.unary(service, request).await
        })
    }

    /// Serves an operation with one input and a stream of outputs.
    pub fn server_stream<I, O, E, F>(self, method: &'static super::Method, handler: F) -> Serving
    where
        I: Message + Validate + Send + 'static,
        O: Message + Send + 'static,
        E: ServiceError,
        F: FnOnce(Request<I>) -> BoxStream<'static, Result<O, E>> + Send + 'static,
    {
        let mut grpc = self.grpc::<O, I>(true);
        self.run(method, move |prepared, request| async move {
            let service = ServerStreaming {
                handler: Some((handler, prepared.context)),
                echo: prepared.echo,
            };
            grpc.server_streaming(service, request).await
        })
    }

    /// Serves an operation with a stream of inputs and one output.
    pub fn client_stream<I, O, E, F, Fut>(
        self,
        method: &'static super::Method,
        handler: F,
    ) -> Serving
    where
        I: Message + Validate + Send + 'static,
        O: Message + Send + 'static,
        E: ServiceError,
        F: FnOnce(Request<BoxStream<'static, I>>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
    {
        let mut grpc = self.grpc::<O, I>(false);
        self.run(method, move |prepared, request| async move {
            let service = ClientStreaming {
                handler: Some((handler, prepared.context)),
                echo: prepared.echo,
            };
            grpc.client_streaming(service, request).await
        })
    }

    /// Serves an operation with streams both ways.
    pub fn bidi_stream<I, O, E, F>(self, method: &'static super::Method, handler: F) -> Serving
    where
        I: Message + Validate + Send + 'static,
        O: Message + Send + 'static,
        E: ServiceError,
        F: FnOnce(Request<BoxStream<'static, I>>) -> BoxStream<'static, Result<O, E>>
            + Send
            + 'static,
    {
        let mut grpc = self.grpc::<O, I>(false);
        self.run(method, move |prepared, request| async move {
            let service = Bidi {
                handler: Some((handler, prepared.context)),
                echo: prepared.echo,
            };
            grpc.streaming(service, request).await
        })
    }
}

/// Whether a request header is metadata a handler may see: not gRPC's or HTTP/2's plumbing,
/// not the propagation keys the core reads, not binary.
fn is_metadata(name: &str) -> bool {
    !(name.starts_with("grpc-")
        || name.ends_with("-bin")
        || matches!(
            name,
            "content-type"
                | "te"
                | "user-agent"
                | "host"
                | "accept-encoding"
                | "content-length"
                | TRACEPARENT
                | "tracestate"
                | CORRELATION_ID
        ))
}

/// tonic reports a message over the size limit as `OUT_OF_RANGE`; gRPC's convention (and
/// `docs/wire.md`) is `RESOURCE_EXHAUSTED`.
fn size_exhausted(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let too_large = headers.get(names::GRPC_STATUS).is_some_and(|s| s == "11")
        && headers
            .get(names::GRPC_MESSAGE)
            .is_some_and(|m| m.as_bytes().windows(11).any(|w| w == b"too%20large"));
    if too_large {
        headers.insert(names::GRPC_STATUS, http::HeaderValue::from_static("8"));
    }
    response
}

/// How a call ended, read from the response's head (a failure before the first message is a
/// trailers-only response); a stream's later failure is in its trailers and counts as ok here.
fn outcome(response: &Response) -> (Outcome, u16) {
    let headers = response.headers();
    let code = headers
        .get(names::GRPC_STATUS)
        .and_then(|s| s.to_str().ok())
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    let outcome = match code {
        0 => Outcome::Ok,
        _ if headers.contains_key(names::ACCORD_ERROR) => Outcome::DeclaredError,
        3 | 7 | 16 | 12 | 8 => Outcome::Rejected,
        4 => Outcome::Failed("timeout"),
        _ => Outcome::Failed("error"),
    };
    (outcome, code)
}

/// The status of a handler that panicked: the server logs it and keeps serving.
fn panicked() -> tonic::Status {
    tracing::error!("handler panicked");
    tonic::Status::internal("internal error")
}

fn invalid(violations: crate::Violations) -> tonic::Status {
    call_status(&CallError::from(Status::invalid(violations.into_vec())))
}

fn reply<T>(message: T, echo: Option<MetadataValue<tonic::metadata::Ascii>>) -> tonic::Response<T> {
    let mut response = tonic::Response::new(message);
    if let Some(echo) = echo {
        response.metadata_mut().insert(CORRELATION_ID, echo);
    }
    response
}

type Handler<F> = Option<(F, Context)>;

struct Unary<F> {
    handler: Handler<F>,
    echo: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl<I, O, E, F, Fut> tonic::server::UnaryService<I> for Unary<F>
where
    I: Validate + Send + 'static,
    O: Send + 'static,
    E: ServiceError,
    F: FnOnce(Request<I>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    type Response = O;
    type Future = BoxFuture<'static, Result<tonic::Response<O>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<I>) -> Self::Future {
        let Some((handler, context)) = self.handler.take() else {
            return Box::pin(futures::future::ready(Err(panicked())));
        };
        let echo = self.echo.take();
        let input = request.into_inner();
        if let Err(violations) = input.validate() {
            return Box::pin(futures::future::ready(Err(invalid(violations))));
        }
        let deadline = context.deadline;
        let work =
            AssertUnwindSafe(async move { handler(Request::from_parts(context, input)).await })
                .catch_unwind();
        Box::pin(
            inbound::run_until(deadline, work).map(move |ran| match ran {
                Ok(Ok(Ok(output))) => Ok(reply(output, echo)),
                Ok(Ok(Err(error))) => Err(error_status(error)),
                Ok(Err(_panic)) => Err(panicked()),
                Err(timeout) => Err(call_status(&timeout)),
            }),
        )
    }
}

struct ServerStreaming<F> {
    handler: Handler<F>,
    echo: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl<I, O, E, F> tonic::server::ServerStreamingService<I> for ServerStreaming<F>
where
    I: Validate + Send + 'static,
    O: Send + 'static,
    E: ServiceError,
    F: FnOnce(Request<I>) -> BoxStream<'static, Result<O, E>> + Send + 'static,
{
    type Response = O;
    type ResponseStream = BoxStream<'static, Result<O, tonic::Status>>;
    type Future =
        futures::future::Ready<Result<tonic::Response<Self::ResponseStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<I>) -> Self::Future {
        let Some((handler, context)) = self.handler.take() else {
            return futures::future::ready(Err(panicked()));
        };
        let input = request.into_inner();
        if let Err(violations) = input.validate() {
            return futures::future::ready(Err(invalid(violations)));
        }
        let deadline = context.deadline;
        let opened = std::panic::catch_unwind(AssertUnwindSafe(|| {
            handler(Request::from_parts(context, input))
        }));
        let Ok(items) = opened else {
            return futures::future::ready(Err(panicked()));
        };
        futures::future::ready(Ok(reply(outputs(items, deadline, None), self.echo.take())))
    }
}

/// A handler's output stream as gRPC sends it: errors as statuses, a panic as `INTERNAL`, the
/// deadline as `DEADLINE_EXCEEDED`, and nothing after the first failure. `failed_input` is
/// the input stream's failure (bidi), reported when the output ends without one of its own.
fn outputs<O, E>(
    items: BoxStream<'static, Result<O, E>>,
    deadline: Option<Instant>,
    failed_input: Option<Arc<Mutex<Option<tonic::Status>>>>,
) -> BoxStream<'static, Result<O, tonic::Status>>
where
    O: Send + 'static,
    E: ServiceError,
{
    let items = AssertUnwindSafe(items)
        .catch_unwind()
        .map(|item| match item {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => Err(error_status(error)),
            Err(_panic) => Err(panicked()),
        });
    let timer = deadline.map(|d| Box::pin(tokio::time::sleep_until(d.into())));
    let mut state = Some((items, timer));
    let stream = futures::stream::poll_fn(move |cx| {
        let Some((items, timer)) = state.as_mut() else {
            return Poll::Ready(None);
        };
        if timer
            .as_mut()
            .is_some_and(|t| t.as_mut().poll(cx).is_ready())
        {
            state = None;
            return Poll::Ready(Some(Err(call_status(&CallError::Timeout))));
        }
        match items.poll_next_unpin(cx) {
            Poll::Ready(Some(Err(status))) => {
                state = None;
                Poll::Ready(Some(Err(status)))
            }
            Poll::Ready(None) => {
                state = None;
                let failed = failed_input
                    .as_ref()
                    .and_then(|slot| slot.lock().ok()?.take());
                Poll::Ready(failed.map(Err))
            }
            other => other,
        }
    });
    Box::pin(stream)
}

/// The caller's stream of inputs as the handler reads it: each validated; the first that
/// does not decode or validate ends it, and is kept in `failed` to answer the call with.
fn inputs<I>(
    mut received: tonic::Streaming<I>,
    failed: Arc<Mutex<Option<tonic::Status>>>,
) -> BoxStream<'static, I>
where
    I: Validate + Send + 'static,
{
    let mut done = false;
    Box::pin(futures::stream::poll_fn(move |cx| {
        if done {
            return Poll::Ready(None);
        }
        let status = match Pin::new(&mut received).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => {
                done = true;
                return Poll::Ready(None);
            }
            Poll::Ready(Some(Ok(item))) => match item.validate() {
                Ok(()) => return Poll::Ready(Some(item)),
                Err(violations) => invalid(violations),
            },
            Poll::Ready(Some(Err(status))) => size_status(status),
        };
        done = true;
        if let Ok(mut slot) = failed.lock() {
            slot.get_or_insert(status);
        }
        Poll::Ready(None)
    }))
}

/// [`size_exhausted`] for a status of the input stream.
fn size_status(status: tonic::Status) -> tonic::Status {
    if status.code() == tonic::Code::OutOfRange && status.message().contains("too large") {
        return tonic::Status::resource_exhausted(status.message());
    }
    status
}

struct ClientStreaming<F> {
    handler: Handler<F>,
    echo: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl<I, O, E, F, Fut> tonic::server::ClientStreamingService<I> for ClientStreaming<F>
where
    I: Validate + Send + 'static,
    O: Send + 'static,
    E: ServiceError,
    F: FnOnce(Request<BoxStream<'static, I>>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    type Response = O;
    type Future = BoxFuture<'static, Result<tonic::Response<O>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<I>>) -> Self::Future {
        let Some((handler, context)) = self.handler.take() else {
            return Box::pin(futures::future::ready(Err(panicked())));
        };
        let echo = self.echo.take();
        let failed = Arc::new(Mutex::new(None));
        let items = inputs(request.into_inner(), Arc::clone(&failed));
        let deadline = context.deadline;
        let work =
            AssertUnwindSafe(async move { handler(Request::from_parts(context, items)).await })
                .catch_unwind();
        Box::pin(inbound::run_until(deadline, work).map(move |ran| {
            if let Some(status) = failed.lock().ok().and_then(|mut s| s.take()) {
                return Err(status);
            }
            match ran {
                Ok(Ok(Ok(output))) => Ok(reply(output, echo)),
                Ok(Ok(Err(error))) => Err(error_status(error)),
                Ok(Err(_panic)) => Err(panicked()),
                Err(timeout) => Err(call_status(&timeout)),
            }
        }))
    }
}

struct Bidi<F> {
    handler: Handler<F>,
    echo: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl<I, O, E, F> tonic::server::StreamingService<I> for Bidi<F>
where
    I: Validate + Send + 'static,
    O: Send + 'static,
    E: ServiceError,
    F: FnOnce(Request<BoxStream<'static, I>>) -> BoxStream<'static, Result<O, E>> + Send + 'static,
{
    type Response = O;
    type ResponseStream = BoxStream<'static, Result<O, tonic::Status>>;
    type Future =
        futures::future::Ready<Result<tonic::Response<Self::ResponseStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<I>>) -> Self::Future {
        let Some((handler, context)) = self.handler.take() else {
            return futures::future::ready(Err(panicked()));
        };
        let failed = Arc::new(Mutex::new(None));
        let items = inputs(request.into_inner(), Arc::clone(&failed));
        let deadline = context.deadline;
        let opened = std::panic::catch_unwind(AssertUnwindSafe(|| {
            handler(Request::from_parts(context, items))
        }));
        let Ok(outs) = opened else {
            return futures::future::ready(Err(panicked()));
        };
        futures::future::ready(Ok(reply(
            outputs(outs, deadline, Some(failed)),
            self.echo.take(),
        )))
    }
}

/// Serves `routes` (tonic services, `tonic::service::Routes`) on `listener` until `shutdown`
/// says stop; then calls in flight get the drain time to finish. [`serve_with`] with
/// `Connections::default()`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    routes: tonic::service::Routes,
    shutdown: Shutdown,
) -> Result<(), tonic::transport::Error> {
    serve_with(listener, routes, shutdown, &Connections::default()).await
}

/// [`serve`] with `connections`' settings. With the `rest` feature (the default) the routes
/// are served by the accept loop the REST server uses (`connections/accept.rs`), which applies all
/// of them: tonic's own server has no header-read or idle timeout and no connection bound, so
/// sockets that send nothing held every file descriptor of the process (its REST listener's
/// too). Without it, tonic serves with the HTTP/2 keep-alive and stream bound, and a failed
/// accept pauses accepting for 100 ms.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    routes: tonic::service::Routes,
    shutdown: Shutdown,
    connections: &Connections,
) -> Result<(), tonic::transport::Error> {
    #[cfg(feature = "rest")]
    {
        let router = routes.prepare().into_axum_router();
        let served =
            crate::connections::accept::serve_with(listener, router, shutdown, connections.clone())
                .await;
        if let Err(error) = served {
            tracing::error!(%error, "serving gRPC failed");
        }
        Ok(())
    }
    #[cfg(not(feature = "rest"))]
    serve_with_tonic(listener, routes, shutdown, connections).await
}

#[cfg(not(feature = "rest"))]
async fn serve_with_tonic(
    listener: tokio::net::TcpListener,
    routes: tonic::service::Routes,
    shutdown: Shutdown,
    connections: &Connections,
) -> Result<(), tonic::transport::Error> {
    let (signal, drain) = shutdown.into_parts();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let incoming = accepted(listener);
    let server = tonic::transport::Server::builder()
        .http2_keepalive_interval(connections.http2_keepalive_interval)
        .http2_keepalive_timeout(Some(connections.http2_keepalive_timeout))
        .max_concurrent_streams(connections.http2_max_concurrent_streams)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, async move {
            signal.await;
            let _ = stop_tx.send(());
        });
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => served,
        _ = async { let _ = stop_rx.await; tokio::time::sleep(drain).await } => {
            tracing::warn!(?drain, "gRPC calls still in flight after the drain time were dropped");
            Ok(())
        }
    }
}

/// The listener's connections. tonic's own `TcpIncoming` is retried at once after a failed
/// accept, so a process out of file descriptors spun a core; here a failure pauses accepting
/// for 100 ms (the connections open meanwhile keep being served).
#[cfg(not(feature = "rest"))]
fn accepted(
    listener: tokio::net::TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    futures::stream::unfold(listener, |listener| async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    return Some((Ok(stream), listener));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ConnectionAborted | ConnectionRefused | ConnectionReset
                    ) => {}
                Err(error) => {
                    tracing::warn!(%error, "gRPC accept failed; pausing 100 ms");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    })
}

/// Adds the standard services to `routes`: `grpc.health.v1.Health` reporting SERVING for each
/// of `services` (full names, each generated module's `SERVICE_NAME`) and for the server as a
/// whole (`""`), and server reflection (`grpc.reflection.v1` and `v1alpha`) serving
/// `descriptor_set` (the generated `FILE_DESCRIPTOR_SET`), so tools list and call the services
/// with no `.proto` at hand. The reporter it returns changes the statuses later.
pub async fn add_health_and_reflection(
    routes: &mut tonic::service::RoutesBuilder,
    services: &[&str],
    descriptor_set: &'static [u8],
) -> Result<tonic_health::server::HealthReporter, tonic_reflection::server::Error> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for &name in services.iter().chain(&[""]) {
        reporter
            .set_service_status(name, tonic_health::ServingStatus::Serving)
            .await;
    }
    routes.add_service(health);
    let v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptor_set)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptor_set)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    routes.add_service(v1).add_service(v1alpha);
    Ok(reporter)
}

/// Keeps the gRPC health service in step with readiness: every `every`, runs `health`'s
/// checks and reports each of `services` and the server as a whole (`""`) `SERVING` when all
/// are up, `NOT_SERVING` otherwise, so a gRPC client or balancer sees what `/health/ready`
/// says. Runs until the returned task is aborted (or the process ends).
pub fn follow_readiness(
    reporter: tonic_health::server::HealthReporter,
    services: &[&str],
    health: crate::health::Health,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    let names: Vec<String> = services
        .iter()
        .chain(&[""])
        .map(|s| (*s).to_owned())
        .collect();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = None;
        loop {
            ticks.tick().await;
            let ready = health.readiness().await.ready();
            if last == Some(ready) {
                continue;
            }
            let status = if ready {
                tonic_health::ServingStatus::Serving
            } else {
                tonic_health::ServingStatus::NotServing
            };
            for name in &names {
                reporter.set_service_status(name, status).await;
            }
            last = Some(ready);
        }
    })
}

/// One port for both transports: `rest` (a generated REST router) and `grpc` (tonic routes)
/// behind one axum router, requests with a `content-type` of `application/grpc…` going to
/// gRPC and every other to REST. Serve it with `accord::rest::server::serve`, which speaks
/// HTTP/1 and HTTP/2 (gRPC's prior-knowledge h2c) on the same listener.
#[cfg(feature = "rest")]
pub fn beside_rest(rest: axum::Router, grpc: tonic::service::Routes) -> axum::Router {
    use tower::ServiceExt as _;
    let grpc = grpc.prepare().into_axum_router();
    let rest = rest;
    let split = tower::service_fn(move |request: axum::extract::Request| {
        let is_grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
        let router = if is_grpc { grpc.clone() } else { rest.clone() };
        router.oneshot(request)
    });
    axum::Router::new().fallback_service(split)
}
