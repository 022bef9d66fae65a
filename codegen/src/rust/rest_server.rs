//! The REST side shared by skeleton and proxy (one `Operation` static per HTTP-bound
//! operation) and the skeleton: an axum `Router` from any implementation of the trait.

use super::Generator;
use super::ident::ident;
use accord_idl::model::*;
use proc_macro2::TokenStream;
use quote::quote;

/// Whether the service has any operation bound to HTTP (else it gets no REST parts).
pub fn has_rest(g: &Generator<'_>, id: ServiceId) -> bool {
    g.model
        .service(id)
        .operations
        .iter()
        .any(|o| o.http.is_some())
}

/// `pub mod <service>_operations { pub static GET_ORDER: Operation = …; }`.
pub fn operations(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    let wanted = g.options.server || g.options.client;
    if !wanted || !has_rest(g, id) {
        return TokenStream::new();
    }
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let module = ident(&names.ops_module);
    let qualified = g.model.qualified_service_name(id);
    let statics = service.operations.iter().enumerate().filter_map(|(i, op)| {
        let http = op.http.as_ref()?;
        let name = ident(&names.statics[i]);
        let op_name = &op.name;
        let method = ident(http.method.as_str());
        let path = &http.path;
        let timeout = match op.effective_timeout(service) {
            Some(t) => {
                let (secs, nanos) = (t.as_secs(), t.subsec_nanos());
                quote! { __accord::Option::Some(__accord::StdDuration::new(#secs, #nanos)) }
            }
            None => quote! { __accord::Option::None },
        };
        let idempotent = op.idempotent;
        Some(quote! {
            pub static #name: __accord::rest::Operation = __accord::rest::Operation {
                service: #qualified,
                name: #op_name,
                method: __accord::http::Method::#method,
                path: #path,
                timeout: #timeout,
                idempotent: #idempotent,
            };
        })
    });
    let doc = format!(
        " What the REST transport knows about each `{}` operation.",
        names.trait_name
    );
    quote! {
        #[doc = #doc]
        pub mod #module {
            use super::__accord;
            #(#statics)*
        }
    }
}

/// `pub fn <service>_router<S: Service>(service: S, config: ServerConfig) -> Router`.
pub fn router(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    if !has_rest(g, id) {
        return TokenStream::new();
    }
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = ident(&names.router);
    let trait_name = ident(&names.trait_name);
    let handlers = service
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.http.is_some())
        .map(|(i, _)| handler(g, id, i));
    let routes = routes(g, id);
    let doc = format!(
        " Serves any `{}` over REST: the paths and methods of its `@http` bindings.",
        names.trait_name
    );
    quote! {
        #[doc = #doc]
        pub fn #name<__S: #trait_name>(
            service: __S,
            config: __accord::rest::server::ServerConfig,
        ) -> __accord::axum::Router {
            #(#handlers)*
            let router = __accord::axum::Router::new()
                #routes
                .with_state(__accord::Arc::new(service));
            __accord::rest::server::finish_router(router, config)
        }
    }
}

/// `.route(path, get(a::<__S>).post(b::<__S>))`, one per distinct path, in first-use order.
fn routes(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let mut paths: Vec<(&str, Vec<TokenStream>)> = Vec::new();
    for (i, op) in service.operations.iter().enumerate() {
        let Some(http) = &op.http else { continue };
        let method = ident(&http.method.as_str().to_ascii_lowercase());
        let handler = ident(&names.methods[i]);
        let n = match paths.iter().position(|(p, _)| *p == http.path) {
            Some(n) => n,
            None => {
                paths.push((&http.path, Vec::new()));
                paths.len() - 1
            }
        };
        paths[n].1.push(quote! { #method(#handler::<__S>) });
    }
    // Every path entry was created with its first method.
    let routes = paths.iter().filter_map(|(path, methods)| {
        let (first, rest) = methods.split_first()?;
        Some(quote! {
            .route(#path, __accord::axum::routing::#first #(.#rest)*)
        })
    });
    quote! { #(#routes)* }
}

/// One axum handler: bind the parameters, then `Call::unary`, `empty` or `stream`.
fn handler(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let names = &g.names.services[id.index()];
    let method = ident(&names.methods[index]);
    let trait_name = ident(&names.trait_name);
    let module = ident(&names.ops_module);
    let static_name = ident(&names.statics[index]);
    let bind = bind(g, id, index);
    let call = if op.input.is_none() {
        quote! {
            |r: __accord::Request<__accord::rest::server::NoInput>| {
                service.#method(__accord::Request::from_parts(r.context, ()))
            }
        }
    } else {
        quote! { |r| service.#method(r) }
    };
    let serve = match op.output {
        Output::Stream(_) => quote! { call.stream(&#module::#static_name, #bind, #call) },
        Output::Single(_) => quote! { call.unary(&#module::#static_name, #bind, #call) },
        Output::Unit | Output::None => {
            let status = if op.is_notify() {
                quote! { ACCEPTED }
            } else {
                quote! { NO_CONTENT }
            };
            quote! {
                call.empty(
                    &#module::#static_name,
                    __accord::http::StatusCode::#status,
                    #bind,
                    #call,
                )
            }
        }
    };
    quote! {
        async fn #method<__S: #trait_name>(
            __accord::axum::extract::State(service): __accord::axum::extract::State<__accord::Arc<__S>>,
            call: __accord::rest::server::Call,
        ) -> __accord::axum::response::Response {
            #serve.await
        }
    }
}

/// The closure that tells the runtime where each input field travels.
fn bind(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let (Some(http), Some(input)) = (&op.http, op.input) else {
        return quote! { |_| {} };
    };
    let fields = g.model.fields(input);
    let mut calls = Vec::new();
    for param in &http.params {
        let field = &fields[param.field];
        let wire = &field.name;
        let (item, list) = match &field.ty {
            Type::List(item) => (g.rust_type(service.package, item), true),
            other => (g.rust_type(service.package, other), false),
        };
        calls.push(match (&param.location, list) {
            (ParamLocation::Path, _) => quote! { p.path::<#item>(#wire); },
            (ParamLocation::Query(name), true) => quote! { p.query_list::<#item>(#wire, #name); },
            (ParamLocation::Query(name), false) => quote! { p.query::<#item>(#wire, #name); },
            (ParamLocation::Header(name), _) => quote! { p.header::<#item>(#wire, #name); },
            (ParamLocation::Body, _) => continue,
        });
    }
    if http.has_body() {
        calls.push(quote! { p.body(); });
    }
    if calls.is_empty() {
        return quote! { |_| {} };
    }
    quote! { |p: &mut __accord::rest::server::Params<'_>| { #(#calls)* } }
}
