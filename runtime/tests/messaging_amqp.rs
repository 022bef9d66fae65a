#![cfg(feature = "amqp")]
//! The messaging semantics over a real `rabbitmq-server` started by this test binary, the AMQP
//! wire mapping as another client sees it, start-up retries and a broker killed and restarted
//! mid-run.

mod brokers;
mod messaging_fault;
mod messaging_suite;
mod scraped;

use accord::messaging::{
    Backoff, Broker, BrokerConfig, BrokerError, Channel, HandlerError, Message,
};
use brokers::Kind;
use futures::StreamExt as _;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use messaging_suite::{self as suite, Serving, unique, within};
use std::time::Duration;

fn config() -> BrokerConfig {
    BrokerConfig {
        operation_timeout: Duration::from_secs(3),
        ..BrokerConfig::default()
    }
}

async fn broker() -> Option<Broker> {
    let url = brokers::shared(Kind::Rabbit)?;
    Some(
        Broker::connect_with(&url, config())
            .await
            .expect("connects"),
    )
}

messaging_suite::against_a_real_broker!(broker);

/// The wire as a plain AMQP client sees it: a command published through the default exchange
/// with the documented properties is consumed from the queue named by the address; the reply
/// comes back through the default exchange to the `reply_to` queue, with `correlation_id` and
/// `type` set.
#[tokio::test]
async fn a_plain_amqp_client_speaks_the_documented_wire() {
    let Some(url) = brokers::shared(Kind::Rabbit) else {
        return;
    };
    let broker = Broker::connect_with(&url, config()).await.unwrap();
    let channel = Channel::point_to_point(unique("kitchen.commands"));
    let consumer = broker.subscribe(&channel, "kitchen").await.unwrap();
    let server = broker.clone();
    let mut serving = Serving::default();
    serving.spawn(
        consumer.serve(suite::fast_retries(), move |request: &Message| {
            assert_eq!(request.message_type, "ftgo.kitchen.CreateTicket");
            assert_eq!(
                request.traceparent.as_deref(),
                Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            );
            let reply = request.reply("ftgo.kitchen.TicketRejected", r#"{"reason":"closed"}"#);
            let (server, to) = (server.clone(), request.reply_to.clone().unwrap());
            async move {
                server
                    .reply(&to, reply)
                    .await
                    .map_err(|e| HandlerError::Failed(e.to_string()))
            }
        }),
    );

    let properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio);
    let connection = Connection::connect(&url, properties).await.unwrap();
    let amqp = connection.create_channel().await.unwrap();
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        ..Default::default()
    };
    let replies = amqp
        .queue_declare("", exclusive, FieldTable::default())
        .await
        .unwrap();
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..Default::default()
    };
    let mut replies = amqp
        .basic_consume(replies.name().as_str(), "", no_ack, FieldTable::default())
        .await
        .unwrap();
    let mut headers = FieldTable::default();
    headers.insert(
        "traceparent".into(),
        AMQPValue::LongString("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
    );
    let properties = BasicProperties::default()
        .with_message_id("m-1".into())
        .with_type("ftgo.kitchen.CreateTicket".into())
        .with_content_type("application/json".into())
        .with_reply_to(replies.queue())
        .with_headers(headers);
    amqp.basic_publish(
        "",
        &channel.address,
        BasicPublishOptions::default(),
        br#"{"order_id":7}"#,
        properties,
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let reply = within("the reply", replies.next()).await.unwrap().unwrap();
    let p = &reply.properties;
    assert_eq!(p.correlation_id().as_ref().map(|s| s.as_str()), Some("m-1"));
    assert_eq!(
        p.kind().as_ref().map(|s| s.as_str()),
        Some("ftgo.kitchen.TicketRejected")
    );
    assert_eq!(
        p.content_type().as_ref().map(|s| s.as_str()),
        Some("application/json")
    );
    assert!(
        p.message_id()
            .as_ref()
            .is_some_and(|id| id.as_str() != "m-1")
    );
    let traceparent = p
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("traceparent").cloned());
    assert_eq!(
        traceparent,
        Some(AMQPValue::LongString(
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()
        ))
    );
    assert_eq!(reply.data, br#"{"reason":"closed"}"#);
}

#[tokio::test]
async fn python_clients_speak_the_documented_wire() {
    let Some(url) = brokers::shared(Kind::Rabbit) else {
        return;
    };
    let broker = Broker::connect_with(&url, config()).await.unwrap();
    suite::python_clients_speak_the_documented_wire(&broker, "amqp", &url).await;
}

#[tokio::test]
async fn a_broker_down_at_start_up_is_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = BrokerConfig {
        connect_attempts: 3,
        connect_backoff: Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(20),
        },
        ..config()
    };
    let url = format!("amqp://guest:secret@127.0.0.1:{port}/%2f");
    let err = Broker::connect_with(&url, config).await.unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, BrokerError::Unavailable(_)), "{shown}");
    assert!(
        shown.contains("after 3 attempts") && !shown.contains("secret"),
        "{shown}"
    );
}

/// Kill the broker mid-run: publishes fail (they do not hang); restart it: the broker
/// reconnects, the consumer re-attaches, and messages flow again.
#[tokio::test]
async fn a_broker_lost_mid_run_fails_calls_then_reconnects() {
    let config = BrokerConfig {
        operation_timeout: Duration::from_secs(2),
        connect_backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        },
        ..config()
    };
    messaging_fault::lost_mid_run(Kind::Rabbit, config, Duration::from_millis(200)).await;
}

/// RabbitMQ's own bound: a consumer that hands a message back every time gets it at most
/// `max_deliveries` times (the quorum queue's `x-delivery-limit`, counted 1, 2, 3 from
/// `x-delivery-count`), then the broker dead-letters it to `<address>.dlq` itself.
#[tokio::test]
async fn a_quorum_queue_dead_letters_what_exceeds_the_delivery_limit() {
    let Some(url) = brokers::shared(Kind::Rabbit) else {
        return;
    };
    let config = BrokerConfig {
        max_deliveries: 3,
        ..config()
    };
    let broker = Broker::connect_with(&url, config).await.unwrap();
    let channel = Channel::point_to_point(unique("backstop"));
    let mut dead = broker
        .subscribe(&channel.dead_letters(), "ops")
        .await
        .unwrap();
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    let sent = Message::new("test.N", "again");
    broker.publish(&channel, sent.clone()).await.unwrap();
    let mut attempts = Vec::new();
    while let Ok(Some(delivery)) =
        tokio::time::timeout(Duration::from_secs(2), consumer.next()).await
    {
        attempts.push(delivery.attempt());
        assert_eq!(delivery.message().header("x-delivery-count"), None);
        delivery.nack(Duration::ZERO).await.unwrap();
        assert!(attempts.len() <= 10, "redelivered without end");
    }
    assert_eq!(attempts, [1, 2, 3]);
    let letter = within("the broker's dead letter", dead.next())
        .await
        .unwrap();
    assert_eq!(letter.message().message_id, sent.message_id);
    letter.ack().await.unwrap();
}

#[tokio::test]
async fn a_message_that_keeps_losing_its_consumer_is_dead_lettered_unrun() {
    let Some(url) = brokers::shared(Kind::Rabbit) else {
        return;
    };
    let broker = Broker::connect_with(&url, config()).await.unwrap();
    let connect = || async { Broker::connect_with(&url, config()).await.unwrap() };
    suite::a_message_that_keeps_losing_its_consumer_is_dead_lettered_unrun(&broker, connect).await;
}

/// A classic queue made by an earlier version under a channel's name (RabbitMQ cannot turn it
/// into a quorum queue) is used as it is, not refused: the service still consumes from it.
#[tokio::test]
async fn a_classic_queue_made_earlier_is_used_as_it_is() {
    let Some(url) = brokers::shared(Kind::Rabbit) else {
        return;
    };
    let address = unique("legacy");
    let properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio);
    let connection = Connection::connect(&url, properties).await.unwrap();
    let legacy = connection.create_channel().await.unwrap();
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    legacy
        .queue_declare(&address, durable, FieldTable::default())
        .await
        .unwrap();
    let Some(broker) = broker().await else { return };
    let channel = Channel::point_to_point(address);
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    broker
        .publish(&channel, Message::new("test.N", "still served"))
        .await
        .unwrap();
    let delivery = within("the message", consumer.next()).await.unwrap();
    assert_eq!(delivery.message().payload, "still served");
    delivery.ack().await.unwrap();
}
