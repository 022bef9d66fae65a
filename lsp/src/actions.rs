//! Code actions: the fix of every diagnostic that has one, as an edit. "Did you mean" (names,
//! annotations), an unknown type declared in a loaded package the file does not import (import
//! its file, or qualify the name), a field without `= N` (the number the parser's hint gives),
//! and a number used twice, reserved or out of range (the next free number of that
//! declaration).

use crate::complete::import_edit;
use crate::workspace::{Compiled, path_of};
use accord_idl::check::codes;
use accord_idl::syntax::{self, ItemKind, LiteralKind};
use accord_idl::{Diagnostic, Span};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;

pub fn actions(c: &Compiled, params: CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let file = c.file(&path_of(&uri)?)?;
    let lines = c.lines(file);
    let (from, to) = (
        lines.offset(params.range.start) as u32,
        lines.offset(params.range.end) as u32,
    );
    let mut out = Vec::new();
    for d in &c.compilation.diagnostics {
        let span = d.primary.span;
        if span.file != file || span.end < from || span.start > to {
            continue;
        }
        let lsp = crate::diagnostics::plain(c, d);
        for (title, edits) in fixes(c, d) {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp.clone()]),
                edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
    }
    Some(out)
}

type Fix = (String, Vec<TextEdit>);

/// The fixes of one diagnostic, each a title and the edits of its file.
fn fixes(c: &Compiled, d: &Diagnostic) -> Vec<Fix> {
    let span = d.primary.span;
    let help = d.help.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(name) = did_you_mean(help) {
        out.push(replace_name(c, span, name.trim_start_matches('@')));
    }
    if d.is(&codes::UNKNOWN_TYPE) && out.is_empty() {
        out.extend(not_imported(c, span));
    }
    if d.is(&codes::SYNTAX)
        && let Some(n) = missing_number(help)
    {
        let at = c.range(Span::new(
            span.file,
            span.start as usize,
            span.start as usize,
        ));
        out.push((
            format!("add `= {n}`"),
            vec![TextEdit::new(at, format!(" = {n}"))],
        ));
    }
    let numbers = [
        &codes::NUMBER_DUPLICATE,
        &codes::NUMBER_RESERVED,
        &codes::FIELD_NUMBER_RESERVED_RANGE,
        &codes::FIELD_NUMBER_RANGE,
    ];
    if numbers.iter().any(|code| d.is(code))
        && let Some(n) = next_free(c, span)
    {
        out.push((
            format!("use the next free number, {n}"),
            vec![TextEdit::new(c.range(span), n.to_string())],
        ));
    }
    out
}

/// `did you mean `X`?` → `X`.
fn did_you_mean(help: &str) -> Option<&str> {
    help.strip_prefix("did you mean `")?.strip_suffix("`?")
}

/// Replaces the last segment of the name at `span` with `name`.
fn replace_name(c: &Compiled, span: Span, name: &str) -> Fix {
    let written = c.compilation.sources.slice(span);
    let start = span.start as usize + written.rfind('.').map_or(0, |i| i + 1);
    let last = Span::new(span.file, start, span.end as usize);
    (
        format!("change to `{name}`"),
        vec![TextEdit::new(c.range(last), name.to_string())],
    )
}

/// An unknown short name declared in exactly one loaded package: import it, or qualify it.
fn not_imported(c: &Compiled, span: Span) -> Vec<Fix> {
    let written = c.compilation.sources.slice(span);
    if written.contains('.') {
        return Vec::new();
    }
    let index = c.index();
    let model = &c.compilation.model;
    let mut hits = model.decl_ids().filter(|&d| model.decl(d).name == written);
    let (Some(d), None) = (hits.next(), hits.next()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let package = &model.package(model.decl(d).package).name;
    if let Some(edit) = import_edit(c, index, span.file, d) {
        let title = format!(
            "import {} (declares `{package}.{written}`)",
            edit.new_text
                .trim()
                .trim_start_matches("import ")
                .trim_end_matches(';')
        );
        out.push((title, vec![edit]));
    }
    let qualified = format!("{package}.{written}");
    out.push((
        format!("qualify as `{qualified}`"),
        vec![TextEdit::new(c.range(span), qualified)],
    ));
    out
}

/// The number the parser's hint gives a field written without one (`` `id: i64 = 3;` ``).
fn missing_number(help: &str) -> Option<u64> {
    if !help.starts_with("every field has a number") {
        return None;
    }
    let written = help.rsplit_once(" = ")?.1.strip_suffix(";`")?;
    written.parse().ok()
}

/// One more than the highest number or reserved number of the declaration holding `span`,
/// past protobuf's own range.
fn next_free(c: &Compiled, span: Span) -> Option<i128> {
    let syntax = c.compilation.syntax(span.file)?;
    let item = syntax
        .items
        .iter()
        .find(|i| i.span.start <= span.start && span.end <= i.span.end)?;
    let (numbers, reserved): (Vec<&syntax::Literal>, &[syntax::ReservedDecl]) = match &item.kind {
        ItemKind::Struct(s) => (s.fields.iter().map(|f| &f.number).collect(), &s.reserved),
        ItemKind::Union(u) => (u.variants.iter().map(|f| &f.number).collect(), &u.reserved),
        ItemKind::Enum(e) => (e.values.iter().map(|v| &v.number).collect(), &e.reserved),
        _ => return None,
    };
    let reserved = reserved.iter().flat_map(|r| &r.ranges);
    let reserved = reserved.flat_map(|r| std::iter::once(&r.start).chain(&r.end));
    let highest = numbers
        .into_iter()
        .chain(reserved)
        .filter_map(|l| match l.kind {
            LiteralKind::Int(n) if (0..=536_870_911).contains(&n) => Some(n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let next = highest + 1;
    let enum_value = matches!(item.kind, ItemKind::Enum(_));
    Some(match (19000..=19999).contains(&next) && !enum_value {
        true => 20000,
        false => next,
    })
}
