//! The Create Order saga, orchestrated by the order service as in FTGO: an order starts
//! APPROVAL_PENDING; the consumer service validates it, the kitchen creates a ticket, accounting
//! authorises the card; then the order is APPROVED. A declared error, or a participant that does
//! not answer in time, rejects it, and what may have been done is undone by order id: the
//! order's ticket cancelled (`cancel_order_tickets`), its card authorisation voided
//! (`void_authorization`), both one-way commands that the participants also honour when they
//! arrive before the command they undo. A step whose request could not be sent (the broker is
//! away, the circuit breaker open) is tried again, for at most [`RETRY_FOR`], before the saga
//! gives up on it as on a timeout.
//!
//! The participants are called through their generated messaging proxies: each request travels
//! on the participant's command channel with this service's reply inbox in `reply_to`. Every
//! participant is idempotent by order id, so a step may be sent again (a retry, a resumed saga).
//!
//! With a store ([`OrderDb`]), the saga is durable: the step about to start is recorded before
//! its request is sent, and the outcome is written together with the compensating commands
//! (through the outbox) in one transaction; a saga interrupted by a crash resumes from the step
//! it recorded ([`CreateOrderSaga::resume`]).

use crate::api::ftgo::accounting::AuthorizeCard;
use crate::api::ftgo::accounting::VoidAuthorization;
use crate::api::ftgo::accounting::accounting_service::messaging as accounting;
use crate::api::ftgo::accounting::accounting_service::{
    AuthorizeCardError, messaging::bindings::VOID_AUTHORIZATION,
};
use crate::api::ftgo::common::Money;
use crate::api::ftgo::consumer::ValidateOrderRequest;
use crate::api::ftgo::consumer::consumer_service::ValidateOrderError;
use crate::api::ftgo::consumer::consumer_service::messaging as consumer;
use crate::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use crate::api::ftgo::kitchen::kitchen_service::{
    CreateTicketError, messaging::bindings::CANCEL_ORDER_TICKETS,
};
use crate::api::ftgo::kitchen::{CancelOrderTickets, CreateTicket};
use crate::api::ftgo::order::OrderState;
use crate::api::ftgo::order::order_service::messaging::OrderEventsPublisher;
use crate::api::ftgo::order::{LineItem, OrderCancelled, OrderCreated};
use crate::durable::{OrderDb, Outgoing};
use accord::messaging::{Broker, BrokerError};
use accord::{CallError, Code, ProxyConfig, Request};
use ftgo_api::api::ftgo::accounting::AccountingService as _;
use ftgo_api::api::ftgo::consumer::ConsumerService as _;
use ftgo_api::api::ftgo::kitchen::KitchenService as _;
use ftgo_api::host::Journal;
use std::time::{Duration, Instant};

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

impl NewOrder {
    /// What the saga needs of `order`.
    pub fn of(order: &crate::api::ftgo::order::Order) -> NewOrder {
        NewOrder {
            order_id: order.order_id,
            consumer_id: order.consumer_id,
            line_items: order.line_items.clone(),
            total: order.total.clone(),
        }
    }
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

    /// Runs the saga for `order` to its end, in memory.
    pub async fn run(&self, order: &NewOrder) -> Outcome {
        self.resume(order, 0, None).await
    }

    /// Runs the saga for `order` from `step` (0 for a new order: [`Step`]), recording each
    /// step and the outcome in `db` when given; with `db`, the compensating commands leave
    /// through its outbox with the outcome, else they are sent at once.
    pub async fn resume(&self, order: &NewOrder, step: i64, db: Option<&OrderDb>) -> Outcome {
        let order_id = order.order_id;
        let run = Run {
            saga: self,
            order,
            db,
        };
        let failed = match run.steps(step).await {
            Ok(ticket_id) => {
                self.say(
                    order_id,
                    format!("card authorised (ticket {ticket_id}): APPROVED"),
                );
                return run.finish(OrderState::Approved, None, Step::Validate).await;
            }
            Err(failed) => failed,
        };
        // A step that failed with a declared error did nothing; one that timed out or failed
        // otherwise may have: undo it too.
        let undo = match failed.declared {
            true => failed.step.previous(),
            false => Some(failed.step),
        };
        let why = failed.why;
        match undo {
            Some(last) => run.finish(OrderState::Rejected, Some(why), last).await,
            None => {
                run.finish(OrderState::Rejected, Some(why), Step::Validate)
                    .await
            }
        }
    }

    fn say(&self, order_id: i64, line: String) {
        self.journal.say(|| format!("order {order_id}: {line}"));
    }
}

/// The steps of the saga, in order, as `orders.saga_step` records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Validate = 0,
    Ticket = 1,
    Authorize = 2,
}

impl Step {
    fn of(step: i64) -> Step {
        match step {
            i64::MIN..=0 => Step::Validate,
            1 => Step::Ticket,
            _ => Step::Authorize,
        }
    }

    fn previous(self) -> Option<Step> {
        match self {
            Step::Validate => None,
            Step::Ticket => Some(Step::Validate),
            Step::Authorize => Some(Step::Ticket),
        }
    }
}

/// How long a step whose request could not be sent is tried again before the saga gives up.
pub const RETRY_FOR: Duration = Duration::from_secs(60);

/// The wait between two tries of a step that could not be sent.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// A step that failed: which, why, and whether with a declared error (so it did nothing).
struct Failed {
    step: Step,
    why: String,
    declared: bool,
}

/// One saga run.
struct Run<'a> {
    saga: &'a CreateOrderSaga,
    order: &'a NewOrder,
    db: Option<&'a OrderDb>,
}

impl Run<'_> {
    /// Runs the steps from `from`; the ticket id when every step succeeded.
    async fn steps(&self, from: i64) -> Result<i64, Failed> {
        let order = self.order;
        let order_id = order.order_id;
        let saga = self.saga;
        let from = Step::of(from);
        if from <= Step::Validate {
            self.record(Step::Validate).await?;
            saga.say(order_id, "validate_order -> consumer service".into());
            let validate = || {
                saga.consumer
                    .validate_order(Request::new(ValidateOrderRequest {
                        consumer_id: order.consumer_id,
                        order_id,
                        order_total: order.total.clone(),
                    }))
            };
            retrying(validate, Step::Validate, "consumer service").await?;
        }
        self.record(Step::Ticket).await?;
        saga.say(order_id, "create_ticket -> kitchen".into());
        let ticket = || {
            saga.kitchen.create_ticket(Request::new(CreateTicket {
                order_id,
                line_items: order.line_items.clone(),
            }))
        };
        let ticket_id = retrying(ticket, Step::Ticket, "kitchen").await?.ticket_id;
        self.record(Step::Authorize).await?;
        saga.say(
            order_id,
            format!("ticket {ticket_id} created; authorize_card -> accounting"),
        );
        let payment = || {
            saga.accounting.authorize_card(Request::new(AuthorizeCard {
                consumer_id: order.consumer_id,
                order_id,
                amount: order.total.clone(),
            }))
        };
        retrying(payment, Step::Authorize, "accounting").await?;
        Ok(ticket_id)
    }

    /// Records that `step` starts (before its request is sent: a crash after the send resumes
    /// here and sends it again, which the participant answers as before).
    async fn record(&self, step: Step) -> Result<(), Failed> {
        let Some(db) = self.db else { return Ok(()) };
        let mut waited = Duration::ZERO;
        loop {
            match db.step(self.order.order_id, step as i64).await {
                Ok(()) => return Ok(()),
                Err(e) if waited < RETRY_FOR => {
                    self.saga
                        .say(self.order.order_id, format!("step not recorded: {e}"));
                    tokio::time::sleep(RETRY_EVERY).await;
                    waited += RETRY_EVERY;
                }
                Err(e) => {
                    return Err(Failed {
                        step,
                        why: format!("the saga's progress could not be stored: {e}"),
                        declared: false,
                    });
                }
            }
        }
    }

    /// Ends the saga in `state`, undoing the steps after Validate up to `undo` when rejected.
    async fn finish(&self, state: OrderState, why: Option<String>, undo: Step) -> Outcome {
        let order_id = self.order.order_id;
        let compensations = match state {
            OrderState::Rejected => compensations(order_id, undo, why.as_deref()),
            _ => Vec::new(),
        };
        for (what, _) in &compensations {
            self.saga.say(order_id, format!("compensating: {what}"));
        }
        match self.db {
            Some(db) => {
                let outgoing: Vec<Outgoing> = compensations
                    .iter()
                    .filter_map(|(what, c)| match c {
                        Ok(c) => Some(c.clone()),
                        Err(e) => {
                            self.saga.say(order_id, format!("{what} not written: {e}"));
                            None
                        }
                    })
                    .collect();
                // The outcome and its compensations commit together; a store that fails is
                // tried again (they must not be lost), within the retry bound.
                let started = Instant::now();
                loop {
                    match db.finish(order_id, &state, why.as_deref(), &outgoing).await {
                        Ok(_) => break,
                        Err(e) if started.elapsed() < RETRY_FOR => {
                            self.saga
                                .say(order_id, format!("outcome not stored yet: {e}"));
                            tokio::time::sleep(RETRY_EVERY).await;
                        }
                        Err(e) => {
                            self.saga.say(order_id, format!("outcome not stored: {e}"));
                            break;
                        }
                    }
                }
            }
            None => {
                if compensations.iter().any(|(_, c)| c.is_ok()) {
                    self.compensate_now(undo, why.as_deref()).await;
                }
            }
        }
        match why {
            Some(why) => {
                self.saga.say(order_id, format!("REJECTED ({why})"));
                Outcome::Rejected(why)
            }
            None => Outcome::Approved,
        }
    }

    /// Without a store: sends the compensating commands at once.
    async fn compensate_now(&self, undo: Step, why: Option<&str>) {
        let order_id = self.order.order_id;
        let reason = why.map(str::to_owned);
        if undo >= Step::Ticket {
            let cancel = CancelOrderTickets {
                order_id,
                reason: reason.clone(),
            };
            if let Err(e) = self
                .saga
                .kitchen
                .cancel_order_tickets(Request::new(cancel))
                .await
            {
                self.saga
                    .say(order_id, format!("cancel_order_tickets not sent: {e}"));
            }
        }
        if undo >= Step::Authorize {
            let void = VoidAuthorization { order_id, reason };
            if let Err(e) = self
                .saga
                .accounting
                .void_authorization(Request::new(void))
                .await
            {
                self.saga
                    .say(order_id, format!("void_authorization not sent: {e}"));
            }
        }
    }
}

/// The commands that undo the steps up to `undo`, as outbox messages (with what each does).
fn compensations(
    order_id: i64,
    undo: Step,
    why: Option<&str>,
) -> Vec<(String, Result<Outgoing, accord::store::StoreError>)> {
    let reason = why.map(str::to_owned);
    let mut commands = Vec::new();
    if undo >= Step::Ticket {
        let cancel = CancelOrderTickets {
            order_id,
            reason: reason.clone(),
        };
        commands.push((
            "cancel_order_tickets -> kitchen".to_owned(),
            ftgo_api::store::outgoing_command(&CANCEL_ORDER_TICKETS, &cancel),
        ));
    }
    if undo >= Step::Authorize {
        let void = VoidAuthorization { order_id, reason };
        commands.push((
            "void_authorization -> accounting".to_owned(),
            ftgo_api::store::outgoing_command(&VOID_AUTHORIZATION, &void),
        ));
    }
    commands
}

/// A participant's error: a declared one (the step did nothing), a request that was never sent
/// (try again), or anything else (a timeout: the step may have happened).
trait StepError: std::fmt::Display {
    fn call(&self) -> Option<&CallError>;
}

macro_rules! step_error {
    ($($error:ty),*) => {$(
        impl StepError for $error {
            fn call(&self) -> Option<&CallError> {
                match self {
                    Self::Call(e) => Some(e),
                    _ => None,
                }
            }
        }
    )*};
}

step_error!(ValidateOrderError, CreateTicketError, AuthorizeCardError);

/// Calls `step` until it answers, trying again while its request cannot be sent (for at most
/// [`RETRY_FOR`]).
async fn retrying<T, E, F, Fut>(mut call: F, step: Step, who: &str) -> Result<T, Failed>
where
    E: StepError,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    loop {
        let e = match call().await {
            Ok(answer) => return Ok(answer),
            Err(e) => e,
        };
        let unsent = e.call().is_some_and(|c| {
            matches!(
                c,
                CallError::Connect(_) | CallError::CircuitOpen | CallError::Overloaded
            ) || (matches!(c, CallError::Status(_)) && c.code() == Code::Unavailable)
        });
        if unsent && started.elapsed() < RETRY_FOR {
            tokio::time::sleep(RETRY_EVERY).await;
            continue;
        }
        return Err(Failed {
            step,
            why: format!("{who}: {e}"),
            declared: e.call().is_none(),
        });
    }
}
