//! The Accord front end: source text in, a checked [`Model`] (or every problem) out.
//!
//! ```text
//! source ──parse──> syntax::File ──lower + check──> Model (+ Spans beside it)
//! ```
//!
//! Nothing here touches the file system: callers pass a [`Loader`].

pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod evolution;
pub mod format;
mod lower;
pub mod model;
pub mod parser;
pub mod render;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod synth;

pub use compile::{Compilation, compile, compile_str};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use model::{Model, Spans};
pub use source::{FileId, Loader, Sources, Span};

// Modules being written now (each by its owner), and the entry points they provide:
//
// - `parser` (grammar `accord.pest`): `pub fn parse(file: FileId, text: &str) -> (syntax::File, Vec<syntax::SyntaxError>)`.
//   Never panics; after a syntax error it resynchronises at the next declaration or member.
// - `format`: `pub fn format(file: &syntax::File, text: &str) -> String`, canonical layout, comments kept.
// - `lower` + `check` + `render`: `pub fn compile(roots: &[PathBuf], loader: &mut dyn Loader) -> Compilation`
//   where `Compilation { sources: Sources, model: Model, spans: Spans, diagnostics: Vec<Diagnostic> }`
//   (`model` is only meaningful when `!has_errors()`); `render::human(&Sources, &[Diagnostic]) -> String`,
//   `render::json(&Sources, &[Diagnostic]) -> serde_json::Value`.
// - `evolution`: `accord diff`.
