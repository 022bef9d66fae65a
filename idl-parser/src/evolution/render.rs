//! Rendering a [`Report`], as `accord diff` prints it: [`text`] shows each change with its old and
//! new places rendered like the compiler's diagnostics, then one verdict line per package;
//! [`json`] carries the same facts for CI.
//!
//! The report is data (`super`); this module only formats it. The old and new places come from
//! two compilations, so each change is a miette report of the old place followed by a short one of
//! the new place. They are built here rather than as `Diagnostic`s because their help links
//! `docs/evolution.md`, not the compiler's error index.

use super::version::{self, Bump, Verdict};
use super::{Change, Class, Report};
use crate::source::{Sources, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde_json::{Value, json};
use std::fmt;

/// Every change, then the verdicts and an overall line.
pub fn text(report: &Report, old: &Sources, new: &Sources) -> String {
    let mut out = String::new();
    for change in &report.changes {
        out.push_str(&change_text(change, old, new));
    }
    for v in &report.verdicts {
        out.push_str(&verdict_text(v));
        out.push('\n');
    }
    let status = if report.passes() {
        "ok: every declared version bump is enough"
    } else {
        "FAILED: a declared version bump is not enough"
    };
    out.push_str(&format!(
        "{} change(s), required {}; {status}\n",
        report.changes.len(),
        required(report).as_str()
    ));
    // Names, paths and quoted source reach a terminal: control and bidi characters escaped.
    crate::render::escape_terminal(&out).into_owned()
}

/// The highest class of any change.
fn required(report: &Report) -> Class {
    report
        .changes
        .iter()
        .map(|c| c.class)
        .max()
        .unwrap_or(Class::None)
}

/// The title with the first place (the old one when there is one), then the new place as a
/// short second report: miette shows one source per report, and the sides are two compilations.
fn change_text(change: &Change, old: &Sources, new: &Sources) -> String {
    let severity = if change.class == Class::Major {
        miette::Severity::Error
    } else {
        miette::Severity::Warning
    };
    let title = format!(
        "{} [{}] {}",
        change.class.as_str(),
        change.rule,
        change.message
    );
    let before = change.old.map(|s| Snippet::new(old, s, "before"));
    let after = change.new.map(|s| Snippet::new(new, s, "after"));
    let (first, second) = match (before, after) {
        (Some(b), a) => (Some(b), a),
        (None, a) => (a, None),
    };
    let mut out = render(&ChangeReport {
        title,
        severity,
        help: format!("see `accord explain {}`", change.rule),
        snippet: first,
    });
    if let Some(snippet) = second {
        out.push_str(&render(&ChangeReport {
            title: "after".into(),
            severity: miette::Severity::Advice,
            help: String::new(),
            snippet: Some(snippet),
        }));
    }
    out
}

fn render(report: &ChangeReport) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report).is_err() {
        out = format!("{}\n", report.title);
    }
    out.push('\n');
    out
}

/// Where every rule is documented (one row of its table per rule id).
pub const DOCS: &str = "docs/evolution.md";

/// A place in one side's sources, with its label.
#[derive(Debug)]
struct Snippet {
    source: NamedSource<String>,
    span: std::ops::Range<usize>,
    label: &'static str,
}

impl Snippet {
    fn new(sources: &Sources, span: Span, label: &'static str) -> Snippet {
        let file = sources.get(span.file);
        Snippet {
            source: NamedSource::new(file.path.display().to_string(), file.text.clone()),
            span: span.range(),
            label,
        }
    }
}

#[derive(Debug)]
struct ChangeReport {
    title: String,
    severity: miette::Severity,
    help: String,
    snippet: Option<Snippet>,
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for ChangeReport {}

impl miette::Diagnostic for ChangeReport {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|s| &s.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        let label =
            LabeledSpan::new_primary_with_span(Some(snippet.label.into()), snippet.span.clone());
        Some(Box::new(std::iter::once(label)))
    }
}

/// `shop: required MAJOR, declared MINOR (1.2.3 -> 1.3.0): NOT ENOUGH, needs at least 2.0.0`.
fn verdict_text(v: &Verdict) -> String {
    let head = format!("{}: required {}", v.package, v.required.as_str());
    let Some(new) = &v.new else {
        let status = if v.ok() { "ok" } else { "NOT ENOUGH" };
        return format!("{head}, package removed (no version to declare): {status}");
    };
    let declared = bump_name(version::declared(&v.old, new));
    let head = format!("{head}, declared {declared} ({} -> {new})", v.old);
    if v.ok() {
        format!("{head}: ok")
    } else if new.cmp_precedence(&v.old).is_lt() {
        format!("{head}: NOT ENOUGH, the version went down")
    } else {
        let least = version::minimum(&v.old, v.required);
        format!("{head}: NOT ENOUGH, needs at least {least}")
    }
}

fn bump_name(bump: Bump) -> &'static str {
    match bump {
        Bump::Down => "a lower version",
        Bump::Same => "no bump",
        Bump::Patch => "PATCH",
        Bump::Minor => "MINOR",
        Bump::Major => "MAJOR",
    }
}

/// `{changes: [{rule, class, package, message, old, new}], packages: [{package, required,
/// declared, old, new, ok, minimum}], required, ok}`; places are `{file, line, column, end_line,
/// end_column}` or null.
pub fn json(report: &Report, old: &Sources, new: &Sources) -> Value {
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "rule": c.rule,
                "class": c.class.as_str(),
                "package": c.package,
                "message": c.message,
                "old": c.old.map(|s| place(old, s)),
                "new": c.new.map(|s| place(new, s)),
            })
        })
        .collect();
    let packages: Vec<Value> = report.verdicts.iter().map(verdict_json).collect();
    json!({
        "changes": changes,
        "packages": packages,
        "required": required(report).as_str(),
        "ok": report.passes(),
    })
}

fn verdict_json(v: &Verdict) -> Value {
    json!({
        "package": v.package,
        "required": v.required.as_str(),
        "declared": v.declared().map(bump_name),
        "old": v.old.to_string(),
        "new": v.new.as_ref().map(ToString::to_string),
        "ok": v.ok(),
        "minimum": version::minimum(&v.old, v.required).to_string(),
    })
}

fn place(sources: &Sources, span: Span) -> Value {
    let (line, column) = sources.line_col(span.file, span.start);
    let (end_line, end_column) = sources.line_col(span.file, span.end);
    json!({
        "file": sources.get(span.file).path.display().to_string(),
        "line": line, "column": column, "end_line": end_line, "end_column": end_column,
    })
}
