//! `impl Shape` (the JSON shape a skeleton checks a rejected body against) and the protobuf
//! encoding, as calls of the runtime's `object_shape!`/`union_shape!` and `message!`/`oneof!`,
//! which write the same code for a derived type as for any other.

use crate::model::{Input, Kind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;

pub fn impl_shape(input: &Input) -> TokenStream {
    let name = &input.name;
    match input.kind {
        Kind::Struct => {
            let entries = input.members.iter().map(|m| {
                let (wire, ty, required) = (&m.wire, &m.ty, !m.optional());
                quote!(#wire: #ty = #required)
            });
            quote!(::accord::__private::object_shape!(#name { #(#entries),* });)
        }
        Kind::Union => {
            let entries = input.members.iter().map(|m| {
                let (wire, ty) = (&m.wire, &m.ty);
                quote!(#wire: #ty)
            });
            quote!(::accord::__private::union_shape!(#name { #(#entries),* });)
        }
    }
}

pub fn impl_message(input: &Input) -> TokenStream {
    let (name, proto) = (&input.name, &input.proto);
    match input.kind {
        Kind::Struct => {
            let entries = input.members.iter().map(|m| {
                let (ident, ty, tag) = (&m.ident, &m.ty, &m.tag);
                if m.default {
                    // Absent on the wire means the `default`, as in JSON.
                    let default = format_ident!("default_{}", m.ident.unraw());
                    quote!(#ident: #ty = #tag or #name::#default)
                } else {
                    quote!(#ident: #ty = #tag)
                }
            });
            quote!(::accord::__private::message!(#name = #proto { #(#entries),* });)
        }
        Kind::Union => {
            let entries = input.members.iter().map(|m| {
                let (ident, ty, tag) = (&m.ident, &m.ty, &m.tag);
                quote!(#ident(#ty) = #tag)
            });
            quote!(::accord::__private::oneof!(#name = #proto { #(#entries),* });)
        }
    }
}
