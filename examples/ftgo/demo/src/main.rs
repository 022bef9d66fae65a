//! `cargo run -p ftgo-demo`: the FTGO services in one process on the embedded broker, running
//! the Create Order saga for four orders (approved, a sold-out item, an unknown consumer, a
//! declined card), then asking every courier for a delivery quote. Every step is printed.
//!
//! The same services run as separate processes on NATS or RabbitMQ with
//! `ftgo-order-service --broker URL`, `ftgo-consumer-service`, `ftgo-kitchen-service`,
//! `ftgo-accounting-service` and `ftgo-courier`.

use accord::messaging::{Broker, BrokerConfig, ServeConfig, Serving};
use accord::{ProxyConfig, Request};
use ftgo_accounting_service::Accounting;
use ftgo_api::api::ftgo::accounting::accounting_service::messaging as accounting;
use ftgo_api::api::ftgo::consumer::consumer_service::messaging as consumer;
use ftgo_api::api::ftgo::kitchen::delivery_service::messaging as delivery;
use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging as kitchen;
use ftgo_api::api::ftgo::kitchen::{DeliveryService as _, QuoteRequest};
use ftgo_api::api::ftgo::order::{
    CreateOrderRequest, GetOrderRequest, LineItem, OrderService as _, OrderState,
};
use ftgo_api::host::Journal;
use ftgo_consumer_service::Consumers;
use ftgo_courier::Courier;
use ftgo_kitchen_service::Kitchen;
use ftgo_order_service::{CreateOrderSaga, InMemoryOrders, demo_restaurants};
use futures::StreamExt as _;
use std::process::ExitCode;
use std::sync::Arc;

/// A store that did not open, as the broker error the demo reports.
fn unavailable(e: accord::store::StoreError) -> accord::messaging::BrokerError {
    accord::messaging::BrokerError::Unavailable(format!("in-memory store: {e}"))
}

/// The participants, each consuming its channels on the embedded broker.
async fn participants(broker: &Broker) -> Result<Serving, accord::messaging::BrokerError> {
    // Each participant keeps its state in a private in-memory store, as the binaries do
    // without `--db`. The demo's consumers publish no events: it registers none.
    let kitchen = Kitchen::in_memory(["tiramisu".to_owned()], Journal::stdout("  kitchen"));
    let kitchen = Arc::new(kitchen.await.map_err(unavailable)?);
    let consumers = Consumers::in_memory(false, Journal::stdout("  consumer"));
    let consumers = consumers.await.map_err(unavailable)?;
    let accounting = Accounting::in_memory(Some(5_000), Journal::stdout("  accounting"));
    let accounting = accounting.await.map_err(unavailable)?;
    let mut serving = kitchen::responder(kitchen.clone())
        .serve(broker, ServeConfig::default())
        .await?
        .and(
            kitchen::order_events_subscriber(kitchen)
                .serve(broker, ServeConfig::default())
                .await?,
        )
        .and(
            consumer::responder(consumers)
                .serve(broker, ServeConfig::default())
                .await?,
        )
        .and(
            accounting::responder(accounting)
                .serve(broker, ServeConfig::default())
                .await?,
        );
    for (name, minutes) in [("speedy", 12), ("steady", 25)] {
        let courier = Courier {
            name: name.to_owned(),
            minutes,
            journal: Journal::stdout("  courier"),
        };
        let config = ServeConfig::default().group(name);
        serving = serving.and(delivery::responder(courier).serve(broker, config).await?);
    }
    Ok(serving)
}

fn order(consumer_id: i64, restaurant_id: i64, items: &[(&str, i32)]) -> CreateOrderRequest {
    CreateOrderRequest {
        restaurant_id,
        consumer_id,
        line_items: items
            .iter()
            .map(|(id, quantity)| LineItem {
                menu_item_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect(),
        delivery_note: None,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let broker = Broker::memory(BrokerConfig::default());
    let serving = match participants(&broker).await {
        Ok(serving) => serving,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let saga = match CreateOrderSaga::connect(
        &broker,
        ProxyConfig::default(),
        Journal::stdout("order saga"),
    )
    .await
    {
        Ok(saga) => saga,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let orders = InMemoryOrders::new(demo_restaurants()).with_saga(saga);

    let cases = [
        (
            "an order that goes through",
            order(1, 1, &[("pad-thai", 2)]),
        ),
        (
            "a sold-out dessert",
            order(2, 2, &[("margherita", 1), ("tiramisu", 1)]),
        ),
        (
            "a consumer nobody knows",
            order(99, 1, &[("spring-roll", 1)]),
        ),
        (
            "a total over the card limit",
            order(3, 1, &[("pad-thai", 5)]),
        ),
    ];
    let mut failed = false;
    for (what, request) in cases {
        println!("\n== {what}");
        let created = match orders.create_order(Request::new(request)).await {
            Ok(created) => created,
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
                continue;
            }
        };
        println!(
            "order service: order {} placed, APPROVAL_PENDING",
            created.order_id
        );
        let watch = GetOrderRequest {
            order_id: created.order_id,
        };
        let mut states = orders.watch_order(Request::new(watch));
        let ended = loop {
            match states.next().await {
                Some(Ok(order)) if order.state != OrderState::ApprovalPending => break Some(order),
                Some(Ok(_)) => continue,
                _ => break None,
            }
        };
        match ended {
            Some(order) => println!(
                "order service: order {} is {:?}",
                order.order_id, order.state
            ),
            None => failed = true,
        }
    }

    println!("\n== delivery quotes for order 1 (publish/async responses: every courier answers)");
    match delivery::Proxy::new(&broker, ProxyConfig::default()).await {
        Ok(couriers) => {
            let mut quotes = couriers.quote(Request::new(QuoteRequest { order_id: 1 }));
            while let Some(quote) = quotes.next().await {
                match quote {
                    Ok(quote) => println!("quote: {} in {} min", quote.courier, quote.minutes),
                    Err(e) => println!("quote failed: {e}"),
                }
            }
            println!("quotes collected (the 2 s window closed)");
        }
        Err(e) => {
            eprintln!("error: {e}");
            failed = true;
        }
    }
    drop(serving);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
