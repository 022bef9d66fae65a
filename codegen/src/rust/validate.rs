//! `impl Validate` for every declaration: each field's `@range`, `@length` and `@pattern`, then
//! the nested values, so `validate()` reports every violation with its field path.

use super::Generator;
use super::fields::{float_literal, int_literal, member};
use super::ident::ident;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub fn impl_validate(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let checked: Vec<usize> = match &decl.kind {
        DeclKind::Struct(s) => (0..s.fields.len())
            .filter(|&i| needs_checks(g, &s.fields[i]))
            .collect(),
        DeclKind::Union(u) => (0..u.variants.len())
            .filter(|&i| needs_checks(g, &u.variants[i]))
            .collect(),
        DeclKind::Enum(_) => Vec::new(),
    };
    if checked.is_empty() {
        code.line(&format!("impl __accord::Validate for {name} {{}}"));
        return;
    }
    code.open(&format!("impl __accord::Validate for {name}"));
    code.open_lines(
        "fn validate_into(\n    &self,\n    path: &__accord::FieldPath<'_>,\n    violations: &mut __accord::Violations,\n) {",
    );
    match &decl.kind {
        DeclKind::Union(u) => union_checks(g, code, id, u),
        _ => checked
            .into_iter()
            .for_each(|i| field_checks(g, code, id, i)),
    }
    code.close("");
    code.close("");
}

fn union_checks(g: &Generator<'_>, code: &mut Code, id: DeclId, u: &Union) {
    code.open("match self");
    for (i, v) in u.variants.iter().enumerate() {
        let variant = ident(&g.names.members[id.index()][i]);
        if !needs_checks(g, v) {
            code.line(&format!("Self::{variant}(_) => {{}}"));
            continue;
        }
        code.open(&format!("Self::{variant}(value) =>"));
        value_checks(g, code, v);
        code.close("");
    }
    code.close("");
}

/// The checks of one struct field; an optional field is checked when set.
fn field_checks(g: &Generator<'_>, code: &mut Code, id: DeclId, index: usize) {
    let field = member(g.model.decl(id), index);
    let name = ident(&g.names.members[id.index()][index]);
    if field.optional && field.default.is_none() {
        code.open(&format!(
            "if let __accord::Option::Some(value) = &self.{name}"
        ));
    } else {
        code.open("");
        code.line(&format!("let value = &self.{name};"));
    }
    value_checks(g, code, field);
    code.close("");
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

/// Checks of the reference `value` at the field's path (inside a block, so a `static`
/// pattern stays local).
fn value_checks(g: &Generator<'_>, code: &mut Code, field: &Field) {
    let constraints = &field.constraints;
    let path = format!("&path.field({})", string_literal(&field.name));
    if let (Some(range), Type::Scalar(s)) = (&constraints.range, &field.ty) {
        let min = bound(range.min, *s, Bound::Min);
        let max = bound(range.max, *s, Bound::Max);
        code.list(
            "violations.range(",
            &[path.clone(), "*value".into(), min, max],
            ");",
        );
    }
    if let Some(length) = &constraints.length {
        let min = length_bound(length.min);
        let max = length_bound(length.max);
        code.list(
            "violations.length(",
            &[path.clone(), "value".into(), min, max],
            ");",
        );
    }
    if let Some(pattern) = &constraints.pattern {
        code.line(&format!(
            "static PATTERN: __accord::Pattern = __accord::Pattern::new({});",
            string_literal(pattern)
        ));
        code.list(
            "violations.pattern(",
            &[path.clone(), "value".into(), "&PATTERN".into()],
            ");",
        );
    }
    if contains_named(&field.ty, g) {
        code.list(
            "__accord::Validate::validate_into(",
            &["value".into(), path, "violations".into()],
            ");",
        );
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Min,
    Max,
}

/// A range bound in the field's own type. An integer bound outside the type's range is
/// clamped to it; a fractional bound on an integer rounds inward.
fn bound(value: Option<Number>, ty: Scalar, side: Bound) -> String {
    let Some(value) = value else {
        return "__accord::Option::None".to_owned();
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
    format!("__accord::Option::Some({literal})")
}

fn length_bound(value: Option<u64>) -> String {
    match value.and_then(|v| usize::try_from(v).ok()) {
        Some(v) => format!("__accord::Option::Some({v}usize)"),
        None => "__accord::Option::None".to_owned(),
    }
}
