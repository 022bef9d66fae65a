//! Dead letters on NATS: `<address>.dlq` is a JetStream stream's subject. Its messages are read
//! by sequence (nothing is consumed, nothing redelivered), and a replayed one is deleted from
//! the stream once published again.

use super::{DeadLetter, Step, replayed};
use crate::messaging::broker::{Broker, BrokerConfig};
use crate::messaging::error::BrokerError;
use crate::messaging::message::{ChannelKind, Message};
use async_nats::jetstream::{self, context::GetStreamByNameErrorKind, stream};

pub(crate) struct Reader {
    jetstream: jetstream::Context,
}

impl Reader {
    pub(crate) async fn connect(url: &str, config: &BrokerConfig) -> Result<Reader, BrokerError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(config.operation_timeout)
            .request_timeout(Some(config.operation_timeout))
            .connect(url)
            .await
            .map_err(|e| unavailable("connecting", e))?;
        let mut jetstream = jetstream::new(client);
        jetstream.set_timeout(config.operation_timeout);
        Ok(Reader { jetstream })
    }

    /// The stream capturing `subject`, `None` when there is none.
    async fn stream_of(&self, subject: &str) -> Result<Option<stream::Stream>, BrokerError> {
        let name = match self.jetstream.stream_by_subject(subject).await {
            Ok(name) => name,
            Err(e) if e.kind() == GetStreamByNameErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unavailable("finding the stream", e)),
        };
        let stream = self
            .jetstream
            .get_stream(name)
            .await
            .map_err(|e| unavailable("reading the stream", e))?;
        Ok(Some(stream))
    }

    /// How the channel at `address` delivers: its stream's retention says.
    pub(crate) async fn kind_of(&self, address: &str) -> Result<ChannelKind, BrokerError> {
        let Some(stream) = self.stream_of(address).await? else {
            return Err(BrokerError::Rejected(format!(
                "no JetStream stream captures `{address}`: nothing would receive a replay"
            )));
        };
        Ok(match stream.cached_info().config.retention {
            stream::RetentionPolicy::WorkQueue => ChannelKind::PointToPoint,
            _ => ChannelKind::PublishSubscribe,
        })
    }

    /// Calls `decide` with each dead letter of `dlq`, oldest first, and does what it says.
    pub(crate) async fn walk(
        &self,
        broker: &Broker,
        dlq: &str,
        mut decide: impl FnMut(&DeadLetter) -> Step,
    ) -> Result<(), BrokerError> {
        let Some(stream) = self.stream_of(dlq).await? else {
            return Ok(());
        };
        let state = &stream.cached_info().state;
        // Only what is there now: dead letters arriving meanwhile wait for the next walk.
        let (mut next, last) = (state.first_sequence.max(1), state.last_sequence);
        while next <= last {
            let raw = match stream.get_first_raw_message_by_subject(dlq, next).await {
                Ok(raw) => raw,
                Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => break,
                Err(e) => return Err(unavailable("reading a dead letter", e)),
            };
            if raw.sequence > last {
                break;
            }
            next = raw.sequence + 1;
            let letter = DeadLetter {
                position: raw.sequence,
                message: message_of(&raw),
            };
            if let Step::Replay(channel) = decide(&letter) {
                broker.publish(&channel, replayed(&letter)).await?;
                stream
                    .delete_message(raw.sequence)
                    .await
                    .map_err(|e| unavailable("removing a replayed dead letter", e))?;
            }
        }
        Ok(())
    }
}

/// A stored message as the runtime reads it: its NATS headers by name (`docs/wire.md`).
fn message_of(raw: &jetstream::message::StreamMessage) -> Message {
    let mut message = Message {
        payload: raw.payload.clone(),
        ..Message::default()
    };
    for (name, values) in raw.headers.iter() {
        let (Ok(name), Some(value)) = (std::str::from_utf8(name.as_ref()), values.first()) else {
            continue;
        };
        message.set_header(name, value.as_str().to_owned());
    }
    message
}

fn unavailable(doing: &str, e: impl std::fmt::Display) -> BrokerError {
    BrokerError::Unavailable(format!("nats: {doing}: {e}"))
}
