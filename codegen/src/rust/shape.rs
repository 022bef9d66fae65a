//! `impl Shape` for every declaration: what a skeleton runs on a body serde rejected, so the
//! 400 lists every wrong type, missing field and bad union tag (the runtime's `shape` module).

use super::Generator;
use super::ident::ident;
use super::types::field_type;
use super::writer::{Code, string_literal};
use accord_idl::model::*;

pub fn impl_shape(g: &Generator<'_>, code: &mut Code, id: DeclId) {
    let decl = g.model.decl(id);
    let name = ident(&g.names.decls[id.index()]);
    code.open(&format!("impl __accord::Shape for {name}"));
    code.open_lines(
        "fn check_shape(
    value: &__accord::JsonValue,
    path: &__accord::FieldPath<'_>,
    violations: &mut __accord::Violations,
) {",
    );
    match &decl.kind {
        DeclKind::Struct(s) => struct_shape(g, code, id, s),
        DeclKind::Union(u) => union_shape(g, code, id, u),
        DeclKind::Enum(_) => code.line("__accord::shape::leaf::<Self>(value, path, violations)"),
    }
    code.close("");
    code.close("");
}

fn struct_shape(g: &Generator<'_>, code: &mut Code, id: DeclId, s: &Struct) {
    let object = if s.fields.is_empty() { "_" } else { "object" };
    code.lines(&format!(
        "let __accord::Option::Some({object}) = __accord::shape::object(value, path, violations) else {{
    return;
}};"
    ));
    for (i, f) in s.fields.iter().enumerate() {
        let required = !f.optional;
        code.list(
            &format!("__accord::shape::field::<{}>(", field_type(g, id, i)),
            &[
                "object".into(),
                string_literal(&f.name),
                required.to_string(),
                "path".into(),
                "violations".into(),
            ],
            ");",
        );
    }
}

fn union_shape(g: &Generator<'_>, code: &mut Code, id: DeclId, u: &Union) {
    let known: Vec<String> = u.variants.iter().map(|v| string_literal(&v.name)).collect();
    code.list("let known = [", &known, "];");
    code.lines(
        "let __accord::Option::Some((name, inner)) =
    __accord::shape::variant(value, &known, path, violations)
else {
    return;
};",
    );
    code.open("match name");
    for (i, v) in u.variants.iter().enumerate() {
        let wire = string_literal(&v.name);
        let head = format!(
            "{wire} => <{} as __accord::Shape>::check_shape(",
            field_type(g, id, i)
        );
        let args = [
            "inner".into(),
            format!("&path.field({wire})"),
            "violations".into(),
        ];
        code.list(&head, &args, "),");
    }
    code.line("_ => {}");
    code.close("");
}
