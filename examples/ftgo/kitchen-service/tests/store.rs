//! The kitchen on its store: idempotent by order (a duplicated or redelivered `CreateTicket`
//! makes no second ticket), a cancellation by order that also refuses a later `CreateTicket`,
//! tickets and their ids kept across a restart on the same `--db`, and the REST view.

use accord::Request;
use ftgo_api::api::ftgo::kitchen::kitchen_service::CreateTicketError;
use ftgo_api::api::ftgo::kitchen::kitchen_service::rest;
use ftgo_api::api::ftgo::kitchen::{
    CancelOrderTickets, CreateTicket, KitchenService as _, TicketState,
};
use ftgo_api::api::ftgo::order::LineItem;
use ftgo_api::host::Journal;
use ftgo_kitchen_service::{Kitchen, TABLES};

fn ticket(order_id: i64, item: &str) -> Request<CreateTicket> {
    Request::new(CreateTicket {
        order_id,
        line_items: vec![LineItem {
            menu_item_id: item.to_owned(),
            quantity: 1,
        }],
    })
}

async fn kitchen() -> Kitchen {
    Kitchen::in_memory(["tiramisu".to_owned()], Journal::silent())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_duplicated_create_ticket_makes_one_ticket() {
    let kitchen = kitchen().await;
    let first = kitchen.create_ticket(ticket(7, "pad-thai")).await.unwrap();
    let again = kitchen.create_ticket(ticket(7, "pad-thai")).await.unwrap();
    assert_eq!(first.ticket_id, again.ticket_id);
    let tickets = kitchen.tickets_of(7).await.unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0].state, TicketState::Created);
}

#[tokio::test]
async fn a_cancellation_by_order_cancels_and_refuses_a_later_create_ticket() {
    let kitchen = kitchen().await;
    // Before the ticket (the compensation overtook a late command): nothing to cancel yet...
    let cancel = |order_id| {
        Request::new(CancelOrderTickets {
            order_id,
            reason: Some("timed out".into()),
        })
    };
    kitchen.cancel_order_tickets(cancel(8)).await.unwrap();
    let late = kitchen.create_ticket(ticket(8, "pad-thai")).await;
    assert!(
        matches!(late, Err(CreateTicketError::TicketRejected(_))),
        "{late:?}"
    );
    assert!(kitchen.tickets_of(8).await.unwrap().is_empty());
    // ...and after it, twice: cancelled once, and stays so.
    kitchen.create_ticket(ticket(9, "pad-thai")).await.unwrap();
    kitchen.cancel_order_tickets(cancel(9)).await.unwrap();
    kitchen.cancel_order_tickets(cancel(9)).await.unwrap();
    let tickets = kitchen.tickets_of(9).await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].state, TicketState::Cancelled);
    // A sold-out item is still refused, and leaves nothing.
    let sold_out = kitchen.create_ticket(ticket(10, "tiramisu")).await;
    assert!(matches!(
        sold_out,
        Err(CreateTicketError::TicketRejected(_))
    ));
    assert!(kitchen.tickets_of(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn tickets_and_their_ids_survive_a_restart_on_the_same_db() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kitchen.db").display().to_string();
    let open = || async {
        let store = ftgo_api::store::open(Some(&db), TABLES).await.unwrap();
        Kitchen::new(store, Vec::<String>::new(), Journal::silent())
    };
    let kitchen = open().await;
    let first = kitchen.create_ticket(ticket(1, "pad-thai")).await.unwrap();
    kitchen
        .cancel_order_tickets(Request::new(CancelOrderTickets {
            order_id: 1,
            reason: None,
        }))
        .await
        .unwrap();
    drop(kitchen);
    let kitchen = open().await;
    assert_eq!(
        kitchen.tickets_of(1).await.unwrap()[0].state,
        TicketState::Cancelled
    );
    // The cancellation is remembered, and a new ticket gets a new id.
    let late = kitchen.create_ticket(ticket(1, "pad-thai")).await;
    assert!(late.is_err());
    let second = kitchen.create_ticket(ticket(2, "pad-thai")).await.unwrap();
    assert!(second.ticket_id > first.ticket_id);
}

#[tokio::test]
async fn the_tickets_view_answers_over_rest() {
    let kitchen = std::sync::Arc::new(kitchen().await);
    kitchen.create_ticket(ticket(3, "pad-thai")).await.unwrap();
    let router = rest::router(kitchen.clone(), Default::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        accord::rest::server::serve(listener, router, accord::Shutdown::never()).await
    });
    let get = |query: &'static str| async move {
        let url = format!("http://{addr}/tickets{query}");
        let response = reqwest::get(url).await.unwrap();
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().await.unwrap())
    };
    let (status, body) = get("?order_id=3").await;
    assert_eq!(status, 200);
    let tickets = body["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["order_id"], 3);
    assert_eq!(tickets[0]["state"], "CREATED");
    assert!(tickets[0]["ticket_id"].is_i64());
    assert_eq!(
        get("?order_id=4").await.1,
        serde_json::json!({"tickets": []})
    );
    let (status, _) = get("").await;
    assert_eq!(status, 400, "order_id is required");
}
