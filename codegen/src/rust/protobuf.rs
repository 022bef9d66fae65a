//! The protobuf encoding of every struct and union, as one call of the runtime's `message!` or
//! `oneof!`: the message's full name as the emitted `.proto` declares it and each member's
//! Rust name, type and field number. Enums get theirs from `enumeration!`.

use super::Generator;
use super::fields::field_type;
use super::ident::ident;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub fn impl_message(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    let (members, macro_name) = match &decl.kind {
        DeclKind::Struct(s) => (&s.fields, "message"),
        DeclKind::Union(u) => (&u.variants, "oneof"),
        DeclKind::Enum(_) => return,
    };
    let entries: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rust = ident(&g.names.members[id.index()][i]);
            let ty = field_type(g, id, i);
            match &decl.kind {
                // A `@default` field is `optional` in the `.proto` and its default when absent.
                DeclKind::Struct(_) if f.default.is_some() => format!(
                    "{rust}: {ty} = {} or {name}::default_{}",
                    f.number,
                    g.names.members[id.index()][i]
                ),
                DeclKind::Struct(_) => format!("{rust}: {ty} = {}", f.number),
                _ => format!("{rust}({ty}) = {}", f.number),
            }
        })
        .collect();
    let proto = string_literal(&g.proto.decls[id.index()]);
    code.list(
        &format!("__accord::{macro_name}!({name} = {proto} {{"),
        &entries,
        "});",
    );
}
