//! Duplicate names: declarations in a package (A0101); fields, union variants, enum values and
//! operations in their parent (A0102).
//!
//! Why: a name is how every emitter, every generated type and every wire message refers to the
//! thing; two with one name cannot both be addressed.
//!
//! ```accord
//! struct Order { id: i64 = 1; id: string = 2; }   // A0102: `id` is already a field of Order
//! struct string { x: i64 = 1; }                     // A0101: scalar names cannot be shadowed
//! ```
//!
//! Called by: `lower/mod.rs` (declarations of a package), `lower::decls` (members) and
//! `lower::services` (operations).

use super::{Code, codes};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

/// Remembers the first place of each name and reports later ones. The names are borrowed from
/// the syntax tree: a lookup allocates nothing. A hash map, since only lookups are made: every
/// member of every declaration goes through one.
pub(crate) struct Dups<'n> {
    seen: FxHashMap<&'n str, Span>,
    code: &'static Code,
    what: &'static str,
    parent: String,
}

impl<'n> Dups<'n> {
    /// Members (`what`: "field", "enum value", ...) of `parent`.
    pub fn members(what: &'static str, parent: impl Into<String>) -> Dups<'n> {
        Dups {
            seen: FxHashMap::default(),
            code: &codes::DUPLICATE_MEMBER,
            what,
            parent: parent.into(),
        }
    }

    /// Declarations of a package.
    pub fn decls(package: impl Into<String>) -> Dups<'n> {
        Dups {
            seen: FxHashMap::default(),
            code: &codes::DUPLICATE_DECL,
            what: "declaration",
            parent: package.into(),
        }
    }

    /// `true` when `name` is new; otherwise reports it.
    pub fn add(&mut self, name: &'n str, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
        match self.seen.entry(name) {
            Entry::Vacant(slot) => {
                slot.insert(span);
                true
            }
            Entry::Occupied(first) => {
                let first = *first.get();
                diags.push(
                    Diagnostic::new(
                        self.code,
                        format!("`{name}` is already a {} of `{}`", self.what, self.parent),
                        span,
                    )
                    .with_label("defined again here")
                    .with_secondary(first, "first defined here")
                    .with_help(format!(
                        "rename one of the two; each {} needs its own name",
                        self.what
                    )),
                );
                false
            }
        }
    }
}

/// A declaration named like a scalar could never be referred to: scalars cannot be shadowed.
pub(crate) fn scalar_shadowed(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::DUPLICATE_DECL,
            format!("`{name}` is the name of a scalar type"),
            span,
        )
        .with_label("shadows the scalar")
        .with_help("scalar names cannot be shadowed; pick another name"),
    );
}
