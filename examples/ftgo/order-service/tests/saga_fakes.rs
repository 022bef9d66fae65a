//! The Create Order saga in one process, through `accord::testing`: the order service under
//! test serves REST on a `TestBed`, and its participants (consumer, kitchen, accounting) are
//! the generated fakes, served by their generated responders on the bed's memory broker. Each
//! case programs the fakes' answers and then reads what the saga asked each of them.
//!
//! `saga.rs` runs the same saga across processes on real brokers; here a participant's answer
//! is whatever the case needs (a declined card, a rejected ticket, no answer at all).

mod support;

use accord::auth::StaticToken;
use accord::rest::client::RestClient;
use accord::testing::TestBed;
use accord::{ProxyConfig, Request};
use ftgo_api::host::Journal;
use ftgo_order_service::api::ftgo::accounting::{
    CardAuthorized, PaymentDeclined, accounting_service,
};
use ftgo_order_service::api::ftgo::consumer::{ValidateOrderReply, consumer_service};
use ftgo_order_service::api::ftgo::kitchen::{
    CancelTicket, TicketCreated, TicketRejected, kitchen_service,
};
use ftgo_order_service::api::ftgo::order::order_service::rest;
use ftgo_order_service::api::ftgo::order::{GetOrderRequest, Order, OrderService as _, OrderState};
use ftgo_order_service::{CreateOrderSaga, InMemoryOrders, demo_restaurants};
use std::time::{Duration, Instant};
use support::{ALL_SCOPES, order, token, verifying};

/// The order service and its participants' fakes, answering as a good day would: the consumer
/// is verified, the kitchen makes ticket `10 × order id`, the card is authorised.
struct Saga {
    orders: rest::Proxy,
    consumer: consumer_service::Fake,
    kitchen: kitchen_service::Fake,
    accounting: accounting_service::Fake,
    _bed: TestBed,
}

async fn saga() -> Saga {
    let consumer = consumer_service::Fake::default();
    consumer
        .validate_order
        .returns(Ok(ValidateOrderReply { approved: true }));
    let kitchen = kitchen_service::Fake::default();
    kitchen.create_ticket.answers(|r| {
        Ok(TicketCreated {
            ticket_id: r.input.order_id * 10,
        })
    });
    let accounting = accounting_service::Fake::default();
    accounting
        .authorize_card
        .answers(|r| Ok(CardAuthorized::new(r.input.consumer_id, r.input.order_id)));

    let mut bed = TestBed::new();
    bed.serve(consumer_service::messaging::responder(consumer.clone()))
        .await
        .unwrap();
    bed.serve(kitchen_service::messaging::responder(kitchen.clone()))
        .await
        .unwrap();
    bed.serve(accounting_service::messaging::responder(accounting.clone()))
        .await
        .unwrap();
    let saga = CreateOrderSaga::connect(bed.broker(), ProxyConfig::default(), Journal::silent())
        .await
        .unwrap();
    let store = InMemoryOrders::new(demo_restaurants()).with_saga(saga);
    let base = bed.rest(rest::router(store, verifying())).await.unwrap();
    let client = RestClient::builder(&base)
        .credentials(StaticToken::new(token(ALL_SCOPES)))
        .build()
        .unwrap();
    Saga {
        orders: rest::Proxy::new(client),
        consumer,
        kitchen,
        accounting,
        _bed: bed,
    }
}

impl Saga {
    /// Places an order of 2 pad thai (2 × 1250 USD cents) for consumer 7 and waits (at most
    /// 10 s) for the saga to end it.
    async fn place(&self) -> Order {
        let created = self
            .orders
            .create_order(order(7, 1, &[("pad-thai", 2)]).into())
            .await
            .expect("created");
        let started = Instant::now();
        loop {
            let get = GetOrderRequest {
                order_id: created.order_id,
            };
            let order = self.orders.get_order(Request::new(get)).await.unwrap();
            if order.state != OrderState::ApprovalPending {
                return order;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the saga did not end"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Waits (at most 10 s) for `done`: a one-way command arrives after the saga moves on.
async fn eventually(done: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn every_participant_agrees_and_is_asked_once_with_the_order() {
    let saga = saga().await;
    let order = saga.place().await;
    assert_eq!(order.state, OrderState::Approved, "{:?}", order.labels);

    let [validated] = saga.consumer.validate_order.inputs().try_into().unwrap();
    assert_eq!(
        (validated.consumer_id, validated.order_id),
        (7, order.order_id)
    );
    assert_eq!(validated.order_total, order.total);
    let [ticket] = saga.kitchen.create_ticket.inputs().try_into().unwrap();
    assert_eq!(ticket.line_items, order.line_items);
    let [payment] = saga.accounting.authorize_card.inputs().try_into().unwrap();
    assert_eq!(payment.amount.amount, 2 * 1250);
    assert_eq!(saga.kitchen.cancel_ticket.count(), 0, "nothing to undo");
}

#[tokio::test]
async fn a_declined_card_rejects_the_order_and_cancels_its_ticket() {
    let saga = saga().await;
    saga.accounting.authorize_card.returns(Err(PaymentDeclined {
        reason: "insufficient funds".into(),
    }
    .into()));
    let order = saga.place().await;
    assert_eq!(order.state, OrderState::Rejected);
    let why = &order.labels["rejection_reason"];
    assert!(why.contains("insufficient funds"), "{why}");
    let cancelled = || saga.kitchen.cancel_ticket.inputs();
    eventually(|| !cancelled().is_empty(), "the ticket is never cancelled").await;
    assert_eq!(
        cancelled(),
        [CancelTicket {
            ticket_id: order.order_id * 10
        }]
    );
}

#[tokio::test]
async fn a_rejected_ticket_stops_the_saga_before_payment() {
    let saga = saga().await;
    saga.kitchen.create_ticket.returns(Err(TicketRejected {
        reason: "sold out".into(),
    }
    .into()));
    let order = saga.place().await;
    assert_eq!(order.state, OrderState::Rejected);
    assert!(order.labels["rejection_reason"].contains("sold out"));
    assert_eq!(saga.accounting.authorize_card.count(), 0);
    assert_eq!(saga.kitchen.cancel_ticket.count(), 0, "no ticket to undo");
}

#[tokio::test]
async fn a_participant_without_an_answer_rejects_the_order_naming_the_operation() {
    let saga = saga().await;
    // Unprogrammed, a fake's operation fails at once (`FailedPrecondition`), naming itself.
    saga.consumer.validate_order.reset();
    let order = saga.place().await;
    assert_eq!(order.state, OrderState::Rejected);
    let why = &order.labels["rejection_reason"];
    assert!(
        why.contains("consumer service") && why.contains("ConsumerService.validate_order"),
        "{why}"
    );
    assert_eq!(saga.kitchen.create_ticket.count(), 0);
}
