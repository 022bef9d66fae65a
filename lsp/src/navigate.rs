//! Go to definition and find references, across files and packages: types, errors, services
//! (in `uses` and `@link`), operations (in `@link`), channels, fields and imported files.

use crate::workspace::Compiled;
use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, ReferenceParams};

pub fn definition(c: &Compiled, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let (file, offset) = c.locate(&at.text_document.uri, at.position)?;
    let index = c.index();
    let target = index.at(file, offset)?.target;
    let span = index.declaration(target)?;
    Some(GotoDefinitionResponse::Scalar(c.location(span)?))
}

pub fn references(c: &Compiled, params: ReferenceParams) -> Option<Vec<Location>> {
    let at = params.text_document_position;
    let (file, offset) = c.locate(&at.text_document.uri, at.position)?;
    let index = c.index();
    let target = index.at(file, offset)?.target;
    let wanted =
        |o: &&crate::index::Occurrence| params.context.include_declaration || !o.declaration;
    let found = index.occurrences(target).filter(wanted);
    Some(found.filter_map(|o| c.location(o.span)).collect())
}
