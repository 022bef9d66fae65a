//! The REST proxy: a struct implementing the service trait over reqwest through the runtime's
//! `RestClient` (deadline, outstanding bound, breaker, typed errors). Operations not bound to
//! HTTP answer `CallError::Unsupported`.

use super::Generator;
use super::ident::ident;
use super::service::signature;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub fn proxy(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = ident(&names.proxy);
    code.lines(&format!(
        "/// Calls a `{}` over REST.
#[derive(Debug, Clone)]
pub struct {name} {{
    client: __accord::rest::client::RestClient,
}}

impl {name} {{
    /// A proxy over a configured client (base URL, HTTP client, headers, resilience).
    pub fn new(client: __accord::rest::client::RestClient) -> Self {{
        Self {{ client }}
    }}

    /// A proxy with default settings for the service at `base_url`.
    pub fn connect(
        base_url: impl __accord::Into<__accord::String>,
    ) -> __accord::Result<Self, __accord::rest::client::ClientConfigError> {{
        __accord::rest::client::RestClient::new(base_url).map(Self::new)
    }}

    /// The underlying client (for its resilience state).
    pub fn client(&self) -> &__accord::rest::client::RestClient {{
        &self.client
    }}
}}
",
        names.trait_name
    ));
    code.open(&format!("impl {} for {name}", ident(&names.trait_name)));
    for i in 0..service.operations.len() {
        if i > 0 {
            code.line("");
        }
        method(g, code, id, i);
    }
    code.close("");
}

fn method(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize) {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let Some(http) = &op.http else {
        return unsupported(g, code, id, index);
    };
    let names = &g.names.services[id.index()];
    let operation = format!(
        "&{}::{}",
        ident(&names.ops_module),
        ident(&names.statics[index])
    );
    let (links, uses_input) = parts(g, id, index, http);
    let input = if uses_input { "input" } else { "_" };
    // Not an `async fn`: it would keep the request and the runtime's future side by side;
    // the input is read into `parts` here, and the runtime's future is returned as it is.
    code.open_lines(&format!("{} {{", signature(g, id, index, false)));
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
    let service = g.model.service(id);
    let op = &service.operations[index];
    let operation = string_literal(&format!(
        "{}.{}",
        g.model.qualified_service_name(id),
        op.name
    ));
    let error = format!(
        "__accord::Result::Err(__accord::From::from(__accord::CallError::Unsupported {{
    operation: __accord::String::from({operation}),
}}))"
    );
    let stream = op.output.is_stream();
    code.line("#[allow(unused_variables)]");
    code.open_lines(&format!("{} {{", signature(g, id, index, !stream)));
    if stream {
        let error = error.replace('\n', "\n    ");
        code.lines(&format!(
            "__accord::Box::pin(__accord::futures::stream::once(__accord::future::ready(
    {error},
)))"
        ));
    } else {
        code.lines(&error);
    }
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
