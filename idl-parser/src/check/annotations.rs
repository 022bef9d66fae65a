//! Annotations: the known set, what each may be put on, and the shape of its arguments
//! (A0501 unknown, A0502 wrong target, A0503 wrong arguments, A0504 given twice).
//!
//! Why: a misspelt or misplaced annotation silently does nothing otherwise; the user believes a
//! field is validated or an operation is bound when it is not.
//!
//! ```accord
//! struct A { @rnage(min = 1) x: i32 = 1; }   // A0501: did you mean `@range`?
//! ```
//!
//! Only the shape is checked here; the values (status in 400..=599, min ≤ max, the regex) are
//! checked by the rule family that uses them.
//!
//! Called by: `lower` (`Lowerer::attrs` in `lower/mod.rs`, for every declaration, member, service,
//! operation and channel in `lower::decls` and `lower::services`).

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::syntax::{Annotation, AnnotationArg, Attrs, LiteralKind};

/// What an annotation is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Struct,
    Error,
    Event,
    Enum,
    Union,
    Field,
    EnumValue,
    Op,
    Notify,
    Service,
    Channel,
}

impl Target {
    fn describe(self) -> &'static str {
        match self {
            Target::Struct => "a struct",
            Target::Error => "an error",
            Target::Event => "an event",
            Target::Enum => "an enum",
            Target::Union => "a union",
            Target::Field => "a field",
            Target::EnumValue => "an enum value",
            Target::Op => "an `op`",
            Target::Notify => "a `notify`",
            Target::Service => "a service",
            Target::Channel => "a channel",
        }
    }
}

/// The arguments an annotation takes.
#[derive(Clone, Copy, Debug)]
enum Args {
    None,
    /// Nothing, or one string.
    OptString,
    /// Exactly one positional argument of this kind.
    One(Kind),
    /// A method name, then a string, then optionally `status = N`.
    Http,
    /// Two names: a relation, then an operation.
    Link,
    /// `min = ..`, `max = ..`, each at most once, numbers.
    Bounds,
    /// One literal of any kind (checked against the field's type later).
    AnyOne,
    /// A scheme name, then `key = literal` arguments (checked by `check::auth`).
    Auth,
    /// One or more strings.
    Strings,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    String,
    Name,
    Int,
    Duration,
    Version,
}

impl Kind {
    fn matches(self, lit: &LiteralKind) -> bool {
        matches!(
            (self, lit),
            (Kind::String, LiteralKind::String { .. })
                | (Kind::Name, LiteralKind::Name(_))
                | (Kind::Int, LiteralKind::Int(_))
                | (Kind::Duration, LiteralKind::Duration(_))
                | (Kind::Version, LiteralKind::Version(_))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Name => "a name",
            Kind::Int => "an integer",
            Kind::Duration => "a duration",
            Kind::Version => "a version",
        }
    }
}

use Target::*;
const ANYTHING: &[Target] = &[
    Struct, Error, Event, Enum, Union, Field, EnumValue, Op, Notify, Service, Channel,
];

/// The known annotations: name, where they go, their arguments, how to write them.
const KNOWN: &[(&str, &[Target], Args, &str)] = &[
    (
        "http",
        &[Op, Notify],
        Args::Http,
        "@http(GET, \"/path/{field}\") or @http(POST, \"/path\", status = 201)",
    ),
    (
        "query",
        &[Field],
        Args::OptString,
        "@query or @query(\"name\")",
    ),
    (
        "header",
        &[Field],
        Args::One(Kind::String),
        "@header(\"Name\")",
    ),
    (
        "channel",
        &[Op, Notify],
        Args::One(Kind::Name),
        "@channel(channel_name)",
    ),
    ("collect", &[Op], Args::One(Kind::Duration), "@collect(2s)"),
    ("status", &[Error], Args::One(Kind::Int), "@status(404)"),
    (
        "timeout",
        &[Op, Notify, Service],
        Args::One(Kind::Duration),
        "@timeout(2s)",
    ),
    ("idempotent", &[Op], Args::None, "@idempotent"),
    (
        "range",
        &[Field],
        Args::Bounds,
        "@range(min = 1, max = 100)",
    ),
    (
        "length",
        &[Field],
        Args::Bounds,
        "@length(min = 1, max = 100)",
    ),
    (
        "pattern",
        &[Field],
        Args::One(Kind::String),
        "@pattern(\"^[a-z]+$\")",
    ),
    ("default", &[Field], Args::AnyOne, "@default(literal)"),
    (
        "deprecated",
        ANYTHING,
        Args::OptString,
        "@deprecated or @deprecated(\"why\")",
    ),
    ("since", ANYTHING, Args::One(Kind::Version), "@since(1.1.0)"),
    (
        "auth",
        &[Op, Notify, Service],
        Args::Auth,
        "@auth(bearer), @auth(api_key, header = \"X-Api-Key\") or @auth(none)",
    ),
    ("hypermedia", &[Service], Args::None, "@hypermedia"),
    (
        "link",
        &[Field],
        Args::Link,
        "@link(relation, Service.operation)",
    ),
    (
        "scopes",
        &[Op, Notify, Service],
        Args::Strings,
        "@scopes(\"orders:read\", ...)",
    ),
];

/// Every known annotation's name and how it is written (`@range(min = 1, max = 100)`), in
/// the order of the table: what an editor offers as completions.
pub fn known() -> impl Iterator<Item = (&'static str, &'static str)> {
    KNOWN.iter().map(|&(name, _, _, usage)| (name, usage))
}

/// The well-formed annotations of one node, by name. A node has a handful at most, so a list
/// searched in order beats a hash map (and an empty one allocates nothing).
#[derive(Debug, Default)]
pub(crate) struct Anns<'a>(Vec<(&'a str, &'a Annotation)>);

impl<'a> Anns<'a> {
    pub fn get(&self, name: &str) -> Option<&&'a Annotation> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Keeps the first of two with one name; returns that first one when there was one.
    fn insert(&mut self, name: &'a str, ann: &'a Annotation) -> Option<&'a Annotation> {
        match self.get(name) {
            Some(first) => Some(*first),
            None => {
                self.0.push((name, ann));
                None
            }
        }
    }
}

/// The well-formed annotations of one node by name; every other one is reported.
pub(crate) fn check<'a>(attrs: &'a Attrs, target: Target, diags: &mut Vec<Diagnostic>) -> Anns<'a> {
    let mut valid = Anns::default();
    for ann in &attrs.annotations {
        let name = ann.name.text.as_str();
        let Some(&(_, targets, args, usage)) = KNOWN.iter().find(|k| k.0 == name) else {
            diags.push(unknown(ann));
            continue;
        };
        if !targets.contains(&target) {
            diags.push(
                Diagnostic::new(
                    &codes::ANNOTATION_TARGET,
                    format!("`@{name}` cannot be put on {}", target.describe()),
                    ann.span,
                )
                .with_label("not allowed here")
                .with_help(format!(
                    "`@{name}` goes on {}",
                    targets
                        .iter()
                        .map(|t| t.describe())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            continue;
        }
        if let Err(why) = check_args(ann, args) {
            diags.push(
                Diagnostic::new(
                    &codes::ANNOTATION_ARGS,
                    format!("wrong arguments to `@{name}`: {why}"),
                    ann.span,
                )
                .with_help(format!("write {usage}")),
            );
            continue;
        }
        if let Some(first) = valid.insert(name, ann) {
            diags.push(
                Diagnostic::new(
                    &codes::ANNOTATION_REPEATED,
                    format!("`@{name}` is given twice"),
                    ann.span,
                )
                .with_secondary(first.span, "first given here"),
            );
        }
    }
    valid
}

fn unknown(ann: &Annotation) -> Diagnostic {
    let name = &ann.name.text;
    let d = Diagnostic::new(
        &codes::UNKNOWN_ANNOTATION,
        format!("unknown annotation `@{name}`"),
        ann.name.span,
    );
    match super::types::suggest(name, KNOWN.iter().map(|k| k.0)) {
        Some(s) => d.with_help(format!("did you mean `@{s}`?")),
        None => d,
    }
}

fn check_args(ann: &Annotation, args: Args) -> Result<(), String> {
    let given: &[AnnotationArg] = ann.args.as_deref().unwrap_or(&[]);
    let positional = |n: usize| -> Result<(), String> {
        if given.iter().any(|a| a.key.is_some()) {
            return Err("takes no `key = value` arguments".into());
        }
        if given.len() != n {
            return Err(format!(
                "expected {n} argument{}, found {}",
                if n == 1 { "" } else { "s" },
                given.len()
            ));
        }
        Ok(())
    };
    let kind = |i: usize, k: Kind| -> Result<(), String> {
        let lit = &given[i].value.kind;
        if k.matches(lit) {
            Ok(())
        } else {
            Err(format!(
                "expected {}, found {}",
                k.describe(),
                lit.describe()
            ))
        }
    };
    match args {
        Args::None => positional(0),
        Args::OptString if given.is_empty() => Ok(()),
        Args::OptString => positional(1).and_then(|_| kind(0, Kind::String)),
        Args::One(k) => positional(1).and_then(|_| kind(0, k)),
        Args::AnyOne => positional(1),
        Args::Http => http(given).and_then(|_| kind(0, Kind::Name).and(kind(1, Kind::String))),
        Args::Link => positional(2)
            .and_then(|_| kind(0, Kind::Name))
            .and_then(|_| kind(1, Kind::Name)),
        Args::Bounds => bounds(given),
        Args::Auth => match given.first() {
            Some(first) if first.key.is_none() => kind(0, Kind::Name),
            _ => Err("expected the scheme first: `bearer`, `api_key` or `none`".into()),
        },
        Args::Strings if given.is_empty() => Err("expected at least one string".into()),
        Args::Strings if given.iter().any(|a| a.key.is_some()) => {
            Err("takes no `key = value` arguments".into())
        }
        Args::Strings => (0..given.len()).try_for_each(|i| kind(i, Kind::String)),
    }
}

/// `@http(METHOD, "path")` with an optional `status = N` after them.
fn http(given: &[AnnotationArg]) -> Result<(), String> {
    let positional = given.iter().take_while(|a| a.key.is_none()).count();
    if positional != 2 {
        return Err(format!(
            "expected a method and a path, found {positional} argument(s)"
        ));
    }
    match &given[2..] {
        [] => Ok(()),
        [status] if status.key.as_ref().is_some_and(|k| k.text == "status") => {
            match status.value.kind {
                LiteralKind::Int(_) => Ok(()),
                ref other => Err(format!(
                    "`status` must be an integer, found {}",
                    other.describe()
                )),
            }
        }
        [other, ..] => Err(match &other.key {
            Some(k) if k.text == "status" => "`status` is given twice".into(),
            Some(k) => format!("unknown argument `{}` (expected `status`)", k.text),
            None => "positional arguments come first".into(),
        }),
    }
}

/// The `key = value` argument `key` of an annotation, when given.
pub(crate) fn named<'a>(ann: &'a Annotation, key: &str) -> Option<&'a AnnotationArg> {
    ann.args
        .as_deref()?
        .iter()
        .find(|a| a.key.as_ref().is_some_and(|k| k.text == key))
}

fn bounds(given: &[AnnotationArg]) -> Result<(), String> {
    if given.is_empty() {
        return Err("expected `min = ..`, `max = ..` or both".into());
    }
    let mut seen = Vec::new();
    for arg in given {
        let Some(key) = &arg.key else {
            return Err("arguments are named: `min = ..`, `max = ..`".into());
        };
        if key.text != "min" && key.text != "max" {
            return Err(format!(
                "unknown argument `{}` (expected `min` or `max`)",
                key.text
            ));
        }
        if seen.contains(&key.text) {
            return Err(format!("`{}` is given twice", key.text));
        }
        if !matches!(arg.value.kind, LiteralKind::Int(_) | LiteralKind::Float(_)) {
            return Err(format!(
                "`{}` must be a number, found {}",
                key.text,
                arg.value.kind.describe()
            ));
        }
        seen.push(key.text.clone());
    }
    Ok(())
}

/// The single positional argument's literal (after [`check`] accepted the annotation).
pub(crate) fn arg(ann: &Annotation) -> Option<&LiteralKind> {
    ann.args.as_ref()?.first().map(|a| &a.value.kind)
}
