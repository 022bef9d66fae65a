//! Accord emitters: each a pure function of the checked [`Model`] that returns files in memory.
//!
//! Architecture invariant: emitters never see syntax or source text, never touch the file system
//! and never call one another. Only the CLI, the build.rs [`Builder`] and the macro write files.

pub mod asyncapi;
pub mod builder;
pub mod docs;
pub mod hypermedia;
pub mod jsonschema;
pub mod openapi;
pub mod proto;
pub mod rust;
pub mod schema;

pub use builder::Builder;

/// The compiler's one thread helper (`parallel::map`), capped by `parallel::with_threads`.
pub(crate) use accord_idl::parallel;

use accord_idl::Model;
use std::path::PathBuf;

/// One generated file, relative to its target's output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub contents: String,
}

impl OutputFile {
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<String>) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// The document kinds `accord build` can write, each into `OUT/<name>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    OpenApi,
    Proto,
    AsyncApi,
    JsonSchema,
    Docs,
    Rust,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::OpenApi,
        Target::Proto,
        Target::AsyncApi,
        Target::JsonSchema,
        Target::Docs,
        Target::Rust,
    ];

    /// The name used on the command line and as the output folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::OpenApi => "openapi",
            Target::Proto => "proto",
            Target::AsyncApi => "asyncapi",
            Target::JsonSchema => "jsonschema",
            Target::Docs => "docs",
            Target::Rust => "rust",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

// Emitter modules (each owned by one engineer while they are being written):
// `openapi`, `jsonschema`, `asyncapi`  -> `pub fn emit(model: &Model) -> Vec<OutputFile>`
// `proto`, `docs`                      -> `pub fn emit(model: &Model) -> Vec<OutputFile>`
// `rust` (+ `Builder` in `builder`)    -> `pub fn emit(model: &Model, options: &rust::Options) -> Vec<OutputFile>`

/// Runs one target's emitter: the one call `accord build` and the benchmark make per target.
pub fn emit(model: &Model, target: Target) -> Vec<OutputFile> {
    match target {
        Target::OpenApi => openapi::emit(model),
        Target::Proto => proto::emit(model),
        Target::AsyncApi => asyncapi::emit(model),
        Target::JsonSchema => jsonschema::emit(model),
        Target::Docs => docs::emit(model),
        Target::Rust => rust::emit(model, &rust::Options::default()),
    }
}
