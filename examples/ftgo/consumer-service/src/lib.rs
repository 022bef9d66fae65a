//! The FTGO consumer service: who may order. It keeps consumers in its store (`--db`, else in
//! memory; demo consumers 1, 2 and 3 in every new store), registers new ones over REST and
//! publishes `ConsumerCreated` through the outbox (the consumer and its event commit together),
//! vouches for orders (`validate_order`, asked by the order service's saga over the broker), and
//! follows the order events, as its contract says.

use accord::store::{Store, StoreError, sqlx};
use accord::{CallError, Request, Timestamp};
use ftgo_api::api::ftgo::consumer::consumer_service::messaging::{OrderEventsSubscriber, channels};
use ftgo_api::api::ftgo::consumer::consumer_service::{GetConsumerError, ValidateOrderError};
use ftgo_api::api::ftgo::consumer::{
    Consumer, ConsumerCreated, ConsumerNotFound, ConsumerService, CreateConsumerReply,
    CreateConsumerRequest, GetConsumerRequest, ValidateOrderReply, ValidateOrderRequest,
};
use ftgo_api::api::ftgo::order::{OrderCancelled, OrderCreated};
use ftgo_api::host::Journal;
use ftgo_api::store::{Tables, outgoing_event};
use std::time::{Duration, SystemTime};

/// The consumers, and the demo consumers 1, 2 and 3 (added once; ids count on after them).
pub const TABLES: Tables = Tables {
    sqlite: &[
        "CREATE TABLE IF NOT EXISTS consumers (
            consumer_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            registered_at BIGINT NOT NULL
        )",
        DEMO,
    ],
    postgres: &[
        "CREATE TABLE IF NOT EXISTS consumers (
            consumer_id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            registered_at BIGINT NOT NULL
        )",
        DEMO,
        // Ids given explicitly do not move a sequence: start it after them.
        "SELECT setval(pg_get_serial_sequence('consumers', 'consumer_id'), \
         (SELECT MAX(consumer_id) FROM consumers))",
    ],
};

const DEMO: &str = "INSERT INTO consumers (consumer_id, name, email, registered_at) VALUES \
    (1, 'Ada Lovelace', 'ada@example.com', 0), \
    (2, 'Alan Turing', 'alan@example.com', 0), \
    (3, 'Grace Hopper', 'grace@example.com', 0) \
    ON CONFLICT (consumer_id) DO NOTHING";

/// Consumers in `store`; with `publish_events`, `ConsumerCreated` goes to the outbox.
#[derive(Debug)]
pub struct Consumers {
    store: Store,
    publish_events: bool,
    journal: Journal,
}

impl Consumers {
    /// Consumers on `store` (opened with [`TABLES`]); `publish_events` writes `ConsumerCreated`
    /// to the outbox (a relay publishes it).
    pub fn new(store: Store, publish_events: bool, journal: Journal) -> Consumers {
        Consumers {
            store,
            publish_events,
            journal,
        }
    }

    /// Consumers on a private in-memory store.
    pub async fn in_memory(publish_events: bool, journal: Journal) -> Result<Self, StoreError> {
        let store = ftgo_api::store::open(None, TABLES).await?;
        Ok(Consumers::new(store, publish_events, journal))
    }

    async fn find(&self, consumer_id: i64) -> Result<Option<Consumer>, StoreError> {
        let row: Option<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT consumer_id, name, email, registered_at FROM consumers WHERE consumer_id = $1",
        )
        .bind(consumer_id)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(row.map(|(consumer_id, name, email, at)| Consumer {
            consumer_id,
            name,
            email,
            registered_at: Timestamp::from(
                SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(at).unwrap_or(0)),
            ),
        }))
    }
}

impl ConsumerService for Consumers {
    async fn create_consumer(
        &self,
        request: Request<CreateConsumerRequest>,
    ) -> Result<CreateConsumerReply, CallError> {
        let CreateConsumerRequest { name, email } = request.input;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let mut tx = self.store.begin().await?;
        let (consumer_id,): (i64,) = sqlx::query_as(
            "INSERT INTO consumers (name, email, registered_at) VALUES ($1, $2, $3) \
             RETURNING consumer_id",
        )
        .bind(name.as_str())
        .bind(email)
        .bind(i64::try_from(now.as_millis()).unwrap_or(i64::MAX))
        .fetch_one(tx.conn())
        .await
        .map_err(StoreError::from)?;
        if self.publish_events {
            let created = ConsumerCreated { consumer_id, name };
            let key = accord::messaging::key(&consumer_id);
            let (channel, message) = outgoing_event(
                &channels::CONSUMER_EVENTS,
                "ftgo.consumer.ConsumerCreated",
                &created,
                key,
            )?;
            tx.publish(&channel, &message).await?;
        }
        tx.commit().await?;
        self.journal
            .say(|| format!("consumer {consumer_id} registered"));
        Ok(CreateConsumerReply { consumer_id })
    }

    async fn get_consumer(
        &self,
        request: Request<GetConsumerRequest>,
    ) -> Result<Consumer, GetConsumerError> {
        let consumer_id = request.input.consumer_id;
        let consumer = self.find(consumer_id).await.map_err(CallError::from)?;
        Ok(consumer.ok_or(ConsumerNotFound { consumer_id })?)
    }

    async fn validate_order(
        &self,
        request: Request<ValidateOrderRequest>,
    ) -> Result<ValidateOrderReply, ValidateOrderError> {
        let ValidateOrderRequest {
            consumer_id,
            order_id,
            ..
        } = request.input;
        if self
            .find(consumer_id)
            .await
            .map_err(CallError::from)?
            .is_none()
        {
            self.journal
                .say(|| format!("order {order_id}: no consumer {consumer_id}"));
            return Err(ConsumerNotFound { consumer_id }.into());
        }
        self.journal
            .say(|| format!("order {order_id}: consumer {consumer_id} verified"));
        Ok(ValidateOrderReply { approved: true })
    }
}

/// The order events, as the contract says the service subscribes to them: told in its journal
/// (a consumer's order history would start here).
impl OrderEventsSubscriber for Consumers {
    async fn order_created(&self, event: Request<OrderCreated>) -> Result<(), CallError> {
        let OrderCreated {
            order_id,
            consumer_id,
            ..
        } = event.input;
        self.journal
            .say(|| format!("consumer {consumer_id} placed order {order_id}"));
        Ok(())
    }

    async fn order_cancelled(&self, event: Request<OrderCancelled>) -> Result<(), CallError> {
        let order_id = event.input.order_id;
        self.journal
            .say(|| format!("order {order_id} was cancelled"));
        Ok(())
    }
}
