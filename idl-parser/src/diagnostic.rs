//! Diagnostics as data. Rendering (human, JSON) lives in `render`; a diagnostic knows nothing
//! about how it will be shown.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One diagnostic code: its number, its severity and a one-line summary, in one place (each
/// code is a `static` of `check::codes`). A diagnostic is made from its code
/// (`Diagnostic::new(&codes::UNKNOWN_TYPE, …)`), so no call site restates the severity.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

/// A labelled place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding: a stable code (documented in `docs/errors.md`), a message, the primary place,
/// more labelled places (for duplicates: "first defined here"), and an optional help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding of `code`, with the code's severity.
    pub fn new(code: &'static Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            code: code.code,
            severity: code.severity,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Whether this is a finding of `code`.
    pub fn is(&self, code: &Code) -> bool {
        self.code == code.code
    }

    /// Text shown under the primary place.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
