//! Files and packages: syntax errors as diagnostics, imports that are refused, unreadable or
//! close a cycle, the `package` clause, one semantic `version` per package.
//!
//! Why: an import cycle has no load order a reader can follow, and a package whose files
//! disagree on its version has no version at all.
//!
//! ```accord
//! // a.accord                      // b.accord
//! package p; version 1.0.0;        package p; version 1.1.0;   // A0405: p is 1.0.0 in a.accord
//! import "b.accord";               import "a.accord";          // A0402: a → b → a
//! ```
//!
//! Called by: `compile` (syntax errors, refused and unreadable imports, import cycles) and
//! `lower/mod.rs` (`package` and `version` clauses).

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::{self, LiteralKind, ParsedFile};
use std::path::{Path, PathBuf};

/// Reports every import that closes a cycle, at that import (iterative DFS: no deep recursion).
pub(crate) fn import_cycles(files: &[ParsedFile], diags: &mut Vec<Diagnostic>) {
    // Index by id (not a search per import: a long import chain would cost quadratic time).
    let mut by_id = vec![None; files.iter().map(|f| f.id.0 as usize + 1).max().unwrap_or(0)];
    for (i, f) in files.iter().enumerate() {
        by_id[f.id.0 as usize] = Some(i);
    }
    let index = |id: FileId| by_id.get(id.0 as usize).copied().flatten();
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; files.len()];
    for start in 0..files.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((at, next)) = stack.pop() {
            let Some(target) = files[at].imports.get(next) else {
                state[at] = 2;
                continue;
            };
            stack.push((at, next + 1));
            let Some(t) = target.and_then(index) else {
                continue;
            };
            match state[t] {
                0 => {
                    state[t] = 1;
                    stack.push((t, 0));
                }
                1 => diags.push(cycle(&files[at].syntax.imports[next])),
                _ => {}
            }
        }
    }
}

fn cycle(import: &syntax::Import) -> Diagnostic {
    Diagnostic::new(
        &codes::IMPORT_CYCLE,
        format!("import of `{}` closes a cycle", import.path),
        import.path_span,
    )
    .with_label("this import leads back to the importing file")
    .with_help("move the shared declarations into a file both can import")
}

/// A file without a `package` clause: its declarations cannot be named.
pub(crate) fn missing_package(file: FileId, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::PACKAGE_MISSING,
            "file has no `package` clause",
            Span::new(file, 0, 0),
        )
        .with_help("start the file with `package name;`"),
    );
}

/// The version a file states, if it is well formed (else reported).
pub(crate) fn file_version(
    file: &syntax::File,
    package_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<(semver::Version, Span)> {
    let Some(clause) = &file.version else {
        diags.push(
            Diagnostic::new(
                &codes::VERSION_INVALID,
                "package has no `version` in this file",
                package_span,
            )
            .with_help("add `version 1.0.0;` after the package clause"),
        );
        return None;
    };
    match &clause.value.kind {
        LiteralKind::Version(v) => Some((v.clone(), clause.value.span)),
        other => {
            diags.push(
                Diagnostic::new(
                    &codes::VERSION_INVALID,
                    format!("expected a semantic version, found {}", other.describe()),
                    clause.value.span,
                )
                .with_help("write MAJOR.MINOR.PATCH, as in `version 1.2.0;`"),
            );
            None
        }
    }
}

/// Every file of a package must state the version its first file states.
pub(crate) fn version_mismatch(
    package: &str,
    first: &(semver::Version, Span),
    this: &(semver::Version, Span),
    diags: &mut Vec<Diagnostic>,
) {
    if first.0 != this.0 {
        diags.push(
            Diagnostic::new(
                &codes::VERSION_MISMATCH,
                format!("package `{package}` is version {} elsewhere", first.0),
                this.1,
            )
            .with_label(format!("states {}", this.0))
            .with_secondary(first.1, "first stated here")
            .with_help("every file of a package states the same version"),
        );
    }
}

/// An import refused before the loader is asked (absolute, climbing out, not `.accord`).
pub(crate) fn refused(import: &syntax::Import, reason: &str, include: &[PathBuf]) -> Diagnostic {
    let folders: Vec<String> = include
        .iter()
        .map(|f| match f.as_os_str().is_empty() {
            true => "`.`".to_string(),
            false => format!("`{}`", f.display()),
        })
        .collect();
    Diagnostic::new(
        &codes::IMPORT_REFUSED,
        format!("cannot import `{}`: {reason}", import.path),
        import.path_span,
    )
    .with_label("imported here")
    .with_help(format!(
        "imports are `.accord` files inside the include folders ({}); pass more with `-I`",
        folders.join(", ")
    ))
}

/// An import the loader could not read.
pub(crate) fn unreadable(import: &syntax::Import, path: &Path, reason: &str) -> Diagnostic {
    Diagnostic::new(
        &codes::IMPORT_MISSING,
        format!("cannot read `{}`: {reason}", path.display()),
        import.path_span,
    )
    .with_label("imported here")
    .with_help("import paths are relative to the importing file")
}

/// A syntax error as the diagnostic every caller reports (code A0001). `accord fmt` parses
/// without compiling and reports its syntax errors through this too.
pub fn syntax_diagnostic(error: syntax::SyntaxError) -> Diagnostic {
    let diagnostic = Diagnostic::new(&codes::SYNTAX, error.message, error.span);
    match error.help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// A root that cannot be read has no span to point at: the caller gives it an empty file of
/// its own, `file`.
pub(crate) fn root_missing(path: &Path, e: &std::io::Error, file: FileId) -> Diagnostic {
    Diagnostic::new(
        &codes::IMPORT_MISSING,
        format!("cannot read `{}`: {e}", path.display()),
        Span::new(file, 0, 0),
    )
}
