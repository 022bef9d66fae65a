//! Field and enum numbers: fields (and union variants) in 1..=536870911 outside 19000..=19999,
//! unique, never reserved; enum values any unique i32, never reserved.
//!
//! Why: the numbers are protobuf's field and enum numbers, the stable identity of a member on
//! the wire; protobuf itself rejects these cases, and reusing a retired number corrupts old data.
//!
//! ```accord
//! struct A { x: i64 = 0; y: i64 = 19001; z: i64 = 5; reserved 5; }   // A0201, A0202, A0203
//! ```
//!
//! Called by: `lower::decls`, for the fields, variants and enum values of each declaration and its
//! `reserved` clauses.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::Reserved;
use crate::source::Span;
use crate::syntax::{Literal, LiteralKind, ReservedDecl};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

const FIELD_MAX: i128 = 536_870_911;

/// Reserved ranges: integer ends (others are reported, and lowering leaves the range out), the
/// smaller first.
pub(crate) fn reserved(decls: &[ReservedDecl], diags: &mut Vec<Diagnostic>) {
    for range in decls.iter().flat_map(|d| &d.ranges) {
        let start = int(&range.start, diags);
        let end = range.end.as_ref().map_or(start, |e| int(e, diags));
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            diags.push(
                Diagnostic::new(
                    &codes::FIELD_NUMBER_RANGE,
                    format!("reserved range {s} to {e} is empty"),
                    range.span,
                )
                .with_help("write the smaller number first"),
            );
        }
    }
}

fn int(lit: &Literal, diags: &mut Vec<Diagnostic>) -> Option<i128> {
    match lit.kind {
        LiteralKind::Int(v) => Some(v),
        ref other => {
            diags.push(Diagnostic::new(
                &codes::FIELD_NUMBER_RANGE,
                format!("expected an integer, found {}", other.describe()),
                lit.span,
            ));
            None
        }
    }
}

/// Tracks the numbers of one declaration's members.
pub(crate) struct Numbers<'r> {
    /// A B-tree: a declaration has few members, and a few comparisons beat hashing.
    seen: BTreeMap<i128, Span>,
    reserved: &'r [Reserved],
    parent: String,
}

impl<'r> Numbers<'r> {
    pub fn new(parent: impl Into<String>, reserved: &'r [Reserved]) -> Numbers<'r> {
        Numbers {
            seen: BTreeMap::new(),
            reserved,
            parent: parent.into(),
        }
    }

    /// A field or variant number; `0` (harmless) when it is invalid.
    pub fn field(&mut self, lit: &Literal, diags: &mut Vec<Diagnostic>) -> u32 {
        let Some(n) = int(lit, diags) else { return 0 };
        if !(1..=FIELD_MAX).contains(&n) {
            diags.push(
                Diagnostic::new(
                    &codes::FIELD_NUMBER_RANGE,
                    format!("field number {n} is outside 1..=536870911"),
                    lit.span,
                )
                .with_help("field numbers start at 1"),
            );
            return 0;
        }
        if (19000..=19999).contains(&n) {
            diags.push(
                Diagnostic::new(
                    &codes::FIELD_NUMBER_RESERVED_RANGE,
                    format!("field number {n} is in 19000..=19999"),
                    lit.span,
                )
                .with_help("protobuf reserves these numbers for itself; pick another"),
            );
        }
        self.common(n, lit.span, diags);
        n as u32
    }

    /// An enum value number.
    pub fn enum_value(&mut self, lit: &Literal, diags: &mut Vec<Diagnostic>) -> i32 {
        let Some(n) = int(lit, diags) else { return 0 };
        let Ok(v) = i32::try_from(n) else {
            diags.push(Diagnostic::new(
                &codes::ENUM_NUMBER_RANGE,
                format!("enum number {n} does not fit in an i32"),
                lit.span,
            ));
            return 0;
        };
        self.common(n, lit.span, diags);
        v
    }

    fn common(&mut self, n: i128, span: Span, diags: &mut Vec<Diagnostic>) {
        if self
            .reserved
            .iter()
            .any(|r| (r.start as i128..=r.end as i128).contains(&n))
        {
            diags.push(
                Diagnostic::new(
                    &codes::NUMBER_RESERVED,
                    format!("number {n} is reserved in `{}`", self.parent),
                    span,
                )
                .with_help("reserved numbers may never be reused; pick another"),
            );
        }
        match self.seen.entry(n) {
            Entry::Occupied(first) => diags.push(
                Diagnostic::new(
                    &codes::NUMBER_DUPLICATE,
                    format!("number {n} is already used in `{}`", self.parent),
                    span,
                )
                .with_label("used again here")
                .with_secondary(*first.get(), "first used here"),
            ),
            Entry::Vacant(slot) => {
                slot.insert(span);
            }
        }
    }
}
