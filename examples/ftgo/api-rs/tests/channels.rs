//! The generated messaging code of the FTGO API end to end, on the embedded broker and on real
//! NATS and RabbitMQ servers this binary starts: every channel interaction style through the
//! generated responders, proxies, publishers and subscribers, and what happens to bad input,
//! slow responders and failing handlers.
//!
//! On the embedded broker each test has a broker of its own. On a real broker the channel
//! addresses are the contract's, shared by every test, so the scenarios run one after another
//! in one test per broker.

#[path = "../../../../runtime/tests/brokers/mod.rs"]
mod brokers;

use accord::messaging::{
    Backoff, Broker, BrokerConfig, ConsumerConfig, Message, STATUS_TYPE, ServeConfig, Serving,
    header,
};
use accord::{BoxStream, CallError, Code, ProxyConfig, Request};
use ftgo_api::api::ftgo::kitchen::delivery_service::messaging as delivery;
use ftgo_api::api::ftgo::kitchen::kitchen_service::CreateTicketError;
use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use ftgo_api::api::ftgo::kitchen::{
    CancelTicket, CreateTicket, DeliveryService, KitchenService, Quote, QuoteRequest,
    TicketCreated, TicketRejected,
};
use ftgo_api::api::ftgo::order::order_service::messaging::OrderEventsPublisher;
use ftgo_api::api::ftgo::order::{LineItem, OrderCreated};
use futures::StreamExt as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A kitchen for the tests: rejects `sold-out`, sleeps for `slow`, fails (a server fault) the
/// first `failures` times, and records what it saw.
#[derive(Default)]
struct TestKitchen {
    delay: Duration,
    failures: AtomicU32,
    created: Mutex<Vec<i64>>,
    cancelled: Mutex<Vec<i64>>,
}

impl KitchenService for TestKitchen {
    async fn create_ticket(
        &self,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CreateTicketError> {
        tokio::time::sleep(self.delay).await;
        let failures = self.failures.load(Ordering::SeqCst);
        if failures > 0 {
            self.failures.store(failures - 1, Ordering::SeqCst);
            return Err(CallError::Internal("the oven is cold".into()).into());
        }
        let input = request.input;
        if input
            .line_items
            .iter()
            .any(|i| i.menu_item_id == "sold-out")
        {
            return Err(TicketRejected {
                reason: "sold out".into(),
            }
            .into());
        }
        self.created.lock().unwrap().push(input.order_id);
        Ok(TicketCreated {
            ticket_id: input.order_id * 10,
        })
    }

    async fn cancel_ticket(&self, request: Request<CancelTicket>) -> Result<(), CallError> {
        self.cancelled.lock().unwrap().push(request.input.ticket_id);
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

struct TestCourier(&'static str);

impl DeliveryService for TestCourier {
    fn quote(&self, _: Request<QuoteRequest>) -> BoxStream<'static, Result<Quote, CallError>> {
        let quote = Quote {
            courier: self.0.to_owned(),
            minutes: 10,
        };
        futures::stream::once(async move { Ok(quote) }).boxed()
    }
}

#[derive(Default)]
struct Seen(Mutex<Vec<i64>>);

impl ftgo_api::api::ftgo::kitchen::kitchen_service::messaging::OrderEventsSubscriber for Seen {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        self.0.lock().unwrap().push(event.input.order_id);
        Ok(())
    }
}

fn ticket(order_id: i64, item: &str, quantity: i32) -> CreateTicket {
    CreateTicket {
        order_id,
        line_items: vec![LineItem {
            menu_item_id: item.into(),
            quantity,
        }],
    }
}

fn fast_retries() -> ServeConfig {
    ServeConfig {
        consumer: ConsumerConfig {
            max_attempts: 3,
            retry_backoff: Backoff {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(40),
            },
            ..ConsumerConfig::default()
        },
        ..ServeConfig::default()
    }
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// The dead letter of the message `id`. Others are skipped: on a real broker a responder stopped
/// by the scenario before (between dead-lettering a message and acknowledging it) has its
/// message redelivered and dead-lettered again; at least once, as `docs/wire.md` says.
async fn letter_of(
    letters: &mut accord::messaging::Consumer,
    id: &str,
) -> accord::messaging::Delivery {
    loop {
        let letter = letters
            .next()
            .await
            .expect("the dead letters' subscription is open");
        if letter.message().message_id == id {
            return letter;
        }
        letter.ack().await.unwrap();
    }
}

async fn serve_kitchen(broker: &Broker, kitchen: std::sync::Arc<TestKitchen>) -> Serving {
    kitchen::responder(kitchen)
        .serve(broker, fast_retries())
        .await
        .expect("serves")
}

async fn proxy(broker: &Broker) -> kitchen::Proxy {
    kitchen::Proxy::new(broker, ProxyConfig::default())
        .await
        .expect("proxy")
}

/// Asynchronous request/response: the output, a declared error typed, a one-way command.
async fn requests_replies_and_one_way_commands(broker: &Broker) {
    let service = std::sync::Arc::new(TestKitchen::default());
    let _serving = serve_kitchen(broker, service.clone()).await;
    let kitchen = proxy(broker).await;
    let created = within(
        "a reply",
        kitchen.create_ticket(ticket(7, "pad-thai", 1).into()),
    )
    .await
    .expect("created");
    assert_eq!(created.ticket_id, 70);
    let rejected = within(
        "a reply",
        kitchen.create_ticket(ticket(8, "sold-out", 1).into()),
    )
    .await;
    match rejected {
        Err(CreateTicketError::TicketRejected(TicketRejected { reason })) => {
            assert_eq!(reason, "sold out")
        }
        other => panic!("expected TicketRejected, got {other:?}"),
    }
    within(
        "the command sent",
        kitchen.cancel_ticket(CancelTicket { ticket_id: 70 }.into()),
    )
    .await
    .expect("sent");
    within("the command handled", async {
        while service.cancelled.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(*service.cancelled.lock().unwrap(), [70]);
    assert_eq!(*service.created.lock().unwrap(), [7]);
}

/// Input that breaks the contract's constraints never reaches the handler: the caller gets
/// INVALID_ARGUMENT with the violations at once, and the message is dead-lettered.
async fn invalid_input_is_answered_and_dead_lettered(broker: &Broker) {
    let service = std::sync::Arc::new(TestKitchen::default());
    let _serving = serve_kitchen(broker, service.clone()).await;
    let dead = kitchen::channels::KITCHEN_COMMANDS.channel().dead_letters();
    let mut letters = broker.subscribe(&dead, "test").await.unwrap();
    let kitchen = proxy(broker).await;
    let reply = within(
        "a reply",
        kitchen.create_ticket(ticket(9, "pad-thai", 0).into()),
    )
    .await;
    let Err(CreateTicketError::Call(CallError::Status(status))) = reply else {
        panic!("expected a status, got {reply:?}");
    };
    assert_eq!(status.code, Code::InvalidArgument);
    assert_eq!(status.violations[0].field, "line_items[0].quantity");
    let letter = within("the dead letter", letters.next()).await.unwrap();
    assert_eq!(letter.message().message_type, "ftgo.kitchen.CreateTicket");
    let why = letter.message().header(header::ERROR).unwrap();
    assert!(why.contains("INVALID_ARGUMENT"), "{why}");
    letter.ack().await.unwrap();
    assert!(service.created.lock().unwrap().is_empty());
}

/// What no handler can read, from a client that is not ours: an undecodable payload and an
/// unknown message type each get a status reply and a dead letter; the responder keeps serving.
async fn undecodable_and_unknown_messages_are_dead_lettered(broker: &Broker) {
    let service = std::sync::Arc::new(TestKitchen::default());
    let _serving = serve_kitchen(broker, service.clone()).await;
    let channel = kitchen::channels::KITCHEN_COMMANDS.channel();
    let mut letters = broker
        .subscribe(&channel.dead_letters(), "test")
        .await
        .unwrap();
    let mut inbox = broker.reply_inbox().await.unwrap();
    for (message_type, payload, code) in [
        ("ftgo.kitchen.CreateTicket", "{not json", "INVALID_ARGUMENT"),
        ("ftgo.kitchen.Lasagna", "{}", "UNIMPLEMENTED"),
    ] {
        let request = Message::new(message_type, payload).with_reply_to(inbox.address());
        broker.publish(&channel, request.clone()).await.unwrap();
        let reply = within("a status reply", inbox.next()).await.unwrap();
        assert_eq!(reply.message_type, STATUS_TYPE);
        assert_eq!(reply.correlation_id.as_deref(), Some(&*request.message_id));
        let body: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
        assert_eq!(body["code"], code, "{body}");
        let letter = within(
            "the dead letter",
            letter_of(&mut letters, &request.message_id),
        )
        .await;
        assert!(letter.message().header(header::ERROR).is_some());
        letter.ack().await.unwrap();
    }
    let kitchen = proxy(broker).await;
    let created = within(
        "a reply",
        kitchen.create_ticket(ticket(11, "pad-thai", 1).into()),
    )
    .await;
    assert_eq!(created.unwrap().ticket_id, 110, "still serving");
}

/// A server fault is retried (the caller waits); the answer comes once the handler succeeds.
async fn a_failing_handler_is_retried(broker: &Broker) {
    let service = std::sync::Arc::new(TestKitchen {
        failures: AtomicU32::new(2),
        ..TestKitchen::default()
    });
    let _serving = serve_kitchen(broker, service.clone()).await;
    let kitchen = proxy(broker).await;
    let created = within(
        "a reply",
        kitchen.create_ticket(ticket(12, "pad-thai", 1).into()),
    )
    .await;
    assert_eq!(created.unwrap().ticket_id, 120);
    assert_eq!(service.failures.load(Ordering::SeqCst), 0);
}

/// A responder slower than the caller's deadline: the call times out at its deadline, the late
/// reply is dropped, and the next call gets its own reply.
async fn a_slow_responder_times_out_and_its_late_reply_is_dropped(broker: &Broker) {
    let service = std::sync::Arc::new(TestKitchen {
        delay: Duration::from_millis(400),
        ..TestKitchen::default()
    });
    let _serving = serve_kitchen(broker, service.clone()).await;
    let kitchen = proxy(broker).await;
    let started = Instant::now();
    let request = Request::new(ticket(13, "pad-thai", 1)).with_timeout(Duration::from_millis(100));
    let late = kitchen.create_ticket(request).await;
    assert!(
        matches!(late, Err(CreateTicketError::Call(CallError::Timeout))),
        "{late:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    let next = within(
        "a reply",
        kitchen.create_ticket(ticket(14, "pad-thai", 1).into()),
    )
    .await;
    assert_eq!(next.unwrap().ticket_id, 140);
}

/// Publish/async responses: each courier (its own group) answers; the stream ends when the
/// window (here the call's shorter deadline) closes.
async fn collect_gathers_every_couriers_quote(broker: &Broker) {
    let mut serving = Vec::new();
    for name in ["speedy", "steady"] {
        let config = ServeConfig::default().group(format!("courier-{name}"));
        let responder = delivery::responder(TestCourier(name));
        serving.push(responder.serve(broker, config).await.unwrap());
    }
    let couriers = delivery::Proxy::new(broker, ProxyConfig::default())
        .await
        .unwrap();
    let started = Instant::now();
    let request =
        Request::new(QuoteRequest { order_id: 1 }).with_timeout(Duration::from_millis(800));
    let quotes: Vec<Quote> = within("the window", couriers.quote(request).collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|q| q.unwrap())
        .collect();
    let mut names: Vec<_> = quotes.iter().map(|q| q.courier.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["speedy", "steady"]);
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
}

/// Events: every subscriber group gets each one; the instances of one group share them.
async fn subscribers_fan_out_across_groups(broker: &Broker) {
    use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging::order_events_subscriber;
    let (a1, a2, b) = (
        std::sync::Arc::new(Seen::default()),
        std::sync::Arc::new(Seen::default()),
        std::sync::Arc::new(Seen::default()),
    );
    let mut serving = Vec::new();
    for (seen, group) in [(&a1, "a"), (&a2, "a"), (&b, "b")] {
        let config = ServeConfig::default().group(group);
        serving.push(
            order_events_subscriber(seen.clone())
                .serve(broker, config)
                .await
                .unwrap(),
        );
    }
    let events = OrderEventsPublisher::new(broker.clone());
    for order_id in 1..=20 {
        let event = OrderCreated {
            order_id,
            consumer_id: 1,
            line_items: Vec::new(),
        };
        events.order_created(&event).await.unwrap();
    }
    let count = |s: &Seen| s.0.lock().unwrap().len();
    within("every event", async {
        while count(&a1) + count(&a2) < 20 || count(&b) < 20 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count(&a1) + count(&a2), 20, "group a shares them");
    let mut seen_by_b = b.0.lock().unwrap().clone();
    seen_by_b.sort_unstable();
    assert_eq!(seen_by_b, (1..=20).collect::<Vec<_>>(), "b sees each once");
}

macro_rules! on_the_embedded_broker {
    ($($scenario:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(&accord::messaging::Broker::memory(Default::default())).await;
                }
            )*
        }

        /// Every scenario in turn on `broker` (the contract's addresses are shared).
        async fn every_scenario(broker: &Broker) {
            $($scenario(broker).await;)*
        }
    };
}

on_the_embedded_broker!(
    requests_replies_and_one_way_commands,
    invalid_input_is_answered_and_dead_lettered,
    undecodable_and_unknown_messages_are_dead_lettered,
    a_failing_handler_is_retried,
    a_slow_responder_times_out_and_its_late_reply_is_dropped,
    collect_gathers_every_couriers_quote,
    subscribers_fan_out_across_groups,
);

async fn real(kind: brokers::Kind) -> Option<Broker> {
    let url = brokers::shared(kind)?;
    let config = BrokerConfig {
        operation_timeout: Duration::from_secs(5),
        ..BrokerConfig::default()
    };
    Some(Broker::connect_with(&url, config).await.expect("connects"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_over_nats() {
    let Some(broker) = real(brokers::Kind::Nats).await else {
        return;
    };
    every_scenario(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_over_rabbitmq() {
    let Some(broker) = real(brokers::Kind::Rabbit).await else {
        return;
    };
    every_scenario(&broker).await;
}

/// With metrics, each message a responder processes and each one a proxy sends is counted once,
/// under the channel's address: two requests and a one-way command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_processed_and_sent_are_counted_per_channel() {
    use openmetrics_parser::OpenMetricsValue;
    let broker = accord::messaging::Broker::memory(Default::default());
    let metrics = accord::metrics::Metrics::new();
    let service = std::sync::Arc::new(TestKitchen::default());
    let config = ServeConfig {
        metrics: Some(metrics.clone()),
        ..fast_retries()
    };
    let _serving = kitchen::responder(service.clone())
        .serve(&broker, config)
        .await
        .expect("serves");
    let config = ProxyConfig {
        metrics: Some(metrics.clone()),
        ..ProxyConfig::default()
    };
    let proxy = kitchen::Proxy::new(&broker, config).await.expect("proxy");
    for order in [1, 2] {
        let created = proxy.create_ticket(ticket(order, "pad-thai", 1).into());
        within("a reply", created).await.expect("created");
    }
    let cancelled = proxy.cancel_ticket(CancelTicket { ticket_id: 10 }.into());
    within("the command sent", cancelled).await.expect("sent");
    within("the command handled", async {
        while service.cancelled.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // The handler's future has ended; its recording follows at once.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let text = metrics.encode();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).expect("parses");
    let total = |family: &str, operation: &str| -> f64 {
        let family = &exposition.families[family];
        family
            .iter_samples()
            .filter(|sample| {
                let labels = sample.get_labelset().unwrap();
                labels.get_label_value("messaging_system") == Some("memory")
                    && labels.get_label_value("messaging_operation_name") == Some(operation)
                    && labels
                        .get_label_value("messaging_destination_name")
                        .is_some_and(|d| d.starts_with("ftgo.kitchen"))
            })
            .map(|sample| match &sample.value {
                OpenMetricsValue::Histogram(h) => h.count.unwrap() as f64,
                OpenMetricsValue::Counter(c) => c.value.as_f64(),
                other => panic!("{other:?}"),
            })
            .sum()
    };
    assert_eq!(
        total("messaging_process_duration_seconds", "process"),
        3.0,
        "{text}"
    );
    assert_eq!(
        total("messaging_client_sent_messages", "send"),
        3.0,
        "{text}"
    );
}
