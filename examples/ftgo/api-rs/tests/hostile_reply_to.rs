//! Requests whose `reply_to` no reply may go to, sent to the generated kitchen responder as a
//! hostile client would, on the embedded broker and on real NATS and RabbitMQ servers this
//! binary starts (`docs/wire.md`, "Reply addresses"): an empty one, one of 5 KiB, one with a
//! space, wildcards, other services' channels (`ftgo.accounting.commands`,
//! `ftgo.order.events`), the kitchen's own, its dead letters, `$JS.API.STREAM.LIST`, `amq.…`.
//!
//! Each must be dead-lettered exactly once with its reason and acknowledged, without the handler
//! running and without any reply anywhere; the broker connection stays up and the responder
//! answers a legitimate request afterwards. On NATS: JetStream's consumer holds nothing
//! unacknowledged or pending within 10 s, and the server closed no connection; on RabbitMQ:
//! the command queue holds no message, ready or unacknowledged, within 10 s, and the
//! connections are the same before and after.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;

use accord::messaging::{Broker, BrokerConfig, Channel, Consumer, Message, ServeConfig, header};
use accord::{CallError, ProxyConfig, Request};
use ftgo_api::api::ftgo::kitchen::kitchen_service::CreateTicketError;
use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use ftgo_api::api::ftgo::kitchen::{CancelTicket, CreateTicket, KitchenService, TicketCreated};
use ftgo_api::api::ftgo::order::LineItem;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Records every ticket it creates: a hostile request must create none.
#[derive(Default)]
struct CountingKitchen(Mutex<Vec<i64>>);

impl KitchenService for CountingKitchen {
    async fn create_ticket(
        &self,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CreateTicketError> {
        let order_id = request.input.order_id;
        self.0.lock().unwrap().push(order_id);
        Ok(TicketCreated {
            ticket_id: order_id,
        })
    }

    async fn cancel_ticket(&self, _: Request<CancelTicket>) -> Result<(), CallError> {
        Ok(())
    }

    /// Not served here (the kitchen binary serves it over REST).
    async fn list_tickets(
        &self,
        _: Request<ftgo_api::api::ftgo::kitchen::ListTicketsRequest>,
    ) -> Result<ftgo_api::api::ftgo::kitchen::TicketList, CallError> {
        Ok(ftgo_api::api::ftgo::kitchen::TicketList {
            tickets: Vec::new(),
        })
    }

    async fn cancel_order_tickets(
        &self,
        _: Request<ftgo_api::api::ftgo::kitchen::CancelOrderTickets>,
    ) -> Result<(), CallError> {
        Ok(())
    }
}

/// Every hostile `reply_to`, with what its dead letter's `error` must say. AMQP carries
/// `reply_to` as a short string (255 bytes at most), so the 5 KiB one cannot travel there.
fn hostile(amqp: bool) -> Vec<(String, &'static str)> {
    let mut cases = vec![
        (String::new(), "is empty"),
        ("_INBOX.a b".into(), "contains the character ' '"),
        ("_INBOX.*".into(), "contains the wildcard `*`"),
        ("_INBOX.>".into(), "contains the wildcard `>`"),
        ("orders.#".into(), "contains the wildcard `#`"),
        (
            "ftgo.accounting.commands".into(),
            "is the contract channel `ftgo.accounting.commands`",
        ),
        (
            "ftgo.order.events".into(),
            "is the contract channel `ftgo.order.events`",
        ),
        (
            "ftgo.order.events.spy".into(),
            "is the contract channel `ftgo.order.events`",
        ),
        (
            "ftgo.kitchen.commands".into(),
            "is the contract channel `ftgo.kitchen.commands`",
        ),
        (
            "ftgo.kitchen.commands.dlq".into(),
            "is the contract channel `ftgo.kitchen.commands`",
        ),
        ("$JS.API.STREAM.LIST".into(), "is a broker system subject"),
        ("$SYS.REQ.SERVER.PING".into(), "is a broker system subject"),
        ("amq.direct".into(), "is a name the broker reserves"),
        ("amq.rabbitmq.trace".into(), "is a name the broker reserves"),
    ];
    if !amqp {
        cases.push(("x".repeat(5 * 1024), "is 5120 bytes long, more than 255"));
    }
    cases
}

fn order(order_id: i64) -> CreateTicket {
    CreateTicket {
        order_id,
        line_items: vec![LineItem {
            menu_item_id: "pad-thai".into(),
            quantity: 1,
        }],
    }
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// The hostile requests as `(message_id, expected reason)`, each a valid `CreateTicket` (order
/// 1000 + i) with its `reply_to`.
fn requests(amqp: bool) -> Vec<(Message, &'static str)> {
    hostile(amqp)
        .into_iter()
        .enumerate()
        .map(|(i, (to, why))| {
            let body = serde_json::to_vec(&order(1000 + i as i64)).unwrap();
            let request = Message::new("ftgo.kitchen.CreateTicket", body).with_reply_to(to);
            (request, why)
        })
        .collect()
}

/// What the scenario leaves for the broker-specific checks.
struct Run {
    kitchen: Arc<CountingKitchen>,
    _serving: accord::messaging::Serving,
    spies: Vec<Consumer>,
    letters: Consumer,
    ids: Vec<String>,
}

/// Serves the generated kitchen responder, subscribes spies to other services' channels (a
/// reply steered there would reach them) and to the dead letters, then sends every hostile
/// request with `send`.
async fn send_hostile<F, Fut>(broker: &Broker, amqp: bool, send: F) -> Run
where
    F: Fn(Message) -> Fut,
    Fut: Future<Output = ()>,
{
    let commands = kitchen::channels::KITCHEN_COMMANDS.channel();
    let letters = broker
        .subscribe(&commands.dead_letters(), "test")
        .await
        .unwrap();
    let spies = vec![
        broker
            .subscribe(&Channel::point_to_point("ftgo.accounting.commands"), "spy")
            .await
            .unwrap(),
        broker
            .subscribe(&Channel::publish_subscribe("ftgo.order.events"), "spy")
            .await
            .unwrap(),
    ];
    let service = Arc::new(CountingKitchen::default());
    let serving = kitchen::responder(service.clone())
        .serve(broker, ServeConfig::default())
        .await
        .expect("serves");
    let mut ids = Vec::new();
    for (request, _) in requests(amqp) {
        ids.push(request.message_id.clone());
        send(request).await;
    }
    Run {
        kitchen: service,
        _serving: serving,
        spies,
        letters,
        ids,
    }
}

/// Exactly one dead letter per hostile request, with its reason and `attempts` 0; no reply on
/// the spied channels; the handler never ran; a legitimate request is answered afterwards.
async fn check_refused_and_still_serving(broker: &Broker, run: &mut Run, amqp: bool) {
    let expected: BTreeMap<String, &str> = requests(amqp)
        .into_iter()
        .zip(&run.ids)
        .map(|((_, why), id)| (id.clone(), why))
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    within("a dead letter per hostile request", async {
        while seen.len() < expected.len() {
            let letter = run.letters.next().await.expect("dead letters open");
            let m = letter.message().clone();
            letter.ack().await.unwrap();
            let Some(why) = expected.get(&m.message_id) else {
                continue;
            };
            let error = m.header(header::ERROR).unwrap_or_default();
            assert!(error.starts_with("reply_to "), "{error}");
            assert!(error.contains(why), "{error:?} should say {why:?}");
            assert!(error.len() <= 1024, "the reason is bounded");
            assert_eq!(m.header(header::ATTEMPTS), Some("0"));
            *seen.entry(m.message_id).or_default() += 1;
        }
    })
    .await;
    // Exactly once: nothing more arrives.
    let extra = tokio::time::timeout(Duration::from_secs(1), run.letters.next()).await;
    if let Ok(Some(letter)) = extra {
        panic!("a second dead letter: {:?}", letter.message());
    }
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    // A legitimate request on the same responder and connection.
    let proxy = kitchen::Proxy::new(broker, ProxyConfig::default())
        .await
        .unwrap();
    let created = within("the legitimate reply", proxy.create_ticket(order(7).into()))
        .await
        .expect("answered");
    assert_eq!(created.ticket_id, 7);
    assert_eq!(
        *run.kitchen.0.lock().unwrap(),
        [7],
        "no hostile request ran"
    );
    for spy in &mut run.spies {
        let got = tokio::time::timeout(Duration::from_millis(500), spy.next()).await;
        if let Ok(Some(stray)) = got {
            panic!(
                "a message reached {}: {:?}",
                spy.channel().address,
                stray.message()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reply_to_on_the_embedded_broker() {
    let broker = Broker::memory(BrokerConfig::default());
    let commands = kitchen::channels::KITCHEN_COMMANDS.channel();
    let publisher = broker.clone();
    let mut run = send_hostile(&broker, false, |request| {
        let (publisher, commands) = (publisher.clone(), commands.clone());
        async move { publisher.publish(&commands, request).await.unwrap() }
    })
    .await;
    check_refused_and_still_serving(&broker, &mut run, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reply_to_over_nats() {
    let Some(server) = brokers::shared_server(brokers::Kind::Nats) else {
        return;
    };
    let broker = Broker::connect(&server.url()).await.unwrap();
    // The hostile client: plain core publishes with headers, as any NATS client sends them.
    let client = async_nats::connect(server.url()).await.unwrap();
    // Everything published on the server's subjects, to find any reply to a hostile request.
    let mut everything = client.subscribe(">").await.unwrap();
    client.flush().await.unwrap();
    let connections = open_connections(server);
    assert!(connections.len() >= 2, "{connections:?}");
    let hostile_client = client.clone();
    let mut run = send_hostile(&broker, false, |request| {
        let client = hostile_client.clone();
        async move {
            let mut headers = async_nats::HeaderMap::new();
            for (name, value) in request.header_pairs() {
                headers.insert(name, value);
            }
            client
                .publish_with_headers("ftgo.kitchen.commands", headers, request.payload)
                .await
                .unwrap();
        }
    })
    .await;
    client.flush().await.unwrap();
    let sent = Instant::now();

    // Nothing left unacknowledged or pending on the responder's JetStream consumer.
    let jetstream = async_nats::jetstream::new(client.clone());
    let stream = jetstream.get_stream("ftgo_kitchen_commands").await.unwrap();
    let mut last = None;
    while sent.elapsed() < Duration::from_secs(10) {
        let info = stream.consumer_info("ftgo_kitchen_commands").await.unwrap();
        let counts = (info.num_ack_pending, info.num_pending, info.num_redelivered);
        last = Some(counts);
        if counts == (0, 0, 0) && info.delivered.stream_sequence > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        last,
        Some((0, 0, 0)),
        "ack pending, pending, redelivered after {:?}",
        sent.elapsed()
    );
    let acknowledged = sent.elapsed();
    check_refused_and_still_serving(&broker, &mut run, false).await;

    // No message anywhere answers a hostile request.
    let mut seen = 0;
    while let Ok(Some(m)) = tokio::time::timeout(
        Duration::from_millis(500),
        futures::StreamExt::next(&mut everything),
    )
    .await
    {
        seen += 1;
        let correlation = m.headers.as_ref().and_then(|h| h.get("correlation_id"));
        if let Some(id) = correlation {
            assert!(
                !run.ids.iter().any(|hostile| hostile == id.as_str()),
                "a reply to a hostile request on {}",
                m.subject
            );
        }
    }
    assert!(seen > 0, "the catch-all subscription saw the traffic");
    eprintln!(
        "nats: {} hostile requests, 0 replies, 0 ack pending/pending/redelivered after {acknowledged:?}, connections kept",
        run.ids.len()
    );

    // The connections open before (the responder's, the hostile client's) are open still, and
    // no connection that carried a message was closed (the test helper's readiness probe
    // connects and leaves without a word).
    let now = open_connections(server);
    assert!(
        connections.is_subset(&now),
        "before {connections:?}, now {now:?}"
    );
    let closed = http_json(&format!("{}/connz?state=closed", server.monitor_url()));
    for connection in closed["connections"].as_array().unwrap() {
        assert_eq!(connection["in_msgs"], 0, "closed: {connection}");
        assert_eq!(connection["out_msgs"], 0, "closed: {connection}");
    }
}

/// The ids (`cid`) of the NATS server's open client connections.
fn open_connections(server: &brokers::Server) -> std::collections::BTreeSet<u64> {
    let open = http_json(&format!("{}/connz", server.monitor_url()));
    let connections = open["connections"].as_array().unwrap();
    connections
        .iter()
        .map(|c| c["cid"].as_u64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reply_to_over_rabbitmq() {
    let Some(server) = brokers::shared_server(brokers::Kind::Rabbit) else {
        return;
    };
    let broker = Broker::connect(&server.url()).await.unwrap();
    let commands = kitchen::channels::KITCHEN_COMMANDS.channel();
    let publisher = broker.clone();
    let mut run = send_hostile(&broker, true, |request| {
        let (publisher, commands) = (publisher.clone(), commands.clone());
        async move { publisher.publish(&commands, request).await.unwrap() }
    })
    .await;
    let sent = Instant::now();
    let Some(before) = server.rabbitmqctl(&["list_connections", "pid"]) else {
        eprintln!("SKIPPED: rabbitmqctl is not installed");
        return;
    };
    // Nothing left in the command queue, ready or unacknowledged.
    let mut last = String::new();
    while sent.elapsed() < Duration::from_secs(10) {
        let queues = server
            .rabbitmqctl(&[
                "list_queues",
                "name",
                "messages_ready",
                "messages_unacknowledged",
            ])
            .unwrap();
        last = queues
            .lines()
            .find(|l| l.split_whitespace().next() == Some("ftgo.kitchen.commands"))
            .unwrap_or_default()
            .to_owned();
        if last.split_whitespace().skip(1).eq(["0", "0"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        last.split_whitespace().collect::<Vec<_>>(),
        ["ftgo.kitchen.commands", "0", "0"],
        "ready and unacknowledged after {:?}",
        sent.elapsed()
    );
    let acknowledged = sent.elapsed();
    check_refused_and_still_serving(&broker, &mut run, true).await;
    eprintln!(
        "rabbitmq: {} hostile requests, 0 replies, 0 ready/unacknowledged after {acknowledged:?}",
        run.ids.len()
    );
    let after = server.rabbitmqctl(&["list_connections", "pid"]).unwrap();
    let pids =
        |s: &str| -> std::collections::BTreeSet<String> { s.lines().map(str::to_owned).collect() };
    assert!(
        pids(&before).is_subset(&pids(&after)),
        "a connection was dropped: before {before:?}, after {after:?}"
    );
}

/// GETs `url` (the NATS monitoring endpoint) and reads its JSON body.
fn http_json(url: &str) -> serde_json::Value {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

/// A reply that cannot be sent (here: the caller's inbox is full and stays full past the
/// broker's operation timeout) dead-letters its request once, with the reason; the handler is
/// not run again for it (it had done its work).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_cannot_be_sent_dead_letters_its_request_once() {
    let broker = Broker::memory(BrokerConfig {
        buffer: 1,
        operation_timeout: Duration::from_millis(200),
        ..BrokerConfig::default()
    });
    let (commands, mut letters, service, _serving) = kitchen_on(&broker).await;
    // An inbox nobody reads: the first reply fills it, the second cannot get in.
    let inbox = broker.reply_inbox().await.unwrap();
    let mut ids = Vec::new();
    for order_id in [1, 2] {
        let body = serde_json::to_vec(&order(order_id)).unwrap();
        let request =
            Message::new("ftgo.kitchen.CreateTicket", body).with_reply_to(inbox.address());
        ids.push(request.message_id.clone());
        broker.publish(&commands, request).await.unwrap();
    }
    let letter = within("the dead letter", run_next(&mut letters)).await;
    assert_eq!(letter.message_id, ids[1]);
    let error = letter.header(header::ERROR).unwrap();
    assert!(error.starts_with("reply not sent: "), "{error}");
    let extra = tokio::time::timeout(Duration::from_millis(500), letters.next()).await;
    assert!(extra.is_err(), "dead-lettered once");
    assert_eq!(*service.0.lock().unwrap(), [1, 2], "each handler ran once");
}

/// The generated kitchen responder served on `broker`, with its command channel and a
/// subscription to that channel's dead letters (made first, so none is missed).
async fn kitchen_on(
    broker: &Broker,
) -> (
    Channel,
    Consumer,
    Arc<CountingKitchen>,
    accord::messaging::Serving,
) {
    let commands = kitchen::channels::KITCHEN_COMMANDS.channel();
    let letters = broker
        .subscribe(&commands.dead_letters(), "test")
        .await
        .unwrap();
    let service = Arc::new(CountingKitchen::default());
    let serving = kitchen::responder(service.clone())
        .serve(broker, ServeConfig::default())
        .await
        .unwrap();
    (commands, letters, service, serving)
}

/// The next message of `consumer`, acknowledged.
async fn run_next(consumer: &mut Consumer) -> Message {
    let delivery = consumer.next().await.expect("subscription open");
    let message = delivery.message().clone();
    delivery.ack().await.unwrap();
    message
}

/// A request over the one message size of every transport (`accord::call::MAX_MESSAGE_BYTES`,
/// as a REST body or a gRPC message) is refused before it is decoded: a status reply, one dead
/// letter saying why, and the handler never runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_message_limit_is_refused_unrun() {
    let broker = Broker::memory(BrokerConfig::default());
    let (commands, mut letters, service, _serving) = kitchen_on(&broker).await;
    let mut inbox = broker.reply_inbox().await.unwrap();
    let mut big = order(1);
    big.line_items[0].menu_item_id = "x".repeat(accord::call::MAX_MESSAGE_BYTES);
    let body = serde_json::to_vec(&big).unwrap();
    let request = Message::new("ftgo.kitchen.CreateTicket", body).with_reply_to(inbox.address());
    let id = request.message_id.clone();
    broker.publish(&commands, request).await.unwrap();
    let letter = within("the dead letter", run_next(&mut letters)).await;
    assert_eq!(letter.message_id, id);
    let error = letter.header(header::ERROR).unwrap();
    assert!(error.contains("over the limit of 1048576 bytes"), "{error}");
    let reply = within("the status reply", inbox.next())
        .await
        .expect("a reply");
    assert!(
        String::from_utf8_lossy(&reply.payload).contains("over the limit"),
        "{:?}",
        reply.payload
    );
    assert!(
        service.0.lock().unwrap().is_empty(),
        "the handler never ran"
    );
}
