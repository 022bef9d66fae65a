//! The seam between the [`Broker`](super::Broker) handle and the brokers it speaks to: what a
//! backend implements ([`Backend`], with its [`BackendConsumer`], [`Settle`] and
//! [`BackendInbox`]), and the connection helpers the network backends share.
//!
//! A backend is one file (`memory`, `nats`, `amqp`) implementing these traits, plus one entry
//! in the list of `dispatch`, which makes the enums the handle holds: static dispatch, no
//! trait objects on the hot path. Backends import this module and the data types below it
//! (`config`, `message`, `error`), never the handle: so there is no import circle.
//!
//! Each implementation decides how its futures are run: a network backend bounds every
//! operation by `operation_timeout` and boxes its futures (they are kilobytes; unboxed they
//! would make every publish future, the embedded broker's too, as large); the embedded broker
//! awaits inline and applies the timeout only when it must wait.

use super::config::BrokerConfig;
use super::error::BrokerError;
#[cfg(any(feature = "nats", feature = "amqp"))]
use super::error::timed;
use super::message::{Channel, Message};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A connection to one kind of broker. Cheap to clone; clones share the connection.
pub(crate) trait Backend: Clone + Send + Sync + Sized + 'static {
    /// The subscription [`Backend::subscribe`] makes.
    type Consumer: BackendConsumer<Acker = Self::Acker>;
    /// How one of its deliveries is settled.
    type Acker: Settle;
    /// The reply inbox [`Backend::reply_inbox`] makes.
    type Inbox: BackendInbox;

    /// Connects to `url`, whose scheme names this backend; a broker that cannot be reached is
    /// retried as `config` says ([`with_retries`]).
    fn connect(
        url: &str,
        config: &Arc<BrokerConfig>,
    ) -> impl Future<Output = Result<Self, BrokerError>> + Send;

    /// Publishes to `channel`, confirmed on durable channels. The address is checked already.
    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// Sends a reply to the inbox at `to` (checked already).
    fn reply(
        &self,
        to: &str,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// Subscribes to `channel` as a member of `group`, creating what the broker needs.
    fn subscribe(
        &self,
        channel: &Channel,
        group: &str,
    ) -> impl Future<Output = Result<Self::Consumer, BrokerError>> + Send;

    /// A private inbox for replies.
    fn reply_inbox(&self) -> impl Future<Output = Result<Self::Inbox, BrokerError>> + Send;

    /// Whether the connection is up now.
    fn connected(&self) -> impl Future<Output = bool> + Send;

    /// The messaging system, as metrics label it (`messaging_system`).
    fn system(&self) -> &'static str;
}

/// One message as a backend's consumer hands it over; the handle makes it a
/// [`Delivery`](super::Delivery).
pub(crate) struct Received<A> {
    pub message: Message,
    /// Which delivery this is, as the broker counts (1 = the first).
    pub attempt: u32,
    pub acker: A,
}

impl<A> Received<A> {
    /// The same message with its acker wrapped (into the enum over every backend).
    pub fn map_acker<B>(self, wrap: impl FnOnce(A) -> B) -> Received<B> {
        Received {
            message: self.message,
            attempt: self.attempt,
            acker: wrap(self.acker),
        }
    }
}

/// The messages of one subscription.
pub(crate) trait BackendConsumer: Send + 'static {
    /// How its deliveries are settled.
    type Acker: Settle;

    /// The next message; `None` once the subscription has ended for good. Lost connections
    /// are re-established inside. Cancel-safe.
    fn next(&mut self) -> impl Future<Output = Option<Received<Self::Acker>>> + Send;
}

/// Settles one delivery. Each method takes it by value: a delivery is settled once.
pub(crate) trait Settle: Send + Sized + 'static {
    /// Whether acknowledging does nothing at all (the embedded broker, core NATS): the
    /// consumer policy then settles inline, without awaiting.
    fn ack_is_free(&self) -> bool;

    /// Acknowledges: the broker forgets the message. Network I/O is bounded by `timeout`.
    fn ack(self, timeout: Duration) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// Hands `message` back for redelivery after `delay`.
    fn nack(
        self,
        message: Message,
        delay: Duration,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// Settles for good without handling: never delivered again.
    fn give_up(self, timeout: Duration) -> impl Future<Output = Result<(), BrokerError>> + Send;

    /// Hands `message` back at once, without waiting (a delivery dropped unsettled).
    fn release(self, message: Message);
}

/// A private reply inbox.
pub(crate) trait BackendInbox: Send + 'static {
    /// The address to put in `reply_to`.
    fn address(&self) -> &str;

    /// The next reply; `None` once the inbox is closed for good.
    fn next(&mut self) -> impl Future<Output = Option<Message>> + Send;
}

/// A boxed consumer is a consumer (a backend whose consumer is large boxes it).
impl<C: BackendConsumer> BackendConsumer for Box<C> {
    type Acker = C::Acker;

    fn next(&mut self) -> impl Future<Output = Option<Received<Self::Acker>>> + Send {
        C::next(self)
    }
}

/// A boxed inbox is an inbox.
impl<I: BackendInbox> BackendInbox for Box<I> {
    fn address(&self) -> &str {
        I::address(self)
    }

    fn next(&mut self) -> impl Future<Output = Option<Message>> + Send {
        I::next(self)
    }
}

/// Runs `connect` until it succeeds, at most `connect_attempts` times with backoff between,
/// each attempt bounded by `operation_timeout`; a configuration error stops at once.
#[cfg(any(feature = "nats", feature = "amqp"))]
pub(crate) async fn with_retries<T, F>(
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
fn redact(url: &str) -> String {
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

#[cfg(test)]
mod tests {
    #[cfg(any(feature = "nats", feature = "amqp"))]
    #[test]
    fn urls_hide_passwords() {
        use super::redact;
        assert_eq!(
            redact("amqp://guest:secret@localhost:5672/%2f"),
            "amqp://guest:***@localhost:5672/%2f"
        );
        assert_eq!(redact("nats://h:4222"), "nats://h:4222");
    }
}
