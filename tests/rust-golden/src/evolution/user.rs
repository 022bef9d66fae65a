// User code written against version 1 of `api/evolution/v1.accord`, included twice by lib.rs:
// once with `api` = the v1 output and once with `api` = the v1.1 output. That both compile
// (under deny(warnings) and clippy) is the test that the MINOR changes between them break none of
// it: the idioms used here are the ones docs/evolution.md recommends.

use api::shop::{FindError, GetError};
use api::{Color, GetItem, GetMaker, Item, Payment, Shop};

/// Requests are built with `new` (the required fields) and `with_*` (the optional ones):
/// field-added (an optional request field) adds neither.
pub fn request() -> GetItem {
    GetItem::new(7, 2).with_note("gift".into())
}

/// A `@default` is read from its constant, not restated: default-changed cannot go unnoticed.
pub fn limit_or_default(request: &GetItem) -> bool {
    request.limit == GetItem::DEFAULT_LIMIT
}

/// Responses are read by field and matched with `..`: a field added to a response
/// (field-added, link-added's hypermedia aside) is ignored.
pub fn describe(item: &Item) -> String {
    let Item { id, tag, .. } = item;
    let color = match &item.color {
        Some(Color::Red) => "red",
        Some(Color::Green) => "green",
        // enum-value-added: a value this version does not know, or one added later.
        Some(_) => "another color",
        None => "no color",
    };
    // variant-added: a union gains a variant, and a union has no catch-all variant, so it is
    // read with `if let` (a `match` needs a `_` arm, unreachable until a variant is added).
    let paid = if let Some(Payment::Card(card)) = &item.paid_with {
        card.clone()
    } else {
        String::new()
    };
    format!("{id} {tag:?} {color} {paid}")
}

/// Errors are matched with a catch-all arm: op-error-added adds a variant.
pub fn is_missing(error: &FindError) -> bool {
    match error {
        FindError::NotFound(missing) => missing.id > 0,
        _ => false,
    }
}

/// A client calls through the service trait, whatever the transport (and whatever operations,
/// services, channels, scopes, timeouts or HTTP bindings a later version adds).
pub async fn call(shop: &impl Shop) -> Result<String, Box<dyn std::error::Error>> {
    let item = match shop.find(request().into()).await {
        Ok(item) => item,
        Err(error) if is_missing(&error) => return Ok("missing".to_owned()),
        Err(error) => return Err(error.into()),
    };
    let got: Result<Item, GetError> = shop.get(request().into()).await;
    let maker = shop.get_maker(GetMaker::new(item.maker_id).into()).await?;
    Ok(format!("{} {} {}", describe(&item), got.is_ok(), maker.name))
}

#[test]
fn defaults_are_public_and_honoured() {
    let built = request();
    assert_eq!(built.id, 7);
    assert_eq!(built.count, 2);
    assert_eq!(built.note.as_deref(), Some("gift"));
    assert_eq!(GetItem::DEFAULT_LIMIT, 10);
    assert!(limit_or_default(&built));
    assert_eq!(GetItem::default().limit, GetItem::DEFAULT_LIMIT);
    let decoded: GetItem = serde_json::from_str(r#"{"id": 1, "count": 1}"#).unwrap();
    assert_eq!(decoded.limit, GetItem::DEFAULT_LIMIT);
}
