//! The NATS backend (`nats://host:port`, feature `nats`).
//!
//! A channel's address is its subject. Durable channels live in a JetStream stream per
//! channel, named after the address (`.` and other characters a stream name may not hold become
//! `_`), capturing exactly that subject, so a plain core publish to it is kept too:
//! point-to-point channels in a work-queue stream with one durable consumer (named like the
//! stream) on which every subscriber competes; publish-subscribe channels in an interest stream
//! with one durable consumer per group (the group name, sanitized the same way). Non-durable
//! channels use core NATS queue groups (at most once: nothing to acknowledge). Headers travel
//! as NATS headers named as in `docs/wire.md`; replies are core publishes to the `reply_to`
//! subject. Durable consumers deliver a message at most `max_deliveries` times (`max_deliver`).
//! The client reconnects by itself; consumers re-attach after errors and after every
//! reconnection (a restarted server has forgotten their pull requests, and waiting for missed
//! heartbeats to tell would stall delivery for seconds).

use super::backend::{Backend, BackendConsumer, BackendInbox, Received, Settle, with_retries};
use super::config::BrokerConfig;
use super::error::{BrokerError, timed};
use super::message::{Channel, ChannelKind, Message};
use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use async_nats::{Client, HeaderMap};
use futures::{FutureExt as _, StreamExt as _};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) struct NatsBroker {
    client: Client,
    jetstream: jetstream::Context,
    config: Arc<BrokerConfig>,
    /// The addresses whose stream this connection made sure of: publishing declares only once
    /// (and looks an address up without building its stream's name). Emptied on every
    /// reconnection: the server may have come back without them.
    streams: Arc<Mutex<HashSet<String>>>,
    /// Counts reconnections, so durable consumers re-attach at once.
    reconnected: tokio::sync::watch::Receiver<u64>,
}

impl NatsBroker {
    pub(crate) fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    pub(crate) async fn connect(
        url: &str,
        config: &Arc<BrokerConfig>,
    ) -> Result<Self, BrokerError> {
        let backoff = config.connect_backoff;
        let streams: Arc<Mutex<HashSet<String>>> = Arc::default();
        let (connections, reconnected) = tokio::sync::watch::channel(0u64);
        let on_event = {
            let (streams, connections) = (streams.clone(), Arc::new(connections));
            // The first `Connected` is the connection being made, and may be reported after
            // consumers attached to it: counted as a reconnection, it would have them pull
            // afresh while their first pull request still stands, and messages the server
            // hands that request would wait out the ack wait.
            let connected_before = Arc::new(std::sync::atomic::AtomicBool::new(false));
            move |event: async_nats::Event| {
                let reconnected = matches!(event, async_nats::Event::Connected)
                    && connected_before.swap(true, std::sync::atomic::Ordering::SeqCst);
                if reconnected {
                    streams.lock().unwrap_or_else(|e| e.into_inner()).clear();
                    connections.send_modify(|n| *n += 1);
                }
                async move { tracing::info!("nats: {event}") }
            }
        };
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(config.operation_timeout)
            .request_timeout(Some(config.operation_timeout))
            .reconnect_delay_callback(move |attempts| backoff.delay(attempts as u32))
            .event_callback(on_event)
            .connect(url)
            .await
            .map_err(|e| match e.kind() {
                async_nats::ConnectErrorKind::ServerParse => BrokerError::Config(e.to_string()),
                _ => BrokerError::Unavailable(e.to_string()),
            })?;
        let mut jetstream = jetstream::new(client.clone());
        jetstream.set_timeout(config.operation_timeout);
        Ok(NatsBroker {
            client,
            jetstream,
            config: config.clone(),
            streams,
            reconnected,
        })
    }

    /// Creates the channel's stream unless this connection already did (idempotent on the
    /// server: an existing stream is kept as it is).
    async fn ensure_stream(&self, channel: &Channel) -> Result<stream::Stream, BrokerError> {
        let name = stream_name(&channel.address);
        let retention = match channel.kind {
            ChannelKind::PointToPoint => stream::RetentionPolicy::WorkQueue,
            ChannelKind::PublishSubscribe => stream::RetentionPolicy::Interest,
        };
        let config = stream::Config {
            name: name.clone(),
            subjects: vec![channel.address.to_string()],
            retention,
            storage: stream::StorageType::File,
            ..Default::default()
        };
        let stream = self
            .jetstream
            .get_or_create_stream(config)
            .await
            .map_err(|e| unavailable("creating stream", e))?;
        let address = channel.address.to_string();
        self.streams.lock().unwrap().insert(address);
        Ok(stream)
    }

    pub(crate) async fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> Result<(), BrokerError> {
        let headers = self.checked_headers(&message, channel.durable)?;
        if !channel.durable {
            return self.core_publish(&channel.address, headers, message).await;
        }
        if !self.streams.lock().unwrap().contains(&*channel.address) {
            // Boxed: once per stream and connection, and its future (a stream's whole
            // configuration, a JetStream API request) would otherwise take room in every
            // publish's, copied whole as the publish is boxed.
            Box::pin(self.ensure_stream(channel)).await?;
        }
        let confirm = self
            .jetstream
            .publish_with_headers(channel.address.to_string(), headers, message.payload)
            .await
            .map_err(publish_error)?;
        confirm.await.map_err(publish_error)?;
        Ok(())
    }

    async fn core_publish(
        &self,
        subject: &str,
        headers: HeaderMap,
        message: Message,
    ) -> Result<(), BrokerError> {
        self.client
            .publish_with_headers(subject.to_owned(), headers, message.payload)
            .await
            .map_err(|e| unavailable("publishing", e))
    }

    pub(crate) async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
        let headers = self.checked_headers(&message, false)?;
        self.core_publish(to, headers, message).await
    }

    /// The message's headers, once sure the server will take the message: nats-server closes
    /// the connection (every consumer of the process shares it) on a message over its
    /// `max_payload`, headers included, and async-nats checks neither that nor header values
    /// on publishes with headers. The subject was checked by the caller (`Broker`). A publish
    /// to JetStream carries [`MSG_ID`] (the `message_id`, unless the message names its own), so
    /// the stream keeps one copy of a message published twice within its duplicate window (a
    /// publisher retrying after a lost acknowledgement, an outbox relay publishing again after
    /// a crash).
    fn checked_headers(
        &self,
        message: &Message,
        jetstream: bool,
    ) -> Result<HeaderMap, BrokerError> {
        let mut headers = HeaderMap::new();
        let mut size = message.payload.len() + HEADER_PREAMBLE;
        let msg_id = (jetstream && !message.headers.contains_key(MSG_ID))
            .then_some((MSG_ID, message.message_id.as_str()));
        for (name, value) in message.header_pairs().chain(msg_id) {
            if let Some(why) = header_fault(name, value) {
                return Err(BrokerError::Rejected(format!(
                    "nats: header `{name}` {why}"
                )));
            }
            // `name: value\r\n`
            size += name.len() + value.len() + 4;
            headers.insert(name, value);
        }
        let max = self.client.server_info().max_payload;
        if max > 0 && size > max {
            return Err(BrokerError::Rejected(format!(
                "nats: a message of {size} bytes (headers included) exceeds the server's \
                 max_payload of {max}"
            )));
        }
        Ok(headers)
    }

    pub(crate) async fn subscribe(
        self: &Arc<Self>,
        channel: &Channel,
        group: &str,
    ) -> Result<Consumer, BrokerError> {
        if !channel.durable {
            let queue_group = match channel.kind {
                ChannelKind::PointToPoint => "accord".to_owned(),
                ChannelKind::PublishSubscribe => group.to_owned(),
            };
            let subscriber = self
                .client
                .queue_subscribe(channel.address.to_string(), queue_group)
                .await
                .map_err(|e| unavailable("subscribing", e))?;
            return Ok(Consumer::Core(subscriber));
        }
        let mut consumer = Durable {
            broker: self.clone(),
            channel: channel.clone(),
            name: match channel.kind {
                ChannelKind::PointToPoint => stream_name(&channel.address),
                ChannelKind::PublishSubscribe => stream_name(group),
            },
            messages: None,
            received: VecDeque::new(),
            failures: 0,
            reconnected: self.reconnected.clone(),
        };
        consumer.attach().await?;
        // Dead letters are kept from the start, not from the first one.
        self.ensure_stream(&channel.dead_letters()).await?;
        Ok(Consumer::Durable(Box::new(consumer)))
    }

    pub(crate) async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        let address = self.client.new_inbox();
        let subscriber = self
            .client
            .subscribe(address.clone())
            .await
            .map_err(|e| unavailable("subscribing", e))?;
        Ok(Inbox {
            address,
            subscriber,
        })
    }
}

/// The broker is shared behind an `Arc` (a NATS client and its JetStream context are large,
/// and durable consumers hold it): every operation is bounded by `operation_timeout`, and
/// publishes and replies are boxed futures.
impl Backend for Arc<NatsBroker> {
    type Consumer = Consumer;
    type Acker = Acker;
    type Inbox = Inbox;

    async fn connect(url: &str, config: &Arc<BrokerConfig>) -> Result<Self, BrokerError> {
        let broker = with_retries(url, config, || NatsBroker::connect(url, config)).await?;
        Ok(Arc::new(broker))
    }

    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        let timeout = self.config.operation_timeout;
        Box::pin(timed(timeout, NatsBroker::publish(self, channel, message)))
    }

    fn reply(
        &self,
        to: &str,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        let timeout = self.config.operation_timeout;
        Box::pin(timed(timeout, NatsBroker::reply(self, to, message)))
    }

    async fn subscribe(&self, channel: &Channel, group: &str) -> Result<Consumer, BrokerError> {
        let timeout = self.config.operation_timeout;
        timed(timeout, NatsBroker::subscribe(self, channel, group)).await
    }

    async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        timed(self.config.operation_timeout, NatsBroker::reply_inbox(self)).await
    }

    async fn connected(&self) -> bool {
        NatsBroker::connected(self)
    }

    fn system(&self) -> &'static str {
        "nats"
    }
}

pub(crate) enum Consumer {
    Core(async_nats::Subscriber),
    Durable(Box<Durable>),
}

/// A JetStream pull consumer that re-attaches (stream, consumer, pull) after errors.
pub(crate) struct Durable {
    broker: Arc<NatsBroker>,
    channel: Channel,
    name: String,
    messages: Option<pull::Stream>,
    /// Messages the server had already delivered to a pull given up on (a re-attachment):
    /// handed out before pulling again, not left to wait out the ack wait.
    received: VecDeque<jetstream::Message>,
    /// Consecutive failures, for the backoff between re-attachments.
    failures: u32,
    /// Changes on every reconnection of the client.
    reconnected: tokio::sync::watch::Receiver<u64>,
}

impl Durable {
    async fn attach(&mut self) -> Result<(), BrokerError> {
        // Pulls made from here on belong to the connection as it is now.
        self.reconnected.mark_unchanged();
        let stream = self.broker.ensure_stream(&self.channel).await?;
        let prefetch = self.broker.config.prefetch.max(1);
        let max_deliver = i64::from(self.broker.config.max_deliveries.max(2));
        let config = pull::Config {
            durable_name: Some(self.name.clone()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: self.channel.ack_wait.unwrap_or(self.broker.config.ack_wait),
            max_ack_pending: i64::from(prefetch),
            max_deliver,
            ..Default::default()
        };
        let mut consumer: jetstream::consumer::Consumer<pull::Config> = stream
            .get_or_create_consumer(&self.name, config.clone())
            .await
            .map_err(|e| unavailable("creating consumer", e))?;
        let made = &consumer.cached_info().config;
        if made.max_deliver != max_deliver || made.ack_wait != config.ack_wait {
            // Made by an earlier version or configuration (unbounded redelivery, another ack
            // wait): creating it again under its name updates it.
            consumer = stream
                .create_consumer(config)
                .await
                .map_err(|e| unavailable("updating consumer", e))?;
        }
        let messages = consumer
            .stream()
            .max_messages_per_batch(usize::from(prefetch))
            .heartbeat(Duration::from_secs(5))
            .expires(Duration::from_secs(30))
            .messages()
            .await
            .map_err(|e| unavailable("pulling", e))?;
        self.messages = Some(messages);
        Ok(())
    }

    /// Gives up the current pull, keeping what it had received already: messages the server
    /// delivered stay unacknowledged until they are handled, and would otherwise be redelivered
    /// only once the ack wait ran out (a paused or reconnected consumer's buffer, lost).
    fn detach(&mut self) {
        let Some(mut messages) = self.messages.take() else {
            return;
        };
        while let Some(Some(Ok(message))) = messages.next().now_or_never() {
            self.received.push_back(message);
        }
        if !self.received.is_empty() {
            tracing::debug!(
                channel = %self.channel.address,
                kept = self.received.len(),
                "nats consumer re-attaching: messages received already are handed out first"
            );
        }
    }

    async fn next(&mut self) -> Option<Received<Acker>> {
        loop {
            if let Some(message) = self.received.pop_front() {
                return Some(received(message));
            }
            if self.messages.is_none() {
                if self.failures > 0 {
                    let wait = self.broker.config.connect_backoff.delay(self.failures);
                    tokio::time::sleep(wait).await;
                }
                if let Err(e) = self.attach().await {
                    self.failures += 1;
                    tracing::warn!(channel = %self.channel.address, "nats consumer not attached: {e}");
                    continue;
                }
            }
            let messages = self.messages.as_mut()?;
            let next = tokio::select! {
                next = messages.next() => next,
                // The server may have forgotten this pull: pull afresh (no failure counted).
                changed = self.reconnected.changed() => {
                    // No more events: the client itself is gone.
                    changed.ok()?;
                    self.detach();
                    continue;
                }
            };
            match next {
                Some(Ok(message)) => {
                    self.failures = 0;
                    return Some(received(message));
                }
                // A missed heartbeat, a lost connection, a deleted consumer: pull afresh.
                Some(Err(e)) => {
                    tracing::warn!(channel = %self.channel.address, "nats consumer: {e}");
                    self.failures += 1;
                    self.detach();
                }
                None => {
                    self.failures += 1;
                    self.detach();
                }
            }
        }
    }
}

impl BackendConsumer for Consumer {
    type Acker = Acker;

    async fn next(&mut self) -> Option<Received<Acker>> {
        match self {
            Consumer::Core(subscriber) => {
                let message = subscriber.next().await?;
                Some(Received {
                    message: from_nats(message),
                    attempt: 1,
                    acker: Acker::Core,
                })
            }
            Consumer::Durable(durable) => durable.next().await,
        }
    }
}

/// How a NATS delivery is settled.
pub(crate) enum Acker {
    /// Core NATS (non-durable channels): nothing to acknowledge.
    Core,
    /// Boxed: it holds a JetStream context, larger than the other backends' ackers together.
    JetStream(Box<jetstream::message::Acker>),
}

// The network futures are boxed: they are large, and settling sits in the future of every
// message a consumer serves.
impl Settle for Acker {
    fn ack_is_free(&self) -> bool {
        matches!(self, Acker::Core)
    }

    async fn ack(self, timeout: Duration) -> Result<(), BrokerError> {
        match self {
            Acker::Core => Ok(()),
            Acker::JetStream(a) => Box::pin(timed(timeout, ack(*a))).await,
        }
    }

    async fn nack(self, _: Message, delay: Duration, timeout: Duration) -> Result<(), BrokerError> {
        match self {
            Acker::Core => Ok(()),
            Acker::JetStream(a) => Box::pin(timed(timeout, nack(*a, delay))).await,
        }
    }

    async fn give_up(self, timeout: Duration) -> Result<(), BrokerError> {
        match self {
            Acker::Core => Ok(()),
            Acker::JetStream(a) => Box::pin(timed(timeout, term(*a))).await,
        }
    }

    fn release(self, _: Message) {
        if let (Acker::JetStream(a), Ok(rt)) = (self, tokio::runtime::Handle::try_current()) {
            rt.spawn(nack(*a, Duration::ZERO));
        }
    }
}

pub(crate) struct Inbox {
    address: String,
    subscriber: async_nats::Subscriber,
}

impl BackendInbox for Inbox {
    fn address(&self) -> &str {
        &self.address
    }

    async fn next(&mut self) -> Option<Message> {
        self.subscriber.next().await.map(from_nats)
    }
}

async fn ack(acker: jetstream::message::Acker) -> Result<(), BrokerError> {
    acker.ack().await.map_err(|e| unavailable("acking", e))
}

async fn term(acker: jetstream::message::Acker) -> Result<(), BrokerError> {
    acker
        .ack_with(AckKind::Term)
        .await
        .map_err(|e| unavailable("terminating", e))
}

async fn nack(acker: jetstream::message::Acker, delay: Duration) -> Result<(), BrokerError> {
    let delay = (!delay.is_zero()).then_some(delay);
    acker
        .ack_with(AckKind::Nak(delay))
        .await
        .map_err(|e| unavailable("nacking", e))
}

/// Bytes of a NATS header block besides its lines: `NATS/1.0\r\n` and the closing `\r\n`.
const HEADER_PREAMBLE: usize = 12;

/// Why a header cannot travel in a NATS header block, or `None`: a name is printable ASCII
/// without `:`, a value holds no line break.
fn header_fault(name: &str, value: &str) -> Option<&'static str> {
    if name.is_empty() || name.bytes().any(|b| !(33..=126).contains(&b) || b == b':') {
        return Some("is not a legal header name");
    }
    // Bytes, not chars: a line break is ASCII, and every header of every publish is scanned.
    if value.bytes().any(|b| b == b'\r' || b == b'\n') {
        return Some("has a line break in its value");
    }
    None
}

/// The stream (or consumer) name for an address: names may not hold `.`, `*`, `>`, `/`, `\` or
/// whitespace.
fn stream_name(address: &str) -> String {
    address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A JetStream delivery as the consumer policy takes it.
fn received(message: jetstream::Message) -> Received<Acker> {
    let attempt = message.info().map(|i| i.delivered).unwrap_or(1);
    let (message, acker) = message.split();
    let attempt = u32::try_from(attempt).unwrap_or(u32::MAX).max(1);
    Received {
        message: from_nats(message),
        attempt,
        acker: Acker::JetStream(Box::new(acker)),
    }
}

/// JetStream's de-duplication header: a message published again with the same value within
/// the stream's duplicate window (2 minutes by default) is acknowledged and not stored twice.
pub(crate) const MSG_ID: &str = "Nats-Msg-Id";

/// A received message: its headers by name, but NATS's own (`Nats-…`), which are the
/// broker's business and not the message's.
fn from_nats(message: async_nats::Message) -> Message {
    let mut out = Message {
        payload: message.payload,
        ..Message::default()
    };
    if let Some(headers) = &message.headers {
        for (name, values) in headers.iter() {
            let (Ok(name), Some(value)) = (std::str::from_utf8(name.as_ref()), values.first())
            else {
                continue;
            };
            if name.starts_with("Nats-") {
                continue;
            }
            out.set_header(name, value.as_str().to_owned());
        }
    }
    out
}

fn publish_error(e: jetstream::context::PublishError) -> BrokerError {
    use jetstream::context::PublishErrorKind;
    match e.kind() {
        PublishErrorKind::TimedOut => BrokerError::Timeout,
        PublishErrorKind::StreamNotFound | PublishErrorKind::MaxAckPending => {
            BrokerError::Rejected(e.to_string())
        }
        _ => BrokerError::Unavailable(e.to_string()),
    }
}

fn unavailable(doing: &str, e: impl std::fmt::Display) -> BrokerError {
    BrokerError::Unavailable(format!("nats: {doing}: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn stream_names_hold_no_dots() {
        assert_eq!(
            super::stream_name("ftgo.kitchen.tickets"),
            "ftgo_kitchen_tickets"
        );
        assert_eq!(super::stream_name("a b>*"), "a_b__");
    }
}
