//! Input validation: generated `Validate` impls compose these checks recursively.

use crate::value::{Bytes, Duration, Timestamp, Uuid};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Display};
use std::sync::OnceLock;

/// Where a value sits inside the input, built without allocating while descending:
/// `line_items[0].quantity`, `labels["vip"]`, `payment.card.token` (a union variant is a member).
#[derive(Clone, Copy)]
pub enum FieldPath<'a> {
    /// The input itself.
    Root,
    /// A named member: a field or a union variant.
    Field(&'a FieldPath<'a>, &'a str),
    /// A list element.
    Index(&'a FieldPath<'a>, usize),
    /// A map entry.
    Key(&'a FieldPath<'a>, &'a dyn Display),
}

impl<'a> FieldPath<'a> {
    /// The path of member `name` below this one.
    pub fn field(&'a self, name: &'a str) -> FieldPath<'a> {
        FieldPath::Field(self, name)
    }

    /// The path of list element `index` below this one.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath::Index(self, index)
    }

    /// The path of map entry `key` below this one.
    pub fn key(&'a self, key: &'a dyn Display) -> FieldPath<'a> {
        FieldPath::Key(self, key)
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({self})")
    }
}

impl Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Root => Ok(()),
            FieldPath::Field(FieldPath::Root, name) => f.write_str(name),
            FieldPath::Field(parent, name) => write!(f, "{parent}.{name}"),
            FieldPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
            FieldPath::Key(parent, key) => write!(f, "{parent}[{:?}]", key.to_string()),
        }
    }
}

/// Collects every broken rule of an input instead of stopping at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

/// One broken rule of an input: where (`line_items[0].quantity`) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Path of the offending field; empty for the input as a whole.
    pub field: String,
    /// What is wrong, in words (`must be at least 1`).
    pub message: String,
}

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the value at `path` breaks a rule.
    pub fn push(&mut self, path: &FieldPath<'_>, message: impl Into<String>) {
        self.0.push(Violation {
            field: path.to_string(),
            message: message.into(),
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violations found so far.
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// The violations, in the order found.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// `@range(min, max)` on ints and floats; NaN is out of every range.
    pub fn range<T: PartialOrd + Display>(
        &mut self,
        path: &FieldPath<'_>,
        value: T,
        min: Option<T>,
        max: Option<T>,
    ) {
        if let Some(min) = min.filter(|min| !matches!(value.partial_cmp(min), Some(o) if o.is_ge()))
        {
            self.push(path, format!("must be at least {min}"));
        } else if let Some(max) =
            max.filter(|max| !matches!(value.partial_cmp(max), Some(o) if o.is_le()))
        {
            self.push(path, format!("must be at most {max}"));
        }
    }

    /// `@length(min, max)`: characters of a string, bytes, elements of a list or map.
    pub fn length<T: Length + ?Sized>(
        &mut self,
        path: &FieldPath<'_>,
        value: &T,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        let len = value.length();
        if let Some(min) = min.filter(|&min| len < min) {
            self.push(path, format!("length must be at least {min} (is {len})"));
        } else if let Some(max) = max.filter(|&max| len > max) {
            self.push(path, format!("length must be at most {max} (is {len})"));
        }
    }

    /// `@pattern(re)`: the string must contain a match (anchor the pattern to match it whole).
    pub fn pattern(&mut self, path: &FieldPath<'_>, value: &str, pattern: &Pattern) {
        match pattern.regex() {
            Some(re) if re.is_match(value) => {}
            Some(_) => self.push(path, format!("must match the pattern {}", pattern.source)),
            None => self.push(
                path,
                format!("the pattern {} does not compile", pattern.source),
            ),
        }
    }
}

impl Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<_> = self
            .0
            .iter()
            .map(|v| format!("{}: {}", v.field, v.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Violations {}

/// A `@pattern` regex, compiled on first use and then shared:
/// `static CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");`
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern that compiles on first use (the compiler has already checked that it does).
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex; `None` if it does not compile (reported as a violation, never a panic).
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
    }
}

/// The length `@length` measures.
pub trait Length {
    /// Characters for strings, bytes for `bytes`, elements for lists and maps.
    fn length(&self) -> usize;
}

impl Length for str {
    fn length(&self) -> usize {
        self.chars().count()
    }
}

impl Length for String {
    fn length(&self) -> usize {
        self.as_str().length()
    }
}

impl Length for Bytes {
    fn length(&self) -> usize {
        self.len()
    }
}

impl<T> Length for Vec<T> {
    fn length(&self) -> usize {
        self.len()
    }
}

impl<K, V> Length for BTreeMap<K, V> {
    fn length(&self) -> usize {
        self.len()
    }
}

impl<K, V, S> Length for HashMap<K, V, S> {
    fn length(&self) -> usize {
        self.len()
    }
}

/// Checks an input's constraints. Generated types implement `validate_into`, calling the
/// [`Violations`] checks on their own fields and `validate_into` on nested values.
///
/// A type without constraints implements it with an empty `impl` (the default records nothing).
pub trait Validate {
    /// Whether `validate_into` never records anything (scalars, enums, collections of them), so
    /// a collection skips the walk over its items. Left `false` by anything that checks.
    #[doc(hidden)]
    const TRIVIAL: bool = false;

    /// Records every violation of `self`, which sits at `path`, into `violations`.
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        let _ = (path, violations);
    }

    /// Every violation of `self`, or `Ok(())`.
    fn validate(&self) -> Result<(), Violations> {
        let mut violations = Violations::new();
        self.validate_into(&FieldPath::Root, &mut violations);
        violations.into_result()
    }
}

macro_rules! no_constraints {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            const TRIVIAL: bool = true;
        }
    )*};
}

no_constraints!(
    bool,
    i32,
    i64,
    u32,
    u64,
    f32,
    f64,
    String,
    Bytes,
    Timestamp,
    Duration,
    Uuid,
    ()
);

impl<T: Validate> Validate for Option<T> {
    const TRIVIAL: bool = T::TRIVIAL;

    #[inline]
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        if let Some(value) = self {
            value.validate_into(path, violations);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    const TRIVIAL: bool = T::TRIVIAL;

    #[inline]
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        if T::TRIVIAL {
            return;
        }
        for (i, item) in self.iter().enumerate() {
            item.validate_into(&path.index(i), violations);
        }
    }
}

impl<K: Display, V: Validate> Validate for BTreeMap<K, V> {
    const TRIVIAL: bool = V::TRIVIAL;

    #[inline]
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        if V::TRIVIAL {
            return;
        }
        for (key, value) in self {
            value.validate_into(&path.key(key), violations);
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    const TRIVIAL: bool = T::TRIVIAL;

    #[inline]
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations) {
        (**self).validate_into(path, violations);
    }
}

/// The message for an enum value a transport received but does not know, such as a query value.
pub fn unknown_enum_value(raw: &str, known: &[&str]) -> String {
    format!(
        "unknown value {raw:?}, expected one of {}",
        known.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    static CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");
    static BROKEN: Pattern = Pattern::new("([");

    struct Item {
        quantity: i32,
        code: String,
    }

    impl Validate for Item {
        fn validate_into(&self, path: &FieldPath<'_>, v: &mut Violations) {
            v.range(&path.field("quantity"), self.quantity, Some(1), Some(100));
            v.pattern(&path.field("code"), &self.code, &CURRENCY);
        }
    }

    fn fields(v: Violations) -> Vec<(String, String)> {
        v.into_vec()
            .into_iter()
            .map(|v| (v.field, v.message))
            .collect()
    }

    #[test]
    fn nested_paths_and_every_violation() {
        let items = vec![
            Item {
                quantity: 5,
                code: "EUR".into(),
            },
            Item {
                quantity: 0,
                code: "eur".into(),
            },
        ];
        let mut map = BTreeMap::new();
        map.insert(
            "vip".to_owned(),
            Item {
                quantity: 101,
                code: "USD".into(),
            },
        );
        let mut v = Violations::new();
        let root = FieldPath::Root;
        let order = root.field("order");
        items.validate_into(&order.field("line_items"), &mut v);
        map.validate_into(&root.field("labels"), &mut v);
        assert_eq!(
            fields(v),
            [
                (
                    "order.line_items[1].quantity".into(),
                    "must be at least 1".into()
                ),
                (
                    "order.line_items[1].code".into(),
                    "must match the pattern ^[A-Z]{3}$".into()
                ),
                (
                    "labels[\"vip\"].quantity".to_owned(),
                    "must be at most 100".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn ranges_on_floats_reject_nan() {
        let mut v = Violations::new();
        let root = FieldPath::Root;
        let p = root.field("x");
        v.range(&p, f64::NAN, Some(0.0), None);
        v.range(&p, 0.5, Some(0.0), Some(1.0));
        v.range(&p, 1.5, None, Some(1.0));
        v.range(&p, u64::MAX, Some(1), None);
        assert_eq!(v.as_slice().len(), 2);
    }

    #[test]
    fn lengths_count_characters_and_elements() {
        let mut v = Violations::new();
        let p = FieldPath::Root;
        v.length(&p, "héé", None, Some(3));
        v.length(&p, &Bytes::from(vec![1, 2]), Some(3), None);
        v.length(&p, &vec![1, 2, 3], Some(1), Some(2));
        v.length(&p, &BTreeMap::<i64, i64>::new(), Some(1), None);
        let messages: Vec<_> = fields(v).into_iter().map(|f| f.1).collect();
        assert_eq!(
            messages,
            [
                "length must be at least 3 (is 2)",
                "length must be at most 2 (is 3)",
                "length must be at least 1 (is 0)"
            ]
        );
    }

    #[test]
    fn a_broken_pattern_is_a_violation_not_a_panic() {
        let mut v = Violations::new();
        v.pattern(&FieldPath::Root.field("p"), "x", &BROKEN);
        assert!(v.validate_none_ok());
    }

    impl Violations {
        fn validate_none_ok(&self) -> bool {
            self.0.len() == 1 && self.0[0].message.contains("does not compile")
        }
    }
}
