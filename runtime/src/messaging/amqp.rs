//! The AMQP 0-9-1 backend (`amqp://user:pass@host:port/vhost`, feature `amqp`; RabbitMQ).
//!
//! A point-to-point address is a queue of that name, published to through the default exchange
//! with routing key = the address. A publish-subscribe address is a topic exchange of that name
//! (routing key = the address); each subscriber group binds its own queue `<address>.<group>`
//! with `#`, and the group's instances compete on it. Queues and exchanges are durable (and
//! messages persistent) on durable channels, where queues are quorum queues with a delivery
//! limit, dead-lettering to `<address>.dlq` what exceeds it. `message_id`, `type` (= message_type),
//! `correlation_id`, `reply_to` and `content_type` travel as basic properties, everything else
//! (`traceparent`, `message_key`, ...) as headers. Publishes wait for publisher confirms;
//! consumers ack manually with a prefetch. Replies go through the default exchange with routing
//! key = `reply_to`; an inbox is an exclusive auto-delete queue `accord.inbox.<uuid>`.
//!
//! lapin does not reconnect by itself (its recovery is experimental), so this module does:
//! a lost connection is replaced by the next operation, and consumers and inboxes re-attach
//! (re-declaring what they consume from) with backoff.

use super::backend::{Backend, BackendConsumer, BackendInbox, Received, Settle, with_retries};
use super::config::BrokerConfig;
use super::error::{BrokerError, timed};
use super::message::{Channel, ChannelKind, Message, content_type, header};
use bytes::Bytes;
use futures::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::publisher_confirm::Confirmation;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub(crate) struct AmqpBroker {
    shared: Arc<Shared>,
}

struct Shared {
    url: String,
    config: Arc<BrokerConfig>,
    /// The current connection, replaced when lost.
    link: tokio::sync::Mutex<Option<Arc<Link>>>,
}

/// One connection and its publishing channel (in confirm mode).
struct Link {
    connection: Arc<Connection>,
    publisher: lapin::Channel,
    /// What this connection already declared for publishing.
    declared: Mutex<HashSet<String>>,
}

impl AmqpBroker {
    pub(crate) async fn connect(
        url: &str,
        config: &Arc<BrokerConfig>,
    ) -> Result<Self, BrokerError> {
        if let Err(e) = url.parse::<lapin::uri::AMQPUri>() {
            return Err(BrokerError::Config(format!("invalid AMQP URL: {e}")));
        }
        let broker = AmqpBroker {
            shared: Arc::new(Shared {
                url: url.to_owned(),
                config: config.clone(),
                link: tokio::sync::Mutex::new(None),
            }),
        };
        broker.link().await?;
        Ok(broker)
    }

    /// Whether the current connection is up (without opening one).
    pub(crate) async fn connected(&self) -> bool {
        let current = self.shared.link.lock().await;
        current
            .as_ref()
            .is_some_and(|link| link.connection.status().connected())
    }

    /// The live connection, opening a new one when there is none or it was lost.
    async fn link(&self) -> Result<Arc<Link>, BrokerError> {
        let mut current = self.shared.link.lock().await;
        if let Some(link) = &*current {
            if link.connection.status().connected() && link.publisher.status().connected() {
                return Ok(link.clone());
            }
            if link.connection.status().connected() {
                // Only the channel was closed (by a refused operation): a new one will do.
                let publisher = publisher(&link.connection).await?;
                let link = Arc::new(Link {
                    connection: link.connection.clone(),
                    publisher,
                    declared: Mutex::default(),
                });
                *current = Some(link.clone());
                return Ok(link);
            }
            tracing::warn!("amqp connection lost, reconnecting");
        }
        *current = None;
        let properties = ConnectionProperties::default()
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio);
        let connection = Connection::connect(&self.shared.url, properties)
            .await
            .map_err(|e| unavailable("connecting", e))?;
        let publisher = publisher(&connection).await?;
        let link = Arc::new(Link {
            connection: Arc::new(connection),
            publisher,
            declared: Mutex::default(),
        });
        *current = Some(link.clone());
        Ok(link)
    }

    pub(crate) async fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> Result<(), BrokerError> {
        let link = self.link().await?;
        let declared = link.declared.lock().unwrap().contains(&*channel.address);
        if !declared {
            declare_target(&link.connection, &link.publisher, channel, self.config()).await?;
            link.declared
                .lock()
                .unwrap()
                .insert(channel.address.to_string());
        }
        let exchange = match channel.kind {
            ChannelKind::PointToPoint => "",
            ChannelKind::PublishSubscribe => &channel.address,
        };
        send(
            &link.publisher,
            exchange,
            &channel.address,
            message,
            channel.durable,
        )
        .await
    }

    pub(crate) async fn reply(&self, to: &str, message: Message) -> Result<(), BrokerError> {
        let link = self.link().await?;
        send(&link.publisher, "", to, message, false).await
    }

    pub(crate) async fn subscribe(
        &self,
        channel: &Channel,
        group: &str,
    ) -> Result<Consumer, BrokerError> {
        let queue = match channel.kind {
            ChannelKind::PointToPoint => channel.address.to_string(),
            ChannelKind::PublishSubscribe => format!("{}.{group}", channel.address),
        };
        let mut consumer = Consumer {
            broker: self.clone(),
            channel: channel.clone(),
            queue,
            consumer: None,
            failures: 0,
        };
        consumer.attach().await?;
        Ok(consumer)
    }

    pub(crate) async fn reply_inbox(&self) -> Result<Inbox, BrokerError> {
        let address = format!("accord.inbox.{}", uuid::Uuid::new_v4().simple());
        let mut inbox = Inbox {
            broker: self.clone(),
            address,
            consumer: None,
            failures: 0,
        };
        inbox.attach().await?;
        Ok(inbox)
    }

    fn config(&self) -> &BrokerConfig {
        &self.shared.config
    }
}

async fn publisher(connection: &Connection) -> Result<lapin::Channel, BrokerError> {
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| unavailable("opening a channel", e))?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| unavailable("enabling publisher confirms", e))?;
    Ok(channel)
}

/// Declares what a publish to `channel` goes to: its queue or its topic exchange.
async fn declare_target(
    connection: &Connection,
    amqp: &lapin::Channel,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    match channel.kind {
        ChannelKind::PointToPoint => {
            declare_queue(connection, &channel.address, channel, config).await
        }
        ChannelKind::PublishSubscribe => {
            let options = ExchangeDeclareOptions {
                durable: channel.durable,
                ..Default::default()
            };
            amqp.exchange_declare(
                &channel.address,
                ExchangeKind::Topic,
                options,
                FieldTable::default(),
            )
            .await
            .map_err(|e| rejected("declaring exchange", &channel.address, e))
        }
    }
}

/// Declares the queue `name` that holds messages of `channel` (its own queue, or a group's), on
/// a channel of its own: RabbitMQ closes the channel of a refused declaration. A queue that
/// exists with other arguments (a classic queue made by an earlier version: a queue's type
/// cannot change) is used as it is, with a warning; it then has no delivery limit of its own.
async fn declare_queue(
    connection: &Connection,
    name: &str,
    channel: &Channel,
    config: &BrokerConfig,
) -> Result<(), BrokerError> {
    let options = QueueDeclareOptions {
        durable: channel.durable,
        ..Default::default()
    };
    let amqp = open_channel(connection).await?;
    let declared = amqp
        .queue_declare(name, options, queue_arguments(channel, config))
        .await;
    match declared {
        Ok(_) => Ok(()),
        Err(e) if precondition_failed(&e) => {
            tracing::warn!(
                queue = name,
                "amqp: the queue exists with other arguments (made by an earlier version?) and is \
                 used as it is, without a broker-side delivery limit; delete it to have it \
                 declared anew: {e}"
            );
            let passive = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            open_channel(connection)
                .await?
                .queue_declare(name, passive, FieldTable::default())
                .await
                .map(drop)
                .map_err(|e| rejected("declaring queue", name, e))
        }
        Err(e) => Err(rejected("declaring queue", name, e)),
    }
}

async fn open_channel(connection: &Connection) -> Result<lapin::Channel, BrokerError> {
    connection
        .create_channel()
        .await
        .map_err(|e| unavailable("opening a channel", e))
}

/// Whether the broker refused a declaration for arguments unlike the existing one's.
fn precondition_failed(e: &lapin::Error) -> bool {
    use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
    matches!(
        e.kind(),
        lapin::ErrorKind::ProtocolError(amqp)
            if matches!(amqp.kind(), AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED))
    )
}

/// A durable channel's queues are quorum queues: the broker counts deliveries
/// (`x-delivery-count`, which classic queues lack: they say only "redelivered"), and once a
/// message has been delivered `max_deliveries` times it dead-letters it to `<address>.dlq`
/// itself, should the consumer not have. Non-durable channels keep classic queues (a quorum
/// queue is always durable).
fn queue_arguments(channel: &Channel, config: &BrokerConfig) -> FieldTable {
    let mut arguments = FieldTable::default();
    if channel.durable {
        let limit = config.max_deliveries.max(2) - 1;
        let text = |v: &str| AMQPValue::LongString(LongString::from(v));
        arguments.insert("x-queue-type".into(), text("quorum"));
        arguments.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(i64::from(limit)),
        );
        arguments.insert("x-dead-letter-exchange".into(), text(""));
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            text(&channel.dead_letters().address),
        );
    }
    arguments
}

/// The delivery count a quorum queue puts on a redelivered message.
const DELIVERY_COUNT: &str = "x-delivery-count";

/// Publishes and waits for the broker's confirmation.
async fn send(
    amqp: &lapin::Channel,
    exchange: &str,
    routing_key: &str,
    message: Message,
    persistent: bool,
) -> Result<(), BrokerError> {
    let payload = message.payload.clone();
    let properties = properties(message, persistent);
    let confirm = amqp
        .basic_publish(
            exchange,
            routing_key,
            BasicPublishOptions::default(),
            &payload,
            properties,
        )
        .await
        .map_err(|e| unavailable("publishing", e))?;
    match confirm.await.map_err(|e| unavailable("publishing", e))? {
        Confirmation::Ack(_) | Confirmation::NotRequested => Ok(()),
        Confirmation::Nack(_) => Err(BrokerError::Rejected(format!(
            "publish to `{routing_key}` not confirmed"
        ))),
    }
}

fn properties(message: Message, persistent: bool) -> BasicProperties {
    let mut headers = FieldTable::default();
    let long = |v: String| AMQPValue::LongString(LongString::from(v));
    if let Some(t) = message.traceparent {
        headers.insert(header::TRACEPARENT.into(), long(t));
    }
    if let Some(k) = message.key {
        headers.insert(header::MESSAGE_KEY.into(), long(k));
    }
    for (name, value) in message.headers {
        headers.insert(ShortString::from(name), long(value));
    }
    let mut properties = BasicProperties::default()
        .with_message_id(message.message_id.into())
        .with_type(message.message_type.into_owned().into())
        .with_content_type(message.content_type.into_owned().into())
        .with_delivery_mode(if persistent { 2 } else { 1 })
        .with_headers(headers);
    if let Some(id) = message.correlation_id {
        properties = properties.with_correlation_id(id.into());
    }
    if let Some(to) = message.reply_to {
        properties = properties.with_reply_to(to.into());
    }
    properties
}

pub(crate) fn from_amqp(properties: &BasicProperties, payload: Vec<u8>) -> Message {
    let short = |s: &Option<ShortString>| s.as_ref().map(|s| s.as_str().to_owned());
    let mut message = Message {
        message_id: short(properties.message_id()).unwrap_or_default(),
        message_type: Cow::Owned(short(properties.kind()).unwrap_or_default()),
        correlation_id: short(properties.correlation_id()),
        reply_to: short(properties.reply_to()),
        payload: Bytes::from(payload),
        ..Message::default()
    };
    if let Some(ct) = short(properties.content_type()) {
        message.content_type = content_type(ct);
    }
    if let Some(headers) = properties.headers() {
        for (name, value) in headers.inner() {
            let value = match value {
                AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                AMQPValue::ShortString(s) => s.as_str().to_owned(),
                AMQPValue::LongLongInt(n) => n.to_string(),
                AMQPValue::LongInt(n) => n.to_string(),
                AMQPValue::LongUInt(n) => n.to_string(),
                AMQPValue::ShortInt(n) => n.to_string(),
                _ => continue,
            };
            message.set_header(name.as_str(), value);
        }
    }
    message
}

/// Every operation is bounded by `operation_timeout`; publishes and replies are boxed futures,
/// consumers and inboxes boxed values (their reconnection state is large).
impl Backend for AmqpBroker {
    type Consumer = Box<Consumer>;
    type Acker = Acker;
    type Inbox = Box<Inbox>;

    async fn connect(url: &str, config: &Arc<BrokerConfig>) -> Result<Self, BrokerError> {
        with_retries(url, config, || AmqpBroker::connect(url, config)).await
    }

    fn publish(
        &self,
        channel: &Channel,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        let timeout = self.config().operation_timeout;
        Box::pin(timed(timeout, AmqpBroker::publish(self, channel, message)))
    }

    fn reply(
        &self,
        to: &str,
        message: Message,
    ) -> impl Future<Output = Result<(), BrokerError>> + Send {
        let timeout = self.config().operation_timeout;
        Box::pin(timed(timeout, AmqpBroker::reply(self, to, message)))
    }

    async fn subscribe(
        &self,
        channel: &Channel,
        group: &str,
    ) -> Result<Box<Consumer>, BrokerError> {
        let timeout = self.config().operation_timeout;
        let consumer = timed(timeout, AmqpBroker::subscribe(self, channel, group)).await?;
        Ok(Box::new(consumer))
    }

    async fn reply_inbox(&self) -> Result<Box<Inbox>, BrokerError> {
        let timeout = self.config().operation_timeout;
        Ok(Box::new(
            timed(timeout, AmqpBroker::reply_inbox(self)).await?,
        ))
    }

    async fn connected(&self) -> bool {
        AmqpBroker::connected(self).await
    }

    fn system(&self) -> &'static str {
        "rabbitmq"
    }
}

pub(crate) struct Consumer {
    broker: AmqpBroker,
    channel: Channel,
    queue: String,
    /// The channel (kept open while consuming) and its consumer; `None` after a failure.
    consumer: Option<(lapin::Channel, lapin::Consumer)>,
    /// Consecutive failures, for the backoff between re-attachments.
    failures: u32,
}

impl Consumer {
    /// Opens a channel, declares the queue (and for publish-subscribe the exchange and the
    /// binding) and the dead-letter queue, and starts consuming.
    async fn attach(&mut self) -> Result<(), BrokerError> {
        let timeout = self.broker.config().operation_timeout;
        let broker = self.broker.clone();
        let (channel, queue) = (&self.channel, &self.queue);
        let attached = timed(timeout, async {
            let link = broker.link().await?;
            let amqp = link
                .connection
                .create_channel()
                .await
                .map_err(|e| unavailable("opening a channel", e))?;
            let prefetch = broker.config().prefetch.max(1);
            amqp.basic_qos(prefetch, BasicQosOptions::default())
                .await
                .map_err(|e| unavailable("setting prefetch", e))?;
            let config = broker.config();
            declare_queue(&link.connection, queue, channel, config).await?;
            if channel.kind == ChannelKind::PublishSubscribe {
                declare_target(&link.connection, &amqp, channel, config).await?;
                amqp.queue_bind(
                    queue,
                    &channel.address,
                    "#",
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| rejected("binding queue", queue, e))?;
            }
            let dead_letters = channel.dead_letters();
            declare_queue(
                &link.connection,
                &dead_letters.address,
                &dead_letters,
                config,
            )
            .await?;
            let consumer = amqp
                .basic_consume(
                    queue,
                    "",
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| unavailable("consuming", e))?;
            Ok((amqp, consumer))
        })
        .await?;
        self.consumer = Some(attached);
        Ok(())
    }

    async fn next_delivery(&mut self) -> Option<Received<Acker>> {
        loop {
            let Some((_, consumer)) = &mut self.consumer else {
                if self.failures > 0 {
                    let wait = self.broker.config().connect_backoff.delay(self.failures);
                    tokio::time::sleep(wait).await;
                }
                if let Err(e) = self.attach().await {
                    self.failures += 1;
                    tracing::warn!(queue = %self.queue, "amqp consumer not attached: {e}");
                }
                continue;
            };
            match consumer.next().await {
                Some(Ok(delivery)) => {
                    self.failures = 0;
                    let mut message = from_amqp(&delivery.properties, delivery.data);
                    // The broker's count, not a header of the message.
                    let counted = message.headers.remove(DELIVERY_COUNT);
                    let attempt = match counted.and_then(|n| n.parse::<u32>().ok()) {
                        Some(redeliveries) => redeliveries.saturating_add(1),
                        None if delivery.redelivered => 2,
                        None => 1,
                    };
                    return Some(Received {
                        message,
                        attempt,
                        acker: Acker(delivery.acker),
                    });
                }
                Some(Err(e)) => {
                    tracing::warn!(queue = %self.queue, "amqp consumer: {e}");
                    self.failures += 1;
                    self.consumer = None;
                }
                None => {
                    self.failures += 1;
                    self.consumer = None;
                }
            }
        }
    }
}

impl BackendConsumer for Consumer {
    type Acker = Acker;

    fn next(&mut self) -> impl Future<Output = Option<Received<Self::Acker>>> + Send {
        self.next_delivery()
    }
}

/// How an AMQP delivery is settled.
pub(crate) struct Acker(lapin::acker::Acker);

/// The network futures are boxed: they are large, and settling sits in the future of every
/// message a consumer serves.
impl Settle for Acker {
    fn ack_is_free(&self) -> bool {
        false
    }

    async fn ack(self, timeout: Duration) -> Result<(), BrokerError> {
        Box::pin(timed(timeout, ack(self.0))).await
    }

    async fn nack(self, _: Message, delay: Duration, _: Duration) -> Result<(), BrokerError> {
        nack(self.0, delay);
        Ok(())
    }

    async fn give_up(self, timeout: Duration) -> Result<(), BrokerError> {
        Box::pin(timed(timeout, reject(self.0))).await
    }

    fn release(self, _: Message) {
        nack(self.0, Duration::ZERO);
    }
}

pub(crate) struct Inbox {
    broker: AmqpBroker,
    address: String,
    consumer: Option<(lapin::Channel, lapin::Consumer)>,
    failures: u32,
}

impl Inbox {
    /// Declares the inbox queue (exclusive to this connection, deleted with it) under the same
    /// name on every attachment, so the address stays valid across reconnections.
    async fn attach(&mut self) -> Result<(), BrokerError> {
        let timeout = self.broker.config().operation_timeout;
        let (broker, address) = (self.broker.clone(), &self.address);
        let attached = timed(timeout, async {
            let link = broker.link().await?;
            let amqp = link
                .connection
                .create_channel()
                .await
                .map_err(|e| unavailable("opening a channel", e))?;
            let options = QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            };
            amqp.queue_declare(address, options, FieldTable::default())
                .await
                .map_err(|e| rejected("declaring queue", address, e))?;
            let options = BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            };
            let consumer = amqp
                .basic_consume(address, "", options, FieldTable::default())
                .await
                .map_err(|e| unavailable("consuming", e))?;
            Ok((amqp, consumer))
        })
        .await?;
        self.consumer = Some(attached);
        Ok(())
    }
}

impl BackendInbox for Inbox {
    fn address(&self) -> &str {
        &self.address
    }

    async fn next(&mut self) -> Option<Message> {
        loop {
            let Some((_, consumer)) = &mut self.consumer else {
                if self.failures > 0 {
                    let wait = self.broker.config().connect_backoff.delay(self.failures);
                    tokio::time::sleep(wait).await;
                }
                if let Err(e) = self.attach().await {
                    self.failures += 1;
                    tracing::warn!(inbox = %self.address, "amqp inbox not attached: {e}");
                }
                continue;
            };
            match consumer.next().await {
                Some(Ok(delivery)) => {
                    self.failures = 0;
                    return Some(from_amqp(&delivery.properties, delivery.data));
                }
                Some(Err(_)) | None => {
                    self.failures += 1;
                    self.consumer = None;
                }
            }
        }
    }
}

async fn ack(acker: lapin::acker::Acker) -> Result<(), BrokerError> {
    acker
        .ack(BasicAckOptions::default())
        .await
        .map(drop)
        .map_err(|e| unavailable("acking", e))
}

/// Rejects without requeue: a quorum queue dead-letters it, a classic queue drops it.
async fn reject(acker: lapin::acker::Acker) -> Result<(), BrokerError> {
    let options = BasicNackOptions {
        requeue: false,
        multiple: false,
    };
    acker
        .nack(options)
        .await
        .map(drop)
        .map_err(|e| unavailable("rejecting", e))
}

/// Hands the message back after `delay` (AMQP has no delayed requeue, so the delay is
/// waited here, in a task, keeping the prefetch slot meanwhile).
fn nack(acker: lapin::acker::Acker, delay: Duration) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        // Outside a runtime: the broker requeues it when the channel closes.
        return;
    };
    rt.spawn(async move {
        tokio::time::sleep(delay).await;
        let options = BasicNackOptions {
            requeue: true,
            multiple: false,
        };
        if let Err(e) = acker.nack(options).await {
            tracing::debug!("amqp nack failed (the broker requeues on channel close): {e}");
        }
    });
}

fn unavailable(doing: &str, e: lapin::Error) -> BrokerError {
    BrokerError::Unavailable(format!("amqp: {doing}: {e}"))
}

fn rejected(doing: &str, name: &str, e: lapin::Error) -> BrokerError {
    BrokerError::Rejected(format!("amqp: {doing} `{name}`: {e}"))
}
