//! Sections for services (one child per operation, with every binding) and channels.

use super::decls::grpc_code;
use super::page::{Inline, Section, code, text};
use super::{decl_link, describe};
use accord_idl::Model;
use accord_idl::model::{
    Auth, AuthScheme, ChannelId, ChannelKind, Interaction, Operation, Output, PackageId,
    ParamLocation, ServiceId, StructRole,
};
use std::time::Duration;

pub fn service(model: &Model, id: ServiceId) -> Section {
    let service = model.service(id);
    let mut section = Section::new(
        service_anchor(&service.name),
        service.name.clone(),
        "service",
    );
    describe(&mut section, service.docs.as_deref(), &service.lifecycle);
    section.fact(
        "Qualified name",
        vec![code(model.qualified_service_name(id))],
    );
    if service.operations.iter().any(Operation::is_grpc) {
        section.fact("gRPC service", vec![code(grpc_service(model, id))]);
    }
    if let Some(timeout) = service.timeout {
        section.fact("Default timeout", vec![code(duration(timeout))]);
    }
    let channels = |ids: &[ChannelId]| -> Vec<Inline> {
        let links = ids.iter().map(|&c| channel_link(model, service.package, c));
        separated(links.map(|l| vec![l]).collect())
    };
    if !service.publishes.is_empty() {
        section.fact("Publishes", channels(&service.publishes));
    }
    if !service.subscribes.is_empty() {
        section.fact("Subscribes", channels(&service.subscribes));
    }
    if !service.uses.is_empty() {
        let links = service
            .uses
            .iter()
            .map(|&u| service_link(model, service.package, u, None));
        section.fact("Uses", separated(links.map(|l| vec![l]).collect()));
    }
    section.children = service
        .operations
        .iter()
        .map(|op| operation(model, id, op))
        .collect();
    section
}

fn service_anchor(name: &str) -> String {
    format!("service-{name}")
}

/// `ftgo.order.v1.OrderService`, as the protobuf file declares it.
fn grpc_service(model: &Model, id: ServiceId) -> String {
    let service = model.service(id);
    let package = model.package(service.package);
    format!(
        "{}.v{}.{}",
        package.name, package.version.major, service.name
    )
}

fn operation(model: &Model, service: ServiceId, op: &Operation) -> Section {
    let name = &model.service(service).name;
    let kind = if op.is_notify() { "notify" } else { "op" };
    let mut section = Section::new(format!("op-{name}-{}", op.name), op.name.clone(), kind);
    describe(&mut section, op.docs.as_deref(), &op.lifecycle);
    let from = model.service(service).package;
    section.fact("Signature", signature(model, from, op));
    section.fact("Interaction", vec![text(interaction(op))]);
    if op.is_grpc() {
        section.fact("gRPC", grpc(model, service, op));
    }
    http_facts(model, &mut section, op);
    if let Some(binding) = &op.channel {
        let mut value = vec![channel_link(model, from, binding.channel)];
        let channel = model.channel(binding.channel);
        value.push(text(" at "));
        value.push(code(channel.address.clone()));
        if let Some(window) = binding.collect {
            value.push(text(format!(
                ", replies collected for {}",
                duration(window)
            )));
        }
        section.fact("Channel", value);
    }
    errors_fact(model, from, &mut section, op);
    section.fact("Auth", auth(&op.effective_auth(model.service(service))));
    if let Some(timeout) = op.effective_timeout(model.service(service)) {
        section.fact("Timeout", vec![code(duration(timeout))]);
    }
    if op.idempotent {
        section.fact("Idempotent", vec![text("yes: safe to retry")]);
    }
    section
}

/// Who may call: the scheme in force and, for a bearer token, the scopes it must hold.
fn auth(auth: &Auth) -> Vec<Inline> {
    match &auth.scheme {
        AuthScheme::None => vec![text("none: anyone may call")],
        AuthScheme::ApiKey { header } => {
            vec![
                text("an API key in the "),
                code(header.clone()),
                text(" header"),
            ]
        }
        AuthScheme::Bearer if auth.scopes.is_empty() => vec![text("a bearer token (JWT)")],
        AuthScheme::Bearer => {
            let mut out = vec![text("a bearer token (JWT) holding ")];
            for (i, scope) in auth.scopes.iter().enumerate() {
                if i > 0 {
                    out.push(text(", "));
                }
                out.push(code(scope.clone()));
            }
            out
        }
    }
}

fn signature(model: &Model, from: PackageId, op: &Operation) -> Vec<Inline> {
    let mut out = vec![code(format!("{}(", op.name))];
    if op.input_stream {
        out.push(code("stream "));
    }
    if let Some(input) = op.input {
        out.push(decl_link(model, from, input));
    }
    out.push(code(")"));
    match &op.output {
        Output::None => {}
        Output::Unit => out.push(code(" -> ()")),
        Output::Single(d) => {
            out.push(code(" -> "));
            out.push(decl_link(model, from, *d));
        }
        Output::Stream(d) => {
            out.push(code(" -> "));
            out.push(code("stream "));
            out.push(decl_link(model, from, *d));
        }
    }
    out
}

fn grpc(model: &Model, service: ServiceId, op: &Operation) -> Vec<Inline> {
    let method = heck::ToUpperCamelCase::to_upper_camel_case(op.name.as_str());
    let shape = match (op.input_stream, op.output.is_stream()) {
        (false, false) => "unary",
        (true, false) => "client streaming",
        (false, true) => "server streaming",
        (true, true) => "bidirectional streaming",
    };
    vec![
        code(format!("/{}/{method}", grpc_service(model, service))),
        text(format!(" ({shape})")),
    ]
}

/// How a call goes: a request and its reply (or which side streams), a one-way notification,
/// or a request over a channel.
fn interaction(op: &Operation) -> &'static str {
    match (op.interaction(), op.input_stream, op.output.is_stream()) {
        (Interaction::RequestResponse, false, true) => {
            "server stream: one request, a stream of replies"
        }
        (Interaction::RequestResponse, true, false) => {
            "client stream: a stream of requests, one reply"
        }
        (Interaction::RequestResponse, true, true) => {
            "bidirectional stream: a stream of requests and a stream of replies"
        }
        (other, ..) => other.describe(),
    }
}

fn http_facts(model: &Model, section: &mut Section, op: &Operation) {
    let Some(http) = &op.http else { return };
    // The status the call answers with: `status = N` of `@http` when given.
    let body = match &op.output {
        Output::None | Output::Unit => "no body",
        Output::Single(_) => "JSON body",
        Output::Stream(_) => "text/event-stream (one event per item)",
    };
    section.fact(
        "HTTP",
        vec![
            code(format!("{} {}", http.method.as_str(), http.path)),
            text(format!(" → {}, {body}", op.success_status())),
        ],
    );
    let Some(input) = op.input else { return };
    let fields = model.fields(input);
    let params: Vec<Vec<Inline>> = http
        .params
        .iter()
        .filter_map(|p| {
            let field = fields.get(p.field)?;
            let mut out = vec![code(field.name.clone())];
            match &p.location {
                ParamLocation::Path => out.push(text(" in path")),
                ParamLocation::Query(name) => out.extend([text(" in query "), code(name.clone())]),
                ParamLocation::Header(name) => {
                    out.extend([text(" in header "), code(name.clone())])
                }
                ParamLocation::Body => out.push(text(" in body")),
            }
            Some(out)
        })
        .collect();
    if !params.is_empty() {
        section.fact("HTTP parameters", separated(params));
    }
}

fn errors_fact(model: &Model, from: PackageId, section: &mut Section, op: &Operation) {
    let errors: Vec<Vec<Inline>> = op
        .throws
        .iter()
        .map(|&e| {
            let status = match model.decl(e).as_struct().map(|s| s.role) {
                Some(StructRole::Error { status }) => status,
                _ => 500,
            };
            vec![
                decl_link(model, from, e),
                text(format!(" ({status}, {})", grpc_code(status))),
            ]
        })
        .collect();
    if !errors.is_empty() {
        section.fact("Errors", separated(errors));
    }
}

pub fn channel(model: &Model, id: ChannelId) -> Section {
    let channel = model.channel(id);
    let mut section = Section::new(
        channel_anchor(&channel.name),
        channel.name.clone(),
        "channel",
    );
    describe(&mut section, channel.docs.as_deref(), &channel.lifecycle);
    let kind = match channel.kind {
        ChannelKind::PointToPoint => "point to point: each message is handled by one consumer",
        ChannelKind::PublishSubscribe => "publish/subscribe: every subscriber sees every message",
    };
    section.fact("Kind", vec![text(kind)]);
    section.fact("Address", vec![code(channel.address.clone())]);
    let messages = channel
        .messages
        .iter()
        .map(|&m| vec![decl_link(model, channel.package, m)]);
    section.fact("Messages", separated(messages.collect()));
    if let Some(key) = &channel.key {
        section.fact(
            "Key",
            vec![
                code(key.clone()),
                text(": messages with one key keep their order"),
            ],
        );
    }
    section.fact("Content type", vec![code(channel.format.content_type())]);
    users(model, id, &mut section);
    section
}

/// Which services publish to, subscribe to and bind operations to a channel, and which send to
/// it because they `uses` a service with operations bound to it.
fn users(model: &Model, id: ChannelId, section: &mut Section) {
    let from = model.channel(id).package;
    let (mut publishers, mut subscribers, mut bound) = (Vec::new(), Vec::new(), Vec::new());
    let mut senders = Vec::new();
    let binds = |sid: ServiceId| {
        let ops = &model.service(sid).operations;
        ops.iter()
            .any(|op| op.channel.is_some_and(|b| b.channel == id))
    };
    for sid in model.service_ids() {
        let service = model.service(sid);
        // Every service is looked at for every channel: make a link only for the users.
        let link = || vec![service_link(model, from, sid, None)];
        if service.publishes.contains(&id) {
            publishers.push(link());
        }
        if service.subscribes.contains(&id) {
            subscribers.push(link());
        }
        for op in &service.operations {
            if op.channel.is_some_and(|b| b.channel == id) {
                bound.push(vec![service_link(model, from, sid, Some(&op.name))]);
            }
        }
        if service.uses.iter().any(|&used| binds(used)) {
            senders.push(link());
        }
    }
    for (label, list) in [
        ("Published by", publishers),
        ("Subscribed by", subscribers),
        ("Operations", bound),
        ("Sent to by (uses)", senders),
    ] {
        if !list.is_empty() {
            section.fact(label, separated(list));
        }
    }
}

fn service_link(model: &Model, from: PackageId, id: ServiceId, op: Option<&str>) -> Inline {
    let service = model.service(id);
    let foreign = service.package != from;
    let name = if foreign {
        model.qualified_service_name(id)
    } else {
        service.name.clone()
    };
    Inline::Link {
        text: op.map_or_else(|| name.clone(), |op| format!("{name}.{op}")),
        page: foreign.then(|| model.package(service.package).name.clone()),
        anchor: op.map_or_else(
            || service_anchor(&service.name),
            |op| format!("op-{}-{op}", service.name),
        ),
    }
}

fn channel_anchor(name: &str) -> String {
    format!("channel-{name}")
}

fn channel_link(model: &Model, from: PackageId, id: ChannelId) -> Inline {
    let channel = model.channel(id);
    let foreign = channel.package != from;
    Inline::Link {
        text: if foreign {
            model.qualified_channel_name(id)
        } else {
            channel.name.clone()
        },
        page: foreign.then(|| model.package(channel.package).name.clone()),
        anchor: channel_anchor(&channel.name),
    }
}

/// Items joined with `, `.
fn separated(items: Vec<Vec<Inline>>) -> Vec<Inline> {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(text(", "));
        }
        out.extend(item);
    }
    out
}

/// `2s`, `1500ms`, as the IDL writes durations.
fn duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}
