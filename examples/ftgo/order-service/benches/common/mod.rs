//! What both REST benches serve: the same store, the same seeded order and the same
//! hand-written axum handler, so that their numbers compare the generated glue to one baseline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ftgo_order_service::api::ftgo::order::{
    CreateOrderRequest, GetOrderRequest, LineItem, Order, OrderService,
};
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
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

/// The hand-written server: `GET /orders/{order_id}` answering from the same in-memory store
/// through the same business logic, so the generated side differs only in its glue.
pub fn hand_written_router(store: InMemoryOrders) -> axum::Router {
    async fn get_order(
        State(store): State<Arc<InMemoryOrders>>,
        Path(order_id): Path<i64>,
    ) -> Response {
        match store.get_order(GetOrderRequest { order_id }.into()).await {
            Ok(order) => axum::Json(order).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    axum::Router::new()
        .route("/orders/{order_id}", axum::routing::get(get_order))
        .with_state(Arc::new(store))
}
