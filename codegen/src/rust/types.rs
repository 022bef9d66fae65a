//! One Rust type per declaration: structs (also errors and events), enums tolerant of unknown
//! values, and unions as externally tagged enums (docs/wire.md), each with its `Validate`.

use super::ident::ident;
use super::{Generator, docs, unraw, validate};
use accord_idl::model::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

const SERDE: &str = "::accord::__private::serde";

pub fn decl(g: &Generator<'_>, id: DeclId) -> TokenStream {
    let decl = g.model.decl(id);
    let body = match &decl.kind {
        DeclKind::Struct(s) => structure(g, id, s),
        DeclKind::Enum(e) => enumeration(g, id, e),
        DeclKind::Union(u) => union(g, id, u),
    };
    let validate = validate::impl_validate(g, id);
    quote! { #body #validate }
}

/// `#[derive(…)]` of every struct and union, plus the user's extra derives and attributes
/// (already checked by [`super::Options::check`]).
fn derives(g: &Generator<'_>, serde: bool) -> TokenStream {
    let extra: Vec<syn::Path> = g
        .options
        .derives
        .iter()
        .filter_map(|d| syn::parse_str(d).ok())
        .collect();
    let attributes = g
        .options
        .attributes
        .iter()
        .filter_map(|a| super::parse_attribute(a).ok())
        .flatten();
    let serde = serde.then(|| {
        quote! {
            __accord::serde::Serialize,
            __accord::serde::Deserialize,
        }
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, #serde #(#extra,)*)]
        #(#attributes)*
    }
}

/// The Rust type of member `index` of `owner`: `Option` when optional without a default,
/// `Box` when the type contains its owner.
pub fn field_type(g: &Generator<'_>, owner: DeclId, index: usize) -> TokenStream {
    let decl = g.model.decl(owner);
    let field = member(decl, index);
    let mut ty = g.rust_type(decl.package, &field.ty);
    if g.names.boxed.contains(&(owner, index)) {
        ty = quote! { __accord::Box<#ty> };
    }
    if field.optional && field.default.is_none() {
        ty = quote! { __accord::Option<#ty> };
    }
    ty
}

pub fn member(decl: &Decl, index: usize) -> &Field {
    match &decl.kind {
        DeclKind::Struct(s) => &s.fields[index],
        DeclKind::Union(u) => &u.variants[index],
        DeclKind::Enum(_) => unreachable!("enums have no fields"),
    }
}

/// `#[serde(rename = "…")]` when the Rust name is not the wire name.
fn rename(rust: &Ident, wire: &str) -> TokenStream {
    if unraw(rust) == wire {
        TokenStream::new()
    } else {
        quote! { #[serde(rename = #wire)] }
    }
}

fn structure(g: &Generator<'_>, id: DeclId, s: &Struct) -> TokenStream {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let doc = docs(decl.docs.as_deref(), &decl.lifecycle);
    let derives = derives(g, true);
    let mut defaults = Vec::new();
    let mut fields = Vec::new();
    for (i, f) in s.fields.iter().enumerate() {
        let field = ident(&g.names.members[id.index()][i]);
        let ty = field_type(g, id, i);
        let doc = docs(f.docs.as_deref(), &f.lifecycle);
        let rename = rename(&field, &f.name);
        let serde = match (&f.default, f.optional) {
            (Some(value), _) => {
                let function = format_ident!("default_{}", unraw(&field));
                let path = format!("{name}::{function}");
                let value = default_value(g, decl.package, &f.ty, value);
                defaults.push(quote! { fn #function() -> #ty { #value } });
                quote! { #[serde(default = #path)] }
            }
            (None, true) => quote! {
                #[serde(default, skip_serializing_if = "::core::option::Option::is_none")]
            },
            (None, false) => TokenStream::new(),
        };
        fields.push(quote! { #doc #rename #serde pub #field: #ty });
    }
    let defaults = (!defaults.is_empty()).then(|| quote! { impl #name { #(#defaults)* } });
    quote! {
        #doc
        #derives
        #[serde(crate = #SERDE)]
        pub struct #name { #(#fields,)* }
        #defaults
    }
}

/// The Rust expression of a `@default` value of type `ty`.
fn default_value(g: &Generator<'_>, from: PackageId, ty: &Type, value: &Value) -> TokenStream {
    match (value, ty) {
        (Value::Bool(b), _) => quote! { #b },
        (Value::Int(i), Type::Scalar(s)) if s.is_float() => float_literal(*i as f64, *s),
        (Value::Int(i), Type::Scalar(s)) => int_literal(*i, *s),
        (Value::Float(f), Type::Scalar(s)) => float_literal(*f, *s),
        (Value::String(text), _) => quote! { __accord::String::from(#text) },
        (Value::Duration(d), _) => {
            let seconds = d.as_secs() as i64;
            let nanos = i64::from(d.subsec_nanos());
            quote! { __accord::Duration::new(#seconds, #nanos).unwrap_or_default() }
        }
        (Value::EnumValue(name), Type::Named(id)) => {
            let path = g.decl_path(from, *id);
            let variant = enum_variant(g, *id, name);
            quote! { #path::#variant }
        }
        // The checker matched every default to its field's type; nothing else reaches here.
        _ => quote! { __accord::Default::default() },
    }
}

fn enum_variant(g: &Generator<'_>, id: DeclId, value: &str) -> Ident {
    let names = g.names.enums[id.index()].as_ref();
    let DeclKind::Enum(e) = &g.model.decl(id).kind else {
        return ident("Unknown");
    };
    let index = e.values.iter().position(|v| v.name == value);
    match (names, index) {
        (Some(names), Some(i)) => ident(&names.values[i]),
        _ => ident("Unknown"),
    }
}

/// A typed integer literal (`5i32`); a negative one as a negation, so the token is valid in a
/// proc macro too and `i64::MIN` does not overflow.
pub fn int_literal(value: i128, ty: Scalar) -> TokenStream {
    let literal = syn::LitInt::new(
        &format!("{}{}", value.unsigned_abs(), ty.name()),
        proc_macro2::Span::call_site(),
    );
    if value < 0 {
        quote! { -#literal }
    } else {
        quote! { #literal }
    }
}

pub fn float_literal(value: f64, ty: Scalar) -> TokenStream {
    let literal = if ty == Scalar::F32 {
        Literal::f32_suffixed(value.abs() as f32)
    } else {
        Literal::f64_suffixed(value.abs())
    };
    if value < 0.0 {
        quote! { -#literal }
    } else {
        quote! { #literal }
    }
}

/// An enum with a catch-all for values added to the API later: JSON readers keep unknown
/// names, while path, query and header values must be known (`ParamValue` rejects them).
fn enumeration(g: &Generator<'_>, id: DeclId, e: &Enum) -> TokenStream {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let doc = docs(decl.docs.as_deref(), &decl.lifecycle);
    let Some(names) = g.names.enums[id.index()].as_ref() else {
        return TokenStream::new();
    };
    let variants: Vec<Ident> = names.values.iter().map(|v| ident(v)).collect();
    let unknown = ident(&names.unknown);
    let wire: Vec<&str> = e.values.iter().map(|v| v.name.as_str()).collect();
    let value_docs = e
        .values
        .iter()
        .map(|v| docs(v.docs.as_deref(), &v.lifecycle));
    let attributes = g
        .options
        .attributes
        .iter()
        .filter_map(|a| super::parse_attribute(a).ok())
        .flatten();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #(#attributes)*
        pub enum #name {
            #(#value_docs #variants,)*
            /// A value this version does not know (added to the API later).
            #unknown(__accord::String),
        }

        impl #name {
            /// The names of the values this version knows, as on the wire.
            pub const KNOWN: &'static [&'static str] = &[#(#wire),*];

            /// The value's name, as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wire,)*
                    Self::#unknown(name) => name,
                }
            }

            /// The known value named `name`.
            pub fn from_known(name: &str) -> __accord::Option<Self> {
                match name {
                    #(#wire => __accord::Option::Some(Self::#variants),)*
                    _ => __accord::Option::None,
                }
            }
        }

        impl __accord::serde::Serialize for #name {
            fn serialize<S: __accord::serde::Serializer>(
                &self,
                serializer: S,
            ) -> __accord::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> __accord::serde::Deserialize<'de> for #name {
            fn deserialize<D: __accord::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> __accord::Result<Self, D::Error> {
                let name = <__accord::String as __accord::serde::Deserialize>::deserialize(deserializer)?;
                __accord::Result::Ok(Self::from_known(&name).unwrap_or(Self::#unknown(name)))
            }
        }

        impl __accord::rest::ParamValue for #name {
            fn parse_param(raw: &str) -> __accord::Result<Self, __accord::String> {
                Self::from_known(raw)
                    .ok_or_else(|| __accord::unknown_enum_value(raw, Self::KNOWN))
            }

            fn to_param(&self) -> __accord::String {
                __accord::ToString::to_string(self.as_str())
            }
        }
    }
}

/// A union: externally tagged, `{"circle": {…}}`, one tuple variant per IDL variant.
fn union(g: &Generator<'_>, id: DeclId, u: &Union) -> TokenStream {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let doc = docs(decl.docs.as_deref(), &decl.lifecycle);
    let derives = derives(g, true);
    let variants = u.variants.iter().enumerate().map(|(i, v)| {
        let variant = ident(&g.names.members[id.index()][i]);
        let ty = field_type(g, id, i);
        let doc = docs(v.docs.as_deref(), &v.lifecycle);
        let wire = &v.name;
        quote! { #doc #[serde(rename = #wire)] #variant(#ty) }
    });
    quote! {
        #doc
        #derives
        #[serde(crate = #SERDE)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name { #(#variants,)* }
    }
}
