//! Document symbols (declarations with their members), workspace symbols (every declaration,
//! service, operation and channel of the workspace whose name contains the query, case
//! ignored) and folding ranges (declarations, services' members, comment blocks, imports).

use crate::workspace::{Compiled, path_of};
use accord_idl::syntax::{self, ItemKind, ServiceMember};
use accord_idl::{FileId, Span};
use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeKind,
    FoldingRangeParams, SymbolInformation, SymbolKind, WorkspaceSymbolParams,
    WorkspaceSymbolResponse,
};

pub fn document(c: &Compiled, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let file = path_of(&params.text_document.uri).and_then(|p| c.file(&p))?;
    let syntax = c.compilation.syntax(file)?;
    let items = syntax
        .items
        .iter()
        .map(|item| item_symbol(c, item))
        .collect();
    Some(DocumentSymbolResponse::Nested(items))
}

/// What kind of symbol a declaration is.
pub fn item_kind(kind: &ItemKind) -> SymbolKind {
    match kind {
        ItemKind::Struct(s) => match s.keyword {
            syntax::StructKeyword::Struct => SymbolKind::STRUCT,
            syntax::StructKeyword::Error => SymbolKind::CLASS,
            syntax::StructKeyword::Event => SymbolKind::EVENT,
        },
        ItemKind::Enum(_) => SymbolKind::ENUM,
        ItemKind::Union(_) => SymbolKind::STRUCT,
        ItemKind::Channel(_) => SymbolKind::INTERFACE,
        ItemKind::Service(_) => SymbolKind::INTERFACE,
    }
}

fn item_detail(kind: &ItemKind) -> &'static str {
    match kind {
        ItemKind::Struct(s) => s.keyword.as_str(),
        ItemKind::Enum(_) => "enum",
        ItemKind::Union(_) => "union",
        ItemKind::Channel(_) => "channel",
        ItemKind::Service(_) => "service",
    }
}

#[allow(deprecated)] // `deprecated`: a required field of the struct, superseded by `tags`.
fn symbol(
    c: &Compiled,
    name: &syntax::Ident,
    whole: Span,
    kind: SymbolKind,
    detail: &str,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: name.text.clone(),
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: c.range(whole.to(name.span)),
        selection_range: c.range(name.span),
        children: (!children.is_empty()).then_some(children),
    }
}

fn item_symbol(c: &Compiled, item: &syntax::Item) -> DocumentSymbol {
    let field = |f: &syntax::FieldDecl| {
        let detail = format!("= {}", c.compilation.sources.slice(f.number.span));
        symbol(c, &f.name, f.span, SymbolKind::FIELD, &detail, Vec::new())
    };
    let children: Vec<DocumentSymbol> = match &item.kind {
        ItemKind::Struct(s) => s.fields.iter().map(field).collect(),
        ItemKind::Union(u) => u.variants.iter().map(field).collect(),
        ItemKind::Enum(e) => e
            .values
            .iter()
            .map(|v| {
                let detail = format!("= {}", c.compilation.sources.slice(v.number.span));
                symbol(
                    c,
                    &v.name,
                    v.span,
                    SymbolKind::ENUM_MEMBER,
                    &detail,
                    Vec::new(),
                )
            })
            .collect(),
        ItemKind::Channel(_) => Vec::new(),
        ItemKind::Service(s) => s
            .members
            .iter()
            .filter_map(|m| match m {
                ServiceMember::Operation(op) => {
                    let keyword = if op.notify { "notify" } else { "op" };
                    Some(symbol(
                        c,
                        &op.name,
                        op.span,
                        SymbolKind::METHOD,
                        keyword,
                        Vec::new(),
                    ))
                }
                _ => None,
            })
            .collect(),
    };
    let kind = item_kind(&item.kind);
    symbol(
        c,
        item.kind.name(),
        item.span,
        kind,
        item_detail(&item.kind),
        children,
    )
}

#[allow(deprecated)] // `deprecated`: a required field of the struct, superseded by `tags`.
pub fn workspace(c: &Compiled, params: WorkspaceSymbolParams) -> Option<WorkspaceSymbolResponse> {
    let query = params.query.to_lowercase();
    let mut out = Vec::new();
    for (file, _) in c.compilation.sources.iter() {
        let Some(syntax) = c.compilation.syntax(file) else {
            continue;
        };
        let package = syntax.package.as_ref().map(|p| p.name.text());
        let mut add = |name: &syntax::Ident, kind: SymbolKind, container: Option<String>| {
            if !name.text.to_lowercase().contains(&query) {
                return;
            }
            if let Some(location) = c.location(name.span) {
                out.push(SymbolInformation {
                    name: name.text.clone(),
                    kind,
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: container,
                });
            }
        };
        for item in &syntax.items {
            add(item.kind.name(), item_kind(&item.kind), package.clone());
            if let ItemKind::Service(s) = &item.kind {
                for m in &s.members {
                    if let ServiceMember::Operation(op) = m {
                        let container = Some(item.kind.name().text.clone());
                        add(&op.name, SymbolKind::METHOD, container);
                    }
                }
            }
        }
    }
    Some(WorkspaceSymbolResponse::Flat(out))
}

pub fn folding(c: &Compiled, params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let file = path_of(&params.text_document.uri).and_then(|p| c.file(&p))?;
    let syntax = c.compilation.syntax(file)?;
    let mut out = Vec::new();
    let mut fold = |span: Span, kind: Option<FoldingRangeKind>| {
        let range = c.range(span);
        if range.end.line > range.start.line {
            out.push(FoldingRange {
                start_line: range.start.line,
                start_character: None,
                end_line: range.end.line,
                end_character: None,
                kind,
                collapsed_text: None,
            });
        }
    };
    if let (Some(first), Some(last)) = (syntax.imports.first(), syntax.imports.last()) {
        fold(first.span.to(last.span), Some(FoldingRangeKind::Imports));
    }
    for item in &syntax.items {
        fold(item.span, Some(FoldingRangeKind::Region));
        if let Some(docs) = &item.attrs.docs {
            fold(docs.span, Some(FoldingRangeKind::Comment));
        }
        if let ItemKind::Service(s) = &item.kind {
            for m in &s.members {
                if let ServiceMember::Operation(op) = m {
                    fold(op.span, Some(FoldingRangeKind::Region));
                }
            }
        }
    }
    for run in comment_runs(c, file, &syntax.comments) {
        fold(run, Some(FoldingRangeKind::Comment));
    }
    out.sort_by_key(|r| (r.start_line, r.end_line));
    Some(out)
}

/// Comments on consecutive lines, each run as one span.
fn comment_runs(c: &Compiled, file: FileId, comments: &[syntax::Comment]) -> Vec<Span> {
    let lines = c.lines(file);
    let mut runs: Vec<(Span, u32)> = Vec::new();
    for comment in comments {
        let start = lines.position(comment.span.start as usize).line;
        let end = lines.position(comment.span.end as usize).line;
        match runs.last_mut() {
            Some((span, last)) if *last + 1 >= start => {
                *span = span.to(comment.span);
                *last = end;
            }
            _ => runs.push((comment.span, end)),
        }
    }
    runs.into_iter().map(|(span, _)| span).collect()
}
