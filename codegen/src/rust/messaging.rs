//! The messaging transport's part of the Rust target, in `order_service::messaging`:
//! - `channels` and `bindings`: what the runtime needs to know of each channel the service
//!   touches and of each `@channel` operation (`static`s);
//! - the skeleton: `responder`, a `Responder` from any implementation of the trait, answering
//!   the channel-bound operations (asynchronous request/response, `notify`, `@collect`);
//! - the proxy: `Proxy`, the trait over the runtime's `Requester`;
//! - per `subscribes c`: a subscriber trait (one method per message type, ignoring the message
//!   by default) and `<c>_subscriber`, its `Responder`;
//! - per `publishes c`: a typed publisher, one method per message type.
//!
//! Everything typed is written here; everything else is `accord::messaging`.

use super::Generator;
use super::ident::{Case, convert, ident};
use super::signature::{self, Scope};
use super::transport::TransportCode;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub(crate) struct Messaging;

impl TransportCode for Messaging {
    fn module(&self) -> &'static str {
        "messaging"
    }

    fn title(&self) -> &'static str {
        "messaging"
    }

    fn server_item(&self) -> &'static str {
        "responder"
    }

    fn binds(&self, op: &Operation) -> bool {
        op.channel.is_some()
    }

    fn serves(&self, service: &Service) -> bool {
        !service.publishes.is_empty()
            || !service.subscribes.is_empty()
            || service.operations.iter().any(|op| self.binds(op))
    }

    fn module_body(&self, g: &Generator<'_>, code: &mut Code, id: ServiceId) {
        let service = g.model.service(id);
        let bound = service.operations.iter().any(|op| self.binds(op));
        channels(g, code, id);
        if bound {
            bindings(g, code, id);
        }
        if g.options.server {
            if bound || !service.subscribes.is_empty() {
                contract_addresses(g, code);
            }
            if bound {
                code.line("");
                responder(g, code, id);
            }
            for &channel in &service.subscribes {
                code.line("");
                subscriber(g, code, id, channel);
            }
            for &channel in &service.publishes {
                code.line("");
                publisher(g, code, id, channel);
            }
        }
        if g.options.client && bound {
            code.line("");
            proxy(g, code, id);
        }
    }
}

/// Where generated messaging code stands: the transport's module, two below the package's.
fn scope(g: &Generator<'_>, id: ServiceId) -> Scope {
    Scope::package(g.model.service(id).package).below(2)
}

/// Every channel the service touches, each once: bound operations', then published and
/// subscribed ones.
fn touched(service: &Service) -> Vec<ChannelId> {
    let bound = service
        .operations
        .iter()
        .filter_map(|op| op.channel.map(|c| c.channel));
    let mut ids: Vec<ChannelId> = Vec::new();
    for id in bound
        .chain(service.publishes.iter().copied())
        .chain(service.subscribes.iter().copied())
    {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The `static` naming a channel in `channels`.
fn channel_static(g: &Generator<'_>, id: ChannelId) -> String {
    ident(&convert(&g.model.channel(id).name, Case::Shouty))
}

/// `pub mod channels { pub static KITCHEN_COMMANDS: ChannelInfo = …; }`.
fn channels(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    code.line("");
    code.line("/// The channels the service touches: address, kind, ordering key, format.");
    code.line("#[doc(hidden)]");
    code.open("pub mod channels");
    code.line("use super::__accord;");
    for channel_id in touched(g.model.service(id)) {
        let channel = g.model.channel(channel_id);
        let kind = match channel.kind {
            ChannelKind::PointToPoint => "PointToPoint",
            ChannelKind::PublishSubscribe => "PublishSubscribe",
        };
        let key = match &channel.key {
            Some(key) => format!("__accord::Option::Some({})", string_literal(key)),
            None => "__accord::Option::None".to_owned(),
        };
        let format = match channel.format {
            Format::Json => "Json",
            Format::Protobuf => "Protobuf",
        };
        code.line("");
        code.lines(&format!(
            "pub static {}: __accord::messaging::ChannelInfo = __accord::messaging::ChannelInfo {{
    name: {},
    address: {},
    kind: __accord::messaging::ChannelKind::{kind},
    key: {key},
    format: __accord::Format::{format},
}};",
            channel_static(g, channel_id),
            string_literal(&g.model.qualified_channel_name(channel_id)),
            string_literal(&channel.address),
        ));
    }
    code.close("");
}

/// `CONTRACT_ADDRESSES`: every channel address of the contract (all the packages generated
/// together), which the responders protect from replies (`docs/wire.md`, "Reply addresses").
fn contract_addresses(g: &Generator<'_>, code: &mut Code) {
    let mut addresses: Vec<&str> = g
        .model
        .channel_ids()
        .map(|id| g.model.channel(id).address.as_str())
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    code.line("");
    code.line(
        "/// Every channel address of the contract: no reply may go to one (`reply_to` naming one \
         is refused).",
    );
    code.line("#[doc(hidden)]");
    code.line("pub static CONTRACT_ADDRESSES: &[&str] = &[");
    for address in addresses {
        code.line(&format!("    {},", string_literal(address)));
    }
    code.line("];");
}

/// `pub mod bindings { pub static CREATE_TICKET: Binding = …; }`.
fn bindings(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    code.line("");
    code.line("/// Each `@channel` operation's channel and message types.");
    code.line("#[doc(hidden)]");
    code.open("pub mod bindings");
    code.line("use super::__accord;");
    for (i, op) in service.operations.iter().enumerate() {
        let (Some(binding), Some(input)) = (op.channel, op.input) else {
            continue;
        };
        let output = match op.output.decl() {
            Some(output) => format!(
                "__accord::Option::Some({})",
                string_literal(&g.model.qualified_decl_name(output))
            ),
            None => "__accord::Option::None".to_owned(),
        };
        let collect = match binding.collect {
            Some(window) => format!(
                "__accord::Option::Some(__accord::StdDuration::new({}u64, {}u32))",
                window.as_secs(),
                window.subsec_nanos()
            ),
            None => "__accord::Option::None".to_owned(),
        };
        code.line("");
        code.lines(&format!(
            "pub static {0}: __accord::messaging::Binding = __accord::messaging::Binding {{
    op: &super::super::ops::{0},
    channel: &super::channels::{1},
    input: {2},
    output: {output},
    collect: {collect},
}};",
            ident(&names.statics[i]),
            channel_static(g, binding.channel),
            string_literal(&g.model.qualified_decl_name(input)),
        ));
    }
    code.close("");
}

/// How the skeleton and the proxy treat an operation bound to a channel.
fn style(op: &Operation) -> &'static str {
    match op.output {
        Output::None => "notify",
        Output::Stream(_) => "collect",
        Output::Single(_) | Output::Unit => "unary",
    }
}

/// `responder(service)`: the skeleton of the channel-bound operations.
fn responder(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = scope(g, id);
    code.line(&format!(
        "/// Answers the channel-bound operations of any `{}`: serve it with \
         `.serve(&broker, accord::messaging::ServeConfig::default())`.",
        names.trait_name
    ));
    code.open(&format!(
        "pub fn responder<__S: {}>(service: __S) -> __accord::messaging::Responder",
        signature::trait_path(g, scope, id)
    ));
    code.line("let service = __accord::Arc::new(service);");
    let mut steps = vec!["contract_addresses(CONTRACT_ADDRESSES)".to_owned()];
    for (i, op) in service.operations.iter().enumerate() {
        if op.channel.is_none() {
            continue;
        }
        let method = ident(&names.methods[i]);
        let call = if op.output.is_stream() {
            format!("|s, r| s.{method}(r)")
        } else {
            format!("|s, r| async move {{ s.{method}(r).await }}")
        };
        steps.push(format!(
            "{}(&bindings::{}, &service, {call})",
            style(op),
            ident(&names.statics[i])
        ));
    }
    code.chain(
        &format!(
            "__accord::messaging::Responder::new({})",
            string_literal(&g.model.qualified_service_name(id))
        ),
        &steps,
        "",
    );
    code.close("");
}

/// The field every message of a keyed channel orders by, read from `value` of type `decl`.
fn key_of(g: &Generator<'_>, channel: ChannelId, decl: DeclId, value: &str) -> String {
    let key = g.model.channel(channel).key.as_deref();
    let field = key.and_then(|k| g.model.fields(decl).iter().position(|f| f.name == k));
    match field {
        Some(index) => format!(
            "__accord::messaging::key(&{value}.{})",
            ident(&g.names.members[decl.index()][index])
        ),
        None => "__accord::Option::None".to_owned(),
    }
}

/// `Proxy`: the trait over a `Requester`.
fn proxy(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = scope(g, id);
    // The struct and its constructors are the same for every service: the runtime's macro.
    code.open("__accord::messaging_proxy!");
    code.line(&format!(
        "/// Calls a `{}` over its channels: requests carry this proxy's reply inbox, replies \
         are matched by correlation id under the call's deadline.",
        names.trait_name
    ));
    code.line("pub struct Proxy;");
    code.close("");
    code.line("");
    code.open(&format!(
        "impl {} for Proxy",
        signature::trait_path(g, scope, id)
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        code.open_lines(&format!(
            "{} {{",
            signature::signature(g, scope, id, i, false)
        ));
        match (op.channel, op.input) {
            (Some(binding), Some(input)) => {
                let key = key_of(g, binding.channel, input, "input");
                let function = match style(op) {
                    "unary" => "request",
                    other => other,
                };
                code.line("let (context, input) = request.into_parts();");
                code.line(&format!("let key = {key};"));
                code.line(&format!(
                    "self.requester.{function}(&bindings::{}, context, input, key)",
                    ident(&names.statics[i])
                ));
            }
            _ => {
                let helper = if op.output.is_stream() {
                    "unsupported_stream"
                } else {
                    "unsupported"
                };
                let info = signature::operation_info(g, scope, id, i);
                code.line(&format!("__accord::{helper}(&{info}, request)"));
            }
        }
        code.close("");
    }
    code.close("");
}

/// The Rust name of the method handling or publishing message `decl`.
fn message_method(g: &Generator<'_>, decl: DeclId) -> String {
    ident(&convert(&g.model.decl(decl).name, Case::Snake))
}

/// The type name prefix of a channel's subscriber trait and publisher.
fn channel_type(g: &Generator<'_>, id: ChannelId) -> String {
    convert(&g.model.channel(id).name, Case::Camel)
}

/// `subscribes c`: the subscriber trait and its responder.
fn subscriber(g: &Generator<'_>, code: &mut Code, id: ServiceId, channel: ChannelId) {
    let scope = scope(g, id);
    let model = g.model;
    let name = ident(&format!("{}Subscriber", channel_type(g, channel)));
    let qualified = model.qualified_channel_name(channel);
    code.line(&format!(
        "/// What `{}` does with the messages of `{qualified}`: one method per message type; \
         a message whose method is not implemented is acknowledged and ignored.",
        g.names.services[id.index()].trait_name
    ));
    code.open(&format!(
        "pub trait {name}: __accord::Send + __accord::Sync + 'static"
    ));
    for (i, &message) in model.channel(channel).messages.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        code.line(&format!(
            "/// A `{}` arrived.",
            model.qualified_decl_name(message)
        ));
        code.lines(&format!(
            "fn {}(
    &self,
    event: __accord::Request<{}>,
) -> impl __accord::Future<Output = __accord::Result<(), __accord::CallError>> + __accord::Send {{
    let _ = event;
    __accord::future::ready(__accord::Result::Ok(()))
}}",
            message_method(g, message),
            signature::decl(g, scope, message),
        ));
    }
    code.close("");
    code.line("");
    // One subscriber can serve several channels or transports at once.
    code.open(&format!("impl<__T: {name}> {name} for __accord::Arc<__T>"));
    for (i, &message) in model.channel(channel).messages.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        let method = message_method(g, message);
        code.lines(&format!(
            "fn {method}(
    &self,
    event: __accord::Request<{}>,
) -> impl __accord::Future<Output = __accord::Result<(), __accord::CallError>> + __accord::Send {{
    <__T as {name}>::{method}(self, event)
}}",
            signature::decl(g, scope, message),
        ));
    }
    code.close("");
    code.line("");
    let function = ident(&format!(
        "{}_subscriber",
        convert(&model.channel(channel).name, Case::Snake)
    ));
    code.line(&format!(
        "/// Hands the messages of `{qualified}` to `subscriber`: serve it with \
         `.serve(&broker, config)`; the consumer group defaults to this service's name."
    ));
    code.open(&format!(
        "pub fn {function}<__S: {name}>(subscriber: __S) -> __accord::messaging::Responder"
    ));
    code.line("let subscriber = __accord::Arc::new(subscriber);");
    let protect = "contract_addresses(CONTRACT_ADDRESSES)".to_owned();
    let steps: Vec<String> = std::iter::once(protect)
        .chain(model.channel(channel).messages.iter().map(|&message| {
            format!(
                "event(&channels::{}, {}, &subscriber, |s, e| async move {{ s.{}(e).await }})",
                channel_static(g, channel),
                string_literal(&model.qualified_decl_name(message)),
                message_method(g, message)
            )
        }))
        .collect();
    code.chain(
        &format!(
            "__accord::messaging::Responder::new({})",
            string_literal(&model.qualified_service_name(id))
        ),
        &steps,
        "",
    );
    code.close("");
}

/// `publishes c`: a typed publisher.
fn publisher(g: &Generator<'_>, code: &mut Code, id: ServiceId, channel: ChannelId) {
    let scope = scope(g, id);
    let model = g.model;
    let name = ident(&format!("{}Publisher", channel_type(g, channel)));
    code.line(&format!(
        "/// Publishes the messages of `{}`, each with its ordering key.",
        model.qualified_channel_name(channel)
    ));
    code.line("#[derive(Debug, Clone)]");
    code.block(&format!("pub struct {name}"), |code| {
        code.line("publisher: __accord::messaging::Publisher,");
    });
    code.line("");
    code.open(&format!("impl {name}"));
    code.line("/// A publisher on `broker`.");
    code.open("pub fn new(broker: __accord::messaging::Broker) -> Self");
    code.line(&format!(
        "{name} {{ publisher: __accord::messaging::Publisher::new(broker) }}"
    ));
    code.close("");
    for &message in &model.channel(channel).messages {
        code.line("");
        code.line(&format!(
            "/// Publishes a `{}`; done once the broker has it.",
            model.qualified_decl_name(message)
        ));
        code.lines(&format!(
            "pub fn {}(
    &self,
    event: &{},
) -> impl __accord::Future<Output = __accord::Result<(), __accord::messaging::BrokerError>> + __accord::Send + 'static {{
    let key = {};
    self.publisher.publish(&channels::{}, {}, event, key)
}}",
            message_method(g, message),
            signature::decl(g, scope, message),
            key_of(g, channel, message, "event"),
            channel_static(g, channel),
            string_literal(&model.qualified_decl_name(message)),
        ));
    }
    code.close("");
}
