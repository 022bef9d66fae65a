//! The REST proxy: `Proxy`, implementing the service trait over reqwest through the runtime's
//! `RestClient` (the call core's deadline, outstanding bound, breaker, typed errors).
//! Operations not bound to HTTP answer `CallError::Unsupported`.

use super::hypermedia::Names;
use super::{route_path, scope};
use crate::rust::Generator;
use crate::rust::ident::ident;
use crate::rust::signature;
use crate::rust::writer::{Code, a_code, string_literal};
use accord_idl::model::*;

pub fn proxy(g: &Generator<'_>, code: &mut Code, id: ServiceId, hypermedia: &Names) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = "Proxy";
    // The struct and its constructors are the same for every service: the runtime's macro.
    code.open("__accord::rest_proxy!");
    code.line(&format!(
        "/// Calls {} over REST.",
        a_code(&names.trait_name)
    ));
    code.line(&format!("pub struct {name};"));
    code.close("");
    code.line("");
    code.open(&format!(
        "impl {} for {name}",
        signature::trait_path(g, scope(g, id), id)
    ));
    for i in 0..service.operations.len() {
        if i > 0 {
            code.line("");
        }
        method(g, code, id, i);
    }
    code.close("");
    let resources: Vec<usize> = (0..service.operations.len())
        .filter(|&i| hypermedia.route_resource(g, id, i).is_some())
        .collect();
    if resources.is_empty() {
        return;
    }
    code.line("");
    code.open(&format!("impl {name}"));
    for (n, i) in resources.into_iter().enumerate() {
        if n > 0 {
            code.line("");
        }
        hal_method(g, code, id, i);
    }
    code.close("");
}

/// `get_order_hal(request, expand)`: the operation's resource with its HAL links, and the
/// relations `expand` names embedded.
fn hal_method(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize) {
    let scope = scope(g, id);
    let op = &g.model.service(id).operations[index];
    let http = op.http.as_ref().expect("a REST operation");
    let method = &g.names.services[id.index()].methods[index];
    let (links, uses_input) = parts(g, id, index, http);
    let input = if uses_input { "input" } else { "_" };
    code.line(&format!(
        "/// `{}` with the resource's HAL links, and the relations `expand` names (`relations::…`) \
         embedded: read them with `Hal::embedded`.",
        op.name
    ));
    code.open_lines(&format!(
        "pub fn {}(
    &self,
    request: __accord::Request<{}>,
    expand: &[&str],
) -> impl __accord::Future<
    Output = __accord::Result<__accord::rest::hal::Hal<{}>, {}>,
> + __accord::Send {{",
        ident(&format!("{method}_hal")),
        signature::input_type(g, scope, id, index),
        signature::output_type(g, scope, id, index),
        signature::error_type(g, scope, id, index),
    ));
    code.line(&format!("let (context, {input}) = request.into_parts();"));
    code.chain(
        "let parts = __accord::rest::client::Parts::new()",
        &links,
        ";",
    );
    code.chain(
        "self.client",
        &[format!(
            "call_hal({}, context, parts, expand)",
            route_path(g, id, index)
        )],
        "",
    );
    code.close("");
}

fn method(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize) {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let Some(http) = &op.http else {
        return unsupported(g, code, id, index);
    };
    let operation = route_path(g, id, index);
    let (links, uses_input) = parts(g, id, index, http);
    let input = if uses_input { "input" } else { "_" };
    // Not an `async fn`: it would keep the request and the runtime's future side by side;
    // the input is read into `parts` here, and the runtime's future is returned as it is.
    code.open_lines(&format!(
        "{} {{",
        signature::signature(g, scope(g, id), id, index, false)
    ));
    code.line(&format!("let (context, {input}) = request.into_parts();"));
    code.chain(
        "let parts = __accord::rest::client::Parts::new()",
        &links,
        ";",
    );
    let function = match op.output {
        Output::Stream(_) => "call_stream",
        Output::Single(_) => "call",
        Output::Unit | Output::None => "call_empty",
    };
    let call = format!("{function}({operation}, context, parts)");
    code.chain("self.client", &[call], "");
    code.close("");
}

fn unsupported(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize) {
    let scope = scope(g, id);
    let op = &g.model.service(id).operations[index];
    let helper = if op.output.is_stream() {
        "unsupported_stream"
    } else {
        "unsupported"
    };
    let info = signature::operation_info(g, scope, id, index);
    code.open_lines(&format!(
        "{} {{",
        signature::signature(g, scope, id, index, false)
    ));
    code.line(&format!("__accord::{helper}(&{info}, request)"));
    code.close("");
}

/// The `Parts` builder calls carrying every input field where the binding puts it, and
/// whether they read the input.
fn parts(
    g: &Generator<'_>,
    id: ServiceId,
    index: usize,
    http: &HttpBinding,
) -> (Vec<String>, bool) {
    let op = &g.model.service(id).operations[index];
    let Some(input) = op.input else {
        return (Vec::new(), false);
    };
    let fields = g.model.fields(input);
    let mut calls = Vec::new();
    let mut omitted = Vec::new();
    for param in &http.params {
        let field = &fields[param.field];
        let name = ident(&g.names.members[input.index()][param.field]);
        let optional = field.optional && field.default.is_none();
        let list = matches!(field.ty, Type::List(_));
        if param.location != ParamLocation::Body {
            omitted.push(string_literal(&field.name));
        }
        let value = if optional {
            format!("input.{name}.as_ref()")
        } else {
            format!("__accord::Option::Some(&input.{name})")
        };
        calls.push(match &param.location {
            ParamLocation::Path => {
                format!("path({}, &input.{name})", string_literal(&field.name))
            }
            ParamLocation::Query(q) if list && optional => format!(
                "query_list({}, input.{name}.as_deref().unwrap_or_default())",
                string_literal(q)
            ),
            ParamLocation::Query(q) if list => {
                format!("query_list({}, &input.{name})", string_literal(q))
            }
            ParamLocation::Query(q) => format!("query({}, {value})", string_literal(q)),
            ParamLocation::Header(h) => format!("header({}, {value})", string_literal(h)),
            ParamLocation::Body => continue,
        });
    }
    if http.has_body() {
        calls.push(format!("json(&input, &[{}])", omitted.join(", ")));
    }
    let uses_input = !calls.is_empty();
    (calls, uses_input)
}
