//! One Rust type per declaration: structs (also errors and events), enums tolerant of unknown
//! values, and unions as externally tagged enums (docs/wire.md), each with its `Validate`.

use super::ident::ident;
use super::writer::{Code, string_literal};
use super::{Generator, docs, shape, validate};
use accord_idl::model::*;

const SERDE_CRATE: &str = "#[serde(crate = \"::accord::__private::serde\")]";

/// What every enum derives (its serde impls are written out): extra derives naming one of
/// these are not repeated.
const ENUM_DERIVES: &[&str] = &["Debug", "Clone", "PartialEq", "Eq", "Hash"];

pub fn decl(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    match &decl.kind {
        DeclKind::Struct(s) => structure(g, code, id, s),
        DeclKind::Enum(e) => enumeration(g, code, id, e),
        DeclKind::Union(u) => union(g, code, id, u),
    }
    code.line("");
    validate::impl_validate(g, code, id);
    code.line("");
    shape::impl_shape(g, code, id);
}

/// `#[derive(…)]` of every struct and union plus the user's extra derives and attributes.
fn derives(g: &Generator<'_>, code: &mut Code) {
    let mut list: Vec<String> = ["Debug", "Clone", "PartialEq"].map(String::from).to_vec();
    list.push("__accord::serde::Serialize".into());
    list.push("__accord::serde::Deserialize".into());
    list.extend(g.derives.iter().cloned());
    code.list("#[derive(", &list, ")]");
    extra_attributes(g, code);
}

fn extra_attributes(g: &Generator<'_>, code: &mut Code) {
    for attribute in &g.attributes {
        code.lines(attribute);
    }
}

/// The Rust type of member `index` of `owner`: `Option` when optional without a default,
/// `Box` when the type contains its owner.
pub fn field_type(g: &Generator<'_>, owner: DeclId, index: usize) -> String {
    let decl = g.model.decl(owner);
    let field = member(decl, index);
    let mut ty = g.rust_type(decl.package, &field.ty);
    if g.names.boxed.contains(&(owner, index)) {
        ty = format!("__accord::Box<{ty}>");
    }
    if field.optional && field.default.is_none() {
        ty = format!("__accord::Option<{ty}>");
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

/// `#[serde(rename = "…")]` when the Rust name (raw `r#` aside) is not the wire name.
fn rename(code: &mut Code, rust: &str, wire: &str) {
    let escaped = ident(rust);
    if escaped.strip_prefix("r#").unwrap_or(&escaped) != wire {
        code.line(&format!("#[serde(rename = {})]", string_literal(wire)));
    }
}

fn structure(g: &Generator<'_>, code: &mut Code, id: DeclId, s: &Struct) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    docs(code, decl.docs.as_deref(), &decl.lifecycle);
    derives(g, code);
    code.line(SERDE_CRATE);
    if s.fields.is_empty() {
        code.line(&format!("pub struct {name} {{}}"));
    } else {
        code.block(&format!("pub struct {name}"), |code| {
            for i in 0..s.fields.len() {
                field(g, code, id, &name, i);
            }
        });
    }
    let defaults: Vec<usize> = (0..s.fields.len())
        .filter(|&i| s.fields[i].default.is_some())
        .collect();
    if defaults.is_empty() {
        return;
    }
    code.line("");
    code.block(&format!("impl {name}"), |code| {
        for i in defaults {
            default_function(g, code, id, i);
        }
    });
}

fn field(g: &Generator<'_>, code: &mut Code, id: DeclId, owner: &str, index: usize) {
    let f = member(g.model.decl(id), index);
    let rust = &g.names.members[id.index()][index];
    docs(code, f.docs.as_deref(), &f.lifecycle);
    rename(code, rust, &f.name);
    match (&f.default, f.optional) {
        (Some(_), _) => {
            let path = format!("{owner}::default_{rust}");
            code.line(&format!("#[serde(default = {})]", string_literal(&path)));
        }
        (None, true) => code
            .line("#[serde(default, skip_serializing_if = \"::core::option::Option::is_none\")]"),
        (None, false) => {}
    }
    let ty = field_type(g, id, index);
    code.line(&format!("pub {}: {ty},", ident(rust)));
}

/// `fn default_<field>() -> T { value }`, named by `#[serde(default = "…")]`.
fn default_function(g: &Generator<'_>, code: &mut Code, id: DeclId, index: usize) {
    let decl = g.model.decl(id);
    let f = member(decl, index);
    let Some(value) = &f.default else { return };
    let rust = &g.names.members[id.index()][index];
    let ty = field_type(g, id, index);
    let value = default_value(g, decl.package, &f.ty, value);
    code.block(&format!("fn default_{rust}() -> {ty}"), |code| {
        code.line(&value)
    });
}

/// The Rust expression of a `@default` value of type `ty`.
fn default_value(g: &Generator<'_>, from: PackageId, ty: &Type, value: &Value) -> String {
    match (value, ty) {
        (Value::Bool(b), _) => b.to_string(),
        (Value::Int(i), Type::Scalar(s)) if s.is_float() => float_literal(*i as f64, *s),
        (Value::Int(i), Type::Scalar(s)) => int_literal(*i, *s),
        (Value::Float(f), Type::Scalar(s)) => float_literal(*f, *s),
        (Value::String(text), _) => format!("__accord::String::from({})", string_literal(text)),
        (Value::Duration(d), _) => format!(
            "__accord::Duration::new({}i64, {}i64).unwrap_or_default()",
            d.as_secs(),
            d.subsec_nanos()
        ),
        (Value::EnumValue(name), Type::Named(id)) => {
            format!("{}::{}", g.decl_path(from, *id), enum_variant(g, *id, name))
        }
        // The checker matched every default to its field's type; nothing else reaches here.
        _ => "__accord::Default::default()".to_owned(),
    }
}

fn enum_variant(g: &Generator<'_>, id: DeclId, value: &str) -> String {
    let names = g.names.enums[id.index()].as_ref();
    let DeclKind::Enum(e) = &g.model.decl(id).kind else {
        return "Unknown".to_owned();
    };
    let index = e.values.iter().position(|v| v.name == value);
    match (names, index) {
        (Some(names), Some(i)) => ident(&names.values[i]),
        _ => "Unknown".to_owned(),
    }
}

/// A typed integer literal (`5i32`); a negative one as a negation (`-5i32`), so `i64::MIN`
/// does not overflow and the token is valid in a proc macro too.
pub fn int_literal(value: i128, ty: Scalar) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}{}", value.unsigned_abs(), ty.name())
}

/// A typed float literal (`1.5f64`, `-2e30f32`) that reads back as the same value.
pub fn float_literal(value: f64, ty: Scalar) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    let digits = if ty == Scalar::F32 {
        float_digits(
            f64::from(magnitude as f32),
            format!("{:?}", magnitude as f32),
        )
    } else {
        float_digits(magnitude, format!("{magnitude:?}"))
    };
    format!("{sign}{digits}{}", ty.name())
}

/// Debug prints the shortest text that reads back exactly (`1.0`, `1e300`); a Rust literal
/// needs a digit before an exponent's `e` only, which Debug always writes. Non-finite values
/// cannot be IDL literals.
fn float_digits(value: f64, debug: String) -> String {
    if value.is_finite() {
        debug
    } else {
        "0.0".to_owned()
    }
}

/// An enum with a catch-all for values added to the API later: JSON readers keep unknown
/// names, while path, query and header values must be known (`ParamValue` rejects them).
fn enumeration(g: &Generator<'_>, code: &mut Code, id: DeclId, e: &Enum) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let Some(names) = g.names.enums[id.index()].as_ref() else {
        return;
    };
    let variants: Vec<String> = names.values.iter().map(|v| ident(v)).collect();
    let unknown = ident(&names.unknown);
    let wire: Vec<String> = e.values.iter().map(|v| string_literal(&v.name)).collect();
    docs(code, decl.docs.as_deref(), &decl.lifecycle);
    let mut derives: Vec<String> = ENUM_DERIVES.iter().map(|d| (*d).to_owned()).collect();
    derives.extend(
        g.derives
            .iter()
            .filter(|d| !ENUM_DERIVES.contains(&d.as_str()))
            .cloned(),
    );
    code.list("#[derive(", &derives, ")]");
    extra_attributes(g, code);
    code.block(&format!("pub enum {name}"), |code| {
        for (value, variant) in e.values.iter().zip(&variants) {
            docs(code, value.docs.as_deref(), &value.lifecycle);
            code.line(&format!("{variant},"));
        }
        code.line("/// A value this version does not know (added to the API later).");
        code.line(&format!("{unknown}(__accord::String),"));
    });
    code.line("");
    enum_methods(code, &name, &variants, &unknown, &wire);
    code.line("");
    enum_serde(code, &name, &unknown);
}

fn enum_methods(code: &mut Code, name: &str, variants: &[String], unknown: &str, wire: &[String]) {
    code.open(&format!("impl {name}"));
    code.line("/// The names of the values this version knows, as on the wire.");
    code.list("pub const KNOWN: &'static [&'static str] = &[", wire, "];");
    code.line("");
    code.line("/// The value's name, as on the wire.");
    code.open("pub fn as_str(&self) -> &str");
    code.open("match self");
    for (variant, wire) in variants.iter().zip(wire) {
        code.line(&format!("Self::{variant} => {wire},"));
    }
    code.line(&format!("Self::{unknown}(name) => name,"));
    code.close("");
    code.close("");
    code.line("");
    code.line("/// The known value named `name`.");
    code.open("pub fn from_known(name: &str) -> __accord::Option<Self>");
    code.open("match name");
    for (variant, wire) in variants.iter().zip(wire) {
        code.line(&format!(
            "{wire} => __accord::Option::Some(Self::{variant}),"
        ));
    }
    code.line("_ => __accord::Option::None,");
    code.close("");
    code.close("");
    code.close("");
}

fn enum_serde(code: &mut Code, name: &str, unknown: &str) {
    code.lines(&format!(
        r#"impl __accord::serde::Serialize for {name} {{
    fn serialize<S: __accord::serde::Serializer>(
        &self,
        serializer: S,
    ) -> __accord::Result<S::Ok, S::Error> {{
        serializer.serialize_str(self.as_str())
    }}
}}

impl<'de> __accord::serde::Deserialize<'de> for {name} {{
    fn deserialize<D: __accord::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> __accord::Result<Self, D::Error> {{
        let name: __accord::String = __accord::serde::Deserialize::deserialize(deserializer)?;
        __accord::Result::Ok(Self::from_known(&name).unwrap_or(Self::{unknown}(name)))
    }}
}}

impl __accord::ParamValue for {name} {{
    fn parse_param(raw: &str) -> __accord::Result<Self, __accord::String> {{
        Self::from_known(raw).ok_or_else(|| __accord::unknown_enum_value(raw, Self::KNOWN))
    }}

    fn to_param(&self) -> __accord::String {{
        __accord::ToString::to_string(self.as_str())
    }}
}}"#
    ));
}

/// A union: externally tagged, `{"circle": {…}}`, one tuple variant per IDL variant.
fn union(g: &Generator<'_>, code: &mut Code, id: DeclId, u: &Union) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    docs(code, decl.docs.as_deref(), &decl.lifecycle);
    derives(g, code);
    code.line(SERDE_CRATE);
    code.line("#[allow(clippy::large_enum_variant)]");
    code.block(&format!("pub enum {name}"), |code| {
        for (i, v) in u.variants.iter().enumerate() {
            let variant = ident(&g.names.members[id.index()][i]);
            docs(code, v.docs.as_deref(), &v.lifecycle);
            code.line(&format!("#[serde(rename = {})]", string_literal(&v.name)));
            code.line(&format!("{variant}({}),", field_type(g, id, i)));
        }
    });
}
