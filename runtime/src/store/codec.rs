//! How a [`Message`] and its [`Channel`] are kept in a row: the headers as one JSON object (every
//! header by its wire name, so nothing is lost and a person can read the row), the payload as
//! bytes, the channel as its address, kind, durability and key field.

use super::error::StoreError;
use crate::messaging::{Channel, ChannelKind, Message};
use std::collections::BTreeMap;

/// The headers of `message` as a JSON object.
pub(crate) fn headers_json(message: &Message) -> String {
    let headers: BTreeMap<&str, &str> = message.header_pairs().collect();
    serde_json::to_string(&headers).expect("a map of strings serializes")
}

/// The message back from its stored headers and payload.
pub(crate) fn message(headers: &str, payload: Vec<u8>) -> Result<Message, StoreError> {
    let headers: BTreeMap<String, String> = serde_json::from_str(headers)
        .map_err(|e| StoreError::Database(format!("stored headers are not a JSON object: {e}")))?;
    let mut message = Message::default();
    for (name, value) in headers {
        message.set_header(&name, value);
    }
    message.payload = payload.into();
    Ok(message)
}

/// The stored code of a channel kind.
pub(crate) fn kind_code(kind: ChannelKind) -> i64 {
    match kind {
        ChannelKind::PointToPoint => 0,
        ChannelKind::PublishSubscribe => 1,
    }
}

/// The channel back from its stored columns.
pub(crate) fn channel(
    address: String,
    kind: i64,
    durable: i64,
    key_field: Option<String>,
) -> Channel {
    let channel = match kind {
        1 => Channel::publish_subscribe(address),
        _ => Channel::point_to_point(address),
    };
    let channel = channel.durable(durable != 0);
    match key_field {
        Some(field) => channel.with_key(field),
        None => channel,
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every process and every release, for a key's
/// bucket and its PostgreSQL advisory lock.
pub(crate) fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_through_its_row() {
        let sent = Message::new("ftgo.order.OrderCreated", r#"{"id":1}"#)
            .with_key("order-1")
            .with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .with_header("tenant", "acme");
        let back = message(&headers_json(&sent), sent.payload.to_vec()).unwrap();
        assert_eq!(back, sent);
        let ch = Channel::publish_subscribe("ftgo.orders")
            .with_key("order_id")
            .durable(false);
        let stored = channel(
            ch.address.to_string(),
            kind_code(ch.kind),
            0,
            Some("order_id".into()),
        );
        assert_eq!(stored, ch);
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert!(message("[1]", vec![]).is_err());
    }
}
