//! `#[derive(accord::Message)]` written by hand on a user's own types: they travel exactly as
//! the generated types of the same declaration do (JSON, protobuf, validation, the JSON shape a
//! skeleton reports), so either side of a call may hold either.

use accord::codec::{self, Format};
use accord::proto::Message as _;
use accord::{FieldPath, Validate, Violations};
use accord_rust_golden::ftgo_api::ftgo::order as generated;
use serde_json::json;

/// `ftgo.order.LineItem`, by hand: the tags left to count from 1.
#[derive(Debug, Clone, PartialEq, accord::Message)]
#[accord(proto = "ftgo.order.v1.LineItem", new)]
struct Item {
    #[accord(rename = "menu_item_id")]
    menu: String,
    #[accord(range(min = 1, max = 100))]
    quantity: i32,
}

/// `ftgo.order.CreateOrderRequest`, by hand, with an explicit tag and an optional field.
#[derive(Debug, Clone, PartialEq, accord::Message)]
#[accord(proto = "ftgo.order.v1.CreateOrderRequest", new)]
struct Create {
    restaurant_id: i64,
    consumer_id: i64,
    #[accord(tag = 3, length(min = 1))]
    line_items: Vec<Item>,
    #[accord(tag = 4)]
    delivery_note: Option<String>,
}

/// `ftgo.order.PaymentMethod`, by hand: a union.
#[derive(Debug, Clone, PartialEq, accord::Message)]
#[accord(proto = "ftgo.order.v1.PaymentMethod")]
enum Payment {
    #[accord(rename = "card")]
    Card(Card),
    #[accord(rename = "voucher")]
    Voucher(String),
}

#[derive(Debug, Clone, PartialEq, accord::Message)]
#[accord(proto = "ftgo.order.v1.CardToken")]
struct Card {
    token: String,
}

/// A field with a `default`: absent means `Self::default_<field>()`, on both wires.
#[derive(Debug, Clone, PartialEq, accord::Message)]
#[accord(new)]
struct Page {
    #[accord(default, range(max = 50))]
    size: u32,
}

impl Page {
    fn default_size() -> u32 {
        20
    }
}

fn hand_made() -> Create {
    Create::new(7, 9, vec![Item::new("pizza".into(), 2)]).with_delivery_note("ring twice".into())
}

fn generated_twin() -> generated::CreateOrderRequest {
    generated::CreateOrderRequest::new(7, 9, vec![generated::LineItem::new("pizza".into(), 2)])
        .with_delivery_note("ring twice".into())
}

#[test]
fn a_hand_written_type_has_the_generated_types_wire_forms() {
    for format in [Format::Json, Format::Protobuf] {
        let hand = codec::encode(&hand_made(), format).unwrap();
        let twin = codec::encode(&generated_twin(), format).unwrap();
        assert_eq!(hand, twin, "{format:?}");
        let back: generated::CreateOrderRequest = codec::decode(&hand, format).unwrap();
        assert_eq!(back, generated_twin());
        let back: Create = codec::decode(&twin, format).unwrap();
        assert_eq!(back, hand_made());
    }
    assert_eq!(
        serde_json::to_value(hand_made()).unwrap(),
        json!({"restaurant_id": 7, "consumer_id": 9, "delivery_note": "ring twice",
               "line_items": [{"menu_item_id": "pizza", "quantity": 2}]})
    );
    let card = Payment::Card(Card { token: "t".into() });
    let twin = generated::PaymentMethod::Card(generated::CardToken::new("t".into()));
    assert_eq!(
        serde_json::to_value(&card).unwrap(),
        json!({"card": {"token": "t"}})
    );
    assert_eq!(card.encode_to_vec(), twin.encode_to_vec());
    assert_eq!(Payment::decode(&twin.encode_to_vec()).unwrap(), card);
}

#[test]
fn an_absent_optional_field_is_left_out_and_a_default_fills_in() {
    let bare = Create::new(1, 2, vec![Item::new("x".into(), 1)]);
    let value = serde_json::to_value(&bare).unwrap();
    assert!(value.get("delivery_note").is_none(), "{value}");
    let page: Page = serde_json::from_value(json!({})).unwrap();
    assert_eq!(page, Page::new());
    assert_eq!(page.size, 20);
    assert_eq!(Page::decode(&[]).unwrap().size, 20);
    assert_eq!(Page::new().with_size(5).size, 5);
}

#[test]
fn validation_and_shape_report_what_the_generated_type_reports() {
    let mut hand = hand_made();
    hand.line_items[0].quantity = 0;
    hand.line_items.push(Item::new("y".into(), 101));
    let mut twin = generated_twin();
    twin.line_items[0].quantity = 0;
    twin.line_items
        .push(generated::LineItem::new("y".into(), 101));
    let messages = |v: Violations| -> Vec<String> {
        v.as_slice()
            .iter()
            .map(|v| format!("{}: {}", v.field, v.message))
            .collect()
    };
    let hand = messages(hand.validate().unwrap_err());
    assert_eq!(hand, messages(twin.validate().unwrap_err()));
    assert_eq!(hand.len(), 2, "{hand:?}");
    assert!(hand[0].contains("line_items[0].quantity"), "{hand:?}");
    let empty = Create::new(1, 2, Vec::new()).validate().unwrap_err();
    assert!(messages(empty)[0].contains("line_items"));
    assert!(Page::new().with_size(51).validate().is_err());

    let body = json!({"restaurant_id": "seven", "line_items": [{"quantity": 1}]});
    let shape = |check: fn(&serde_json::Value, &FieldPath<'_>, &mut Violations)| {
        let mut violations = Violations::new();
        check(&body, &FieldPath::Root, &mut violations);
        messages(violations)
    };
    let hand = shape(<Create as accord::__private::Shape>::check_shape);
    let twin = shape(<generated::CreateOrderRequest as accord::__private::Shape>::check_shape);
    assert_eq!(hand, twin);
    assert_eq!(hand.len(), 3, "{hand:?}");
}
