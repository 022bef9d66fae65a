//! The real `ftgo-kitchen-service` binary on a real `nats-server -js` and a real
//! `rabbitmq-server`, sent `create_ticket` requests with hostile `reply_to`s (`docs/wire.md`,
//! "Reply addresses"; on NATS by a plain NATS client): no ticket is created for any of them,
//! each is dead-lettered exactly once with its reason, nothing stays unacknowledged (the
//! kitchen's JetStream consumer; its RabbitMQ queue), no reply reaches other services'
//! channels, the service's connection stays up, and it answers a legitimate request
//! afterwards. Its `/metrics` (served with `--listen`) counts each dead letter as
//! `accord_dead_letters_total{reason="undeliverable"}` of the command channel.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;

use accord::messaging::{Broker, Channel, Message, header};
use ftgo_api::api::ftgo::kitchen::KITCHEN_COMMANDS;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The hostile `reply_to`s and what each dead letter's `error` says. AMQP carries `reply_to`
/// as a short string (255 bytes at most): the 5 KiB one cannot travel there.
fn hostile(kind: brokers::Kind) -> Vec<(String, &'static str)> {
    let mut cases = vec![
        (String::new(), "is empty"),
        ("_INBOX.a b".into(), "contains the character ' '"),
        ("_INBOX.*".into(), "contains the wildcard `*`"),
        (
            "ftgo.accounting.commands".into(),
            "is the contract channel `ftgo.accounting.commands`",
        ),
        (
            "ftgo.order.events".into(),
            "is the contract channel `ftgo.order.events`",
        ),
        ("$JS.API.STREAM.LIST".into(), "is a broker system subject"),
        ("amq.direct".into(), "is a name the broker reserves"),
    ];
    if kind == brokers::Kind::Nats {
        cases.push(("x".repeat(5 * 1024), "is 5120 bytes long"));
    }
    cases
}

/// The service, killed when the test ends, and the lines it has printed so far.
struct Service {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Service {
    fn start(url: &str) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ftgo-kitchen-service"))
            .args(["--broker", url, "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the kitchen starts");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap().push(line);
            }
        });
        let service = Service { child, lines };
        service.wait_for("ready", 1);
        service
    }

    /// The base URL of its REST server, from its ready line.
    fn base_url(&self) -> String {
        let lines = self.lines.lock().unwrap();
        let ready = lines.iter().find(|l| l.contains("listening on ")).unwrap();
        ready
            .rsplit("listening on ")
            .next()
            .unwrap()
            .trim()
            .to_owned()
    }

    fn count(&self, needle: &str) -> usize {
        let lines = self.lines.lock().unwrap();
        lines.iter().filter(|l| l.contains(needle)).count()
    }

    fn wait_for(&self, needle: &str, n: usize) {
        let started = Instant::now();
        while self.count(needle) < n {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no {n} lines with {needle:?}: {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reply_to_over_nats() {
    hostile_reply_to(brokers::Kind::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reply_to_over_rabbitmq() {
    hostile_reply_to(brokers::Kind::Rabbit).await;
}

async fn hostile_reply_to(kind: brokers::Kind) {
    let Some(server) = brokers::shared_server(kind) else {
        return;
    };
    let url = server.url();
    let service = Service::start(&url);
    let broker = Broker::connect(&url).await.unwrap();
    let commands = KITCHEN_COMMANDS.channel();
    let mut letters = broker
        .subscribe(&commands.dead_letters(), "test")
        .await
        .unwrap();
    let mut spies = vec![
        broker
            .subscribe(&Channel::point_to_point("ftgo.accounting.commands"), "spy")
            .await
            .unwrap(),
        broker
            .subscribe(&Channel::publish_subscribe("ftgo.order.events"), "spy")
            .await
            .unwrap(),
    ];
    let client = Client::connect(kind, &url).await;
    let before = open_connections(server);

    // The hostile client: valid `CreateTicket`s.
    let mut expected = BTreeMap::new();
    for (i, (reply_to, why)) in hostile(kind).into_iter().enumerate() {
        let body = format!(
            r#"{{"order_id":{},"line_items":[{{"menu_item_id":"pad-thai","quantity":1}}]}}"#,
            2000 + i
        );
        let request = Message::new("ftgo.kitchen.CreateTicket", body).with_reply_to(reply_to);
        expected.insert(request.message_id.clone(), why);
        client.send(&broker, request).await;
    }
    client.flush().await;
    let sent = Instant::now();

    // Nothing unacknowledged or pending for the kitchen within 10 s.
    let mut counts = None;
    while sent.elapsed() < Duration::from_secs(10) {
        counts = Some(client.held(server, expected.len()).await);
        if counts == Some(Held::Nothing) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counts, Some(Held::Nothing), "after {:?}", sent.elapsed());
    let acknowledged = sent.elapsed();

    // One dead letter each, with its reason; then no more.
    let mut seen = BTreeSet::new();
    let deadline = Duration::from_secs(30);
    while seen.len() < expected.len() {
        let letter = tokio::time::timeout(deadline, letters.next())
            .await
            .expect("a dead letter per hostile request")
            .unwrap();
        let m = letter.message().clone();
        letter.ack().await.unwrap();
        let why = expected[&m.message_id];
        let error = m.header(header::ERROR).unwrap();
        assert!(error.contains(why), "{error:?} should say {why:?}");
        assert_eq!(m.header(header::ATTEMPTS), Some("0"));
        assert!(seen.insert(m.message_id), "dead-lettered twice");
    }
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_secs(1), letters.next()).await {
        panic!("an extra dead letter: {:?}", extra.message());
    }
    assert_eq!(
        dead_letters_counted(&service.base_url()).await,
        expected.len() as f64,
        "accord_dead_letters_total on /metrics"
    );

    // Still serving: a legitimate request is answered.
    let mut inbox = broker.reply_inbox().await.unwrap();
    let body = r#"{"order_id":7,"line_items":[{"menu_item_id":"pad-thai","quantity":1}]}"#;
    let request = Message::new("ftgo.kitchen.CreateTicket", body).with_reply_to(inbox.address());
    broker.publish(&commands, request.clone()).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(30), inbox.next())
        .await
        .expect("the legitimate reply")
        .unwrap();
    assert_eq!(reply.message_type, "ftgo.kitchen.TicketCreated");
    assert_eq!(reply.correlation_id.as_deref(), Some(&*request.message_id));
    service.wait_for("created for order 7", 1);
    assert_eq!(
        service.count("created for order"),
        1,
        "no hostile request ran"
    );

    // No reply anywhere on the other services' channels.
    for spy in &mut spies {
        if let Ok(Some(stray)) = tokio::time::timeout(Duration::from_millis(500), spy.next()).await
        {
            panic!(
                "a message on {}: {:?}",
                spy.channel().address,
                stray.message()
            );
        }
    }
    // The kitchen's connection (and every other one open before) is open still.
    let now = open_connections(server);
    assert!(before.is_subset(&now), "before {before:?}, now {now:?}");
    eprintln!(
        "ftgo-kitchen-service on {kind:?}: {} hostile requests, 0 tickets, 0 replies, 0 ack \
         pending/pending/redelivered after {acknowledged:?}, connections kept, still serving",
        expected.len()
    );
}

/// `accord_dead_letters_total` of the kitchen's command channel with reason `undeliverable`,
/// read from the service's `/metrics` with an OpenMetrics parser (a counter's family is named
/// without `_total`).
async fn dead_letters_counted(base: &str) -> f64 {
    let scraped = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert!(scraped.status().is_success());
    let text = scraped.text().await.unwrap();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).expect("parses");
    let Some(family) = exposition.families.get("accord_dead_letters") else {
        panic!("no accord_dead_letters_total in {text}");
    };
    family
        .iter_samples()
        .filter(|sample| {
            let labels = sample.get_labelset().unwrap();
            labels.get_label_value("messaging_destination_name") == Some("ftgo.kitchen.commands")
                && labels.get_label_value("reason") == Some("undeliverable")
        })
        .map(|sample| match &sample.value {
            openmetrics_parser::OpenMetricsValue::Counter(c) => c.value.as_f64(),
            other => panic!("{other:?}"),
        })
        .sum()
}

/// The hostile client: a plain NATS client, or on RabbitMQ the runtime's (the same AMQP
/// properties any client sends).
enum Client {
    Nats(async_nats::Client),
    Rabbit,
}

/// What the broker still holds for the kitchen.
#[derive(Debug, PartialEq, Eq)]
enum Held {
    Nothing,
    /// JetStream: acknowledgements pending, messages pending, redelivered.
    Nats(usize, u64, usize),
    /// RabbitMQ: the command queue's line of `rabbitmqctl list_queues`.
    Rabbit(String),
}

impl Client {
    async fn connect(kind: brokers::Kind, url: &str) -> Client {
        match kind {
            brokers::Kind::Nats => {
                let client = async_nats::connect(url).await.unwrap();
                client.flush().await.unwrap();
                Client::Nats(client)
            }
            brokers::Kind::Rabbit => Client::Rabbit,
        }
    }

    async fn send(&self, broker: &Broker, request: Message) {
        match self {
            Client::Nats(client) => {
                let mut headers = async_nats::HeaderMap::new();
                for (name, value) in request.header_pairs() {
                    headers.insert(name, value);
                }
                client
                    .publish_with_headers("ftgo.kitchen.commands", headers, request.payload)
                    .await
                    .unwrap();
            }
            Client::Rabbit => broker
                .publish(&KITCHEN_COMMANDS.channel(), request)
                .await
                .unwrap(),
        }
    }

    async fn flush(&self) {
        if let Client::Nats(client) = self {
            client.flush().await.unwrap();
        }
    }

    /// What the broker holds for the kitchen once it has seen `sent` requests.
    async fn held(&self, server: &brokers::Server, sent: usize) -> Held {
        match self {
            Client::Nats(client) => {
                let jetstream = async_nats::jetstream::new(client.clone());
                let stream = jetstream.get_stream("ftgo_kitchen_commands").await.unwrap();
                let info = stream.consumer_info("ftgo_kitchen_commands").await.unwrap();
                let counts = (info.num_ack_pending, info.num_pending, info.num_redelivered);
                if counts == (0, 0, 0) && info.delivered.stream_sequence >= sent as u64 {
                    Held::Nothing
                } else {
                    Held::Nats(counts.0, counts.1, counts.2)
                }
            }
            Client::Rabbit => {
                let columns = [
                    "list_queues",
                    "name",
                    "messages_ready",
                    "messages_unacknowledged",
                ];
                let queues = server.rabbitmqctl(&columns).expect("rabbitmqctl");
                let line = queues
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some("ftgo.kitchen.commands"))
                    .unwrap_or_default();
                if line.split_whitespace().skip(1).eq(["0", "0"]) {
                    Held::Nothing
                } else {
                    Held::Rabbit(line.to_owned())
                }
            }
        }
    }
}

/// The broker's open client connections: NATS connection ids (`cid`, from the monitoring
/// port), RabbitMQ connection pids.
fn open_connections(server: &brokers::Server) -> BTreeSet<String> {
    if !server.url().starts_with("nats:") {
        let pids = server.rabbitmqctl(&["list_connections", "pid"]);
        return pids
            .expect("rabbitmqctl")
            .lines()
            .map(str::to_owned)
            .collect();
    }
    use std::io::{Read as _, Write as _};
    let url = format!("{}/connz", server.monitor_url());
    let host = url
        .strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET /connz HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    let connz: serde_json::Value = serde_json::from_str(body).unwrap();
    connz["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cid"].to_string())
        .collect()
}
