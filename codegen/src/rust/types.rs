//! One Rust type per declaration, one item each: structs (also errors and events) and unions
//! derive `__accord::Message`, whose `#[accord(…)]` attributes (`attributes`) carry what the
//! serde impls, `Validate`, the JSON shape and the protobuf encoding need; enums, tolerant of
//! unknown values, are one call of the runtime's `enumeration!`. Only a struct with a
//! `@default` gets a second item, its defaults (`construct`).

use super::fields::{field_type, member};
use super::ident::ident;
use super::writer::{Code, string_literal};
use super::{Generator, attributes, construct, docs};
use accord_idl::model::*;

/// What every enum derives (its serde impls come from the runtime's macro): extra derives
/// naming one of these are not repeated.
const ENUM_DERIVES: &[&str] = &["Debug", "Clone", "PartialEq", "Eq", "Hash"];

pub fn decl(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    match &decl.kind {
        DeclKind::Struct(s) => structure(g, code, id, s),
        DeclKind::Enum(e) => enumeration(g, code, id, e),
        DeclKind::Union(u) => union(g, code, id, u),
    }
}

/// `#[derive(…)]` of every struct and union (the `Message` derive last) plus the user's extra
/// derives and attributes; `Default` is derived where every field's default is its type's (a
/// struct with a `@default` field gets the impl written out by `construct` instead).
fn derives(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let mut list: Vec<String> = ["Debug", "Clone", "PartialEq"].map(String::from).to_vec();
    let written_default = construct::writes_default(g, id);
    if g.names.defaultable[id.index()] && !written_default {
        list.push("Default".into());
    }
    let extra: Vec<String> = g
        .derives
        .iter()
        .filter(|d| !(list.contains(d) || written_default && d.as_str() == "Default"))
        .cloned()
        .collect();
    list.extend(extra);
    list.push("__accord::Message".into());
    code.list("#[derive(", &list, ")]");
    extra_attributes(g, code);
    code.line(&attributes::container(g, id));
}

fn extra_attributes(g: &Generator<'_>, code: &mut Code) {
    for attribute in &g.attributes {
        code.lines(attribute);
    }
}

fn structure(g: &Generator<'_>, code: &mut Code, id: DeclId, s: &Struct) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    docs(code, decl.docs.as_deref(), &decl.lifecycle);
    derives(g, code, id);
    if s.fields.is_empty() {
        code.line(&format!("pub struct {name} {{}}"));
    } else {
        code.block(&format!("pub struct {name}"), |code| {
            for i in 0..s.fields.len() {
                field(g, code, id, i);
            }
        });
    }
    construct::impl_defaults(g, code, id, &name, s);
}

fn field(g: &Generator<'_>, code: &mut Code, id: DeclId, index: usize) {
    let f = member(g.model.decl(id), index);
    let rust = &g.names.members[id.index()][index];
    docs(code, f.docs.as_deref(), &f.lifecycle);
    if let Some(attribute) = attributes::member_attribute(g, id, index) {
        code.line(&attribute);
    }
    let ty = field_type(g, id, index);
    code.line(&format!("pub {}: {ty},", ident(rust)));
}

/// An enum tolerant of values added later (`Unknown` keeps a name from JSON or a number from
/// protobuf, docs/wire.md): the runtime's `enumeration!` writes its methods and impls.
fn enumeration(g: &Generator<'_>, code: &mut Code, id: DeclId, e: &Enum) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let Some(names) = g.names.enums[id.index()].as_ref() else {
        return;
    };
    code.open("__accord::enumeration!");
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
        for (value, variant) in e.values.iter().zip(&names.values) {
            docs(code, value.docs.as_deref(), &value.lifecycle);
            code.line(&format!(
                "{} = {} => {},",
                ident(variant),
                value.number,
                string_literal(&value.name)
            ));
        }
    });
    code.line(&format!("unknown {};", ident(&names.unknown)));
    code.close("");
}

/// A union: externally tagged, `{"circle": {…}}`, one tuple variant per IDL variant.
fn union(g: &Generator<'_>, code: &mut Code, id: DeclId, u: &Union) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    docs(code, decl.docs.as_deref(), &decl.lifecycle);
    derives(g, code, id);
    code.line("#[allow(clippy::large_enum_variant)]");
    code.block(&format!("pub enum {name}"), |code| {
        for (i, v) in u.variants.iter().enumerate() {
            let variant = ident(&g.names.members[id.index()][i]);
            docs(code, v.docs.as_deref(), &v.lifecycle);
            if let Some(attribute) = attributes::member_attribute(g, id, i) {
                code.line(&attribute);
            }
            code.line(&format!("{variant}({}),", field_type(g, id, i)));
        }
    });
}
