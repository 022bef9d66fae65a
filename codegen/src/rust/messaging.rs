//! The messaging transport's part of the Rust target. A channel's own items are written once,
//! in its package's module, however many services touch it ([`package_items`]):
//! - its `static` `ChannelInfo` (`ORDER_EVENTS`: address, kind, ordering key, format);
//! - where a service subscribes to it, its subscriber trait (one method per message type,
//!   ignoring the message by default);
//! - where a service publishes on it, its typed publisher, one method per message type.
//!
//! Each service keeps what is its own, in `order_service::messaging`:
//! - `bindings`: each `@channel` operation's channel and message types (`static`s);
//! - the skeleton: `responder`, a `Responder` from any implementation of the trait, answering
//!   the channel-bound operations (asynchronous request/response, `notify`, `@collect`);
//! - the proxy: `Proxy`, the trait over the runtime's `Requester`;
//! - per `subscribes c`: `<c>_subscriber`, the `Responder` handing the channel's messages to a
//!   subscriber under the service's consumer group.
//!
//! Everything typed is written here; everything else is `accord::messaging`.

use super::Generator;
use super::ident::{Case, convert, ident};
use super::signature::{self, Scope};
use super::transport::TransportCode;
use super::writer::{Code, a_code, a_code_capital, string_literal};
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
        // A publisher lives in its channel's package: publishing alone needs no module.
        !service.subscribes.is_empty() || service.operations.iter().any(|op| self.binds(op))
    }

    fn module_body(&self, g: &Generator<'_>, code: &mut Code, id: ServiceId) {
        let service = g.model.service(id);
        let bound = service.operations.iter().any(|op| self.binds(op));
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
                subscriber_function(g, code, id, channel);
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

/// The channels of `package` some generated service touches (binds an operation to, publishes
/// on or subscribes to), and whether one publishes and one subscribes.
fn package_channels(g: &Generator<'_>, package: PackageId) -> Vec<(ChannelId, bool, bool)> {
    let services: Vec<&Service> = g
        .model
        .service_ids()
        .filter(|&s| g.options.wants(g.model, s))
        .map(|s| g.model.service(s))
        .collect();
    g.model
        .channel_ids()
        .filter(|&c| g.model.channel(c).package == package)
        .filter_map(|c| {
            let published = services.iter().any(|s| s.publishes.contains(&c));
            let subscribed = services.iter().any(|s| s.subscribes.contains(&c));
            let bound = services.iter().any(|s| {
                s.operations
                    .iter()
                    .any(|op| op.channel.is_some_and(|b| b.channel == c))
            });
            (published || subscribed || bound).then_some((c, published, subscribed))
        })
        .collect()
}

/// A channel's items in its package's module: its `ChannelInfo`, and where generated services
/// use them, its subscriber trait and its publisher.
pub(crate) fn package_items(g: &Generator<'_>, code: &mut Code, package: PackageId) {
    for (channel, published, subscribed) in package_channels(g, package) {
        code.line("");
        channel_info(g, code, channel);
        if g.options.server && subscribed {
            code.line("");
            subscriber_trait(g, code, channel);
        }
        if g.options.server && published {
            code.line("");
            publisher(g, code, channel);
        }
    }
}

/// The path of a channel's `ChannelInfo` from `scope`.
fn channel_path(g: &Generator<'_>, scope: Scope, channel: ChannelId) -> String {
    let target = g.model.channel(channel).package;
    let mut path = scope.up();
    if target != scope.package {
        path.push_str(&"super::".repeat(g.names.packages[scope.package.index()].len()));
        for segment in &g.names.packages[target.index()] {
            path.push_str(&ident(segment));
            path.push_str("::");
        }
    }
    path.push_str(&ident(&g.names.channels[channel.index()].info));
    path
}

/// `pub static ORDER_EVENTS: ChannelInfo = …;`.
fn channel_info(g: &Generator<'_>, code: &mut Code, channel_id: ChannelId) {
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
    let qualified = g.model.qualified_channel_name(channel_id);
    // Hidden: what the runtime needs (address, kind, ordering key, format), not user API.
    code.line("#[doc(hidden)]");
    code.lines(&format!(
        "pub static {}: __accord::messaging::ChannelInfo = __accord::messaging::ChannelInfo {{
    name: {},
    address: {},
    kind: __accord::messaging::ChannelKind::{kind},
    key: {key},
    format: __accord::Format::{format},
}};",
        ident(&g.names.channels[channel_id.index()].info),
        string_literal(&qualified),
        string_literal(&channel.address),
    ));
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
    channel: &{1},
    input: {2},
    output: {output},
    collect: {collect},
}};",
            ident(&names.statics[i]),
            channel_path(g, scope(g, id).below(1), binding.channel),
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
        "/// Calls {} over its channels: requests carry this proxy's reply inbox, replies \
         are matched by correlation id under the call's deadline.",
        a_code(&names.trait_name)
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

/// A channel's subscriber trait, in its package's module: one method per message type, each
/// ignoring the message unless implemented.
fn subscriber_trait(g: &Generator<'_>, code: &mut Code, channel: ChannelId) {
    let model = g.model;
    let scope = Scope::package(model.channel(channel).package);
    let name = ident(&g.names.channels[channel.index()].subscriber);
    code.line(&format!(
        "/// What a subscriber does with the messages of `{}`: one method per message type; \
         a message whose method is not implemented is acknowledged and ignored. Each service \
         that subscribes serves it with its own `messaging::…_subscriber`.",
        model.qualified_channel_name(channel)
    ));
    // `shared`: one subscriber can serve several channels or transports at once.
    code.line("#[__accord::shared]");
    code.open(&format!(
        "pub trait {name}: __accord::Send + __accord::Sync + 'static"
    ));
    for (i, &message) in model.channel(channel).messages.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        code.line(&format!(
            "/// {} arrived.",
            a_code_capital(&model.qualified_decl_name(message))
        ));
        code.lines(&format!(
            "fn {}(
    &self,
    _event: __accord::Request<{}>,
) -> impl __accord::Future<Output = __accord::Result<(), __accord::CallError>> + __accord::Send {{
    __accord::future::ready(__accord::Result::Ok(()))
}}",
            message_method(g, message),
            signature::decl(g, scope, message),
        ));
    }
    code.close("");
}

/// The path of a channel's subscriber trait from `scope`.
fn subscriber_path(g: &Generator<'_>, scope: Scope, channel: ChannelId) -> String {
    let info = channel_path(g, scope, channel);
    let prefix = info.rsplit_once("::").map_or("", |(prefix, _)| prefix);
    let name = ident(&g.names.channels[channel.index()].subscriber);
    match prefix {
        "" => name,
        prefix => format!("{prefix}::{name}"),
    }
}

/// `subscribes c`: `<c>_subscriber`, the service's `Responder` for the channel's subscriber
/// trait (its consumer group is the service's name).
fn subscriber_function(g: &Generator<'_>, code: &mut Code, id: ServiceId, channel: ChannelId) {
    let scope = scope(g, id);
    let model = g.model;
    let qualified = model.qualified_channel_name(channel);
    let function = ident(&format!(
        "{}_subscriber",
        convert(&model.channel(channel).name, Case::Snake)
    ));
    code.line(&format!(
        "/// Hands the messages of `{qualified}` to `subscriber` as `{}`: serve it with \
         `.serve(&broker, config)`; the consumer group defaults to this service's name.",
        model.service(id).name
    ));
    code.open(&format!(
        "pub fn {function}<__S: {}>(subscriber: __S) -> __accord::messaging::Responder",
        subscriber_path(g, scope, channel)
    ));
    code.line("let subscriber = __accord::Arc::new(subscriber);");
    let protect = "contract_addresses(CONTRACT_ADDRESSES)".to_owned();
    let info = channel_path(g, scope, channel);
    let steps: Vec<String> = std::iter::once(protect)
        .chain(model.channel(channel).messages.iter().map(|&message| {
            format!(
                "event(&{info}, {}, &subscriber, |s, e| async move {{ s.{}(e).await }})",
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

/// A channel's typed publisher, in its package's module: one method per message type.
fn publisher(g: &Generator<'_>, code: &mut Code, channel: ChannelId) {
    let model = g.model;
    let scope = Scope::package(model.channel(channel).package);
    let name = ident(&g.names.channels[channel.index()].publisher);
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
    code.line("");
    code.lines(
        "/// This publisher writing into `outbox` (a handler's `accord::store::Transaction`):
/// its messages leave, through the store's relay, only if that transaction commits.",
    );
    code.open("pub fn within(&self, outbox: impl __accord::messaging::Outbox + 'static) -> Self");
    code.line(&format!(
        "{name} {{ publisher: self.publisher.within(outbox) }}"
    ));
    code.close("");
    for &message in &model.channel(channel).messages {
        code.line("");
        code.line(&format!(
            "/// Publishes {}; done once the broker has it.",
            a_code(&model.qualified_decl_name(message))
        ));
        code.lines(&format!(
            "pub fn {}(&self, event: &{}) -> impl __accord::Future<Output = __accord::Result<(), __accord::messaging::BrokerError>> + __accord::Send + 'static {{
    let key = {};
    self.publisher.publish(&{}, {}, event, key)
}}",
            message_method(g, message),
            signature::decl(g, scope, message),
            key_of(g, channel, message, "event"),
            channel_path(g, scope, channel),
            string_literal(&model.qualified_decl_name(message)),
        ));
    }
    code.close("");
}
