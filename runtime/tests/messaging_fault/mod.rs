//! The fault test every real broker must pass, written once for the NATS and RabbitMQ test
//! binaries (the embedded broker cannot be killed).

use crate::brokers::{Kind, Server};
use crate::messaging_suite::{Serving, fast_retries, unique, within};
use accord::messaging::{Broker, BrokerConfig, BrokerError, Channel, Message};
use std::time::Duration;

/// Kill the broker mid-run: publishes fail (they do not hang); restart it: the client
/// reconnects, the consumer re-attaches, and messages flow again. `config` sets the timeouts
/// and backoff the test runs with; `poll` how often it retries publishing after the restart.
pub async fn lost_mid_run(kind: Kind, config: BrokerConfig, poll: Duration) {
    let Some(mut server) = Server::start(kind) else {
        return;
    };
    let broker = Broker::connect_with(&server.url(), config).await.unwrap();
    let channel = Channel::point_to_point(unique("fault"));
    let consumer = broker.subscribe(&channel, "g").await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut serving = Serving::default();
    serving.spawn(consumer.serve(fast_retries(), move |m: &Message| {
        let _ = tx.send(m.payload.clone());
        std::future::ready(Ok(()))
    }));
    broker
        .publish(&channel, Message::new("test.N", "before"))
        .await
        .unwrap();
    assert_eq!(
        within("the first message", rx.recv()).await.unwrap(),
        "before"
    );

    server.kill();
    let lost = within(
        "a publish to a dead broker to fail",
        broker.publish(&channel, Message::new("test.N", "lost")),
    )
    .await;
    assert!(
        matches!(
            lost,
            Err(BrokerError::Timeout | BrokerError::Unavailable(_))
        ),
        "{lost:?}"
    );

    server.restart();
    within("publishing to work again", async {
        while broker
            .publish(&channel, Message::new("test.N", "after"))
            .await
            .is_err()
        {
            tokio::time::sleep(poll).await;
        }
    })
    .await;
    // "lost" may have reached the broker before the kill was noticed; "after" must arrive.
    within("a message after the restart", async {
        while rx.recv().await.unwrap() != "after" {}
    })
    .await;
}
