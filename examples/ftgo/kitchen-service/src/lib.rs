//! The FTGO kitchen: it accepts a ticket for an order unless one of its items is sold out
//! (`TicketRejected`), and cancels tickets (the saga's compensation). It also follows the
//! order events, as the contract says it subscribes to them.

use accord::{CallError, Request};
use ftgo_api::api::ftgo::kitchen::kitchen_service::CreateTicketError;
use ftgo_api::api::ftgo::kitchen::{
    CancelTicket, CreateTicket, KitchenService, TicketCreated, TicketRejected,
};
use ftgo_api::api::ftgo::order::OrderEventsSubscriber;
use ftgo_api::api::ftgo::order::{OrderCancelled, OrderCreated};
use ftgo_api::host::Journal;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// A ticket the kitchen holds: which order, and whether it was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub order_id: i64,
    pub cancelled: bool,
}

/// The kitchen's tickets, in memory.
#[derive(Debug)]
pub struct Kitchen {
    sold_out: BTreeSet<String>,
    tickets: Mutex<BTreeMap<i64, Ticket>>,
    next_id: AtomicI64,
    journal: Journal,
}

impl Kitchen {
    /// A kitchen that rejects tickets naming any of `sold_out`.
    pub fn new(sold_out: impl IntoIterator<Item = String>, journal: Journal) -> Kitchen {
        Kitchen {
            sold_out: sold_out.into_iter().collect(),
            tickets: Mutex::default(),
            next_id: AtomicI64::new(1),
            journal,
        }
    }

    /// The tickets so far.
    pub fn tickets(&self) -> BTreeMap<i64, Ticket> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Ticket>> {
        self.tickets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl KitchenService for Kitchen {
    async fn create_ticket(
        &self,
        request: Request<CreateTicket>,
    ) -> Result<TicketCreated, CreateTicketError> {
        let order_id = request.input.order_id;
        let items = &request.input.line_items;
        if let Some(item) = items
            .iter()
            .find(|i| self.sold_out.contains(&i.menu_item_id))
        {
            let reason = format!("{} is sold out", item.menu_item_id);
            self.journal
                .say(|| format!("order {order_id} rejected: {reason}"));
            return Err(TicketRejected { reason }.into());
        }
        let ticket_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let ticket = Ticket {
            order_id,
            cancelled: false,
        };
        self.lock().insert(ticket_id, ticket);
        self.journal
            .say(|| format!("ticket {ticket_id} created for order {order_id}"));
        Ok(TicketCreated { ticket_id })
    }

    async fn cancel_ticket(&self, request: Request<CancelTicket>) -> Result<(), CallError> {
        let ticket_id = request.input.ticket_id;
        // Cancelling twice (a redelivered command) or an unknown ticket changes nothing.
        if let Some(ticket) = self.lock().get_mut(&ticket_id) {
            ticket.cancelled = true;
        }
        self.journal.say(|| format!("ticket {ticket_id} cancelled"));
        Ok(())
    }
}

impl OrderEventsSubscriber for Kitchen {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        let order_id = event.input.order_id;
        self.journal.say(|| format!("saw order {order_id} created"));
        Ok(())
    }

    async fn order_cancelled(&self, event: Request<OrderCancelled>) -> Result<(), CallError> {
        let order_id = event.input.order_id;
        self.journal
            .say(|| format!("saw order {order_id} cancelled"));
        Ok(())
    }
}
