//! The serde impls, written by serde's own derive: a private copy of the type carries the
//! `#[serde(…)]` attributes the model implies and is derived with `remote = "Type"`, so the
//! code that reads and writes JSON is exactly what `#[derive(Serialize, Deserialize)]` on the
//! type would give (no speed lost); the type's impls call the copy's.

use crate::model::{Input, Kind, Member};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

pub fn impls(input: &Input) -> TokenStream {
    let name = &input.name;
    let remote = name.to_string();
    let shadow = quote!(__AccordSerde);
    let body = match input.kind {
        Kind::Struct => {
            let fields = input.members.iter().map(|m| field(input, m));
            quote!(struct #shadow { #(#fields)* })
        }
        Kind::Union => {
            let variants = input.members.iter().map(|m| {
                let (ident, ty, wire) = (&m.ident, &m.ty, &m.wire);
                quote!(#[serde(rename = #wire)] #ident(#ty),)
            });
            quote!(enum #shadow { #(#variants)* })
        }
    };
    // In a block of its own, so the copy's name cannot meet the user's.
    quote! { const _: () = {
        #[derive(::accord::__private::serde::Serialize, ::accord::__private::serde::Deserialize)]
        #[serde(crate = "::accord::__private::serde", remote = #remote, rename = #remote)]
        #[allow(dead_code, non_camel_case_types, clippy::large_enum_variant)]
        #body

        impl ::accord::__private::serde::Serialize for #name {
            #[inline]
            fn serialize<__S: ::accord::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::accord::__private::Result<__S::Ok, __S::Error> {
                #shadow::serialize(self, serializer)
            }
        }

        impl<'de> ::accord::__private::serde::Deserialize<'de> for #name {
            #[inline]
            fn deserialize<__D: ::accord::__private::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::accord::__private::Result<Self, __D::Error> {
                #shadow::deserialize(deserializer)
            }
        }
    }; }
}

/// A field of the copy: its wire name, and what absence means (`None`, left out when
/// written; or the `default`).
fn field(input: &Input, m: &Member) -> TokenStream {
    let (ident, ty, wire) = (&m.ident, &m.ty, &m.wire);
    let absent = if m.default {
        let path = format!("{}::default_{}", input.name, m.ident.unraw());
        quote!(#[serde(default = #path)])
    } else if m.optional() {
        quote!(#[serde(default, skip_serializing_if = "::accord::__private::Option::is_none")])
    } else {
        quote!()
    };
    quote!(#[serde(rename = #wire)] #absent #ident: #ty,)
}
