//! What the derive reads from its input: the type, its `#[accord(…)]` container attribute and
//! one member per field (struct) or variant (union), each with its tag, wire name, optionality
//! and constraints. Every later part works from this model, never from the attributes.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, LitInt, LitStr, Type};

/// The largest protobuf field number.
const MAX_TAG: u32 = 536_870_911;

/// A struct (a message) or an enum with one value per variant (a union, a `oneof`).
pub enum Kind {
    Struct,
    Union,
}

pub struct Input {
    pub name: Ident,
    pub kind: Kind,
    /// The protobuf full name (`#[accord(proto = "pkg.Name")]`), the Rust name by default.
    pub proto: LitStr,
    /// `#[accord(new)]`: write `new(required…)` and a `with_<field>` per optional field.
    pub constructors: bool,
    pub members: Vec<Member>,
}

pub struct Member {
    /// The field's or the variant's name.
    pub ident: Ident,
    pub ty: Type,
    pub tag: LitInt,
    /// The JSON member name (`rename`), the Rust name without `r#` by default.
    pub wire: LitStr,
    /// `default`: absent means `Owner::default_<field>()`.
    pub default: bool,
    pub range: Option<Bounds<Expr>>,
    pub length: Option<Bounds<Expr>>,
    pub pattern: Option<LitStr>,
}

/// `min = …, max = …`, either left out for no bound.
pub struct Bounds<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl Member {
    /// Whether the member may be absent: an `Option` or a field with a `default`.
    pub fn optional(&self) -> bool {
        self.default || wrapped(&self.ty, "Option").is_some()
    }
}

/// The type inside `Wrapper<T>` (named by any path ending in `Wrapper`, as serde and prost
/// recognise `Option`).
pub fn wrapped<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

pub fn read(input: &DeriveInput) -> syn::Result<Input> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "`accord::Message` does not support generic types",
        ));
    }
    let mut proto = LitStr::new(&input.ident.to_string(), input.ident.span());
    let mut constructors = false;
    for attr in accord_attributes(&input.attrs) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("proto") {
                proto = meta.value()?.parse()?;
            } else if meta.path.is_ident("new") {
                constructors = true;
            } else {
                return Err(meta.error(
                    "unknown `accord` type attribute: expected `proto = \"package.Name\"` or `new`",
                ));
            }
            Ok(())
        })?;
    }
    let (kind, members) = match &input.data {
        Data::Struct(s) => (Kind::Struct, struct_members(&s.fields)?),
        Data::Enum(e) => (Kind::Union, union_members(e)?),
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "`accord::Message` is for structs and enums, not Rust unions",
            ));
        }
    };
    check_defaults(&kind, &members)?;
    check_tags(&members)?;
    if constructors && matches!(kind, Kind::Union) {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[accord(new)]` is for structs: a union is built from its variants",
        ));
    }
    Ok(Input {
        name: input.ident.clone(),
        kind,
        proto,
        constructors,
        members,
    })
}

/// `default` belongs to a struct field whose type is the value itself (absence is the default,
/// not `None`).
fn check_defaults(kind: &Kind, members: &[Member]) -> syn::Result<()> {
    for m in members.iter().filter(|m| m.default) {
        if matches!(kind, Kind::Union) {
            return Err(syn::Error::new(
                m.ident.span(),
                "a union's variant has no `default`",
            ));
        }
        if wrapped(&m.ty, "Option").is_some() {
            return Err(syn::Error::new(
                m.ident.span(),
                "a field with a `default` holds the value itself, not an `Option`",
            ));
        }
    }
    Ok(())
}

fn check_tags(members: &[Member]) -> syn::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for m in members {
        let tag: u32 = m.tag.base10_parse()?;
        if !seen.insert(tag) {
            return Err(syn::Error::new(
                m.tag.span(),
                format!("field number {tag} is used twice (`{}`)", m.ident),
            ));
        }
    }
    Ok(())
}

fn accord_attributes(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("accord"))
}

fn struct_members(fields: &Fields) -> syn::Result<Vec<Member>> {
    let Fields::Named(named) = fields else {
        if fields.is_empty() {
            return Ok(Vec::new());
        }
        return Err(syn::Error::new(
            fields.span(),
            "`accord::Message` needs named fields (a message's members have names)",
        ));
    };
    let mut previous = 0;
    named
        .named
        .iter()
        .map(|f| {
            let ident = f.ident.clone().expect("named field");
            member(ident, f.ty.clone(), &f.attrs, f.span(), &mut previous)
        })
        .collect()
}

fn union_members(e: &syn::DataEnum) -> syn::Result<Vec<Member>> {
    let mut previous = 0;
    e.variants
        .iter()
        .map(|v| match &v.fields {
            Fields::Unnamed(one) if one.unnamed.len() == 1 => member(
                v.ident.clone(),
                one.unnamed[0].ty.clone(),
                &v.attrs,
                v.span(),
                &mut previous,
            ),
            _ => Err(syn::Error::new(
                v.span(),
                "each variant of an `accord::Message` enum holds one value: `Name(Type)`",
            )),
        })
        .collect()
}

/// One member; without a `tag` it takes the previous member's plus one (the first: 1), as a
/// Rust enum's discriminants do.
fn member(
    ident: Ident,
    ty: Type,
    attrs: &[Attribute],
    span: Span,
    previous: &mut u32,
) -> syn::Result<Member> {
    let wire_name = ident.to_string();
    let wire_name = wire_name.strip_prefix("r#").unwrap_or(&wire_name);
    let mut tag = None;
    let mut member = Member {
        wire: LitStr::new(wire_name, ident.span()),
        ident,
        ty,
        tag: LitInt::new("1", span),
        default: false,
        range: None,
        length: None,
        pattern: None,
    };
    for attr in accord_attributes(attrs) {
        attr.parse_nested_meta(|meta| member_entry(&mut member, &mut tag, &meta))?;
    }
    member.tag = match tag {
        Some(tag) => tag,
        None if *previous < MAX_TAG => LitInt::new(&(*previous + 1).to_string(), span),
        None => {
            return Err(syn::Error::new(
                span,
                format!(
                    "`{}` needs a field number: the previous one is the last",
                    member.ident
                ),
            ));
        }
    };
    *previous = member.tag.base10_parse()?;
    Ok(member)
}

fn member_entry(
    member: &mut Member,
    tag: &mut Option<LitInt>,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let path = &meta.path;
    if path.is_ident("tag") {
        let number: LitInt = meta.value()?.parse()?;
        match number.base10_parse::<u32>() {
            Ok(1..=MAX_TAG) => *tag = Some(number),
            _ => return Err(syn::Error::new(number.span(), "a tag is 1 to 536870911")),
        }
    } else if path.is_ident("rename") {
        member.wire = meta.value()?.parse()?;
    } else if path.is_ident("default") {
        member.default = true;
    } else if path.is_ident("range") {
        member.range = Some(bounds(meta)?);
    } else if path.is_ident("length") {
        member.length = Some(bounds(meta)?);
    } else if path.is_ident("pattern") {
        member.pattern = Some(meta.value()?.parse()?);
    } else {
        return Err(meta.error(
            "unknown `accord` field attribute: expected `tag = N`, `rename = \"…\"`, `default`, \
             `range(min = …, max = …)`, `length(min = …, max = …)` or `pattern = \"…\"`",
        ));
    }
    Ok(())
}

fn bounds(meta: &ParseNestedMeta<'_>) -> syn::Result<Bounds<Expr>> {
    let mut bounds = Bounds {
        min: None,
        max: None,
    };
    meta.parse_nested_meta(|bound| {
        if bound.path.is_ident("min") {
            bounds.min = Some(bound.value()?.parse()?);
        } else if bound.path.is_ident("max") {
            bounds.max = Some(bound.value()?.parse()?);
        } else {
            return Err(bound.error("expected `min = …` or `max = …`"));
        }
        Ok(())
    })?;
    Ok(bounds)
}
