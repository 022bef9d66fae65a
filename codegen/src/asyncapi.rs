//! AsyncAPI 3.0.0: one document per service that publishes, subscribes, has channel-bound
//! operations or `uses` a service that has some, written as YAML and JSON
//! (`<package>.<Service>.yaml` / `.json`).
//!
//! Shape of a document:
//! - `channels`: every channel the service touches, keyed by qualified name, with its messages
//!   inline (keyed by the payload's qualified name, content type from the channel's `format`);
//!   plus one reply channel per request/response operation (`<op>-reply`, `address: null`: the
//!   caller chooses it through the `reply_to` header), and per answering operation of a used
//!   service (`uses.<service>.<op>-reply`: this service's own reply address).
//! - `operations`, actions from the service's point of view: `publishes.<channel>` (send),
//!   `subscribes.<channel>` (receive), each `@channel` operation under its own name (receive,
//!   with a `reply` unless it is a `notify`), and each `@channel` operation of a used service as
//!   `uses.<service>.<op>` (send, with the `reply` it receives unless it is a `notify`).
//! - `bindings` for AMQP 0-9-1 (0.3.0) and NATS (0.1.0) as docs/wire.md maps channels, without
//!   `servers`: the same document holds whichever broker the runtime is pointed at.
//! - `components.schemas`: the same schemas as the JSON Schema files ([`crate::schema`]);
//!   `components.messageTraits.AccordHeaders`: the standard headers of docs/wire.md.

use crate::schema::{self, Schema, SchemaBuilder};
use crate::{OutputFile, parallel};
use accord_idl::Model;
use accord_idl::model::{ChannelId, ChannelKind, DeclId, Format, Operation, Output, ServiceId};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value, json};

pub const VERSION: &str = "3.0.0";
const HEADERS_TRAIT: &str = "AccordHeaders";
const AMQP_BINDING_VERSION: &str = "0.3.0";
const NATS_BINDING_VERSION: &str = "0.1.0";
/// The NATS queue group of point-to-point consumers on core (non-durable) channels (docs/wire.md).
const NATS_POINT_TO_POINT_GROUP: &str = "accord";
const REPLY_TO: &str = "$message.header#/reply_to";
const CORRELATION_ID: &str = "$message.header#/correlation_id";

/// Every service document, YAML and JSON, in service order (services on every core).
pub fn emit(model: &Model) -> Vec<OutputFile> {
    let ids: Vec<ServiceId> = model
        .service_ids()
        .filter(|&id| has_messaging(model, id))
        .collect();
    let docs = parallel::map(&ids, |&id| {
        let doc = document(model, id);
        let base = model.qualified_service_name(id);
        let yaml = schema::to_yaml(&doc);
        // The JSON of a document is about half as long again as its YAML.
        let json = schema::to_json_sized(&doc, yaml.len() * 3 / 2);
        [
            OutputFile::new(format!("{base}.yaml"), yaml),
            OutputFile::new(format!("{base}.json"), json),
        ]
    });
    docs.into_iter().flatten().collect()
}

/// Whether a service gets an AsyncAPI document.
pub fn has_messaging(model: &Model, id: ServiceId) -> bool {
    let service = model.service(id);
    let bound = |s: ServiceId| {
        model
            .service(s)
            .operations
            .iter()
            .any(|op| op.channel.is_some())
    };
    !service.publishes.is_empty()
        || !service.subscribes.is_empty()
        || bound(id)
        || service.uses.iter().any(|&used| bound(used))
}

/// The document of one service.
pub fn document(model: &Model, id: ServiceId) -> Document<'_> {
    let refs =
        |target: DeclId| format!("#/components/schemas/{}", model.qualified_decl_name(target));
    let doc = Doc {
        model,
        service: id,
        schemas: SchemaBuilder { model, refs: &refs },
    };
    doc.build()
}

/// An AsyncAPI document: its schemas as the mapping writes them, the rest as JSON values.
#[derive(Serialize)]
pub struct Document<'m> {
    asyncapi: &'static str,
    info: Map<String, Value>,
    #[serde(rename = "defaultContentType")]
    default_content_type: &'static str,
    channels: Map<String, Value>,
    operations: Map<String, Value>,
    components: Components<'m>,
    #[serde(rename = "x-accord-service")]
    service: String,
}

#[derive(Serialize)]
struct Components<'m> {
    schemas: IndexMap<String, Schema<'m>>,
    #[serde(rename = "messageTraits")]
    message_traits: Value,
}

struct Doc<'a, 'r> {
    model: &'a Model,
    service: ServiceId,
    schemas: SchemaBuilder<'a, 'r>,
}

fn channel_ref(key: &str) -> Value {
    json!({ "$ref": format!("#/channels/{key}") })
}

fn message_ref(channel_key: &str, message: &str) -> Value {
    json!({ "$ref": format!("#/channels/{channel_key}/messages/{message}") })
}

fn reply_key(op: &Operation) -> String {
    // `-` never occurs in an IDL name, so this key cannot collide with a channel's.
    format!("{}-reply", op.name)
}

/// `uses.<qualified service>.<op>`: the key of a used service's operation (an own operation's
/// name has no dot, so the two cannot meet).
fn used_key(model: &Model, service: ServiceId, op: &Operation) -> String {
    format!("uses.{}.{}", model.qualified_service_name(service), op.name)
}

/// The stream or durable consumer name NATS derives from an address (docs/wire.md): every
/// character other than `A-Z a-z 0-9 - _` replaced by `_`.
fn nats_name(address: &str) -> String {
    address
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' => c,
            _ => '_',
        })
        .collect()
}

/// How docs/wire.md maps a channel on AMQP 0-9-1: a durable queue named by a point-to-point
/// address (through the default exchange), a durable topic exchange named by a
/// publish-subscribe address, which each subscriber group binds its own queue to.
fn amqp_channel_binding(kind: ChannelKind, address: &str) -> Value {
    match kind {
        ChannelKind::PointToPoint => json!({
            "is": "queue",
            "queue": { "name": address, "durable": true, "exclusive": false, "autoDelete": false },
            "bindingVersion": AMQP_BINDING_VERSION,
        }),
        ChannelKind::PublishSubscribe => json!({
            "is": "routingKey",
            "exchange": { "name": address, "type": "topic", "durable": true, "autoDelete": false },
            "bindingVersion": AMQP_BINDING_VERSION,
            // The group is chosen at run time (by default the subscribing service's qualified name).
            "x-accord-group-queue": format!("{address}.<group>"),
        }),
    }
}

/// Publishing on a channel: persistent messages (AMQP `delivery_mode` 2).
fn send_bindings() -> Value {
    json!({ "amqp": { "deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION } })
}

/// Consuming a channel: manual acknowledgements; on a point-to-point channel the consumers
/// compete in one fixed NATS group (core NATS; the durable JetStream consumer is named like the
/// stream). On a publish-subscribe channel the group is chosen at run time, so none is stated.
fn receive_bindings(kind: ChannelKind, address: &str) -> Value {
    let amqp = json!({ "ack": true, "bindingVersion": AMQP_BINDING_VERSION });
    match kind {
        ChannelKind::PointToPoint => json!({
            "amqp": amqp,
            "nats": {
                "queue": NATS_POINT_TO_POINT_GROUP,
                "bindingVersion": NATS_BINDING_VERSION,
                "x-accord-jetstream": { "stream": nats_name(address), "consumer": nats_name(address) },
            },
        }),
        ChannelKind::PublishSubscribe => json!({ "amqp": amqp }),
    }
}

impl<'a> Doc<'a, '_> {
    fn build(&self) -> Document<'a> {
        let service = self.model.service(self.service);
        let package = self.model.package(service.package);
        let mut info = Map::new();
        info.insert("title".into(), json!(service.name));
        info.insert("version".into(), json!(package.version.to_string()));
        schema::annotate(&mut info, service.docs.as_deref(), &service.lifecycle);
        info.remove("deprecated");
        Document {
            asyncapi: VERSION,
            info,
            default_content_type: "application/json",
            channels: self.channels(),
            operations: self.operations(),
            components: self.components(),
            service: self.model.qualified_service_name(self.service),
        }
    }

    /// Channels the service touches, each once, in the order first mentioned.
    fn channel_ids(&self) -> Vec<ChannelId> {
        let service = self.model.service(self.service);
        let bound = service
            .operations
            .iter()
            .filter_map(|op| op.channel.map(|c| c.channel));
        let used = self.used_ops().into_iter().filter_map(|(_, op)| op.channel);
        let mut ids: Vec<ChannelId> = Vec::new();
        for id in service
            .publishes
            .iter()
            .chain(&service.subscribes)
            .copied()
            .chain(bound)
            .chain(used.map(|c| c.channel))
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    fn channels(&self) -> Map<String, Value> {
        let mut channels = Map::new();
        for id in self.channel_ids() {
            channels.insert(self.model.qualified_channel_name(id), self.channel(id));
        }
        for op in self.replying_ops() {
            let description = format!(
                "Replies to `{}`, sent to the address in the request's `reply_to` header.",
                op.name
            );
            channels.insert(reply_key(op), self.reply_channel(op, description));
        }
        for (used, op) in self.used_ops() {
            if op.is_notify() {
                continue;
            }
            let key = used_key(self.model, used, op);
            let description = format!(
                "Replies to `{}.{}`, received at the address this service puts in the request's \
                 `reply_to` header (its own reply inbox).",
                self.model.qualified_service_name(used),
                op.name
            );
            channels.insert(format!("{key}-reply"), self.reply_channel(op, description));
        }
        channels
    }

    /// The channel-bound operations of every service this one `uses`, in `uses` order.
    fn used_ops(&self) -> Vec<(ServiceId, &Operation)> {
        let service = self.model.service(self.service);
        service
            .uses
            .iter()
            .flat_map(|&used| {
                let ops = &self.model.service(used).operations;
                ops.iter()
                    .filter(|op| op.channel.is_some())
                    .map(move |op| (used, op))
            })
            .collect()
    }

    fn channel(&self, id: ChannelId) -> Value {
        let channel = self.model.channel(id);
        let messages: Map<String, Value> = channel
            .messages
            .iter()
            .map(|&m| {
                (
                    self.model.qualified_decl_name(m),
                    self.message(m, channel.format, channel.key.as_deref()),
                )
            })
            .collect();
        let mut out = Map::new();
        out.insert("address".into(), json!(channel.address));
        out.insert("title".into(), json!(channel.name));
        schema::annotate(&mut out, channel.docs.as_deref(), &channel.lifecycle);
        out.remove("deprecated");
        out.insert("messages".into(), Value::Object(messages));
        out.insert(
            "bindings".into(),
            json!({ "amqp": amqp_channel_binding(channel.kind, &channel.address) }),
        );
        out.insert("x-accord-kind".into(), json!(channel.kind.as_str()));
        Value::Object(out)
    }

    /// Channel-bound operations that answer: asynchronous request/response and collect.
    fn replying_ops(&self) -> impl Iterator<Item = &Operation> {
        let ops = &self.model.service(self.service).operations;
        ops.iter()
            .filter(|op| op.channel.is_some() && !op.is_notify())
    }

    /// Where the replies of an operation go: the address the request's `reply_to` names.
    fn reply_channel(&self, op: &Operation, description: String) -> Value {
        // Replies travel in the request channel's format; reply channels have no key.
        let format = op.channel.map(|c| self.model.channel(c.channel).format);
        let messages: Map<String, Value> = self
            .reply_decls(op)
            .into_iter()
            .map(|m| {
                (
                    self.model.qualified_decl_name(m),
                    self.message(m, format.unwrap_or_default(), None),
                )
            })
            .collect();
        // An inbox: on AMQP an exclusive, auto-delete queue `accord.inbox.<uuid>` the replies
        // reach through the default exchange; on NATS an `_INBOX.…` subject (docs/wire.md).
        let inbox = json!({
            "is": "queue",
            "queue": { "durable": false, "exclusive": true, "autoDelete": true },
            "bindingVersion": AMQP_BINDING_VERSION,
            "x-accord-queue-name": "accord.inbox.<uuid>",
        });
        json!({
            "address": null,
            "description": description,
            "messages": messages,
            "bindings": { "amqp": inbox },
        })
    }

    /// The output and every declared error: what a reply may carry.
    fn reply_decls(&self, op: &Operation) -> Vec<DeclId> {
        op.output
            .decl()
            .into_iter()
            .chain(op.throws.iter().copied())
            .collect()
    }

    /// A message carrying `decl` in `format`, keyed by the field `key`, with the standard headers.
    fn message(&self, decl: DeclId, format: Format, key: Option<&str>) -> Value {
        let model = self.model;
        let d = model.decl(decl);
        let mut out = Map::new();
        out.insert("name".into(), json!(d.name));
        out.insert("title".into(), json!(model.qualified_decl_name(decl)));
        schema::annotate(&mut out, d.docs.as_deref(), &d.lifecycle);
        out.remove("deprecated");
        out.insert("contentType".into(), json!(format.content_type()));
        out.insert(
            "payload".into(),
            json!({ "$ref": (self.schemas.refs)(decl) }),
        );
        out.insert(
            "correlationId".into(),
            json!({ "location": CORRELATION_ID }),
        );
        out.insert(
            "traits".into(),
            json!([{ "$ref": format!("#/components/messageTraits/{HEADERS_TRAIT}") }]),
        );
        // The `type` basic property on AMQP (docs/wire.md).
        let name = model.qualified_decl_name(decl);
        let amqp = json!({ "messageType": name, "bindingVersion": AMQP_BINDING_VERSION });
        out.insert("bindings".into(), json!({ "amqp": amqp }));
        // The ordering key travels as the `message_key` header on every broker.
        let key_field = key.and_then(|k| model.fields(decl).iter().find(|f| f.name == k));
        if let Some(field) = key_field {
            out.insert("x-accord-key".into(), json!(field.name));
        }
        Value::Object(out)
    }

    fn operations(&self) -> Map<String, Value> {
        let service = self.model.service(self.service);
        let mut ops = Map::new();
        for &id in &service.publishes {
            let key = format!("publishes.{}", self.model.qualified_channel_name(id));
            ops.insert(key, self.event_operation("send", id));
        }
        for &id in &service.subscribes {
            let key = format!("subscribes.{}", self.model.qualified_channel_name(id));
            ops.insert(key, self.event_operation("receive", id));
        }
        for op in service.operations.iter().filter(|op| op.channel.is_some()) {
            ops.insert(op.name.clone(), self.bound_operation(op));
        }
        for (used, op) in self.used_ops() {
            ops.insert(
                used_key(self.model, used, op),
                self.used_operation(used, op),
            );
        }
        ops
    }

    /// `publishes` / `subscribes`: every message of the channel.
    fn event_operation(&self, action: &str, id: ChannelId) -> Value {
        let key = self.model.qualified_channel_name(id);
        let channel = self.model.channel(id);
        let messages: Vec<Value> = channel
            .messages
            .iter()
            .map(|&m| message_ref(&key, &self.model.qualified_decl_name(m)))
            .collect();
        let mut out = Map::new();
        out.insert("action".into(), json!(action));
        out.insert("channel".into(), channel_ref(&key));
        out.insert("messages".into(), json!(messages));
        if action == "send" {
            out.insert("bindings".into(), send_bindings());
        } else {
            let bindings = receive_bindings(channel.kind, &channel.address);
            out.insert("bindings".into(), bindings);
            self.default_group(&mut out, channel.kind);
        }
        Value::Object(out)
    }

    /// A subscriber group on a publish-subscribe channel is chosen at run time; by default it is
    /// the subscribing service's qualified name (docs/wire.md).
    fn default_group(&self, out: &mut Map<String, Value>, kind: ChannelKind) {
        if kind == ChannelKind::PublishSubscribe {
            let group = self.model.qualified_service_name(self.service);
            out.insert("x-accord-default-group".into(), json!(group));
        }
    }

    /// A `@channel` operation of a used service: this service sends the request and, unless it
    /// is a `notify`, receives the reply (every reply within the window for `@collect`) at the
    /// address it puts in `reply_to`.
    fn used_operation(&self, used: ServiceId, op: &Operation) -> Value {
        let model = self.model;
        let Some(mut out) = self.channel_operation(op, "send") else {
            return Value::Null;
        };
        if op.output != Output::None {
            let reply = format!("{}-reply", used_key(model, used, op));
            out.insert("reply".into(), self.reply(op, &reply));
        }
        out.insert("bindings".into(), send_bindings());
        out.insert(
            "x-accord-uses".into(),
            json!(model.qualified_service_name(used)),
        );
        self.interaction(&mut out, op, used);
        Value::Object(out)
    }

    /// How the exchange goes: its style, the collection window, whether replies stream, the
    /// default deadline (from the operation or its service `owner`).
    fn interaction(&self, out: &mut Map<String, Value>, op: &Operation, owner: ServiceId) {
        out.insert(
            "x-accord-interaction".into(),
            json!(op.interaction().describe()),
        );
        if let Some(window) = op.channel.and_then(|b| b.collect) {
            out.insert(
                "x-accord-collect-window".into(),
                json!(schema::duration(window)),
            );
        }
        if op.output.is_stream() {
            out.insert("x-accord-reply-stream".into(), json!(true));
        }
        if let Some(timeout) = op.effective_timeout(self.model.service(owner)) {
            out.insert("x-accord-timeout".into(), json!(schema::duration(timeout)));
        }
    }

    /// A `@channel` operation: the service receives the request and, unless it is a `notify`,
    /// replies on the address the request names.
    fn bound_operation(&self, op: &Operation) -> Value {
        let Some(binding) = op.channel else {
            return Value::Null;
        };
        let Some(mut out) = self.channel_operation(op, "receive") else {
            return Value::Null;
        };
        if op.output != Output::None {
            out.insert("reply".into(), self.reply(op, &reply_key(op)));
        }
        let channel = self.model.channel(binding.channel);
        let bindings = receive_bindings(channel.kind, &channel.address);
        out.insert("bindings".into(), bindings);
        self.default_group(&mut out, channel.kind);
        self.interaction(&mut out, op, self.service);
        Value::Object(out)
    }

    /// What every `@channel` operation says, sent or received (`action`): its channel, its
    /// input message, its docs. `None` for an operation bound to no channel.
    fn channel_operation(&self, op: &Operation, action: &str) -> Option<Map<String, Value>> {
        let model = self.model;
        let key = model.qualified_channel_name(op.channel?.channel);
        let mut out = Map::new();
        out.insert("action".into(), json!(action));
        out.insert("channel".into(), channel_ref(&key));
        let input = op
            .input
            .map(|i| message_ref(&key, &model.qualified_decl_name(i)));
        out.insert(
            "messages".into(),
            json!(input.into_iter().collect::<Vec<_>>()),
        );
        schema::annotate(&mut out, op.docs.as_deref(), &op.lifecycle);
        out.remove("deprecated");
        Some(out)
    }

    /// The reply of `op`, on the reply channel `key`.
    fn reply(&self, op: &Operation, key: &str) -> Value {
        let messages: Vec<Value> = self
            .reply_decls(op)
            .into_iter()
            .map(|m| message_ref(key, &self.model.qualified_decl_name(m)))
            .collect();
        json!({
            "address": { "location": REPLY_TO, "description": "The address the request's `reply_to` header names." },
            "channel": channel_ref(key),
            "messages": messages,
        })
    }

    fn components(&self) -> Components<'a> {
        let schemas = schema::reachable(self.model, self.roots())
            .into_iter()
            .map(|id| (self.model.qualified_decl_name(id), self.schemas.decl(id)))
            .collect();
        Components {
            schemas,
            message_traits: json!({ HEADERS_TRAIT: { "headers": headers_schema() } }),
        }
    }

    /// Every payload: channel messages and the replies of bound operations.
    fn roots(&self) -> Vec<DeclId> {
        let channels = self
            .channel_ids()
            .into_iter()
            .flat_map(|c| self.model.channel(c).messages.clone());
        let replies = self.replying_ops().flat_map(|op| self.reply_decls(op));
        let used = self.used_ops();
        let used_replies = used.iter().flat_map(|(_, op)| self.reply_decls(op));
        channels.chain(replies).chain(used_replies).collect()
    }
}

/// The standard message headers of docs/wire.md.
fn headers_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "message_id": { "type": "string", "format": "uuid", "description": "Unique id of this message." },
            "message_type": { "type": "string", "description": "Qualified name of the payload type (`ftgo.order.OrderCreated`)." },
            "correlation_id": { "type": "string", "description": "For replies: the `message_id` of the request; propagated otherwise." },
            "reply_to": { "type": "string", "description": "For asynchronous requests: the address the reply must be sent to." },
        },
        "required": ["message_id", "message_type"],
    })
}
