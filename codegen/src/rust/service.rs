//! Per service: the error enum (one variant per declared error plus the `CallError` case) and
//! the transport-free trait, then the REST parts the options ask for.

use super::ident::ident;
use super::writer::{Code, string_literal};
use super::{Generator, docs, rest_client, rest_server};
use accord_idl::model::*;

pub fn service(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    error_enum(g, code, id);
    code.line("");
    error_impls(g, code, id);
    code.line("");
    service_trait(g, code, id);
    if rest_server::operations(g, code, id) {
        if g.options.server {
            code.line("");
            rest_server::router(g, code, id);
        }
        if g.options.client {
            code.line("");
            rest_client::proxy(g, code, id);
        }
    }
}

/// Variant name, error type path, qualified name and status of each declared error.
struct Declared {
    variant: String,
    ty: String,
    /// The qualified name as a string literal.
    qualified: String,
    /// `"pkg.Name: {:?}"`, the Display format.
    format: String,
    status: u16,
}

fn declared(g: &Generator<'_>, id: ServiceId) -> Vec<Declared> {
    let package = g.model.service(id).package;
    g.names.services[id.index()]
        .errors
        .iter()
        .map(|(e, variant)| {
            let qualified = g.model.qualified_decl_name(*e);
            Declared {
                variant: ident(variant),
                ty: g.decl_path(package, *e),
                format: string_literal(&format!("{qualified}: {{:?}}")),
                qualified: string_literal(&qualified),
                status: status(g, *e),
            }
        })
        .collect()
}

fn error_enum(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let names = &g.names.services[id.index()];
    let call = ident(&names.call_variant);
    code.line(&format!(
        "/// Every error a `{}` operation may end with.",
        names.trait_name
    ));
    code.line("#[derive(Debug, Clone, PartialEq)]");
    code.line("#[allow(clippy::large_enum_variant)]");
    code.block(&format!("pub enum {}", ident(&names.error)), |code| {
        for d in declared(g, id) {
            code.line(&format!("{}({}),", d.variant, d.ty));
        }
        code.line("/// A transport or internal failure.");
        code.line(&format!("{call}(__accord::CallError),"));
    });
}

fn error_impls(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let names = &g.names.services[id.index()];
    let name = ident(&names.error);
    let call = ident(&names.call_variant);
    let declared = declared(g, id);
    code.open(&format!("impl __accord::fmt::Display for {name}"));
    code.open("fn fmt(&self, f: &mut __accord::fmt::Formatter<'_>) -> __accord::fmt::Result");
    code.open("match self");
    for d in &declared {
        code.line(&format!(
            "Self::{}(e) => __accord::write!(f, {}, e),",
            d.variant, d.format
        ));
    }
    code.line(&format!(
        "Self::{call}(e) => __accord::fmt::Display::fmt(e, f),"
    ));
    code.close("");
    code.close("");
    code.close("");
    code.line("");
    code.line(&format!("impl __accord::StdError for {name} {{}}"));
    code.line("");
    code.lines(&format!(
        "impl __accord::From<__accord::CallError> for {name} {{
    fn from(error: __accord::CallError) -> Self {{
        Self::{call}(error)
    }}
}}
"
    ));
    service_error(code, &name, &call, &declared);
}

fn service_error(code: &mut Code, name: &str, call: &str, declared: &[Declared]) {
    code.open(&format!("impl __accord::ServiceError for {name}"));
    code.open("fn encode(self) -> __accord::ErrorEncoding");
    code.open("match self");
    for d in declared {
        code.open(&format!("Self::{}(e) =>", d.variant));
        code.line(&format!(
            "__accord::ErrorEncoding::declared({}u16, {}, &e)",
            d.status, d.qualified
        ));
        code.close("");
    }
    code.line(&format!(
        "Self::{call}(e) => __accord::ErrorEncoding::Call(e),"
    ));
    code.close("");
    code.close("");
    code.line("");
    let (name_arg, body_arg) = if declared.is_empty() {
        ("_", "_")
    } else {
        ("name", "body")
    };
    code.open_lines(&format!(
        "fn decode(
    {name_arg}: &str,
    {body_arg}: &[u8],
) -> __accord::Option<__accord::Result<Self, __accord::CallError>> {{"
    ));
    if declared.is_empty() {
        code.line("__accord::Option::None");
    } else {
        code.open("match name");
        for d in declared {
            code.open(&format!("{} =>", d.qualified));
            code.line(&format!(
                "__accord::Option::Some(__accord::decode_declared(body).map(Self::{}))",
                d.variant
            ));
            code.close("");
        }
        code.line("_ => __accord::Option::None,");
        code.close("");
    }
    code.close("");
    code.close("");
}

fn status(g: &Generator<'_>, id: DeclId) -> u16 {
    match &g.model.decl(id).kind {
        DeclKind::Struct(Struct {
            role: StructRole::Error { status },
            ..
        }) => *status,
        _ => 500,
    }
}

fn service_trait(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    docs(code, service.docs.as_deref(), &service.lifecycle);
    code.open(&format!(
        "pub trait {}: __accord::Send + __accord::Sync + 'static",
        ident(&names.trait_name)
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        docs(code, op.docs.as_deref(), &op.lifecycle);
        code.lines(&format!("{};", signature(g, id, i, false)));
    }
    code.close("");
}

/// The input of operation `index`: its struct, a stream of it, or `()`.
pub fn input_type(g: &Generator<'_>, id: ServiceId, index: usize) -> String {
    let service = g.model.service(id);
    let op = &service.operations[index];
    match op.input {
        None => "()".to_owned(),
        Some(input) => {
            let ty = g.decl_path(service.package, input);
            if op.input_stream {
                format!("__accord::BoxStream<'static, {ty}>")
            } else {
                ty
            }
        }
    }
}

/// The output item type of operation `index` (`()` for `()` and `notify`).
pub fn output_type(g: &Generator<'_>, id: ServiceId, index: usize) -> String {
    let service = g.model.service(id);
    match service.operations[index].output.decl() {
        Some(output) => g.decl_path(service.package, output),
        None => "()".to_owned(),
    }
}

/// The method's signature, without `;` or body: as the trait declares it, or with
/// `async_fn` as an implementation spells it.
pub fn signature(g: &Generator<'_>, id: ServiceId, index: usize, async_fn: bool) -> String {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let method = ident(&names.methods[index]);
    let error = ident(&names.error);
    let input = input_type(g, id, index);
    let output = output_type(g, id, index);
    let result = format!("__accord::Result<{output}, {error}>");
    let head = format!("fn {method}(\n    &self,\n    request: __accord::Request<{input}>,\n)");
    if service.operations[index].output.is_stream() {
        format!("{head} -> __accord::BoxStream<'static, {result}>")
    } else if async_fn {
        format!("async {head} -> {result}")
    } else {
        format!(
            "{head} -> impl __accord::future::Future<\n    Output = {result},\n> + __accord::Send"
        )
    }
}
