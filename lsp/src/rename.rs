//! Rename across files and packages: the declaration and every reference (a qualified
//! reference keeps its package and changes its last segment). Types, services, operations and
//! channels are renamed; fields are not (their names are on the wire). A rename is refused when
//! the new name is not a name, or would collide: with another name of the package (types,
//! services and channels share one namespace), another operation of the same service, or, for a
//! short reference, a name of another package its file sees (which would make it ambiguous).

use crate::index::{Index, Target};
use crate::workspace::Compiled;
use accord_idl::FileId;
use lsp_types::WorkspaceEdit;
use lsp_types::{PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, Url};
use std::collections::HashMap;

pub fn prepare(
    c: &Compiled,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some((file, offset)) = c.locate(&params.text_document.uri, params.position) else {
        return Ok(None);
    };
    match c.index().at(file, offset) {
        Some(o) if !matches!(o.target, Target::File(_) | Target::Field(..)) => {
            Ok(Some(PrepareRenameResponse::Range(c.range(o.span))))
        }
        _ => Err(
            "nothing to rename here: put the cursor on the name of a type, service, \
                  operation or channel"
                .into(),
        ),
    }
}

pub fn rename(c: &Compiled, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let at = params.text_document_position;
    let Some((file, offset)) = c.locate(&at.text_document.uri, at.position) else {
        return Ok(None);
    };
    let index = c.index();
    let Some(target) = index.at(file, offset).map(|o| o.target) else {
        return Err("nothing to rename here: put the cursor on a declared name".into());
    };
    let new = params.new_name.trim();
    if !is_name(new) {
        return Err(format!(
            "`{new}` is not a name: letters, digits and `_`, not starting with a digit"
        ));
    }
    collision(c, index, target, new)?;
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for o in index.occurrences(target) {
        let Some(uri) = c.uri(o.span.file) else {
            continue;
        };
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(c.range(o.span), new.to_string()));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}

/// A name of the language: an ASCII letter or `_`, then letters, digits and `_`, and no scalar.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && accord_idl::model::Scalar::from_name(text).is_none()
}

/// Why renaming `target` to `new` would change what a name means, if it would.
fn collision(c: &Compiled, index: &Index, target: Target, new: &str) -> Result<(), String> {
    let model = &c.compilation.model;
    let taken = |what: &str, parent: String| Err(format!("`{new}` is already {what} {parent}"));
    match target {
        Target::Decl(_) | Target::Service(_) | Target::Channel(_) => {
            let package = match target {
                Target::Decl(d) => model.decl(d).package,
                Target::Service(s) => model.service(s).package,
                Target::Channel(ch) => model.channel(ch).package,
                _ => unreachable!("matched above"),
            };
            let name = &model.package(package).name;
            if index.names(package).contains_key(new) {
                return taken("declared in package", format!("`{name}`"));
            }
            short_references(c, index, target, package, new)
        }
        Target::Op(op) => {
            let service = model.service(op.service);
            match service.operations.iter().any(|o| o.name == new) {
                true => taken("an operation of", format!("`{}`", service.name)),
                false => Ok(()),
            }
        }
        // A field's name is its JSON member and may stand in a route (`{id}`), a channel's
        // `key` or a query parameter: renaming it is a wire change made by hand.
        Target::Field(d, _) => Err(format!(
            "fields are not renamed here: a field's name is on the wire (the JSON member of `{}`, \
             maybe a route placeholder or a channel key)",
            model.decl(d).name
        )),
        Target::File(_) => Err("an imported file is renamed on disk, not here".into()),
    }
}

/// A short reference to `target` in a file that also sees another package declaring `new`
/// would become ambiguous.
fn short_references(
    c: &Compiled,
    index: &Index,
    target: Target,
    package: accord_idl::model::PackageId,
    new: &str,
) -> Result<(), String> {
    let mut files: Vec<FileId> = index
        .occurrences(target)
        .filter(|o| !o.declaration)
        .map(|o| o.span.file)
        .collect();
    files.dedup();
    for file in files {
        let other = index
            .visible(file)
            .iter()
            .find(|&&p| p != package && index.names(p).contains_key(new));
        if let Some(&p) = other {
            let path = c.path(file).display();
            let package = &c.compilation.model.package(p).name;
            return Err(format!(
                "`{new}` would be ambiguous in {path}, which also sees `{package}.{new}`"
            ));
        }
    }
    Ok(())
}
