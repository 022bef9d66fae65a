//! The order service on a store, in process on the embedded broker: orders and their ids
//! survive a restart (ids never reused), an interrupted saga resumes from the step it recorded,
//! and a step that times out is compensated through the outbox, also against the participant's
//! late side effect.

use accord::messaging::{Broker, ServeConfig, Serving};
use accord::{CallError, ProxyConfig, Request};
use ftgo_accounting_service::Accounting;
use ftgo_api::api::ftgo::kitchen::kitchen_service::{CreateTicketError, messaging as kitchen};
use ftgo_api::api::ftgo::kitchen::{
    CancelOrderTickets, CancelTicket, CreateTicket, KitchenService, ListTicketsRequest,
    TicketCreated, TicketList, TicketState,
};
use ftgo_api::host::Journal;
use ftgo_consumer_service::Consumers;
use ftgo_kitchen_service::Kitchen;
use ftgo_order_service::api::ftgo::accounting::accounting_service::messaging as accounting;
use ftgo_order_service::api::ftgo::consumer::consumer_service::messaging as consumer;
use ftgo_order_service::api::ftgo::order::{
    CreateOrderRequest, GetOrderRequest, LineItem, Order, OrderService as _, OrderState,
};
use ftgo_order_service::{CreateOrderSaga, InMemoryOrders, OrderDb, demo_restaurants, durable};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pad_thai(consumer_id: i64) -> Request<CreateOrderRequest> {
    Request::new(CreateOrderRequest {
        restaurant_id: 1,
        consumer_id,
        line_items: vec![LineItem {
            menu_item_id: "pad-thai".into(),
            quantity: 2,
        }],
        delivery_note: None,
    })
}

async fn orders_on(db: &str) -> InMemoryOrders {
    let store = ftgo_api::store::open(Some(db), durable::TABLES)
        .await
        .unwrap();
    InMemoryOrders::new(demo_restaurants())
        .with_db(OrderDb::new(store))
        .await
        .unwrap()
}

async fn get(orders: &InMemoryOrders, order_id: i64) -> Order {
    orders
        .get_order(Request::new(GetOrderRequest { order_id }))
        .await
        .unwrap()
}

/// Waits (at most 20 s) until the order is no longer APPROVAL_PENDING.
async fn ended(orders: &InMemoryOrders, order_id: i64) -> Order {
    let started = Instant::now();
    loop {
        let order = get(orders, order_id).await;
        if order.state != OrderState::ApprovalPending || started.elapsed() > Duration::from_secs(20)
        {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn orders_and_their_ids_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db").display().to_string();
    let orders = orders_on(&db).await;
    let first = orders.create_order(pad_thai(1)).await.unwrap().order_id;
    let second = orders.create_order(pad_thai(2)).await.unwrap().order_id;
    drop(orders);
    let orders = orders_on(&db).await;
    assert_eq!(get(&orders, first).await.consumer_id, 1);
    assert_eq!(get(&orders, second).await.consumer_id, 2);
    let third = orders.create_order(pad_thai(3)).await.unwrap().order_id;
    assert!(
        third > second,
        "ids are never reused: {first} {second} {third}"
    );
}

/// A kitchen that answers `create_ticket` only after `delay` (its side effect comes late).
struct SlowKitchen {
    kitchen: Arc<Kitchen>,
    delay: Duration,
}

impl KitchenService for SlowKitchen {
    async fn list_tickets(
        &self,
        request: Request<ListTicketsRequest>,
    ) -> Result<TicketList, CallError> {
        self.kitchen.list_tickets(request).await
    }

    async fn create_ticket(
        &self,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CreateTicketError> {
        tokio::time::sleep(self.delay).await;
        self.kitchen.create_ticket(request).await
    }

    async fn cancel_ticket(&self, request: Request<CancelTicket>) -> Result<(), CallError> {
        self.kitchen.cancel_ticket(request).await
    }

    async fn cancel_order_tickets(
        &self,
        request: Request<CancelOrderTickets>,
    ) -> Result<(), CallError> {
        self.kitchen.cancel_order_tickets(request).await
    }
}

/// The participants on `broker`, each on a private in-memory store; the kitchen's answers
/// come after `kitchen_delay`.
async fn participants(broker: &Broker, kitchen_delay: Duration) -> (Arc<Kitchen>, Serving) {
    let kitchen = Arc::new(Kitchen::in_memory([], Journal::silent()).await.unwrap());
    let slow = SlowKitchen {
        kitchen: kitchen.clone(),
        delay: kitchen_delay,
    };
    let consumers = Consumers::in_memory(false, Journal::silent())
        .await
        .unwrap();
    let accounts = Accounting::in_memory(None, Journal::silent())
        .await
        .unwrap();
    let serving = kitchen::responder(slow)
        .serve(broker, ServeConfig::default())
        .await
        .unwrap()
        .and(
            consumer::responder(consumers)
                .serve(broker, ServeConfig::default())
                .await
                .unwrap(),
        )
        .and(
            accounting::responder(accounts)
                .serve(broker, ServeConfig::default())
                .await
                .unwrap(),
        );
    (kitchen, serving)
}

#[tokio::test]
async fn an_interrupted_saga_resumes_from_its_recorded_step() {
    let broker = Broker::connect("memory://durable-resume").await.unwrap();
    let (kitchen, _serving) = participants(&broker, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db").display().to_string();
    // A previous run stored the order and got as far as asking for its ticket, then died.
    let order_id = {
        let orders = orders_on(&db).await;
        let id = orders.create_order(pad_thai(1)).await.unwrap().order_id;
        let store = ftgo_api::store::open(Some(&db), durable::TABLES)
            .await
            .unwrap();
        OrderDb::new(store).step(id, 1).await.unwrap();
        id
    };
    let saga = CreateOrderSaga::connect(&broker, ProxyConfig::default(), Journal::silent())
        .await
        .unwrap();
    let orders = orders_on(&db).await.with_saga(saga);
    assert_eq!(
        get(&orders, order_id).await.state,
        OrderState::ApprovalPending
    );
    assert_eq!(orders.resume_sagas().await.unwrap(), 1);
    assert_eq!(ended(&orders, order_id).await.state, OrderState::Approved);
    assert_eq!(kitchen.tickets_of(order_id).await.unwrap().len(), 1);
    // Stored too: a restart reads it APPROVED and resumes nothing.
    let again = orders_on(&db).await;
    assert_eq!(get(&again, order_id).await.state, OrderState::Approved);
}

#[tokio::test]
async fn a_timed_out_step_is_compensated_also_against_its_late_effect() {
    let broker = Broker::connect("memory://durable-timeout").await.unwrap();
    // The kitchen creates the ticket 2 s after being asked; the saga waits 1 s.
    let (kitchen, _serving) = participants(&broker, Duration::from_secs(2)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db").display().to_string();
    let store = ftgo_api::store::open(Some(&db), durable::TABLES)
        .await
        .unwrap();
    let _relay = ftgo_api::store::relay(&store, &broker, "ftgo-order-service", &Default::default());
    let config = ProxyConfig {
        default_timeout: Duration::from_secs(1),
        ..ProxyConfig::default()
    };
    let saga = CreateOrderSaga::connect(&broker, config, Journal::silent())
        .await
        .unwrap();
    let orders = InMemoryOrders::new(demo_restaurants())
        .with_saga(saga)
        .with_db(OrderDb::new(store))
        .await
        .unwrap();
    let order_id = orders.create_order(pad_thai(1)).await.unwrap().order_id;
    let order = ended(&orders, order_id).await;
    assert_eq!(order.state, OrderState::Rejected);
    let why = &order.labels["rejection_reason"];
    assert!(why.contains("kitchen"), "{why}");
    // The late ticket is cancelled (or never made): nothing live is left behind.
    let started = Instant::now();
    loop {
        let tickets = kitchen.tickets_of(order_id).await.unwrap();
        let live = tickets.iter().any(|t| t.state != TicketState::Cancelled);
        if started.elapsed() > Duration::from_secs(4) {
            assert!(!live, "{tickets:?}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
