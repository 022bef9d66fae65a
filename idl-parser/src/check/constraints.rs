//! Field constraints and values: `@range` on numbers and `@length` on strings, bytes, lists and
//! maps with min ≤ max (A0601, A0602), `@pattern` on strings that compiles (A0603), `@default`
//! only on optional fields (A0604) and of the field's type (A0605), `@status` in 400..=599
//! (A0606).
//!
//! Why: constraints become validators in every generated server and schema; one that can never
//! hold, or that cannot apply to the field, is a bug in the contract, not in the data.
//!
//! ```accord
//! struct A {
//!     @range(min = 10, max = 1)  n: i32 = 1;       // A0601
//!     @length(max = 3)           b: bool = 2;      // A0602
//!     @pattern("[a-")            s: string = 3;    // A0603
//!     @default(1)                r: i32 = 4;       // A0604
//! }
//! ```
//!
//! Called by: `lower::decls`, for each field (constraints and `@default`) and each `error`
//! (`@status`).

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::syntax::{Annotation, Ident, LiteralKind};

/// The HTTP status of an error (500 unless `@status` says otherwise).
pub(crate) fn status(ann: Option<&Annotation>, diags: &mut Vec<Diagnostic>) -> u16 {
    let Some(ann) = ann else { return 500 };
    match super::annotations::arg(ann) {
        Some(LiteralKind::Int(code)) if (400..=599).contains(code) => *code as u16,
        Some(LiteralKind::Int(code)) => {
            diags.push(
                Diagnostic::new(
                    &codes::STATUS_RANGE,
                    format!("status {code} is not a client or server error"),
                    ann.span,
                )
                .with_help("an error's status is in 400..=599"),
            );
            500
        }
        _ => 500,
    }
}

/// One field, as its constraint annotations are judged. Lowering reads each annotation into
/// the model's value (`lower::decls`) and keeps it only when the rule here accepts it.
pub(crate) struct FieldRules<'a> {
    pub ty: &'a Type,
    pub optional: bool,
    pub name: &'a Ident,
}

impl FieldRules<'_> {
    fn not_applicable(
        &self,
        ann: &Annotation,
        applies: &str,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) {
        diags.push(
            Diagnostic::new(
                &codes::CONSTRAINT_TYPE,
                format!(
                    "`@{}` does not apply to `{}` of type `{}`",
                    ann.name.text,
                    self.name.text,
                    describe(self.ty, model)
                ),
                ann.span,
            )
            .with_help(format!("`@{}` applies to {applies}", ann.name.text)),
        );
    }

    /// `@range`, read as `bounds`: a numeric field, integer bounds on an integer field, min ≤ max.
    pub fn range(
        &self,
        ann: &Annotation,
        bounds: &Bounds<Number>,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        let Type::Scalar(s) = self.ty else {
            self.not_applicable(ann, "numeric fields", model, diags);
            return false;
        };
        if !s.is_numeric() {
            self.not_applicable(ann, "numeric fields", model, diags);
            return false;
        }
        let has_float = [bounds.min, bounds.max]
            .iter()
            .flatten()
            .any(|n| matches!(n, Number::Float(_)));
        if has_float && !s.is_float() {
            diags.push(Diagnostic::new(
                &codes::CONSTRAINT_TYPE,
                format!(
                    "`{}` is an integer field; its `@range` bounds must be integers",
                    self.name.text
                ),
                ann.span,
            ));
            return false;
        }
        order(
            ann,
            bounds.min.map(Number::as_f64),
            bounds.max.map(Number::as_f64),
            diags,
        )
    }

    /// `@length`, read as `bounds`: a string, bytes, list or map, every argument a non-negative
    /// integer (each one `bounds` could read), min ≤ max.
    pub fn length(
        &self,
        ann: &Annotation,
        bounds: &Bounds<u64>,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        let applies = match self.ty {
            Type::Scalar(s) => matches!(s, Scalar::String | Scalar::Bytes),
            Type::List(_) | Type::Map(..) => true,
            Type::Named(_) => false,
        };
        if !applies {
            self.not_applicable(ann, "strings, bytes, lists and maps", model, diags);
            return false;
        }
        let given = ann.args.as_ref().map_or(0, Vec::len);
        if [bounds.min, bounds.max].iter().flatten().count() != given {
            diags.push(Diagnostic::new(
                &codes::ANNOTATION_ARGS,
                "`@length` bounds are non-negative integers",
                ann.span,
            ));
            return false;
        }
        order(
            ann,
            bounds.min.map(|v| v as f64),
            bounds.max.map(|v| v as f64),
            diags,
        )
    }

    /// `@pattern`: a string field, and a regular expression that means the same in Rust and in
    /// ECMA-262 (JSON Schema).
    pub fn pattern(&self, ann: &Annotation, model: &Model, diags: &mut Vec<Diagnostic>) -> bool {
        if *self.ty != Type::Scalar(Scalar::String) {
            self.not_applicable(ann, "string fields", model, diags);
            return false;
        }
        let Some(LiteralKind::String { value, .. }) = super::annotations::arg(ann) else {
            return false;
        };
        match regex::Regex::new(value) {
            Ok(_) => match super::regex_dialect::ecma_problem(value) {
                None => true,
                Some(problem) => {
                    diags.push(
                        Diagnostic::new(
                            &codes::PATTERN_INVALID,
                            "`@pattern` is valid Rust regex syntax but not ECMA-262 (JSON Schema)",
                            ann.span,
                        )
                        .with_label(format!("uses {problem}"))
                        .with_help(
                            "patterns must mean the same to the generated Rust and to JSON Schema \
                             and OpenAPI validators; write them in the syntax both share",
                        ),
                    );
                    false
                }
            },
            Err(e) => {
                let why = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                diags.push(Diagnostic::new(&codes::PATTERN_INVALID, "`@pattern` is not a valid regular expression", ann.span)
                    .with_label(why)
                    .with_help("the pattern uses Rust `regex` syntax; a raw string (r\"...\") avoids double escaping"));
                false
            }
        }
    }

    /// `@default`, read as `value` (`None` when its literal is no value of the field's type):
    /// only on an optional field, and of its type.
    pub fn default(
        &self,
        ann: &Annotation,
        value: Option<&Value>,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        if !self.optional {
            diags.push(
                Diagnostic::new(
                    &codes::DEFAULT_REQUIRED,
                    format!("`@default` on the required field `{}`", self.name.text),
                    ann.span,
                )
                .with_help(format!(
                    "a default applies when the field is absent: make it optional (`{}?:`)",
                    self.name.text
                )),
            );
            return false;
        }
        let Some(lit) = super::annotations::arg(ann) else {
            return false;
        };
        if value.is_none() {
            diags.push(Diagnostic::new(&codes::DEFAULT_TYPE, format!("`{}` is not a value of type `{}`", crate::syntax::literal_text(lit), describe(self.ty, model)), ann.span)
                .with_help("the default is a literal of the field's type; an enum value is written by name"));
        }
        value.is_some()
    }
}

fn order(
    ann: &Annotation,
    min: Option<f64>,
    max: Option<f64>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => {
            diags.push(
                Diagnostic::new(
                    &codes::BOUNDS_ORDER,
                    format!("`@{}` has min {lo} greater than max {hi}", ann.name.text),
                    ann.span,
                )
                .with_help("no value could satisfy it; swap the bounds"),
            );
            false
        }
        _ => true,
    }
}

/// A type as written, for messages.
pub(crate) fn describe(ty: &Type, model: &Model) -> String {
    match ty {
        Type::Scalar(s) => s.name().to_string(),
        Type::List(t) => format!("list<{}>", describe(t, model)),
        Type::Map(k, v) => format!("map<{}, {}>", k.name(), describe(v, model)),
        Type::Named(id) => model.decl(*id).name.clone(),
    }
}
