#![cfg(feature = "messaging")]
//! The embedded broker (`memory:`): the shared semantics suite, plus back-pressure and URL
//! handling. Time is paused: retries and timeouts advance a virtual clock instead of waiting.

mod messaging_suite;
mod scraped;

use accord::messaging::{Broker, BrokerConfig, BrokerError, Channel, Message};
use messaging_suite as suite;
use std::time::Duration;

fn broker() -> Broker {
    Broker::memory(BrokerConfig::default())
}

#[tokio::test(start_paused = true)]
async fn headers_and_payload_round_trip() {
    suite::headers_and_payload_round_trip(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn group_members_compete() {
    suite::group_members_compete(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn groups_fan_out() {
    suite::groups_fan_out(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn per_key_order() {
    suite::per_key_order(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn nack_redelivers() {
    suite::nack_redelivers(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_then_dead_lettered() {
    suite::failures_are_retried_then_dead_lettered(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn in_flight_is_bounded() {
    suite::in_flight_is_bounded(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn replies_reach_the_inbox() {
    suite::replies_reach_the_inbox(&broker()).await;
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_holds_the_publisher_back_then_times_it_out() {
    let broker = Broker::memory(BrokerConfig {
        buffer: 2,
        operation_timeout: Duration::from_secs(1),
        ..BrokerConfig::default()
    });
    let channel = Channel::point_to_point("orders");
    for i in 0..2 {
        let m = Message::new("test.N", i.to_string());
        broker.publish(&channel, m).await.unwrap();
    }
    // Full: the third publish waits, and once a consumer takes a message it completes.
    let waiting = tokio::spawn({
        let (broker, channel) = (broker.clone(), channel.clone());
        async move { broker.publish(&channel, Message::new("test.N", "2")).await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!waiting.is_finished(), "held back while the queue is full");
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    let first = consumer.next().await.unwrap();
    assert_eq!(first.message().payload, "0");
    first.ack().await.unwrap();
    waiting.await.unwrap().unwrap();
    // Full again and nobody takes: the publisher gets a timeout, not a hang.
    let late = broker.publish(&channel, Message::new("test.N", "3")).await;
    assert_eq!(late, Err(BrokerError::Timeout));
    for expected in ["1", "2"] {
        let d = consumer.next().await.unwrap();
        assert_eq!(d.message().payload, expected);
        d.ack().await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn every_publisher_held_back_by_a_full_queue_gets_through() {
    // Only taking from a full queue wakes a publisher, and each woken publisher wakes the next:
    // several waiting publishers all get in when a consumer drains the queue at once, none
    // left to time out.
    let broker = Broker::memory(BrokerConfig {
        buffer: 2,
        ..BrokerConfig::default()
    });
    let channel = Channel::point_to_point("orders");
    for i in 0..2 {
        let m = Message::new("test.N", i.to_string());
        broker.publish(&channel, m).await.unwrap();
    }
    let waiting: Vec<_> = (2..6)
        .map(|i| {
            let (broker, channel) = (broker.clone(), channel.clone());
            tokio::spawn(async move {
                broker
                    .publish(&channel, Message::new("test.N", i.to_string()))
                    .await
            })
        })
        .collect();
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(waiting.iter().all(|p| !p.is_finished()), "all held back");
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    let mut got = Vec::new();
    // Both taken before any publisher runs: one wake for the two free places.
    for _ in 0..2 {
        let d = consumer.next().await.unwrap();
        got.push(String::from_utf8_lossy(&d.message().payload).into_owned());
        d.ack().await.unwrap();
    }
    suite::within("the held-back messages", async {
        while got.len() < 6 {
            let d = consumer.next().await.unwrap();
            got.push(String::from_utf8_lossy(&d.message().payload).into_owned());
            d.ack().await.unwrap();
        }
    })
    .await;
    for publisher in waiting {
        assert_eq!(publisher.await.unwrap(), Ok(()), "no publisher timed out");
    }
    got.sort();
    assert_eq!(got, ["0", "1", "2", "3", "4", "5"]);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_delivery_goes_back_to_its_queue() {
    let broker = broker();
    let channel = Channel::point_to_point("orders");
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    broker
        .publish(&channel, Message::new("test.N", "x"))
        .await
        .unwrap();
    drop(consumer.next().await.unwrap());
    let again = consumer.next().await.unwrap();
    assert_eq!(
        (again.message().payload.as_ref(), again.attempt()),
        (&b"x"[..], 2)
    );
}

#[tokio::test(start_paused = true)]
async fn publish_subscribe_without_groups_reaches_nobody() {
    let broker = broker();
    let channel = Channel::publish_subscribe("events");
    broker
        .publish(&channel, Message::new("test.N", "early"))
        .await
        .unwrap();
    let mut consumer = broker.subscribe(&channel, "g").await.unwrap();
    broker
        .publish(&channel, Message::new("test.N", "late"))
        .await
        .unwrap();
    assert_eq!(consumer.next().await.unwrap().message().payload, "late");
}

#[tokio::test(start_paused = true)]
async fn a_reply_to_a_closed_inbox_is_dropped() {
    let broker = broker();
    let inbox = broker.reply_inbox().await.unwrap();
    let address = inbox.address().to_owned();
    drop(inbox);
    broker
        .reply(&address, Message::new("test.N", "late"))
        .await
        .unwrap();
}

#[tokio::test]
async fn urls_pick_the_backend() {
    let a = Broker::connect("memory:").await.unwrap();
    let b = Broker::connect("memory:").await.unwrap();
    let other = Broker::connect("memory://other").await.unwrap();
    let channel = Channel::point_to_point(suite::unique("shared"));
    let mut from_b = b.subscribe(&channel, "g").await.unwrap();
    let mut from_other = other.subscribe(&channel, "g").await.unwrap();
    a.publish(&channel, Message::new("test.N", "one"))
        .await
        .unwrap();
    other
        .publish(&channel, Message::new("test.N", "two"))
        .await
        .unwrap();
    assert_eq!(
        from_b.next().await.unwrap().message().payload,
        "one",
        "`memory:` is shared"
    );
    assert_eq!(
        from_other.next().await.unwrap().message().payload,
        "two",
        "names separate"
    );

    let err = Broker::connect("kafka://localhost:9092").await.unwrap_err();
    assert!(
        matches!(&err, BrokerError::Config(m) if m.contains("unknown broker scheme `kafka:`")),
        "{err}"
    );
    let err = Broker::connect("localhost").await.unwrap_err();
    assert!(matches!(err, BrokerError::Config(_)), "{err}");
    #[cfg(not(feature = "nats"))]
    {
        let err = Broker::connect("nats://localhost:4222").await.unwrap_err();
        assert!(
            err.to_string().contains("needs the `nats` feature"),
            "{err}"
        );
    }
    #[cfg(not(feature = "amqp"))]
    {
        let err = Broker::connect("amqp://localhost").await.unwrap_err();
        assert!(
            err.to_string().contains("needs the `amqp` feature"),
            "{err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_message_that_keeps_losing_its_consumer_is_dead_lettered_unrun() {
    let broker = broker();
    let same = || std::future::ready(broker.clone());
    suite::a_message_that_keeps_losing_its_consumer_is_dead_lettered_unrun(&broker, same).await;
}

#[tokio::test(start_paused = true)]
async fn illegal_reply_addresses_are_refused_before_sending() {
    suite::illegal_reply_addresses_are_refused_before_sending(&broker()).await;
}
