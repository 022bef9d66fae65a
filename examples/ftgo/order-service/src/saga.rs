//! The Create Order saga, orchestrated by the order service as in FTGO: an order starts
//! APPROVAL_PENDING; the consumer service validates it, the kitchen creates a ticket, accounting
//! authorises the card; then the order is APPROVED. Any declared error (or a participant that
//! does not answer in time) rejects it, and what was done is undone: a ticket already created is
//! cancelled (`cancel_ticket`, a one-way command).
//!
//! The participants are called through their generated messaging proxies: each request travels
//! on the participant's command channel with this service's reply inbox in `reply_to`.

use crate::api::ftgo::accounting::AuthorizeCard;
use crate::api::ftgo::accounting::accounting_service::messaging as accounting;
use crate::api::ftgo::common::Money;
use crate::api::ftgo::consumer::ValidateOrderRequest;
use crate::api::ftgo::consumer::consumer_service::messaging as consumer;
use crate::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use crate::api::ftgo::kitchen::{CancelTicket, CreateTicket};
use crate::api::ftgo::order::OrderEventsPublisher;
use crate::api::ftgo::order::{LineItem, OrderCancelled, OrderCreated};
use accord::messaging::{Broker, BrokerError};
use accord::{ProxyConfig, Request};
use ftgo_api::api::ftgo::accounting::AccountingService as _;
use ftgo_api::api::ftgo::consumer::ConsumerService as _;
use ftgo_api::api::ftgo::kitchen::KitchenService as _;
use ftgo_api::host::Journal;

/// How a saga ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every participant agreed.
    Approved,
    /// A participant refused or failed; why, in words.
    Rejected(String),
}

/// The saga's participants and the order events, on one broker.
#[derive(Debug, Clone)]
pub struct CreateOrderSaga {
    consumer: consumer::Proxy,
    kitchen: kitchen::Proxy,
    accounting: accounting::Proxy,
    events: OrderEventsPublisher,
    journal: Journal,
}

/// One order, as the saga needs it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub order_id: i64,
    pub consumer_id: i64,
    pub line_items: Vec<LineItem>,
    pub total: Money,
}

impl CreateOrderSaga {
    /// Proxies to the participants over `broker`, each with `config`'s timeouts and breaker.
    pub async fn connect(
        broker: &Broker,
        config: ProxyConfig,
        journal: Journal,
    ) -> Result<CreateOrderSaga, BrokerError> {
        Ok(CreateOrderSaga {
            consumer: consumer::Proxy::new(broker, config.clone()).await?,
            kitchen: kitchen::Proxy::new(broker, config.clone()).await?,
            accounting: accounting::Proxy::new(broker, config).await?,
            events: OrderEventsPublisher::new(broker.clone()),
            journal,
        })
    }

    /// Publishes `OrderCreated` for a new order.
    pub async fn created(&self, order: &NewOrder) -> Result<(), BrokerError> {
        let event = OrderCreated {
            order_id: order.order_id,
            consumer_id: order.consumer_id,
            line_items: order.line_items.clone(),
        };
        self.events.order_created(&event).await
    }

    /// Publishes `OrderCancelled`.
    pub async fn cancelled(
        &self,
        order_id: i64,
        reason: Option<String>,
    ) -> Result<(), BrokerError> {
        let event = OrderCancelled { order_id, reason };
        self.events.order_cancelled(&event).await
    }

    /// Runs the saga for `order` to its end.
    pub async fn run(&self, order: &NewOrder) -> Outcome {
        let order_id = order.order_id;
        let say = |line: String| self.journal.say(|| format!("order {order_id}: {line}"));

        let validate = ValidateOrderRequest {
            consumer_id: order.consumer_id,
            order_id,
            order_total: order.total.clone(),
        };
        say("validate_order -> consumer service".into());
        if let Err(e) = self.consumer.validate_order(Request::new(validate)).await {
            return self
                .rejected(order_id, format!("consumer service: {e}"), None)
                .await;
        }
        say("consumer verified; create_ticket -> kitchen".into());

        let ticket = CreateTicket {
            order_id,
            line_items: order.line_items.clone(),
        };
        let ticket_id = match self.kitchen.create_ticket(Request::new(ticket)).await {
            Ok(created) => created.ticket_id,
            Err(e) => return self.rejected(order_id, format!("kitchen: {e}"), None).await,
        };
        say(format!(
            "ticket {ticket_id} created; authorize_card -> accounting"
        ));

        let payment = AuthorizeCard {
            consumer_id: order.consumer_id,
            order_id,
            amount: order.total.clone(),
        };
        if let Err(e) = self.accounting.authorize_card(Request::new(payment)).await {
            let why = format!("accounting: {e}");
            return self.rejected(order_id, why, Some(ticket_id)).await;
        }
        say("card authorised: APPROVED".into());
        Outcome::Approved
    }

    /// Undoes what was done (the ticket, if one was created) and says why the order failed.
    async fn rejected(&self, order_id: i64, why: String, ticket: Option<i64>) -> Outcome {
        if let Some(ticket_id) = ticket {
            self.journal.say(|| {
                format!("order {order_id}: compensating: cancel_ticket {ticket_id} -> kitchen")
            });
            let cancel = Request::new(CancelTicket { ticket_id });
            if let Err(e) = self.kitchen.cancel_ticket(cancel).await {
                // The command could not be sent; the kitchen keeps a ticket for a rejected
                // order until someone cancels it by hand.
                self.journal
                    .say(|| format!("order {order_id}: cancel_ticket {ticket_id} not sent: {e}"));
            }
        }
        self.journal
            .say(|| format!("order {order_id}: REJECTED ({why})"));
        Outcome::Rejected(why)
    }
}
