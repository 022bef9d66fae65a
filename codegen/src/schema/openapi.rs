//! The OpenAPI 3.0 writer of the mapping: a [`Schema`] as the `openapiv3` value the OpenAPI
//! document holds (which then orders the keywords as `openapiv3` does). Where OpenAPI 3.0
//! differs from JSON Schema:
//! - an integer map key is named in `x-accord-map-key`: there is no `propertyNames`;
//! - integer bounds are 64-bit (a wider `@range` bound falls back to the type's own) and a
//!   `number`'s bounds are floats;
//! - a `$ref` stands alone: its siblings (only ever `x-accord-since`) are dropped, as readers
//!   would ignore them;
//! - a default without a JSON form (`null`) is left out.

use super::{
    Bound, DEPRECATED_VALUES, ENUM_DESCRIPTIONS, ERROR_STATUS, Enumeration, Format, Kind, Property,
    SINCE, Schema, literal,
};
use accord_idl::model::{Bounds, Number};
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ArrayType, BooleanType, IntegerType, NumberType, ObjectType, ReferenceOr,
    SchemaData, SchemaKind, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::str::FromStr;

impl Schema<'_> {
    /// The `openapiv3` value of the schema.
    pub fn into_openapi(self) -> ReferenceOr<openapiv3::Schema> {
        write(self)
    }
}

fn write(schema: Schema) -> ReferenceOr<openapiv3::Schema> {
    // A variant is titled by its name.
    let title = match &schema.kind {
        Kind::Variant { name, .. } => Some(*name),
        _ => schema.title,
    };
    let mut schema_data = SchemaData {
        deprecated: schema.deprecated(),
        title: title.map(str::to_string),
        description: schema.description().map(Cow::into_owned),
        default: schema.default.map(literal).filter(|d| !d.is_null()),
        nullable: schema.nullable,
        ..SchemaData::default()
    };
    let (status, since) = (schema.status, schema.since());
    let extensions = &mut schema_data.extensions;
    let schema_kind = match schema.kind {
        Kind::Ref(reference) => return ReferenceOr::Reference { reference },
        // OpenAPI 3.0 reads `nullable` only beside a `type`.
        Kind::AllOf(all_of) if schema.nullable => SchemaKind::Any(openapiv3::AnySchema {
            typ: schema.ref_type.map(str::to_owned),
            all_of: all_of.into_iter().map(write).collect(),
            ..openapiv3::AnySchema::default()
        }),
        Kind::AllOf(all_of) => SchemaKind::AllOf {
            all_of: all_of.into_iter().map(write).collect(),
        },
        Kind::OneOf(one_of) => SchemaKind::OneOf {
            one_of: one_of.into_iter().map(write).collect(),
        },
        Kind::Boolean => SchemaKind::Type(Type::Boolean(BooleanType::default())),
        Kind::Integer {
            format,
            minimum,
            maximum,
        } => SchemaKind::Type(integer(format, minimum, maximum)),
        Kind::Number {
            format,
            minimum,
            maximum,
        } => SchemaKind::Type(number(format, minimum, maximum)),
        Kind::String {
            format,
            pattern,
            length,
        } => SchemaKind::Type(string(format, pattern, length)),
        Kind::Enum(values) => SchemaKind::Type(enumeration(values, extensions)),
        Kind::Array { items, length } => SchemaKind::Type(array(*items, length)),
        Kind::Map {
            key,
            values,
            length,
        } => {
            if key.is_integer() {
                // Integer keys travel as decimal strings; OpenAPI 3.0 has no `propertyNames`.
                extensions.insert("x-accord-map-key".into(), json!(key.name()));
            }
            SchemaKind::Type(map(*values, length))
        }
        Kind::Object(properties) => SchemaKind::Type(object(properties)),
        Kind::Variant { name, schema } => SchemaKind::Type(Type::Object(ObjectType {
            properties: IndexMap::from([(name.to_string(), boxed(write(*schema)))]),
            required: vec![name.to_string()],
            additional_properties: Some(AdditionalProperties::Any(false)),
            ..ObjectType::default()
        })),
    };
    if let Some(status) = status {
        extensions.insert(ERROR_STATUS.into(), json!(status));
    }
    if let Some(since) = since {
        extensions.insert(SINCE.into(), json!(since));
    }
    ReferenceOr::Item(openapiv3::Schema {
        schema_data,
        schema_kind,
    })
}

fn integer(format: Format, minimum: Bound, maximum: Bound) -> Type {
    let int = |bound: Bound| {
        let range = bound.range.and_then(|n| match *n {
            Number::Int(i) => i64::try_from(i).ok(),
            Number::Float(_) => None,
        });
        range.or(bound.own)
    };
    Type::Integer(IntegerType {
        format: known(format),
        minimum: int(minimum),
        maximum: int(maximum),
        ..IntegerType::default()
    })
}

fn number(format: Format, minimum: Bound, maximum: Bound) -> Type {
    let float = |bound: Bound| {
        let range = bound.range.and_then(|n| match *n {
            Number::Int(i) => i64::try_from(i).ok().map(|i| i as f64),
            Number::Float(f) => f.is_finite().then_some(f),
        });
        range.or(bound.own.map(|i| i as f64))
    };
    Type::Number(NumberType {
        format: known(format),
        minimum: float(minimum),
        maximum: float(maximum),
        ..NumberType::default()
    })
}

fn string(format: Option<Format>, pattern: Option<Cow<'_, str>>, length: Bounds<u64>) -> Type {
    let (min_length, max_length) = counts(length);
    Type::String(StringType {
        format: format.map_or(VariantOrUnknownOrEmpty::Empty, known),
        pattern: pattern.map(Cow::into_owned),
        min_length,
        max_length,
        ..StringType::default()
    })
}

fn enumeration(values: Enumeration, extensions: &mut IndexMap<String, Value>) -> Type {
    if let Some(descriptions) = values.descriptions() {
        let descriptions = descriptions.map(Value::from).collect();
        extensions.insert(ENUM_DESCRIPTIONS.into(), Value::Array(descriptions));
    }
    if let Some(deprecated) = values.deprecated() {
        let deprecated = deprecated.map(Value::from).collect();
        extensions.insert(DEPRECATED_VALUES.into(), Value::Array(deprecated));
    }
    Type::String(StringType {
        enumeration: values.names().map(|n| Some(n.to_string())).collect(),
        ..StringType::default()
    })
}

fn array(items: Schema, length: Bounds<u64>) -> Type {
    let (min_items, max_items) = counts(length);
    Type::Array(ArrayType {
        items: Some(boxed(write(items))),
        min_items,
        max_items,
        unique_items: false,
    })
}

fn map(values: Schema, length: Bounds<u64>) -> Type {
    let (min_properties, max_properties) = counts(length);
    Type::Object(ObjectType {
        additional_properties: Some(AdditionalProperties::Schema(Box::new(write(values)))),
        min_properties,
        max_properties,
        ..ObjectType::default()
    })
}

fn object(properties: Vec<Property>) -> Type {
    let required = properties.iter().filter(|p| p.required);
    let required = required.map(|p| p.name.to_string()).collect();
    let properties = properties
        .into_iter()
        .map(|p| (p.name.to_string(), boxed(write(p.schema))))
        .collect();
    Type::Object(ObjectType {
        properties,
        required,
        ..ObjectType::default()
    })
}

/// A `format` `openapiv3` knows by name, else as text (`uuid`).
fn known<T: FromStr>(format: Format) -> VariantOrUnknownOrEmpty<T> {
    let text = format.as_str();
    text.parse().map_or_else(
        |_| VariantOrUnknownOrEmpty::Unknown(text.to_string()),
        VariantOrUnknownOrEmpty::Item,
    )
}

fn counts(length: Bounds<u64>) -> (Option<usize>, Option<usize>) {
    let count = |n: Option<u64>| n.and_then(|n| usize::try_from(n).ok());
    (count(length.min), count(length.max))
}

fn boxed(schema: ReferenceOr<openapiv3::Schema>) -> ReferenceOr<Box<openapiv3::Schema>> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema)),
    }
}
