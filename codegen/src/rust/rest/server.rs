//! The REST skeleton: `router`, an axum `Router` from any implementation of the trait, one
//! serving function per `@http` operation routed through the runtime's `endpoint`.

use super::hypermedia::Names;
use super::{route_path, scope};
use crate::rust::Generator;
use crate::rust::ident::ident;
use crate::rust::signature::{self, rust_type};
use crate::rust::writer::{Code, string_literal};
use accord_idl::model::*;

/// `pub fn router<S: Service>(service: S, config: ServerConfig) -> Router`.
pub fn router(g: &Generator<'_>, code: &mut Code, id: ServiceId, hypermedia: &Names) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let trait_name = signature::trait_path(g, scope(g, id), id);
    code.line(&format!(
        "/// Serves any `{}` over REST: the paths and methods of its `@http` bindings. Serve it \
         with `accord::rest::server::serve`.",
        names.trait_name
    ));
    code.open_lines(&format!(
        "pub fn router<__S: {trait_name}>(
    service: __S,
    config: __accord::rest::server::ServerConfig,
) -> __accord::axum::Router {{"
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if op.http.is_some() {
            let resource = hypermedia.route_resource(g, id, i).is_some();
            handler(g, code, id, i, resource);
            code.line("");
        }
    }
    let links = routes(g, id);
    code.chain("let router = __accord::axum::Router::new()", &links, ";");
    code.line("__accord::rest::server::finish_router(router, service, config)");
    code.close("");
}

/// `route(path, get(endpoint(a::<__S>)).post(…))`, one per distinct path, in first-use order.
fn routes(g: &Generator<'_>, id: ServiceId) -> Vec<String> {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let mut paths: Vec<(&str, Vec<String>)> = Vec::new();
    for (i, op) in service.operations.iter().enumerate() {
        let Some(http) = &op.http else { continue };
        let method = http.method.as_str().to_ascii_lowercase();
        let handler = format!(
            "{method}(__accord::rest::server::endpoint({}::<__S>))",
            ident(&names.methods[i])
        );
        match paths.iter_mut().find(|(p, _)| *p == http.path) {
            Some((_, methods)) => methods.push(handler),
            None => paths.push((&http.path, vec![handler])),
        }
    }
    paths
        .into_iter()
        .map(|(path, methods)| {
            format!(
                "route({}, __accord::axum::routing::{})",
                string_literal(path),
                methods.join(".")
            )
        })
        .collect()
}

/// One operation's serving function, routed through `endpoint`: bind the parameters, then
/// `Call::unary` (`resource` when its output is a hypermedia resource), `empty` or `stream`.
fn handler(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize, resource: bool) {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let names = &g.names.services[id.index()];
    let method = ident(&names.methods[index]);
    let operation = route_path(g, id, index);
    // The request the trait method takes: the operation's input, or `()` for an operation
    // declared without one (the runtime decodes that as `NoInput`).
    let (param, request) = if op.input.is_none() {
        (
            "r: __accord::Request<__accord::rest::server::NoInput>",
            "__accord::Request::from_parts(r.context, ())",
        )
    } else {
        ("r", "r")
    };
    // A stream is `'static` once opened; a single reply's future borrows the service, so it
    // is awaited in a block that owns the service's `Arc`.
    let call = match op.output {
        Output::Stream(_) => format!("move |{param}| service.{method}({request})"),
        _ => format!("move |{param}| async move {{ service.{method}({request}).await }}"),
    };
    let (function, mut args) = match op.output {
        Output::Stream(_) => ("call.stream", vec![operation]),
        Output::Single(_) if resource => ("call.resource", vec![operation]),
        Output::Single(_) => ("call.unary", vec![operation]),
        Output::Unit | Output::None => ("call.empty", vec![operation]),
    };
    args.push(bind(g, id, index));
    args.push(call);
    code.open_lines(&format!(
        "fn {method}<__S: {}>(
    service: __accord::Arc<__S>,
    call: __accord::rest::server::Call,
) -> impl __accord::Future<Output = __accord::axum::response::Response> + __accord::Send {{",
        signature::trait_path(g, scope(g, id), id)
    ));
    code.list(&format!("{function}("), &args, ")");
    code.close("");
}

/// The closure that tells the runtime where each input field travels.
fn bind(g: &Generator<'_>, id: ServiceId, index: usize) -> String {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let (Some(http), Some(input)) = (&op.http, op.input) else {
        return "|_| {}".to_owned();
    };
    let fields = g.model.fields(input);
    let mut calls = Vec::new();
    for param in &http.params {
        let field = &fields[param.field];
        let wire = string_literal(&field.name);
        let (item, list) = match &field.ty {
            Type::List(item) => (rust_type(g, scope(g, id), item), true),
            other => (rust_type(g, scope(g, id), other), false),
        };
        calls.push(match (&param.location, list) {
            (ParamLocation::Path, _) => format!("p.path::<{item}>({wire});"),
            (ParamLocation::Query(name), true) => {
                format!("p.query_list::<{item}>({wire}, {});", string_literal(name))
            }
            (ParamLocation::Query(name), false) => {
                format!("p.query::<{item}>({wire}, {});", string_literal(name))
            }
            (ParamLocation::Header(name), _) => {
                format!("p.header::<{item}>({wire}, {});", string_literal(name))
            }
            (ParamLocation::Body, _) => continue,
        });
    }
    if http.has_body() {
        calls.push("p.body();".to_owned());
    }
    if calls.is_empty() {
        return "|_| {}".to_owned();
    }
    let mut text = "|p: &mut __accord::rest::server::Params<'_>| {\n".to_owned();
    for call in calls {
        text.push_str("    ");
        text.push_str(&call);
        text.push('\n');
    }
    text.push('}');
    text
}
