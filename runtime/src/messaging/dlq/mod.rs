//! Dead letters (`docs/wire.md`, "Dead letters: list, show, replay"): [`DeadLetters`] lists,
//! finds and replays the messages of a channel's `<address>.dlq` on NATS JetStream or RabbitMQ,
//! what `accord dlq` does from the command line.
//!
//! Reading is the backend's own (`nats.rs`: the stream read by sequence, nothing consumed;
//! `amqp.rs`: AMQP 0-9-1 cannot browse a queue, so the queue is rotated once through, each
//! message put back at its tail before it is acknowledged); publishing (replays, rotations) goes
//! through [`Broker::publish`], so a replay is published exactly as the runtime publishes.
//!
//! A replay publishes the message to the channel it was dead-lettered from, with its
//! `message_id` and every header but the dead letter's own (`error`, `attempts`, the broker's
//! `x-…`), then removes it from the dead letters. Keeping the `message_id` is what makes replay
//! safe on a publish-subscribe channel: every group receives it again, and the groups that
//! handled it the first time (an idempotent consumer, `ServeConfig::store`) acknowledge it
//! without running their handler. A request keeps its `deadline`: replayed after it, it is
//! dropped unrun by its responder (its caller gave up long ago).

#[cfg(feature = "amqp")]
mod amqp;
#[cfg(feature = "nats")]
mod nats;

use super::broker::{Broker, BrokerConfig};
use super::error::BrokerError;
use super::message::{Channel, ChannelKind, Message, header};

/// One dead letter: where it is in its queue and the message as it was dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its place: the JetStream stream sequence; on RabbitMQ its position in the queue when
    /// read (1 = the oldest).
    pub position: u64,
    /// The message, headers included (`error`, `attempts`).
    pub message: Message,
}

impl DeadLetter {
    /// Why it was dead-lettered: the runtime's `error` header, else the broker's own reason (a
    /// quorum queue over its delivery limit: `x-first-death-reason`).
    pub fn error(&self) -> Option<&str> {
        self.message
            .header(header::ERROR)
            .or_else(|| self.message.header("x-first-death-reason"))
    }

    /// How many times its handler ran, when the runtime dead-lettered it.
    pub fn attempts(&self) -> Option<u32> {
        self.message.header(header::ATTEMPTS)?.parse().ok()
    }
}

/// Which dead letters to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Every dead letter of the channel.
    All,
    /// The dead letter with this `message_id` (every one, should it be there twice).
    Id(String),
}

impl Pick {
    fn matches(&self, letter: &DeadLetter) -> bool {
        match self {
            Pick::All => true,
            Pick::Id(id) => letter.message.message_id == *id,
        }
    }
}

/// The dead letters of a broker's channels.
pub struct DeadLetters {
    broker: Broker,
    reader: Reader,
}

enum Reader {
    // Boxed: one reader per tool, and the clients' sizes differ widely.
    #[cfg(feature = "nats")]
    Nats(Box<nats::Reader>),
    #[cfg(feature = "amqp")]
    Amqp(Box<amqp::Reader>),
}

impl std::fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetters")
            .field("broker", &self.broker)
            .finish_non_exhaustive()
    }
}

impl DeadLetters {
    /// Connects to the broker at `url` (`nats://…` or `amqp://…`). The embedded broker
    /// (`memory:`) lives inside its service's process and has nothing to connect to.
    pub async fn connect(url: &str, config: BrokerConfig) -> Result<DeadLetters, BrokerError> {
        let broker = Broker::connect_with(url, config.clone()).await?;
        let reader = match broker.system() {
            #[cfg(feature = "nats")]
            "nats" => Reader::Nats(Box::new(nats::Reader::connect(url, &config).await?)),
            #[cfg(feature = "amqp")]
            "rabbitmq" => Reader::Amqp(Box::new(amqp::Reader::connect(url, &config).await?)),
            other => {
                return Err(BrokerError::Config(format!(
                    "dead letters of the `{other}` broker cannot be read from outside its \
                     process: use nats:// or amqp://"
                )));
            }
        };
        Ok(DeadLetters { broker, reader })
    }

    /// The first `limit` dead letters of the channel at `address` (its `.dlq` suffix may be
    /// given or not), oldest first.
    pub async fn list(&self, address: &str, limit: usize) -> Result<Vec<DeadLetter>, BrokerError> {
        let dlq = dlq_of(address)?;
        let mut letters = Vec::new();
        self.walk(&dlq, |letter| {
            if letters.len() < limit {
                letters.push(letter.clone());
            }
            Step::Keep
        })
        .await?;
        Ok(letters)
    }

    /// The dead letter of the channel at `address` with this `message_id`, if there is one.
    pub async fn find(
        &self,
        address: &str,
        message_id: &str,
    ) -> Result<Option<DeadLetter>, BrokerError> {
        let dlq = dlq_of(address)?;
        let mut found = None;
        self.walk(&dlq, |letter| {
            if found.is_none() && letter.message.message_id == message_id {
                found = Some(letter.clone());
            }
            Step::Keep
        })
        .await?;
        Ok(found)
    }

    /// Publishes the picked dead letters of the channel at `address` to it again (see the
    /// module's doc), oldest first, removing each from the dead letters once published; the
    /// `message_id`s replayed. A dead letter whose replay fails stays, and the error ends the
    /// replay.
    pub async fn replay(&self, address: &str, pick: &Pick) -> Result<Vec<String>, BrokerError> {
        let dlq = dlq_of(address)?;
        let origin = self.origin(dlq.strip_suffix(DLQ).unwrap_or(&dlq)).await?;
        let mut replayed = Vec::new();
        self.walk(&dlq, |letter| {
            if pick.matches(letter) {
                replayed.push(letter.message.message_id.clone());
                Step::Replay(origin.clone())
            } else {
                Step::Keep
            }
        })
        .await?;
        Ok(replayed)
    }

    /// The channel dead letters of `address` came from, as the broker has it.
    async fn origin(&self, address: &str) -> Result<Channel, BrokerError> {
        let kind = match &self.reader {
            #[cfg(feature = "nats")]
            Reader::Nats(r) => r.kind_of(address).await?,
            #[cfg(feature = "amqp")]
            Reader::Amqp(r) => r.kind_of(address).await?,
        };
        Ok(match kind {
            ChannelKind::PointToPoint => Channel::point_to_point(address.to_owned()),
            ChannelKind::PublishSubscribe => Channel::publish_subscribe(address.to_owned()),
        })
    }

    async fn walk(
        &self,
        dlq: &str,
        decide: impl FnMut(&DeadLetter) -> Step,
    ) -> Result<(), BrokerError> {
        match &self.reader {
            #[cfg(feature = "nats")]
            Reader::Nats(r) => r.walk(&self.broker, dlq, decide).await,
            #[cfg(feature = "amqp")]
            Reader::Amqp(r) => r.walk(&self.broker, dlq, decide).await,
        }
    }
}

/// What a walk over the dead letters does with each.
pub(crate) enum Step {
    /// Leaves it where it is.
    Keep,
    /// Publishes it to this channel and removes it.
    Replay(Channel),
}

const DLQ: &str = ".dlq";

/// The dead-letter address of a channel given by its address or by its dead-letter address.
fn dlq_of(address: &str) -> Result<String, BrokerError> {
    let address = address.trim();
    let channel = address.strip_suffix(DLQ).unwrap_or(address);
    if let Err(why) = super::address::check_address(channel) {
        return Err(BrokerError::Config(format!(
            "channel address `{channel}` {why}"
        )));
    }
    Ok(format!("{channel}{DLQ}"))
}

/// The message to publish again: the dead letter's own headers taken off.
pub(crate) fn replayed(letter: &DeadLetter) -> Message {
    let mut message = letter.message.clone();
    message.headers.retain(|name, _| {
        name != header::ERROR
            && name != header::ATTEMPTS
            && !name.starts_with("x-")
            && !name.starts_with("Nats-")
    });
    message
}

/// The message to put back among the dead letters (a rotation): the broker's delivery count
/// off, the rest as it was.
#[cfg_attr(not(feature = "amqp"), allow(dead_code))]
pub(crate) fn kept(letter: &DeadLetter) -> Message {
    let mut message = letter.message.clone();
    message.headers.remove("x-delivery-count");
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_the_channel_or_its_dead_letters() {
        assert_eq!(
            dlq_of("ftgo.kitchen.commands").unwrap(),
            "ftgo.kitchen.commands.dlq"
        );
        assert_eq!(
            dlq_of(" ftgo.kitchen.commands.dlq ").unwrap(),
            "ftgo.kitchen.commands.dlq"
        );
        assert!(dlq_of("a..b").is_err());
        assert!(dlq_of("").is_err());
        let letter = DeadLetter {
            position: 3,
            message: Message::new("t", "{}")
                .with_header(header::ERROR, "oven cold")
                .with_header(header::ATTEMPTS, "5")
                .with_header("x-delivery-count", "2")
                .with_header(header::DEADLINE, "1")
                .with_header("tenant", "acme"),
        };
        assert_eq!(letter.error(), Some("oven cold"));
        assert_eq!(letter.attempts(), Some(5));
        let again = replayed(&letter);
        assert_eq!(again.message_id, letter.message.message_id);
        let names: Vec<_> = again.headers.keys().map(String::as_str).collect();
        assert_eq!(names, ["deadline", "tenant"]);
        assert_eq!(kept(&letter).headers.len(), 4);
    }
}
