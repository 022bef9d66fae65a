//! The checker's diagnostics as LSP diagnostics: the same codes, messages and spans as
//! `accord check`; secondary labels as related information; the help line appended to the
//! message (the protocol has no field for it); and `codeDescription` linking to the code's
//! `accord explain` text.
//!
//! The explain link: the protocol wants a URI a client can open, and the text lives in the
//! binary. The server writes each code's text, on first use, to
//! `$XDG_CACHE_HOME/accord/explain/<version>/<CODE>.md` (else `~/.cache/...`) and links that
//! `file://` URI; the file holds exactly what `accord explain CODE` prints. Without a cache
//! folder the link is left out.

use crate::workspace::Compiled;
use accord_idl::{Diagnostic, FileId, Severity};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Url,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// Where explain texts are written, and which were.
pub struct Explainer {
    explain: fn(&str) -> Option<String>,
    folder: Option<PathBuf>,
    written: HashMap<String, Option<Url>>,
}

impl Explainer {
    pub fn new(explain: fn(&str) -> Option<String>) -> Explainer {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        let folder = cache.map(|c| {
            c.join("accord")
                .join("explain")
                .join(env!("CARGO_PKG_VERSION"))
        });
        Explainer {
            explain,
            folder,
            written: HashMap::new(),
        }
    }

    /// The `file://` URI of `code`'s explain text, written on first use.
    pub fn link(&mut self, code: &str) -> Option<Url> {
        if let Some(known) = self.written.get(code) {
            return known.clone();
        }
        let url = self.write(code);
        self.written.insert(code.to_string(), url.clone());
        url
    }

    fn write(&self, code: &str) -> Option<Url> {
        let text = (self.explain)(code)?;
        let folder = self.folder.as_ref()?;
        std::fs::create_dir_all(folder).ok()?;
        let path = folder.join(format!("{code}.md"));
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(text.as_str()) {
            std::fs::write(&path, &text).ok()?;
        }
        Url::from_file_path(&path).ok()
    }
}

/// The LSP diagnostics of every file of the compilation, by file.
pub fn by_file(
    compiled: &Compiled,
    explainer: &mut Explainer,
) -> HashMap<FileId, Vec<lsp_types::Diagnostic>> {
    let mut out: HashMap<FileId, Vec<lsp_types::Diagnostic>> = HashMap::new();
    for (file, _) in compiled.compilation.sources.iter() {
        out.insert(file, Vec::new());
    }
    for d in &compiled.compilation.diagnostics {
        let converted = convert(compiled, d, Some(&mut *explainer));
        out.entry(d.primary.span.file).or_default().push(converted);
    }
    out
}

/// `d` without its explain link (code actions quote the diagnostic they fix).
pub fn plain(compiled: &Compiled, d: &Diagnostic) -> lsp_types::Diagnostic {
    convert(compiled, d, None)
}

pub fn convert(
    compiled: &Compiled,
    d: &Diagnostic,
    explainer: Option<&mut Explainer>,
) -> lsp_types::Diagnostic {
    let span = d.primary.span;
    let range = compiled
        .lines(span.file)
        .range(span.start as usize, span.end as usize);
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(" ({})", d.primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let uri = compiled.uri(label.span.file)?;
            let lines = compiled.lines(label.span.file);
            let range = lines.range(label.span.start as usize, label.span.end as usize);
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range),
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: explainer
            .and_then(|e| e.link(d.code))
            .map(|href| CodeDescription { href }),
        source: Some("accord".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
