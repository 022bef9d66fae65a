//! `impl Validate` for every declaration: each field's `@range`, `@length` and `@pattern`, then
//! the nested values, so `validate()` reports every violation with its field path.

use super::Generator;
use super::ident::ident;
use super::types::{float_literal, int_literal, member};
use accord_idl::model::*;
use proc_macro2::TokenStream;
use quote::quote;

pub fn impl_validate(g: &Generator<'_>, id: DeclId) -> TokenStream {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let body = match &decl.kind {
        DeclKind::Struct(s) => (0..s.fields.len())
            .map(|i| field_checks(g, id, i))
            .collect(),
        DeclKind::Union(u) => union_checks(g, id, u),
        DeclKind::Enum(_) => TokenStream::new(),
    };
    let (path, violations) = if body.is_empty() {
        (quote! { _path }, quote! { _violations })
    } else {
        (quote! { path }, quote! { violations })
    };
    quote! {
        impl __accord::Validate for #name {
            fn validate_into(
                &self,
                #path: &__accord::FieldPath<'_>,
                #violations: &mut __accord::Violations,
            ) {
                #body
            }
        }
    }
}

fn union_checks(g: &Generator<'_>, id: DeclId, u: &Union) -> TokenStream {
    if !u.variants.iter().any(|v| needs_checks(g, v)) {
        return TokenStream::new();
    }
    let arms = u.variants.iter().enumerate().map(|(i, v)| {
        let variant = ident(&g.names.members[id.index()][i]);
        if !needs_checks(g, v) {
            return quote! { Self::#variant(_) => {} };
        }
        let wire = &v.name;
        let checks = value_checks(g, v, quote! { &path.field(#wire) });
        quote! { Self::#variant(value) => #checks }
    });
    quote! { match self { #(#arms)* } }
}

/// The checks of one struct field; an optional field is checked when set.
fn field_checks(g: &Generator<'_>, id: DeclId, index: usize) -> TokenStream {
    let field = member(g.model.decl(id), index);
    if !needs_checks(g, field) {
        return TokenStream::new();
    }
    let name = ident(&g.names.members[id.index()][index]);
    let wire = &field.name;
    let path = quote! { &path.field(#wire) };
    let checks = value_checks(g, field, path);
    if field.optional && field.default.is_none() {
        quote! { if let __accord::Option::Some(value) = &self.#name #checks }
    } else {
        quote! { { let value = &self.#name; #checks } }
    }
}

fn needs_checks(g: &Generator<'_>, field: &Field) -> bool {
    !field.constraints.is_empty() || contains_named(&field.ty, g)
}

/// Whether a value of `ty` holds a declaration (whose own `validate_into` must run).
fn contains_named(ty: &Type, g: &Generator<'_>) -> bool {
    match ty {
        Type::Scalar(_) => false,
        Type::List(item) | Type::Map(_, item) => contains_named(item, g),
        Type::Named(id) => !matches!(g.model.decl(*id).kind, DeclKind::Enum(_)),
    }
}

/// Checks of the reference `value` at `path`, as a block (so `static` names stay local).
fn value_checks(g: &Generator<'_>, field: &Field, path: TokenStream) -> TokenStream {
    let constraints = &field.constraints;
    let mut out = TokenStream::new();
    if let (Some(range), Type::Scalar(s)) = (&constraints.range, &field.ty) {
        let min = bound(range.min, *s, Bound::Min);
        let max = bound(range.max, *s, Bound::Max);
        out.extend(quote! { violations.range(#path, *value, #min, #max); });
    }
    if let Some(length) = &constraints.length {
        let min = length_bound(length.min);
        let max = length_bound(length.max);
        out.extend(quote! { violations.length(#path, value, #min, #max); });
    }
    if let Some(pattern) = &constraints.pattern {
        out.extend(quote! {
            static PATTERN: __accord::Pattern = __accord::Pattern::new(#pattern);
            violations.pattern(#path, value, &PATTERN);
        });
    }
    if contains_named(&field.ty, g) {
        out.extend(quote! { __accord::Validate::validate_into(value, #path, violations); });
    }
    quote! { { #out } }
}

#[derive(Clone, Copy)]
enum Bound {
    Min,
    Max,
}

/// A range bound in the field's own type. An integer bound outside the type's range is
/// clamped to it; a fractional bound on an integer rounds inward.
fn bound(value: Option<Number>, ty: Scalar, side: Bound) -> TokenStream {
    let Some(value) = value else {
        return quote! { __accord::Option::None };
    };
    let literal = match (ty.int_range(), value) {
        (Some((lo, hi)), number) => {
            let int = match (number, side) {
                (Number::Int(i), _) => i,
                (Number::Float(f), Bound::Min) => f.ceil() as i128,
                (Number::Float(f), Bound::Max) => f.floor() as i128,
            };
            int_literal(int.clamp(lo, hi), ty)
        }
        (None, number) => float_literal(number.as_f64(), ty),
    };
    quote! { __accord::Option::Some(#literal) }
}

fn length_bound(value: Option<u64>) -> TokenStream {
    match value.and_then(|v| usize::try_from(v).ok()) {
        Some(v) => quote! { __accord::Option::Some(#v) },
        None => quote! { __accord::Option::None },
    }
}
