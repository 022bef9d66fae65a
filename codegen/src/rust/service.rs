//! Per service: the error enum (one variant per declared error plus the `CallError` case) and
//! the transport-free trait, then the REST parts the options ask for.

use super::ident::ident;
use super::{Generator, docs, rest_client, rest_server};
use accord_idl::model::*;
use proc_macro2::TokenStream;
use quote::quote;

pub fn service(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    let error = error_enum(g, id);
    let trait_ = service_trait(g, id);
    let rest = rest_server::operations(g, id);
    let server = g.options.server.then(|| rest_server::router(g, id));
    let client = g.options.client.then(|| rest_client::proxy(g, id));
    quote! { #error #trait_ #rest #server #client }
}

fn error_enum(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = ident(&names.error);
    let call = ident(&names.call_variant);
    let doc = format!(
        " Every error a `{}` operation may end with.",
        names.trait_name
    );
    let variants: Vec<_> = names.errors.iter().map(|(_, v)| ident(v)).collect();
    let types: Vec<_> = names
        .errors
        .iter()
        .map(|(e, _)| g.decl_path(service.package, *e))
        .collect();
    let qualified: Vec<String> = names
        .errors
        .iter()
        .map(|(e, _)| g.model.qualified_decl_name(*e))
        .collect();
    // Qualified names hold no braces, so they can sit in the format string.
    let formats: Vec<String> = qualified.iter().map(|q| format!("{q}: {{:?}}")).collect();
    let statuses: Vec<u16> = names.errors.iter().map(|(e, _)| status(g, *e)).collect();
    let decode = if variants.is_empty() {
        quote! {
            let _ = (name, body);
            __accord::Option::None
        }
    } else {
        quote! {
            match name {
                #(#qualified => __accord::Option::Some(
                    __accord::decode_declared(body).map(Self::#variants)
                ),)*
                _ => __accord::Option::None,
            }
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#variants(#types),)*
            /// A transport or internal failure.
            #call(__accord::CallError),
        }

        impl __accord::fmt::Display for #name {
            fn fmt(&self, f: &mut __accord::fmt::Formatter<'_>) -> __accord::fmt::Result {
                match self {
                    #(Self::#variants(e) => __accord::write!(f, #formats, e),)*
                    Self::#call(e) => __accord::fmt::Display::fmt(e, f),
                }
            }
        }

        impl __accord::StdError for #name {}

        impl __accord::From<__accord::CallError> for #name {
            fn from(error: __accord::CallError) -> Self {
                Self::#call(error)
            }
        }

        impl __accord::ServiceError for #name {
            fn encode(self) -> __accord::ErrorEncoding {
                match self {
                    #(Self::#variants(e) => __accord::ErrorEncoding::declared(#statuses, #qualified, &e),)*
                    Self::#call(e) => __accord::ErrorEncoding::Call(e),
                }
            }

            fn decode(
                name: &str,
                body: &[u8],
            ) -> __accord::Option<__accord::Result<Self, __accord::CallError>> {
                #decode
            }
        }
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

fn service_trait(g: &Generator<'_>, id: ServiceId) -> TokenStream {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let name = ident(&names.trait_name);
    let doc = docs(service.docs.as_deref(), &service.lifecycle);
    let methods = service.operations.iter().enumerate().map(|(i, op)| {
        let signature = signature(g, id, i);
        let doc = docs(op.docs.as_deref(), &op.lifecycle);
        quote! { #doc #signature; }
    });
    quote! {
        #doc
        pub trait #name: __accord::Send + __accord::Sync + 'static {
            #(#methods)*
        }
    }
}

/// The input of operation `index`: its struct, a stream of it, or `()`.
pub fn input_type(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    let service = g.model.service(id);
    let op = &service.operations[index];
    match op.input {
        None => quote! { () },
        Some(input) => {
            let ty = g.decl_path(service.package, input);
            if op.input_stream {
                quote! { __accord::BoxStream<'static, #ty> }
            } else {
                ty
            }
        }
    }
}

/// The output item type of operation `index` (`()` for `()` and `notify`).
pub fn output_type(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    let service = g.model.service(id);
    match service.operations[index].output.decl() {
        Some(output) => g.decl_path(service.package, output),
        None => quote! { () },
    }
}

/// The trait method's signature; `async_fn` spells it as the proxy implements it.
pub fn signature(g: &Generator<'_>, id: ServiceId, index: usize) -> TokenStream {
    signature_with(g, id, index, false)
}

pub fn signature_with(
    g: &Generator<'_>,
    id: ServiceId,
    index: usize,
    async_fn: bool,
) -> TokenStream {
    let service = g.model.service(id);
    let names = &g.names.services[id.index()];
    let method = ident(&names.methods[index]);
    let error = ident(&names.error);
    let input = input_type(g, id, index);
    let output = output_type(g, id, index);
    let result = quote! { __accord::Result<#output, #error> };
    if service.operations[index].output.is_stream() {
        quote! {
            fn #method(&self, request: __accord::Request<#input>)
                -> __accord::BoxStream<'static, #result>
        }
    } else if async_fn {
        quote! { async fn #method(&self, request: __accord::Request<#input>) -> #result }
    } else {
        quote! {
            fn #method(&self, request: __accord::Request<#input>)
                -> impl __accord::future::Future<Output = #result> + __accord::Send
        }
    }
}
