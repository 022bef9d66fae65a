//! API evolution analysis (`accord diff`): compares two checked models and classifies every
//! change as MAJOR, MINOR, PATCH or NONE, then checks each package's declared version bump.
//!
//! Matching: declarations, services and channels by qualified name; fields, enum values and union
//! variants by number (a new name at the same number is a rename). Each rule family lives in its
//! own file; [`RULES`] lists every rule id with its class and documentation.

/// Declares a family's rules once each, as a `static` (what the family pushes) and an entry of
/// the family's `RULES`: a rule cannot be pushed unregistered, and its class is never looked
/// up by string.
macro_rules! rules {
    ($($name:ident = $id:literal, $class:ident, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub static $name: Rule = Rule {
                id: $id,
                class: Class::$class,
                doc: $doc,
            };
        )*

        /// Every rule of this family.
        pub static RULES: &[&Rule] = &[$(&$name),*];
    };
}

mod decls;
pub mod render;
mod services;
pub mod version;

use crate::model::{DeclId, Model, Output, Type};
use crate::{Span, Spans};
use std::collections::HashSet;

pub use version::{Bump, Verdict};

/// How far a change reaches, ordered from harmless to breaking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    None,
    Patch,
    Minor,
    Major,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::None => "NONE",
            Class::Patch => "PATCH",
            Class::Minor => "MINOR",
            Class::Major => "MAJOR",
        }
    }
}

/// One documented rule: stable id, class, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub class: Class,
    pub doc: &'static str,
}

/// Every rule, from every family.
pub fn rules() -> Vec<&'static Rule> {
    let mut all = decls::RULES.to_vec();
    all.extend_from_slice(services::RULES);
    all
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().into_iter().find(|r| r.id == id)
}

/// One classified change, with the package it belongs to and both places when they exist.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub rule: &'static str,
    pub class: Class,
    /// Qualified name of the package whose version must account for the change.
    pub package: String,
    pub message: String,
    pub old: Option<Span>,
    pub new: Option<Span>,
}

/// The outcome of a comparison: every change and one verdict per package.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
    pub verdicts: Vec<Verdict>,
}

impl Report {
    /// True when every package's declared bump covers its changes.
    pub fn passes(&self) -> bool {
        self.verdicts.iter().all(Verdict::ok)
    }
}

/// Both sides of a comparison, passed to every rule family.
pub(crate) struct Ctx<'a> {
    pub old: &'a Model,
    pub old_spans: &'a Spans,
    pub new: &'a Model,
    pub new_spans: &'a Spans,
    pub old_dirs: Directions,
    pub new_dirs: Directions,
    pub changes: Vec<Change>,
}

impl Ctx<'_> {
    pub fn push(
        &mut self,
        rule: &'static Rule,
        package: &str,
        message: String,
        old: Option<Span>,
        new: Option<Span>,
    ) {
        self.changes.push(Change {
            rule: rule.id,
            class: rule.class,
            package: package.to_string(),
            message,
            old,
            new,
        });
    }
}

/// Compares two models and returns every change plus the per-package verdicts.
pub fn compare(old: &Model, old_spans: &Spans, new: &Model, new_spans: &Spans) -> Report {
    let mut ctx = Ctx {
        old,
        old_spans,
        new,
        new_spans,
        old_dirs: Directions::of(old),
        new_dirs: Directions::of(new),
        changes: Vec::new(),
    };
    decls::compare(&mut ctx);
    services::compare(&mut ctx);
    let verdicts = version::verdicts(old, new, &ctx.changes);
    Report {
        changes: ctx.changes,
        verdicts,
    }
}

/// Which declarations are reachable from the request side and from the response side.
#[derive(Default)]
pub(crate) struct Directions {
    pub request: HashSet<DeclId>,
    pub response: HashSet<DeclId>,
}

impl Directions {
    fn of(model: &Model) -> Directions {
        let mut request = Vec::new();
        let mut response = Vec::new();
        for service in &model.services {
            for op in &service.operations {
                request.extend(op.input);
                response.extend(op.output.decl());
                response.extend(op.throws.iter().copied());
            }
            for &c in &service.subscribes {
                request.extend(model.channel(c).messages.iter().copied());
            }
            for &c in &service.publishes {
                response.extend(model.channel(c).messages.iter().copied());
            }
        }
        Directions {
            request: reach(model, request),
            response: reach(model, response),
        }
    }

    /// True when a change that breaks only one side touches that side.
    pub fn on_request(&self, id: DeclId) -> bool {
        self.request.contains(&id)
    }

    pub fn on_response(&self, id: DeclId) -> bool {
        self.response.contains(&id)
    }
}

fn reach(model: &Model, mut todo: Vec<DeclId>) -> HashSet<DeclId> {
    let mut seen = HashSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for field in members(model, id) {
            named(&field.ty, &mut todo);
        }
    }
    seen
}

fn members(model: &Model, id: DeclId) -> &[crate::model::Field] {
    match &model.decl(id).kind {
        crate::model::DeclKind::Struct(s) => &s.fields,
        crate::model::DeclKind::Union(u) => &u.variants,
        crate::model::DeclKind::Enum(_) => &[],
    }
}

fn named(ty: &Type, out: &mut Vec<DeclId>) {
    match ty {
        Type::Named(d) => out.push(*d),
        Type::List(t) | Type::Map(_, t) => named(t, out),
        Type::Scalar(_) => {}
    }
}

/// A type spelled with qualified names, so types of two models compare by meaning.
pub(crate) fn type_text(model: &Model, ty: &Type) -> String {
    match ty {
        Type::Scalar(s) => s.name().to_string(),
        Type::List(t) => format!("list<{}>", type_text(model, t)),
        Type::Map(k, v) => format!("map<{}, {}>", k.name(), type_text(model, v)),
        Type::Named(d) => model.qualified_decl_name(*d),
    }
}

/// An operation's output spelled with qualified names.
pub(crate) fn output_text(model: &Model, out: &Output) -> String {
    match out {
        Output::None => "no reply (notify)".into(),
        Output::Unit => "()".into(),
        Output::Single(d) => model.qualified_decl_name(*d),
        Output::Stream(d) => format!("stream {}", model.qualified_decl_name(*d)),
    }
}

#[cfg(test)]
mod tests;
