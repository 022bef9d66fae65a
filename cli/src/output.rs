//! Printing diagnostics and command-line errors, the same way for every command.

use accord_idl::{Diagnostic, Sources};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticFormat {
    /// Source snippets with labels and help, like rustc (on stderr).
    Human,
    /// One JSON document with every diagnostic, for editors and CI (on stdout).
    Json,
}

/// Prints diagnostics, then (for people) a one-line summary of what was checked.
pub fn report(sources: &Sources, diagnostics: &[Diagnostic], format: DiagnosticFormat) {
    match format {
        DiagnosticFormat::Human => {
            if !diagnostics.is_empty() {
                eprint!("{}", accord_idl::render::human(sources, diagnostics));
            }
            eprintln!("{}", summary(sources.iter().count(), diagnostics));
        }
        DiagnosticFormat::Json => {
            let json = accord_idl::render::json(sources, diagnostics);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a JSON value always prints")
            );
        }
    }
}

fn summary(files: usize, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let checked = plural(files, "file");
    match (errors, warnings) {
        (0, 0) => format!("checked {checked}: no problems"),
        (0, w) => format!("checked {checked}: {}", plural(w, "warning")),
        (e, 0) => format!("checked {checked}: {}", plural(e, "error")),
        (e, w) => format!(
            "checked {checked}: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// A usage or I/O problem: the message on stderr (and, under `--format json`, as JSON on
/// stdout), exit code 2.
pub fn usage_error(message: &str, format: DiagnosticFormat) -> ExitCode {
    eprintln!("error: {}", escaped(message));
    if format == DiagnosticFormat::Json {
        println!("{:#}", usage_json(message));
    }
    ExitCode::from(2)
}

/// A usage or I/O problem as the one element of the diagnostics array (`docs/errors.md`).
pub fn usage_json(message: &str) -> serde_json::Value {
    serde_json::json!([{
        "code": null, "severity": "error", "message": message, "file": null, "line": null,
        "column": null, "end_line": null, "end_column": null, "labels": [], "help": null,
    }])
}

/// Text for a terminal: control and bidirectional characters shown escaped (`\u{1b}`).
pub fn escaped(text: &str) -> String {
    accord_idl::render::escape_terminal(text).into_owned()
}

/// A path for a terminal.
pub fn shown(path: &std::path::Path) -> String {
    escaped(&path.display().to_string())
}
