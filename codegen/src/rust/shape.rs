//! `impl Shape` for every struct and union, as one call of the runtime's `object_shape!` or
//! `union_shape!`: what a skeleton runs on a body serde rejected, so the 400 lists every wrong
//! type, missing field and bad union tag (the runtime's `shape` module). Enums get theirs from
//! `enumeration!`.

use super::Generator;
use super::fields::field_type;
use super::ident::ident;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub fn impl_shape(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let (members, macro_name) = match &decl.kind {
        DeclKind::Struct(s) => (&s.fields, "object_shape"),
        DeclKind::Union(u) => (&u.variants, "union_shape"),
        DeclKind::Enum(_) => return,
    };
    let entries: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let entry = format!("{}: {}", string_literal(&f.name), field_type(g, id, i));
            match &decl.kind {
                DeclKind::Struct(_) => format!("{entry} = {}", !f.optional),
                _ => entry,
            }
        })
        .collect();
    code.list(
        &format!("__accord::{macro_name}!({name} {{"),
        &entries,
        "});",
    );
}
