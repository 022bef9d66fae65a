//! The list of backends, and the enums over it that the [`Broker`](super::Broker) handle and
//! what it hands out hold: [`AnyBroker`], [`AnyConsumer`], [`AnyAcker`], [`AnyInbox`], each
//! implementing the backend traits by matching on the backend (static dispatch, as
//! `enum_dispatch` does; no trait objects on the hot path).
//!
//! Adding a backend is its file (implementing `backend::Backend` and its companions) and one
//! line in the `backends!` list at the bottom: its variant, its type, its URL scheme and the
//! form messages show, and the cargo feature it needs, if any.

use super::backend::{Backend, BackendConsumer, BackendInbox, Received, Settle};
use super::config::BrokerConfig;
use super::error::BrokerError;
use super::message::{Channel, Message};
use std::sync::Arc;
use std::time::Duration;

/// Makes the enums over the listed backends and their trait implementations. Each entry:
/// `[#[cfg(feature = "f")]] Variant: Type = "scheme" ("shown form"),`. A backend behind a
/// feature that is not compiled in still answers its scheme, with an error naming the
/// feature.
macro_rules! backends {
    ($(
        $(#[cfg(feature = $feature:literal)])?
        $variant:ident: $broker:ty = $scheme:literal ($shown:literal),
    )+) => {
        /// A connection to any backend compiled in.
        #[derive(Clone)]
        pub(crate) enum AnyBroker {
            $( $(#[cfg(feature = $feature)])? $variant($broker), )+
        }

        /// A subscription of any backend.
        pub(crate) enum AnyConsumer {
            $( $(#[cfg(feature = $feature)])? $variant(<$broker as Backend>::Consumer), )+
        }

        /// How a delivery of any backend is settled.
        pub(crate) enum AnyAcker {
            $( $(#[cfg(feature = $feature)])? $variant(<$broker as Backend>::Acker), )+
        }

        /// A reply inbox of any backend.
        pub(crate) enum AnyInbox {
            $( $(#[cfg(feature = $feature)])? $variant(<$broker as Backend>::Inbox), )+
        }

        /// Every scheme, compiled in or not, as messages show them.
        const SCHEMES: &[&str] = &[$($shown),+];

        impl AnyBroker {
            /// The URL scheme of the backend (`memory`, `nats`, `amqp`).
            pub(crate) fn scheme(&self) -> &'static str {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyBroker::$variant(_) => $scheme, )+
                }
            }
        }

        impl Backend for AnyBroker {
            type Consumer = AnyConsumer;
            type Acker = AnyAcker;
            type Inbox = AnyInbox;

            async fn connect(url: &str, config: &Arc<BrokerConfig>) -> Result<Self, BrokerError> {
                let scheme = scheme_of(url)?;
                $(
                    $(#[cfg(feature = $feature)])?
                    if scheme == $scheme {
                        let broker = <$broker as Backend>::connect(url, config).await?;
                        return Ok(AnyBroker::$variant(broker));
                    }
                    $(
                        #[cfg(not(feature = $feature))]
                        if scheme == $scheme {
                            return Err(missing_feature($scheme, $feature));
                        }
                    )?
                )+
                Err(BrokerError::Config(format!(
                    "unknown broker scheme `{scheme}:` ({})",
                    SCHEMES.join(", ")
                )))
            }

            async fn publish(&self, channel: &Channel, message: Message) -> Result<(), BrokerError> {
                match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyBroker::$variant(b) => Backend::publish(b, channel, message).await,
                    )+
                }
            }

            async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
                match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyBroker::$variant(b) => Backend::reply(b, to, message).await,
                    )+
                }
            }

            async fn subscribe(&self, channel: &Channel, group: &str) -> Result<AnyConsumer, BrokerError> {
                Ok(match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyBroker::$variant(b) => {
                            AnyConsumer::$variant(Backend::subscribe(b, channel, group).await?)
                        }
                    )+
                })
            }

            async fn reply_inbox(&self) -> Result<AnyInbox, BrokerError> {
                Ok(match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyBroker::$variant(b) => AnyInbox::$variant(Backend::reply_inbox(b).await?),
                    )+
                })
            }

            async fn connected(&self) -> bool {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyBroker::$variant(b) => Backend::connected(b).await, )+
                }
            }

            fn system(&self) -> &'static str {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyBroker::$variant(b) => Backend::system(b), )+
                }
            }
        }

        impl BackendConsumer for AnyConsumer {
            type Acker = AnyAcker;

            async fn next(&mut self) -> Option<Received<AnyAcker>> {
                match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyConsumer::$variant(c) => {
                            BackendConsumer::next(c).await.map(|r| r.map_acker(AnyAcker::$variant))
                        }
                    )+
                }
            }
        }

        impl Settle for AnyAcker {
            fn ack_is_free(&self) -> bool {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyAcker::$variant(a) => a.ack_is_free(), )+
                }
            }

            async fn ack(self, timeout: Duration) -> Result<(), BrokerError> {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyAcker::$variant(a) => a.ack(timeout).await, )+
                }
            }

            async fn nack(self, message: Message, delay: Duration, timeout: Duration) -> Result<(), BrokerError> {
                match self {
                    $(
                        $(#[cfg(feature = $feature)])?
                        AnyAcker::$variant(a) => a.nack(message, delay, timeout).await,
                    )+
                }
            }

            async fn give_up(self, timeout: Duration) -> Result<(), BrokerError> {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyAcker::$variant(a) => a.give_up(timeout).await, )+
                }
            }

            fn release(self, message: Message) {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyAcker::$variant(a) => a.release(message), )+
                }
            }
        }

        impl BackendInbox for AnyInbox {
            fn address(&self) -> &str {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyInbox::$variant(i) => i.address(), )+
                }
            }

            async fn next(&mut self) -> Option<Message> {
                match self {
                    $( $(#[cfg(feature = $feature)])? AnyInbox::$variant(i) => BackendInbox::next(i).await, )+
                }
            }
        }
    };
}

/// The scheme of `url` (`nats` of `nats://h:4222`).
fn scheme_of(url: &str) -> Result<&str, BrokerError> {
    match url.split_once(':') {
        Some((scheme, _)) => Ok(scheme),
        None => Err(BrokerError::Config(format!(
            "`{url}` has no scheme ({})",
            SCHEMES.join(", ")
        ))),
    }
}

/// A backend whose feature is not compiled in.
#[allow(dead_code)] // every backend of the list compiled in
fn missing_feature(scheme: &str, feature: &str) -> BrokerError {
    BrokerError::Config(format!(
        "`{scheme}://` needs the `{feature}` feature of the accord crate"
    ))
}

// The backends. A NATS client and its JetStream context are large: shared, so a `Broker` stays
// small.
backends! {
    Memory: super::memory::MemoryBroker = "memory" ("memory:"),
    #[cfg(feature = "nats")]
    Nats: Arc<super::nats::NatsBroker> = "nats" ("nats://"),
    #[cfg(feature = "amqp")]
    Amqp: super::amqp::AmqpBroker = "amqp" ("amqp://"),
}
