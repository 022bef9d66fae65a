//! The FTGO consumer service: who may order. It keeps consumers in memory (demo consumers 1, 2
//! and 3 on every instance), registers new ones over REST and publishes `ConsumerCreated`, and
//! vouches for orders (`validate_order`, asked by the order service's saga over the broker).

use accord::messaging::BrokerError;
use accord::{CallError, Request, Timestamp};
use ftgo_api::api::ftgo::consumer::ConsumerEventsPublisher;
use ftgo_api::api::ftgo::consumer::consumer_service::{GetConsumerError, ValidateOrderError};
use ftgo_api::api::ftgo::consumer::{
    Consumer, ConsumerCreated, ConsumerNotFound, ConsumerService, CreateConsumerReply,
    CreateConsumerRequest, GetConsumerRequest, ValidateOrderReply, ValidateOrderRequest,
};
use ftgo_api::host::Journal;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Consumers in memory, and where their events go.
#[derive(Debug)]
pub struct Consumers {
    consumers: Mutex<BTreeMap<i64, Consumer>>,
    events: Option<ConsumerEventsPublisher>,
    journal: Journal,
}

impl Consumers {
    /// The demo consumers 1, 2 and 3; `events` publishes `ConsumerCreated` when given.
    pub fn new(events: Option<ConsumerEventsPublisher>, journal: Journal) -> Consumers {
        let registered_at = Timestamp::from(std::time::SystemTime::now());
        let demo = [(1, "Ada Lovelace"), (2, "Alan Turing"), (3, "Grace Hopper")];
        let consumers = demo
            .into_iter()
            .map(|(consumer_id, name)| {
                let email = format!(
                    "{}@example.com",
                    name.split(' ').next().unwrap_or(name).to_lowercase()
                );
                let consumer = Consumer {
                    consumer_id,
                    name: name.to_owned(),
                    email,
                    registered_at,
                };
                (consumer_id, consumer)
            })
            .collect();
        Consumers {
            consumers: Mutex::new(consumers),
            events,
            journal,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Consumer>> {
        self.consumers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ConsumerService for Consumers {
    async fn create_consumer(
        &self,
        request: Request<CreateConsumerRequest>,
    ) -> Result<CreateConsumerReply, CallError> {
        let CreateConsumerRequest { name, email } = request.input;
        let consumer = {
            let mut consumers = self.lock();
            let consumer_id = consumers.keys().next_back().map_or(1, |last| last + 1);
            let consumer = Consumer {
                consumer_id,
                name,
                email,
                registered_at: Timestamp::from(std::time::SystemTime::now()),
            };
            consumers.insert(consumer_id, consumer.clone());
            consumer
        };
        if let Some(events) = &self.events {
            let created = ConsumerCreated {
                consumer_id: consumer.consumer_id,
                name: consumer.name.clone(),
            };
            events
                .consumer_created(&created)
                .await
                .map_err(unavailable)?;
        }
        self.journal
            .say(|| format!("consumer {} registered", consumer.consumer_id));
        Ok(CreateConsumerReply {
            consumer_id: consumer.consumer_id,
        })
    }

    async fn get_consumer(
        &self,
        request: Request<GetConsumerRequest>,
    ) -> Result<Consumer, GetConsumerError> {
        let consumer_id = request.input.consumer_id;
        let consumer = self.lock().get(&consumer_id).cloned();
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
        if !self.lock().contains_key(&consumer_id) {
            self.journal
                .say(|| format!("order {order_id}: no consumer {consumer_id}"));
            return Err(ConsumerNotFound { consumer_id }.into());
        }
        self.journal
            .say(|| format!("order {order_id}: consumer {consumer_id} verified"));
        Ok(ValidateOrderReply { approved: true })
    }
}

fn unavailable(e: BrokerError) -> CallError {
    CallError::status(
        accord::Code::Unavailable,
        format!("event not published: {e}"),
    )
}
