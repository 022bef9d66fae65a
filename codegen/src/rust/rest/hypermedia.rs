//! The REST transport's hypermedia (REST Level 3) for a `@hypermedia` service, in
//! `order_service::rest`: `resources` (each resource type's links and relations as the
//! runtime's `hal::Resource`, which routes point to), `relations` (typed `Rel` constants for
//! clients) and `linked` (one function per linked service, making the `hal::Linked` a router
//! expands relations through). Which links a resource carries is `crate::hypermedia`'s.

use super::scope;
use crate::hypermedia::{self as links, ResourceLinks};
use crate::rust::Generator;
use crate::rust::ident::{Case, Namer, ident};
use crate::rust::signature;
use crate::rust::writer::{Code, string_literal};
use accord_idl::model::*;

/// The names of a service's hypermedia items.
pub(super) struct Names {
    /// Each resource type with its static in `resources`.
    pub resources: Vec<(DeclId, String)>,
    /// Each linked service (generated ones only) with its function in `linked`.
    pub linked: Vec<(ServiceId, String)>,
}

impl Names {
    pub fn of(g: &Generator<'_>, id: ServiceId) -> Names {
        let mut statics = Namer::new();
        let resources: Vec<(DeclId, String)> = links::resources(g.model, id)
            .into_iter()
            .map(|d| (d, statics.name(&g.model.decl(d).name, Case::Shouty)))
            .collect();
        let mut functions = Namer::new();
        let mut linked: Vec<(ServiceId, String)> = Vec::new();
        for &(d, _) in &resources {
            for link in g.model.links(d) {
                let service = link.target.service;
                if g.options.wants(g.model, service) && !linked.iter().any(|(s, _)| *s == service) {
                    let module = &g.names.services[service.index()].module;
                    linked.push((service, functions.name(module, Case::Snake)));
                }
            }
        }
        Names { resources, linked }
    }

    /// The `resources` static of operation `index`'s output, when it is a resource.
    pub fn route_resource(&self, g: &Generator<'_>, id: ServiceId, index: usize) -> Option<&str> {
        let op = &g.model.service(id).operations[index];
        let (Output::Single(d), Some(_)) = (&op.output, &op.http) else {
            return None;
        };
        self.resources
            .iter()
            .find(|(r, _)| r == d)
            .map(|(_, name)| name.as_str())
    }
}

/// `resources`, `relations` and `linked`, for a service with resources.
pub(super) fn items(g: &Generator<'_>, code: &mut Code, id: ServiceId, names: &Names) {
    if names.resources.is_empty() {
        return;
    }
    code.line("");
    code.line("/// Each resource's HAL links and `@link` relations.");
    code.line("#[doc(hidden)]");
    code.open("pub mod resources");
    code.line("use super::__accord;");
    for (d, name) in &names.resources {
        code.line("");
        resource(g, code, id, &links::links(g.model, id, *d), name);
    }
    code.close("");
    relations(g, code, id, names);
    linked(g, code, id, names);
}

fn resource(
    g: &Generator<'_>,
    code: &mut Code,
    id: ServiceId,
    found: &ResourceLinks<'_>,
    name: &str,
) {
    let fields = g.model.fields(found.resource);
    let service = g.model.service(id);
    let mut text = format!(
        "pub static {}: __accord::rest::hal::Resource = __accord::rest::hal::Resource {{\n    links: &[\n",
        ident(name)
    );
    for (rel, i) in found.operations(service) {
        let http = service.operations[i]
            .http
            .as_ref()
            .expect("an @http operation");
        text.push_str(&format!(
            "        __accord::rest::hal::Link {{\n            rel: {},\n            method: \
             __accord::http::Method::{},\n            path: {},\n        }},\n",
            string_literal(rel),
            http.method.as_str(),
            string_literal(&http.path)
        ));
    }
    text.push_str("    ],\n");
    if found.relations.is_empty() {
        text.push_str("    relations: &[],\n};");
        return code.lines(&text);
    }
    text.push_str("    relations: &[\n");
    for link in found.relations {
        let Some(href) = links::relation_href(g.model, link) else {
            continue;
        };
        let field = &fields[link.field];
        text.push_str(&format!(
            "        __accord::rest::hal::Relation {{\n            rel: {},\n            field: {},\n            \
             each: {},\n            service: {},\n            op: {},\n            href: {},\n        }},\n",
            string_literal(&link.rel),
            string_literal(&field.name),
            matches!(field.ty, Type::List(_)),
            string_literal(&g.model.qualified_service_name(link.target.service)),
            string_literal(&g.model.op(link.target).name),
            string_literal(&href),
        ));
    }
    text.push_str("    ],\n};");
    code.lines(&text);
}

/// `pub const ORDER_CONSUMER: Rel<Consumer>`, one per relation of each resource.
fn relations(g: &Generator<'_>, code: &mut Code, id: ServiceId, names: &Names) {
    let scope = scope(g, id).below(1);
    let mut consts = Namer::new();
    let mut lines = Vec::new();
    for (d, _) in &names.resources {
        let fields = g.model.fields(*d);
        for link in g.model.links(*d) {
            let Some(output) = g.model.op(link.target).output.decl() else {
                continue;
            };
            let item = signature::decl(g, scope, output);
            let ty = match fields[link.field].ty {
                Type::List(_) => format!("__accord::Vec<{item}>"),
                _ => item,
            };
            let name = consts.name(
                &format!("{}_{}", g.model.decl(*d).name, link.rel),
                Case::Shouty,
            );
            lines.push(format!(
                "pub const {}: __accord::rest::hal::Rel<{ty}> = __accord::rest::hal::Rel::new({});",
                ident(&name),
                string_literal(&link.rel)
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    code.line("");
    code.line(
        "/// The `@link` relations of this service's resources, typed: ask for them with a \
         proxy's `…_hal(request, &[ORDER_CONSUMER.name])`, read them with \
         `Hal::embedded(&ORDER_CONSUMER)`.",
    );
    code.open("pub mod relations");
    code.line("use super::__accord;");
    for line in lines {
        code.line("");
        code.line(&line);
    }
    code.close("");
}

/// One function per linked service: its relations' operations through any implementation.
fn linked(g: &Generator<'_>, code: &mut Code, id: ServiceId, names: &Names) {
    if names.linked.is_empty() {
        return;
    }
    let scope = scope(g, id).below(1);
    code.line("");
    code.line(
        "/// What `?expand=` calls: give each function's `Linked` to the router's \
         `ServerConfig::with_linked`.",
    );
    code.open("pub mod linked");
    code.line("use super::__accord;");
    for (service, function) in &names.linked {
        let qualified = g.model.qualified_service_name(*service);
        let trait_path = signature::trait_path(g, scope, *service);
        let mut ops: Vec<OpRef> = Vec::new();
        for (d, _) in &names.resources {
            for link in g.model.links(*d) {
                if link.target.service == *service && !ops.contains(&link.target) {
                    ops.push(link.target);
                }
            }
        }
        code.line("");
        code.line(&format!(
            "/// Expands the relations that lead to `{qualified}` by calling it through `client` \
             (its generated `Client`, a proxy, or any implementation); add `.base_url(...)` to \
             make their hrefs absolute."
        ));
        code.open_lines(&format!(
            "pub fn {}<__C>(client: __C) -> __accord::rest::hal::Linked
where
    __C: {trait_path} + __accord::Send + __accord::Sync + 'static,
{{",
            ident(function)
        ));
        code.line("let client = __accord::Arc::new(client);");
        let mut text = format!(
            "__accord::rest::hal::Linked::new({})",
            string_literal(&qualified)
        );
        for op in ops {
            let operation = g.model.op(op);
            let Some(input) = operation.input else {
                continue;
            };
            let Some(field) = g
                .model
                .fields(input)
                .iter()
                .find(|f| !f.optional && f.default.is_none())
            else {
                continue;
            };
            let method = ident(&g.names.services[service.index()].methods[op.op]);
            text.push_str(&format!(
                "\n    .op({}, {}, {{
        let client = __accord::Arc::clone(&client);
        move |r| {{
            let client = __accord::Arc::clone(&client);
            async move {{ <__C as {trait_path}>::{method}(&client, r).await }}
        }}
    }})",
                string_literal(&operation.name),
                string_literal(&field.name),
            ));
        }
        code.lines(&text);
        code.close("");
    }
    code.close("");
}
