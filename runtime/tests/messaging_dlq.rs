#![cfg(any(feature = "nats", feature = "amqp"))]
//! Dead letters listed, found and replayed (`accord::messaging::DeadLetters`) on a real
//! `nats-server -js` and a real `rabbitmq-server`, started by this test binary: the messages a
//! consumer dead-lettered come back in order, reading them changes nothing (also past the
//! broker's delivery limit), and a replayed one reaches its channel's consumers again with its
//! `message_id` and without the dead letter's headers.

mod brokers;

use accord::messaging::{
    Backoff, Broker, BrokerConfig, Channel, ConsumerConfig, DeadLetters, HandlerError, Message,
    Pick, header,
};
use brokers::Kind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config() -> BrokerConfig {
    BrokerConfig {
        operation_timeout: Duration::from_secs(5),
        ..BrokerConfig::default()
    }
}

fn unique(name: &str) -> String {
    let id = accord::__private::uuid::Uuid::new_v4().simple().to_string();
    format!("test.{name}.{}", &id[..12])
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A consumer of `channel` (as `group`) that dead-letters every message at once while `refuse`
/// holds, and otherwise records what it handled.
async fn consumer(
    broker: &Broker,
    channel: &Channel,
    group: &str,
    refuse: Arc<AtomicBool>,
) -> (Arc<Mutex<Vec<Message>>>, tokio::task::JoinHandle<()>) {
    let handled = Arc::new(Mutex::new(Vec::new()));
    let consumer = broker.subscribe(channel, group).await.unwrap();
    let seen = handled.clone();
    let policy = ConsumerConfig {
        max_attempts: 1,
        retry_backoff: Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(10),
        },
        ..ConsumerConfig::default()
    };
    let task = tokio::spawn(consumer.serve(policy, move |message: &Message| {
        let outcome = if refuse.load(Ordering::SeqCst) {
            Err(HandlerError::Undeliverable(format!(
                "refused {}",
                String::from_utf8_lossy(&message.payload)
            )))
        } else {
            seen.lock().unwrap().push(message.clone());
            Ok(())
        };
        std::future::ready(outcome)
    }));
    (handled, task)
}

async fn payloads(letters: &DeadLetters, address: &str) -> Vec<String> {
    let listed = letters.list(address, 100).await.unwrap();
    listed
        .iter()
        .map(|l| String::from_utf8(l.message.payload.to_vec()).unwrap())
        .collect()
}

async fn until_listed(letters: &DeadLetters, address: &str, n: usize) {
    within("the dead letters", async {
        while payloads(letters, address).await.len() < n {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
}

async fn list_find_and_replay(kind: Kind, channel: Channel) {
    let Some(url) = brokers::shared(kind) else {
        return;
    };
    let broker = Broker::connect_with(&url, config()).await.unwrap();
    let refuse = Arc::new(AtomicBool::new(true));
    let (handled, _task) = consumer(&broker, &channel, "test.Group", refuse.clone()).await;
    let sent: Vec<Message> = ["a", "b", "c"]
        .into_iter()
        // One key: handled, so dead-lettered, in order.
        .map(|p| {
            Message::new("test.Event", p)
                .with_key("order-1")
                .with_header("tenant", "acme")
        })
        .collect();
    for message in &sent {
        broker.publish(&channel, message.clone()).await.unwrap();
    }
    let letters = DeadLetters::connect(&url, config()).await.unwrap();
    let address = &*channel.address;
    until_listed(&letters, address, 3).await;

    // Listing reads without taking: twelve times, more than the delivery limit (10).
    for _ in 0..12 {
        assert_eq!(payloads(&letters, address).await, ["a", "b", "c"]);
    }
    let listed = letters.list(&format!("{address}.dlq"), 2).await.unwrap();
    assert_eq!(listed.len(), 2, "the limit holds");
    assert_eq!(listed[0].error(), Some("refused a"));
    assert_eq!(listed[0].attempts(), Some(0));
    assert_eq!(listed[0].message.message_id, sent[0].message_id);
    assert!(listed[0].position < listed[1].position);

    let b = letters.find(address, &sent[1].message_id).await.unwrap();
    assert_eq!(b.unwrap().message.header("tenant"), Some("acme"));
    assert_eq!(letters.find(address, "no-such-id").await.unwrap(), None);

    // Replayed, b reaches the consumer again: same id, without the dead letter's headers.
    refuse.store(false, Ordering::SeqCst);
    let picked = Pick::Id(sent[1].message_id.clone());
    let replayed = letters.replay(address, &picked).await.unwrap();
    assert_eq!(replayed, [sent[1].message_id.clone()]);
    within("the replayed message", async {
        while handled.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let again = handled.lock().unwrap()[0].clone();
    assert_eq!(again.message_id, sent[1].message_id);
    assert_eq!(again.payload, sent[1].payload);
    assert_eq!(again.header("tenant"), Some("acme"));
    assert_eq!(again.header(header::ERROR), None);
    assert_eq!(again.header(header::ATTEMPTS), None);
    assert_eq!(
        payloads(&letters, address).await,
        ["a", "c"],
        "b left, order kept"
    );

    let all = letters.replay(address, &Pick::All).await.unwrap();
    assert_eq!(
        all,
        [sent[0].message_id.clone(), sent[2].message_id.clone()]
    );
    within("every replayed message", async {
        while handled.lock().unwrap().len() < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(payloads(&letters, address).await.is_empty());
}

#[cfg(feature = "nats")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_commands() {
    list_find_and_replay(Kind::Nats, Channel::point_to_point(unique("dlq.commands"))).await;
}

#[cfg(feature = "nats")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_events() {
    list_find_and_replay(Kind::Nats, Channel::publish_subscribe(unique("dlq.events"))).await;
}

#[cfg(feature = "amqp")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_commands() {
    list_find_and_replay(
        Kind::Rabbit,
        Channel::point_to_point(unique("dlq.commands")),
    )
    .await;
}

#[cfg(feature = "amqp")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_events() {
    list_find_and_replay(
        Kind::Rabbit,
        Channel::publish_subscribe(unique("dlq.events")),
    )
    .await;
}

/// A channel nothing was ever dead-lettered on has no dead letters; a replay to a channel the
/// broker does not know is refused, not sent into the void.
#[cfg(feature = "nats")]
#[tokio::test]
async fn nothing_to_list_and_nowhere_to_replay() {
    for kind in [Kind::Nats, Kind::Rabbit] {
        if cfg!(not(feature = "amqp")) && kind == Kind::Rabbit {
            continue;
        }
        let Some(url) = brokers::shared(kind) else {
            continue;
        };
        let letters = DeadLetters::connect(&url, config()).await.unwrap();
        let address = unique("dlq.nothing");
        assert!(letters.list(&address, 10).await.unwrap().is_empty());
        let refused = letters.replay(&address, &Pick::All).await.unwrap_err();
        assert!(
            refused.to_string().contains("nothing would receive"),
            "{refused}"
        );
        assert!(letters.list("a..b", 10).await.is_err());
    }
}
