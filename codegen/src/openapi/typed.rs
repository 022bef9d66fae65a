//! Schemas of the shared mapping ([`crate::schema`]) as `openapiv3` values.
//!
//! `openapiv3`'s own `Deserialize` gets there too, but through serde's untagged and flattened
//! buffers at every nesting level: it was the largest single cost of the OpenAPI emitter. The
//! shapes the mapping produces are few, so they are converted here field by field; anything
//! else (a keyword or combination this file does not know) goes through serde, so the result
//! is always what `openapiv3` itself would read. The tests hold the two paths equal.

use super::UNREPRESENTABLE;
use openapiv3::{
    AdditionalProperties, ArrayType, BooleanType, IntegerType, NumberType, ObjectType, ReferenceOr,
    Schema, SchemaData, SchemaKind, StringType, Type,
};
use serde_json::{Map, Value, json};

/// The `openapiv3` value of a schema; one `openapiv3` cannot hold is marked [`UNREPRESENTABLE`].
pub fn typed(value: &Value) -> ReferenceOr<Schema> {
    direct(value).unwrap_or_else(|| through_serde(value))
}

/// What `openapiv3`'s `Deserialize` makes of the value.
pub fn through_serde(value: &Value) -> ReferenceOr<Schema> {
    // From a borrowed value: serde's buffers then borrow strings instead of copying them.
    <ReferenceOr<Schema> as serde::Deserialize>::deserialize(value).unwrap_or_else(
        |error: serde_json::Error| {
            let mut schema_data = SchemaData::default();
            schema_data
                .extensions
                .insert(UNREPRESENTABLE.into(), json!(error.to_string()));
            ReferenceOr::Item(Schema {
                schema_data,
                schema_kind: SchemaKind::Any(Default::default()),
            })
        },
    )
}

/// The conversion of the shapes the shared mapping makes; `None` for any other.
pub fn direct(value: &Value) -> Option<ReferenceOr<Schema>> {
    let map = value.as_object()?;
    if let Some(target) = map.get("$ref") {
        // `openapiv3` drops a reference's siblings; leave that case to it.
        let reference = target.as_str().filter(|_| map.len() == 1)?;
        return Some(ReferenceOr::Reference {
            reference: reference.to_string(),
        });
    }
    let mut keywords = Keywords::default();
    let mut schema_data = SchemaData::default();
    for (key, value) in map {
        if !data(&mut schema_data, key, value)? {
            keywords.set(key, value)?;
        }
    }
    let schema_kind = keywords.kind()?;
    Some(ReferenceOr::Item(Schema {
        schema_data,
        schema_kind,
    }))
}

/// Takes a keyword that belongs to every kind of schema: `Some(false)` if it is not one,
/// `None` if it is but its value is not what `openapiv3` expects.
fn data(data: &mut SchemaData, key: &str, value: &Value) -> Option<bool> {
    match key {
        "title" => data.title = Some(value.as_str()?.to_string()),
        "description" => data.description = Some(value.as_str()?.to_string()),
        "deprecated" => data.deprecated = value.as_bool()?,
        "default" => data.default = Some(value.clone()),
        _ if key.starts_with("x-") => {
            data.extensions.insert(key.to_string(), value.clone());
        }
        _ => return Some(false),
    }
    Some(true)
}

/// Every kind-specific keyword this conversion knows, in [`Keywords::seen`] bit order.
const KEYWORDS: [&str; 18] = [
    "type",
    "format",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "oneOf",
    "allOf",
];

/// The kind-specific keywords of one schema object, as found.
#[derive(Default)]
struct Keywords<'v> {
    /// Bit `i` set: `KEYWORDS[i]` is present.
    seen: u32,
    ty: Option<&'v str>,
    format: Option<&'v str>,
    pattern: Option<&'v str>,
    enumeration: Option<&'v Vec<Value>>,
    minimum: Option<&'v serde_json::Number>,
    maximum: Option<&'v serde_json::Number>,
    properties: Option<&'v Map<String, Value>>,
    required: Option<&'v Vec<Value>>,
    additional_properties: Option<&'v Value>,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
    items: Option<&'v Value>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    one_of: Option<&'v Vec<Value>>,
    all_of: Option<&'v Vec<Value>>,
}

impl<'v> Keywords<'v> {
    /// Records one keyword; `None` for a keyword or value this conversion does not handle.
    fn set(&mut self, key: &str, value: &'v Value) -> Option<()> {
        let count = || value.as_u64().and_then(|n| usize::try_from(n).ok());
        match key {
            "type" => self.ty = Some(value.as_str()?),
            "format" => self.format = Some(value.as_str()?),
            "pattern" => self.pattern = Some(value.as_str()?),
            "enum" => self.enumeration = Some(value.as_array()?),
            "minimum" => self.minimum = Some(value.as_number()?),
            "maximum" => self.maximum = Some(value.as_number()?),
            "properties" => self.properties = Some(value.as_object()?),
            "required" => self.required = Some(value.as_array()?),
            "additionalProperties" => self.additional_properties = Some(value),
            "minProperties" => self.min_properties = Some(count()?),
            "maxProperties" => self.max_properties = Some(count()?),
            "items" => self.items = Some(value),
            "minItems" => self.min_items = Some(count()?),
            "maxItems" => self.max_items = Some(count()?),
            "minLength" => self.min_length = Some(count()?),
            "maxLength" => self.max_length = Some(count()?),
            "oneOf" => self.one_of = Some(value.as_array()?),
            "allOf" => self.all_of = Some(value.as_array()?),
            _ => return None,
        }
        let bit = KEYWORDS.iter().position(|k| *k == key)?;
        self.seen |= 1 << bit;
        Some(())
    }

    /// `Some` when no keyword outside `allowed` is present: `openapiv3` reads any other
    /// combination as a different kind.
    fn only(&self, allowed: &[&str]) -> Option<()> {
        let mask = KEYWORDS
            .iter()
            .enumerate()
            .filter(|(_, k)| allowed.contains(k))
            .fold(0, |mask, (bit, _)| mask | 1 << bit);
        (self.seen & !mask == 0).then_some(())
    }

    /// The kind, when the keywords are exactly those one of `openapiv3`'s kinds allows.
    fn kind(&self) -> Option<SchemaKind> {
        let kind = match self.ty {
            Some("string") => Type::String(self.string()?),
            Some("integer") => Type::Integer(self.integer()?),
            Some("number") => Type::Number(self.number()?),
            Some("boolean") => {
                self.only(&["type"])?;
                Type::Boolean(BooleanType::default())
            }
            Some("object") => Type::Object(self.object()?),
            Some("array") => Type::Array(self.array()?),
            Some(_) => return None,
            None => return self.composition(),
        };
        Some(SchemaKind::Type(kind))
    }

    fn string(&self) -> Option<StringType> {
        self.only(&[
            "type",
            "format",
            "pattern",
            "enum",
            "minLength",
            "maxLength",
        ])?;
        let enumeration = match self.enumeration {
            Some(values) => values
                .iter()
                .map(|v| v.as_str().map(|s| Some(s.to_string())))
                .collect::<Option<_>>()?,
            None => Vec::new(),
        };
        Some(StringType {
            format: self.format.map(str::to_string).into(),
            pattern: self.pattern.map(str::to_string),
            enumeration,
            min_length: self.min_length,
            max_length: self.max_length,
        })
    }

    fn integer(&self) -> Option<IntegerType> {
        self.only(&["type", "format", "minimum", "maximum"])?;
        // A bound that is not a 64-bit integer makes `openapiv3` read some other kind.
        let bound = |n: Option<&serde_json::Number>| match n {
            Some(n) => n.as_i64().map(Some),
            None => Some(None),
        };
        Some(IntegerType {
            format: self.format.map(str::to_string).into(),
            minimum: bound(self.minimum)?,
            maximum: bound(self.maximum)?,
            ..IntegerType::default()
        })
    }

    fn number(&self) -> Option<NumberType> {
        self.only(&["type", "format", "minimum", "maximum"])?;
        Some(NumberType {
            format: self.format.map(str::to_string).into(),
            minimum: self.minimum.and_then(serde_json::Number::as_f64),
            maximum: self.maximum.and_then(serde_json::Number::as_f64),
            ..NumberType::default()
        })
    }

    fn object(&self) -> Option<ObjectType> {
        self.only(&[
            "type",
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ])?;
        let properties = match self.properties {
            Some(map) => map
                .iter()
                .map(|(name, schema)| Some((name.clone(), boxed(direct(schema)?))))
                .collect::<Option<_>>()?,
            None => Default::default(),
        };
        let required = match self.required {
            Some(names) => names
                .iter()
                .map(|n| n.as_str().map(str::to_string))
                .collect::<Option<_>>()?,
            None => Vec::new(),
        };
        let additional_properties = match self.additional_properties {
            None => None,
            Some(Value::Bool(allowed)) => Some(AdditionalProperties::Any(*allowed)),
            Some(schema) => Some(AdditionalProperties::Schema(Box::new(direct(schema)?))),
        };
        Some(ObjectType {
            properties,
            required,
            additional_properties,
            min_properties: self.min_properties,
            max_properties: self.max_properties,
        })
    }

    fn array(&self) -> Option<ArrayType> {
        self.only(&["type", "items", "minItems", "maxItems"])?;
        let items = match self.items {
            Some(schema) => Some(boxed(direct(schema)?)),
            None => None,
        };
        Some(ArrayType {
            items,
            min_items: self.min_items,
            max_items: self.max_items,
            unique_items: false,
        })
    }

    /// `oneOf` or `allOf`, alone.
    fn composition(&self) -> Option<SchemaKind> {
        let list = |schemas: &Vec<Value>| schemas.iter().map(direct).collect::<Option<Vec<_>>>();
        if let Some(one_of) = self.one_of {
            self.only(&["oneOf"])?;
            return Some(SchemaKind::OneOf {
                one_of: list(one_of)?,
            });
        }
        self.only(&["allOf"])?;
        Some(SchemaKind::AllOf {
            all_of: list(self.all_of?)?,
        })
    }
}

fn boxed(schema: ReferenceOr<Schema>) -> ReferenceOr<Box<Schema>> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema)),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::schema::{Dialect, SchemaBuilder};
    use accord_idl::Model;
    use accord_idl::model::{DeclId, DeclKind};
    use accord_idl::synth::{SynthConfig, large_api};
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    fn compile(roots: &[PathBuf], loader: &mut dyn accord_idl::Loader) -> Model {
        let compilation = accord_idl::compile(roots, loader);
        assert!(!compilation.has_errors());
        compilation.model
    }

    /// The stress API (every feature of the language) and a small synthetic one.
    pub(in crate::openapi) fn models() -> Vec<Model> {
        let stress =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/stress/everything.accord");
        let stress = compile(&[stress], &mut |p: &Path| std::fs::read_to_string(p));
        let config = SynthConfig {
            packages: 2,
            services_per_package: 2,
            ops_per_service: 3,
        };
        let files: HashMap<PathBuf, String> = large_api(config).into_iter().collect();
        let mut roots: Vec<PathBuf> = files.keys().cloned().collect();
        roots.sort();
        let mut loader = |p: &Path| {
            let text = files.get(p).cloned();
            text.ok_or_else(|| std::io::ErrorKind::NotFound.into())
        };
        vec![stress, compile(&roots, &mut loader)]
    }

    /// Every declaration's schema and every field's, as the OpenAPI emitter builds them.
    fn schemas(model: &Model) -> Vec<Value> {
        let refs = |id: DeclId| format!("#/components/schemas/{}", id.0);
        let builder = SchemaBuilder {
            model,
            refs: &refs,
            dialect: Dialect::OpenApi30,
        };
        let mut schemas = Vec::new();
        for id in model.decl_ids() {
            schemas.push(builder.decl(id));
            let fields = match &model.decl(id).kind {
                DeclKind::Struct(s) => &s.fields,
                DeclKind::Union(u) => &u.variants,
                DeclKind::Enum(_) => continue,
            };
            schemas.extend(fields.iter().map(|f| builder.field(f)));
        }
        schemas
    }

    #[test]
    fn the_mapping_converts_directly_to_what_openapiv3_reads() {
        for model in models() {
            let schemas = schemas(&model);
            assert!(schemas.len() > 50, "{} schemas", schemas.len());
            for schema in schemas {
                let expected = through_serde(&schema);
                assert!(
                    !serde_json::to_string(&expected)
                        .unwrap()
                        .contains(UNREPRESENTABLE)
                );
                assert_eq!(direct(&schema).as_ref(), Some(&expected), "{schema}");
            }
        }
    }

    #[test]
    fn other_shapes_are_left_to_openapiv3() {
        let shapes = [
            json!({ "$ref": "#/a", "description": "dropped by openapiv3" }),
            json!({ "type": "integer", "minimum": 0.5 }),
            json!({ "type": "integer", "maximum": u64::MAX }),
            json!({ "type": "string", "enum": [null, "a"] }),
            json!({ "type": "string", "minimum": 1 }),
            json!({ "type": "object", "nullable": true }),
            json!({ "type": "array", "items": { "type": "string", "readOnly": true } }),
            json!({ "oneOf": [{ "$ref": "#/a" }], "allOf": [{ "$ref": "#/b" }] }),
            json!({ "description": "no kind at all" }),
            json!({ "type": "null" }),
            json!({ "minLength": -1, "type": "string" }),
            json!("not an object"),
        ];
        for shape in shapes {
            assert_eq!(direct(&shape), None, "{shape}");
            assert_eq!(typed(&shape), through_serde(&shape));
        }
    }
}
