//! The messaging runtime on a store (`ServeConfig::store`): responders handle each message the
//! idempotent way, publishers write into the handler's transaction, and requests carry their
//! deadline. Every scenario runs on SQLite and on PostgreSQL (started by the test binary, as in
//! `tests/store.rs`), over the embedded broker: the behaviour under test is the runtime's, the
//! same on every broker.

mod store_support;

use accord::call::{Interaction, OperationInfo};
use accord::codec::Format;
use accord::messaging::{
    Backoff, Binding, Broker, BrokerConfig, Channel, ChannelInfo, ChannelKind, ConsumerConfig,
    Message, Publisher, Requester, Responder, ServeConfig, header,
};
use accord::metrics::Metrics;
use accord::store::{Store, Transaction, sqlx};
use accord::{CallError, ProxyConfig, Request, Validate};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store_support::until;

const LIMIT: Duration = Duration::from_secs(30);

macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let (store, _dir) = crate::store_support::sqlite().await;
                    tokio::time::timeout(crate::LIMIT, crate::$scenario(store)).await.expect("bounded");
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(store) = crate::store_support::postgres().await else { return };
                    tokio::time::timeout(crate::LIMIT, crate::$scenario(store)).await.expect("bounded");
                }
            )*
        }
    };
}

on_both!(
    a_redelivered_request_runs_once_and_gets_the_stored_reply,
    a_redelivered_event_runs_once,
    a_failed_run_rolls_back_its_writes_and_its_events,
    an_expired_request_is_dropped_unrun,
    a_proxy_request_carries_its_deadline_to_the_handler,
);

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct CreateTicket {
    order_id: i64,
}
impl Validate for CreateTicket {}
accord::__private::message!(CreateTicket = "test.CreateTicket" { order_id: i64 = 1 });

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TicketCreated {
    ticket_id: i64,
    order_id: i64,
}
impl Validate for TicketCreated {}
accord::__private::message!(TicketCreated = "test.TicketCreated" {
    ticket_id: i64 = 1,
    order_id: i64 = 2,
});

static CREATE_TICKET: OperationInfo = OperationInfo {
    service: "test.KitchenService",
    name: "create_ticket",
    interaction: Interaction::Unary,
    timeout: Some(Duration::from_secs(7)),
    idempotent: false,
    auth: accord::auth::Requirement::None,
};

/// A channel of its own per test (the embedded broker is per test too; the name says which).
fn channel(address: &str, kind: ChannelKind) -> &'static ChannelInfo {
    Box::leak(Box::new(ChannelInfo {
        name: "test.channel",
        address: Box::leak(format!("test.{address}").into_boxed_str()),
        kind,
        key: None,
        format: Format::Json,
    }))
}

fn binding(commands: &'static ChannelInfo) -> &'static Binding {
    Box::leak(Box::new(Binding {
        op: &CREATE_TICKET,
        channel: commands,
        input: "test.CreateTicket",
        output: Some("test.TicketCreated"),
        collect: None,
    }))
}

/// The kitchen: a handler that inserts a ticket in the responder's transaction, publishes
/// `TicketCreated` into its outbox, and fails its first `failures` runs after doing both.
struct Kitchen {
    runs: AtomicU32,
    failures: u32,
    events: &'static ChannelInfo,
    publisher: Publisher,
    /// The deadline each run saw in its context (time left, in whole seconds).
    deadline_seen: std::sync::Mutex<Option<Duration>>,
}

impl Kitchen {
    async fn create_ticket(
        self: Arc<Self>,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CallError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        *self.deadline_seen.lock().unwrap() = request.context.remaining();
        let tx = Transaction::of(&request.context).expect("served with a store");
        let order_id = request.input.order_id;
        let ticket_id = {
            let mut tx = tx.lock().await.map_err(store_error)?;
            sqlx::query("INSERT INTO tickets (order_id) VALUES ($1)")
                .bind(order_id)
                .execute(tx.conn())
                .await
                .map_err(|e| CallError::Internal(e.to_string()))?;
            let (id,): (i64,) = sqlx::query_as("SELECT MAX(ticket_id) FROM tickets")
                .fetch_one(tx.conn())
                .await
                .map_err(|e| CallError::Internal(e.to_string()))?;
            id
        };
        let created = TicketCreated {
            ticket_id,
            order_id,
        };
        self.publisher
            .within(tx)
            .publish(self.events, "test.TicketCreated", &created, None)
            .await?;
        if run <= self.failures {
            return Err(CallError::Internal("the oven is cold".into()));
        }
        Ok(created)
    }
}

fn store_error(e: accord::store::StoreError) -> CallError {
    CallError::Internal(e.to_string())
}

async fn create_tickets(store: &Store) {
    let ddl = match store.backend() {
        accord::store::Backend::Sqlite => {
            "CREATE TABLE tickets (ticket_id INTEGER PRIMARY KEY AUTOINCREMENT, order_id BIGINT NOT NULL)"
        }
        accord::store::Backend::Postgres => {
            "CREATE TABLE tickets (ticket_id BIGSERIAL PRIMARY KEY, order_id BIGINT NOT NULL)"
        }
    };
    sqlx::query(ddl).execute(store.pool()).await.unwrap();
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

fn fast_retries(store: Store) -> ServeConfig {
    ServeConfig {
        consumer: ConsumerConfig {
            max_attempts: 4,
            retry_backoff: Backoff {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(40),
            },
            ..ConsumerConfig::default()
        },
        ..ServeConfig::default()
    }
    .store(store)
}

/// A kitchen served on `broker` with `store`; its commands and events channels.
async fn serve_kitchen(
    broker: &Broker,
    store: &Store,
    failures: u32,
    metrics: Option<Metrics>,
) -> (Arc<Kitchen>, &'static Binding, accord::messaging::Serving) {
    create_tickets(store).await;
    let commands = channel("kitchen.commands", ChannelKind::PointToPoint);
    let events = channel("kitchen.events", ChannelKind::PublishSubscribe);
    let binding = binding(commands);
    let kitchen = Arc::new(Kitchen {
        runs: AtomicU32::new(0),
        failures,
        events,
        publisher: Publisher::new(broker.clone()),
        deadline_seen: Default::default(),
    });
    let mut config = fast_retries(store.clone());
    config.metrics = metrics;
    let serving = Responder::new("test.KitchenService")
        .unary(binding, &kitchen, Kitchen::create_ticket)
        .serve(broker, config)
        .await
        .unwrap();
    (kitchen, binding, serving)
}

/// Sends `request` (with `reply_to` = a fresh inbox) `times` times and returns the replies.
async fn send_times(broker: &Broker, request: &Message, times: usize) -> Vec<Message> {
    let mut inbox = broker.reply_inbox().await.unwrap();
    let mut replies = Vec::new();
    for _ in 0..times {
        let mut copy = request.clone();
        copy.reply_to = Some(inbox.address().to_owned());
        broker
            .publish(&Channel::point_to_point("test.kitchen.commands"), copy)
            .await
            .unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(10), inbox.next())
            .await
            .expect("a reply within 10 s")
            .expect("inbox open");
        replies.push(reply);
    }
    replies
}

fn request(order_id: i64) -> Message {
    Message::new(
        "test.CreateTicket",
        serde_json::to_vec(&CreateTicket { order_id }).unwrap(),
    )
}

async fn a_redelivered_request_runs_once_and_gets_the_stored_reply(store: Store) {
    let broker = Broker::memory(BrokerConfig::default());
    let metrics = Metrics::new();
    let (kitchen, _, _serving) = serve_kitchen(&broker, &store, 0, Some(metrics.clone())).await;
    let request = request(7);
    let replies = send_times(&broker, &request, 3).await;
    assert_eq!(
        kitchen.runs.load(Ordering::SeqCst),
        1,
        "the handler ran once"
    );
    assert_eq!(
        replies[1], replies[0],
        "the stored reply, message_id and all"
    );
    assert_eq!(replies[2], replies[0]);
    assert_eq!(replies[0].message_type, "test.TicketCreated");
    assert_eq!(
        replies[0].correlation_id.as_deref(),
        Some(&*request.message_id)
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM tickets").await, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM accord_outbox").await, 1);
    let text = metrics.encode();
    assert!(
        text.contains(r#"accord_messaging_dropped_messages_total{messaging_system="memory",messaging_destination_name="test.kitchen.commands",reason="duplicate"} 2"#),
        "{text}"
    );
    // Another request is another message: it runs.
    send_times(&broker, &self::request(8), 1).await;
    assert_eq!(kitchen.runs.load(Ordering::SeqCst), 2);
}

async fn a_redelivered_event_runs_once(store: Store) {
    let broker = Broker::memory(BrokerConfig::default());
    let events = channel("order.events", ChannelKind::PublishSubscribe);
    let runs = Arc::new(AtomicU32::new(0));
    let config = || ServeConfig::default().store(store.clone());
    let handler = |runs: Arc<AtomicU32>, _: Request<CreateTicket>| async move {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), CallError>(())
    };
    // Two groups: each handles the event once, whatever the duplicates.
    let _a = Responder::new("test.AccountingService")
        .event(events, "test.CreateTicket", &runs, handler)
        .serve(&broker, config())
        .await
        .unwrap();
    let _b = Responder::new("test.ConsumerService")
        .event(events, "test.CreateTicket", &runs, handler)
        .serve(&broker, config())
        .await
        .unwrap();
    let event = request(1);
    for _ in 0..3 {
        broker
            .publish(&events.channel(), event.clone())
            .await
            .unwrap();
    }
    until(LIMIT, "both groups' records", || {
        runs.load(Ordering::SeqCst) >= 2
    })
    .await;
    let recorded = "SELECT COUNT(*) FROM accord_processed_messages";
    let started = std::time::Instant::now();
    while count(&store, recorded).await < 2 {
        assert!(started.elapsed() < LIMIT);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The duplicates are consumed (acknowledged) without running anything.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(count(&store, recorded).await, 2);
}

async fn a_failed_run_rolls_back_its_writes_and_its_events(store: Store) {
    let broker = Broker::memory(BrokerConfig::default());
    let (kitchen, _, _serving) = serve_kitchen(&broker, &store, 2, None).await;
    let replies = send_times(&broker, &request(9), 1).await;
    assert_eq!(replies[0].message_type, "test.TicketCreated");
    assert_eq!(
        kitchen.runs.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    // Each failed run inserted a ticket and wrote an event, and rolled both back.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM tickets").await, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM accord_outbox").await, 1);
    let reply: TicketCreated = serde_json::from_slice(&replies[0].payload).unwrap();
    let (stored,): (i64,) = sqlx::query_as("SELECT ticket_id FROM tickets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(reply.ticket_id, stored);
}

async fn an_expired_request_is_dropped_unrun(store: Store) {
    let broker = Broker::memory(BrokerConfig::default());
    let metrics = Metrics::new();
    let (kitchen, _, _serving) = serve_kitchen(&broker, &store, 0, Some(metrics.clone())).await;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let late = request(1).with_header(header::DEADLINE, (now_ms - 1000).to_string());
    let mut inbox = broker.reply_inbox().await.unwrap();
    broker
        .publish(
            &Channel::point_to_point("test.kitchen.commands"),
            late.with_reply_to(inbox.address()),
        )
        .await
        .unwrap();
    // A request in time behind it is answered: the late one went first and was dropped.
    let in_time = request(2).with_header(header::DEADLINE, (now_ms + 20_000).to_string());
    let replies = send_times(&broker, &in_time, 1).await;
    assert_eq!(replies[0].message_type, "test.TicketCreated");
    assert_eq!(
        kitchen.runs.load(Ordering::SeqCst),
        1,
        "only the request in time ran"
    );
    let nothing = tokio::time::timeout(Duration::from_millis(200), inbox.next()).await;
    assert!(nothing.is_err(), "no reply to an expired request");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM tickets").await, 1);
    let text = metrics.encode();
    assert!(
        text.contains(r#"accord_messaging_dropped_messages_total{messaging_system="memory",messaging_destination_name="test.kitchen.commands",reason="expired"} 1"#),
        "{text}"
    );
    let left = kitchen.deadline_seen.lock().unwrap().expect("a deadline");
    assert!(
        left > Duration::from_secs(15) && left <= Duration::from_secs(21),
        "{left:?}"
    );
}

async fn a_proxy_request_carries_its_deadline_to_the_handler(store: Store) {
    let broker = Broker::memory(BrokerConfig::default());
    let (kitchen, binding, _serving) = serve_kitchen(&broker, &store, 0, None).await;
    let requester = Requester::new(&broker, ProxyConfig::default())
        .await
        .unwrap();
    let created: Result<TicketCreated, CallError> = requester
        .request(
            binding,
            accord::Context::new(),
            CreateTicket { order_id: 3 },
            None,
        )
        .await;
    assert_eq!(created.unwrap().order_id, 3);
    // The operation's `@timeout` (7 s) is the caller's deadline, and the handler's.
    let left = kitchen.deadline_seen.lock().unwrap().expect("a deadline");
    assert!(
        left > Duration::from_secs(6) && left <= Duration::from_secs(8),
        "{left:?}"
    );
}
