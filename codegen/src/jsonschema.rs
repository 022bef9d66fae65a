//! JSON Schema 2020-12: one file per declaration, `<package>/<Type>.schema.json`.
//!
//! Each file's `$id` is its path relative to the `jsonschema/` folder, and references to other
//! declarations are relative to it (`Money.schema.json`, `../ftgo.common/Money.schema.json`), so
//! a tool that registers every file under its `$id` resolves them all. The schemas are built by
//! [`crate::schema`], the same ones the AsyncAPI payloads embed.

use crate::schema::{JsonSchemaFile, SchemaBuilder, to_json};
use crate::{OutputFile, parallel};
use accord_idl::Model;
use accord_idl::model::DeclId;

/// The meta-schema every file declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One schema file per declaration of the model, in declaration order (on every core).
pub fn emit(model: &Model) -> Vec<OutputFile> {
    let ids: Vec<DeclId> = model.decl_ids().collect();
    parallel::map(&ids, |&id| {
        OutputFile::new(file_id(model, id), to_json(&document(model, id)))
    })
}

/// The file of a declaration, which is also its `$id`: `ftgo.order/Order.schema.json`.
pub fn file_id(model: &Model, id: DeclId) -> String {
    let decl = model.decl(id);
    format!(
        "{}/{}.schema.json",
        model.package(decl.package).name,
        decl.name
    )
}

/// The schema document of one declaration.
pub fn document(model: &Model, id: DeclId) -> JsonSchemaFile<'_> {
    let from = model.decl(id).package;
    let refs = |target: DeclId| {
        let decl = model.decl(target);
        if decl.package == from {
            format!("{}.schema.json", decl.name)
        } else {
            format!("../{}", file_id(model, target))
        }
    };
    JsonSchemaFile {
        dialect: DIALECT,
        id: file_id(model, id),
        schema: SchemaBuilder { model, refs: &refs }.decl(id),
    }
}
