//! `impl Validate`: each member's `range`, `length` and `pattern`, then the member's own
//! `validate_into` (a no-op the compiler removes for scalars, enums and collections of them),
//! so `validate()` reports every violation with its field path.

use crate::model::{Bounds, Input, Kind, Member, wrapped};
use proc_macro2::TokenStream;
use quote::quote;
use syn::Expr;

pub fn impl_validate(input: &Input) -> TokenStream {
    let name = &input.name;
    if input.members.is_empty() {
        return quote!(impl ::accord::Validate for #name {});
    }
    let body = match input.kind {
        Kind::Struct => {
            let checks = input.members.iter().map(field_checks);
            quote!(#(#checks)*)
        }
        Kind::Union => {
            let arms = input.members.iter().map(|m| {
                let (ident, checks) = (&m.ident, value_checks(m));
                quote!(Self::#ident(value) => { #checks })
            });
            quote!(match self { #(#arms)* })
        }
    };
    quote! {
        impl ::accord::Validate for #name {
            fn validate_into(
                &self,
                path: &::accord::FieldPath<'_>,
                violations: &mut ::accord::Violations,
            ) {
                #body
            }
        }
    }
}

/// The checks of one struct field; an `Option` is checked when set.
fn field_checks(m: &Member) -> TokenStream {
    let ident = &m.ident;
    let checks = value_checks(m);
    if !m.default && wrapped(&m.ty, "Option").is_some() {
        quote!(if let ::accord::__private::Option::Some(value) = &self.#ident { #checks })
    } else {
        quote!({ let value = &self.#ident; #checks })
    }
}

/// Checks of the reference `value` at the member's path (inside a block, so a `static`
/// pattern stays local).
fn value_checks(m: &Member) -> TokenStream {
    let wire = &m.wire;
    let path = quote!(&path.field(#wire));
    let mut checks = TokenStream::new();
    if let Some(range) = &m.range {
        let (min, max) = bounds(range);
        checks.extend(quote!(violations.range(#path, *value, #min, #max);));
    }
    if let Some(length) = &m.length {
        let (min, max) = bounds(length);
        checks.extend(quote!(violations.length(#path, value, #min, #max);));
    }
    if let Some(pattern) = &m.pattern {
        checks.extend(quote! {
            static PATTERN: ::accord::Pattern = ::accord::Pattern::new(#pattern);
            violations.pattern(#path, value, &PATTERN);
        });
    }
    checks.extend(quote!(::accord::Validate::validate_into(value, #path, violations);));
    checks
}

fn bounds(bounds: &Bounds<Expr>) -> (TokenStream, TokenStream) {
    let side = |bound: &Option<Expr>| match bound {
        Some(value) => quote!(::accord::__private::Option::Some(#value)),
        None => quote!(::accord::__private::Option::None),
    };
    (side(&bounds.min), side(&bounds.max))
}
