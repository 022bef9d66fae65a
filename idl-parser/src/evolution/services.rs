//! Rules for services, their operations (signatures and HTTP bindings) and channels.

use super::decls::lifecycle_and_docs;
use super::{Class, Ctx, Rule, output_text};
use crate::model::{
    Auth, AuthScheme, ChannelId, Model, Operation, ParamLocation, PathSegment, Service, ServiceId,
};
use std::collections::BTreeMap;

rules! {
    SERVICE_REMOVED = "service-removed", Major, "Every client of the service breaks.";
    SERVICE_ADDED = "service-added", Minor, "New surface only.";
    OP_REMOVED = "op-removed", Major, "Calls to a removed (or renamed) operation fail.";
    OP_ADDED = "op-added", Minor, "New surface only.";
    OP_INPUT_CHANGED = "op-input-changed", Major, "Old clients send the old input type.";
    OP_OUTPUT_CHANGED = "op-output-changed", Major, "Old clients decode the old output (or streaming) shape.";
    OP_INTERACTION_CHANGED = "op-interaction-changed", Major, "Changing channel binding or style changes how the call travels.";
    OP_ERROR_ADDED = "op-error-added", Minor, "A new declared error; clients handle unknown errors generically.";
    OP_ERROR_REMOVED = "op-error-removed", Major, "Conservative: generated clients match on the declared errors.";
    HTTP_CHANGED = "http-changed", Major, "A different method, path or parameter location (or no `@http` at all) misses old clients' requests.";
    HTTP_STATUS_CHANGED = "http-status-changed", Major, "Clients that check the success status (a 200 where a 201 now comes) take the new one for a failure.";
    HYPERMEDIA_ADDED = "hypermedia-added", Minor, "Responses gain `_links` (and `?expand=`); old clients ignore members they do not know.";
    HYPERMEDIA_REMOVED = "hypermedia-removed", Major, "Clients that follow `_links` or ask for `?expand=` lose them.";
    HTTP_ADDED = "http-added", Minor, "A REST binding where there was none is new surface; gRPC clients are untouched.";
    OP_IDEMPOTENCY_REMOVED = "op-idempotency-removed", Major, "Clients and proxies that retry it (`@idempotent`, GET, PUT, DELETE) may now perform it twice.";
    OP_IDEMPOTENCY_ADDED = "op-idempotency-added", Minor, "A new promise: clients may now retry it.";
    TIMING_CHANGED = "timing-changed", Minor, "Conservative: a different default deadline (`@timeout`) or collection window (`@collect`) changes how long clients wait; the wire is the same.";
    AUTH_ADDED = "auth-added", Major, "Callers without the credential now get 401: an open operation requires one, or the scheme changed.";
    AUTH_REMOVED = "auth-removed", Minor, "The operation is open now; callers that send a credential still get through.";
    AUTH_SCOPE_ADDED = "auth-scope-added", Major, "Tokens issued without the new scope now get 403.";
    AUTH_SCOPE_REMOVED = "auth-scope-removed", Minor, "Less is asked of a token; every token that passed still passes.";
    CHANNEL_REMOVED = "channel-removed", Major, "Publishers and subscribers of it break.";
    CHANNEL_ADDED = "channel-added", Minor, "New surface only.";
    CHANNEL_CHANGED = "channel-changed", Major, "Address, kind, key or format is what peers connect and decode with.";
    CHANNEL_MESSAGE_REMOVED = "channel-message-removed", Major, "Subscribers and publishers of that message break.";
    CHANNEL_MESSAGE_ADDED = "channel-message-added", Minor, "A new message on a channel; subscribers skip unknown ones.";
    SERVICE_CHANNELS_CHANGED = "service-channels-changed", Major, "Conservative: a service that stops publishing or subscribing breaks its peers.";
}

pub(super) fn compare(ctx: &mut Ctx) {
    for old_id in ctx.old.service_ids() {
        let name = ctx.old.qualified_service_name(old_id);
        let pkg = ctx
            .old
            .package(ctx.old.service(old_id).package)
            .name
            .clone();
        let os = Some(ctx.old_spans.services[old_id.index()].name);
        match ctx.new.find_service(&name) {
            None => ctx.push(
                &SERVICE_REMOVED,
                &pkg,
                format!("service `{name}` was removed"),
                os,
                None,
            ),
            Some(new_id) => service(ctx, &pkg, &name, old_id, new_id),
        }
    }
    for new_id in ctx.new.service_ids() {
        let name = ctx.new.qualified_service_name(new_id);
        if ctx.old.find_service(&name).is_none() {
            let pkg = ctx
                .new
                .package(ctx.new.service(new_id).package)
                .name
                .clone();
            let ns = Some(ctx.new_spans.services[new_id.index()].name);
            ctx.push(
                &SERVICE_ADDED,
                &pkg,
                format!("service `{name}` was added"),
                None,
                ns,
            );
        }
    }
    channels(ctx);
}

fn service(ctx: &mut Ctx, pkg: &str, name: &str, old_id: ServiceId, new_id: ServiceId) {
    let (o, n) = (ctx.old.service(old_id), ctx.new.service(new_id));
    let spans = (
        Some(ctx.old_spans.services[old_id.index()].name),
        Some(ctx.new_spans.services[new_id.index()].name),
    );
    lifecycle_and_docs(
        ctx,
        pkg,
        name,
        (&o.docs, &o.lifecycle),
        (&n.docs, &n.lifecycle),
        spans,
    );
    if o.hypermedia != n.hypermedia {
        let (rule, did) = match n.hypermedia {
            true => (&HYPERMEDIA_ADDED, "gained"),
            false => (&HYPERMEDIA_REMOVED, "lost"),
        };
        ctx.push(
            rule,
            pkg,
            format!("`{name}` {did} `@hypermedia`"),
            spans.0,
            spans.1,
        );
    }
    let names = |m: &crate::Model, ids: &[ChannelId]| -> Vec<String> {
        ids.iter().map(|&c| m.qualified_channel_name(c)).collect()
    };
    for (verb, was, is) in [
        ("publishes", &o.publishes, &n.publishes),
        ("subscribes to", &o.subscribes, &n.subscribes),
    ] {
        let now = names(ctx.new, is);
        for c in names(ctx.old, was).iter().filter(|c| !now.contains(c)) {
            ctx.push(
                &SERVICE_CHANNELS_CHANGED,
                pkg,
                format!("`{name}` no longer {verb} `{c}`"),
                spans.0,
                spans.1,
            );
        }
    }
    for (i, op) in o.operations.iter().enumerate() {
        let os = Some(ctx.old_spans.services[old_id.index()].operations[i]);
        match n.operations.iter().position(|p| p.name == op.name) {
            None => ctx.push(
                &OP_REMOVED,
                pkg,
                format!("operation `{name}.{}` was removed", op.name),
                os,
                None,
            ),
            Some(j) => {
                let ns = Some(ctx.new_spans.services[new_id.index()].operations[j]);
                let what = format!("{name}.{}", op.name);
                operation(ctx, pkg, &what, op, &n.operations[j], (os, ns));
                behaviour(ctx, pkg, &what, (op, o), (&n.operations[j], n), (os, ns));
            }
        }
    }
    for (j, op) in n.operations.iter().enumerate() {
        if !o.operations.iter().any(|p| p.name == op.name) {
            let ns = Some(ctx.new_spans.services[new_id.index()].operations[j]);
            ctx.push(
                &OP_ADDED,
                pkg,
                format!("operation `{name}.{}` was added", op.name),
                None,
                ns,
            );
        }
    }
}

type SpanPair = (Option<crate::Span>, Option<crate::Span>);

fn operation(ctx: &mut Ctx, pkg: &str, what: &str, o: &Operation, n: &Operation, spans: SpanPair) {
    let input = |m: &crate::Model, op: &Operation| {
        (op.input.map(|d| m.qualified_decl_name(d)), op.input_stream)
    };
    let (oi, ni) = (input(ctx.old, o), input(ctx.new, n));
    if oi != ni {
        let show = |(d, stream): (Option<String>, bool)| {
            let d = d.unwrap_or_else(|| "()".into());
            if stream { format!("stream {d}") } else { d }
        };
        ctx.push(
            &OP_INPUT_CHANGED,
            pkg,
            format!("input of `{what}`: `{}` became `{}`", show(oi), show(ni)),
            spans.0,
            spans.1,
        );
    }
    let (oo, no) = (
        output_text(ctx.old, &o.output),
        output_text(ctx.new, &n.output),
    );
    if oo != no {
        ctx.push(
            &OP_OUTPUT_CHANGED,
            pkg,
            format!("output of `{what}`: `{oo}` became `{no}`"),
            spans.0,
            spans.1,
        );
    }
    let binding = |m: &crate::Model, op: &Operation| {
        (
            op.interaction(),
            op.channel.map(|c| m.qualified_channel_name(c.channel)),
        )
    };
    let (ob, nb) = (binding(ctx.old, o), binding(ctx.new, n));
    if ob != nb {
        let show = |(style, channel): (crate::model::Interaction, Option<String>)| match channel {
            Some(c) => format!("{} on `{c}`", style.describe()),
            None => style.describe().to_string(),
        };
        ctx.push(
            &OP_INTERACTION_CHANGED,
            pkg,
            format!("`{what}` was {}, is now {}", show(ob), show(nb)),
            spans.0,
            spans.1,
        );
    }
    let errs = |m: &crate::Model, op: &Operation| -> Vec<String> {
        op.throws
            .iter()
            .map(|&d| m.qualified_decl_name(d))
            .collect()
    };
    let (oe, ne) = (errs(ctx.old, o), errs(ctx.new, n));
    for e in ne.iter().filter(|e| !oe.contains(e)) {
        ctx.push(
            &OP_ERROR_ADDED,
            pkg,
            format!("`{what}` may now fail with `{e}`"),
            spans.0,
            spans.1,
        );
    }
    for e in oe.iter().filter(|e| !ne.contains(e)) {
        ctx.push(
            &OP_ERROR_REMOVED,
            pkg,
            format!("`{what}` no longer declares `{e}`"),
            spans.0,
            spans.1,
        );
    }
    if let Some((rule, change)) =
        http_change(&HttpShape::of(ctx.old, o), &HttpShape::of(ctx.new, n))
    {
        ctx.push(
            rule,
            pkg,
            format!("HTTP binding of `{what}`: {change}"),
            spans.0,
            spans.1,
        );
    }
    lifecycle_and_docs(
        ctx,
        pkg,
        what,
        (&o.docs, &o.lifecycle),
        (&n.docs, &n.lifecycle),
        spans,
    );
}

/// What clients may assume about a call beyond its messages: whether it may be retried, and how
/// long they wait (the deadline may come from the service's `@timeout`).
fn behaviour(
    ctx: &mut Ctx,
    pkg: &str,
    what: &str,
    old: (&Operation, &Service),
    new: (&Operation, &Service),
    spans: SpanPair,
) {
    let (o, n) = (old.0, new.0);
    if o.idempotent != n.idempotent {
        let (rule, now) = if o.idempotent {
            (&OP_IDEMPOTENCY_REMOVED, "is no longer")
        } else {
            (&OP_IDEMPOTENCY_ADDED, "is now")
        };
        ctx.push(
            rule,
            pkg,
            format!("`{what}` {now} idempotent"),
            spans.0,
            spans.1,
        );
    }
    auth(ctx, pkg, what, old, new, spans);
    let collect = |op: &Operation| op.channel.and_then(|c| c.collect);
    let timing = |op: &Operation, s: &Service| (op.effective_timeout(s), collect(op));
    let (was, is) = (timing(o, old.1), timing(n, new.1));
    if was != is {
        let show = |t: Option<std::time::Duration>| t.map_or("none".into(), |d| format!("{d:?}"));
        let message = if was.0 != is.0 {
            format!(
                "default deadline of `{what}`: {} became {}",
                show(was.0),
                show(is.0)
            )
        } else {
            format!(
                "collection window of `{what}`: {} became {}",
                show(was.1),
                show(is.1)
            )
        };
        ctx.push(&TIMING_CHANGED, pkg, message, spans.0, spans.1);
    }
}

/// Who may call: the scheme in force (the operation's `@auth`, else its service's) and, for a
/// bearer token, the scopes it must hold.
fn auth(
    ctx: &mut Ctx,
    pkg: &str,
    what: &str,
    old: (&Operation, &Service),
    new: (&Operation, &Service),
    spans: SpanPair,
) {
    let (was, is) = (old.0.effective_auth(old.1), new.0.effective_auth(new.1));
    let scheme = |a: &Auth| match &a.scheme {
        AuthScheme::None => "anyone".to_owned(),
        AuthScheme::Bearer => "a bearer token".to_owned(),
        AuthScheme::ApiKey { header } => format!("an API key in `{header}`"),
    };
    if was.scheme != is.scheme {
        let rule = if is.scheme == AuthScheme::None {
            &AUTH_REMOVED
        } else {
            &AUTH_ADDED
        };
        let message = format!("`{what}` took {}, now takes {}", scheme(&was), scheme(&is));
        ctx.push(rule, pkg, message, spans.0, spans.1);
        return;
    }
    let added: Vec<&str> = is
        .scopes
        .iter()
        .filter(|s| !was.scopes.contains(s))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = was
        .scopes
        .iter()
        .filter(|s| !is.scopes.contains(s))
        .map(String::as_str)
        .collect();
    for (rule, scopes, now) in [
        (&AUTH_SCOPE_ADDED, added, "needs"),
        (&AUTH_SCOPE_REMOVED, removed, "no longer needs"),
    ] {
        if !scopes.is_empty() {
            let message = format!("`{what}` {now} scope(s) {}", scopes.join(", "));
            ctx.push(rule, pkg, message, spans.0, spans.1);
        }
    }
}

/// The HTTP binding as the wire sees it, every input field named by its number: the model
/// addresses fields by index, and comparing indexes would report reordered fields (no change) and
/// miss swapped placeholders (a change). A placeholder's name is not on the wire, so renaming it
/// with its field keeps the shape.
struct HttpShape {
    method: &'static str,
    /// The path as written, for messages.
    written: String,
    /// Literal text as written, placeholders as `{#N}` with N the field number.
    path: String,
    /// Field number to where it travels.
    params: BTreeMap<u32, ParamLocation>,
    /// The status of a successful call.
    status: u16,
}

impl HttpShape {
    fn of(model: &Model, op: &Operation) -> Option<HttpShape> {
        let http = op.http.as_ref()?;
        let fields = op
            .input
            .and_then(|d| model.decl(d).as_struct())
            .map_or(&[][..], |s| &s.fields[..]);
        // A binding always names fields of its input; the fallback only keeps this total.
        let number = |i: usize| fields.get(i).map_or(u32::MAX, |f| f.number);
        let path = http
            .segments
            .iter()
            .map(|s| match s {
                PathSegment::Literal(l) => l.clone(),
                PathSegment::Param(i) => format!("{{#{}}}", number(*i)),
            })
            .collect();
        let params = http
            .params
            .iter()
            .map(|p| (number(p.field), p.location.clone()))
            .collect();
        Some(HttpShape {
            method: http.method.as_str(),
            written: http.path.clone(),
            path,
            params,
            status: op.success_status(),
        })
    }
}

/// What changed between two bindings, or `None`. Fields present on one side only are left to
/// the field rules: a new optional query parameter is as compatible as a new optional field.
fn http_change(
    old: &Option<HttpShape>,
    new: &Option<HttpShape>,
) -> Option<(&'static Rule, String)> {
    let changed = |what: String| Some((&HTTP_CHANGED, what));
    match (old, new) {
        (None, None) => None,
        (Some(_), None) => changed("`@http` was removed".into()),
        (None, Some(_)) => Some((&HTTP_ADDED, "`@http` was added".into())),
        (Some(o), Some(n)) if o.method != n.method => {
            changed(format!("method {} became {}", o.method, n.method))
        }
        (Some(o), Some(n)) if o.path != n.path => {
            changed(format!("path `{}` became `{}`", o.written, n.written))
        }
        (Some(o), Some(n)) if o.status != n.status => Some((
            &HTTP_STATUS_CHANGED,
            format!("success status {} became {}", o.status, n.status),
        )),
        (Some(o), Some(n)) => o.params.iter().find_map(|(number, at)| {
            let now = n.params.get(number).filter(|now| *now != at)?;
            changed(format!(
                "field {number} moved from {} to {}",
                location(at),
                location(now)
            ))
        }),
    }
}

fn location(at: &ParamLocation) -> String {
    match at {
        ParamLocation::Path => "the path".into(),
        ParamLocation::Query(name) => format!("query parameter `{name}`"),
        ParamLocation::Header(name) => format!("header `{name}`"),
        ParamLocation::Body => "the body".into(),
    }
}

fn channels(ctx: &mut Ctx) {
    for old_id in ctx.old.channel_ids() {
        let name = ctx.old.qualified_channel_name(old_id);
        let pkg = ctx
            .old
            .package(ctx.old.channel(old_id).package)
            .name
            .clone();
        let os = Some(ctx.old_spans.channels[old_id.index()].name);
        match ctx.new.find_channel(&name) {
            None => ctx.push(
                &CHANNEL_REMOVED,
                &pkg,
                format!("channel `{name}` was removed"),
                os,
                None,
            ),
            Some(new_id) => {
                let ns = Some(ctx.new_spans.channels[new_id.index()].name);
                channel(ctx, &pkg, &name, old_id, new_id, (os, ns));
            }
        }
    }
    for new_id in ctx.new.channel_ids() {
        let name = ctx.new.qualified_channel_name(new_id);
        if ctx.old.find_channel(&name).is_none() {
            let pkg = ctx
                .new
                .package(ctx.new.channel(new_id).package)
                .name
                .clone();
            let ns = Some(ctx.new_spans.channels[new_id.index()].name);
            ctx.push(
                &CHANNEL_ADDED,
                &pkg,
                format!("channel `{name}` was added"),
                None,
                ns,
            );
        }
    }
}

fn channel(
    ctx: &mut Ctx,
    pkg: &str,
    name: &str,
    old_id: ChannelId,
    new_id: ChannelId,
    spans: SpanPair,
) {
    let (o, n) = (ctx.old.channel(old_id), ctx.new.channel(new_id));
    let what: Vec<&str> = [
        ("kind", o.kind != n.kind),
        ("address", o.address != n.address),
        ("key", o.key != n.key),
        ("format", o.format != n.format),
    ]
    .into_iter()
    .filter_map(|(what, changed)| changed.then_some(what))
    .collect();
    if !what.is_empty() {
        ctx.push(
            &CHANNEL_CHANGED,
            pkg,
            format!("{} of `{name}` changed", what.join(", ")),
            spans.0,
            spans.1,
        );
    }
    let msgs = |m: &crate::Model, ids: &[crate::model::DeclId]| -> Vec<String> {
        ids.iter().map(|&d| m.qualified_decl_name(d)).collect()
    };
    let (om, nm) = (msgs(ctx.old, &o.messages), msgs(ctx.new, &n.messages));
    for m in om.iter().filter(|m| !nm.contains(m)) {
        ctx.push(
            &CHANNEL_MESSAGE_REMOVED,
            pkg,
            format!("`{name}` no longer carries `{m}`"),
            spans.0,
            spans.1,
        );
    }
    for m in nm.iter().filter(|m| !om.contains(m)) {
        ctx.push(
            &CHANNEL_MESSAGE_ADDED,
            pkg,
            format!("`{name}` now carries `{m}`"),
            spans.0,
            spans.1,
        );
    }
    lifecycle_and_docs(
        ctx,
        pkg,
        name,
        (&o.docs, &o.lifecycle),
        (&n.docs, &n.lifecycle),
        spans,
    );
}
