//! The FTGO kitchen: it accepts a ticket for an order unless one of its items is sold out
//! (`TicketRejected`), and cancels tickets (the saga's compensation, by ticket or by order). It
//! also follows the order events, as the contract says it subscribes to them: a cancelled order
//! cancels its ticket.
//!
//! Its tickets live in its store (`--db`, else in memory). Every command is idempotent by order:
//! an order has at most one ticket, so a redelivered or duplicated `CreateTicket` answers with
//! the ticket already created; and a cancellation by order is remembered, so a `CreateTicket`
//! that arrives after it (late, or redelivered after the saga gave up) is rejected instead of
//! leaving a ticket behind for a rejected order.

use accord::store::{Store, StoreError, Tx, sqlx};
use accord::{CallError, Context, Request};
use ftgo_api::api::ftgo::kitchen::kitchen_service::CreateTicketError;
use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging::OrderEventsSubscriber;
use ftgo_api::api::ftgo::kitchen::{
    CancelOrderTickets, CancelTicket, CreateTicket, KitchenService, ListTicketsRequest, Ticket,
    TicketCreated, TicketList, TicketRejected, TicketState,
};
use ftgo_api::api::ftgo::order::{OrderCancelled, OrderCreated};
use ftgo_api::host::Journal;
use ftgo_api::store::{Tables, Work};
use std::collections::BTreeSet;

/// The kitchen's tables: one ticket per order at most, and the orders cancelled (with or
/// without a ticket yet).
pub const TABLES: Tables = Tables {
    sqlite: &[
        "CREATE TABLE IF NOT EXISTS kitchen_tickets (
            ticket_id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id BIGINT NOT NULL UNIQUE,
            state TEXT NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS kitchen_cancelled_orders (
            order_id BIGINT PRIMARY KEY,
            reason TEXT
        )",
    ],
    postgres: &[
        "CREATE TABLE IF NOT EXISTS kitchen_tickets (
            ticket_id BIGSERIAL PRIMARY KEY,
            order_id BIGINT NOT NULL UNIQUE,
            state TEXT NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS kitchen_cancelled_orders (
            order_id BIGINT PRIMARY KEY,
            reason TEXT
        )",
    ],
};

const CREATED: &str = "CREATED";
const CANCELLED: &str = "CANCELLED";

/// The kitchen: what it cannot make, and its tickets in `store`.
#[derive(Debug)]
pub struct Kitchen {
    sold_out: BTreeSet<String>,
    store: Store,
    journal: Journal,
}

impl Kitchen {
    /// A kitchen on `store` (opened with [`TABLES`]) that rejects tickets naming any of
    /// `sold_out`.
    pub fn new(
        store: Store,
        sold_out: impl IntoIterator<Item = String>,
        journal: Journal,
    ) -> Kitchen {
        Kitchen {
            sold_out: sold_out.into_iter().collect(),
            store,
            journal,
        }
    }

    /// A kitchen on a private in-memory store.
    pub async fn in_memory(
        sold_out: impl IntoIterator<Item = String>,
        journal: Journal,
    ) -> Result<Kitchen, StoreError> {
        let store = ftgo_api::store::open(None, TABLES).await?;
        Ok(Kitchen::new(store, sold_out, journal))
    }

    /// The tickets of `order_id` (at most one).
    pub async fn tickets_of(&self, order_id: i64) -> Result<Vec<Ticket>, StoreError> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT ticket_id, order_id, state FROM kitchen_tickets WHERE order_id = $1 \
             ORDER BY ticket_id",
        )
        .bind(order_id)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(ticket_id, order_id, state)| Ticket {
                ticket_id,
                order_id,
                state: if state == CANCELLED {
                    TicketState::Cancelled
                } else {
                    TicketState::Created
                },
            })
            .collect())
    }

    /// Cancels the ticket of `order_id` (if any) and remembers the order as cancelled, in the
    /// call's transaction. Doing it again changes nothing.
    async fn cancel_order(
        &self,
        context: &Context,
        order_id: i64,
        reason: Option<String>,
    ) -> Result<(), StoreError> {
        let work = Work::begin(&self.store, context).await?;
        let cancelled = Self::cancel_in(&mut *work.lock().await?, order_id, reason).await?;
        work.commit().await?;
        if cancelled > 0 {
            self.journal
                .say(|| format!("ticket of order {order_id} cancelled"));
        }
        Ok(())
    }

    async fn cancel_in(
        tx: &mut Tx,
        order_id: i64,
        reason: Option<String>,
    ) -> Result<u64, StoreError> {
        sqlx::query(
            "INSERT INTO kitchen_cancelled_orders (order_id, reason) VALUES ($1, $2) \
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(order_id)
        .bind(reason)
        .execute(tx.conn())
        .await?;
        Ok(
            sqlx::query(
                "UPDATE kitchen_tickets SET state = $1 WHERE order_id = $2 AND state <> $1",
            )
            .bind(CANCELLED)
            .bind(order_id)
            .execute(tx.conn())
            .await?
            .rows_affected(),
        )
    }

    /// The ticket `order_id` already has, or why the order may have none.
    async fn existing(tx: &mut Tx, order_id: i64) -> Result<Existing, StoreError> {
        let cancelled: Option<(Option<String>,)> =
            sqlx::query_as("SELECT reason FROM kitchen_cancelled_orders WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(tx.conn())
                .await?;
        if cancelled.is_some() {
            return Ok(Existing::Cancelled);
        }
        let ticket: Option<(i64,)> =
            sqlx::query_as("SELECT ticket_id FROM kitchen_tickets WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(tx.conn())
                .await?;
        Ok(match ticket {
            Some((ticket_id,)) => Existing::Ticket(ticket_id),
            None => Existing::None,
        })
    }
}

enum Existing {
    None,
    Ticket(i64),
    Cancelled,
}

impl KitchenService for Kitchen {
    async fn list_tickets(
        &self,
        request: Request<ListTicketsRequest>,
    ) -> Result<TicketList, CallError> {
        let tickets = self.tickets_of(request.input.order_id).await?;
        Ok(TicketList { tickets })
    }

    async fn create_ticket(
        &self,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CreateTicketError> {
        let order_id = request.input.order_id;
        let work = Work::begin(&self.store, &request.context)
            .await
            .map_err(CallError::from)?;
        let created = self
            .create_in(
                &mut *work.lock().await.map_err(CallError::from)?,
                &request.input,
            )
            .await?;
        work.commit().await.map_err(CallError::from)?;
        let TicketCreated { ticket_id } = created;
        self.journal
            .say(|| format!("ticket {ticket_id} for order {order_id}"));
        Ok(created)
    }

    async fn cancel_ticket(&self, request: Request<CancelTicket>) -> Result<(), CallError> {
        let ticket_id = request.input.ticket_id;
        // Cancelling twice (a redelivered command) or an unknown ticket changes nothing.
        let work = Work::begin(&self.store, &request.context).await?;
        {
            let mut tx = work.lock().await?;
            let order: Option<(i64,)> =
                sqlx::query_as("SELECT order_id FROM kitchen_tickets WHERE ticket_id = $1")
                    .bind(ticket_id)
                    .fetch_optional(tx.conn())
                    .await
                    .map_err(StoreError::from)?;
            if let Some((order_id,)) = order {
                Self::cancel_in(&mut tx, order_id, None).await?;
            }
        }
        work.commit().await?;
        self.journal.say(|| format!("ticket {ticket_id} cancelled"));
        Ok(())
    }

    async fn cancel_order_tickets(
        &self,
        request: Request<CancelOrderTickets>,
    ) -> Result<(), CallError> {
        let CancelOrderTickets { order_id, reason } = request.input;
        self.cancel_order(&request.context, order_id, reason)
            .await?;
        Ok(())
    }
}

impl Kitchen {
    /// Creates the ticket of `ticket.order_id` in `tx`, or answers with the one it has, or
    /// refuses (cancelled order, sold-out item).
    async fn create_in(
        &self,
        tx: &mut Tx,
        ticket: &CreateTicket,
    ) -> Result<TicketCreated, CreateTicketError> {
        let order_id = ticket.order_id;
        match Self::existing(tx, order_id)
            .await
            .map_err(CallError::from)?
        {
            Existing::Ticket(ticket_id) => return Ok(TicketCreated { ticket_id }),
            Existing::Cancelled => {
                let reason = format!("order {order_id} was cancelled");
                self.journal.say(|| format!("ticket refused: {reason}"));
                return Err(TicketRejected { reason }.into());
            }
            Existing::None => {}
        }
        if let Some(item) = ticket
            .line_items
            .iter()
            .find(|i| self.sold_out.contains(&i.menu_item_id))
        {
            let reason = format!("{} is sold out", item.menu_item_id);
            self.journal
                .say(|| format!("order {order_id} rejected: {reason}"));
            return Err(TicketRejected { reason }.into());
        }
        let (ticket_id,): (i64,) = sqlx::query_as(
            "INSERT INTO kitchen_tickets (order_id, state) VALUES ($1, $2) RETURNING ticket_id",
        )
        .bind(order_id)
        .bind(CREATED)
        .fetch_one(tx.conn())
        .await
        .map_err(|e| CallError::from(StoreError::from(e)))?;
        Ok(TicketCreated { ticket_id })
    }
}

impl OrderEventsSubscriber for Kitchen {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        let order_id = event.input.order_id;
        self.journal.say(|| format!("saw order {order_id} created"));
        Ok(())
    }

    /// A cancelled order's ticket is cancelled (and a ticket asked for later is refused).
    async fn order_cancelled(&self, event: Request<OrderCancelled>) -> Result<(), CallError> {
        let OrderCancelled { order_id, reason } = event.input;
        self.journal
            .say(|| format!("saw order {order_id} cancelled"));
        self.cancel_order(&event.context, order_id, reason).await?;
        Ok(())
    }
}
