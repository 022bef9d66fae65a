//! `#[accord(new)]`: how user code builds a struct so that a later MINOR change (a new optional
//! field) does not break it (docs/evolution.md). `new` takes the required fields, `with_<field>`
//! sets an optional one; a `Box` (of a recursive type) is taken unboxed.

use crate::model::{Input, Member, wrapped};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Type;
use syn::ext::IdentExt;

pub fn impl_constructors(input: &Input) -> TokenStream {
    if !input.constructors {
        return TokenStream::new();
    }
    let name = &input.name;
    let required: Vec<&Member> = input.members.iter().filter(|m| !m.optional()).collect();
    let params = required.iter().map(|m| {
        let (ident, ty) = (&m.ident, unboxed(&m.ty));
        quote!(#ident: #ty)
    });
    let values = input.members.iter().map(initial);
    let many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let setters = input.members.iter().filter(|m| m.optional()).map(setter);
    quote! {
        impl #name {
            /// Builds the value from its required fields; the optional ones are absent or at
            /// their `@default` (set them with the `with_` methods). Unlike a struct literal,
            /// this keeps compiling when a later minor version adds an optional field.
            #many
            #[must_use]
            pub fn new(#(#params),*) -> Self {
                Self { #(#values),* }
            }
            #(#setters)*
        }
    }
}

/// A field's value in `new`.
fn initial(m: &Member) -> TokenStream {
    let ident = &m.ident;
    if m.default {
        let default = format_ident!("default_{}", m.ident.unraw());
        quote!(#ident: Self::#default())
    } else if m.optional() {
        quote!(#ident: ::accord::__private::Option::None)
    } else if wrapped(&m.ty, "Box").is_some() {
        quote!(#ident: ::accord::__private::Box::new(#ident))
    } else {
        quote!(#ident)
    }
}

/// `with_<field>(value)`: sets an optional field (to `Some(value)` where absence is `None`).
fn setter(m: &Member) -> TokenStream {
    let ident = &m.ident;
    let method = format_ident!("with_{}", m.ident.unraw());
    let doc = format!(" Sets `{ident}`.");
    let set = if m.default {
        &m.ty
    } else {
        wrapped(&m.ty, "Option").unwrap_or(&m.ty)
    };
    let ty = unboxed(set);
    let mut value = quote!(value);
    if wrapped(set, "Box").is_some() {
        value = quote!(::accord::__private::Box::new(#value));
    }
    if !m.default {
        value = quote!(::accord::__private::Option::Some(#value));
    }
    quote! {
        #[doc = #doc]
        #[must_use]
        pub fn #method(mut self, value: #ty) -> Self {
            self.#ident = #value;
            self
        }
    }
}

fn unboxed(ty: &Type) -> &Type {
    wrapped(ty, "Box").unwrap_or(ty)
}
