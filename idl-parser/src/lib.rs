//! The Accord front end: source text in, a checked [`Model`] (or every problem) out.
//!
//! ```text
//! source ──parse──> syntax::File ──lower + check──> Model (+ Spans beside it)
//! ```
//!
//! Nothing here touches the file system: callers pass a [`Loader`].

pub mod diagnostic;
pub mod model;
pub mod source;
pub mod syntax;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use model::{Model, Spans};
pub use source::{FileId, Loader, Span, Sources};
