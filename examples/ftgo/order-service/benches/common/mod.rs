//! What the REST benches serve on both sides: the same stores, the same seeded order and
//! consumer, and the hand-written axum handlers, so that their numbers compare the generated
//! glue to one baseline.
//!
//! Like for like (issue 31): the hand-written `GET /orders/{order_id}` answers exactly the
//! bytes the generated `@hypermedia` skeleton sends, HAL `_links` included, the way a person
//! would write it (a wrapper struct with the order flattened and its links formatted);
//! `GET /consumers/{consumer_id}` is a plain operation (its service is not `@hypermedia`), the
//! order without links. `tests/bench_bodies.rs` asserts both pairs of bodies are byte-equal.

// Each bench and the test use a different part of this module.
#![allow(dead_code)]

use accord::{CallError, Request, Timestamp};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ftgo_order_service::api::ftgo::consumer::consumer_service::{
    GetConsumerError, ValidateOrderError,
};
use ftgo_order_service::api::ftgo::consumer::{
    Consumer, ConsumerNotFound, ConsumerService, CreateConsumerReply, CreateConsumerRequest,
    GetConsumerRequest, ValidateOrderReply, ValidateOrderRequest,
};
use ftgo_order_service::api::ftgo::order::{
    CreateOrderRequest, GetOrderRequest, LineItem, Order, OrderService,
};
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
use serde::Serialize;
use std::sync::Arc;

pub fn store() -> InMemoryOrders {
    InMemoryOrders::new(demo_restaurants())
}

/// An order with a few items and labels: a realistic body of a few hundred bytes.
pub async fn seed(store: &InMemoryOrders) -> Order {
    let items = [("pad-thai", 2), ("spring-roll", 3), ("pad-thai", 1)];
    let request = CreateOrderRequest {
        restaurant_id: 1,
        consumer_id: 7,
        line_items: items
            .iter()
            .map(|(id, q)| LineItem {
                menu_item_id: (*id).to_owned(),
                quantity: *q,
            })
            .collect(),
        delivery_note: Some("leave at the door".to_owned()),
    };
    let reply = store
        .create_order(request.into())
        .await
        .expect("seed order");
    store
        .get_order(
            GetOrderRequest {
                order_id: reply.order_id,
            }
            .into(),
        )
        .await
        .expect("seeded")
}

/// The hand-written server of `GET /orders/{order_id}`: the order from the same in-memory
/// store through the same business logic, with its HAL links, so the generated side differs
/// only in its glue.
pub fn hand_written_router(store: InMemoryOrders) -> axum::Router {
    async fn get_order(
        State(store): State<Arc<InMemoryOrders>>,
        Path(order_id): Path<i64>,
    ) -> Response {
        match store.get_order(GetOrderRequest { order_id }.into()).await {
            Ok(order) => axum::Json(OrderResource::new(&order)).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    axum::Router::new()
        .route("/orders/{order_id}", axum::routing::get(get_order))
        .with_state(Arc::new(store))
}

/// An order as a HAL resource: what the order service's contract gives `GET /orders/{id}`
/// (its own operations on the order, and the `@link` to its consumer).
#[derive(Serialize)]
pub struct OrderResource<'a> {
    #[serde(flatten)]
    order: &'a Order,
    _links: OrderLinks,
}

#[derive(Serialize)]
struct OrderLinks {
    #[serde(rename = "self")]
    this: Link,
    cancel_order: Link,
    consumer: Link,
}

#[derive(Serialize)]
struct Link {
    href: String,
    method: &'static str,
}

impl<'a> OrderResource<'a> {
    pub fn new(order: &'a Order) -> Self {
        let id = order.order_id;
        let link = |href, method| Link { href, method };
        OrderResource {
            order,
            _links: OrderLinks {
                this: link(format!("/orders/{id}"), "GET"),
                cancel_order: link(format!("/orders/{id}/cancel"), "POST"),
                consumer: link(format!("/consumers/{}", order.consumer_id), "GET"),
            },
        }
    }
}

/// The consumer both plain servers hold.
pub const CONSUMER_ID: i64 = 7;

/// The consumer service's part the plain bench calls: one consumer in memory, cloned out as
/// a store would.
pub struct Consumers {
    consumer: Consumer,
}

impl Consumers {
    pub fn new() -> Self {
        Consumers {
            consumer: Consumer {
                consumer_id: CONSUMER_ID,
                name: "Ada Lovelace".to_owned(),
                email: "ada@example.com".to_owned(),
                registered_at: Timestamp::from(std::time::UNIX_EPOCH),
            },
        }
    }
}

impl ConsumerService for Consumers {
    async fn create_consumer(
        &self,
        _: Request<CreateConsumerRequest>,
    ) -> Result<CreateConsumerReply, CallError> {
        Err(CallError::Internal("not in the bench".into()))
    }

    async fn get_consumer(
        &self,
        request: Request<GetConsumerRequest>,
    ) -> Result<Consumer, GetConsumerError> {
        let consumer_id = request.input.consumer_id;
        match consumer_id == self.consumer.consumer_id {
            true => Ok(self.consumer.clone()),
            false => Err(ConsumerNotFound { consumer_id }.into()),
        }
    }

    async fn validate_order(
        &self,
        _: Request<ValidateOrderRequest>,
    ) -> Result<ValidateOrderReply, ValidateOrderError> {
        Err(CallError::Internal("not in the bench".into()).into())
    }
}

/// The hand-written server of the plain `GET /consumers/{consumer_id}`.
pub fn hand_written_consumers(consumers: Consumers) -> axum::Router {
    async fn get_consumer(
        State(consumers): State<Arc<Consumers>>,
        Path(consumer_id): Path<i64>,
    ) -> Response {
        let request = GetConsumerRequest { consumer_id }.into();
        match consumers.get_consumer(request).await {
            Ok(consumer) => axum::Json(consumer).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    axum::Router::new()
        .route("/consumers/{consumer_id}", axum::routing::get(get_consumer))
        .with_state(Arc::new(consumers))
}

/// The deadline a generated proxy holds each call to when its caller set none
/// (`ProxyConfig::default_timeout`): the hand-written client doing the proxy's duties sets it too.
pub const DEFAULT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// The hand-written client's request: reqwest getting `url` and decoding a `T`, with the
/// `traceparent` given (a generated proxy sends one on every call) and held to `deadline` (a
/// generated proxy always is: reqwest's per-request timeout); `None` on any failure.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    traceparent: Option<String>,
    deadline: Option<std::time::Duration>,
) -> Option<T> {
    let mut get = http.get(url);
    if let Some(traceparent) = traceparent {
        get = get.header("traceparent", traceparent);
    }
    if let Some(deadline) = deadline {
        get = get.timeout(deadline);
    }
    let response = get.send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json::<T>().await.ok()
}
