//! Lowering of structs (errors, events), unions and enums.

use super::{Lowerer, Slot, docs};
use crate::check::{self, annotations::Target, names::Dups, numbers::Numbers, style};
use crate::model::*;
use crate::source::{FileId, Span};
use crate::syntax::{self, Item, ItemKind, StructKeyword};

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
        let reserved = check::numbers::reserved(&s.reserved, self.diags);
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
        let reserved = check::numbers::reserved(&u.reserved, self.diags);
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
        let rules = check::constraints::FieldRules {
            anns: &anns,
            ty: &ty,
            optional,
            name: &f.name,
        };
        let (constraints, default) = rules.check(self.model, self.diags);
        check::http::param_name(&anns, self.diags);
        let http_override = check::http::field_override(&anns, &f.name.text);
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

    fn lower_enum(&mut self, id: DeclId, e: &syntax::EnumDecl, members: &mut Vec<Span>) -> Enum {
        let parent = self.model.decls[id.index()].name.clone();
        let reserved = check::numbers::reserved(&e.reserved, self.diags);
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
