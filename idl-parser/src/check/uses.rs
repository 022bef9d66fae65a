//! `uses`, the services a service calls: each name is a service (A1001), not the service itself
//! (A1002), and listed once (W0104).
//!
//! Resolution: a short name resolves through the file's visible scope like any name; a qualified
//! name (`ftgo.kitchen.KitchenService`) resolves against every package in the compilation,
//! whether or not this file imports it. A saga orchestrator uses participants whose files import
//! the orchestrator's file (for its events and types), so an import back would be a cycle: `uses`
//! is a run-time dependency, not a type dependency. A qualified name whose package no loaded file
//! declares is A1001 with a hint to load that file.
//!
//! Why: the using service's AsyncAPI document gets the `send` side of the used services'
//! channel-bound operations; a name that is not a service has none, and a service sending its
//! own requests to itself is a mistake the author meant otherwise. Listing one service twice
//! changes nothing (a warning, not an error: the meaning is clear, the second is dropped).
//!
//! ```accord
//! service Orders { uses Orders, Nowhere, Kitchen, Kitchen; }   // A1002, A1001, W0104
//! ```
//!
//! Called by: `lower/mod.rs` (resolving each name of a `uses` clause, and the service of each
//! `@link`, under A1101) and `lower::services` (each service's list).

use super::{Code, codes};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// A qualified name whose package no loaded file declares, in `clause` (`uses`, or `@link`
/// which resolves its service the same way) under `code`.
pub(crate) fn package_not_loaded(
    name: &str,
    package: &str,
    span: Span,
    (clause, code): (&str, &'static Code),
) -> Diagnostic {
    Diagnostic::new(
        code,
        format!("unknown service `{name}`: no loaded file declares package `{package}`"),
        span,
    )
    .with_label("package not loaded")
    .with_help(format!(
        "`{clause}` does not import: pass the file that declares `{package}` as a root too \
         (for example its folder: `accord check api/`), or import it"
    ))
}

/// A name that resolves to a type or a channel.
pub(crate) fn not_a_service(
    name: &str,
    found: &str,
    span: Span,
    code: &'static Code,
) -> Diagnostic {
    Diagnostic::new(code, format!("`{name}` is {found}, not a service"), span)
        .with_label("expected a service")
}

/// `service S { uses S; }`.
pub(crate) fn itself(service: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::USES_SELF,
            format!("service `{service}` uses itself"),
            span,
        )
        .with_label("this service")
        .with_help("`uses` lists the other services this one calls; remove it"),
    );
}

/// The same service named twice in a service's `uses` clauses.
pub(crate) fn repeated(name: &str, first: Span, span: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::USES_REPEATED,
            format!("service `{name}` is listed twice in `uses`"),
            span,
        )
        .with_label("listed again")
        .with_secondary(first, "first listed here")
        .with_help("remove the repetition; it changes nothing"),
    );
}
