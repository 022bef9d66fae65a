//! Hover: a declaration's signature (as written) and doc comment; for an operation its
//! bindings (HTTP method and route, gRPC method, channel and interaction style, auth,
//! timeout); for a field its number and wire names; for a channel its kind, address, messages
//! and format; for an annotation how it is written.

use crate::index::{Target, fields_of};
use crate::workspace::Compiled;
use accord_idl::Span;
use accord_idl::model::{AuthScheme, Model, OpRef, ParamLocation, Type};
use accord_idl::syntax::{self, ItemKind};
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};
use std::fmt::Write;

/// Longer declarations are shown up to here, then `…`.
const MAX_SIGNATURE_LINES: usize = 20;

pub fn hover(c: &Compiled, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let (file, offset) = c.locate(&at.text_document.uri, at.position)?;
    let (text, span) = match c.index().at(file, offset) {
        Some(o) => (describe(c, o.target)?, o.span),
        None => annotation(c.compilation.syntax(file)?, offset)?,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(c.range(span)),
    })
}

/// An annotation's name under the cursor: how it is written (the checker's table).
fn annotation(syntax: &syntax::File, offset: u32) -> Option<(String, Span)> {
    let on = |a: &&syntax::Annotation| a.span.start <= offset && offset <= a.name.span.end;
    let found = attrs(syntax)
        .flat_map(|attrs| &attrs.annotations)
        .find(on)?;
    let name = found.name.text.as_str();
    let (_, usage) = accord_idl::check::annotations::known().find(|(n, _)| *n == name)?;
    Some((format!("```accord\n{usage}\n```"), found.span))
}

/// The docs and annotations of every node of a file.
fn attrs(syntax: &syntax::File) -> impl Iterator<Item = &syntax::Attrs> {
    syntax.items.iter().flat_map(|item| {
        let members: Vec<&syntax::Attrs> = match &item.kind {
            ItemKind::Struct(s) => s.fields.iter().map(|f| &f.attrs).collect(),
            ItemKind::Union(u) => u.variants.iter().map(|f| &f.attrs).collect(),
            ItemKind::Enum(e) => e.values.iter().map(|v| &v.attrs).collect(),
            ItemKind::Service(s) => s
                .members
                .iter()
                .filter_map(|m| match m {
                    syntax::ServiceMember::Operation(op) => Some(&op.attrs),
                    _ => None,
                })
                .collect(),
            ItemKind::Channel(_) => Vec::new(),
        };
        std::iter::once(&item.attrs).chain(members)
    })
}

/// The Markdown shown for `target`.
pub fn describe(c: &Compiled, target: Target) -> Option<String> {
    let model = &c.compilation.model;
    let spans = &c.compilation.spans;
    let mut out = String::new();
    match target {
        Target::Decl(d) => {
            let decl = model.decl(d);
            signature(c, spans.decls.get(d.index())?.whole, &mut out);
            let _ = writeln!(out, "{} `{}`", decl.keyword(), model.qualified_decl_name(d));
            docs(decl.docs.as_deref(), &mut out);
        }
        Target::Service(s) => {
            let service = model.service(s);
            let _ = writeln!(
                out,
                "```accord\nservice {}\n```",
                model.qualified_service_name(s)
            );
            let _ = writeln!(out, "{} operations", service.operations.len());
            docs(service.docs.as_deref(), &mut out);
        }
        Target::Channel(ch) => channel(model, ch, &mut out),
        Target::Op(op) => {
            let span = *spans
                .services
                .get(op.service.index())?
                .operations
                .get(op.op)?;
            signature(c, span, &mut out);
            bindings(c, op, &mut out);
            docs(model.op(op).docs.as_deref(), &mut out);
        }
        Target::Field(d, i) => {
            let field = fields_of(model, d).get(i)?;
            let optional = if field.optional { "?" } else { "" };
            let ty = type_text(model, &field.ty);
            let _ = writeln!(
                out,
                "```accord\n{}{optional}: {ty} = {};\n```",
                field.name, field.number
            );
            let _ = writeln!(
                out,
                "field of `{}` · number **{}** · JSON member `{}` · protobuf field `{}` (tag {})",
                model.qualified_decl_name(d),
                field.number,
                field.name,
                field.name,
                field.number
            );
            http_places(model, d, i, &mut out);
            docs(field.docs.as_deref(), &mut out);
        }
        Target::File(f) => {
            let _ = writeln!(out, "`{}`", c.path(f).display());
        }
    }
    Some(out)
}

fn signature(c: &Compiled, span: Span, out: &mut String) {
    let text = c.compilation.sources.slice(span);
    let mut lines: Vec<&str> = text.lines().take(MAX_SIGNATURE_LINES + 1).collect();
    let cut = lines.len() > MAX_SIGNATURE_LINES;
    lines.truncate(MAX_SIGNATURE_LINES);
    let _ = writeln!(
        out,
        "```accord\n{}{}\n```",
        lines.join("\n"),
        if cut { "\n    …" } else { "" }
    );
}

fn docs(docs: Option<&str>, out: &mut String) {
    if let Some(docs) = docs {
        let _ = write!(out, "\n---\n{docs}\n");
    }
}

/// How an operation is served.
fn bindings(c: &Compiled, op: OpRef, out: &mut String) {
    let model = &c.compilation.model;
    let service = model.service(op.service);
    let operation = model.op(op);
    let _ = writeln!(
        out,
        "operation of `{}` · {}",
        model.qualified_service_name(op.service),
        operation.interaction().describe()
    );
    if let Some(http) = &operation.http {
        let _ = writeln!(
            out,
            "- HTTP: `{} {}` → {}",
            http.method.as_str(),
            http.path,
            operation.success_status()
        );
    }
    if operation.is_grpc() {
        let method = c.grpc().and_then(|names| {
            let (full, methods) = names.services.get(op.service.index())?.as_ref()?;
            Some(format!("/{full}/{}", methods.get(op.op)?.as_ref()?))
        });
        match method {
            Some(m) => {
                let _ = writeln!(out, "- gRPC: `{m}`");
            }
            None => {
                let _ = writeln!(out, "- gRPC: named once the API checks without errors");
            }
        }
    }
    if let Some(binding) = &operation.channel {
        let channel = model.channel(binding.channel);
        let _ = write!(
            out,
            "- channel: `{}` ({})",
            model.qualified_channel_name(binding.channel),
            channel.kind.as_str()
        );
        if let Some(window) = binding.collect {
            let _ = write!(out, ", replies collected for {window:?}");
        }
        out.push('\n');
    }
    let auth = operation.effective_auth(service);
    let scheme = match &auth.scheme {
        AuthScheme::None => "none".to_string(),
        AuthScheme::Bearer if auth.scopes.is_empty() => "bearer token".to_string(),
        AuthScheme::Bearer => format!("bearer token with scopes {}", auth.scopes.join(", ")),
        AuthScheme::ApiKey { header } => format!("API key in `{header}`"),
    };
    let _ = writeln!(out, "- auth: {scheme}");
    if let Some(timeout) = operation.effective_timeout(service) {
        let _ = writeln!(out, "- timeout: {timeout:?}");
    }
}

/// Where the field travels in each HTTP operation that takes its struct as input.
fn http_places(model: &Model, decl: accord_idl::model::DeclId, field: usize, out: &mut String) {
    for s in model.service_ids() {
        for op in &model.service(s).operations {
            let Some(http) = op.http.as_ref().filter(|_| op.input == Some(decl)) else {
                continue;
            };
            let Some(param) = http.params.iter().find(|p| p.field == field) else {
                continue;
            };
            let place = match &param.location {
                ParamLocation::Path => "path parameter".to_string(),
                ParamLocation::Query(name) => format!("query parameter `{name}`"),
                ParamLocation::Header(name) => format!("header `{name}`"),
                ParamLocation::Body => "body member".to_string(),
            };
            let route = format!("{} {}", http.method.as_str(), http.path);
            let _ = writeln!(out, "- in `{}` (`{route}`): {place}", op.name);
        }
    }
}

fn channel(model: &Model, id: accord_idl::model::ChannelId, out: &mut String) {
    let ch = model.channel(id);
    let _ = writeln!(
        out,
        "```accord\nchannel {}\n```",
        model.qualified_channel_name(id)
    );
    let messages: Vec<String> = ch
        .messages
        .iter()
        .map(|&m| format!("`{}`", model.decl(m).name))
        .collect();
    let _ = writeln!(
        out,
        "- kind: {}\n- address: `{}`\n- messages: {}\n- format: {}",
        ch.kind.as_str(),
        ch.address,
        messages.join(", "),
        ch.format.as_str()
    );
    if let Some(key) = &ch.key {
        let _ = writeln!(out, "- key: `{key}`");
    }
    docs(ch.docs.as_deref(), out);
}

/// A type as written in the language, declarations qualified.
pub fn type_text(model: &Model, ty: &Type) -> String {
    match ty {
        Type::Scalar(s) => s.name().to_string(),
        Type::List(inner) => format!("list<{}>", type_text(model, inner)),
        Type::Map(k, v) => format!("map<{}, {}>", k.name(), type_text(model, v)),
        Type::Named(d) => model.qualified_decl_name(*d),
    }
}
