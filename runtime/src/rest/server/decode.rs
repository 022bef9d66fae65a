//! The operation's input from the bound fields and the body: decoded, its violations placed
//! at their paths, validated.

use crate::rest::Problem;
use crate::shape::Shape;
use crate::validate::{FieldPath, Validate, Violation, Violations};
use crate::{Context, Request};
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};

/// The input of an operation declared without one (`op ping()`): any JSON object, members
/// ignored, so a skeleton decodes it like every other input.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoInput {}

impl Validate for NoInput {
    fn validate_into(&self, _: &FieldPath<'_>, _: &mut Violations) {}
}

impl Shape for NoInput {
    fn check_shape(value: &Value, path: &FieldPath<'_>, violations: &mut Violations) {
        crate::shape::object(value, path, violations);
    }
}

/// The operation's input from the bound fields and the body's object, validated: every
/// violation of the head's fields, else of decoding, else of the input's constraints.
pub(super) fn decode<I: DeserializeOwned + Validate + Shape>(
    fields: Vec<(&'static str, Value)>,
    mut violations: Violations,
    object: Option<Map<String, Value>>,
    context: Context,
) -> Result<Request<I>, Box<Problem>> {
    if !violations.is_empty() {
        return Err(Problem::invalid(violations.into_vec()).into());
    }
    // The plain decode first: tracking paths costs on every call, so only a rejected input is
    // read again, as one JSON object, to place its violations. Without a body the fields are
    // read straight from the list (no object built on the way of a good call).
    let decoded = match object {
        Some(mut object) => {
            object.extend(owned_names(fields));
            let value = Value::Object(object);
            let decoded = I::deserialize(&value);
            decoded.map_err(|_| value)
        }
        None => {
            let entries = fields.iter().map(|(name, value)| (*name, value));
            I::deserialize(MapDeserializer::<_, serde_json::Error>::new(entries))
                .map_err(|_| Value::Object(owned_names(fields).collect()))
        }
    };
    let input = match decoded {
        Ok(input) => input,
        Err(value) => {
            let error = serde_path_to_error::deserialize::<_, I>(&value).err();
            return Err(Problem::invalid(decode_violations::<I>(&value, error)).into());
        }
    };
    input.validate_into(&FieldPath::Root, &mut violations);
    violations
        .into_result()
        .map_err(|v| Problem::invalid(v.into_vec()))?;
    Ok(Request::from_parts(context, input))
}

/// Bound fields as JSON object members.
fn owned_names(fields: Vec<(&str, Value)>) -> impl Iterator<Item = (String, Value)> {
    fields
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
}

pub(super) fn invalid(field: &str, message: &str) -> Problem {
    Problem::invalid(vec![Violation {
        field: field.to_owned(),
        message: message.to_owned(),
    }])
}

/// Every violation of an input serde could not read: the shape check finds them all; serde's
/// own error stands in should the check find none.
fn decode_violations<I: Shape>(
    value: &Value,
    error: Option<serde_path_to_error::Error<serde_json::Error>>,
) -> Vec<Violation> {
    let mut violations = Violations::new();
    I::check_shape(value, &FieldPath::Root, &mut violations);
    match (error, violations.is_empty()) {
        (Some(error), true) => vec![serde_violation(&error)],
        (None, true) => vec![Violation {
            field: String::new(),
            message: "the input could not be decoded".to_owned(),
        }],
        (_, false) => violations.into_vec(),
    }
}

/// serde stops at the first error; report it at its path, naming a missing field in the path.
fn serde_violation(error: &serde_path_to_error::Error<serde_json::Error>) -> Violation {
    let mut field = String::new();
    for segment in error.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => push_member(&mut field, key),
            Segment::Unknown => {}
        }
    }
    let message = error.inner().to_string();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        push_member(&mut field, missing);
        return Violation {
            field,
            message: "required field is missing".to_owned(),
        };
    }
    Violation { field, message }
}

fn push_member(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
}
