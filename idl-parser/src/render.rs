//! Rendering diagnostics: [`human`] (miette's graphical report, no colours, deterministic) and
//! [`json`] (one object per diagnostic, for editors and CI).
//!
//! Diagnostics are data (`crate::diagnostic`); this module is the only one that knows miette.
//!
//! Both renderers place a diagnostic by 1-based line and column, columns counted in characters
//! (Unicode scalar values), lines ending at `\n` ([`Sources::line_col`]). Human output is for
//! terminals: control characters and bidirectional controls in it (from paths, messages or the
//! quoted source) are shown escaped (`\u{1b}`), so a hostile file cannot retitle a window,
//! clear a screen or reorder what is shown. Rendering costs time linear in the number of
//! diagnostics: each snippet is read from the lines around its spans, found by binary search.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, Sources};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::fmt;

/// Where `docs/errors.md` is, relative to the repository; each code is an anchor there.
pub const DOCS: &str = "docs/errors.md";

/// Every diagnostic as miette renders it, in order, separated by blank lines.
pub fn human(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diagnostics {
        let file = d.primary.span.file;
        let source = Window {
            name: sources.get(file).path.display().to_string(),
            sources,
            file,
        };
        let report = Report { d, sources, source };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!(
                "{}[{}]: {}\n",
                severity(d.severity),
                d.code,
                d.message
            ));
        }
        out.push('\n');
    }
    escape_terminal(&out).into_owned()
}

/// `text` with every control character but newline and tab, and every bidirectional control,
/// written as `\u{…}`: safe to print on a terminal.
pub fn escape_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || crate::check::text::is_bidi_control(c)
}

/// One file as miette reads it: only the lines around a span are handed over (found through
/// the line index), and the line and column miette prints follow [`Sources::line_col`].
struct Window<'a> {
    name: String,
    sources: &'a Sources,
    file: FileId,
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.sources.get(self.file).text.as_str();
        if span.offset() + span.len() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let starts = self.sources.line_starts(self.file);
        let line = starts.partition_point(|&s| s as usize <= span.offset()) - 1;
        let first = line.saturating_sub(before);
        let from = starts[first] as usize;
        let local = SourceSpan::new((span.offset() - from).into(), span.len());
        let inner = text[from..].read_span(&local, line - first, after)?;
        let (_, column) = self.sources.line_col(self.file, span.offset() as u32);
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first,
            if before == 0 { column - 1 } else { 0 },
            inner.line_count() + first,
        );
        Ok(Box::new(contents))
    }
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
    /// The primary span's file, named so miette prints `path:line:col` above the snippet.
    source: Window<'a>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            severity(self.d.severity),
            self.d.code,
            self.d.message
        )
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
        for l in self
            .d
            .secondary
            .iter()
            .filter(|l| l.span.file != self.d.primary.span.file)
        {
            let (line, col) = self.sources.line_col(l.span.file, l.span.start);
            lines.push(format!(
                "{}: {}:{line}:{col}",
                l.message,
                self.sources.get(l.span.file).path.display()
            ));
        }
        // A binary user has no docs folder: `accord explain` prints the section from its copy.
        lines.push(format!("see `accord explain {}`", self.d.code));
        Some(Box::new(lines.join("\n")))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.d.primary.span.file;
        let primary = std::iter::once(&self.d.primary)
            .map(|l| LabeledSpan::new_primary_with_span(text(&l.message), l.span.range()));
        let rest = self
            .d
            .secondary
            .iter()
            .filter(move |l| l.span.file == file)
            .map(|l| LabeledSpan::new_with_span(text(&l.message), l.span.range()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn sample() -> (Sources, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let f = sources.add(
            "/main.accord".into(),
            "struct A {\n    id: i64 = 1;\n    id: string = 2;\n}\n".into(),
        );
        let d = Diagnostic::new(
            &crate::check::codes::DUPLICATE_MEMBER,
            "`id` is already a field of `A`",
            Span::new(f, 32, 34),
        )
        .with_label("defined again here")
        .with_secondary(Span::new(f, 15, 17), "first defined here")
        .with_help("rename one of the two");
        (sources, vec![d])
    }

    #[test]
    fn human_has_code_place_labels_help_and_link() {
        let (sources, diags) = sample();
        let out = human(&sources, &diags);
        println!("{out}");
        for part in [
            "error[A0102]",
            "/main.accord:3:5",
            "defined again here",
            "first defined here",
            "rename one",
            "see `accord explain A0102`",
        ] {
            assert!(out.contains(part), "{part} missing in\n{out}");
        }
        assert!(!out.contains('\u{1b}'), "no colour codes");
    }

    #[test]
    fn json_has_positions() {
        let (sources, diags) = sample();
        let v = json(&sources, &diags);
        assert_eq!(v[0]["line"], 3);
        assert_eq!(v[0]["column"], 5);
        assert_eq!(v[0]["end_column"], 7);
        assert_eq!(v[0]["labels"][1]["line"], 2);
    }

    /// Human and JSON output place a diagnostic on a line with non-ASCII text at one column
    /// (characters, not bytes).
    #[test]
    fn human_and_json_columns_agree_on_non_ascii_lines() {
        let mut sources = Sources::default();
        let f = sources.add(
            "/é.accord".into(),
            "// ééé\nstruct Ünï { x: Nope = 1; }\n".into(),
        );
        let at = sources.get(f).text.find("Nope").unwrap();
        let d = Diagnostic::new(
            &crate::check::codes::UNKNOWN_TYPE,
            "unknown",
            Span::new(f, at, at + 4),
        );
        let v = json(&sources, std::slice::from_ref(&d));
        assert_eq!(
            (v[0]["line"].as_u64(), v[0]["column"].as_u64()),
            (Some(2), Some(17))
        );
        let out = human(&sources, &[d]);
        assert!(out.contains("/é.accord:2:17]"), "{out}");
    }

    /// Control and bidirectional characters reach a terminal escaped, from the path, the
    /// message and the quoted source alike.
    #[test]
    fn human_output_escapes_control_characters() {
        let mut sources = Sources::default();
        let f = sources.add(
            "/a\u{1b}]0;owned\u{7}.accord".into(),
            "struct A { x: \u{1b}[2J\u{202e}Nope = 1; }\n".into(),
        );
        let d = Diagnostic::new(
            &crate::check::codes::UNKNOWN_TYPE,
            "unknown `\u{1b}[31m`",
            Span::new(f, 14, 22),
        );
        let out = human(&sources, &[d]);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(!out.contains('\u{202e}'));
        for part in [
            "/a\\u{1b}]0;owned\\u{7}.accord",
            "\\u{1b}[2J\\u{202e}Nope",
            "`\\u{1b}[31m`",
        ] {
            assert!(out.contains(part), "{part} missing in {out}");
        }
    }
}
