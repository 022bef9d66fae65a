//! The `#[accord(…)]` attributes of `#[derive(__accord::Message)]` (the runtime's derive, which
//! writes serde, `Validate`, the JSON shape and the protobuf encoding from them): the type's
//! protobuf full name (as `proto::grpc_names` gives it, like the emitted `.proto`), and per
//! member its field number, its wire name where the Rust name differs, `default` for a
//! `@default`, and the `@range`, `@length` and `@pattern` constraints.

use super::Generator;
use super::fields::{float_literal, int_literal, member};
use super::ident::ident;
use super::writer::string_literal;
use accord_idl::model::*;

/// `#[accord(proto = "…")]`, with `new` for a struct (its constructors, `construct`).
pub fn container(g: &Generator<'_>, id: DeclId) -> String {
    let proto = string_literal(&g.proto.decls[id.index()]);
    match g.model.decl(id).kind {
        DeclKind::Struct(_) => format!("#[accord(proto = {proto}, new)]"),
        _ => format!("#[accord(proto = {proto})]"),
    }
}

/// `#[accord(tag = N, …)]` of member `index`, or nothing when it says nothing: the derive
/// numbers a member without a `tag` one after the previous (the first 1).
pub fn member_attribute(g: &Generator<'_>, id: DeclId, index: usize) -> Option<String> {
    let decl = g.model.decl(id);
    let f = member(decl, index);
    let previous = match index {
        0 => 0,
        _ => member(decl, index - 1).number,
    };
    let mut entries = Vec::new();
    if u64::from(f.number) != u64::from(previous) + 1 {
        entries.push(format!("tag = {}", f.number));
    }
    let rust = ident(&g.names.members[id.index()][index]);
    if rust.strip_prefix("r#").unwrap_or(&rust) != f.name {
        entries.push(format!("rename = {}", string_literal(&f.name)));
    }
    if f.default.is_some() {
        entries.push("default".into());
    }
    constraints(f, &mut entries);
    (!entries.is_empty()).then(|| format!("#[accord({})]", entries.join(", ")))
}

fn constraints(field: &Field, entries: &mut Vec<String>) {
    let constraints = &field.constraints;
    if let (Some(range), Type::Scalar(s)) = (&constraints.range, &field.ty) {
        let bounds = [
            bound(range.min, *s, Bound::Min).map(|b| format!("min = {b}")),
            bound(range.max, *s, Bound::Max).map(|b| format!("max = {b}")),
        ];
        entries.push(format!("range({})", join(bounds)));
    }
    if let Some(length) = &constraints.length {
        let bounds = [
            length_bound(length.min).map(|b| format!("min = {b}")),
            length_bound(length.max).map(|b| format!("max = {b}")),
        ];
        entries.push(format!("length({})", join(bounds)));
    }
    if let Some(pattern) = &constraints.pattern {
        entries.push(format!("pattern = {}", string_literal(pattern)));
    }
}

fn join(bounds: [Option<String>; 2]) -> String {
    bounds.into_iter().flatten().collect::<Vec<_>>().join(", ")
}

#[derive(Clone, Copy)]
enum Bound {
    Min,
    Max,
}

/// A range bound in the field's own type. An integer bound outside the type's range is
/// clamped to it; a fractional bound on an integer rounds inward.
fn bound(value: Option<Number>, ty: Scalar, side: Bound) -> Option<String> {
    let value = value?;
    Some(match (ty.int_range(), value) {
        (Some((lo, hi)), number) => {
            let int = match (number, side) {
                (Number::Int(i), _) => i,
                (Number::Float(f), Bound::Min) => f.ceil() as i128,
                (Number::Float(f), Bound::Max) => f.floor() as i128,
            };
            int_literal(int.clamp(lo, hi), ty)
        }
        (None, number) => float_literal(number.as_f64(), ty),
    })
}

fn length_bound(value: Option<u64>) -> Option<String> {
    value
        .and_then(|v| usize::try_from(v).ok())
        .map(|v| format!("{v}usize"))
}
