//! `accord dlq` against a real `nats-server -js` and a real `rabbitmq-server` (started by this
//! test binary, from PATH; `SKIPPED` without them unless `CI` is set): dead letters listed as
//! text and JSON, one shown, one replayed to a consumer of its channel, and the errors a user
//! can make.

#[path = "../../runtime/tests/brokers/mod.rs"]
mod brokers;

use accord::messaging::{Broker, BrokerConfig, Channel, Message, header};
use brokers::Kind;
use std::process::{Command, Output};
use std::time::Duration;

fn accord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .expect("runs accord")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn unique(name: &str) -> String {
    let id = accord::__private::uuid::Uuid::new_v4().simple().to_string();
    format!("test.{name}.{}", &id[..12])
}

async fn list_show_replay(kind: Kind) {
    let Some(url) = brokers::shared(kind) else {
        return;
    };
    let config = BrokerConfig {
        operation_timeout: Duration::from_secs(5),
        ..BrokerConfig::default()
    };
    let broker = Broker::connect_with(&url, config).await.unwrap();
    let address = unique("cli.commands");
    let channel = Channel::point_to_point(address.clone());
    // Subscribing makes the channel and its dead letters, as a service does.
    let mut consumer = broker.subscribe(&channel, "test.Group").await.unwrap();
    let letters: Vec<Message> = ["first", "second\u{1b}[31m"]
        .into_iter()
        .map(|p| {
            Message::new("test.CreateTicket", p)
                .with_header(header::ERROR, "oven cold")
                .with_header(header::ATTEMPTS, "5")
        })
        .collect();
    for letter in &letters {
        broker
            .publish(&channel.dead_letters(), letter.clone())
            .await
            .unwrap();
    }

    let listed = accord(&["dlq", "list", &address, "--broker", &url]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let out = text(&listed.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains(&letters[0].message_id), "{out}");
    assert!(
        lines[0].contains("test.CreateTicket  attempts=5  error=oven cold"),
        "{out}"
    );
    assert!(lines[1].contains(&letters[1].message_id), "{out}");

    let json = accord(&[
        "dlq",
        "list",
        &format!("{address}.dlq"),
        "--broker",
        &url,
        "--format",
        "json",
    ]);
    assert!(json.status.success(), "{}", text(&json.stderr));
    let all: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    // Listing took every letter and put it back at the tail: still two, in the same order.
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all:#}");
    assert_eq!(all[1]["payload"], "second\u{1b}[31m");
    assert_eq!(all[0]["attempts"], 5);
    assert_eq!(all[0]["headers"]["error"], "oven cold");

    let shown = accord(&[
        "dlq",
        "show",
        &address,
        &letters[1].message_id,
        "--broker",
        &url,
    ]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let out = text(&shown.stdout);
    assert!(out.contains("error: oven cold"), "{out}");
    assert!(
        out.contains("second\\u{1b}[31m"),
        "escaped for the terminal: {out}"
    );
    assert!(!out.contains('\u{1b}'), "{out}");

    let missing = accord(&["dlq", "show", &address, "no-such-id", "--broker", &url]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no dead letter `no-such-id`"));

    let replayed = accord(&[
        "dlq",
        "replay",
        &address,
        &letters[0].message_id,
        "--broker",
        &url,
    ]);
    assert!(replayed.status.success(), "{}", text(&replayed.stderr));
    assert_eq!(
        text(&replayed.stdout).trim(),
        format!("replayed {}", letters[0].message_id)
    );
    let delivery = tokio::time::timeout(Duration::from_secs(30), consumer.next())
        .await
        .expect("the replay within 30 s")
        .expect("a delivery");
    assert_eq!(delivery.message().message_id, letters[0].message_id);
    assert_eq!(delivery.message().header(header::ERROR), None);
    delivery.ack().await.unwrap();

    let left = accord(&["dlq", "list", &address, "--broker", &url]);
    let out = text(&left.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(&letters[1].message_id));
    let rest = accord(&["dlq", "replay", &address, "--all", "--broker", &url]);
    assert!(rest.status.success(), "{}", text(&rest.stderr));
    let empty = accord(&["dlq", "list", &address, "--broker", &url]);
    assert_eq!(text(&empty.stdout), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_nats() {
    list_show_replay(Kind::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_rabbitmq() {
    list_show_replay(Kind::Rabbit).await;
}

#[test]
fn usage_errors_are_plain() {
    let replay = accord(&["dlq", "replay", "a.b", "--broker", "nats://127.0.0.1:1"]);
    assert_eq!(replay.status.code(), Some(2), "neither an id nor --all");
    let memory = accord(&["dlq", "list", "a.b", "--broker", "memory:"]);
    assert_eq!(memory.status.code(), Some(2));
    assert!(text(&memory.stderr).contains("cannot be read from outside its process"));
    let unreachable = accord(&[
        "dlq",
        "list",
        "a.b",
        "--broker",
        "nats://127.0.0.1:1",
        "--timeout",
        "2",
    ]);
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(
        text(&unreachable.stderr).starts_with("error: broker unavailable"),
        "{}",
        text(&unreachable.stderr)
    );
}
