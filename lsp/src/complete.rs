//! Completion, from what stands before the cursor: an import path inside `import "…`, an
//! annotation after `@` (with its argument form), a channel inside `@channel(…)` or after
//! `publishes`/`subscribes`, a service after `uses`, a name of a package after `package.`, and
//! otherwise keywords, scalars and the types in scope, then the types of other loaded packages
//! with an edit that imports their file.

use crate::index::{Index, Target};
use crate::workspace::Compiled;
use accord_idl::FileId;
use accord_idl::model::Scalar;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, Position, Range,
    TextEdit,
};
use std::path::{Component, Path, PathBuf};

const KEYWORDS: &[&str] = &[
    "package",
    "version",
    "import",
    "struct",
    "error",
    "event",
    "enum",
    "union",
    "channel",
    "service",
    "op",
    "notify",
    "stream",
    "throws",
    "publishes",
    "subscribes",
    "uses",
    "reserved",
    "to",
    "list",
    "map",
    "kind",
    "address",
    "messages",
    "key",
    "format",
];

/// What the text before the cursor asks for.
#[derive(Debug, PartialEq)]
enum Context<'a> {
    Import,
    Annotation,
    Channel,
    Service,
    InPackage(&'a str),
    Anything,
}

pub fn completion(c: &Compiled, params: CompletionParams) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let (file, offset) = c.locate(&at.text_document.uri, at.position)?;
    let text = c.text(file);
    let line_start = text[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset as usize];
    let items = match context(before) {
        Context::Import => imports(c, file),
        Context::Annotation => annotations(),
        Context::Channel => names(c, file, |t| matches!(t, Target::Channel(_))),
        Context::Service => names(c, file, |t| matches!(t, Target::Service(_))),
        Context::InPackage(package) => in_package(c, package),
        Context::Anything => {
            let mut items = keywords();
            items.extend(names(c, file, |t| matches!(t, Target::Decl(_))));
            items.extend(elsewhere(c, file));
            items
        }
    };
    Some(CompletionResponse::Array(items))
}

fn context(before: &str) -> Context<'_> {
    let trimmed = before.trim_start();
    if trimmed.starts_with("import") && before.matches('"').count() % 2 == 1 {
        return Context::Import;
    }
    let head = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let word = &before[head.len()..];
    if head.ends_with('@') {
        return Context::Annotation;
    }
    if head.ends_with("@channel(") {
        return Context::Channel;
    }
    let clause = head.trim_start();
    if clause.starts_with("publishes") || clause.starts_with("subscribes") {
        return Context::Channel;
    }
    if clause.starts_with("uses") {
        return Context::Service;
    }
    match word.rsplit_once('.') {
        Some((package, _)) if !package.is_empty() => Context::InPackage(package),
        _ => Context::Anything,
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..Default::default()
    }
}

fn keywords() -> Vec<CompletionItem> {
    let keywords = KEYWORDS
        .iter()
        .map(|k| item(k, CompletionItemKind::KEYWORD, None));
    let scalars = Scalar::ALL.iter().map(|s| {
        item(
            s.name(),
            CompletionItemKind::TYPE_PARAMETER,
            Some("scalar".into()),
        )
    });
    keywords.chain(scalars).collect()
}

/// Every annotation, inserting its first argument form (`range(min = 1, max = 100)`).
fn annotations() -> Vec<CompletionItem> {
    accord_idl::check::annotations::known()
        .map(|(name, usage)| {
            let form = usage
                .split(" or ")
                .next()
                .unwrap_or(usage)
                .split(", ...")
                .next()
                .unwrap_or(usage);
            let form = form.trim_start_matches('@');
            let insert = if form.ends_with("...") { name } else { form };
            CompletionItem {
                insert_text: Some(insert.to_string()),
                ..item(name, CompletionItemKind::PROPERTY, Some(usage.to_string()))
            }
        })
        .collect()
}

fn kind_of(target: Target) -> CompletionItemKind {
    match target {
        Target::Decl(_) => CompletionItemKind::STRUCT,
        Target::Service(_) => CompletionItemKind::INTERFACE,
        Target::Channel(_) => CompletionItemKind::EVENT,
        Target::Op(_) => CompletionItemKind::METHOD,
        Target::Field(..) => CompletionItemKind::FIELD,
        Target::File(_) => CompletionItemKind::FILE,
    }
}

/// The names `file` sees by their short name, of one kind.
fn names(c: &Compiled, file: FileId, wanted: fn(Target) -> bool) -> Vec<CompletionItem> {
    let index = c.index();
    let model = &c.compilation.model;
    let mut out = Vec::new();
    for &p in index.visible(file) {
        let package = &model.package(p).name;
        for (name, &t) in index.names(p) {
            if wanted(t) {
                out.push(item(name, kind_of(t), Some(package.clone())));
            }
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

fn in_package(c: &Compiled, package: &str) -> Vec<CompletionItem> {
    let index = c.index();
    let Some(p) = index.package(package) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionItem> = index
        .names(p)
        .iter()
        .map(|(name, &t)| item(name, kind_of(t), Some(package.to_string())))
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// Types of loaded packages `file` does not see, each with the import that makes it visible.
fn elsewhere(c: &Compiled, file: FileId) -> Vec<CompletionItem> {
    let index = c.index();
    let model = &c.compilation.model;
    let visible = index.visible(file);
    let mut out = Vec::new();
    for p in model.package_ids().filter(|p| !visible.contains(p)) {
        for &d in &model.package(p).decls {
            let Some(edit) = import_edit(c, index, file, d) else {
                continue;
            };
            let package = &model.package(p).name;
            let mut completion = item(
                &model.decl(d).name,
                CompletionItemKind::STRUCT,
                Some(format!("{package} (adds an import)")),
            );
            completion.additional_text_edits = Some(vec![edit]);
            out.push(completion);
        }
    }
    out
}

/// The edit that adds `import "<file declaring d>";` to `file`, after its last import (or its
/// `version`, or its `package` clause).
pub fn import_edit(
    c: &Compiled,
    _index: &Index,
    file: FileId,
    d: accord_idl::model::DeclId,
) -> Option<TextEdit> {
    let declared_in = c.compilation.spans.decls.get(d.index())?.name.file;
    if declared_in == file {
        return None;
    }
    let from = c.path(file).parent()?;
    let relative = relative(from, c.path(declared_in))?;
    let syntax = c.compilation.syntax(file)?;
    let after = syntax
        .imports
        .last()
        .map(|i| i.span)
        .or(syntax.version.as_ref().map(|v| v.span))
        .or(syntax.package.as_ref().map(|p| p.span));
    let line = after.map_or(0, |span| c.range(span).end.line + 1);
    let at = Position::new(line, 0);
    Some(TextEdit::new(
        Range::new(at, at),
        format!("import \"{}\";\n", relative.display()),
    ))
}

/// `to` relative to the folder `from` (both absolute and normalised).
fn relative(from: &Path, to: &Path) -> Option<PathBuf> {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part.as_os_str());
    }
    Some(out)
}

/// The workspace's other files, relative to `file`'s folder.
fn imports(c: &Compiled, file: FileId) -> Vec<CompletionItem> {
    let Some(from) = c.path(file).parent() else {
        return Vec::new();
    };
    c.compilation
        .sources
        .iter()
        .filter(|(id, _)| *id != file)
        .filter_map(|(_, source)| relative(from, &source.path))
        .map(|path| item(&path.display().to_string(), CompletionItemKind::FILE, None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts() {
        assert_eq!(context("import \"com"), Context::Import);
        assert_eq!(context("import \"a.accord\";"), Context::Anything);
        assert_eq!(context("    @ra"), Context::Annotation);
        assert_eq!(context("    @channel(kit"), Context::Channel);
        assert_eq!(context("    publishes order_ev"), Context::Channel);
        assert_eq!(context("    subscribes a, b"), Context::Channel);
        assert_eq!(context("    uses Kit"), Context::Service);
        assert_eq!(
            context("  total: ftgo.common.Mo"),
            Context::InPackage("ftgo.common")
        );
        assert_eq!(context("  total: Mo"), Context::Anything);
        // The character before the word may take several bytes.
        assert_eq!(context("é𝄞Mo"), Context::Anything);
        assert_eq!(context("é@ra"), Context::Annotation);
    }

    #[test]
    fn relative_paths() {
        let r = relative(
            Path::new("/w/api/order"),
            Path::new("/w/api/common/money.accord"),
        );
        assert_eq!(r, Some(PathBuf::from("../common/money.accord")));
        let r = relative(Path::new("/w/api"), Path::new("/w/api/m.accord"));
        assert_eq!(r, Some(PathBuf::from("m.accord")));
    }
}
