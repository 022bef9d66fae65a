//! The [`Broker`] handle and what it hands out ([`Consumer`], [`Delivery`], [`Inbox`]): one enum
//! per role over the backends compiled in, so the hot path is static dispatch.

use super::address::{check_address, check_reply_address, shown};
#[cfg(feature = "amqp")]
use super::amqp;
use super::error::BrokerError;
#[cfg(any(feature = "nats", feature = "amqp"))]
use super::error::timed;
use super::memory;
use super::message::{Channel, Message};
#[cfg(feature = "nats")]
use super::nats;
use std::sync::Arc;
use std::time::Duration;

/// Exponential backoff: `initial`, doubling per attempt, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after failed attempt `attempt` (1 = the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }
}

/// How a broker connection behaves; the defaults suit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// Connection attempts at start-up before [`Broker::connect`] gives up (at least 1).
    pub connect_attempts: u32,
    /// The wait between start-up attempts, and between reconnection attempts mid-run.
    pub connect_backoff: Backoff,
    /// The longest any single operation (connect attempt, publish with its confirmation,
    /// declaration, ack) may take before it fails with [`BrokerError::Timeout`].
    pub operation_timeout: Duration,
    /// Unacknowledged messages a consumer may hold (AMQP prefetch, JetStream pull batch and
    /// `max_ack_pending`).
    pub prefetch: u16,
    /// Capacity of each embedded broker queue; a publisher to a full queue waits (back-pressure)
    /// up to `operation_timeout`.
    pub buffer: usize,
    /// Deliveries of one message to a consumer group before the broker gives up on it
    /// (at least 2; default 10): JetStream's `max_deliver`, RabbitMQ's quorum-queue
    /// `x-delivery-limit` (one less: it counts redeliveries). The consumer policy dead-letters a
    /// message at its last delivery at the latest, without running its handler again, so a
    /// message that keeps failing or keeps losing its consumer is never redelivered forever.
    pub max_deliveries: u32,
    /// NATS: how long JetStream waits for a durable consumer's acknowledgement before it
    /// redelivers (default 60 s: longer than a message's retries with the default backoff, so
    /// a slow retry is not mistaken for a dead consumer).
    pub ack_wait: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            connect_attempts: 10,
            connect_backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(5),
            },
            operation_timeout: Duration::from_secs(5),
            prefetch: 64,
            buffer: 4096,
            max_deliveries: 10,
            ack_wait: Duration::from_secs(60),
        }
    }
}

/// A connection to a message broker, picked by URL at run time ([`Broker::connect`]). Cheap to
/// clone; clones share the connection.
#[derive(Clone)]
pub struct Broker {
    backend: Backend,
    config: Arc<BrokerConfig>,
}

#[derive(Clone)]
enum Backend {
    Memory(memory::MemoryBroker),
    // A NATS client and its JetStream context are large: shared, so a `Broker` stays small.
    #[cfg(feature = "nats")]
    Nats(Arc<nats::NatsBroker>),
    #[cfg(feature = "amqp")]
    Amqp(amqp::AmqpBroker),
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.backend {
            Backend::Memory(_) => "memory",
            #[cfg(feature = "nats")]
            Backend::Nats(_) => "nats",
            #[cfg(feature = "amqp")]
            Backend::Amqp(_) => "amqp",
        };
        f.debug_struct("Broker").field("backend", &kind).finish()
    }
}

impl Broker {
    /// Connects with the default [`BrokerConfig`]. See [`Broker::connect_with`].
    pub async fn connect(url: &str) -> Result<Broker, BrokerError> {
        Self::connect_with(url, BrokerConfig::default()).await
    }

    /// Connects to the broker at `url`:
    /// - `memory:` the process's embedded broker, `memory://name` a named one (every `connect`
    ///   with the same name shares it);
    /// - `nats://host:port` (feature `nats`);
    /// - `amqp://user:pass@host:port/vhost` (feature `amqp`).
    ///
    /// A broker that cannot be reached is retried `connect_attempts` times with
    /// `connect_backoff`, then reported as [`BrokerError::Unavailable`]; an unknown scheme or a
    /// backend not compiled in is a [`BrokerError::Config`] at once.
    pub async fn connect_with(url: &str, config: BrokerConfig) -> Result<Broker, BrokerError> {
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(BrokerError::Config(format!(
                "`{url}` has no scheme (memory:, nats://, amqp://)"
            )));
        };
        let config = Arc::new(config);
        let backend = match scheme {
            "memory" => {
                let name = rest.strip_prefix("//").unwrap_or(rest);
                Backend::Memory(memory::MemoryBroker::named(name, &config))
            }
            #[cfg(feature = "nats")]
            "nats" => Backend::Nats(Arc::new(
                with_retries(url, &config, || nats::NatsBroker::connect(url, &config)).await?,
            )),
            #[cfg(feature = "amqp")]
            "amqp" => Backend::Amqp(
                with_retries(url, &config, || amqp::AmqpBroker::connect(url, &config)).await?,
            ),
            #[cfg(not(feature = "nats"))]
            "nats" => return Err(missing_feature("nats")),
            #[cfg(not(feature = "amqp"))]
            "amqp" => return Err(missing_feature("amqp")),
            other => {
                return Err(BrokerError::Config(format!(
                    "unknown broker scheme `{other}:` (memory:, nats://, amqp://)"
                )));
            }
        };
        Ok(Broker { backend, config })
    }

    /// A new private embedded broker, shared only by clones of the handle.
    pub fn memory(config: BrokerConfig) -> Broker {
        let config = Arc::new(config);
        let backend = Backend::Memory(memory::MemoryBroker::new(&config));
        Broker { backend, config }
    }

    /// The configuration this broker was connected with.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// Publishes `message` to `channel`; returns once the broker has it (confirmed by
    /// JetStream or AMQP publisher confirms on durable channels). An address no broker can
    /// take literally (empty, over [`MAX_ADDRESS_BYTES`](super::MAX_ADDRESS_BYTES), whitespace,
    /// wildcards) is [`BrokerError::Rejected`] before anything is sent.
    pub async fn publish(&self, channel: &Channel, message: Message) -> Result<(), BrokerError> {
        if let Err(why) = check_address(&channel.address) {
            return Err(refused("channel address", &channel.address, &why));
        }
        // The network backends' futures are boxed: they are kilobytes, and unboxed they would
        // make every publish future (the embedded broker's too) as large, copied at each move.
        match &self.backend {
            // The embedded broker applies the timeout only when it must wait (a full queue).
            Backend::Memory(b) => b.publish(channel, message).await,
            #[cfg(feature = "nats")]
            Backend::Nats(b) => Box::pin(timed(self.timeout(), b.publish(channel, message))).await,
            #[cfg(feature = "amqp")]
            Backend::Amqp(b) => Box::pin(timed(self.timeout(), b.publish(channel, message))).await,
        }
    }

    /// Sends a reply to the inbox at `to` (a request's `reply_to`). A reply to an inbox that
    /// no longer exists is dropped, as the real brokers drop it. An address that is not a legal
    /// reply address (`docs/wire.md`, "Reply addresses": malformed, or a broker's own `$…` /
    /// `amq.…` name) is [`BrokerError::Rejected`] before anything is sent.
    pub async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
        if let Err(why) = check_reply_address(to) {
            return Err(refused("reply address", to, &why));
        }
        // Boxed network futures, as in `publish`.
        match &self.backend {
            Backend::Memory(b) => b.reply(to, message).await,
            #[cfg(feature = "nats")]
            Backend::Nats(b) => Box::pin(timed(self.timeout(), b.reply(to, message))).await,
            #[cfg(feature = "amqp")]
            Backend::Amqp(b) => Box::pin(timed(self.timeout(), b.reply(to, message))).await,
        }
    }

    /// Subscribes to `channel` as a member of `group`: on a publish-subscribe channel every
    /// group gets every message and the members of a group compete; on a point-to-point
    /// channel all subscribers compete whatever their group. Creates what the broker needs
    /// (stream and durable consumer, queue, exchange and binding) idempotently.
    pub async fn subscribe(&self, channel: &Channel, group: &str) -> Result<Consumer, BrokerError> {
        let inner = match &self.backend {
            Backend::Memory(b) => ConsumerInner::Memory(b.subscribe(channel, group)),
            #[cfg(feature = "nats")]
            Backend::Nats(b) => {
                ConsumerInner::Nats(timed(self.timeout(), b.subscribe(channel, group)).await?)
            }
            #[cfg(feature = "amqp")]
            Backend::Amqp(b) => ConsumerInner::Amqp(Box::new(
                timed(self.timeout(), b.subscribe(channel, group)).await?,
            )),
        };
        Ok(Consumer {
            inner,
            channel: channel.clone(),
            broker: self.clone(),
        })
    }

    /// A private inbox for replies: put its [`Inbox::address`] in a request's `reply_to`.
    pub async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        let inner = match &self.backend {
            Backend::Memory(b) => InboxInner::Memory(b.reply_inbox()),
            #[cfg(feature = "nats")]
            Backend::Nats(b) => InboxInner::Nats(timed(self.timeout(), b.reply_inbox()).await?),
            #[cfg(feature = "amqp")]
            Backend::Amqp(b) => {
                InboxInner::Amqp(Box::new(timed(self.timeout(), b.reply_inbox()).await?))
            }
        };
        Ok(Inbox { inner })
    }

    /// The messaging system, as metrics label it (`messaging_system`): `memory`, `nats` or
    /// `rabbitmq`.
    pub fn system(&self) -> &'static str {
        match &self.backend {
            Backend::Memory(_) => "memory",
            #[cfg(feature = "nats")]
            Backend::Nats(_) => "nats",
            #[cfg(feature = "amqp")]
            Backend::Amqp(_) => "rabbitmq",
        }
    }

    /// Whether the connection to the broker is up now (the embedded broker always is). A
    /// network backend reconnects by itself; meanwhile this says `false`, which readiness
    /// reports (`accord::health`: a `Broker` is a check).
    pub async fn connected(&self) -> bool {
        match &self.backend {
            Backend::Memory(_) => true,
            #[cfg(feature = "nats")]
            Backend::Nats(b) => b.connected(),
            #[cfg(feature = "amqp")]
            Backend::Amqp(b) => b.connected().await,
        }
    }

    #[cfg(any(feature = "nats", feature = "amqp"))]
    fn timeout(&self) -> Duration {
        self.config.operation_timeout
    }
}

/// Readiness depends on the broker's connection: down while it is lost.
impl crate::health::Check for Broker {
    fn check(&self) -> futures::future::BoxFuture<'_, crate::health::Status> {
        Box::pin(async move {
            if self.connected().await {
                crate::health::Status::Up
            } else {
                crate::health::Status::Down("disconnected")
            }
        })
    }
}

/// An address refused before sending: what it is, shown cut, and why.
fn refused(what: &str, address: &str, why: &str) -> BrokerError {
    BrokerError::Rejected(format!("{what} {} {why}", shown(address)))
}

#[cfg(any(not(feature = "nats"), not(feature = "amqp")))]
fn missing_feature(name: &str) -> BrokerError {
    BrokerError::Config(format!(
        "`{name}://` needs the `{name}` feature of the accord crate"
    ))
}

/// Runs `connect` until it succeeds, at most `connect_attempts` times with backoff between.
#[cfg(any(feature = "nats", feature = "amqp"))]
async fn with_retries<T, F>(
    url: &str,
    config: &BrokerConfig,
    mut connect: impl FnMut() -> F,
) -> Result<T, BrokerError>
where
    F: Future<Output = Result<T, BrokerError>>,
{
    let shown = redact(url);
    let mut attempt = 1;
    loop {
        match timed(config.operation_timeout, connect()).await {
            Ok(broker) => return Ok(broker),
            Err(e @ BrokerError::Config(_)) => return Err(e),
            Err(e) if attempt >= config.connect_attempts.max(1) => {
                return Err(BrokerError::Unavailable(format!(
                    "{shown}: {e} (gave up after {attempt} attempts)"
                )));
            }
            Err(e) => {
                let wait = config.connect_backoff.delay(attempt);
                tracing::warn!(broker = %shown, attempt, ?wait, "broker not reachable: {e}");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

/// The URL without its password, for messages and logs.
#[cfg(any(feature = "nats", feature = "amqp"))]
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// The messages of one subscription, one [`Delivery`] at a time. Use
/// [`Consumer::serve`] for the runtime's consumer policy (retries, dead letters, per-key
/// order, bounded in-flight).
pub struct Consumer {
    inner: ConsumerInner,
    pub(crate) channel: Channel,
    pub(crate) broker: Broker,
}

enum ConsumerInner {
    Memory(memory::Consumer),
    #[cfg(feature = "nats")]
    Nats(nats::Consumer),
    // Boxed: a backend consumer with its reconnection state is large.
    #[cfg(feature = "amqp")]
    Amqp(Box<amqp::Consumer>),
}

impl Consumer {
    /// The next delivery; `None` once the subscription has ended for good. Lost connections
    /// are re-established inside (the broker redelivers what was not acknowledged).
    /// Cancel-safe: dropping the future loses no message.
    pub async fn next(&mut self) -> Option<Delivery> {
        match &mut self.inner {
            ConsumerInner::Memory(c) => c.next().await,
            #[cfg(feature = "nats")]
            ConsumerInner::Nats(c) => c.next().await,
            #[cfg(feature = "amqp")]
            ConsumerInner::Amqp(c) => c.next().await,
        }
    }

    /// The channel subscribed to.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }
}

/// One message handed to a consumer. Acknowledge it with [`Delivery::ack`] once handled, or
/// hand it back with [`Delivery::nack`]; dropped without either, it is handed back at once.
pub struct Delivery {
    message: Message,
    attempt: u32,
    acker: Option<Acker>,
    /// Bounds acks and nacks that go over the network.
    #[cfg_attr(not(any(feature = "nats", feature = "amqp")), allow(dead_code))]
    timeout: Duration,
}

pub(crate) enum Acker {
    Memory(memory::Acker),
    /// Core NATS (non-durable channels): nothing to acknowledge.
    #[cfg(feature = "nats")]
    None,
    /// Boxed: it holds a JetStream context, larger than the other ackers together.
    #[cfg(feature = "nats")]
    Nats(Box<async_nats::jetstream::message::Acker>),
    #[cfg(feature = "amqp")]
    Amqp(lapin::acker::Acker),
}

impl Delivery {
    pub(crate) fn new(message: Message, attempt: u32, acker: Acker, timeout: Duration) -> Self {
        Delivery {
            message,
            attempt,
            acker: Some(acker),
            timeout,
        }
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// Which delivery of this message this is, as the broker counts (1 = the first):
    /// JetStream's delivery count, a quorum queue's `x-delivery-count` plus one. AMQP classic
    /// queues (non-durable channels) only say "redelivered", counted as 2.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Acknowledges: the broker forgets the message.
    pub async fn ack(mut self) -> Result<(), BrokerError> {
        let acker = self.acker.take().expect("acker present until consumed");
        match acker {
            Acker::Memory(_) => Ok(()),
            #[cfg(feature = "nats")]
            Acker::None => Ok(()),
            // Boxed: the network futures are large, and `ack` sits in the future of every
            // message a consumer serves.
            #[cfg(feature = "nats")]
            Acker::Nats(a) => Box::pin(timed(self.timeout, nats::ack(*a))).await,
            #[cfg(feature = "amqp")]
            Acker::Amqp(a) => Box::pin(timed(self.timeout, amqp::ack(a))).await,
        }
    }

    /// Acknowledges at once when that takes no I/O (the embedded broker, core NATS);
    /// otherwise hands the delivery back, for [`Delivery::ack`].
    #[allow(clippy::result_large_err)] // by value, as `ack` takes it: no allocation
    pub(crate) fn ack_now(mut self) -> Result<(), Delivery> {
        match self.acker {
            Some(Acker::Memory(_)) => {}
            #[cfg(feature = "nats")]
            Some(Acker::None) => {}
            _ => return Err(self),
        }
        self.acker = None;
        Ok(())
    }

    /// Hands the message back for redelivery to a member of the group after `delay`.
    pub async fn nack(mut self, delay: Duration) -> Result<(), BrokerError> {
        let acker = self.acker.take().expect("acker present until consumed");
        match acker {
            Acker::Memory(a) => {
                a.nack(std::mem::take(&mut self.message), delay);
                Ok(())
            }
            #[cfg(feature = "nats")]
            Acker::None => Ok(()),
            #[cfg(feature = "nats")]
            Acker::Nats(a) => Box::pin(timed(self.timeout, nats::nack(*a, delay))).await,
            #[cfg(feature = "amqp")]
            Acker::Amqp(a) => {
                amqp::nack(a, delay);
                Ok(())
            }
        }
    }
}

impl Delivery {
    /// Settles the message for good without having handled it, when even its dead letter
    /// cannot be sent: it is never delivered again. JetStream: terminated (`+TERM`); AMQP:
    /// rejected without requeue, which a quorum queue dead-letters to `<address>.dlq` itself;
    /// the embedded broker drops it.
    pub async fn give_up(mut self) -> Result<(), BrokerError> {
        let acker = self.acker.take().expect("acker present until consumed");
        match acker {
            Acker::Memory(_) => Ok(()),
            #[cfg(feature = "nats")]
            Acker::None => Ok(()),
            #[cfg(feature = "nats")]
            Acker::Nats(a) => Box::pin(timed(self.timeout, nats::term(*a))).await,
            #[cfg(feature = "amqp")]
            Acker::Amqp(a) => Box::pin(timed(self.timeout, amqp::reject(a))).await,
        }
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        // Neither acked nor nacked (a consumer dropped mid-work): hand it back now rather than
        // leave it to the broker's ack timeout or the connection's end.
        match self.acker.take() {
            None => {}
            Some(Acker::Memory(a)) => a.nack(std::mem::take(&mut self.message), Duration::ZERO),
            #[cfg(feature = "nats")]
            Some(Acker::None) => {}
            #[cfg(feature = "nats")]
            Some(Acker::Nats(a)) => {
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(nats::nack(*a, Duration::ZERO));
                }
            }
            #[cfg(feature = "amqp")]
            Some(Acker::Amqp(a)) => amqp::nack(a, Duration::ZERO),
        }
    }
}

/// A private reply inbox ([`Broker::reply_inbox`]). Replies are consumed as they arrive, with
/// no acknowledgement: a reply lost with its requester is not redelivered to anyone.
pub struct Inbox {
    inner: InboxInner,
}

enum InboxInner {
    Memory(memory::Inbox),
    #[cfg(feature = "nats")]
    Nats(nats::Inbox),
    #[cfg(feature = "amqp")]
    Amqp(Box<amqp::Inbox>),
}

impl Inbox {
    /// The address to put in `reply_to`.
    pub fn address(&self) -> &str {
        match &self.inner {
            InboxInner::Memory(i) => i.address(),
            #[cfg(feature = "nats")]
            InboxInner::Nats(i) => i.address(),
            #[cfg(feature = "amqp")]
            InboxInner::Amqp(i) => i.address(),
        }
    }

    /// The next reply; `None` once the inbox is closed for good.
    pub async fn next(&mut self) -> Option<Message> {
        match &mut self.inner {
            InboxInner::Memory(i) => i.next().await,
            #[cfg(feature = "nats")]
            InboxInner::Nats(i) => i.next().await,
            #[cfg(feature = "amqp")]
            InboxInner::Amqp(i) => i.next().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let waits: Vec<_> = (1..=6).map(|a| b.delay(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }

    #[cfg(any(feature = "nats", feature = "amqp"))]
    #[test]
    fn urls_hide_passwords() {
        assert_eq!(
            redact("amqp://guest:secret@localhost:5672/%2f"),
            "amqp://guest:***@localhost:5672/%2f"
        );
        assert_eq!(redact("nats://h:4222"), "nats://h:4222");
    }
}
