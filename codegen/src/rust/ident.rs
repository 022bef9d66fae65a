//! Rust names for IDL names: case conversion, keyword escaping and de-duplication.
//!
//! Why one module: every generated part must agree on the name of a type, field or
//! operation, so the rules live here once.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use std::collections::HashSet;

/// Strict and reserved keywords of Rust 2024 that `r#` can escape (a `match`, which the
/// compiler turns into a few length and byte comparisons: this runs for every name written).
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// Keywords `r#` cannot escape: they get a trailing underscore instead.
fn is_unrawable(name: &str) -> bool {
    matches!(name, "self" | "Self" | "crate" | "super" | "_")
}

/// The casing a name takes in Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Types, traits, enum variants.
    Camel,
    /// Fields, operations, functions, modules.
    Snake,
    /// Statics.
    Shouty,
}

/// The Rust spelling of `name` in `case`, not yet escaped. Never empty and never starts with a
/// digit (a name of only underscores becomes `x`).
pub fn convert(name: &str, case: Case) -> String {
    let converted = match case {
        Case::Camel => name.to_upper_camel_case(),
        Case::Snake => name.to_snake_case(),
        Case::Shouty => name.to_shouty_snake_case(),
    };
    match converted.chars().next() {
        None => "x".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("x{converted}"),
        Some(_) => converted,
    }
}

/// The identifier for an already converted name, escaping keywords: `r#match`, `self_`,
/// `Self_`, `crate_`, `super_`.
pub fn ident(name: &str) -> String {
    if is_unrawable(name) {
        format!("{name}_")
    } else if is_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// Hands out distinct names in one scope: a name already taken gets a number suffix
/// (`Foo`, `Foo2`; `foo`, `foo_2`), so IDL names that differ only in case stay apart.
#[derive(Debug, Default)]
pub struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    pub fn new() -> Namer {
        Namer::default()
    }

    /// A free name for `name` in `case`.
    pub fn name(&mut self, name: &str, case: Case) -> String {
        let base = convert(name, case);
        let mut candidate = base.clone();
        let mut n = 2;
        // Compared escaped: `self` (written `self_`) and `self_` would otherwise collide.
        while self.taken.contains(&ident(&candidate)) {
            candidate = match case {
                Case::Camel => format!("{base}{n}"),
                Case::Snake | Case::Shouty => format!("{base}_{n}"),
            };
            n += 1;
        }
        self.taken.insert(ident(&candidate));
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ident("match"), "r#match");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        assert_eq!(ident("Self"), "Self_");
        assert_eq!(ident("crate"), "crate_");
        assert_eq!(ident("super"), "super_");
        assert_eq!(ident("order"), "order");
    }

    #[test]
    fn cases_convert() {
        assert_eq!(convert("APPROVAL_PENDING", Case::Camel), "ApprovalPending");
        assert_eq!(convert("createOrder", Case::Snake), "create_order");
        assert_eq!(convert("get_order", Case::Shouty), "GET_ORDER");
        assert_eq!(convert("___", Case::Snake), "x");
        assert_eq!(convert("v2", Case::Camel), "V2");
    }

    #[test]
    fn names_differing_only_in_case_stay_apart() {
        let mut namer = Namer::new();
        assert_eq!(namer.name("Call", Case::Camel), "Call");
        assert_eq!(namer.name("Thing", Case::Camel), "Thing");
        assert_eq!(namer.name("thing", Case::Camel), "Thing2");
        assert_eq!(namer.name("THING", Case::Camel), "Thing3");
        assert_eq!(namer.name("call", Case::Camel), "Call2");
        let mut fields = Namer::new();
        assert_eq!(fields.name("userId", Case::Snake), "user_id");
        assert_eq!(fields.name("user_id", Case::Snake), "user_id_2");
        assert_eq!(ident(&fields.name("self", Case::Snake)), "self_");
        assert_eq!(ident(&fields.name("self_", Case::Snake)), "self_2");
    }
}
