//! The [`Broker`] handle and what it hands out ([`Consumer`], [`Delivery`], [`Inbox`]): each
//! holds the enum over the backends compiled in (`dispatch`), so the hot path is static
//! dispatch; what a backend does is its implementation of `backend::Backend`.

use super::address::{check_address, check_reply_address, shown};
use super::backend::{Backend, BackendConsumer, BackendInbox, Settle};
pub use super::config::{Backoff, BrokerConfig};
use super::dispatch::{AnyAcker, AnyBroker, AnyConsumer, AnyInbox};
use super::error::BrokerError;
use super::memory::MemoryBroker;
use super::message::{Channel, Message};
use std::sync::Arc;
use std::time::Duration;

/// A connection to a message broker, picked by URL at run time ([`Broker::connect`]). Cheap to
/// clone; clones share the connection.
#[derive(Clone)]
pub struct Broker {
    backend: AnyBroker,
    config: Arc<BrokerConfig>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.backend.scheme();
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
        let config = Arc::new(config);
        let backend = AnyBroker::connect(url, &config).await?;
        Ok(Broker { backend, config })
    }

    /// A new private embedded broker, shared only by clones of the handle.
    pub fn memory(config: BrokerConfig) -> Broker {
        let config = Arc::new(config);
        let backend = AnyBroker::Memory(MemoryBroker::new(&config));
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
        self.backend.publish(channel, message).await
    }

    /// Sends a reply to the inbox at `to` (a request's `reply_to`). A reply to an inbox that
    /// no longer exists is dropped, as the real brokers drop it. An address that is not a legal
    /// reply address (`docs/wire.md`, "Reply addresses": malformed, or a broker's own `$…` /
    /// `amq.…` name) is [`BrokerError::Rejected`] before anything is sent.
    pub async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
        if let Err(why) = check_reply_address(to) {
            return Err(refused("reply address", to, &why));
        }
        self.backend.reply(to, message).await
    }

    /// Subscribes to `channel` as a member of `group`: on a publish-subscribe channel every
    /// group gets every message and the members of a group compete; on a point-to-point
    /// channel all subscribers compete whatever their group. Creates what the broker needs
    /// (stream and durable consumer, queue, exchange and binding) idempotently.
    pub async fn subscribe(&self, channel: &Channel, group: &str) -> Result<Consumer, BrokerError> {
        let inner = self.backend.subscribe(channel, group).await?;
        Ok(Consumer {
            inner,
            channel: channel.clone(),
            broker: self.clone(),
            metrics: None,
        })
    }

    /// A private inbox for replies: put its [`Inbox::address`] in a request's `reply_to`.
    pub async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        let inner = self.backend.reply_inbox().await?;
        Ok(Inbox { inner })
    }

    /// The messaging system, as metrics label it (`messaging_system`): `memory`, `nats` or
    /// `rabbitmq`.
    pub fn system(&self) -> &'static str {
        self.backend.system()
    }

    /// Whether the connection to the broker is up now (the embedded broker always is). A
    /// network backend reconnects by itself; meanwhile this says `false`, which readiness
    /// reports (`accord::health`: a `Broker` is a check).
    pub async fn connected(&self) -> bool {
        self.backend.connected().await
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

/// The messages of one subscription, one [`Delivery`] at a time. Use
/// [`Consumer::serve`] for the runtime's consumer policy (retries, dead letters, per-key
/// order, bounded in-flight).
pub struct Consumer {
    inner: AnyConsumer,
    pub(crate) channel: Channel,
    pub(crate) broker: Broker,
    /// Where [`Consumer::serve`] counts its dead letters.
    pub(crate) metrics: Option<crate::metrics::Metrics>,
}

impl Consumer {
    /// The next delivery; `None` once the subscription has ended for good. Lost connections
    /// are re-established inside (the broker redelivers what was not acknowledged).
    /// Cancel-safe: dropping the future loses no message.
    pub async fn next(&mut self) -> Option<Delivery> {
        let received = self.inner.next().await?;
        Some(Delivery {
            message: received.message,
            attempt: received.attempt,
            acker: Some(received.acker),
            timeout: self.broker.config.operation_timeout,
        })
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
    acker: Option<AnyAcker>,
    /// Bounds acks and nacks that go over the network.
    timeout: Duration,
}

impl Delivery {
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
        self.settle().ack(self.timeout).await
    }

    /// Acknowledges at once when that takes no I/O (the embedded broker, core NATS);
    /// otherwise hands the delivery back, for [`Delivery::ack`].
    #[allow(clippy::result_large_err)] // by value, as `ack` takes it: no allocation
    pub(crate) fn ack_now(mut self) -> Result<(), Delivery> {
        match &self.acker {
            Some(acker) if acker.ack_is_free() => {}
            _ => return Err(self),
        }
        self.acker = None;
        Ok(())
    }

    /// Hands the message back for redelivery to a member of the group after `delay`.
    pub async fn nack(mut self, delay: Duration) -> Result<(), BrokerError> {
        let acker = self.settle();
        let message = std::mem::take(&mut self.message);
        acker.nack(message, delay, self.timeout).await
    }

    /// Settles the message for good without having handled it, when even its dead letter
    /// cannot be sent: it is never delivered again. JetStream: terminated (`+TERM`); AMQP:
    /// rejected without requeue, which a quorum queue dead-letters to `<address>.dlq` itself;
    /// the embedded broker drops it.
    pub async fn give_up(mut self) -> Result<(), BrokerError> {
        self.settle().give_up(self.timeout).await
    }

    /// The acker, taken: the delivery is being settled (so `Drop` leaves it be).
    fn settle(&mut self) -> AnyAcker {
        self.acker.take().expect("acker present until consumed")
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        // Neither acked nor nacked (a consumer dropped mid-work): hand it back now rather than
        // leave it to the broker's ack timeout or the connection's end.
        if let Some(acker) = self.acker.take() {
            acker.release(std::mem::take(&mut self.message));
        }
    }
}

/// A private reply inbox ([`Broker::reply_inbox`]). Replies are consumed as they arrive, with
/// no acknowledgement: a reply lost with its requester is not redelivered to anyone.
pub struct Inbox {
    inner: AnyInbox,
}

impl Inbox {
    /// The address to put in `reply_to`.
    pub fn address(&self) -> &str {
        self.inner.address()
    }

    /// The next reply; `None` once the inbox is closed for good.
    pub async fn next(&mut self) -> Option<Message> {
        self.inner.next().await
    }
}
