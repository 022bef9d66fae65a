//! Per service: the transport-free trait in the package module, then the service's module
//! (`order_service`): one error type per operation that declares errors, the operation
//! descriptors every transport shares (`ops`), one module per transport the options name
//! (written by that transport, see `transport`), and the `Client` that routes each operation to
//! the transport its binding names.

use super::ident::ident;
use super::signature::{self, Scope};
use super::transport::TransportCode;
use super::writer::{Code, a_code, string_literal};
use super::{Generator, docs};
use accord_idl::model::*;

pub fn service(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let transports = transports(g, id);
    service_trait(g, code, id, &transports);
    code.line("");
    let names = &g.names.services[id.index()];
    code.line(&format!(
        "/// `{}`'s error types, operation descriptors and transports.",
        names.trait_name
    ));
    // A service may share its package's last name (`stress.everything.Everything`).
    code.line("#[allow(clippy::module_inception)]");
    code.open(&format!("pub mod {}", ident(&names.module)));
    code.line("#[allow(unused_imports)]");
    code.line("use super::__accord;");
    error_types(g, code, id);
    code.line("");
    operations(g, code, id);
    if g.options.fakes {
        super::fake::fake(g, code, id);
    }
    for transport in &transports {
        code.line("");
        code.line(&format!(
            "/// `{}` over {}.",
            names.trait_name,
            transport.title()
        ));
        code.open(&format!("pub mod {}", transport.module()));
        code.line("#[allow(unused_imports)]");
        code.line("use super::__accord;");
        transport.module_body(g, code, id);
        code.close("");
    }
    let routed = client_transports(g, id, &transports);
    if g.options.client && !routed.is_empty() {
        code.line("");
        client(g, code, id, &routed);
    }
    code.close("");
}

/// The transports the options ask for that the service needs.
fn transports(g: &Generator<'_>, id: ServiceId) -> Vec<&'static dyn TransportCode> {
    let wanted = g.options.client || g.options.server;
    let service = g.model.service(id);
    g.options
        .transports
        .iter()
        .map(|&t| t.code())
        .filter(|t| wanted && t.serves(service))
        .collect()
}

/// The transports that carry at least one operation: the routing `Client`'s.
fn client_transports(
    g: &Generator<'_>,
    id: ServiceId,
    transports: &[&'static dyn TransportCode],
) -> Vec<&'static dyn TransportCode> {
    let operations = &g.model.service(id).operations;
    transports
        .iter()
        .copied()
        .filter(|t| operations.iter().any(|op| t.binds(op)))
        .collect()
}

fn service_trait(
    g: &Generator<'_>,
    code: &mut Code,
    id: ServiceId,
    transports: &[&'static dyn TransportCode],
) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = Scope::package(service.package);
    docs(code, service.docs.as_deref(), &service.lifecycle);
    if service.docs.is_some() {
        code.line("///");
    }
    code.line("/// Implement it with `async fn`s (a streamed output returns a `BoxStream`).");
    let module = &names.module;
    let routed = client_transports(g, id, transports);
    if g.options.server {
        for t in &routed {
            code.line(&format!(
                "/// Serve it over {} with `{module}::{}::{}`.",
                t.title(),
                t.module(),
                t.server_item()
            ));
        }
    }
    if g.options.client && !routed.is_empty() {
        code.line(&format!("/// Call a remote one with `{module}::Client`."));
    }
    // `shared`: also the trait for an `Arc` of an implementation, so one implementation is
    // served over several transports at once (each skeleton takes its service by value).
    code.line("#[__accord::shared]");
    code.open(&format!(
        "pub trait {}: __accord::Send + __accord::Sync + 'static",
        ident(&names.trait_name)
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        docs(code, op.docs.as_deref(), &op.lifecycle);
        stream_docs(code, op);
        code.lines(&format!(
            "{};",
            signature::signature(g, scope, id, i, false)
        ));
    }
    code.close("");
}

/// How a handler makes or reads a stream with the runtime's own `futures`, so it needs no
/// dependency of its own.
fn stream_docs(code: &mut Code, op: &Operation) {
    let lines: [&str; 2] = match (op.input_stream, op.output.is_stream()) {
        (_, true) => [
            " Returns a stream, built with `accord::futures` (no dependency of your own):",
            " `stream::iter(items).boxed()` with `accord::futures::{stream, StreamExt}` in scope.",
        ],
        (true, false) => [
            " Reads its input stream with `accord::futures::StreamExt` (`next().await`),",
            " no dependency of your own.",
        ],
        (false, false) => return,
    };
    if op.docs.is_some() || op.lifecycle.deprecated.is_some() {
        code.line("///");
    }
    code.docs(&lines.map(str::to_owned));
}

/// One `errors!` per operation that declares errors: its declared errors and `Call`.
fn error_types(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = Scope::package(service.package).below(1);
    for (i, op) in service.operations.iter().enumerate() {
        let Some(error) = &names.op_errors[i] else {
            continue;
        };
        code.line("");
        code.open("__accord::errors!");
        code.line(&format!("/// Every error `{}` may end with.", op.name));
        code.block(&format!("pub enum {}", ident(error)), |code| {
            for (thrown, variant) in &names.error_variants[i] {
                code.line(&format!(
                    "{}({}) = {}u16 => {},",
                    ident(variant),
                    signature::decl(g, scope, *thrown),
                    status(g, *thrown),
                    string_literal(&g.model.qualified_decl_name(*thrown))
                ));
            }
        });
        code.line(&format!("call {};", ident(&names.call_variant)));
        code.close("");
    }
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

/// `pub mod ops { pub static GET_ORDER: OperationInfo = …; }`: what the call core knows of
/// each operation, shared by every transport.
fn operations(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let qualified = string_literal(&g.model.qualified_service_name(id));
    code.line("/// What every transport knows about each operation.");
    code.line("#[doc(hidden)]");
    code.open("pub mod ops");
    // A service without operations (yet) has no descriptor to write.
    if !service.operations.is_empty() {
        code.line("use super::__accord;");
    }
    for (i, op) in service.operations.iter().enumerate() {
        let timeout = match op.effective_timeout(service) {
            Some(t) => format!(
                "__accord::Option::Some(__accord::StdDuration::new({}u64, {}u32))",
                t.as_secs(),
                t.subsec_nanos()
            ),
            None => "__accord::Option::None".to_owned(),
        };
        code.line("");
        code.lines(&format!(
            "pub static {}: __accord::OperationInfo = __accord::OperationInfo {{
    service: {qualified},
    name: {},
    interaction: __accord::Interaction::{},
    timeout: {timeout},
    idempotent: {},
    auth: {},
}};",
            ident(&names.statics[i]),
            string_literal(&op.name),
            interaction(op),
            op.idempotent,
            requirement(&op.effective_auth(service)),
        ));
    }
    code.close("");
}

/// The `AuthRequirement` an operation's `@auth` and `@scopes` make.
fn requirement(auth: &Auth) -> String {
    match &auth.scheme {
        AuthScheme::None => "__accord::AuthRequirement::None".to_owned(),
        AuthScheme::Bearer => {
            let scopes: Vec<String> = auth.scopes.iter().map(|s| string_literal(s)).collect();
            format!(
                "__accord::AuthRequirement::Bearer {{ scopes: &[{}] }}",
                scopes.join(", ")
            )
        }
        AuthScheme::ApiKey { header } => format!(
            "__accord::AuthRequirement::ApiKey {{ header: {} }}",
            string_literal(header)
        ),
    }
}

fn interaction(op: &Operation) -> &'static str {
    let collect = op.channel.as_ref().is_some_and(|c| c.collect.is_some());
    match (op.input_stream, &op.output) {
        (_, Output::None) => "Notify",
        (_, Output::Stream(_)) if collect => "Collect",
        (true, Output::Stream(_)) => "BidiStream",
        (false, Output::Stream(_)) => "ServerStream",
        (true, _) => "ClientStream",
        (false, _) => "Unary",
    }
}

/// `Client`: one proxy per transport, each operation sent over the transport its binding
/// names; an operation whose transport has no proxy here fails with `Unsupported`.
fn client(g: &Generator<'_>, code: &mut Code, id: ServiceId, transports: &[&dyn TransportCode]) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let scope = Scope::package(service.package).below(1);
    code.line(&format!(
        "/// Calls {} over the transport each operation is bound to.",
        a_code(&names.trait_name)
    ));
    code.line("#[derive(Debug, Clone, Default)]");
    code.block("pub struct Client", |code| {
        for t in transports {
            code.line(&format!("{0}: __accord::Option<{0}::Proxy>,", t.module()));
        }
    });
    code.line("");
    code.open("impl Client");
    code.line("/// A client with no transport yet: add each with its `with_…` method.");
    code.open("pub fn new() -> Self");
    code.line("<Self as __accord::Default>::default()");
    code.close("");
    for t in transports {
        code.line("");
        code.line(&format!(
            "/// Sends the operations bound to {} through `proxy`.",
            t.title()
        ));
        code.open(&format!(
            "pub fn with_{0}(mut self, proxy: {0}::Proxy) -> Self",
            t.module()
        ));
        code.line(&format!(
            "self.{} = __accord::Option::Some(proxy);",
            t.module()
        ));
        code.line("self");
        code.close("");
    }
    code.close("");
    code.line("");
    code.open(&format!(
        "impl {} for Client",
        signature::trait_path(g, scope, id)
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        let method = ident(&names.methods[i]);
        code.open_lines(&format!(
            "{} {{",
            signature::signature(g, scope, id, i, false)
        ));
        // Every transport that carries the operation, in the options' order: the first whose
        // proxy the client has sends it.
        let bound: Vec<&str> = transports
            .iter()
            .filter(|t| t.binds(op))
            .map(|t| t.module())
            .collect();
        let operation = signature::operation_info(g, scope, id, i);
        let unsupported = if op.output.is_stream() {
            "unsupported_stream"
        } else {
            "unsupported"
        };
        let fallback = format!("__accord::{unsupported}(&{operation}, request)");
        code.lines(&routed(&bound, &method, op.output.is_stream(), fallback));
        code.close("");
    }
    code.close("");
}

/// The body of a `Client` method: the first of `modules` whose proxy is set sends the call,
/// else `fallback`. A stream is a `BoxStream` either way; futures differ in type, so each
/// choice is wrapped in `Either`s (`Left`, `Right(Left)`, …, the fallback last).
fn routed(modules: &[&str], method: &str, stream: bool, fallback: String) -> String {
    let Some((first, rest)) = modules.split_first() else {
        return fallback;
    };
    let inner = routed(rest, method, stream, fallback);
    let (left, right, close) = if stream {
        ("", "", "")
    } else {
        ("__accord::Either::Left(", "__accord::Either::Right(", ")")
    };
    let inner = inner.replace('\n', "\n    ");
    format!(
        "match &self.{first} {{
    __accord::Option::Some(proxy) => {left}proxy.{method}(request){close},
    __accord::Option::None => {right}{inner}{close},
}}"
    )
}
