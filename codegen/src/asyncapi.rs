//! AsyncAPI 3.0.0: one document per service that publishes, subscribes or has channel-bound
//! operations, written as YAML and JSON (`<package>.<Service>.yaml` / `.json`).
//!
//! Shape of a document:
//! - `channels`: every channel the service touches, keyed by qualified name, with its messages
//!   inline (keyed by the payload's qualified name, content type from the channel's `format`);
//!   plus one reply channel per request/response operation (`<op>.reply`, `address: null`: the
//!   caller chooses it through the `reply_to` header).
//! - `operations`, actions from the service's point of view: `publishes.<channel>` (send),
//!   `subscribes.<channel>` (receive), and each `@channel` operation under its own name (receive,
//!   with a `reply` unless it is a `notify`).
//! - `components.schemas`: the same schemas as the JSON Schema files ([`crate::schema`]);
//!   `components.messageTraits.AccordHeaders`: the standard headers of docs/wire.md.

use crate::schema::{self, Dialect, SchemaBuilder};
use crate::{OutputFile, parallel};
use accord_idl::Model;
use accord_idl::model::{ChannelId, DeclId, Format, Operation, Output, ServiceId};
use serde_json::{Map, Value, json};

pub const VERSION: &str = "3.0.0";
const HEADERS_TRAIT: &str = "AccordHeaders";
const KAFKA_BINDING_VERSION: &str = "0.5.0";
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
    !service.publishes.is_empty()
        || !service.subscribes.is_empty()
        || service.operations.iter().any(|op| op.channel.is_some())
}

/// The document of one service.
pub fn document(model: &Model, id: ServiceId) -> Value {
    let refs =
        |target: DeclId| format!("#/components/schemas/{}", model.qualified_decl_name(target));
    let doc = Doc {
        model,
        service: id,
        schemas: SchemaBuilder {
            model,
            refs: &refs,
            dialect: Dialect::JsonSchema,
        },
    };
    doc.build()
}

struct Doc<'a> {
    model: &'a Model,
    service: ServiceId,
    schemas: SchemaBuilder<'a>,
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

impl Doc<'_> {
    fn build(&self) -> Value {
        let service = self.model.service(self.service);
        let package = self.model.package(service.package);
        let mut info = Map::new();
        info.insert("title".into(), json!(service.name));
        info.insert("version".into(), json!(package.version.to_string()));
        schema::annotate(&mut info, service.docs.as_deref(), &service.lifecycle);
        info.remove("deprecated");
        json!({
            "asyncapi": VERSION,
            "info": info,
            "defaultContentType": "application/json",
            "channels": self.channels(),
            "operations": self.operations(),
            "components": self.components(),
            "x-accord-service": self.model.qualified_service_name(self.service),
        })
    }

    /// Channels the service touches, each once, in the order first mentioned.
    fn channel_ids(&self) -> Vec<ChannelId> {
        let service = self.model.service(self.service);
        let bound = service
            .operations
            .iter()
            .filter_map(|op| op.channel.map(|c| c.channel));
        let mut ids: Vec<ChannelId> = Vec::new();
        for id in service
            .publishes
            .iter()
            .chain(&service.subscribes)
            .copied()
            .chain(bound)
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
            channels.insert(reply_key(op), self.reply_channel(op));
        }
        channels
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
    fn reply_channel(&self, op: &Operation) -> Value {
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
        json!({
            "address": null,
            "description": format!("Replies to `{}`, sent to the address in the request's `reply_to` header.", op.name),
            "messages": messages,
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
        let key_field = key.and_then(|k| model.fields(decl).iter().find(|f| f.name == k));
        if let Some(field) = key_field {
            let binding = json!({ "key": self.schemas.ty(&field.ty), "bindingVersion": KAFKA_BINDING_VERSION });
            out.insert("bindings".into(), json!({ "kafka": binding }));
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
        ops
    }

    /// `publishes` / `subscribes`: every message of the channel.
    fn event_operation(&self, action: &str, id: ChannelId) -> Value {
        let key = self.model.qualified_channel_name(id);
        let messages: Vec<Value> = self
            .model
            .channel(id)
            .messages
            .iter()
            .map(|&m| message_ref(&key, &self.model.qualified_decl_name(m)))
            .collect();
        json!({ "action": action, "channel": channel_ref(&key), "messages": messages })
    }

    /// A `@channel` operation: the service receives the request and, unless it is a `notify`,
    /// replies on the address the request names.
    fn bound_operation(&self, op: &Operation) -> Value {
        let model = self.model;
        let Some(binding) = op.channel else {
            return Value::Null;
        };
        let key = model.qualified_channel_name(binding.channel);
        let mut out = Map::new();
        out.insert("action".into(), json!("receive"));
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
        if op.output != Output::None {
            out.insert("reply".into(), self.reply(op));
        }
        out.insert(
            "x-accord-interaction".into(),
            json!(op.interaction().describe()),
        );
        if let Some(window) = binding.collect {
            out.insert(
                "x-accord-collect-window".into(),
                json!(schema::duration(window)),
            );
        }
        if op.output.is_stream() {
            out.insert("x-accord-reply-stream".into(), json!(true));
        }
        if let Some(timeout) = op.effective_timeout(model.service(self.service)) {
            out.insert("x-accord-timeout".into(), json!(schema::duration(timeout)));
        }
        Value::Object(out)
    }

    fn reply(&self, op: &Operation) -> Value {
        let key = reply_key(op);
        let messages: Vec<Value> = self
            .reply_decls(op)
            .into_iter()
            .map(|m| message_ref(&key, &self.model.qualified_decl_name(m)))
            .collect();
        json!({
            "address": { "location": REPLY_TO, "description": "The address the request's `reply_to` header names." },
            "channel": channel_ref(&key),
            "messages": messages,
        })
    }

    fn components(&self) -> Value {
        let mut schemas = Map::new();
        for id in schema::reachable(self.model, self.roots()) {
            schemas.insert(self.model.qualified_decl_name(id), self.schemas.decl(id));
        }
        json!({
            "schemas": schemas,
            "messageTraits": { HEADERS_TRAIT: { "headers": headers_schema() } },
        })
    }

    /// Every payload: channel messages and the replies of bound operations.
    fn roots(&self) -> Vec<DeclId> {
        let channels = self
            .channel_ids()
            .into_iter()
            .flat_map(|c| self.model.channel(c).messages.clone());
        let replies = self.replying_ops().flat_map(|op| self.reply_decls(op));
        channels.chain(replies).collect()
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
