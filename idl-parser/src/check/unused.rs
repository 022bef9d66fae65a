//! Unused declarations (warning W0102): a struct, error, event, enum or union that no service,
//! channel or other declaration of any loaded package refers to.
//!
//! Why: an unreferenced type reaches no emitted document or generated client; it is usually a
//! leftover, or a reference that was meant to be there and is not.
//!
//! ```accord
//! struct Leftover { x: i64 = 1; }   // W0102 when nothing names it
//! ```
//!
//! Only run when the compilation has no error: a reference that failed to resolve would make
//! its intended target look unused.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::*;

/// Marks everything reachable from services and channels, then reports the rest.
pub(crate) fn check(model: &Model, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut used = vec![false; model.decls.len()];
    let mut stack: Vec<DeclId> = Vec::new();
    for service in &model.services {
        for op in &service.operations {
            stack.extend(
                op.input
                    .iter()
                    .chain(op.output.decl().iter())
                    .chain(&op.throws),
            );
        }
    }
    for channel in &model.channels {
        stack.extend(&channel.messages);
    }
    // Referenced by another declaration counts too, even when that one is itself unused.
    for decl in &model.decls {
        for_each_ref(decl, |d| stack.push(d));
    }
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut used[id.index()], true) {
            continue;
        }
        for_each_ref(model.decl(id), |d| stack.push(d));
    }
    for (id, decl) in model.decl_ids().zip(&model.decls) {
        if !used[id.index()] {
            diags.push(
                Diagnostic::warning(
                    codes::UNUSED,
                    format!("{} `{}` is never used", decl.keyword(), decl.name),
                    spans.decls[id.index()].name,
                )
                .with_help(
                    "refer to it from an operation, a channel or another type, or remove it",
                ),
            );
        }
    }
}

fn for_each_ref(decl: &Decl, mut f: impl FnMut(DeclId)) {
    let fields: &[Field] = match &decl.kind {
        DeclKind::Struct(s) => &s.fields,
        DeclKind::Union(u) => &u.variants,
        DeclKind::Enum(_) => &[],
    };
    for field in fields {
        named(&field.ty, &mut f);
    }
}

fn named(ty: &Type, f: &mut impl FnMut(DeclId)) {
    match ty {
        Type::Named(d) => f(*d),
        Type::List(t) | Type::Map(_, t) => named(t, f),
        Type::Scalar(_) => {}
    }
}
