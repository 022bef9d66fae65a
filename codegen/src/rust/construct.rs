//! How user code builds a struct so that a later MINOR change (a new optional field) does not
//! break it (docs/evolution.md): `new` takes the required fields and `with_<field>` sets an
//! optional one (both from the derive's `#[accord(new)]`); here, `Default` gives every field its
//! `@default`, and each `@default` is public (`DEFAULT_<FIELD>` where Rust can state it as a
//! constant, `default_<field>()` always, which the derive's `default` names).
//!
//! The fields stay public for reading and matching; a struct literal still compiles, but it names
//! every field, so it breaks when one is added.

use super::Generator;
use super::fields::{field_type, float_literal, int_literal, member};
use super::ident::ident;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

/// Whether the struct's `Default` is written out (it has a `@default` field, which a derived
/// `Default` would set to its type's default instead).
pub fn writes_default(g: &Generator<'_>, id: DeclId) -> bool {
    let DeclKind::Struct(s) = &g.model.decl(id).kind else {
        return false;
    };
    g.names.defaultable[id.index()] && s.fields.iter().any(|f| f.default.is_some())
}

/// Where a struct has a `@default` field: `impl Name { DEFAULT_* constants, default_* }` and,
/// where written out, `impl Default` (`new` and `with_*` come from the derive's
/// `#[accord(new)]`).
pub fn impl_defaults(g: &Generator<'_>, code: &mut Code, id: DeclId, name: &str, s: &Struct) {
    if s.fields.iter().all(|f| f.default.is_none()) {
        return;
    }
    code.line("");
    code.block(&format!("impl {name}"), |code| {
        for i in 0..s.fields.len() {
            constant(g, code, id, i);
        }
        for i in 0..s.fields.len() {
            default_function(g, code, id, i);
        }
    });
    if writes_default(g, id) {
        code.line("");
        code.block(&format!("impl __accord::Default for {name}"), |code| {
            code.block("fn default() -> Self", |code| {
                code.block("Self", |code| {
                    for i in 0..s.fields.len() {
                        let rust = &g.names.members[id.index()][i];
                        let value = match s.fields[i].default {
                            Some(_) => format!("Self::default_{rust}()"),
                            None => "__accord::Default::default()".to_owned(),
                        };
                        code.line(&format!("{}: {value},", ident(rust)));
                    }
                });
            });
        });
    }
}

/// `pub const DEFAULT_<FIELD>: T = value;` for a `@default` that Rust can state as a constant
/// (a string one as `&str`); a duration has no constant constructor, only `default_<field>()`.
fn constant(g: &Generator<'_>, code: &mut Code, id: DeclId, index: usize) {
    let decl = g.model.decl(id);
    let f = member(decl, index);
    let Some((ty, value)) = f
        .default
        .as_ref()
        .and_then(|v| const_value(g, decl.package, &f.ty, v))
    else {
        return;
    };
    let rust = &g.names.members[id.index()][index];
    code.docs(&[format!(" The `@default` of `{}`.", ident(rust))]);
    code.line(&format!(
        "pub const {}: {ty} = {value};",
        constant_name(rust)
    ));
}

/// `DEFAULT_` and the field's snake-case name upper-cased (distinct snake names stay distinct).
fn constant_name(rust: &str) -> String {
    format!("DEFAULT_{}", rust.to_ascii_uppercase())
}

/// The type and expression of a `@default` as a constant, when it can be one.
fn const_value(
    g: &Generator<'_>,
    from: PackageId,
    ty: &Type,
    value: &Value,
) -> Option<(String, String)> {
    let text = match (value, ty) {
        (Value::Bool(b), _) => b.to_string(),
        (Value::Int(i), Type::Scalar(s)) if s.is_float() => float_literal(*i as f64, *s),
        (Value::Int(i), Type::Scalar(s)) => int_literal(*i, *s),
        (Value::Float(f), Type::Scalar(s)) => float_literal(*f, *s),
        (Value::String(text), _) => return Some(("&'static str".into(), string_literal(text))),
        (Value::EnumValue(name), Type::Named(id)) => {
            format!("{}::{}", g.decl_path(from, *id), enum_variant(g, *id, name))
        }
        _ => return None,
    };
    Some((g.rust_type(from, ty), text))
}

/// `pub fn default_<field>() -> T`: the `@default` as a value (named by `#[serde(default)]`,
/// the protobuf decoder and `Default`).
fn default_function(g: &Generator<'_>, code: &mut Code, id: DeclId, index: usize) {
    let decl = g.model.decl(id);
    let f = member(decl, index);
    let Some(value) = &f.default else { return };
    let rust = &g.names.members[id.index()][index];
    let ty = field_type(g, id, index);
    let body = match (value, const_value(g, decl.package, &f.ty, value)) {
        (Value::String(_), Some(_)) => {
            format!("__accord::String::from(Self::{})", constant_name(rust))
        }
        (_, Some(_)) => format!("Self::{}", constant_name(rust)),
        (Value::Duration(d), None) => format!(
            "__accord::Duration::new({}i64, {}i64).unwrap_or_default()",
            d.as_secs(),
            d.subsec_nanos()
        ),
        // The checker matched every default to its field's type; nothing else reaches here.
        (_, None) => "__accord::Default::default()".to_owned(),
    };
    code.docs(&[format!(" The `@default` of `{}`, as a value.", ident(rust))]);
    code.block(&format!("pub fn default_{rust}() -> {ty}"), |code| {
        code.line(&body)
    });
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
