//! Naming conventions (warning W0101): `PascalCase` types, services; `snake_case` fields,
//! variants, operations and channels; `SCREAMING_SNAKE_CASE` enum values.
//!
//! Why: every emitter converts names to its target's conventions; names that already follow
//! ours convert predictably (`order_id` → `orderId` → `OrderId`) and read the same everywhere.
//!
//! ```accord
//! struct order_line { MenuItem: string = 1; }   // W0101 twice
//! ```
//!
//! Called by: `lower::decls` and `lower::services`, for each name as it is declared.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && !s.contains('_')
}

fn is_snake(s: &str) -> bool {
    !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_screaming(s: &str) -> bool {
    !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn warn(name: &str, what: &str, convention: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::NAMING,
            format!("{what} `{name}` is not {convention}"),
            span,
        )
        .with_help(format!("{what}s are written in {convention}")),
    );
}

/// Types and services.
pub(crate) fn type_name(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if !is_pascal(name) {
        warn(name, "type", "PascalCase", span, diags);
    }
}

pub(crate) fn service_name(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if !is_pascal(name) {
        warn(name, "service", "PascalCase", span, diags);
    }
}

/// Fields, variants, operations, channels (`what` names which).
pub(crate) fn member_name(name: &str, span: Span, what: &str, diags: &mut Vec<Diagnostic>) {
    if !is_snake(name) {
        warn(name, what, "snake_case", span, diags);
    }
}

pub(crate) fn enum_value_name(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if !is_screaming(name) {
        warn(name, "enum value", "SCREAMING_SNAKE_CASE", span, diags);
    }
}
