//! Rendering diagnostics: [`human`] (miette's graphical report, no colours, deterministic) and
//! [`json`] (one object per diagnostic, for editors and CI).
//!
//! Diagnostics are data (`crate::diagnostic`); this module is the only one that knows miette.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde_json::{Value, json};
use std::fmt;

/// Where `docs/errors.md` is, relative to the repository; each code is an anchor there.
pub const DOCS: &str = "docs/errors.md";

/// Every diagnostic as miette renders it, in order, separated by blank lines.
pub fn human(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100).with_links(false);
    let mut out = String::new();
    for d in diagnostics {
        let (line, col) = sources.line_col(d.primary.span.file, d.primary.span.start);
        let path = sources.get(d.primary.span.file).path.display().to_string();
        let report = Report { d, sources, location: format!("{path}:{line}:{col}") };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}[{}]: {}\n", severity(d.severity), d.code, d.message));
        }
        out.push('\n');
    }
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One diagnostic as a miette report. Labels in other files than the primary one are moved to
/// the help text (miette shows one source per report).
struct Report<'a> {
    d: &'a Diagnostic,
    sources: &'a Sources,
    location: String,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}\n  --> {}", severity(self.d.severity), self.d.code, self.d.message, self.location)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut lines: Vec<String> = self.d.help.iter().cloned().collect();
        for l in self.d.secondary.iter().filter(|l| l.span.file != self.d.primary.span.file) {
            let (line, col) = self.sources.line_col(l.span.file, l.span.start);
            lines.push(format!("{}: {}:{line}:{col}", l.message, self.sources.get(l.span.file).path.display()));
        }
        lines.push(format!("see {DOCS}#{}", self.d.code.to_ascii_lowercase()));
        Some(Box::new(lines.join("\n")))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.sources.get(self.d.primary.span.file).text)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.d.primary.span.file;
        let primary = std::iter::once(&self.d.primary).map(|l| LabeledSpan::new_primary_with_span(text(&l.message), l.span.range()));
        let rest = self.d.secondary.iter().filter(move |l| l.span.file == file).map(|l| LabeledSpan::new_with_span(text(&l.message), l.span.range()));
        Some(Box::new(primary.chain(rest)))
    }
}

fn text(message: &str) -> Option<String> {
    (!message.is_empty()).then(|| message.to_string())
}

/// The diagnostics as a JSON array of
/// `{code, severity, message, file, line, column, end_line, end_column, labels[], help}`.
pub fn json(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    Value::Array(diagnostics.iter().map(|d| one(sources, d)).collect())
}

fn one(sources: &Sources, d: &Diagnostic) -> Value {
    let mut object = place(sources, d.primary.span);
    let labels: Vec<Value> = std::iter::once(&d.primary)
        .chain(&d.secondary)
        .map(|l| {
            let mut label = place(sources, l.span);
            label["message"] = json!(l.message);
            label["primary"] = json!(std::ptr::eq(l, &d.primary));
            label
        })
        .collect();
    object["code"] = json!(d.code);
    object["severity"] = json!(d.severity);
    object["message"] = json!(d.message);
    object["labels"] = json!(labels);
    object["help"] = json!(d.help);
    object
}

fn place(sources: &Sources, span: crate::Span) -> Value {
    let (line, column) = sources.line_col(span.file, span.start);
    let (end_line, end_column) = sources.line_col(span.file, span.end);
    json!({
        "file": sources.get(span.file).path.display().to_string(),
        "line": line, "column": column, "end_line": end_line, "end_column": end_column,
    })
}
