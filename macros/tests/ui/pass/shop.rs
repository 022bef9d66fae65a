// The generated types, validation, error types, trait and REST parts are usable from the
// expansion.
use accord::Validate;

#[accord::api("api/shop.accord")]
mod api {}

use api::shop::money::Money;
use api::shop::orders::shop::{GetError, rest};
use api::shop::orders::{LineItem, OrderId, OrderNotFound, PlaceOrder, Shop};

struct InMemory;

impl Shop for InMemory {
    async fn place(&self, _: accord::Request<PlaceOrder>) -> Result<OrderId, accord::CallError> {
        Ok(OrderId { order_id: 7 })
    }

    async fn get(&self, request: accord::Request<OrderId>) -> Result<PlaceOrder, GetError> {
        Err(OrderNotFound { order_id: request.input.order_id }.into())
    }
}

fn main() {
    let order = PlaceOrder {
        line_items: vec![LineItem { menu_item_id: "pie".into(), quantity: 0 }],
        total: Money { amount: 5, currency: "usd".into() },
    };
    let violations = order.validate().unwrap_err();
    assert_eq!(violations.as_slice().len(), 2, "{violations}");
    let _router = rest::router(InMemory, Default::default());
    let _proxy = rest::Proxy::connect("http://127.0.0.1:9").unwrap();
}
