//! Client glue for generated gRPC proxies: [`GrpcClient`] sends a call over a tonic
//! `Channel` through the call core's [`Caller`] (the call's deadline sent as `grpc-timeout`,
//! the outstanding bound and circuit breaker, trace and correlation id,
//! the allowed metadata, the proxy's own credentials) and maps a failed status back into the
//! operation's error type (`docs/wire.md`).

use super::codec::ProtoCodec;
use super::{
    ACCORD_ERROR, CORRELATION_ID, Method, TRACEPARENT, status_call_error, status_error,
    timeout_value,
};
use crate::auth::{CredentialsProvider, OwnedCredential};
pub use crate::call::ClientConfigError;
use crate::call::Credentials;
use crate::call::balanced::{BalanceConfig, Balanced, Failed};
use crate::call::fallback::{Armed, Fallbacks, ProxyFallback};
use crate::call::outbound::{Caller, Outgoing};
use crate::call::{OperationInfo, Outcome};
use crate::deadline::within;
use crate::discovery::{Pick, Source};
use crate::metrics::{Made, RpcLabels};
use crate::proto::Message;
use crate::{BoxStream, CallError, Context, ProxyConfig, ServiceError};
use futures::future::Either;
use futures::{FutureExt as _, StreamExt as _};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tonic::metadata::{MetadataKey, MetadataValue};
use tonic::transport::Channel;
use tracing::Instrument as _;

/// The generated `Proxy`: the service trait over a [`GrpcClient`].
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_proxy {
    ($(#[$attr:meta])* pub struct $name:ident;) => {
        $crate::__proxy! {
            $(#[$attr])* pub struct $name;
            client: $crate::grpc::client::GrpcClient;
            /// A proxy to `url` (`http://host:port`) with the default settings; it connects
            /// on the first call. Call it inside a tokio runtime.
            connect(url) => $crate::grpc::client::GrpcClient::builder(url).build();
        }
    };
}

/// Sends calls over one tonic `Channel`; cheap to clone (every clone shares the bound and the
/// breaker).
#[derive(Debug, Clone)]
pub struct GrpcClient {
    inner: Arc<Inner>,
    /// The operations answered by a fallback when the service cannot (none by default: the
    /// one check a call makes).
    fallbacks: Option<Fallbacks>,
}

#[derive(Debug)]
struct Inner {
    channel: Channel,
    /// With several instances (a list, `dns://`, `etcd://`): a lazy channel per instance,
    /// each call on one of them (then `channel` is unused).
    balanced: Option<Balanced<Channel>>,
    caller: Caller,
    credentials: Option<Credentials>,
    max_message_size: usize,
}

/// Configures a [`GrpcClient`].
#[derive(Debug)]
pub struct GrpcClientBuilder {
    url: String,
    channel: Option<Channel>,
    config: ProxyConfig,
    credentials: Option<Credentials>,
    max_message_size: usize,
    source: Option<Source>,
    service: Option<String>,
    balance: BalanceConfig,
}

impl GrpcClientBuilder {
    /// Finds the service's instances in `source` instead of the URL given to
    /// [`GrpcClient::builder`]; build with [`GrpcClientBuilder::discover`].
    pub fn source(&mut self, source: Source) -> &mut Self {
        self.source = Some(source);
        self
    }

    /// The qualified name of the service called: what a registry lists its instances under,
    /// and the `service` label of the `accord_*` metrics.
    pub fn service(&mut self, qualified_name: impl Into<String>) -> &mut Self {
        self.service = Some(qualified_name.into());
        self
    }

    /// How calls are balanced over several instances and when one is ejected.
    pub fn balance(&mut self, config: BalanceConfig) -> &mut Self {
        self.balance = config;
        self
    }

    /// The client of a service whose URL may be several (`http://a,http://b`),
    /// `dns://name:port`, `etcd://host:port`, or the [`source`](Self::source) given: each call
    /// goes to one instance (round robin, or the least loaded), whose own breaker hears its
    /// outcome and ejects it when it keeps failing (`docs/wire.md`, "Discovery"). A unary
    /// call whose connection was refused goes to another instance, whatever the operation; an
    /// idempotent one that met `UNAVAILABLE` or lost its connection is retried under the retry
    /// budget, as over REST.
    /// One URL gives the same client as [`build`](Self::build). Call it inside a tokio
    /// runtime.
    pub async fn discover(&self) -> Result<GrpcClient, ClientConfigError> {
        let source = match &self.source {
            Some(source) => source.clone(),
            None => Source::parse(&self.url).map_err(|e| ClientConfigError::new(e.to_string()))?,
        };
        if let (Some(url), None) = (source.single_url(), &self.channel) {
            return self.build_on(lazy_channel(url)?, None);
        }
        if matches!(source, Source::Registry(_)) && self.service.is_none() {
            return Err(ClientConfigError::new(
                "a registry lists instances by service: name it with GrpcClientBuilder::service",
            ));
        }
        let service = self.service.as_deref().unwrap_or(&self.url);
        let metrics = self.config.metrics.clone();
        let connect = |url: &str| lazy_channel(url).map_err(|e| e.to_string());
        let balanced = Balanced::new(service, "grpc", &source, self.balance, metrics, connect)
            .await
            .map_err(|e| ClientConfigError::new(e.to_string()))?;
        let unused = tonic::transport::Endpoint::from_static("http://balanced.invalid");
        self.build_on(unused.connect_lazy(), Some(balanced))
    }

    /// Uses `channel` (TLS, load balancing, … as tonic configures them) instead of a plain
    /// lazy connection to the URL.
    pub fn channel(&mut self, channel: Channel) -> &mut Self {
        self.channel = Some(channel);
        self
    }

    /// Timeouts, outstanding bound, breaker, metadata policy.
    pub fn config(&mut self, config: ProxyConfig) -> &mut Self {
        self.config = config;
        self
    }

    /// Attaches this provider's credential to every call (`authorization: Bearer …` or the
    /// API key's metadata key).
    pub fn credentials(&mut self, provider: impl CredentialsProvider) -> &mut Self {
        self.credentials = Some(Credentials::new(provider));
        self
    }

    /// Largest message sent or accepted (default [`super::DEFAULT_MAX_MESSAGE`], 1 MiB, the
    /// server's default).
    pub fn max_message_size(&mut self, bytes: usize) -> &mut Self {
        self.max_message_size = bytes;
        self
    }

    /// The client. Without a channel, one that connects lazily to the URL: build it inside a
    /// tokio runtime.
    pub fn build(&self) -> Result<GrpcClient, ClientConfigError> {
        let channel = match &self.channel {
            Some(channel) => channel.clone(),
            None => lazy_channel(&self.url)?,
        };
        self.build_on(channel, None)
    }

    fn build_on(
        &self,
        channel: Channel,
        balanced: Option<Balanced<Channel>>,
    ) -> Result<GrpcClient, ClientConfigError> {
        Ok(GrpcClient {
            inner: Arc::new(Inner {
                channel,
                balanced,
                caller: Caller::new(self.config.clone()),
                credentials: self.credentials.clone(),
                max_message_size: self.max_message_size,
            }),
            fallbacks: None,
        })
    }
}

/// A channel to `url` that connects on its first call (inside a tokio runtime).
fn lazy_channel(url: &str) -> Result<Channel, ClientConfigError> {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
        .map_err(|e| ClientConfigError::new(format!("URL {url:?}: {e}")))?;
    Ok(endpoint.connect_lazy())
}

type Grpc = tonic::client::Grpc<Channel>;

impl GrpcClient {
    /// A builder for a client of `url` (`http://127.0.0.1:50051`).
    pub fn builder(url: impl Into<String>) -> GrpcClientBuilder {
        GrpcClientBuilder {
            url: url.into(),
            channel: None,
            config: ProxyConfig::default(),
            credentials: None,
            max_message_size: super::DEFAULT_MAX_MESSAGE,
            source: None,
            service: None,
            balance: BalanceConfig::default(),
        }
    }

    /// A client over `channel` with the default settings.
    pub fn new(channel: Channel) -> Self {
        let mut builder = Self::builder("http://unused");
        builder.channel(channel);
        builder.build().expect("a channel needs no URL")
    }

    /// The call core's caller (settings, resilience).
    pub fn caller(&self) -> &Caller {
        &self.inner.caller
    }

    /// The balanced pool, when the client has several instances.
    pub fn balanced(&self) -> Option<&Balanced<Channel>> {
        self.inner.balanced.as_ref()
    }

    fn grpc(&self, channel: &Channel) -> Grpc {
        let limit = self.inner.max_message_size;
        tonic::client::Grpc::new(channel.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
    }

    async fn credential(&self) -> Result<Option<OwnedCredential>, CallError> {
        Credentials::of(self.inner.credentials.as_ref()).await
    }

    /// `message` with the call's metadata: deadline, trace, correlation id, allowed metadata,
    /// credential.
    fn request<T>(
        &self,
        call: &Outgoing<'_>,
        message: T,
        credential: Option<&OwnedCredential>,
    ) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        // Every gRPC call has a deadline and it travels, as gRPC's own clients do: the
        // context's, else the operation's `@timeout`, else the proxy's default. (Over HTTP only
        // a deadline the caller set travels; see `docs/wire.md`.)
        let metadata = request.metadata_mut();
        let remaining = call.deadline.saturating_duration_since(Instant::now());
        metadata.insert("grpc-timeout", timeout_value(remaining));
        if let Ok(trace) = MetadataValue::try_from(&call.trace.encode()) {
            metadata.insert(TRACEPARENT, trace);
        }
        let correlation = call.correlation_to_send();
        if let Some(id) = correlation.and_then(|id| MetadataValue::try_from(id).ok()) {
            metadata.insert(CORRELATION_ID, id);
        }
        for (name, value) in self.inner.caller.metadata(call.context) {
            if let (Ok(name), Ok(value)) = (
                MetadataKey::from_bytes(name.as_bytes()),
                MetadataValue::try_from(value),
            ) {
                metadata.insert(name, value);
            }
        }
        match credential {
            Some(OwnedCredential::Bearer(token)) => {
                if let Ok(value) = MetadataValue::try_from(format!("Bearer {token}")) {
                    metadata.insert("authorization", value);
                }
            }
            Some(OwnedCredential::ApiKey { header, key }) => {
                if let (Ok(name), Ok(value)) = (
                    MetadataKey::from_bytes(header.to_ascii_lowercase().as_bytes()),
                    MetadataValue::try_from(key.as_str()),
                ) {
                    metadata.insert(name, value);
                }
            }
            None => {}
        }
        request
    }

    /// This client, answering the calls of `op` with `fallback` when the service cannot
    /// (unary calls: a stream of inputs names no request to remember a reply by).
    pub fn with_fallback(mut self, op: &'static OperationInfo, fallback: ProxyFallback) -> Self {
        let fallbacks = self.fallbacks.unwrap_or_default();
        self.fallbacks = Some(fallbacks.with(op, fallback));
        self
    }

    /// Sends a call with one reply (`()` for none: the wire's `Empty`).
    pub fn call<I, O, E>(
        &self,
        method: &'static Method,
        context: Context,
        input: I,
    ) -> impl Future<Output = Result<O, E>> + Send + 'static
    where
        I: Message + Send + Sync + 'static,
        O: Message + Send + Sync + 'static,
        E: ServiceError,
    {
        let fallbacks = self.fallbacks.as_ref();
        let armed = fallbacks.and_then(|f| f.arm(method.op, || input.encode_to_vec()));
        let metrics = armed
            .as_ref()
            .and_then(|_| self.inner.caller.config().metrics.clone());
        let ran = match &self.inner.balanced {
            None => Either::Left(self.clone().one_reply(
                method,
                context,
                input,
                |mut grpc, request, path| async move {
                    grpc.unary(request, path, ProtoCodec::client()).await
                },
            )),
            // Boxed: only a balanced call takes this way, and its future is large.
            Some(balanced) => {
                let balanced = balanced.clone();
                let retrying = self.clone().retrying(balanced, method, context, input);
                Either::Right(Box::pin(retrying))
            }
        };
        ran.map(move |ran| match armed {
            None => flatten(ran),
            Some(armed) => settle(armed, metrics, ran),
        })
    }

    /// Sends a stream of inputs, for one reply.
    pub fn call_client_stream<I, O, E>(
        &self,
        method: &'static Method,
        context: Context,
        inputs: BoxStream<'static, I>,
    ) -> impl Future<Output = Result<O, E>> + Send + 'static
    where
        I: Message + Send + Sync + 'static,
        O: Message + Send + Sync + 'static,
        E: ServiceError,
    {
        self.clone()
            .one_reply(
                method,
                context,
                inputs,
                |mut grpc, request, path| async move {
                    grpc.client_streaming(request, path, ProtoCodec::client())
                        .await
                },
            )
            .map(flatten)
    }

    /// A call with one reply, `send` making the exchange (unary or client streaming), under
    /// the call core's `Caller`: the reply, the failed status, or the call's failure.
    async fn one_reply<T, O, F, Fut>(
        self,
        method: &'static Method,
        context: Context,
        input: T,
        send: F,
    ) -> Result<Result<O, tonic::Status>, CallError>
    where
        T: Send + 'static,
        O: Send + 'static,
        F: FnOnce(Grpc, tonic::Request<T>, http::uri::PathAndQuery) -> Fut + Send + 'static,
        Fut: Future<Output = Result<tonic::Response<O>, tonic::Status>> + Send,
    {
        let caller = &self.inner.caller;
        let call = caller.outgoing(method.op, &context);
        let exchange = async {
            let (answer, pick) = self.send(&call, method, input, send).await?;
            let result = answered(answer.map(tonic::Response::into_inner), call.deadline);
            if let Some(pick) = pick {
                pick.record(matches!(&result, Err(e) if e.is_remote_failure()));
            }
            result
        };
        // Not boxed, though tonic's exchange is over a kilobyte and the core's combinators move
        // it at each layer: the moves cost about 850 instructions per call (0.5%), a box one
        // allocation per call, and allocations are what the benches hold the glue to
        // (`bench/grpc-ratio.sh`). A unary call's future is 2.2 KB as a result (tonic's, 1 KB);
        // boxed, it is 688 bytes and the unary ratio was lower, not higher (medians of five
        // alternating runs: 0.868 boxed, 0.895 not), so the size is not what the glue loses.
        caller
            .run(&call, "grpc", exchange, reply_outcome, made(method))
            .await
    }

    /// A unary call over `balanced` instances, its input encoded once so that it can be sent
    /// again: to another instance when the connection could not be opened (nothing was sent),
    /// for any operation; after `UNAVAILABLE` or a lost connection for an idempotent one, with
    /// the REST client's backoff, deadline and retry budget (`call::balanced`).
    async fn retrying<I, O>(
        self,
        balanced: Balanced<Channel>,
        method: &'static Method,
        context: Context,
        input: I,
    ) -> Result<Result<O, tonic::Status>, CallError>
    where
        I: Message,
        O: Message + Send + Sync + 'static,
    {
        let caller = &self.inner.caller;
        let call = caller.outgoing(method.op, &context);
        let encoded = Encoded(input.encode_to_vec().into());
        let exchange = async {
            let credential = self.credential().await?;
            let path = http::uri::PathAndQuery::from_static(method.path);
            let (idempotent, deadline) = (method.op.idempotent, call.deadline);
            let attempt = |channel: &Channel| {
                let request = self.request(&call, encoded.clone(), credential.as_ref());
                let (ready, path) = (self.ready(channel), path.clone());
                async move {
                    let not_sent = |error| Failed {
                        error,
                        not_sent: true,
                    };
                    let mut grpc = ready.await.map_err(not_sent)?;
                    let answer = grpc.unary(request, path, ProtoCodec::client()).await;
                    if let Err(status) = &answer
                        && refused(status)
                    {
                        return Err(not_sent(status_call_error(status)));
                    }
                    answered(answer.map(tonic::Response::into_inner), deadline)
                        .map_err(Failed::from)
                }
            };
            balanced.attempts(idempotent, deadline, attempt).await
        };
        caller
            .run(&call, "grpc", exchange, reply_outcome, made(method))
            .await
    }

    /// Sends `input` with the call's metadata and credential once a channel is ready: `send`
    /// picks the kind of exchange. Balanced, the instance's [`Pick`] comes back with the answer
    /// (its breaker is told the call's outcome), and an instance whose connection cannot be
    /// opened is left for another (the input was not sent).
    async fn send<T, R, F, Fut>(
        &self,
        call: &Outgoing<'_>,
        method: &'static Method,
        input: T,
        send: F,
    ) -> Result<(R, Option<Pick<Channel>>), CallError>
    where
        F: FnOnce(Grpc, tonic::Request<T>, http::uri::PathAndQuery) -> Fut,
        Fut: Future<Output = R>,
    {
        let credential = self.credential().await?;
        let request = self.request(call, input, credential.as_ref());
        let (grpc, pick) = match &self.inner.balanced {
            None => (self.ready(&self.inner.channel).await?, None),
            Some(balanced) => {
                let opening = balanced.opened(call.deadline, |channel| self.ready(channel));
                let (grpc, pick) = opening.await?;
                (grpc, Some(pick))
            }
        };
        let path = http::uri::PathAndQuery::from_static(method.path);
        Ok((send(grpc, request, path).await, pick))
    }

    /// A client on `channel` once it is ready (connected).
    fn ready(&self, channel: &Channel) -> impl Future<Output = Result<Grpc, CallError>> + use<> {
        let mut grpc = self.grpc(channel);
        async move {
            grpc.ready()
                .await
                .map_err(|e| CallError::Connect(e.to_string()))?;
            Ok(grpc)
        }
    }

    /// Sends a call whose replies stream.
    pub fn call_stream<I, O, E>(
        &self,
        method: &'static Method,
        context: Context,
        input: I,
    ) -> BoxStream<'static, Result<O, E>>
    where
        I: Message + Send + Sync + 'static,
        O: Message + Send + Sync + 'static,
        E: ServiceError,
    {
        let client = self.clone();
        let opened = async move {
            client
                .open(
                    method,
                    context,
                    move |mut grpc, request, path| async move {
                        grpc.server_streaming(request, path, ProtoCodec::client())
                            .await
                    },
                    input,
                )
                .await
        };
        Box::pin(futures::stream::once(opened).flatten())
    }

    /// Streams inputs and replies both ways.
    pub fn call_bidi<I, O, E>(
        &self,
        method: &'static Method,
        context: Context,
        inputs: BoxStream<'static, I>,
    ) -> BoxStream<'static, Result<O, E>>
    where
        I: Message + Send + Sync + 'static,
        O: Message + Send + Sync + 'static,
        E: ServiceError,
    {
        let client = self.clone();
        let opened = async move {
            client
                .open(
                    method,
                    context,
                    move |mut grpc, request, path| async move {
                        grpc.streaming(request, path, ProtoCodec::client()).await
                    },
                    inputs,
                )
                .await
        };
        Box::pin(futures::stream::once(opened).flatten())
    }

    /// Opens a call whose replies stream: admitted for as long as the stream lives, the
    /// opening under the call's deadline (the stream itself under the deadline the server
    /// was sent, when the context has one).
    async fn open<T, O, E, F, Fut>(
        self,
        method: &'static Method,
        context: Context,
        send: F,
        input: T,
    ) -> BoxStream<'static, Result<O, E>>
    where
        T: Send + 'static,
        O: Message + Send + Sync + 'static,
        E: ServiceError,
        F: FnOnce(Grpc, tonic::Request<T>, http::uri::PathAndQuery) -> Fut,
        Fut: Future<Output = Result<tonic::Response<tonic::Streaming<O>>, tonic::Status>>,
    {
        let fail = |e: E| -> BoxStream<'static, Result<O, E>> {
            Box::pin(futures::stream::iter([Err(e)]))
        };
        let caller = &self.inner.caller;
        let call = caller.outgoing(method.op, &context);
        let deadline = call.deadline;
        let mut admission = match caller.admit() {
            Ok(admission) => admission,
            Err(e) => return fail(e.into()),
        };
        let span = crate::call::outbound::span(&call, "grpc");
        let opening = self.send(&call, method, input, send);
        let (sent, pick) = match within(deadline, opening).instrument(span).await {
            Ok((answer, pick)) => (Ok(answer), pick),
            Err(e) => (Err(e), None),
        };
        if let Some(pick) = pick {
            let failed = match &sent {
                Ok(Ok(_)) => false,
                Ok(Err(status)) => status_call_error(status).is_remote_failure(),
                Err(e) => e.is_remote_failure(),
            };
            pick.record(failed);
        }
        let items = match sent {
            Ok(Ok(response)) => response.into_inner(),
            Ok(Err(status)) => {
                let error = status_error::<E>(&status);
                let undeclared = status_call_error(&status);
                admission.record::<()>(&Err(undeclared));
                return fail(error);
            }
            Err(e) => {
                admission.record::<()>(&Err(e.clone()));
                return fail(e.into());
            }
        };
        admission.record::<()>(&Ok(()));
        Box::pin(items.map(move |item| {
            // The admission lives as long as the stream.
            let _held = &admission;
            item.map_err(|status| status_error::<E>(&status))
        }))
    }
}

/// A reply, a declared error (counted as a success by the breaker: the server answered), or
/// an undeclared failure (counted when it is the server's fault).
fn answered<O>(
    answer: Result<O, tonic::Status>,
    deadline: Instant,
) -> Result<Result<O, tonic::Status>, CallError> {
    match answer {
        Ok(output) => Ok(Ok(output)),
        Err(status) if status.metadata().contains_key(ACCORD_ERROR) => Ok(Err(status)),
        Err(status) => {
            // The server's deadline is the caller's: when it has passed, a DEADLINE_EXCEEDED
            // (or tonic's server-side CANCELLED "Timeout expired") is this call's timeout.
            let late = matches!(
                status.code(),
                tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
            ) && Instant::now() >= deadline;
            Err(if late {
                CallError::Timeout
            } else {
                status_call_error(&status)
            })
        }
    }
}

/// The labels of a call of `method` in `rpc_client_call_duration_seconds`.
fn made<O>(
    method: &'static Method,
) -> impl FnOnce(&Result<Result<O, tonic::Status>, CallError>) -> Made {
    move |result| {
        Made::Rpc(RpcLabels {
            rpc_system: "grpc",
            rpc_service: method.op.service,
            rpc_method: method.name(),
            rpc_grpc_status_code: code_of(result),
        })
    }
}

/// Whether tonic failed `status` because the connection was refused: nothing was sent.
fn refused(status: &tonic::Status) -> bool {
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = error.source();
    }
    false
}

/// A request message encoded once, which a balanced call may send to several instances in
/// turn (tonic takes the message it sends).
#[derive(Debug, Clone)]
struct Encoded(bytes::Bytes);

impl Message for Encoded {
    const NAME: &'static str = "accord.Encoded";

    fn encode_body<B: bytes::BufMut>(&self, buf: &mut B) {
        buf.put_slice(&self.0);
    }

    fn body_len(&self) -> usize {
        self.0.len()
    }

    fn decode_body(buf: &mut &[u8], _depth: u32) -> Result<Self, crate::proto::DecodeError> {
        let all = bytes::Bytes::copy_from_slice(buf);
        *buf = &[];
        Ok(Encoded(all))
    }

    fn absent() -> Option<Self> {
        None
    }
}

fn reply_outcome<O>(answer: &Result<O, tonic::Status>) -> Outcome {
    match answer {
        Ok(_) => Outcome::Ok,
        Err(_) => Outcome::DeclaredError,
    }
}

/// The gRPC code a call ended with, for its metrics (a failure on this side, the code it
/// stands for: `DEADLINE_EXCEEDED` for a timeout, `UNAVAILABLE` for no connection or an open
/// breaker, `RESOURCE_EXHAUSTED` for the outstanding bound).
fn code_of<O>(result: &Result<Result<O, tonic::Status>, CallError>) -> i32 {
    match result {
        Ok(Ok(_)) => 0,
        Ok(Err(status)) => status.code() as i32,
        Err(error) => error.code() as i32,
    }
}

/// A unary call's answer, or its fallback's when the service could not give one.
fn settle<O: Message + 'static, E: ServiceError>(
    armed: Armed,
    metrics: Option<crate::metrics::Metrics>,
    ran: Result<Result<O, tonic::Status>, CallError>,
) -> Result<O, E> {
    match ran {
        Ok(Ok(output)) => {
            if armed.keeps_replies() {
                armed.remember(output.encode_to_vec().into());
            }
            Ok(output)
        }
        Ok(Err(status)) => Err(status_error(&status)),
        Err(error) => {
            let decode = |body: &[u8]| O::decode(body).map_err(|e| e.to_string());
            armed
                .answer(error, metrics.as_ref(), decode)
                .map_err(E::from)
        }
    }
}

fn flatten<O, E: ServiceError>(ran: Result<Result<O, tonic::Status>, CallError>) -> Result<O, E> {
    match ran {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(status)) => Err(status_error(&status)),
        Err(error) => Err(E::from(error)),
    }
}
