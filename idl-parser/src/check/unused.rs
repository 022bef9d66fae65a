//! Unused imports (warning W0105): an `import` through which the importing file reaches no
//! declaration or channel it refers to.
//!
//! Why: an import is a dependency of one file on another; one that nothing needs makes every
//! build load, check and watch a file for nothing, and hides which files really depend on
//! which. Unused *declarations* are not reported (the retired W0102): a type is API surface,
//! and when one file of a multi-file package is checked alone, the files that use its types are
//! simply not loaded. Whether an import is needed, on the other hand, is decided by the
//! importing file alone.
//!
//! ```accord
//! import "money.accord";   // W0105 when nothing in this file names a type from there
//! ```
//!
//! An import counts as used when something the file declares refers to a declaration, channel
//! or service (`uses`) of the imported file or of a file it imports, transitively (visibility is
//! transitive). A file that declares nothing (one that only gathers imports, for a build) is
//! not checked. Only run when the compilation has no error: a reference that failed to resolve
//! would make its import look unused.
//!
//! Called by: `compile`, last, only when the compilation has no error.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::{FileId, Span};

/// One loaded file's imports, as the loader resolved them.
pub(crate) struct FileImports {
    pub file: FileId,
    /// Whether the file declares anything (a type, service or channel).
    pub declares: bool,
    /// Each import: the file it led to (`None`: it failed) and the clause's span.
    pub imports: Vec<(Option<FileId>, Span)>,
}

/// Reports every import of `files` that leads to nothing its file refers to.
pub(crate) fn check(
    files: &[FileImports],
    model: &Model,
    spans: &Spans,
    diags: &mut Vec<Diagnostic>,
) {
    let count = files
        .iter()
        .map(|f| f.file.0 as usize + 1)
        .max()
        .unwrap_or(0);
    let refers = references(model, spans, count);
    let mut graph = vec![Vec::new(); count];
    for f in files {
        graph[f.file.0 as usize] = f.imports.iter().filter_map(|(to, _)| *to).collect();
    }
    let mut walk = Walk {
        graph,
        seen: vec![0; count],
        round: 0,
    };
    for f in files.iter().filter(|f| f.declares) {
        let needed = &refers[f.file.0 as usize];
        for &(to, span) in &f.imports {
            if to.is_some_and(|to| !walk.reaches_any(to, needed)) {
                diags.push(unused_import(span));
            }
        }
    }
}

fn unused_import(span: Span) -> Diagnostic {
    Diagnostic::new(&codes::UNUSED_IMPORT, "this import is never used", span).with_help(
        "nothing this file declares refers to a type or channel of the imported file (or of \
         the files it imports); remove the import",
    )
}

/// For each file, the files that declare what its declarations, services and channels refer
/// to (its own included).
fn references(model: &Model, spans: &Spans, count: usize) -> Vec<Vec<FileId>> {
    let mut refers = vec![Vec::new(); count];
    let decl_file = |d: DeclId| spans.decls[d.index()].whole.file;
    let channel_file = |c: ChannelId| spans.channels[c.index()].whole.file;
    let mut add = |from: FileId, to: FileId| {
        let list: &mut Vec<FileId> = &mut refers[from.0 as usize];
        if !list.contains(&to) {
            list.push(to);
        }
    };
    for (id, decl) in model.decl_ids().zip(&model.decls) {
        for_each_ref(decl, |d| add(decl_file(id), decl_file(d)));
    }
    for (id, channel) in model.channel_ids().zip(&model.channels) {
        let from = channel_file(id);
        for &d in &channel.messages {
            add(from, decl_file(d));
        }
    }
    for (i, service) in model.services.iter().enumerate() {
        let from = spans.services[i].whole.file;
        for &c in service.publishes.iter().chain(&service.subscribes) {
            add(from, channel_file(c));
        }
        for &used in &service.uses {
            add(from, spans.services[used.index()].whole.file);
        }
        for op in &service.operations {
            let output = op.output.decl();
            for &d in op.input.iter().chain(output.iter()).chain(&op.throws) {
                add(from, decl_file(d));
            }
            if let Some(binding) = &op.channel {
                add(from, channel_file(binding.channel));
            }
        }
    }
    refers
}

/// Walks of the import graph; `seen` holds the round a file was last reached in, so a walk
/// costs what it visits, not the number of files.
struct Walk {
    graph: Vec<Vec<FileId>>,
    seen: Vec<u32>,
    round: u32,
}

impl Walk {
    /// Whether `start`, or a file it imports transitively, is one of `wanted`. A used import
    /// usually leads straight to what is used, so most walks end at their first file.
    fn reaches_any(&mut self, start: FileId, wanted: &[FileId]) -> bool {
        self.round += 1;
        let mut stack = vec![start];
        while let Some(file) = stack.pop() {
            let seen = &mut self.seen[file.0 as usize];
            if std::mem::replace(seen, self.round) == self.round {
                continue;
            }
            if wanted.contains(&file) {
                return true;
            }
            stack.extend(&self.graph[file.0 as usize]);
        }
        false
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
