//! Checks a JSON value against the shape of a type: every wrong type, missing required field
//! and bad union tag, each with its field path.
//!
//! Why: serde stops at the first error, but a skeleton's 400 must list every violation. The
//! skeleton decodes with serde and, only when that fails, runs [`Shape::check_shape`] to find
//! all the problems. Generated structs and unions implement it with [`object`], [`field`] and
//! [`variant`]; scalars and enums use [`leaf`].

use crate::validate::{FieldPath, Violations};
use crate::value::{Bytes, Duration, Timestamp, Uuid};
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A type whose JSON form can be checked for every violation at once.
pub trait Shape {
    /// Pushes one violation per problem found in `value` (at `path`).
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations);
}

/// A value serde reads in one piece (scalars, enums): its error is the violation.
pub fn leaf<T: DeserializeOwned>(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
    if let Err(e) = T::deserialize(value) {
        violations.push(path, e.to_string());
    }
}

/// The members of an object, or a violation when `value` is not one.
pub fn object<'v>(
    value: &'v Value,
    path: &FieldPath<'_>,
    violations: &mut Violations,
) -> Option<&'v Map<String, Value>> {
    let object = value.as_object();
    if object.is_none() {
        violations.push(path, format!("expected an object, found {}", kind(value)));
    }
    object
}

/// Member `name` of `object`: missing is a violation when `required`, present is checked.
pub fn field<T: Shape>(
    object: &Map<String, Value>,
    name: &str,
    required: bool,
    path: &FieldPath<'_>,
    violations: &mut Violations,
) {
    match object.get(name) {
        Some(value) => T::check_shape(value, &path.field(name), violations),
        None if required => violations.push(&path.field(name), "required field is missing"),
        None => {}
    }
}

/// A union's one member, when `value` is an object with exactly one member named like one of
/// the `known` variants; anything else is a violation.
pub fn variant<'v>(
    value: &'v Value,
    known: &[&str],
    path: &FieldPath<'_>,
    violations: &mut Violations,
) -> Option<(&'v str, &'v Value)> {
    let object = object(value, path, violations)?;
    let mut members = object.iter();
    let (Some((name, inner)), None) = (members.next(), members.next()) else {
        let found = object.len();
        violations.push(
            path,
            format!("expected exactly one of {known:?}, found {found} members"),
        );
        return None;
    };
    if !known.contains(&name.as_str()) {
        violations.push(
            path,
            format!("unknown variant {name:?}, expected one of {known:?}"),
        );
        return None;
    }
    Some((name, inner))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

macro_rules! leaf_shape {
    ($($t:ty),*) => {$(
        impl Shape for $t {
            fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
                leaf::<$t>(value, path, violations)
            }
        }
    )*};
}

leaf_shape!(
    bool, i32, i64, u32, u64, f32, f64, String, Bytes, Timestamp, Duration, Uuid
);

impl<T: Shape> Shape for Option<T> {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        if !value.is_null() {
            T::check_shape(value, path, violations);
        }
    }
}

impl<T: Shape> Shape for Box<T> {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        T::check_shape(value, path, violations);
    }
}

impl<T: Shape> Shape for Vec<T> {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(items) = value.as_array() else {
            violations.push(path, format!("expected an array, found {}", kind(value)));
            return;
        };
        for (i, item) in items.iter().enumerate() {
            T::check_shape(item, &path.index(i), violations);
        }
    }
}

impl<K: DeserializeOwned + Ord, V: Shape> Shape for BTreeMap<K, V> {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        let Some(object) = object(value, path, violations) else {
            return;
        };
        for (key, item) in object {
            let path = path.key(key);
            if !key_reads_as::<K>(key) {
                violations.push(&path, format!("the key {key:?} is not valid"));
            }
            V::check_shape(item, &path, violations);
        }
    }
}

/// Whether a map key reads as `K` (keys travel as strings; integer keys as decimal text):
/// asked of serde_json's own map reader, so it agrees with the decoding.
fn key_reads_as<K: DeserializeOwned + Ord>(key: &str) -> bool {
    let mut one = Map::new();
    one.insert(key.to_owned(), Value::Null);
    BTreeMap::<K, serde::de::IgnoredAny>::deserialize(&Value::Object(one)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A struct as generated code checks it: `{ id: i64, tags?: list<string> }`.
    struct Item;

    impl Shape for Item {
        fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
            let Some(object) = object(value, path, violations) else {
                return;
            };
            field::<i64>(object, "id", true, path, violations);
            field::<Option<Vec<String>>>(object, "tags", false, path, violations);
        }
    }

    fn check<T: Shape>(value: Value) -> Vec<(String, String)> {
        let mut violations = Violations::new();
        T::check_shape(&value, &FieldPath::Root, &mut violations);
        violations
            .into_vec()
            .into_iter()
            .map(|v| (v.field, v.message))
            .collect()
    }

    #[test]
    fn every_problem_is_found_with_its_path() {
        let found = check::<Vec<Item>>(json!([
            {"id": 1},
            {"tags": ["a", 2]},
            {"id": "x", "tags": null},
            7
        ]));
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["[1].id", "[1].tags[1]", "[2].id", "[3]"],
            "{found:?}"
        );
        assert_eq!(found[0].1, "required field is missing");
        assert!(found[2].1.contains("expected i64"), "{}", found[2].1);
        assert!(check::<Item>(json!({"id": 5, "extra": true})).is_empty());
    }

    #[test]
    fn maps_check_keys_and_values() {
        let found = check::<BTreeMap<i32, bool>>(json!({"1": true, "x": false, "2": 3}));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].1.contains("\"x\""), "{found:?}");
        assert!(found[1].1.contains("expected a boolean"), "{found:?}");
    }

    #[test]
    fn unions_need_exactly_one_known_member() {
        let known = ["card", "voucher"];
        let run = |value: Value| {
            let mut violations = Violations::new();
            let hit = variant(&value, &known, &FieldPath::Root, &mut violations)
                .map(|(name, _)| name.to_owned());
            (hit, violations.into_vec().len())
        };
        assert_eq!(run(json!({"card": {}})), (Some("card".into()), 0));
        assert_eq!(run(json!({"card": {}, "voucher": "v"})), (None, 1));
        assert_eq!(run(json!({})), (None, 1));
        assert_eq!(run(json!({"cash": 1})), (None, 1));
        assert_eq!(run(json!("card")), (None, 1));
    }
}
