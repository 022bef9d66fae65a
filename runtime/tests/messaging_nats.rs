#![cfg(feature = "nats")]
//! The messaging semantics over a real `nats-server -js` started by this test binary, the
//! NATS wire mapping as another client sees it, start-up retries and a broker killed and
//! restarted mid-run.

mod brokers;
mod messaging_fault;
mod messaging_suite;

use accord::messaging::{
    Backoff, Broker, BrokerConfig, BrokerError, Channel, HandlerError, Message,
};
use brokers::Kind;
use futures::StreamExt as _;
use messaging_suite::{self as suite, Serving, unique, within};
use std::time::Duration;

fn config() -> BrokerConfig {
    BrokerConfig {
        operation_timeout: Duration::from_secs(2),
        ..BrokerConfig::default()
    }
}

async fn broker() -> Option<Broker> {
    let url = brokers::shared(Kind::Nats)?;
    Some(
        Broker::connect_with(&url, config())
            .await
            .expect("connects"),
    )
}

messaging_suite::against_a_real_broker!(broker);

/// The wire as a plain NATS client sees it: a core publish to a command subject is captured
/// by the stream and consumed; headers carry the documented names; the reply goes to the
/// subject named by `reply_to`.
#[tokio::test]
async fn a_plain_nats_client_speaks_the_documented_wire() {
    let Some(url) = brokers::shared(Kind::Nats) else {
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

    let client = async_nats::connect(&url).await.unwrap();
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("message_id", "m-1");
    headers.insert("message_type", "ftgo.kitchen.CreateTicket");
    headers.insert("reply_to", inbox.as_str());
    headers.insert(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    );
    client
        .publish_with_headers(
            channel.address.to_string(),
            headers,
            r#"{"order_id":7}"#.into(),
        )
        .await
        .unwrap();
    let reply = within("the reply", replies.next()).await.unwrap();
    let headers = reply.headers.expect("headers");
    let header = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(header("correlation_id").as_deref(), Some("m-1"));
    assert_eq!(
        header("message_type").as_deref(),
        Some("ftgo.kitchen.TicketRejected")
    );
    assert_eq!(header("content_type").as_deref(), Some("application/json"));
    assert_eq!(
        header("traceparent").as_deref(),
        Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    );
    assert!(header("message_id").is_some_and(|id| id != "m-1"));
    assert_eq!(reply.payload, r#"{"reason":"closed"}"#);
}

#[tokio::test]
async fn python_clients_speak_the_documented_wire() {
    let Some(url) = brokers::shared(Kind::Nats) else {
        return;
    };
    let broker = Broker::connect_with(&url, config()).await.unwrap();
    suite::python_clients_speak_the_documented_wire(&broker, "nats", &url).await;
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
    let err = Broker::connect_with(&format!("nats://127.0.0.1:{port}"), config)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BrokerError::Unavailable(m) if m.contains("after 3 attempts")),
        "{err}"
    );
}

/// Kill the broker mid-run: publishes fail (they do not hang); restart it: the client
/// reconnects, the consumer re-attaches, and messages flow again.
#[tokio::test]
async fn a_broker_lost_mid_run_fails_calls_then_reconnects() {
    let config = BrokerConfig {
        operation_timeout: Duration::from_secs(1),
        connect_backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(500),
        },
        ..config()
    };
    messaging_fault::lost_mid_run(Kind::Nats, config, Duration::from_millis(100)).await;
}
