//! What generated code states about channels, as `static`s: a channel ([`ChannelInfo`]) and an
//! operation bound to one ([`Binding`]). The runtime reads them; it never parses a contract.

use super::message::{Channel, ChannelKind};
use crate::call::OperationInfo;
use crate::codec::Format;
use crate::validate::Violation;
use crate::{CallError, Code, Status};
use std::time::Duration;

/// A channel of the contract: its qualified name, address, kind, ordering key and format.
#[derive(Debug)]
pub struct ChannelInfo {
    /// `<package>.<channel>` (`ftgo.kitchen.kitchen_commands`).
    pub name: &'static str,
    /// Where messages go (`ftgo.kitchen.commands`): NATS subject, AMQP queue or exchange.
    pub address: &'static str,
    /// Point-to-point (commands) or publish-subscribe (events).
    pub kind: ChannelKind,
    /// The field every message of the channel carries that orders them, if any.
    pub key: Option<&'static str>,
    /// The payload format the channel declares.
    pub format: Format,
}

impl ChannelInfo {
    /// The channel as the broker layer takes it (durable, as every contract channel is).
    pub fn channel(&self) -> Channel {
        let channel = match self.kind {
            ChannelKind::PointToPoint => Channel::point_to_point(self.address),
            ChannelKind::PublishSubscribe => Channel::publish_subscribe(self.address),
        };
        match self.key {
            Some(key) => channel.with_key(key),
            None => channel,
        }
    }
}

/// An operation bound to a channel with `@channel(c)`: the request's message type and what a
/// reply may carry.
#[derive(Debug)]
pub struct Binding {
    /// The operation (the same descriptor every transport uses).
    pub op: &'static OperationInfo,
    /// The channel the request travels on.
    pub channel: &'static ChannelInfo,
    /// Qualified name of the input type: the request's `message_type`.
    pub input: &'static str,
    /// Qualified name of the output type (a reply's `message_type` on success); `None` for an
    /// empty reply (`-> ()`) and for `notify`.
    pub output: Option<&'static str>,
    /// `@collect(d)`: the caller collects the replies that arrive within `d`.
    pub collect: Option<Duration>,
}

/// The `message_type` of a reply that carries a failure that is not a declared error (a
/// [`Status`](crate::Status): code, message, violations), as `docs/wire.md` writes it.
pub const STATUS_TYPE: &str = "accord.Status";

/// The `message_type` of an empty reply (an operation whose output is `()`).
pub const EMPTY_TYPE: &str = "accord.Empty";

/// The ordering key of a message whose key field holds `value`: a string as it is, a number
/// or boolean as JSON writes it, an absent optional field as no key (the message is then
/// unordered), anything else as its compact JSON.
pub fn key<T: serde::Serialize + ?Sized>(value: &T) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

/// The payload of an [`STATUS_TYPE`] reply: `{"code": "NOT_FOUND", "message": "...",
/// "violations": [{"field": "...", "message": "..."}]}` (`docs/wire.md`).
pub(crate) fn status_payload(status: &Status) -> Vec<u8> {
    let body = serde_json::json!({
        "code": status.code.as_str(),
        "message": status.message,
        "violations": status.violations,
    });
    serde_json::to_vec(&body).expect("a JSON value always serialises")
}

/// Reads an [`STATUS_TYPE`] reply back; an unreadable one is a decode error.
pub(crate) fn status_of_payload(payload: &[u8]) -> Result<Status, CallError> {
    #[derive(serde::Deserialize)]
    struct Wire {
        code: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        violations: Vec<Violation>,
    }
    let wire: Wire = serde_json::from_slice(payload)
        .map_err(|e| CallError::Decode(format!("a status reply: {e}")))?;
    Ok(Status {
        code: Code::from_name(&wire.code).unwrap_or(Code::Unknown),
        message: wire.message,
        violations: wire.violations,
        remote: true,
    })
}
