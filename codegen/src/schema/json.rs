//! The JSON Schema 2020-12 writer of the mapping: `Serialize` for [`Schema`], used as is by the
//! JSON Schema files and the AsyncAPI payloads (AsyncAPI's schema objects are JSON Schema).
//! Keywords come in the order of the kind's own, then `title`, `x-accord-status`, `default`,
//! `deprecated`, `description`, `x-accord-since`.

use super::{
    Bound, DEPRECATED_VALUES, ENUM_DESCRIPTIONS, ERROR_STATUS, Enumeration, Kind, Property, SINCE,
    Schema, literal,
};
use accord_idl::model::{Bounds, Number};
use serde::ser::{Serialize, SerializeMap, Serializer};

impl Serialize for Schema<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.entries(&mut map)?;
        map.end()
    }
}

/// A JSON Schema file: `$schema` and `$id` in front of the declaration's own keywords.
pub struct JsonSchemaFile<'m> {
    pub dialect: &'static str,
    pub id: String,
    pub schema: Schema<'m>,
}

impl Serialize for JsonSchemaFile<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("$schema", self.dialect)?;
        map.serialize_entry("$id", &self.id)?;
        self.schema.entries(&mut map)?;
        map.end()
    }
}

/// A kind's keywords alone, as one branch of a nullable schema's `anyOf`.
struct KindOnly<'a, 'm>(&'a Kind<'m>);

impl Serialize for KindOnly<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.entries(&mut map)?;
        map.end()
    }
}

/// `{"type": "null"}`.
struct Null;

impl Serialize for Null {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("type", "null")?;
        map.end()
    }
}

impl Schema<'_> {
    fn entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        if self.nullable {
            map.serialize_entry("anyOf", &(KindOnly(&self.kind), Null))?;
        } else {
            self.kind.entries(map)?;
        }
        if let Some(title) = self.title {
            map.serialize_entry("title", title)?;
        }
        if let Some(status) = self.status {
            map.serialize_entry(ERROR_STATUS, &u64::from(status))?;
        }
        if let Some(default) = self.default {
            map.serialize_entry("default", &literal(default))?;
        }
        if self.deprecated() {
            map.serialize_entry("deprecated", &true)?;
        }
        if let Some(description) = self.description() {
            map.serialize_entry("description", &description)?;
        }
        if let Some(since) = self.since() {
            map.serialize_entry(SINCE, &since)?;
        }
        Ok(())
    }
}

impl Kind<'_> {
    fn entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Kind::Ref(target) => map.serialize_entry("$ref", target)?,
            Kind::AllOf(schemas) => map.serialize_entry("allOf", schemas)?,
            Kind::OneOf(schemas) => map.serialize_entry("oneOf", schemas)?,
            Kind::Boolean => map.serialize_entry("type", "boolean")?,
            Kind::Integer {
                format,
                minimum,
                maximum,
            }
            | Kind::Number {
                format,
                minimum,
                maximum,
            } => {
                let integer = matches!(self, Kind::Integer { .. });
                map.serialize_entry("type", if integer { "integer" } else { "number" })?;
                map.serialize_entry("format", format.as_str())?;
                bounds(map, minimum, maximum)?;
            }
            Kind::String {
                format,
                pattern,
                length,
            } => {
                map.serialize_entry("type", "string")?;
                if let Some(format) = format {
                    map.serialize_entry("format", format.as_str())?;
                }
                lengths(map, ("minLength", "maxLength"), length)?;
                if let Some(pattern) = pattern {
                    map.serialize_entry("pattern", pattern)?;
                }
            }
            Kind::Enum(values) => enumeration(map, *values)?,
            Kind::Array { items, length } => {
                map.serialize_entry("type", "array")?;
                map.serialize_entry("items", items)?;
                lengths(map, ("minItems", "maxItems"), length)?;
            }
            Kind::Map {
                key,
                values,
                length,
            } => {
                map.serialize_entry("type", "object")?;
                map.serialize_entry("additionalProperties", values)?;
                if key.is_integer() {
                    // Integer keys travel as decimal strings.
                    let signed = key.int_range().is_some_and(|(min, _)| min < 0);
                    let pattern = if signed { "^-?[0-9]+$" } else { "^[0-9]+$" };
                    map.serialize_entry("propertyNames", &Pattern(pattern))?;
                }
                lengths(map, ("minProperties", "maxProperties"), length)?;
            }
            Kind::Object(properties) => {
                map.serialize_entry("type", "object")?;
                if !properties.is_empty() {
                    map.serialize_entry("properties", &Properties(properties))?;
                }
                let required = properties.iter().filter(|p| p.required);
                if required.clone().next().is_some() {
                    map.serialize_entry("required", &Seq(required.map(|p| p.name)))?;
                }
            }
            Kind::Variant { name, schema } => {
                map.serialize_entry("type", "object")?;
                map.serialize_entry("title", name)?;
                map.serialize_entry("properties", &OneProperty(name, schema))?;
                map.serialize_entry("required", &[name])?;
                map.serialize_entry("additionalProperties", &false)?;
            }
        }
        Ok(())
    }
}

fn enumeration<M: SerializeMap>(map: &mut M, values: Enumeration) -> Result<(), M::Error> {
    map.serialize_entry("type", "string")?;
    map.serialize_entry("enum", &Seq(values.names()))?;
    if let Some(descriptions) = values.descriptions() {
        map.serialize_entry(ENUM_DESCRIPTIONS, &Seq(descriptions))?;
    }
    if let Some(deprecated) = values.deprecated() {
        map.serialize_entry(DEPRECATED_VALUES, &Seq(deprecated))?;
    }
    Ok(())
}

/// `minimum` and `maximum`: the `@range` bound when JSON can write it, else the type's own.
fn bounds<M: SerializeMap>(map: &mut M, minimum: &Bound, maximum: &Bound) -> Result<(), M::Error> {
    for (key, bound) in [("minimum", minimum), ("maximum", maximum)] {
        let given = bound.range.and_then(|n| JsonNumber::new(*n));
        if let Some(value) = given.or(bound.own.and_then(|n| JsonNumber::int(n.into()))) {
            map.serialize_entry(key, &value)?;
        }
    }
    Ok(())
}

fn lengths<M: SerializeMap>(
    map: &mut M,
    (min_key, max_key): (&'static str, &'static str),
    length: &Bounds<u64>,
) -> Result<(), M::Error> {
    if let Some(min) = length.min {
        map.serialize_entry(min_key, &min)?;
    }
    if let Some(max) = length.max {
        map.serialize_entry(max_key, &max)?;
    }
    Ok(())
}

/// A number as `serde_json` holds it: an integer in 64 bits (unsigned when it can be), or a
/// finite float.
#[derive(Clone, Copy)]
enum JsonNumber {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl JsonNumber {
    fn new(n: Number) -> Option<JsonNumber> {
        match n {
            Number::Int(i) => JsonNumber::int(i),
            Number::Float(f) => f.is_finite().then_some(JsonNumber::Float(f)),
        }
    }

    fn int(i: i128) -> Option<JsonNumber> {
        u64::try_from(i)
            .map(JsonNumber::Unsigned)
            .or_else(|_| i64::try_from(i).map(JsonNumber::Signed))
            .ok()
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            JsonNumber::Unsigned(n) => serializer.serialize_u64(n),
            JsonNumber::Signed(n) => serializer.serialize_i64(n),
            JsonNumber::Float(n) => serializer.serialize_f64(n),
        }
    }
}

struct Properties<'s, 'm>(&'s [Property<'m>]);

impl Serialize for Properties<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|p| (p.name, &p.schema)))
    }
}

/// `{ name: schema }`
struct OneProperty<'s, 'm>(&'m str, &'s Schema<'m>);

impl Serialize for OneProperty<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

/// `{ "pattern": … }`
struct Pattern(&'static str);

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("pattern", self.0)?;
        map.end()
    }
}

/// The items of an iterator as a sequence.
struct Seq<I>(I);

impl<I: Iterator + Clone> Serialize for Seq<I>
where
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}
