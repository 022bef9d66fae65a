//! Sections for declarations: structs, events and errors with their fields, enums with their
//! values, unions with their variants.

use super::page::{Inline, Row, Section, Table, code, text};
use super::{decl_anchor, describe, type_inlines};
use accord_idl::Model;
use accord_idl::model::{
    Bounds, Constraints, DeclId, DeclKind, Enum, Field, Number, PackageId, Reserved, Struct,
    StructRole, Union, Value,
};

pub fn declaration(model: &Model, id: DeclId) -> Section {
    let decl = model.decl(id);
    let mut section = Section::new(decl_anchor(model, id), decl.name.clone(), decl.keyword());
    describe(&mut section, decl.docs.as_deref(), &decl.lifecycle);
    section.fact("Qualified name", vec![code(model.qualified_decl_name(id))]);
    match &decl.kind {
        DeclKind::Struct(s) => structure(model, decl.package, &mut section, s),
        DeclKind::Enum(e) => enumeration(&mut section, e),
        DeclKind::Union(u) => union(model, decl.package, &mut section, u),
    }
    section
}

fn structure(model: &Model, from: PackageId, section: &mut Section, s: &Struct) {
    if let StructRole::Error { status } = s.role {
        section.fact("HTTP status", vec![code(status.to_string())]);
        section.fact("gRPC status", vec![code(grpc_code(status))]);
    }
    reserved_fact(section, &s.reserved);
    let rows = s.fields.iter().map(|f| field_row(model, from, f)).collect();
    section.table = Some(Table {
        head: vec![
            "#",
            "Field",
            "Type",
            "Presence",
            "Constraints",
            "Description",
        ],
        rows,
    });
}

fn field_row(model: &Model, from: PackageId, field: &Field) -> Row {
    let presence = match (&field.optional, &field.default) {
        (false, _) => vec![text("required")],
        (true, None) => vec![Inline::Badge("optional".into())],
        (true, Some(value)) => vec![
            Inline::Badge("optional".into()),
            text(" default "),
            code(literal(value)),
        ],
    };
    Row {
        anchor: None,
        deprecated: field.lifecycle.deprecated.is_some(),
        cells: vec![
            vec![text(field.number.to_string())],
            vec![code(field.name.clone())],
            type_inlines(model, from, &field.ty),
            presence,
            constraints(&field.constraints),
            description(field.docs.as_deref(), &field.lifecycle),
        ],
    }
}

fn enumeration(section: &mut Section, e: &Enum) {
    section.fact(
        "JSON",
        vec![text(
            "the value's name as a string; unknown names are kept, not rejected",
        )],
    );
    reserved_fact(section, &e.reserved);
    let rows = e
        .values
        .iter()
        .map(|v| Row {
            anchor: None,
            deprecated: v.lifecycle.deprecated.is_some(),
            cells: vec![
                vec![code(v.name.clone())],
                vec![text(v.number.to_string())],
                description(v.docs.as_deref(), &v.lifecycle),
            ],
        })
        .collect();
    section.table = Some(Table {
        head: vec!["Value", "Number", "Description"],
        rows,
    });
}

fn union(model: &Model, from: PackageId, section: &mut Section, u: &Union) {
    section.fact(
        "JSON",
        vec![text(
            "exactly one variant is set: an object with one member named after it",
        )],
    );
    reserved_fact(section, &u.reserved);
    let rows = u
        .variants
        .iter()
        .map(|v| Row {
            anchor: None,
            deprecated: v.lifecycle.deprecated.is_some(),
            cells: vec![
                vec![text(v.number.to_string())],
                vec![code(v.name.clone())],
                type_inlines(model, from, &v.ty),
                description(v.docs.as_deref(), &v.lifecycle),
            ],
        })
        .collect();
    section.table = Some(Table {
        head: vec!["#", "Variant", "Type", "Description"],
        rows,
    });
}

/// A member's doc comment followed by its lifecycle.
pub fn description(docs: Option<&str>, life: &accord_idl::model::Lifecycle) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(deprecated) = &life.deprecated {
        out.push(Inline::Badge("deprecated".into()));
        if let Some(reason) = &deprecated.reason {
            out.push(text(format!(" {reason} ")));
        }
    }
    if let Some(since) = &life.since {
        out.push(text(format!("Since {since}. ")));
    }
    if let Some(docs) = docs {
        out.push(Inline::Markdown(docs.to_string()));
    }
    out
}

fn reserved_fact(section: &mut Section, ranges: &[Reserved]) {
    if ranges.is_empty() {
        return;
    }
    let parts: Vec<String> = ranges
        .iter()
        .map(|r| match r.start == r.end {
            true => r.start.to_string(),
            false => format!("{} to {}", r.start, r.end),
        })
        .collect();
    section.fact("Reserved numbers", vec![text(parts.join(", "))]);
}

fn constraints(c: &Constraints) -> Vec<Inline> {
    let mut out = Vec::new();
    if let Some(range) = &c.range {
        out.push(code(bounds("value", range, number)));
    }
    if let Some(length) = &c.length {
        out.push(code(bounds("length", length, |n| n.to_string())));
    }
    if let Some(pattern) = &c.pattern {
        out.push(text(" pattern "));
        out.push(code(pattern.clone()));
    }
    out
}

/// `1 ≤ value ≤ 100`, `length ≥ 1`.
fn bounds<T: Copy>(what: &str, b: &Bounds<T>, show: impl Fn(T) -> String) -> String {
    match (b.min, b.max) {
        (Some(min), Some(max)) => format!("{} ≤ {what} ≤ {}", show(min), show(max)),
        (Some(min), None) => format!("{what} ≥ {}", show(min)),
        (None, Some(max)) => format!("{what} ≤ {}", show(max)),
        (None, None) => String::new(),
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => f.to_string(),
    }
}

/// A default as it would be written in the IDL.
fn literal(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::String(s) => serde_json::Value::String(s.clone()).to_string(),
        Value::Duration(d) if d.subsec_nanos() == 0 => format!("{}s", d.as_secs()),
        Value::Duration(d) => format!("{}ms", d.as_millis()),
        Value::EnumValue(name) => name.clone(),
    }
}

/// The gRPC status a declared error travels as (docs/wire.md).
pub fn grpc_code(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status < 500 => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    }
}
