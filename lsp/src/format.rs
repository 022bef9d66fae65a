//! Formatting: `accord fmt`'s layout, from the compiler's own printer over the file's syntax
//! tree. A file with syntax errors is not formatted (the printer needs a whole tree), and the
//! request says why.

use crate::workspace::{Compiled, path_of};
use accord_idl::check::codes;
use lsp_types::{DocumentFormattingParams, TextEdit};

pub fn format(
    c: &Compiled,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>, String> {
    let Some(file) = path_of(&params.text_document.uri).and_then(|p| c.file(&p)) else {
        return Ok(None);
    };
    let broken = c
        .compilation
        .diagnostics
        .iter()
        .any(|d| d.is(&codes::SYNTAX) && d.primary.span.file == file);
    if broken {
        return Err("the file has syntax errors: fix them to format it".into());
    }
    let Some(syntax) = c.compilation.syntax(file) else {
        return Ok(None);
    };
    let text = c.text(file);
    let formatted = accord_idl::format::format(syntax, text);
    if formatted == text {
        return Ok(Some(Vec::new()));
    }
    let whole = c.lines(file).range(0, text.len());
    Ok(Some(vec![TextEdit::new(whole, formatted)]))
}
