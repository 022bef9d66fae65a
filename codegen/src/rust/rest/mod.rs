//! The REST transport's part of the Rust target: in `order_service::rest`, one `Route` per
//! `@http` operation (`routes`), the skeleton (`router`, an axum `Router` from any
//! implementation of the trait) and the proxy (`Proxy`, the trait over reqwest).

mod client;
mod hypermedia;
mod server;

use super::Generator;
use super::ident::ident;
use super::signature::Scope;
use super::transport::TransportCode;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub(crate) struct Rest;

impl TransportCode for Rest {
    fn module(&self) -> &'static str {
        "rest"
    }

    fn title(&self) -> &'static str {
        "REST"
    }

    fn binds(&self, op: &Operation) -> bool {
        op.http.is_some()
    }

    fn module_body(&self, g: &Generator<'_>, code: &mut Code, id: ServiceId) {
        let hypermedia = hypermedia::Names::of(g, id);
        routes(g, code, id, &hypermedia);
        hypermedia::items(g, code, id, &hypermedia);
        if g.options.server {
            code.line("");
            server::router(g, code, id, &hypermedia);
        }
        if g.options.client {
            code.line("");
            client::proxy(g, code, id, &hypermedia);
        }
    }
}

/// Where generated REST code stands: the transport's module, two below the package's.
fn scope(g: &Generator<'_>, id: ServiceId) -> Scope {
    Scope::package(g.model.service(id).package).below(2)
}

/// The path of operation `index`'s route from the transport's module.
fn route_path(g: &Generator<'_>, id: ServiceId, index: usize) -> String {
    format!(
        "&routes::{}",
        ident(&g.names.services[id.index()].statics[index])
    )
}

/// `pub mod routes { pub static GET_ORDER: Route = …; }`.
fn routes(g: &Generator<'_>, code: &mut Code, id: ServiceId, hypermedia: &hypermedia::Names) {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    code.line("");
    code.line("/// Each `@http` operation's method and path.");
    code.line("#[doc(hidden)]");
    code.open("pub mod routes");
    code.line("use super::__accord;");
    for (i, op) in service.operations.iter().enumerate() {
        let Some(http) = &op.http else { continue };
        // From `routes`, the service module's `ops` is two levels up.
        let info = format!("super::super::ops::{}", ident(&names.statics[i]));
        code.line("");
        let resource = match hypermedia.route_resource(g, id, i) {
            Some(r) => format!("__accord::Option::Some(&super::resources::{})", ident(r)),
            None => "__accord::Option::None".to_owned(),
        };
        code.lines(&format!(
            "pub static {}: __accord::rest::Route = __accord::rest::Route {{
    op: &{info},
    method: __accord::http::Method::{},
    path: {},
    success: {},
    resource: {resource},
}};",
            ident(&names.statics[i]),
            http.method.as_str(),
            string_literal(&http.path),
            op.success_status(),
        ));
    }
    code.close("");
}
