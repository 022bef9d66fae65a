//! Dead letters on RabbitMQ: `<address>.dlq` is a queue. AMQP 0-9-1 cannot browse a queue, and
//! a message handed back (nack, a closed channel) counts as one more delivery toward the quorum
//! queue's limit, so reading never hands one back: the queue is rotated once through, each
//! message taken, published again at the queue's tail (or, replayed, to its channel) and only
//! then acknowledged. The order of the dead letters is kept; a message is never lost (a crash
//! between publishing and acknowledging leaves it twice, the copy at the tail).

use super::{DeadLetter, Step, kept, replayed};
use crate::messaging::amqp::from_amqp;
use crate::messaging::broker::{Broker, BrokerConfig};
use crate::messaging::error::{BrokerError, timed};
use crate::messaging::message::{Channel, ChannelKind};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, ExchangeDeclareOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use std::time::Duration;

pub(crate) struct Reader {
    connection: Connection,
    timeout: Duration,
}

impl Reader {
    pub(crate) async fn connect(url: &str, config: &BrokerConfig) -> Result<Reader, BrokerError> {
        let properties = ConnectionProperties::default()
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio);
        let connect = async {
            Connection::connect(url, properties)
                .await
                .map_err(|e| unavailable("connecting", e))
        };
        let connection = timed(config.operation_timeout, connect).await?;
        Ok(Reader {
            connection,
            timeout: config.operation_timeout,
        })
    }

    async fn channel(&self) -> Result<lapin::Channel, BrokerError> {
        let open = async {
            self.connection
                .create_channel()
                .await
                .map_err(|e| unavailable("opening a channel", e))
        };
        timed(self.timeout, open).await
    }

    /// The queue `name`'s message count, `None` when there is no such queue. On a channel of
    /// its own: RabbitMQ closes the channel of a passive declaration that fails.
    async fn queue(&self, name: &str) -> Result<Option<u32>, BrokerError> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let channel = self.channel().await?;
        let declared = channel.queue_declare(name, passive, FieldTable::default());
        match timed(self.timeout, async { Ok(declared.await) }).await? {
            Ok(queue) => Ok(Some(queue.message_count())),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(unavailable("reading the queue", e)),
        }
    }

    /// How the channel at `address` delivers: a topic exchange of that name is a
    /// publish-subscribe channel, a queue a point-to-point one.
    pub(crate) async fn kind_of(&self, address: &str) -> Result<ChannelKind, BrokerError> {
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let channel = self.channel().await?;
        let declared =
            channel.exchange_declare(address, ExchangeKind::Topic, passive, FieldTable::default());
        match timed(self.timeout, async { Ok(declared.await) }).await? {
            Ok(()) => return Ok(ChannelKind::PublishSubscribe),
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(unavailable("reading the exchange", e)),
        }
        match self.queue(address).await? {
            Some(_) => Ok(ChannelKind::PointToPoint),
            None => Err(BrokerError::Rejected(format!(
                "neither an exchange nor a queue is named `{address}`: nothing would receive \
                 a replay"
            ))),
        }
    }

    /// Calls `decide` with each dead letter of `dlq`, oldest first, and does what it says
    /// (see the module's doc).
    pub(crate) async fn walk(
        &self,
        broker: &Broker,
        dlq: &str,
        mut decide: impl FnMut(&DeadLetter) -> Step,
    ) -> Result<(), BrokerError> {
        // Only what is there now: those put back at the tail are not read twice.
        let Some(count) = self.queue(dlq).await? else {
            return Ok(());
        };
        let channel = self.channel().await?;
        let back = Channel::point_to_point(dlq.to_owned());
        for position in 1..=u64::from(count) {
            let get = channel.basic_get(dlq, BasicGetOptions { no_ack: false });
            let got = timed(self.timeout, async {
                get.await
                    .map_err(|e| unavailable("taking a dead letter", e))
            })
            .await?;
            let Some(got) = got else { break };
            let delivery = got.delivery;
            let letter = DeadLetter {
                position,
                message: from_amqp(&delivery.properties, delivery.data),
            };
            // Published before acknowledged: a failure here hands the message back unharmed.
            match decide(&letter) {
                Step::Keep => broker.publish(&back, kept(&letter)).await?,
                Step::Replay(origin) => broker.publish(&origin, replayed(&letter)).await?,
            }
            let ack = delivery.acker.ack(BasicAckOptions::default());
            timed(self.timeout, async {
                ack.await
                    .map_err(|e| unavailable("acknowledging a dead letter", e))
            })
            .await?;
        }
        // Closed, not dropped: an acknowledgement has no reply, so one sent just before the
        // process exits can be lost with the connection, and its message is handed back: in
        // the queue twice, the copy first. The broker answers the close only after every frame
        // sent before it on the channel, the acknowledgements included.
        let close = channel.close(200, "dead letters read");
        timed(self.timeout, async {
            close
                .await
                .map_err(|e| unavailable("closing the channel", e))
        })
        .await
    }
}

/// Whether a passive declaration failed because nothing has that name.
fn not_found(e: &lapin::Error) -> bool {
    use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
    matches!(
        e.kind(),
        lapin::ErrorKind::ProtocolError(amqp)
            if matches!(amqp.kind(), AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND))
    )
}

fn unavailable(doing: &str, e: lapin::Error) -> BrokerError {
    BrokerError::Unavailable(format!("amqp: {doing}: {e}"))
}
