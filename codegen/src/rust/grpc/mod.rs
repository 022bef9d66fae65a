//! The gRPC transport's part of the Rust target: in `order_service::grpc`, one `Method` per
//! operation the `.proto` declares an rpc for (`methods`, with the path under the names the
//! emitted `.proto` gives), the skeleton (`Server`, a tonic service from any implementation of
//! the trait, routing by path to one serving function per operation) and the proxy (`Proxy`,
//! the trait over a tonic channel). Both are thin: the runtime's `grpc` module does the work.

use super::Generator;
use super::ident::ident;
use super::signature::{self, Scope};
use super::transport::TransportCode;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub(crate) struct Grpc;

impl TransportCode for Grpc {
    fn module(&self) -> &'static str {
        "grpc"
    }

    fn title(&self) -> &'static str {
        "gRPC"
    }

    fn binds(&self, op: &Operation) -> bool {
        op.is_grpc()
    }

    fn server_item(&self) -> &'static str {
        "Server"
    }

    fn module_body(&self, g: &Generator<'_>, code: &mut Code, id: ServiceId) {
        let Some((full, _)) = &g.proto.services[id.index()] else {
            return;
        };
        code.line("");
        code.line(
            "/// The service's full name in the `.proto` (what health checks and reflection use).",
        );
        code.line(&format!(
            "pub const SERVICE_NAME: &str = {};",
            string_literal(full)
        ));
        methods(g, code, id);
        if g.options.server {
            code.line("");
            server(g, code, id);
        }
        if g.options.client {
            code.line("");
            proxy(g, code, id);
        }
    }
}

/// Where generated gRPC code stands: the transport's module, two below the package's.
fn scope(g: &Generator<'_>, id: ServiceId) -> Scope {
    Scope::package(g.model.service(id).package).below(2)
}

/// The rpc path of each operation (`None` for a channel-bound one).
fn paths(g: &Generator<'_>, id: ServiceId) -> Vec<Option<String>> {
    match &g.proto.services[id.index()] {
        Some((full, rpcs)) => rpcs
            .iter()
            .map(|rpc| rpc.as_ref().map(|rpc| format!("/{full}/{rpc}")))
            .collect(),
        None => Vec::new(),
    }
}

fn method_path(g: &Generator<'_>, id: ServiceId, index: usize) -> String {
    format!(
        "&methods::{}",
        ident(&g.names.services[id.index()].statics[index])
    )
}

/// `pub mod methods { pub static GET_ORDER: Method = …; }`.
fn methods(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let names = &g.names.services[id.index()];
    code.line("");
    code.line("/// Each operation's gRPC method.");
    code.line("#[doc(hidden)]");
    code.open("pub mod methods");
    code.line("use super::__accord;");
    for (i, path) in paths(g, id).iter().enumerate() {
        let Some(path) = path else { continue };
        let info = format!("super::super::ops::{}", ident(&names.statics[i]));
        code.line("");
        code.lines(&format!(
            "pub static {}: __accord::grpc::Method = __accord::grpc::Method {{
    op: &{info},
    path: {},
}};",
            ident(&names.statics[i]),
            string_literal(path),
        ));
    }
    code.close("");
}

/// `Server<S>`, its `dispatch` and one serving function per operation.
fn server(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let trait_name = signature::trait_path(g, scope(g, id), id);
    let Some((full, _)) = &g.proto.services[id.index()] else {
        return;
    };
    code.open("__accord::grpc_server!");
    code.line(&format!(
        "/// Serves any `{}` over gRPC: `tonic::transport::Server::builder().add_service(Server::new(service, config))`.",
        names.trait_name
    ));
    code.line(&format!("pub struct Server = {};", string_literal(full)));
    code.line(&format!("trait {trait_name};"));
    code.line("dispatch dispatch;");
    code.close("");
    code.line("");
    code.open_lines(&format!(
        "fn dispatch<__S: {trait_name}>(
    service: __accord::Arc<__S>,
    call: __accord::grpc::server::Call,
) -> __accord::grpc::server::Serving {{"
    ));
    code.open("match call.path()");
    for (i, path) in paths(g, id).iter().enumerate() {
        let Some(path) = path else { continue };
        code.line(&format!(
            "{} => {}(service, call),",
            string_literal(path),
            ident(&names.methods[i])
        ));
    }
    code.line("_ => call.unimplemented(),");
    code.close("");
    code.close("");
    for (i, op) in service.operations.iter().enumerate() {
        if !op.is_grpc() {
            continue;
        }
        code.line("");
        handler(g, code, id, i);
    }
}

fn handler(g: &Generator<'_>, code: &mut Code, id: ServiceId, index: usize) {
    let op = &g.model.service(id).operations[index];
    let names = &g.names.services[id.index()];
    let method = ident(&names.methods[index]);
    let stream_out = op.output.is_stream();
    let function = match (op.input_stream, stream_out) {
        (false, false) => "unary",
        (false, true) => "server_stream",
        (true, false) => "client_stream",
        (true, true) => "bidi_stream",
    };
    let call = if stream_out {
        format!("move |r| service.{method}(r)")
    } else {
        format!("move |r| async move {{ service.{method}(r).await }}")
    };
    code.open_lines(&format!(
        "fn {method}<__S: {}>(
    service: __accord::Arc<__S>,
    call: __accord::grpc::server::Call,
) -> __accord::grpc::server::Serving {{",
        signature::trait_path(g, scope(g, id), id)
    ));
    code.line(&format!(
        "call.{function}({}, {call})",
        method_path(g, id, index)
    ));
    code.close("");
}

/// `Proxy`: the trait over the runtime's `GrpcClient`.
fn proxy(g: &Generator<'_>, code: &mut Code, id: ServiceId) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    code.open("__accord::grpc_proxy!");
    code.line(&format!("/// Calls a `{}` over gRPC.", names.trait_name));
    code.line("pub struct Proxy;");
    code.close("");
    code.line("");
    code.open(&format!(
        "impl {} for Proxy",
        signature::trait_path(g, scope(g, id), id)
    ));
    for (i, op) in service.operations.iter().enumerate() {
        if i > 0 {
            code.line("");
        }
        code.open_lines(&format!(
            "{} {{",
            signature::signature(g, scope(g, id), id, i, false)
        ));
        if !op.is_grpc() {
            let helper = if op.output.is_stream() {
                "unsupported_stream"
            } else {
                "unsupported"
            };
            let info = signature::operation_info(g, scope(g, id), id, i);
            code.line(&format!("__accord::{helper}(&{info}, request)"));
            code.close("");
            continue;
        }
        let function = match (op.input_stream, op.output.is_stream()) {
            (false, false) => "call",
            (false, true) => "call_stream",
            (true, false) => "call_client_stream",
            (true, true) => "call_bidi",
        };
        code.line("let (context, input) = request.into_parts();");
        code.line(&format!(
            "self.client.{function}({}, context, input)",
            method_path(g, id, i)
        ));
        code.close("");
    }
    code.close("");
}
