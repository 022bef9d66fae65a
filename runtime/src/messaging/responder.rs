//! The serving side of channels. A [`Responder`] is a table, per channel, from `message_type` to
//! a typed handler; [`Responder::serve`] subscribes to each channel as one consumer group and
//! runs the shared consumer policy (`consumer.rs`: retries, dead letters, per-key order) over
//! it. Generated code builds one per service for its channel-bound operations, and one per
//! subscribed channel for its events; the handlers call the service trait.
//!
//! What a handler does with each message (`docs/wire.md`, "Replies"):
//! - an undecodable payload, input that breaks the contract's constraints, or an unknown
//!   `message_type` can never be handled: a request gets an `accord.Status` reply
//!   (`INVALID_ARGUMENT`, `UNIMPLEMENTED`) so its caller need not wait, and the message is
//!   dead-lettered;
//! - success: the reply carries the output (`message_type` = the output's qualified name);
//! - a declared error: the reply carries it (`message_type` = the error's qualified name);
//! - any other failure the caller could act on (`NOT_FOUND`, `PERMISSION_DENIED`, ...): an
//!   `accord.Status` reply; for a `notify` or an event, the message is dead-lettered;
//! - a server fault (`INTERNAL`, `UNAVAILABLE`, a timeout) or a panic: retried with backoff,
//!   then dead-lettered; the caller's deadline ends its wait;
//! - before any of this, a `reply_to` no reply may go to (malformed, a broker's own subject, a
//!   channel of the contract: `address.rs`): nothing runs, nothing is replied, the message is
//!   dead-lettered; and a reply that cannot be sent dead-letters the request, never runs its
//!   handler again.

use super::address::{Protected, shown};
use super::binding::{Binding, ChannelInfo, EMPTY_TYPE, STATUS_TYPE, status_payload};
use super::broker::Broker;
use super::consumer::{ConsumerConfig, HandlerError};
use super::deadline::{self, Left};
use super::error::BrokerError;
use super::idempotent::{self, HeldReply, Idempotence};
use super::message::Message;
use crate::call::inbound::{self, Incoming};
use crate::call::{MetadataPolicy, OperationInfo, Outcome};
use crate::codec::{self, Format};
// The protobuf encoding every generated type has: payloads go out in the channel's format.
use crate::metrics::{MessagingCall, Metrics, Served};
use crate::proto::Message as Proto;
use crate::validate::Validate;
use crate::{BoxStream, CallError, Code, Context, ErrorEncoding, Request, ServiceError, Status};
use futures::FutureExt as _;
use futures::StreamExt as _;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument as _;

/// How a [`Responder`] serves.
#[derive(Debug, Clone, Default)]
pub struct ServeConfig {
    /// The consumer group. Default: the serving service's qualified name, so the instances of
    /// a service compete for its messages; give each responder its own group to have every one
    /// of them get every message of a publish-subscribe channel (a courier answering every
    /// quote request).
    pub group: Option<String>,
    /// Retries, dead letters and in-flight bound.
    pub consumer: ConsumerConfig,
    /// Which message headers become [`Context::metadata`]; by default every header but the
    /// credentials.
    pub metadata: MetadataPolicy,
    /// Records each message's processing (`messaging_process_duration_seconds`, by channel)
    /// and the messages in process; `None` (the default) records nothing.
    pub metrics: Option<Metrics>,
    /// The service's store (`accord::store::Store`, or another [`Idempotence`]): with one,
    /// every message is handled the idempotent way (`idempotent.rs`): its handler runs in a
    /// transaction (the store's `Transaction::of(&context)`) that also records (group,
    /// `message_id`) and the reply, committed before the message is acknowledged and the reply
    /// sent; a message the group handled before is acknowledged unrun, its stored reply sent
    /// again.
    pub store: Option<Arc<dyn Idempotence>>,
}

impl ServeConfig {
    /// Sets the consumer group.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Handles messages the idempotent way, in transactions of `store` ([`ServeConfig::store`]).
    pub fn store(mut self, store: impl Idempotence) -> Self {
        self.store = Some(Arc::new(store));
        self
    }
}

/// What every handler of a serving responder shares.
struct Shared {
    broker: Broker,
    metadata: MetadataPolicy,
}

/// A typed handler: given the message and what goes into its context's extensions (the
/// idempotent consumer's transaction and held reply, when served with a store).
type Handler = Arc<
    dyn Fn(&Message, &Arc<Shared>, http::Extensions) -> BoxFuture<'static, Result<(), HandlerError>>
        + Send
        + Sync,
>;

/// Typed handlers by channel and `message_type`; [`Responder::serve`] runs them.
#[must_use = "a responder does nothing until it is served"]
pub struct Responder {
    service: &'static str,
    channels: Vec<(&'static ChannelInfo, Vec<(&'static str, Handler)>)>,
    /// Per route, by channel address: the `@timeout` of a request that is replied to, `None`
    /// for an event, a `notify` or a request without one (for [`ack_wait`]).
    timeouts: Vec<(&'static str, Option<Duration>)>,
    /// Where no reply may go, besides the channels served.
    protected: Protected,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let channels: Vec<_> = self.channels.iter().map(|(c, _)| c.address).collect();
        f.debug_struct("Responder")
            .field("service", &self.service)
            .field("channels", &channels)
            .finish()
    }
}

impl Responder {
    /// A responder for `service` (its qualified name: the default consumer group).
    pub fn new(service: &'static str) -> Self {
        Responder {
            service,
            channels: Vec::new(),
            timeouts: Vec::new(),
            protected: Protected::default(),
        }
    }

    /// Names the channel addresses of the whole contract (generated code passes every channel
    /// of every package it was generated from, `CONTRACT_ADDRESSES`): a request whose
    /// `reply_to` is one of them, or under one (`<address>.dlq`, ...), is refused like any
    /// illegal reply address (`docs/wire.md`, "Reply addresses"). The channels this responder
    /// serves are always protected.
    pub fn contract_addresses(mut self, addresses: &'static [&'static str]) -> Self {
        self.protected.extend(addresses.iter().copied());
        self
    }

    /// Answers asynchronous requests of `binding` with `handler`'s output or error.
    pub fn unary<S, I, O, E, F, Fut>(
        self,
        binding: &'static Binding,
        service: &Arc<S>,
        handler: F,
    ) -> Self
    where
        S: Send + Sync + 'static,
        I: DeserializeOwned + Validate + Proto + Send + 'static,
        O: Serialize + Proto + Send + 'static,
        E: ServiceError,
        F: Fn(Arc<S>, Request<I>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
    {
        let service = service.clone();
        let output = binding.output.unwrap_or(EMPTY_TYPE);
        let handle = request_handler(binding, move |request, reply: Replier| {
            let work = handler(service.clone(), request);
            async move { reply.answer(work.await, output).await }
        });
        self.timed(binding.channel, binding.op.timeout).route(
            binding.channel,
            binding.input,
            handle,
        )
    }

    /// Dispatches one-way commands of `binding` (`notify`) to `handler`; nothing is replied.
    pub fn notify<S, I, E, F, Fut>(
        self,
        binding: &'static Binding,
        service: &Arc<S>,
        handler: F,
    ) -> Self
    where
        S: Send + Sync + 'static,
        I: DeserializeOwned + Validate + Proto + Send + 'static,
        E: ServiceError,
        F: Fn(Arc<S>, Request<I>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let service = service.clone();
        let handle = request_handler(binding, move |request, _| {
            let work = handler(service.clone(), request);
            async move { one_way(work.await) }
        });
        self.timed(binding.channel, None)
            .route(binding.channel, binding.input, handle)
    }

    /// Answers collected requests of `binding` (`@collect`): every item of `handler`'s stream
    /// is one reply.
    pub fn collect<S, I, O, E, F>(
        self,
        binding: &'static Binding,
        service: &Arc<S>,
        handler: F,
    ) -> Self
    where
        S: Send + Sync + 'static,
        I: DeserializeOwned + Validate + Proto + Send + 'static,
        O: Serialize + Proto + Send + 'static,
        E: ServiceError,
        F: Fn(Arc<S>, Request<I>) -> BoxStream<'static, Result<O, E>> + Send + Sync + 'static,
    {
        let service = service.clone();
        let output = binding.output.unwrap_or(EMPTY_TYPE);
        let handle = request_handler(binding, move |request, reply: Replier| {
            // Replies already sent cannot be held for a commit: each goes as it comes.
            let reply = reply.unheld();
            let mut items = handler(service.clone(), request);
            async move {
                let mut outcome = Ok(Outcome::Ok);
                while let Some(item) = items.next().await {
                    let failed = item.is_err();
                    outcome = reply.answer(item, output).await;
                    if failed || outcome.is_err() {
                        break;
                    }
                }
                // Replies already sent cannot be taken back: a fault ends the stream.
                outcome.map_err(|e| match e {
                    HandlerError::Failed(why) => HandlerError::Undeliverable(why),
                    other => other,
                })
            }
        });
        self.timed(binding.channel, binding.op.timeout).route(
            binding.channel,
            binding.input,
            handle,
        )
    }

    /// Hands events of `message_type` on `channel` to `handler` (a subscriber).
    pub fn event<S, T, F, Fut>(
        self,
        channel: &'static ChannelInfo,
        message_type: &'static str,
        service: &Arc<S>,
        handler: F,
    ) -> Self
    where
        S: Send + Sync + 'static,
        T: DeserializeOwned + Validate + Proto + Send + 'static,
        F: Fn(Arc<S>, Request<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), CallError>> + Send + 'static,
    {
        let service = service.clone();
        let handle: Handler = Arc::new(move |message, shared, extensions| {
            let event = match decode::<T>(message) {
                Ok(event) => event,
                Err(status) => return refuse(message, shared, status),
            };
            let context = context(message, &shared.metadata, Instant::now(), extensions);
            let work = handler(service.clone(), Request::from_parts(context, event));
            let span =
                tracing::debug_span!("accord.event", channel = channel.address, message_type);
            Box::pin(async move { one_way(work.await).map(drop) }.instrument(span))
        });
        self.timed(channel, None)
            .route(channel, message_type, handle)
    }

    fn timed(mut self, channel: &'static ChannelInfo, timeout: Option<Duration>) -> Self {
        self.timeouts.push((channel.address, timeout));
        self
    }

    fn route(
        mut self,
        channel: &'static ChannelInfo,
        message_type: &'static str,
        handle: Handler,
    ) -> Self {
        match self
            .channels
            .iter_mut()
            .find(|(c, _)| c.address == channel.address)
        {
            Some((_, handlers)) => handlers.push((message_type, handle)),
            None => self.channels.push((channel, vec![(message_type, handle)])),
        }
        self
    }

    /// Subscribes to every channel (creating what the broker needs) and serves them on spawned
    /// tasks until the returned [`Serving`] is dropped or stopped. Once this returns, messages
    /// are being consumed.
    pub async fn serve(self, broker: &Broker, config: ServeConfig) -> Result<Serving, BrokerError> {
        let group = config.group.unwrap_or_else(|| self.service.to_owned());
        let shared = Arc::new(Shared {
            broker: broker.clone(),
            metadata: config.metadata,
        });
        let mut protected = self.protected;
        protected.extend(self.channels.iter().map(|(c, _)| c.address));
        let protected = Arc::new(protected);
        let system = broker.system();
        let idempotent = config
            .store
            .clone()
            .map(|store| (store, Arc::<str>::from(&*group)));
        let mut serving = Serving { tasks: Vec::new() };
        for (channel, handlers) in self.channels {
            let mut subscribed = channel.channel();
            subscribed.ack_wait = ack_wait(channel.address, &self.timeouts);
            let mut consumer = broker.subscribe(&subscribed, &group).await?;
            if let Some(metrics) = &config.metrics {
                consumer = consumer.metrics(metrics.clone());
            }
            let (shared, protected) = (shared.clone(), protected.clone());
            let metrics = config.metrics.clone();
            let idempotent = idempotent.clone();
            let route = move |message: &Message| {
                // Before anything can reply (a refusal's status reply included).
                if let Err(why) = reply_to_allowed(message, &protected) {
                    return refuse_reply_to(channel, why);
                }
                if expired(message, channel, system, metrics.as_ref()) {
                    return Box::pin(std::future::ready(Ok(())));
                }
                if let Some(idempotent) = &idempotent {
                    let on_duplicate = dropped(channel, system, metrics.clone(), "duplicate");
                    return idempotently(
                        idempotent,
                        message,
                        &handlers,
                        channel,
                        &shared,
                        on_duplicate,
                    );
                }
                dispatch(
                    message,
                    &handlers,
                    channel,
                    &shared,
                    http::Extensions::new(),
                )
            };
            let route = observed(route, channel, broker.system(), config.metrics.clone());
            let policy = config.consumer.clone();
            serving
                .tasks
                .push(tokio::spawn(consumer.serve(policy, route)));
        }
        Ok(serving)
    }
}

/// The ack wait of a channel whose every operation is a request with an `@timeout`: the
/// longest of them (at least a second). Such a request is worthless once its caller's deadline
/// has passed (its redelivery is dropped as expired), so JetStream need not wait longer for an
/// acknowledgement; a request held by a consumer that died or stalled is redelivered by then,
/// and a handler that answers within its caller's deadline is never redelivered while it runs.
/// A channel with an event, a `notify` or a request without `@timeout` keeps the broker's ack
/// wait: nothing bounds how long its handlers may take.
fn ack_wait(address: &str, timeouts: &[(&'static str, Option<Duration>)]) -> Option<Duration> {
    let mut routes = timeouts.iter().filter(|(a, _)| *a == address).peekable();
    routes.peek()?;
    let longest = routes
        .map(|(_, t)| *t)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max()?;
    Some(longest.max(Duration::from_secs(1)))
}

/// Hands `message` to the handler of its type on `channel`, refusing an unknown type.
fn dispatch(
    message: &Message,
    handlers: &[(&'static str, Handler)],
    channel: &'static ChannelInfo,
    shared: &Arc<Shared>,
    extensions: http::Extensions,
) -> BoxFuture<'static, Result<(), HandlerError>> {
    match handler_of(message, handlers) {
        Some(handle) => handle(message, shared, extensions),
        None => unknown_type(message, channel, shared),
    }
}

fn handler_of<'h>(
    message: &Message,
    handlers: &'h [(&'static str, Handler)],
) -> Option<&'h Handler> {
    let found = handlers.iter().find(|(t, _)| *t == message.message_type);
    found.map(|(_, handle)| handle)
}

/// A `message_type` no handler of the channel serves: refused (nothing to record, nothing
/// ran).
fn unknown_type(
    message: &Message,
    channel: &'static ChannelInfo,
    shared: &Arc<Shared>,
) -> BoxFuture<'static, Result<(), HandlerError>> {
    let why = format!(
        "unknown message type `{}` on `{}`",
        message.message_type, channel.address
    );
    refuse(message, shared, Status::new(Code::Unimplemented, why))
}

/// [`dispatch`] the idempotent way: in a transaction that records the message
/// (`idempotent.rs`).
fn idempotently(
    (idempotence, group): &(Arc<dyn Idempotence>, Arc<str>),
    message: &Message,
    handlers: &[(&'static str, Handler)],
    channel: &'static ChannelInfo,
    shared: &Arc<Shared>,
    on_duplicate: impl FnOnce() + Send + 'static,
) -> BoxFuture<'static, Result<(), HandlerError>> {
    let Some(handle) = handler_of(message, handlers) else {
        return unknown_type(message, channel, shared);
    };
    let (idempotence, group) = (idempotence.clone(), group.clone());
    let (handle, shared) = (handle.clone(), shared.clone());
    let message = message.clone();
    Box::pin(async move {
        let broker = shared.broker.clone();
        let run = move |message: &Message, extensions| handle(message, &shared, extensions);
        let handled =
            idempotent::handle(&*idempotence, &group, &broker, message, run, on_duplicate);
        handled.await
    })
}

/// Whether the request's caller has stopped waiting (its `deadline` passed): then nothing runs
/// and nothing is replied; the message is acknowledged, logged and counted
/// (`accord_messaging_dropped_messages_total{reason="expired"}`).
fn expired(
    message: &Message,
    channel: &'static ChannelInfo,
    system: &'static str,
    metrics: Option<&Metrics>,
) -> bool {
    let Left::Expired(ago) = deadline::left(message, std::time::SystemTime::now()) else {
        return false;
    };
    tracing::warn!(
        channel = channel.address,
        message_id = %message.message_id,
        message_type = %message.message_type,
        "request dropped unrun: its deadline passed {ago:?} ago"
    );
    dropped(channel, system, metrics.cloned(), "expired")();
    true
}

/// Counts a message dropped unrun for `reason`, when there are metrics.
fn dropped(
    channel: &'static ChannelInfo,
    system: &'static str,
    metrics: Option<Metrics>,
    reason: &'static str,
) -> impl FnOnce() + Send + 'static {
    move || {
        if let Some(metrics) = metrics {
            let call = MessagingCall {
                system,
                destination: Cow::Borrowed(channel.address),
                operation: "process",
            };
            metrics.dropped(call, reason);
        }
    }
}

/// Whether the message's `reply_to`, if it has one, is an address a reply may go to; if not,
/// why, naming the address (cut to a readable length).
fn reply_to_allowed(message: &Message, protected: &Protected) -> Result<(), String> {
    let Some(to) = &message.reply_to else {
        return Ok(());
    };
    protected
        .check_reply_to(to)
        .map_err(|why| format!("reply_to {} {why}", shown(to)))
}

/// A message with an illegal `reply_to`: nothing runs and nothing is replied; it is
/// dead-lettered at once with the reason.
fn refuse_reply_to(
    channel: &'static ChannelInfo,
    why: String,
) -> BoxFuture<'static, Result<(), HandlerError>> {
    tracing::warn!(channel = channel.address, "request refused: {why}");
    Box::pin(std::future::ready(Err(HandlerError::Undeliverable(why))))
}

/// Responders being served; dropping it stops them (messages in hand are redelivered).
#[must_use = "dropping it stops serving"]
#[derive(Debug)]
pub struct Serving {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Serving {
    /// Serves until every subscription ends (the broker handle is gone for good).
    pub async fn wait(mut self) {
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    /// A readiness check of these consumers (`accord::health`): up while every subscription
    /// still runs, `"stopped"` once one has ended. Register it with the service's `Health`.
    pub fn check(&self) -> ConsumersRunning {
        ConsumersRunning(self.tasks.iter().map(|t| t.abort_handle()).collect())
    }

    /// Puts two groups of responders together, to be waited on or stopped as one.
    pub fn and(mut self, mut other: Serving) -> Serving {
        self.tasks.append(&mut other.tasks);
        self
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// `dispatch` with each message's processing recorded in `metrics`, when there are some.
fn observed<D>(
    dispatch: D,
    channel: &'static ChannelInfo,
    system: &'static str,
    metrics: Option<Metrics>,
) -> impl Fn(&Message) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync + 'static
where
    D: Fn(&Message) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync + 'static,
{
    move |message| {
        let work = dispatch(message);
        let Some(metrics) = metrics.clone() else {
            return work;
        };
        let started = Instant::now();
        let in_flight = inbound::in_flight(Some(&metrics), "messaging");
        Box::pin(work.map(move |result| {
            let call = MessagingCall {
                system,
                destination: Cow::Borrowed(channel.address),
                operation: "process",
            };
            inbound::observe(Some(&metrics), Served::Messaging(call), started);
            drop(in_flight);
            result
        }))
    }
}

/// Whether a [`Serving`]'s consumers still run: [`Serving::check`].
#[derive(Debug)]
pub struct ConsumersRunning(Vec<tokio::task::AbortHandle>);

impl crate::health::Check for ConsumersRunning {
    fn check(&self) -> futures::future::BoxFuture<'_, crate::health::Status> {
        let running = self.0.iter().all(|task| !task.is_finished());
        let status = if running {
            crate::health::Status::Up
        } else {
            crate::health::Status::Down("stopped")
        };
        Box::pin(futures::future::ready(status))
    }
}

/// The handler of a channel-bound operation: reads the request (refusing what can never be
/// handled), runs `serve` with it and where to reply, in the call's span, and records the
/// outcome.
fn request_handler<I, F, Fut>(binding: &'static Binding, serve: F) -> Handler
where
    I: DeserializeOwned + Validate + Proto + Send + 'static,
    F: Fn(Request<I>, Replier) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Outcome, HandlerError>> + Send + 'static,
{
    Arc::new(move |message, shared, extensions| {
        let started = Instant::now();
        let (CallParts { request, span }, reply) =
            match inbound_call::<I>(binding.op, message, shared, started, extensions) {
                Ok(call) => call,
                Err(refused) => return refused,
            };
        let work = serve(request, reply);
        let traced = span.clone();
        Box::pin(async move { finish(&span, work.await, started) }.instrument(traced))
    })
}

/// Records how a served call ended on its span; the consumer policy does the rest.
fn finish(
    span: &tracing::Span,
    outcome: Result<Outcome, HandlerError>,
    started: Instant,
) -> Result<(), HandlerError> {
    let label = match &outcome {
        Ok(outcome) => *outcome,
        Err(HandlerError::Failed(_)) => Outcome::Failed("failed"),
        Err(HandlerError::Undeliverable(_)) => Outcome::Rejected,
    };
    inbound::record(span, label, 0, started);
    outcome.map(drop)
}

/// Reads a request: its input (decoded and validated), its context, and where to reply. A
/// message that can never be handled is refused here (a status reply, then a dead letter).
#[allow(clippy::type_complexity)]
fn inbound_call<I: DeserializeOwned + Validate + Proto>(
    op: &'static OperationInfo,
    message: &Message,
    shared: &Arc<Shared>,
    started: Instant,
    extensions: http::Extensions,
) -> Result<(CallParts<I>, Replier), BoxFuture<'static, Result<(), HandlerError>>> {
    let input = match decode::<I>(message) {
        Ok(input) => input,
        Err(status) => return Err(refuse(message, shared, status)),
    };
    let held = extensions.get::<HeldReply>().cloned();
    let context = context(message, &shared.metadata, started, extensions);
    let span = inbound::span(op, "messaging", &context);
    let request = Request::from_parts(context, input);
    let reply = Replier::of(message, shared).held(held);
    Ok((CallParts { request, span }, reply))
}

/// A request read off a message, and its span.
struct CallParts<I> {
    request: Request<I>,
    span: tracing::Span,
}

/// The handler's context: the request's deadline, trace and correlation id, the headers the
/// policy allows as metadata, and `extensions`.
fn context(
    message: &Message,
    policy: &MetadataPolicy,
    started: Instant,
    extensions: http::Extensions,
) -> Context {
    let metadata = message
        .headers
        .iter()
        .filter(|(name, _)| policy.allows(name))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    let deadline = match deadline::left(message, std::time::SystemTime::now()) {
        Left::Remaining(left) => Some(left),
        Left::Unbounded | Left::Expired(_) => None,
    };
    let incoming = Incoming {
        deadline,
        traceparent: message.traceparent.as_deref().map(str::as_bytes),
        correlation_id: message
            .correlation_id
            .as_deref()
            .filter(|id| !id.is_empty()),
        metadata,
        extensions,
    };
    incoming.context(started)
}

/// The payload's format, by its content type.
fn format_of(message: &Message) -> Result<Format, Status> {
    message.format().ok_or_else(|| {
        Status::new(
            Code::InvalidArgument,
            format!("unsupported content type `{}`", message.content_type),
        )
    })
}

/// The payload decoded and validated, or why it never can be.
fn decode<T: DeserializeOwned + Validate + Proto>(message: &Message) -> Result<T, Status> {
    // The one request size of every transport (REST bodies, gRPC messages): a broker's own
    // bound (NATS `max_payload`, RabbitMQ's 128 MiB) is the broker's, not the contract's.
    let limit = crate::call::MAX_MESSAGE_BYTES;
    if message.payload.len() > limit {
        return Err(Status::new(
            Code::ResourceExhausted,
            format!(
                "`{}` payload of {} bytes is over the limit of {limit} bytes",
                message.message_type,
                message.payload.len()
            ),
        ));
    }
    let format = format_of(message)?;
    let value: T = codec::decode(&message.payload, format).map_err(|e| {
        Status::new(
            Code::InvalidArgument,
            format!("`{}` payload does not decode: {e}", message.message_type),
        )
    })?;
    value
        .validate()
        .map_err(|violations| Status::invalid(violations.into_vec()))?;
    Ok(value)
}

/// A message that can never be handled: a request gets `status` as its reply, then the message
/// is dead-lettered.
fn refuse(
    message: &Message,
    shared: &Arc<Shared>,
    status: Status,
) -> BoxFuture<'static, Result<(), HandlerError>> {
    let reply = Replier::of(message, shared);
    Box::pin(async move {
        let why = status.to_string();
        if let Err(e) = reply
            .send(Cow::Borrowed(STATUS_TYPE), status_payload(&status))
            .await
        {
            tracing::warn!("status reply not sent: {e:?}");
        }
        Err(HandlerError::Undeliverable(why))
    })
}

/// The outcome of a handler that sends nothing back (`notify`, events).
fn one_way<E: ServiceError>(result: Result<(), E>) -> Result<Outcome, HandlerError> {
    match result {
        Ok(()) => Ok(Outcome::Ok),
        Err(error) => match error.encode() {
            // A notify declares no errors; an event handler's errors are `CallError`s.
            ErrorEncoding::Declared(declared) => Err(HandlerError::Undeliverable(format!(
                "declared error {}",
                declared.name
            ))),
            ErrorEncoding::Call(error) => Err(failure(error)),
        },
    }
}

/// How a failure that is not a declared error is handled: a server fault is retried, anything
/// else can never succeed.
fn failure(error: CallError) -> HandlerError {
    inbound::log_internal(&error);
    if error.is_remote_failure() || error.code().is_server_fault() {
        HandlerError::Failed(error.to_string())
    } else {
        HandlerError::Undeliverable(error.to_string())
    }
}

/// Where and how to reply to one request.
struct Replier {
    /// Where the request asked for its reply; `None` when it asked for none.
    to: Option<ReplyTo>,
    broker: Broker,
    /// Served with a store: the reply waits here for the transaction's commit.
    held: Option<HeldReply>,
}

/// What of a request its reply needs.
struct ReplyTo {
    /// The request's `reply_to`.
    address: String,
    /// The request's `message_id`: the reply's `correlation_id`.
    request_id: String,
    traceparent: Option<String>,
    /// Replies travel in the request's format.
    format: Format,
}

impl Replier {
    fn of(message: &Message, shared: &Shared) -> Self {
        let to = message.reply_to.as_ref().map(|address| ReplyTo {
            address: address.clone(),
            request_id: message.message_id.clone(),
            traceparent: message.traceparent.clone(),
            // A request in a format nobody reads is refused with a (JSON) status.
            format: message.format().unwrap_or(Format::Json),
        });
        Replier {
            to,
            broker: shared.broker.clone(),
            held: None,
        }
    }

    fn held(mut self, held: Option<HeldReply>) -> Self {
        self.held = held;
        self
    }

    fn unheld(self) -> Self {
        self.held(None)
    }

    fn format(&self) -> Format {
        self.to.as_ref().map_or(Format::Json, |to| to.format)
    }

    /// Sends one reply. A reply that cannot be sent dead-letters the request with the reason:
    /// the handler has done its work, and running it again for a reply that may never get
    /// through would repeat that work.
    async fn send(
        &self,
        message_type: Cow<'static, str>,
        payload: Vec<u8>,
    ) -> Result<(), HandlerError> {
        let Some(to) = &self.to else {
            return Ok(());
        };
        // A status is JSON whatever the channel's format (`docs/wire.md`).
        let format = if message_type == STATUS_TYPE {
            Format::Json
        } else {
            to.format
        };
        let mut reply = Message::new(message_type, payload).with_correlation_id(&*to.request_id);
        reply.traceparent = to.traceparent.clone();
        reply.content_type = Cow::Borrowed(format.content_type());
        if let Some(held) = &self.held {
            held.hold(reply);
            return Ok(());
        }
        self.broker
            .reply(&to.address, reply)
            .await
            .map_err(|e| HandlerError::Undeliverable(format!("reply not sent: {e}")))
    }

    /// Replies with a handler's result.
    async fn answer<O: Serialize + Proto, E: ServiceError>(
        &self,
        result: Result<O, E>,
        output: &'static str,
    ) -> Result<Outcome, HandlerError> {
        let format = self.format();
        let (message_type, payload, outcome) = match result {
            Ok(value) => {
                let payload = codec::encode(&value, format)
                    .map_err(|e| HandlerError::Failed(format!("output does not encode: {e}")))?;
                (Cow::Borrowed(output), payload, Outcome::Ok)
            }
            Err(error) => match error.encode() {
                ErrorEncoding::Declared(declared) => {
                    let payload = declared
                        .encode(format)
                        .map_err(|e| HandlerError::Failed(format!("error does not encode: {e}")))?;
                    (
                        Cow::Borrowed(declared.name),
                        payload,
                        Outcome::DeclaredError,
                    )
                }
                ErrorEncoding::Call(error) => match failure(error.clone()) {
                    retry @ HandlerError::Failed(_) => return Err(retry),
                    HandlerError::Undeliverable(_) => {
                        let status = match error {
                            CallError::Status(status) => *status,
                            other => Status::new(other.code(), other.public_message()),
                        };
                        (
                            Cow::Borrowed(STATUS_TYPE),
                            status_payload(&status),
                            Outcome::Rejected,
                        )
                    }
                },
            },
        };
        self.send(message_type, payload).await?;
        Ok(outcome)
    }
}
