//! The REST proxy: a struct implementing the service trait over reqwest through the runtime's
//! `RestClient` (deadline, outstanding bound, breaker, typed errors). Operations not bound to
//! HTTP answer `CallError::Unsupported`.

use super::Generator;
use super::ident::ident;
use super::rest_server::has_rest;
use super::service::signature_with;
use accord_idl::model::*;
use proc_macro2::TokenStream;
use quote::quote;

pub fn proxy(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    if !has_rest(g, id) {
        return TokenStream::new();
    }
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = ident(&names.proxy);
    let trait_name = ident(&names.trait_name);
    let methods = (0..service.operations.len()).map(|i| method(g, id, i));
    let doc = format!(" Calls a `{}` over REST.", names.trait_name);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #name {
            client: __accord::rest::client::RestClient,
        }

        impl #name {
            /// A proxy over a configured client (base URL, HTTP client, headers, resilience).
            pub fn new(client: __accord::rest::client::RestClient) -> Self {
                Self { client }
            }

            /// A proxy with default settings for the service at `base_url`.
            pub fn connect(
                base_url: impl __accord::Into<__accord::String>,
            ) -> __accord::Result<Self, __accord::rest::client::ClientConfigError> {
                __accord::rest::client::RestClient::new(base_url).map(Self::new)
            }

            /// The underlying client (for its resilience state).
            pub fn client(&self) -> &__accord::rest::client::RestClient {
                &self.client
            }
        }

        impl #trait_name for #name {
            #(#methods)*
        }
    }
}

fn method(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    let service = g.model.service(id);
    let op = &service.operations[index];
    let stream = op.output.is_stream();
    let signature = signature_with(g, id, index, !stream);
    let Some(http) = &op.http else {
        return unsupported(g, id, index, signature);
    };
    let module = ident(&g.names.services[id.index()].ops_module);
    let static_name = ident(&g.names.services[id.index()].statics[index]);
    let (parts, uses_input) = parts(g, id, index, http);
    let input = if uses_input {
        quote! { input }
    } else {
        quote! { _ }
    };
    let call = match op.output {
        Output::Stream(_) => quote! {
            self.client.call_stream(&#module::#static_name, context, parts)
        },
        Output::Single(_) => quote! {
            self.client.call(&#module::#static_name, context, parts).await
        },
        Output::Unit | Output::None => quote! {
            self.client.call_empty(&#module::#static_name, context, parts).await
        },
    };
    quote! {
        #signature {
            let (context, #input) = request.into_parts();
            let parts = #parts;
            #call
        }
    }
}

fn unsupported(
    g: &Generator<'_>,
    id: ServiceId,
    index: usize,
    signature: TokenStream,
) -> TokenStream {
    let service = g.model.service(id);
    let operation = format!(
        "{}.{}",
        g.model.qualified_service_name(id),
        service.operations[index].name
    );
    let error = quote! {
        __accord::Result::Err(__accord::From::from(
            __accord::CallError::Unsupported { operation: __accord::String::from(#operation) }
        ))
    };
    let body = if service.operations[index].output.is_stream() {
        quote! {
            __accord::Box::pin(__accord::futures::stream::once(
                __accord::future::ready(#error),
            ))
        }
    } else {
        error
    };
    quote! {
        #[allow(unused_variables)]
        #signature {
            #body
        }
    }
}

/// The `Parts` expression carrying every input field where the binding puts it, and whether
/// it reads the input.
fn parts(
    g: &Generator<'_>,
    id: ServiceId,
    index: usize,
    http: &HttpBinding,
) -> (TokenStream, bool) {
    let op = &g.model.service(id).operations[index];
    let Some(input) = op.input else {
        return (quote! { __accord::rest::client::Parts::new() }, false);
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
            omitted.push(field.name.clone());
        }
        let value = if optional {
            quote! { input.#name.as_ref() }
        } else {
            quote! { __accord::Option::Some(&input.#name) }
        };
        calls.push(match &param.location {
            ParamLocation::Path => {
                let wire = &field.name;
                quote! { .path(#wire, &input.#name) }
            }
            ParamLocation::Query(q) if list && optional => {
                quote! { .query_list(#q, input.#name.as_deref().unwrap_or_default()) }
            }
            ParamLocation::Query(q) if list => quote! { .query_list(#q, &input.#name) },
            ParamLocation::Query(q) => quote! { .query(#q, #value) },
            ParamLocation::Header(h) => quote! { .header(#h, #value) },
            ParamLocation::Body => continue,
        });
    }
    if http.has_body() {
        calls.push(quote! { .json(&input, &[#(#omitted),*]) });
    }
    let uses_input = !calls.is_empty();
    (
        quote! { __accord::rest::client::Parts::new() #(#calls)* },
        uses_input,
    )
}
