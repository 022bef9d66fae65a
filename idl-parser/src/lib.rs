//! The Accord front end: source text in, a checked [`Model`] (or every problem) out.
//!
//! ```text
//! source ──parse──> syntax::File ──lower + check──> Model (+ Spans beside it)
//! ```
//!
//! Nothing here touches the file system: callers pass a [`Loader`].
//!
//! Entry points: [`compile`] (roots and their imports to a checked [`Model`] and every
//! [`Diagnostic`]), [`parser::parse`] and [`format::format`] (the formatter works on one file's
//! syntax tree, comments included), [`render`] (diagnostics for people and for tools) and
//! [`evolution::compare`] (what `accord diff` reports).

pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod evolution;
pub mod format;
mod lower;
pub mod model;
pub mod parallel;
pub mod parser;
pub mod render;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod synth;

pub use check::files::syntax_diagnostic;
pub use compile::{Compilation, compile, compile_again, compile_in, compile_str, root_folders};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use model::{Model, Spans};
pub use source::{FileId, Loader, Sources, Span};
