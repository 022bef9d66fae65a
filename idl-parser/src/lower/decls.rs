//! Lowering of structs (errors, events), unions and enums.

use super::{Lowerer, Slot, docs};
use crate::check::annotations::{self, Anns, Target};
use crate::check::{self, constraints::FieldRules, names::Dups, numbers::Numbers, style};
use crate::model::*;
use crate::source::{FileId, Span};
use crate::syntax::{self, Item, ItemKind, LiteralKind, ReservedDecl, StructKeyword};

/// A struct, union or enum as lowered: what replaces its placeholder, and its members' spans.
pub(super) struct LoweredDecl {
    pub id: DeclId,
    pub lifecycle: Lifecycle,
    pub kind: DeclKind,
    pub members: Vec<Span>,
}

impl Lowerer<'_> {
    pub(super) fn lower_decl(
        &mut self,
        file: FileId,
        item: &Item,
        slot: Slot,
    ) -> Option<LoweredDecl> {
        let Slot::Decl(id) = slot else { return None };
        let name = item.kind.name();
        style::type_name(&name.text, name.span, self.diags);
        let target = match &item.kind {
            ItemKind::Struct(s) => match s.keyword {
                StructKeyword::Struct => Target::Struct,
                StructKeyword::Error => Target::Error,
                StructKeyword::Event => Target::Event,
            },
            ItemKind::Enum(_) => Target::Enum,
            _ => Target::Union,
        };
        let (anns, lifecycle) = self.attrs(&item.attrs, target);
        let mut members = Vec::new();
        let kind = match &item.kind {
            ItemKind::Struct(s) => {
                let status = check::constraints::status(anns.get("status").copied(), self.diags);
                DeclKind::Struct(self.lower_struct(file, id, s, status, &mut members))
            }
            ItemKind::Union(u) => DeclKind::Union(self.lower_union(file, id, u, &mut members)),
            ItemKind::Enum(e) => DeclKind::Enum(self.lower_enum(id, e, &mut members)),
            _ => return None,
        };
        Some(LoweredDecl {
            id,
            lifecycle,
            kind,
            members,
        })
    }

    fn lower_struct(
        &mut self,
        file: FileId,
        id: DeclId,
        s: &syntax::StructDecl,
        status: u16,
        members: &mut Vec<Span>,
    ) -> Struct {
        let role = match s.keyword {
            StructKeyword::Struct => StructRole::Plain,
            StructKeyword::Error => StructRole::Error { status },
            StructKeyword::Event => StructRole::Event,
        };
        check::numbers::reserved(&s.reserved, self.diags);
        let reserved = reserved_ranges(&s.reserved);
        let fields = self.lower_fields(file, id, &s.fields, &reserved, "field", members);
        Struct {
            role,
            fields,
            reserved,
            // Filled by the last phase, once the linked services are lowered.
            links: Vec::new(),
        }
    }

    fn lower_union(
        &mut self,
        file: FileId,
        id: DeclId,
        u: &syntax::UnionDecl,
        members: &mut Vec<Span>,
    ) -> Union {
        for v in &u.variants {
            if let Some(q) = v.optional {
                check::operations::union_optional(&v.name.text, q, self.diags);
            }
        }
        check::numbers::reserved(&u.reserved, self.diags);
        let reserved = reserved_ranges(&u.reserved);
        let mut variants = self.lower_fields(file, id, &u.variants, &reserved, "variant", members);
        variants.iter_mut().for_each(|v| v.optional = false);
        Union { variants, reserved }
    }

    fn lower_fields(
        &mut self,
        file: FileId,
        id: DeclId,
        fields: &[syntax::FieldDecl],
        reserved: &[Reserved],
        what: &'static str,
        members: &mut Vec<Span>,
    ) -> Vec<Field> {
        let parent = self.model.decls[id.index()].name.clone();
        let mut names = Dups::members(what, parent.clone());
        let mut numbers = Numbers::new(parent, reserved);
        // Sized once: a model field is a few hundred bytes, and growing by doubling would
        // touch (and fault in) about twice the memory.
        let mut out = Vec::with_capacity(fields.len());
        members.reserve_exact(fields.len());
        for f in fields {
            let number = numbers.field(&f.number, self.diags);
            if !names.add(&f.name.text, f.name.span, self.diags) {
                continue;
            }
            style::member_name(&f.name.text, f.name.span, what, self.diags);
            out.push(self.lower_field(file, f, number));
            members.push(f.span);
        }
        out
    }

    fn lower_field(&mut self, file: FileId, f: &syntax::FieldDecl, number: u32) -> Field {
        let ty = self.ty(file, &f.ty);
        let (anns, lifecycle) = self.attrs(&f.attrs, Target::Field);
        let optional = f.optional.is_some();
        let rules = FieldRules {
            ty: &ty,
            optional,
            name: &f.name,
        };
        let (constraints, default) = self.constraints(&anns, &rules);
        check::http::param_name(&anns, self.diags);
        let http_override = http_override(&anns, &f.name.text);
        Field {
            name: f.name.text.clone(),
            number,
            ty,
            optional,
            docs: docs(&f.attrs),
            lifecycle,
            constraints,
            default,
            http_override,
        }
    }

    /// A field's constraints and `@default`, each read from its annotation and kept when its
    /// rule accepts it.
    fn constraints(&mut self, anns: &Anns, rules: &FieldRules) -> (Constraints, Option<Value>) {
        let (model, diags) = (self.model, &mut *self.diags);
        let range = anns.get("range").and_then(|&ann| {
            let bounds = bounds(ann, number);
            rules.range(ann, &bounds, model, diags).then_some(bounds)
        });
        let length = anns.get("length").and_then(|&ann| {
            let bounds = bounds(ann, count);
            rules.length(ann, &bounds, model, diags).then_some(bounds)
        });
        let pattern = anns.get("pattern").and_then(|&ann| {
            let Some(LiteralKind::String { value, .. }) = annotations::arg(ann) else {
                return None;
            };
            rules.pattern(ann, model, diags).then(|| value.clone())
        });
        let default = anns.get("default").and_then(|&ann| {
            let value = annotations::arg(ann).and_then(|lit| value(lit, rules.ty, model));
            let usable = rules.default(ann, value.as_ref(), model, diags);
            value.filter(|_| usable)
        });
        let constraints = Constraints {
            range,
            length,
            pattern,
        };
        (constraints, default)
    }

    fn lower_enum(&mut self, id: DeclId, e: &syntax::EnumDecl, members: &mut Vec<Span>) -> Enum {
        let parent = self.model.decls[id.index()].name.clone();
        check::numbers::reserved(&e.reserved, self.diags);
        let reserved = reserved_ranges(&e.reserved);
        let mut names = Dups::members("enum value", parent.clone());
        let mut numbers = Numbers::new(parent, &reserved);
        let mut values = Vec::with_capacity(e.values.len());
        members.reserve_exact(e.values.len());
        for v in &e.values {
            let number = numbers.enum_value(&v.number, self.diags);
            if !names.add(&v.name.text, v.name.span, self.diags) {
                continue;
            }
            style::enum_value_name(&v.name.text, v.name.span, self.diags);
            let (_, lifecycle) = self.attrs(&v.attrs, Target::EnumValue);
            values.push(EnumValue {
                name: v.name.text.clone(),
                number,
                docs: docs(&v.attrs),
                lifecycle,
            });
            members.push(v.span);
        }
        Enum { values, reserved }
    }
}

/// The reserved ranges as written; `check::numbers::reserved` reports those whose ends are not
/// integers, which are left out.
fn reserved_ranges(decls: &[ReservedDecl]) -> Vec<Reserved> {
    let int = |lit: &syntax::Literal| match lit.kind {
        LiteralKind::Int(v) => Some(v.clamp(i64::MIN.into(), i64::MAX.into()) as i64),
        _ => None,
    };
    let ranges = decls.iter().flat_map(|d| &d.ranges);
    ranges
        .filter_map(|range| {
            let start = int(&range.start)?;
            let end = range.end.as_ref().map_or(Some(start), int)?;
            Some(Reserved { start, end })
        })
        .collect()
}

/// `min = ` and `max = ` of `@range` or `@length`, each when `convert` reads it.
fn bounds<T>(ann: &syntax::Annotation, convert: fn(&LiteralKind) -> Option<T>) -> Bounds<T> {
    let get = |key: &str| annotations::named(ann, key).and_then(|a| convert(&a.value.kind));
    Bounds {
        min: get("min"),
        max: get("max"),
    }
}

fn number(lit: &LiteralKind) -> Option<Number> {
    match lit {
        LiteralKind::Int(i) => Some(Number::Int(*i)),
        LiteralKind::Float(f) => Some(Number::Float(*f)),
        _ => None,
    }
}

fn count(lit: &LiteralKind) -> Option<u64> {
    match lit {
        LiteralKind::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// The value `lit` denotes in type `ty`, if it is one (`@default`).
fn value(lit: &LiteralKind, ty: &Type, model: &Model) -> Option<Value> {
    match (ty, lit) {
        (Type::Scalar(Scalar::Bool), LiteralKind::Bool(b)) => Some(Value::Bool(*b)),
        (Type::Scalar(s), LiteralKind::Int(i)) if s.is_integer() => {
            let (lo, hi) = s.int_range()?;
            (lo..=hi).contains(i).then_some(Value::Int(*i))
        }
        (Type::Scalar(s), LiteralKind::Int(i)) if s.is_float() => Some(Value::Float(*i as f64)),
        (Type::Scalar(s), LiteralKind::Float(f)) if s.is_float() => Some(Value::Float(*f)),
        (Type::Scalar(Scalar::String), LiteralKind::String { value, .. }) => {
            Some(Value::String(value.clone()))
        }
        (Type::Scalar(Scalar::Duration), LiteralKind::Duration(d)) => Some(Value::Duration(*d)),
        (Type::Named(id), LiteralKind::Name(p)) if p.segments.len() == 1 => {
            match &model.decl(*id).kind {
                DeclKind::Enum(e) => e
                    .values
                    .iter()
                    .any(|v| v.name == p.text())
                    .then(|| Value::EnumValue(p.text())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Where `@query` / `@query("n")` / `@header("N")` on a field sends it, as written
/// (`check::http::param_name` judges the names).
fn http_override(anns: &Anns, field: &str) -> Option<ParamLocation> {
    if let Some(h) = anns.get("header")
        && let Some(LiteralKind::String { value, .. }) = annotations::arg(h)
    {
        return Some(ParamLocation::Header(value.clone()));
    }
    let q = anns.get("query")?;
    match annotations::arg(q) {
        Some(LiteralKind::String { value, .. }) => Some(ParamLocation::Query(value.clone())),
        _ => Some(ParamLocation::Query(field.to_string())),
    }
}
