//! REST proxy glue: [`RestClient`] is the core every generated proxy wraps.
//!
//! ```ignore
//! fn get_order(
//!     &self,
//!     request: Request<GetOrderRequest>,
//! ) -> impl Future<Output = Result<Order, GetOrderError>> + Send {
//!     let (context, input) = request.into_parts();
//!     let parts = client::Parts::new().path("order_id", &input.order_id);
//!     self.client.call(&routes::GET_ORDER, context, parts)
//! }
//! ```
//!
//! The REST framing of the call core's outbound pipeline (`crate::call::outbound`): the core
//! gives each call its deadline (the request's, else the operation's `@timeout`, else the
//! config's default) covering the whole exchange including the body, the outstanding bound, the
//! circuit breaker and the span; this module sends `traceparent`, `Accord-Deadline-Ms` (when the
//! request carries a deadline), `X-Correlation-Id` (when the receiver cannot derive it from the
//! trace) and the metadata the proxy's policy allows, and reads the reply.

use super::hal::Hal;
use super::sse::{SseDecoder, SseEvent};
use super::{ParamValue, Problem, Route, status_of_problem};
use crate::auth::{CredentialsProvider, OwnedCredential};
pub use crate::call::ClientConfigError;
use crate::call::Credentials;
use crate::call::balanced::{BalanceConfig, Balanced, Failed};
use crate::call::fallback::{Armed, Fallbacks, ProxyFallback};
use crate::call::headers::names::{ACCORD_DEADLINE_MS, ACCORD_ERROR, CORRELATION_ID, TRACEPARENT};
use crate::call::outbound::{self, Caller, Outgoing};
use crate::call::{OperationInfo, Outcome};
use crate::codec::Format;
use crate::deadline::{Deadline, within};
use crate::discovery::Source;
use crate::metrics::{HttpLabels, Made};
use crate::resilience::{Admission, Resilience};
use crate::{BoxStream, CallError, Code, Context, ProxyConfig, ServiceError, Status};
use futures::future::{self, Either};
use futures::{FutureExt as _, Stream, StreamExt as _, TryStreamExt as _};
use http::{HeaderMap, HeaderName, HeaderValue, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

/// A generated REST proxy: the struct over a [`RestClient`] and its constructors, the same for
/// every service (the generator writes the trait's implementation beside it).
///
/// ```ignore
/// __accord::rest_proxy! {
///     /// Calls a `OrderService` over REST.
///     pub struct Proxy;
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __rest_proxy {
    ($(#[$attr:meta])* pub struct $name:ident;) => {
        $crate::__proxy! {
            $(#[$attr])* pub struct $name;
            client: $crate::rest::client::RestClient;
            /// A proxy with default settings for the service at `base_url`.
            connect(base_url) => $crate::rest::client::RestClient::new(base_url);
        }
    };
}

/// The shared core of a REST proxy: cheap to clone, one connection pool, one resilience layer.
#[derive(Debug, Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
    /// The operations answered by a fallback when the service cannot (none by default: the
    /// one check a call makes).
    fallbacks: Option<Fallbacks>,
}

#[derive(Debug)]
struct Inner {
    /// The validated base URL, its path without a trailing `/`. Each call clones it and appends
    /// its path segments: parsing the whole URL again would run the host through IDNA
    /// processing on every call (most of a hand-written reqwest call's URL cost in the bench).
    base: reqwest::Url,
    /// With several instances (a list, `dns://`, `etcd://`): the pool calls are balanced over,
    /// each instance's base URL prepared as `base` is (which is then unused).
    balanced: Option<Balanced<reqwest::Url>>,
    http: reqwest::Client,
    headers: HeaderMap,
    caller: Caller,
    /// Where the proxy's own credentials come from.
    credentials: Option<Credentials>,
    /// Largest reply body read, in bytes.
    max_response_size: usize,
}

/// The default bound on a reply's body: the one request limit of every transport
/// ([`crate::call::MAX_MESSAGE_BYTES`]), so a proxy reads no more than the service it calls
/// would accept.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = crate::call::MAX_MESSAGE_BYTES;

/// Builds a [`RestClient`].
#[derive(Debug)]
pub struct RestClientBuilder {
    base: String,
    http: Option<reqwest::Client>,
    headers: Vec<(String, String)>,
    config: ProxyConfig,
    credentials: Option<Credentials>,
    max_response_size: usize,
    source: Option<Source>,
    service: Option<String>,
    balance: BalanceConfig,
}

impl RestClientBuilder {
    /// Finds the service's instances in `source` instead of the base URL given to
    /// [`RestClient::builder`] (a registry given in code); build with
    /// [`RestClientBuilder::discover`].
    pub fn source(&mut self, source: Source) -> &mut Self {
        self.source = Some(source);
        self
    }

    /// The qualified name of the service called (`ftgo.consumer.ConsumerService`): what a
    /// registry lists its instances under, and the `service` label of the `accord_*` metrics.
    pub fn service(&mut self, qualified_name: impl Into<String>) -> &mut Self {
        self.service = Some(qualified_name.into());
        self
    }

    /// How calls are balanced over several instances, when each is ejected, and retries.
    pub fn balance(&mut self, config: BalanceConfig) -> &mut Self {
        self.balance = config;
        self
    }

    /// The client of a service whose base URL may be several (`http://a,http://b`),
    /// `dns://name:port`, `etcd://host:port`, or the [`source`](Self::source) given: calls
    /// are balanced over its instances as they come and go (`docs/wire.md`, "Discovery"). One
    /// URL gives the same client as [`build`](Self::build). Call it inside a tokio runtime:
    /// the instances are followed by a task.
    pub async fn discover(&self) -> Result<RestClient, ClientConfigError> {
        let source = match &self.source {
            Some(source) => source.clone(),
            None => Source::parse(&self.base).map_err(|e| ClientConfigError::new(e.to_string()))?,
        };
        if let Some(url) = source.single_url() {
            return self.build_on(url, None);
        }
        if matches!(source, Source::Registry(_)) && self.service.is_none() {
            return Err(ClientConfigError::new(
                "a registry lists instances by service: name it with RestClientBuilder::service",
            ));
        }
        let service = self.service.as_deref().unwrap_or(&self.base);
        let metrics = self.config.metrics.clone();
        let connect = |url: &str| base_url(url).map_err(|e| e.to_string());
        let balanced = Balanced::new(service, "rest", &source, self.balance, metrics, connect)
            .await
            .map_err(|e| ClientConfigError::new(e.to_string()))?;
        self.build_on("http://balanced.invalid", Some(balanced))
    }

    /// Uses this `reqwest::Client` (its pool, TLS and proxy settings). Give it
    /// `redirect(reqwest::redirect::Policy::none())` as the default client has: a redirect
    /// followed would send the call, and its credentials, wherever the service points.
    pub fn http_client(&mut self, client: reqwest::Client) -> &mut Self {
        self.http = Some(client);
        self
    }

    /// Sends this header with every call.
    pub fn default_header(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> &mut Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Attaches this provider's credential to every call (`Authorization: Bearer …` or the
    /// API key's header): `StaticToken`, `StaticApiKey`, `RefreshingToken` or your own.
    pub fn credentials(&mut self, provider: impl CredentialsProvider) -> &mut Self {
        self.credentials = Some(Credentials::new(provider));
        self
    }

    /// Timeouts, outstanding bound and breaker.
    pub fn config(&mut self, config: ProxyConfig) -> &mut Self {
        self.config = config;
        self
    }

    /// Largest reply body read, in bytes (default [`DEFAULT_MAX_RESPONSE_SIZE`], 1 MiB): a
    /// larger one is a decode failure, found as it streams in (never buffered past the
    /// bound).
    pub fn max_response_size(&mut self, bytes: usize) -> &mut Self {
        self.max_response_size = bytes;
        self
    }

    /// The client; fails on a base URL that is not http(s) or an invalid header.
    pub fn build(&self) -> Result<RestClient, ClientConfigError> {
        self.build_on(&self.base, None)
    }

    /// The client of the service at `base`, or of `balanced`'s instances.
    fn build_on(
        &self,
        base: &str,
        balanced: Option<Balanced<reqwest::Url>>,
    ) -> Result<RestClient, ClientConfigError> {
        let bad = ClientConfigError::new;
        let base = base_url(base)?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name =
                HeaderName::try_from(name).map_err(|e| bad(format!("header {name:?}: {e}")))?;
            let value =
                HeaderValue::try_from(value).map_err(|e| bad(format!("header {name}: {e}")))?;
            headers.append(name, value);
        }
        let http = match &self.http {
            Some(http) => http.clone(),
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .build()
                .map_err(|e| bad(format!("the HTTP client: {e}")))?,
        };
        let inner = Inner {
            base,
            balanced,
            http,
            headers,
            caller: Caller::new(self.config.clone()),
            credentials: self.credentials.clone(),
            max_response_size: self.max_response_size,
        };
        Ok(RestClient {
            inner: Arc::new(inner),
            fallbacks: None,
        })
    }
}

/// A base URL as calls use it: http(s), no query or fragment, and its path without a trailing
/// `/`, so each call appends its path segments after the base's own.
fn base_url(spec: &str) -> Result<reqwest::Url, ClientConfigError> {
    let bad = ClientConfigError::new;
    let mut base = reqwest::Url::parse(spec).map_err(|e| bad(format!("base URL {spec:?}: {e}")))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(bad(format!("base URL {spec:?} is not http(s)")));
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Err(bad(format!("base URL {spec:?} has a query or fragment")));
    }
    let trimmed = base.path().trim_end_matches('/').to_owned();
    base.set_path(&trimmed);
    Ok(base)
}

/// The parts of one request besides the context: path values, query, headers, JSON body.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Parts {
    path: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    /// `Bytes`, so that the retry of a connect failure resends it without a copy.
    body: Option<Result<bytes::Bytes, String>>,
}

impl Parts {
    /// No parts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of path placeholder `{name}`.
    pub fn path(mut self, name: &'static str, value: &impl ParamValue) -> Self {
        self.path.push((name, value.to_param()));
        self
    }

    /// Query parameter `name`; `None` sends nothing.
    pub fn query<T: ParamValue>(mut self, name: &'static str, value: Option<&T>) -> Self {
        if let Some(value) = value {
            self.query.push((name, value.to_param()));
        }
        self
    }

    /// A list as a repeated query parameter (`?tag=a&tag=b`).
    pub fn query_list<T: ParamValue>(mut self, name: &'static str, values: &[T]) -> Self {
        self.query
            .extend(values.iter().map(|v| (name, v.to_param())));
        self
    }

    /// Header `name`; `None` sends nothing.
    pub fn header<T: ParamValue>(mut self, name: &'static str, value: Option<&T>) -> Self {
        if let Some(value) = value {
            self.headers.push((name, value.to_param()));
        }
        self
    }

    /// The JSON body: `input` without the members that travel elsewhere (`omit`).
    pub fn json<T: Serialize>(mut self, input: &T, omit: &[&str]) -> Self {
        // Straight to bytes when nothing is left out; else through a value to drop the members.
        let body = if omit.is_empty() {
            serde_json::to_vec(input)
        } else {
            serde_json::to_value(input).and_then(|mut value| {
                if let Some(object) = value.as_object_mut() {
                    omit.iter().for_each(|name| drop(object.remove(*name)));
                }
                serde_json::to_vec(&value)
            })
        };
        self.body = Some(body.map(bytes::Bytes::from).map_err(|e| e.to_string()));
        self
    }
}

impl Parts {
    /// What tells this request from another of the same operation (a last-good fallback's
    /// key): every value it sends, each field ended by a byte no text has.
    fn key(&self) -> Vec<u8> {
        let mut key = Vec::new();
        for (name, value) in self.path.iter().chain(&self.query).chain(&self.headers) {
            for field in [name.as_bytes(), value.as_bytes()] {
                key.extend_from_slice(field);
                key.push(0xff);
            }
        }
        if let Some(Ok(body)) = &self.body {
            key.extend_from_slice(body);
        }
        key
    }
}

/// A reply read in full: status, the `Accord-Error` name, body.
struct Reply {
    status: u16,
    error_name: Option<String>,
    body: bytes::Bytes,
}

impl RestClient {
    /// A builder for a service at `base_url` (`http://orders:8080/api`).
    pub fn builder(base_url: impl Into<String>) -> RestClientBuilder {
        RestClientBuilder {
            base: base_url.into(),
            http: None,
            headers: Vec::new(),
            config: ProxyConfig::default(),
            credentials: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            source: None,
            service: None,
            balance: BalanceConfig::default(),
        }
    }

    /// A client with default settings.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientConfigError> {
        Self::builder(base_url).build()
    }

    /// The resilience layer (for inspecting the breaker).
    pub fn resilience(&self) -> &Resilience {
        self.inner.caller.resilience()
    }

    /// This client, answering the calls of `op` with `fallback` when the service cannot.
    pub fn with_fallback(mut self, op: &'static OperationInfo, fallback: ProxyFallback) -> Self {
        let fallbacks = self.fallbacks.unwrap_or_default();
        self.fallbacks = Some(fallbacks.with(op, fallback));
        self
    }

    /// The fallback of this call, when its operation has one.
    fn arm(&self, route: &'static Route, parts: &Parts) -> Option<Armed> {
        let fallbacks = self.fallbacks.as_ref()?;
        fallbacks.arm(route.op, || parts.key())
    }

    /// A call's reply, or its fallback's answer (read by `decode`) when it could not be had.
    fn settle<T: 'static, E: ServiceError>(
        &self,
        armed: Option<Armed>,
        reply: Result<Reply, CallError>,
        decode: impl FnOnce(&[u8]) -> Result<T, CallError>,
    ) -> Result<T, E> {
        let reply = match (reply, armed) {
            (Ok(reply), armed) => {
                if let Some(error) = declared::<E>(&reply) {
                    return Err(error);
                }
                if let Some(armed) = armed {
                    armed.remember(reply.body.clone());
                }
                reply
            }
            (Err(error), None) => return Err(E::from(error)),
            (Err(error), Some(armed)) => {
                let metrics = self.inner.caller.config().metrics.as_ref();
                let decode = |body: &[u8]| decode(body).map_err(|e| e.to_string());
                return armed.answer(error, metrics, decode).map_err(E::from);
            }
        };
        decode(&reply.body).map_err(E::from)
    }

    /// Calls an operation with a JSON output.
    #[doc(hidden)]
    pub fn call<O: DeserializeOwned + 'static, E: ServiceError>(
        &self,
        route: &'static Route,
        context: Context,
        parts: Parts,
    ) -> impl Future<Output = Result<O, E>> {
        let armed = self.arm(route, &parts);
        self.unary(route, context, parts).map(move |reply| {
            self.settle(armed, reply, |body| {
                serde_json::from_slice(body).map_err(|e| CallError::Decode(e.to_string()))
            })
        })
    }

    /// Calls an operation of a `@hypermedia` service, asking for the relations `expand` names
    /// (`?expand=a,b`), and reads its reply with its links and embedded resources.
    #[doc(hidden)]
    pub fn call_hal<O: DeserializeOwned + 'static, E: ServiceError>(
        &self,
        route: &'static Route,
        context: Context,
        mut parts: Parts,
        expand: &[&str],
    ) -> impl Future<Output = Result<Hal<O>, E>> {
        if !expand.is_empty() {
            parts.query.push(("expand", expand.join(",")));
        }
        let armed = self.arm(route, &parts);
        self.unary(route, context, parts)
            .map(move |reply| self.settle(armed, reply, Hal::from_json))
    }

    /// Calls an operation without output (204, or 202 for `notify`).
    #[doc(hidden)]
    pub fn call_empty<E: ServiceError>(
        &self,
        route: &'static Route,
        context: Context,
        parts: Parts,
    ) -> impl Future<Output = Result<(), E>> {
        self.unary(route, context, parts)
            .map(|reply| declared::<E>(&reply?).map_or(Ok(()), Err))
    }

    /// Calls an operation with a streamed output (server-sent events). The deadline covers the
    /// whole stream; the call holds its outstanding slot until the stream ends or is dropped.
    #[doc(hidden)]
    pub fn call_stream<O, E>(
        &self,
        route: &'static Route,
        context: Context,
        parts: Parts,
    ) -> BoxStream<'static, Result<O, E>>
    where
        O: DeserializeOwned + Send + 'static,
        E: ServiceError,
    {
        let client = self.clone();
        let opened = async move { client.open_stream::<O, E>(route, context, parts).await };
        Box::pin(futures::stream::once(opened).flatten())
    }

    /// One exchange under the resilience layer and a span. Only this future holds the context
    /// and parts (`call` and `call_empty` map its output rather than await it), and it is an
    /// `async` block rather than an `async fn`, which would copy its arguments into locals and
    /// keep both. Each copy counts: the whole call once grew to ~3 KB, which glibc's allocator
    /// serves slowly when the call is boxed or spawned; it is now under 1 KiB.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn keeps a second copy of its arguments"
    )]
    fn unary(
        &self,
        route: &'static Route,
        context: Context,
        parts: Parts,
    ) -> impl Future<Output = Result<Reply, CallError>> {
        async move {
            let call = self.outgoing(route, &context, &parts);
            let caller = &self.inner.caller;
            let made = move |result: &Result<Reply, CallError>| {
                Made::Http(HttpLabels {
                    http_request_method: route.method.as_str(),
                    http_route: route.path,
                    http_response_status_code: Reply::status_of(result),
                })
            };
            let exchange = self.exchange(&call);
            caller
                .run(&call.core, "rest", exchange, Reply::outcome, made)
                .await
        }
    }

    /// Sends the request and reads the whole reply.
    async fn exchange(&self, call: &Exchange<'_>) -> Result<Reply, CallError> {
        // Under the call's deadline: a provider refreshing its token counts against it.
        let credential = self.credential().await?;
        let limit = self.inner.max_response_size;
        if let Some(balanced) = &self.inner.balanced {
            let (idempotent, deadline) = (call.core.op.idempotent, call.core.deadline);
            let attempt =
                |base: &reqwest::Url| self.attempt(base, call, credential.as_ref(), limit);
            return balanced.attempts(idempotent, deadline, attempt).await;
        }
        // Two statements: the response, a temporary, would otherwise live across the second
        // await and keep its room in the future.
        let reading = read_reply(self.send_retrying(call, credential.as_ref()).await?, limit);
        let reply = reading.await?;
        undeclared_failure(&reply, call.core.deadline).map_or(Ok(reply), Err)
    }

    /// The proxy's own credential, when it has a provider (never the caller's: see
    /// `MetadataPolicy`).
    async fn credential(&self) -> Result<Option<OwnedCredential>, CallError> {
        Credentials::of(self.inner.credentials.as_ref()).await
    }

    async fn send_retrying(
        &self,
        call: &Exchange<'_>,
        credential: Option<&OwnedCredential>,
    ) -> Result<reqwest::Response, CallError> {
        // One `send` in a loop rather than two awaits: each await would take its own room in
        // the call's future.
        let mut retry = call.core.op.idempotent;
        loop {
            match self.send(&self.inner.base, call, JSON, credential).await {
                Err(CallError::Connect(_)) if retry => retry = false,
                other => return other,
            }
        }
    }

    /// One attempt of a balanced call on the instance at `base`: sent, read, and its failure
    /// told apart as sent or not (a connection that could not be opened sent nothing).
    fn attempt(
        &self,
        base: &reqwest::Url,
        call: &Exchange<'_>,
        credential: Option<&OwnedCredential>,
        limit: usize,
    ) -> impl Future<Output = Result<Reply, Failed>> + use<> {
        let deadline = call.core.deadline;
        let pending = self
            .request(base, call, JSON, credential)
            .map(|request| self.inner.http.execute(request));
        async move {
            let response = pending?.await.map_err(|e| Failed {
                not_sent: e.is_connect(),
                error: transport_error(e),
            })?;
            let reply = read_reply(response, limit).await?;
            undeclared_failure(&reply, deadline).map_or(Ok(reply), |e| Err(e.into()))
        }
    }

    /// The balanced pool, when the client has several instances.
    pub fn balanced(&self) -> Option<&Balanced<reqwest::Url>> {
        self.inner.balanced.as_ref()
    }

    async fn open_stream<O, E>(
        self,
        route: &'static Route,
        context: Context,
        parts: Parts,
    ) -> BoxStream<'static, Result<O, E>>
    where
        O: DeserializeOwned + Send + 'static,
        E: ServiceError,
    {
        let call = self.outgoing(route, &context, &parts);
        let deadline = call.core.deadline;
        let fail = |e: E| -> BoxStream<'static, Result<O, E>> {
            Box::pin(futures::stream::iter([Err(e)]))
        };
        let mut admission = match self.inner.caller.admit() {
            Ok(admission) => admission,
            Err(e) => return fail(e.into()),
        };
        let span = outbound::span(&call.core, "rest");
        // A stream is not retried: it goes to one instance, whose breaker hears how it opened.
        let pick = match self.inner.balanced.as_ref().map(|b| b.pool().pick(&[])) {
            Some(Ok(pick)) => Some(pick),
            Some(Err(e)) => return fail(e.into()),
            None => None,
        };
        let base = pick.as_ref().map_or(&self.inner.base, |pick| pick.target());
        let opening = async {
            let credential = self.credential().await?;
            self.send(base, &call, "text/event-stream", credential.as_ref())
                .await
        };
        let sent = within(deadline, opening).instrument(span).await;
        if let Some(pick) = pick {
            let up = matches!(&sent, Ok(response) if !response.status().is_server_error());
            pick.record(!up);
        }
        let response = match sent {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => {
                let limit = self.inner.max_response_size;
                let reading = read_failure::<E>(response, deadline, limit);
                let outcome = within(deadline, reading).await;
                admission.record(&outcome.as_ref().map(|_| ()).map_err(Clone::clone));
                return fail(outcome.unwrap_or_else(E::from));
            }
            Err(e) => {
                admission.record::<()>(&Err(e.clone()));
                return fail(e.into());
            }
        };
        admission.record::<()>(&Ok(()));
        let limit = self.inner.max_response_size;
        Box::pin(event_stream(response, deadline, admission, limit))
    }

    /// The call about to go out: the core's deadline and trace, and the REST parts.
    fn outgoing<'a>(
        &'a self,
        route: &'a Route,
        context: &'a Context,
        parts: &'a Parts,
    ) -> Exchange<'a> {
        Exchange {
            route,
            core: self.inner.caller.outgoing(route.op, context),
            parts,
        }
    }

    /// Builds the request now and returns the future of its response, which holds only
    /// reqwest's pending call (an async fn would keep the request's room in its state too).
    fn send(
        &self,
        base: &reqwest::Url,
        call: &Exchange<'_>,
        accept: &'static str,
        credential: Option<&OwnedCredential>,
    ) -> impl Future<Output = Result<reqwest::Response, CallError>> + use<> {
        let pending = self
            .request(base, call, accept, credential)
            .map(|request| self.inner.http.execute(request));
        async move { pending?.await.map_err(transport_error) }
    }

    fn request(
        &self,
        base: &reqwest::Url,
        call: &Exchange<'_>,
        accept: &'static str,
        credential: Option<&OwnedCredential>,
    ) -> Result<reqwest::Request, CallError> {
        // A `reqwest::Request` filled in place: the builder would copy a separately built
        // header map into the request's own.
        let url = Self::url(base, call.route, call.parts)?;
        let mut request = reqwest::Request::new(call.route.method.clone(), url);
        self.headers(request.headers_mut(), call)?;
        if let Some(credential) = credential {
            let invalid = || CallError::Internal("the credential is not a valid header".into());
            let name = HeaderName::try_from(credential.header_name()).map_err(|_| invalid())?;
            let mut value =
                HeaderValue::try_from(credential.header_value().as_ref()).map_err(|_| invalid())?;
            value.set_sensitive(true);
            request.headers_mut().insert(name, value);
        }
        let headers = request.headers_mut();
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        if let Some(body) = &call.parts.body {
            let body = body
                .clone()
                .map_err(|e| CallError::Internal(format!("encoding the input: {e}")))?;
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            *request.body_mut() = Some(body.into());
        }
        Ok(request)
    }

    /// The base URL with its path followed by the path template, each placeholder's value a
    /// segment of its own. `Url`'s segment writer percent-encodes each value (`/` `?` `#` `%`
    /// `\` stay inside it) straight into the cloned URL: no path text is built on the side.
    fn url(base: &reqwest::Url, route: &Route, parts: &Parts) -> Result<reqwest::Url, CallError> {
        let mut url = base.clone();
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| CallError::Internal("the base URL cannot take a path".into()))?;
        // The base path has no trailing `/` (see `build`), so only the root's empty segment goes.
        segments.pop_if_empty();
        for segment in route.path.split('/').filter(|s| !s.is_empty()) {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => segments.push(path_value(name, parts)?),
                None => segments.push(segment),
            };
        }
        drop(segments);
        if !parts.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(parts.query.iter().map(|(k, v)| (*k, v)));
        }
        Ok(url)
    }

    /// Default headers, input headers, allowed metadata and the propagation headers, into
    /// `headers`.
    fn headers(&self, headers: &mut HeaderMap, call: &Exchange<'_>) -> Result<(), CallError> {
        let (context, parts) = (call.core.context, call.parts);
        let invalid =
            |name: &str| CallError::Internal(format!("header {name:?} is not a valid HTTP header"));
        // Room for the extra headers when there are any; the usual few (`traceparent`, `accept`,
        // what reqwest and hyper add) fit in what the first insert allocates.
        let extra = self.inner.headers.len() + context.metadata.len() + parts.headers.len();
        if extra > 0 {
            headers.reserve(extra + 5);
        }
        for (name, value) in &self.inner.headers {
            headers.append(name, value.clone());
        }
        let metadata = self.inner.caller.metadata(context);
        for (name, value) in metadata.chain(parts.headers.iter().map(|(k, v)| (*k, v.as_str()))) {
            let header_name = HeaderName::try_from(name).map_err(|_| invalid(name))?;
            let value = HeaderValue::try_from(value).map_err(|_| invalid(name))?;
            headers.insert(header_name, value);
        }
        // Static names: parsing a header name per call showed in the REST bench's profile.
        headers.insert(TRACEPARENT, call.core.trace.header_value());
        // A correlation id equal to the trace id is left out: the receiver derives it, and a
        // header less on each call and none echoed on each reply is measurable (docs/wire.md).
        if let Some(id) = call.core.correlation_to_send() {
            let value = HeaderValue::try_from(id)
                .map_err(|_| invalid(crate::call::headers::CORRELATION_ID))?;
            headers.insert(CORRELATION_ID, value);
        }
        if let Some(remaining) = call.core.deadline_to_send() {
            headers.insert(ACCORD_DEADLINE_MS, deadline_millis(remaining).into());
        }
        Ok(())
    }
}

/// One REST call on its way out: the core's view of it, its route and its parts; built once
/// per call and passed by reference (one pointer in each step's future).
struct Exchange<'a> {
    route: &'a Route,
    core: Outgoing<'a>,
    parts: &'a Parts,
}

const JSON: &str = "application/json";

/// The `Accord-Deadline-Ms` value for `remaining`: whole milliseconds rounded up, at least 1.
/// The server counts from when the request arrives, later than now, so rounding up keeps its
/// deadline from falling before this call's own: the proxy's timer goes first.
fn deadline_millis(remaining: std::time::Duration) -> u64 {
    u64::try_from(remaining.as_micros().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The value of placeholder `name`. A value of `.` or `..` would be read as a dot segment (even
/// escaped) and silently change the path (`Url`'s segment writer skips it), so it is refused.
fn path_value<'p>(name: &str, parts: &'p Parts) -> Result<&'p str, CallError> {
    let (_, value) =
        parts.path.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            CallError::Internal(format!("no value for path placeholder {{{name}}}"))
        })?;
    if matches!(value.as_str(), "." | "..") {
        return Err(CallError::Internal(format!(
            "path parameter {name} cannot be {value:?}: it would change the URL's path"
        )));
    }
    Ok(value)
}

/// A response read in full. Status and `Accord-Error` are taken before the future exists and
/// the body's chunks are folded, not awaited in an async block (which would keep the body
/// twice), so the future holds no more than reqwest's body stream and what came so far.
/// `Response::bytes` would keep the whole response in its future (448 bytes against ~100), and
/// collecting through `http::Response::from` boxed the body a second time on every call.
/// A body longer than `limit` is a [`CallError::Decode`] as soon as its `Content-Length` or
/// its chunks so far say so: the rest is never read.
fn read_reply(
    response: reqwest::Response,
    limit: usize,
) -> impl Future<Output = Result<Reply, CallError>> {
    let status = response.status().as_u16();
    let error_name = header_text(response.headers(), &ACCORD_ERROR);
    let declared = response.content_length();
    let gathering = response.bytes_stream().map_err(transport_error).try_fold(
        Gathered::Nothing,
        move |gathered, chunk| {
            future::ready(match gathered.len() + chunk.len() {
                n if n > limit => Err(too_large(limit)),
                _ => Ok(gathered.push(chunk)),
            })
        },
    );
    let gathering = match declared {
        Some(n) if n > limit as u64 => Either::Left(future::ready(Err(too_large(limit)))),
        _ => Either::Right(gathering),
    };
    gathering.map(move |gathered| {
        Ok(Reply {
            status,
            error_name,
            body: gathered?.into_bytes(),
        })
    })
}

fn too_large(limit: usize) -> CallError {
    CallError::Decode(format!(
        "the reply is longer than the limit of {limit} bytes"
    ))
}

/// A body's chunks so far: one chunk, the usual reply, is kept as it came (no copy).
enum Gathered {
    Nothing,
    One(bytes::Bytes),
    Many(Vec<u8>),
}

impl Gathered {
    fn len(&self) -> usize {
        match self {
            Gathered::Nothing => 0,
            Gathered::One(one) => one.len(),
            Gathered::Many(all) => all.len(),
        }
    }

    fn push(self, chunk: bytes::Bytes) -> Self {
        match self {
            Gathered::Nothing => Gathered::One(chunk),
            Gathered::One(first) => Gathered::Many([&first[..], &chunk[..]].concat()),
            Gathered::Many(mut all) => {
                all.extend_from_slice(&chunk);
                Gathered::Many(all)
            }
        }
    }

    fn into_bytes(self) -> bytes::Bytes {
        match self {
            Gathered::Nothing => bytes::Bytes::new(),
            Gathered::One(body) => body,
            Gathered::Many(all) => all.into(),
        }
    }
}

fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn transport_error(error: reqwest::Error) -> CallError {
    if error.is_timeout() {
        return CallError::Timeout;
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        message = format!("{message}: {e}");
        source = e.source();
    }
    CallError::Connect(message)
}

/// A failure that is not a declared error: the breaker counts 5xx ones.
fn undeclared_failure(reply: &Reply, deadline: Instant) -> Option<CallError> {
    let success = (200..300).contains(&reply.status);
    if success || reply.error_name.is_some() {
        return None;
    }
    // The skeleton ran out of the deadline this call sent it (a gateway's 504 after the
    // deadline means the same): the call timed out, whichever side noticed first.
    if reply.status == 504 && Instant::now() >= deadline {
        return Some(CallError::Timeout);
    }
    // Redirects are not followed (the client's policy): one is a failure naming its status.
    if (300..400).contains(&reply.status) {
        let message = format!(
            "the service answered {} (a redirect, not followed)",
            reply.status
        );
        return Some(CallError::from(
            Status::new(Code::Internal, message).received(),
        ));
    }
    Some(status_error(reply.status, &reply.body))
}

fn status_error(status: u16, body: &[u8]) -> CallError {
    let problem = serde_json::from_slice::<Problem>(body).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned();
        let problem = Problem::new(status);
        if text.is_empty() {
            problem
        } else {
            problem.with_detail(text)
        }
    });
    CallError::Status(Box::new(status_of_problem(problem)))
}

/// The declared error a non-success reply carries, if any (`None` for a success).
fn declared<E: ServiceError>(reply: &Reply) -> Option<E> {
    let name = reply
        .error_name
        .as_deref()
        .filter(|_| !(200..300).contains(&reply.status))?;
    Some(match E::decode(name, &reply.body, Format::Json) {
        Some(Ok(error)) => error,
        Some(Err(call)) => call.into(),
        None => status_error(reply.status, &reply.body).into(),
    })
}

async fn read_failure<E: ServiceError>(
    response: reqwest::Response,
    deadline: Instant,
    limit: usize,
) -> Result<E, CallError> {
    let reply = read_reply(response, limit).await?;
    match undeclared_failure(&reply, deadline) {
        Some(failure) => Err(failure),
        None => {
            Ok(declared::<E>(&reply)
                .unwrap_or_else(|| status_error(reply.status, &reply.body).into()))
        }
    }
}

/// State of an open event stream.
struct Events {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    ready: VecDeque<SseEvent>,
    /// One timer for the whole stream.
    deadline: Deadline,
    /// The reply bound, for each event.
    limit: usize,
    _admission: Admission,
}

fn event_stream<O, E>(
    response: reqwest::Response,
    deadline: Instant,
    admission: Admission,
    limit: usize,
) -> impl Stream<Item = Result<O, E>>
where
    O: DeserializeOwned + Send + 'static,
    E: ServiceError,
{
    let state = Events {
        body: Box::pin(response.bytes_stream()),
        decoder: SseDecoder::default(),
        ready: VecDeque::new(),
        deadline: Deadline::at(deadline),
        limit,
        _admission: admission,
    };
    futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        match next_event(&mut state).await {
            Ok(Some(event)) => match item_of::<O, E>(event) {
                Ok(item) => Some((Ok(item), Some(state))),
                Err(error) => Some((Err(error), None)),
            },
            Ok(None) => None,
            Err(error) => Some((Err(error.into()), None)),
        }
    })
}

async fn next_event(state: &mut Events) -> Result<Option<SseEvent>, CallError> {
    loop {
        if let Some(event) = state.ready.pop_front() {
            return Ok(Some(event));
        }
        let chunk = match future::select(state.body.next(), &mut state.deadline).await {
            Either::Left((chunk, _)) => chunk,
            Either::Right(((), _)) => return Err(CallError::Timeout),
        };
        match chunk {
            None => return Ok(None),
            Some(Err(e)) => return Err(transport_error(e)),
            Some(Ok(bytes)) => {
                let events = state.decoder.push(&bytes).map_err(CallError::Decode)?;
                state.ready.extend(events);
                // One event is one reply: bounded like one.
                if state.decoder.pending() > state.limit {
                    return Err(too_large(state.limit));
                }
            }
        }
    }
}

/// An event as an item: data decodes to `O`; `event: error` to the declared error or a status.
fn item_of<O: DeserializeOwned, E: ServiceError>(event: SseEvent) -> Result<O, E> {
    if event.event.as_deref() != Some("error") {
        return serde_json::from_str(&event.data)
            .map_err(|e| CallError::Decode(e.to_string()).into());
    }
    let problem: Problem =
        serde_json::from_str(&event.data).map_err(|e| CallError::Decode(e.to_string()))?;
    let name = problem.extensions.get("error").and_then(|n| n.as_str());
    let value = problem.extensions.get("value").map(|v| v.to_string());
    if let (Some(name), Some(value)) = (name, value) {
        match E::decode(name, value.as_bytes(), Format::Json) {
            Some(Ok(error)) => return Err(error),
            Some(Err(call)) => return Err(call.into()),
            None => {}
        }
    }
    Err(CallError::Status(Box::new(status_of_problem(problem))).into())
}

impl Reply {
    /// The HTTP status a call ended with, for its metrics: the reply's, or the one its
    /// failure stands for (`0` when no response came: refused, timed out, not connected).
    fn status_of(result: &Result<Reply, CallError>) -> u16 {
        match result {
            Ok(reply) => reply.status,
            Err(CallError::Status(status)) => super::status_of_code(status.code),
            Err(_) => 0,
        }
    }

    /// The outcome the call core records for a reply that came.
    fn outcome(&self) -> Outcome {
        if self.error_name.is_some() {
            Outcome::DeclaredError
        } else {
            Outcome::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_deadline_header_rounds_up_to_whole_milliseconds() {
        for (remaining, millis) in [
            (Duration::ZERO, 1),
            (Duration::from_micros(1), 1),
            (Duration::from_micros(1500), 2),
            (Duration::from_millis(2000), 2000),
            (Duration::from_micros(1_999_999), 2000),
            (Duration::MAX, u64::MAX),
        ] {
            assert_eq!(deadline_millis(remaining), millis, "{remaining:?}");
        }
    }

    static GET_INFO: crate::call::OperationInfo = crate::call::OperationInfo {
        service: "s.S",
        name: "get",
        interaction: crate::call::Interaction::Unary,
        timeout: None,
        idempotent: true,
        auth: crate::auth::Requirement::None,
    };

    const GET: Route = Route {
        op: &GET_INFO,
        method: http::Method::GET,
        path: "/orders/{id}/items/{item}",
        success: 200,
        resource: None,
    };

    fn url_of(base: &str, id: &str, item: &str) -> Result<String, CallError> {
        let client = RestClient::new(base).expect("client");
        let parts = Parts::new()
            .path("id", &id.to_owned())
            .path("item", &item.to_owned());
        RestClient::url(&client.inner.base, &GET, &parts).map(String::from)
    }

    #[test]
    fn a_body_is_gathered_whole_and_one_chunk_is_not_copied() {
        assert!(Gathered::Nothing.into_bytes().is_empty());
        let chunk = bytes::Bytes::from_static(b"{\"order_id\":1}");
        let one = Gathered::Nothing.push(chunk.clone()).into_bytes();
        assert_eq!(one.as_ptr(), chunk.as_ptr(), "the single chunk itself");
        let parts = ["{\"a\":", "1,", "\"b\":2}"].map(bytes::Bytes::from);
        let many = parts.into_iter().fold(Gathered::Nothing, Gathered::push);
        assert_eq!(&many.into_bytes()[..], b"{\"a\":1,\"b\":2}");
    }

    #[test]
    fn path_values_stay_inside_their_segment() {
        let url = url_of("http://h:1/api/", "a/b?c#d%e f", "é\\{}").unwrap();
        assert_eq!(
            url,
            "http://h:1/api/orders/a%2Fb%3Fc%23d%25e%20f/items/%C3%A9%5C%7B%7D"
        );
        let parsed = reqwest::Url::parse(&url).unwrap();
        let segments: Vec<_> = parsed.path_segments().unwrap().collect();
        assert_eq!(segments.len(), 5, "{segments:?}");
        assert_eq!(
            url_of("http://h:1", "7", "").unwrap(),
            "http://h:1/orders/7/items/"
        );
        assert_eq!(
            url_of("http://h:1/api//", "7", "8").unwrap(),
            "http://h:1/api/orders/7/items/8"
        );
    }

    #[test]
    fn dot_segments_and_missing_values_are_errors() {
        for dots in [".", ".."] {
            let error = url_of("http://h:1", dots, "x").unwrap_err();
            assert!(matches!(&error, CallError::Internal(m) if m.contains("path parameter id")));
        }
        let client = RestClient::new("http://h:1").unwrap();
        let error =
            RestClient::url(&client.inner.base, &GET, &Parts::new().path("id", &1)).unwrap_err();
        assert!(
            matches!(&error, CallError::Internal(m) if m.contains("{item}")),
            "{error:?}"
        );
    }

    #[test]
    fn base_urls_with_a_query_are_refused() {
        let error = RestClient::new("http://h:1/api?x=1").unwrap_err();
        assert!(error.to_string().contains("query"), "{error}");
        assert!(RestClient::new("ftp://h").is_err());
    }

    #[test]
    fn queries_are_form_encoded_after_the_path() {
        let client = RestClient::new("http://h:1").unwrap();
        let parts = Parts::new()
            .path("id", &1)
            .path("item", &2)
            .query("q", Some(&"a b&c".to_owned()));
        let url = RestClient::url(&client.inner.base, &GET, &parts).unwrap();
        assert_eq!(url.as_str(), "http://h:1/orders/1/items/2?q=a+b%26c");
    }
}
