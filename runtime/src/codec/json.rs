//! JSON read into a `serde_json::Value` with every object's member names unique.
//!
//! RFC 8259 §4 leaves an object with a repeated name to each reader ("last wins" for
//! serde_json's `Value`, "first wins" elsewhere), so two parsers in a chain (a gateway that
//! checks `{"amount": 1}` and a service that reads the `"amount": 1000` after it) can see two
//! different requests. Accord refuses such a document (`docs/wire.md`, JSON encoding of values).
//!
//! One pass, building the same `Value` serde_json's own `Deserialize` builds, with one more
//! test per member (the map's insert already says whether the name was there), so a request
//! costs no second parse. The path of a repeated member is put together only on the way out
//! of a refused document.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};
use std::fmt;

/// Why a document was not read.
#[derive(Debug)]
pub enum JsonError {
    /// Not JSON (or deeper than serde_json's recursion limit).
    Syntax(serde_json::Error),
    /// An object names a member twice.
    Duplicate(Duplicate),
}

/// A member named twice in one object: its name and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The member's name.
    pub name: String,
    /// The member's path as violations name fields (`line_items[0].quantity`).
    pub path: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax(e) => write!(f, "malformed JSON: {e}"),
            JsonError::Duplicate(d) => write!(f, "{}: {}", d.path, d.message()),
        }
    }
}

impl Duplicate {
    /// What a violation says of it.
    pub fn message(&self) -> String {
        format!(
            "member {:?} appears more than once in its object",
            self.name
        )
    }
}

/// Reads a whole JSON document; an object that repeats a member name is refused.
pub fn value_from_slice(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut found = None;
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let read = Unique { found: &mut found }
        .deserialize(&mut reader)
        .and_then(|value| reader.end().map(|()| value));
    match (read, found) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(found)) => Err(JsonError::Duplicate(found.finish())),
        (Err(e), None) => Err(JsonError::Syntax(e)),
    }
}

/// Where a repeated member was found: the steps to it, innermost first (the member itself),
/// each added while the error travels out.
struct Found {
    name: String,
    steps: Vec<Step>,
}

enum Step {
    Member(String),
    Index(usize),
}

impl Found {
    fn finish(self) -> Duplicate {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Member(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        Duplicate {
            name: self.name,
            path,
        }
    }
}

/// The seed (and visitor) of one value.
struct Unique<'a> {
    found: &'a mut Option<Found>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Unique<'_> {
    /// The seed of a value inside this one.
    fn inner(&mut self) -> Unique<'_> {
        Unique {
            found: &mut *self.found,
        }
    }

    /// Records the step into the value that failed, when a repeated member made it fail.
    fn step<E>(&mut self, step: impl FnOnce() -> Step, error: E) -> E {
        if let Some(found) = self.found.as_mut() {
            found.steps.push(step());
        }
        error
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(self.inner()) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => {
                    let index = items.len();
                    return Err(self.step(|| Step::Index(index), e));
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = match map.next_value_seed(self.inner()) {
                Ok(value) => value,
                Err(e) => return Err(self.step(|| Step::Member(name), e)),
            };
            // One lookup: the entry says whether the name was there.
            match members.entry(name) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    let name = slot.key().clone();
                    *self.found = Some(Found {
                        steps: vec![Step::Member(name.clone())],
                        name,
                    });
                    return Err(de::Error::custom("duplicate member"));
                }
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duplicate(text: &str) -> Duplicate {
        match value_from_slice(text.as_bytes()) {
            Err(JsonError::Duplicate(d)) => d,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": 1, "b": [true, null, -2, 18446744073709551615, 1.5e3, "x\u00e9"], "c": {}}"#,
            "[]",
            "\"s\"",
            "0",
            r#"{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}"#,
        ] {
            let ours = value_from_slice(text.as_bytes()).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            assert_eq!(ours.to_string(), theirs.to_string(), "member order kept");
        }
    }

    #[test]
    fn a_repeated_member_is_refused_with_its_path() {
        assert_eq!(
            duplicate(r#"{"amount": 1, "amount": 1000}"#),
            Duplicate {
                name: "amount".into(),
                path: "amount".into()
            }
        );
        let nested = r#"{"line_items": [{"q": 1}, {"menu": "a", "q": 2, "q": 3}]}"#;
        assert_eq!(duplicate(nested).path, "line_items[1].q");
        assert_eq!(
            duplicate(r#"[[{"x": {"y": 1, "y": 1}}]]"#).path,
            "[0][0].x.y"
        );
        // Escapes name the same member.
        assert_eq!(duplicate(r#"{"a": 1, "\u0061": 2}"#).name, "a");
        assert!(duplicate(r#"{"a": 1, "a": 2}"#).message().contains("\"a\""));
    }

    #[test]
    fn malformed_documents_are_syntax_errors() {
        for text in ["{", "{\"a\": 1,}", "[1] 2", "", "{\"a\" 1}", "nul"] {
            assert!(
                matches!(value_from_slice(text.as_bytes()), Err(JsonError::Syntax(_))),
                "{text}"
            );
        }
        let deep = "[".repeat(10_000);
        assert!(matches!(
            value_from_slice(deep.as_bytes()),
            Err(JsonError::Syntax(_))
        ));
        assert_eq!(value_from_slice(b"{}").unwrap(), json!({}));
    }
}
