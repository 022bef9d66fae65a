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

use super::annotations::Anns;
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

/// Everything needed to check one field's constraint annotations.
pub(crate) struct FieldRules<'a> {
    pub anns: &'a Anns<'a>,
    pub ty: &'a Type,
    pub optional: bool,
    pub name: &'a Ident,
}

impl FieldRules<'_> {
    pub fn check(
        &self,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> (Constraints, Option<Value>) {
        let constraints = Constraints {
            range: self
                .anns
                .get("range")
                .and_then(|a| self.range(a, model, diags)),
            length: self
                .anns
                .get("length")
                .and_then(|a| self.length(a, model, diags)),
            pattern: self
                .anns
                .get("pattern")
                .and_then(|a| self.pattern(a, model, diags)),
        };
        let default = self
            .anns
            .get("default")
            .and_then(|a| self.default(a, model, diags));
        (constraints, default)
    }

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

    fn range(
        &self,
        ann: &Annotation,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Bounds<Number>> {
        let Type::Scalar(s) = self.ty else {
            self.not_applicable(ann, "numeric fields", model, diags);
            return None;
        };
        if !s.is_numeric() {
            self.not_applicable(ann, "numeric fields", model, diags);
            return None;
        }
        let bounds = bounds(ann, |lit| match lit {
            LiteralKind::Int(i) => Some(Number::Int(*i)),
            LiteralKind::Float(f) => Some(Number::Float(*f)),
            _ => None,
        });
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
            return None;
        }
        order(
            ann,
            bounds.min.map(Number::as_f64),
            bounds.max.map(Number::as_f64),
            diags,
        )
        .then_some(bounds)
    }

    fn length(
        &self,
        ann: &Annotation,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Bounds<u64>> {
        let applies = match self.ty {
            Type::Scalar(s) => matches!(s, Scalar::String | Scalar::Bytes),
            Type::List(_) | Type::Map(..) => true,
            Type::Named(_) => false,
        };
        if !applies {
            self.not_applicable(ann, "strings, bytes, lists and maps", model, diags);
            return None;
        }
        let bounds = bounds(ann, |lit| match lit {
            LiteralKind::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        });
        let given = ann.args.as_ref().map_or(0, Vec::len);
        if [bounds.min, bounds.max].iter().flatten().count() != given {
            diags.push(Diagnostic::new(
                &codes::ANNOTATION_ARGS,
                "`@length` bounds are non-negative integers",
                ann.span,
            ));
            return None;
        }
        order(
            ann,
            bounds.min.map(|v| v as f64),
            bounds.max.map(|v| v as f64),
            diags,
        )
        .then_some(bounds)
    }

    fn pattern(
        &self,
        ann: &Annotation,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        if *self.ty != Type::Scalar(Scalar::String) {
            self.not_applicable(ann, "string fields", model, diags);
            return None;
        }
        let Some(LiteralKind::String { value, .. }) = super::annotations::arg(ann) else {
            return None;
        };
        match regex::Regex::new(value) {
            Ok(_) => match super::regex_dialect::ecma_problem(value) {
                None => Some(value.clone()),
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
                    None
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
                None
            }
        }
    }

    fn default(
        &self,
        ann: &Annotation,
        model: &Model,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Value> {
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
            return None;
        }
        let lit = super::annotations::arg(ann)?;
        let value = default_value(lit, self.ty, model);
        if value.is_none() {
            diags.push(Diagnostic::new(&codes::DEFAULT_TYPE, format!("`{}` is not a value of type `{}`", crate::syntax::literal_text(lit), describe(self.ty, model)), ann.span)
                .with_help("the default is a literal of the field's type; an enum value is written by name"));
        }
        value
    }
}

fn bounds<T>(ann: &Annotation, convert: impl Fn(&LiteralKind) -> Option<T>) -> Bounds<T> {
    let get = |key: &str| {
        ann.args
            .iter()
            .flatten()
            .find(|a| a.key.as_ref().is_some_and(|k| k.text == key))
            .and_then(|a| convert(&a.value.kind))
    };
    Bounds {
        min: get("min"),
        max: get("max"),
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

fn default_value(lit: &LiteralKind, ty: &Type, model: &Model) -> Option<Value> {
    match (ty, lit) {
        (Type::Scalar(Scalar::Bool), LiteralKind::Bool(b)) => Some(Value::Bool(*b)),
        (Type::Scalar(s), LiteralKind::Int(i)) if s.is_integer() => {
            let (lo, hi) = s.int_range()?;
            (lo..=hi).contains(i).then_some(Value::Int(*i))
        }
        (Type::Scalar(s), LiteralKind::Int(i)) if s.is_float() => Some(Value::Float(*i as f64)),
        (Type::Scalar(s), LiteralKind::Float(f)) if s.is_float() => Some(Value::Float(*f)),
        (Type::Scalar(Scalar::String), LiteralKind::String { value, .. }) => {
            Some(Value::String(value.clone()))
        }
        (Type::Scalar(Scalar::Duration), LiteralKind::Duration(d)) => Some(Value::Duration(*d)),
        (Type::Named(id), LiteralKind::Name(p)) if p.segments.len() == 1 => {
            match &model.decl(*id).kind {
                DeclKind::Enum(e) => e
                    .values
                    .iter()
                    .any(|v| v.name == p.text())
                    .then(|| Value::EnumValue(p.text())),
                _ => None,
            }
        }
        _ => None,
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
