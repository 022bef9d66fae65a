//! The last lowering step: `@link` on struct fields, which may name an operation of any
//! service, so it waits until every service is lowered (rules in `check::links`).

use super::{Entry, Lowerer, Slot};
use crate::check::{codes, links};
use crate::model::*;
use crate::source::Span;
use crate::syntax::{ItemKind, LiteralKind, Path};

impl Lowerer<'_> {
    /// The links of one struct, when it has any.
    pub(super) fn lower_links(
        &mut self,
        &(file, item, slot): &Entry,
    ) -> Option<(DeclId, Vec<Link>)> {
        let (Slot::Decl(id), ItemKind::Struct(s)) = (slot, &item.kind) else {
            return None;
        };
        let mut found = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for f in &s.fields {
            let Some(ann) = f.attrs.annotations.iter().find(|a| a.name.text == "link") else {
                continue;
            };
            // The shape (two names) was checked with the field's other annotations (A0503).
            let [rel, op] = ann.args.as_deref().unwrap_or(&[]) else {
                continue;
            };
            let (LiteralKind::Name(rel), LiteralKind::Name(op)) = (&rel.value.kind, &op.value.kind)
            else {
                continue;
            };
            let fields = self.model.fields(id);
            let Some(field) = fields.iter().position(|m| m.name == f.name.text) else {
                continue;
            };
            let unique = links::relation(rel, &seen, self.diags);
            if unique {
                seen.push((rel.text(), rel.span));
            }
            let Some(target) = self.link_target(file, op) else {
                continue;
            };
            if links::input(self.model, target, &fields[field], op.span, self.diags) && unique {
                found.push(Link {
                    rel: rel.text(),
                    field,
                    target,
                });
            }
        }
        (!found.is_empty()).then_some((id, found))
    }

    /// `Service.op` or `package.Service.op`, resolved.
    fn link_target(&mut self, file: crate::source::FileId, op: &Path) -> Option<OpRef> {
        let Some((name, service)) = op.segments.split_last().filter(|(_, s)| !s.is_empty()) else {
            links::unqualified(op, self.diags);
            return None;
        };
        let service_path = Path {
            segments: service.to_vec(),
            span: op.span,
        };
        let service = self.service(file, &service_path, ("@link", &codes::LINK_TARGET))?;
        let index = links::target(self.model, service, name, self.diags)?;
        Some(OpRef { service, op: index })
    }
}

/// Writes each struct's links into the model.
pub(super) fn apply(lowered: Vec<(DeclId, Vec<Link>)>, model: &mut Model) {
    for (id, links) in lowered {
        if let DeclKind::Struct(s) = &mut model.decls[id.index()].kind {
            s.links = links;
        }
    }
}
