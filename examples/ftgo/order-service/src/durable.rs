//! The orders and their sagas in the service's store (`--db`): each order as a row (its state,
//! the order as JSON, the saga step reached), written together with the messages it sends
//! through the outbox: `OrderCreated` with the new order, the compensating commands with a
//! rejection, `OrderCancelled` with a cancellation. Ids count up in the database and are never
//! reused, also across restarts. On restart every order is read back, and every saga still
//! APPROVAL_PENDING resumes from the step it had reached.

use crate::api::ftgo::order::order_service::messaging::channels;
use crate::api::ftgo::order::{Order, OrderCancelled, OrderCreated, OrderState};
use accord::messaging::{Channel, Message};
use accord::store::{Store, StoreError, sqlx};
use ftgo_api::store::{Tables, outgoing_event};

/// The orders table: `saga_step` is the step the Create Order saga last started.
pub const TABLES: Tables = Tables {
    sqlite: &["CREATE TABLE IF NOT EXISTS orders (
        order_id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL,
        saga_step BIGINT NOT NULL DEFAULT 0,
        body TEXT NOT NULL
    )"],
    postgres: &["CREATE TABLE IF NOT EXISTS orders (
        order_id BIGSERIAL PRIMARY KEY,
        state TEXT NOT NULL,
        saga_step BIGINT NOT NULL DEFAULT 0,
        body TEXT NOT NULL
    )"],
};

/// A message to send once the transaction that wrote it commits.
pub type Outgoing = (Channel, Message);

/// The orders of a store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OrderDb {
    store: Store,
}

/// An order read back, and the saga step it had reached.
#[derive(Debug, Clone)]
pub struct Stored {
    pub order: Order,
    pub saga_step: i64,
}

impl OrderDb {
    /// The orders of `store` (opened with [`TABLES`]).
    pub fn new(store: Store) -> OrderDb {
        OrderDb { store }
    }

    /// The store, for its relay.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every order, oldest first.
    pub async fn load(&self) -> Result<Vec<Stored>, StoreError> {
        let rows: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT order_id, saga_step, body FROM orders ORDER BY order_id")
                .fetch_all(self.store.pool())
                .await?;
        rows.into_iter()
            .map(|(order_id, saga_step, body)| {
                let mut order: Order = serde_json::from_str(&body).map_err(|e| {
                    StoreError::Database(format!("order {order_id} is unreadable: {e}"))
                })?;
                order.order_id = order_id;
                Ok(Stored { order, saga_step })
            })
            .collect()
    }

    /// Stores a new order and returns its id; with `announce`, `OrderCreated` goes to the
    /// outbox in the same transaction.
    pub async fn insert(&self, order: &Order, announce: bool) -> Result<i64, StoreError> {
        let mut tx = self.store.begin().await?;
        let (order_id,): (i64,) = sqlx::query_as(
            "INSERT INTO orders (state, saga_step, body) VALUES ($1, 0, $2) RETURNING order_id",
        )
        .bind(state_name(&order.state))
        .bind(body(order)?)
        .fetch_one(tx.conn())
        .await?;
        if announce {
            let event = OrderCreated {
                order_id,
                consumer_id: order.consumer_id,
                line_items: order.line_items.clone(),
            };
            let key = accord::messaging::key(&order_id);
            let (channel, message) = outgoing_event(
                &channels::ORDER_EVENTS,
                "ftgo.order.OrderCreated",
                &event,
                key,
            )?;
            tx.publish(&channel, &message).await?;
        }
        tx.commit().await?;
        Ok(order_id)
    }

    /// Records that the saga of `order_id` starts `step`.
    pub async fn step(&self, order_id: i64, step: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE orders SET saga_step = $1 WHERE order_id = $2")
            .bind(step)
            .bind(order_id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Ends the saga of `order_id` in `state` (with `reason` as its `rejection_reason`) and
    /// writes `outgoing` (the compensations) to the outbox, in one transaction; `false`, and
    /// nothing written, when the order is no longer APPROVAL_PENDING (cancelled meanwhile: its
    /// `OrderCancelled` undoes what was done).
    pub async fn finish(
        &self,
        order_id: i64,
        state: &OrderState,
        reason: Option<&str>,
        outgoing: &[Outgoing],
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT state, body FROM orders WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(tx.conn())
                .await?;
        let Some((current, stored)) = row else {
            return Ok(false);
        };
        if current != state_name(&OrderState::ApprovalPending) {
            return Ok(false);
        }
        let mut order: Order = serde_json::from_str(&stored)
            .map_err(|e| StoreError::Database(format!("order {order_id} is unreadable: {e}")))?;
        order.state = state.clone();
        if let Some(reason) = reason {
            order
                .labels
                .insert("rejection_reason".to_owned(), reason.to_owned());
        }
        sqlx::query("UPDATE orders SET state = $1, body = $2 WHERE order_id = $3")
            .bind(state_name(state))
            .bind(body(&order)?)
            .bind(order_id)
            .execute(tx.conn())
            .await?;
        for (channel, message) in outgoing {
            tx.publish(channel, message).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores `order` as cancelled; with `announce`, `OrderCancelled` goes to the outbox in
    /// the same transaction.
    pub async fn cancel(&self, order: &Order, announce: bool) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        sqlx::query("UPDATE orders SET state = $1, body = $2 WHERE order_id = $3")
            .bind(state_name(&order.state))
            .bind(body(order)?)
            .bind(order.order_id)
            .execute(tx.conn())
            .await?;
        if announce {
            let event = OrderCancelled {
                order_id: order.order_id,
                reason: order.labels.get("cancel_reason").cloned(),
            };
            let key = accord::messaging::key(&order.order_id);
            let (channel, message) = outgoing_event(
                &channels::ORDER_EVENTS,
                "ftgo.order.OrderCancelled",
                &event,
                key,
            )?;
            tx.publish(&channel, &message).await?;
        }
        tx.commit().await
    }
}

fn body(order: &Order) -> Result<String, StoreError> {
    serde_json::to_string(order).map_err(|e| StoreError::Database(format!("order not stored: {e}")))
}

/// The state as the `state` column holds it (the contract's name).
fn state_name(state: &OrderState) -> &'static str {
    match state {
        OrderState::ApprovalPending => "APPROVAL_PENDING",
        OrderState::Approved => "APPROVED",
        OrderState::Rejected => "REJECTED",
        OrderState::Cancelled => "CANCELLED",
        _ => "UNKNOWN",
    }
}
