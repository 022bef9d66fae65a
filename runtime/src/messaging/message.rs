//! What travels: a [`Message`] (the headers of `docs/wire.md` and the payload as bytes) and the
//! [`Channel`] it travels on. Generated code encodes and decodes payloads; this layer never does.

use crate::codec::Format;
use bytes::Bytes;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

/// The header (NATS header, AMQP property or header) names of `docs/wire.md`; other languages
/// rely on exactly these spellings.
pub mod header {
    /// Unique id of the message (a UUID). AMQP: the `message_id` property.
    pub const MESSAGE_ID: &str = "message_id";
    /// Qualified name of the payload type. AMQP: the `type` property.
    pub const MESSAGE_TYPE: &str = "message_type";
    /// For replies: the request's `message_id`. AMQP: the `correlation_id` property.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// For requests: the address of the reply inbox. AMQP: the `reply_to` property.
    pub const REPLY_TO: &str = "reply_to";
    /// W3C trace context. AMQP: a header.
    pub const TRACEPARENT: &str = "traceparent";
    /// `application/json` or `application/x-protobuf`. AMQP: the `content_type` property.
    pub const CONTENT_TYPE: &str = "content_type";
    /// The value of the channel's `key` field: messages with the same key are handled in order.
    pub const MESSAGE_KEY: &str = "message_key";
    /// On a dead letter: why it was dead-lettered.
    pub const ERROR: &str = "error";
    /// On a dead letter: how many times its handler ran (0 for undecodable messages).
    pub const ATTEMPTS: &str = "attempts";
    /// On a request: when its caller stops waiting, in milliseconds since the Unix epoch (UTC);
    /// a responder drops it unrun after that.
    pub const DEADLINE: &str = "deadline";
}

/// The content type of JSON payloads (the default).
pub const JSON: &str = "application/json";
/// The content type of payloads on channels with `format protobuf`.
pub const PROTOBUF: &str = "application/x-protobuf";

/// One message: the wire headers, any other headers, and the encoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Unique id (a UUID v4 unless set).
    pub message_id: String,
    /// Qualified name of the payload's type or of a thrown error (`ftgo.kitchen.TicketRejected`).
    /// Generated code names static strings, so no allocation per message.
    pub message_type: Cow<'static, str>,
    /// On a reply: the request's `message_id`; otherwise propagated from the work at hand.
    pub correlation_id: Option<String>,
    /// On an asynchronous request: the address of the requester's reply inbox.
    pub reply_to: Option<String>,
    /// W3C trace context (`traceparent`).
    pub traceparent: Option<String>,
    /// [`JSON`] (the default) or [`PROTOBUF`].
    pub content_type: Cow<'static, str>,
    /// The ordering key (the value of the channel's `key` field), if the channel has one.
    pub key: Option<String>,
    /// Any other headers, by name.
    pub headers: BTreeMap<String, String>,
    /// The encoded payload.
    pub payload: Bytes,
}

impl Default for Message {
    fn default() -> Self {
        Message {
            message_id: String::new(),
            message_type: Cow::Borrowed(""),
            correlation_id: None,
            reply_to: None,
            traceparent: None,
            content_type: Cow::Borrowed(JSON),
            key: None,
            headers: BTreeMap::new(),
            payload: Bytes::new(),
        }
    }
}

impl Message {
    /// A JSON message of `message_type` with a fresh `message_id`.
    pub fn new(message_type: impl Into<Cow<'static, str>>, payload: impl Into<Bytes>) -> Self {
        Message {
            message_id: uuid_text(uuid::Uuid::new_v4()),
            message_type: message_type.into(),
            payload: payload.into(),
            ..Message::default()
        }
    }

    /// The reply to this request: `correlation_id` = this `message_id`, same trace and content
    /// type. Send it with [`Broker::reply`](super::Broker::reply) to this message's `reply_to`.
    pub fn reply(
        &self,
        message_type: impl Into<Cow<'static, str>>,
        payload: impl Into<Bytes>,
    ) -> Message {
        Message {
            correlation_id: Some(self.message_id.clone()),
            traceparent: self.traceparent.clone(),
            content_type: self.content_type.clone(),
            ..Message::new(message_type, payload)
        }
    }

    /// Sets the ordering key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the correlation id.
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Sets the reply inbox address.
    pub fn with_reply_to(mut self, address: impl Into<String>) -> Self {
        self.reply_to = Some(address.into());
        self
    }

    /// Sets the trace context.
    pub fn with_traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    /// Sets the content type.
    pub fn with_content_type(mut self, content_type: impl Into<Cow<'static, str>>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// The payload's format, read off its content type; `None` for one the runtime cannot read.
    pub fn format(&self) -> Option<Format> {
        match &*self.content_type {
            JSON => Some(Format::Json),
            PROTOBUF => Some(Format::Protobuf),
            _ => None,
        }
    }

    /// A header by name: the named fields first, then the other headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        match name {
            header::MESSAGE_ID => Some(&self.message_id),
            header::MESSAGE_TYPE => Some(&self.message_type),
            header::CORRELATION_ID => self.correlation_id.as_deref(),
            header::REPLY_TO => self.reply_to.as_deref(),
            header::TRACEPARENT => self.traceparent.as_deref(),
            header::CONTENT_TYPE => Some(&self.content_type),
            header::MESSAGE_KEY => self.key.as_deref(),
            _ => self.headers.get(name).map(String::as_str),
        }
    }

    /// Every header as (name, value), the named fields first: what NATS sends, and what a
    /// backend reads back with [`Message::set_header`].
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let named = [
            (header::MESSAGE_ID, Some(self.message_id.as_str())),
            (header::MESSAGE_TYPE, Some(&*self.message_type)),
            (header::CORRELATION_ID, self.correlation_id.as_deref()),
            (header::REPLY_TO, self.reply_to.as_deref()),
            (header::TRACEPARENT, self.traceparent.as_deref()),
            (header::CONTENT_TYPE, Some(&*self.content_type)),
            (header::MESSAGE_KEY, self.key.as_deref()),
        ];
        let named = named.into_iter().filter_map(|(n, v)| Some((n, v?)));
        named.chain(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// Sets a header by name: a named field or another header.
    pub fn set_header(&mut self, name: &str, value: String) {
        match name {
            header::MESSAGE_ID => self.message_id = value,
            header::MESSAGE_TYPE => self.message_type = Cow::Owned(value),
            header::CORRELATION_ID => self.correlation_id = Some(value),
            header::REPLY_TO => self.reply_to = Some(value),
            header::TRACEPARENT => self.traceparent = Some(value),
            header::CONTENT_TYPE => self.content_type = content_type(value),
            header::MESSAGE_KEY => self.key = Some(value),
            _ => {
                self.headers.insert(name.to_owned(), value);
            }
        }
    }
}

/// The hyphenated lower-case text of a UUID, as `to_string` writes it, without the formatting
/// machinery: one allocation of exactly 36 bytes.
fn uuid_text(id: uuid::Uuid) -> String {
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    String::from(&*id.hyphenated().encode_lower(&mut text))
}

/// The two usual content types without an allocation.
pub(crate) fn content_type(value: String) -> Cow<'static, str> {
    match value.as_str() {
        JSON => Cow::Borrowed(JSON),
        PROTOBUF => Cow::Borrowed(PROTOBUF),
        _ => Cow::Owned(value),
    }
}

/// How a channel delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Commands: every message goes to one consumer; all subscribers compete, whatever their
    /// group.
    PointToPoint,
    /// Events: every subscriber group gets every message; the instances of one group compete.
    PublishSubscribe,
}

/// A channel as the runtime sees it: where messages go and how they are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Channel {
    /// The address: NATS subject, AMQP queue (point-to-point) or topic exchange
    /// (publish-subscribe), memory queue. Borrowed when it is a contract's (a `static`), so
    /// naming a channel per message allocates nothing.
    pub address: Cow<'static, str>,
    /// Point-to-point or publish-subscribe.
    pub kind: ChannelKind,
    /// The name of the payload's ordering key field, if the channel declares one.
    pub key: Option<Cow<'static, str>>,
    /// Whether messages survive a broker restart (JetStream stream, durable AMQP queues and
    /// persistent messages). Default `true`.
    pub durable: bool,
    /// For a subscription on NATS: how long JetStream waits for an acknowledgement before it
    /// redelivers; `None` (the default): `BrokerConfig::ack_wait`. A responder sets it from its
    /// operations' `@timeout` (`docs/wire.md`, "Deadlines").
    pub ack_wait: Option<Duration>,
}

impl Channel {
    /// A durable point-to-point channel.
    pub fn point_to_point(address: impl Into<Cow<'static, str>>) -> Self {
        Self::new(address.into(), ChannelKind::PointToPoint)
    }

    /// A durable publish-subscribe channel.
    pub fn publish_subscribe(address: impl Into<Cow<'static, str>>) -> Self {
        Self::new(address.into(), ChannelKind::PublishSubscribe)
    }

    fn new(address: Cow<'static, str>, kind: ChannelKind) -> Self {
        Channel {
            address,
            kind,
            key: None,
            durable: true,
            ack_wait: None,
        }
    }

    /// Sets the ack wait of subscriptions to this channel.
    pub fn with_ack_wait(mut self, ack_wait: Duration) -> Self {
        self.ack_wait = Some(ack_wait);
        self
    }

    /// Names the ordering key field.
    pub fn with_key(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.key = Some(field.into());
        self
    }

    /// Sets durability.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// The dead-letter channel of this one: point-to-point `<address>.dlq`, as durable.
    pub fn dead_letters(&self) -> Channel {
        Channel::point_to_point(format!("{}.dlq", self.address)).durable(self.durable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_through_names() {
        let request = Message::new("ftgo.kitchen.CreateTicket", "{}")
            .with_reply_to("inbox.1")
            .with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .with_key("order-7")
            .with_header("tenant", "acme");
        let reply = request.reply("ftgo.kitchen.TicketRejected", "{}");
        assert_eq!(reply.correlation_id.as_deref(), Some(&*request.message_id));
        assert_eq!(reply.traceparent, request.traceparent);
        assert_ne!(reply.message_id, request.message_id);
        let id = uuid::Uuid::parse_str(&request.message_id).unwrap();
        assert_eq!(request.message_id, id.to_string());
        assert_eq!(id.get_version_num(), 4);

        let mut copy = Message::default();
        for (name, value) in request.header_pairs() {
            copy.set_header(name, value.to_owned());
        }
        copy.payload = request.payload.clone();
        assert_eq!(copy, request);
        assert_eq!(request.header("tenant"), Some("acme"));
        assert_eq!(request.header(header::MESSAGE_KEY), Some("order-7"));
        assert_eq!(
            Channel::publish_subscribe("ftgo.orders").dead_letters(),
            Channel::point_to_point("ftgo.orders.dlq")
        );
    }
}
