//! The JSON Schema of every Accord type, following docs/wire.md: one mapping shared by the JSON
//! Schema files, the AsyncAPI payloads and the OpenAPI components, so the three documents can
//! never disagree about a value's JSON shape. The OpenAPI emitter builds the usual shapes as
//! `openapiv3` values directly (`openapi/schemas.rs`, for speed); its tests hold those equal to
//! this mapping's, converted, for every declaration and field of the stress API, so a change
//! here fails them until the OpenAPI side follows.
//!
//! Only the way a schema points at another declaration differs between documents; callers pass
//! it in as a [`Refs`] function.

use accord_idl::model::{
    Bounds, Constraints, DeclId, DeclKind, Enum, Field, Lifecycle, Model, Number, Scalar, Struct,
    StructRole, Type, Union, Value as Literal,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// How a schema refers to a named declaration: returns the `$ref` target.
pub type Refs<'a> = &'a dyn Fn(DeclId) -> String;

/// Which document the schema goes into. OpenAPI 3.0 has no `propertyNames` and keeps integer
/// bounds in 64 bits; everything else is common ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema 2020-12 and AsyncAPI schema objects.
    JsonSchema,
    /// OpenAPI 3.0 schema objects.
    OpenApi30,
}

/// Builds schemas for one document.
#[derive(Clone, Copy)]
pub struct SchemaBuilder<'a> {
    pub model: &'a Model,
    pub refs: Refs<'a>,
    pub dialect: Dialect,
}

/// Pattern of a `duration` on the wire (protobuf's JSON mapping).
pub const DURATION_PATTERN: &str = r"^-?[0-9]+(\.[0-9]{1,9})?s$";

impl SchemaBuilder<'_> {
    /// The schema of a declaration, with its description and deprecation.
    pub fn decl(&self, id: DeclId) -> Value {
        let decl = self.model.decl(id);
        let mut schema = match &decl.kind {
            DeclKind::Struct(s) => self.struct_schema(s),
            DeclKind::Enum(e) => enum_schema(e),
            DeclKind::Union(u) => self.union_schema(u),
        };
        let map = as_map(&mut schema);
        map.insert("title".into(), json!(decl.name));
        if let DeclKind::Struct(Struct {
            role: StructRole::Error { status },
            ..
        }) = &decl.kind
        {
            map.insert("x-accord-status".into(), json!(status));
        }
        annotate(map, decl.docs.as_deref(), &decl.lifecycle);
        schema
    }

    fn struct_schema(&self, s: &Struct) -> Value {
        let properties = self.properties(s.fields.iter());
        let required: Vec<Value> = s
            .fields
            .iter()
            .filter(|f| !f.optional)
            .map(|f| json!(f.name))
            .collect();
        let mut schema = json!({ "type": "object" });
        let map = as_map(&mut schema);
        if !s.fields.is_empty() {
            map.insert("properties".into(), properties);
        }
        if !required.is_empty() {
            map.insert("required".into(), Value::Array(required));
        }
        schema
    }

    /// Externally tagged: exactly one member, named after the variant.
    fn union_schema(&self, u: &Union) -> Value {
        let variants: Vec<Value> = u
            .variants
            .iter()
            .map(|v| {
                json!({
                    "type": "object",
                    "title": v.name,
                    "properties": { (v.name.clone()): self.field(v) },
                    "required": [v.name],
                    "additionalProperties": false,
                })
            })
            .collect();
        json!({ "oneOf": variants })
    }

    /// `properties` of an object holding these fields.
    pub fn properties<'f>(&self, fields: impl Iterator<Item = &'f Field>) -> Value {
        Value::Object(fields.map(|f| (f.name.clone(), self.field(f))).collect())
    }

    /// A field's schema: its type plus constraints, default, description and deprecation.
    pub fn field(&self, field: &Field) -> Value {
        let mut schema = self.ty(&field.ty);
        let decorated = !field.constraints.is_empty()
            || field.default.is_some()
            || field.docs.is_some()
            || field.lifecycle.deprecated.is_some();
        if decorated && schema.get("$ref").is_some() {
            // A `$ref` beside other keywords is ignored by OpenAPI 3.0 and draft-07 readers.
            schema = json!({ "allOf": [schema] });
        }
        let map = as_map(&mut schema);
        self.constrain(map, &field.ty, &field.constraints);
        if let Some(default) = &field.default {
            map.insert("default".into(), literal(default));
        }
        annotate(map, field.docs.as_deref(), &field.lifecycle);
        schema
    }

    /// The schema of a type as it appears on the wire.
    pub fn ty(&self, ty: &Type) -> Value {
        match ty {
            Type::Scalar(s) => self.scalar(*s),
            Type::List(item) => json!({ "type": "array", "items": self.ty(item) }),
            Type::Map(key, value) => self.map_schema(*key, value),
            Type::Named(id) => json!({ "$ref": (self.refs)(*id) }),
        }
    }

    fn map_schema(&self, key: Scalar, value: &Type) -> Value {
        let mut schema = json!({ "type": "object", "additionalProperties": self.ty(value) });
        if key.is_integer() {
            // Integer keys travel as decimal strings.
            let pattern = if key.int_range().is_some_and(|(min, _)| min < 0) {
                "^-?[0-9]+$"
            } else {
                "^[0-9]+$"
            };
            let map = as_map(&mut schema);
            match self.dialect {
                Dialect::JsonSchema => {
                    map.insert("propertyNames".into(), json!({ "pattern": pattern }));
                }
                Dialect::OpenApi30 => {
                    map.insert("x-accord-map-key".into(), json!(key.name()));
                }
            }
        }
        schema
    }

    fn scalar(&self, scalar: Scalar) -> Value {
        match scalar {
            Scalar::Bool => json!({ "type": "boolean" }),
            Scalar::I32 => json!({ "type": "integer", "format": "int32" }),
            Scalar::I64 => json!({ "type": "integer", "format": "int64" }),
            Scalar::U32 => {
                json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX })
            }
            Scalar::U64 => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
            Scalar::F32 => json!({ "type": "number", "format": "float" }),
            Scalar::F64 => json!({ "type": "number", "format": "double" }),
            Scalar::String => json!({ "type": "string" }),
            Scalar::Bytes => json!({ "type": "string", "format": "byte" }),
            Scalar::Timestamp => json!({ "type": "string", "format": "date-time" }),
            Scalar::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
            Scalar::Uuid => json!({ "type": "string", "format": "uuid" }),
        }
    }

    /// Adds `@range`, `@length` and `@pattern` as the keywords that fit the field's type.
    fn constrain(&self, map: &mut Map<String, Value>, ty: &Type, c: &Constraints) {
        if let Some(range) = &c.range {
            self.range(map, range);
        }
        if let Some(length) = &c.length {
            let (min_key, max_key, bytes) = match ty {
                Type::List(_) => ("minItems", "maxItems", false),
                Type::Map(..) => ("minProperties", "maxProperties", false),
                Type::Scalar(Scalar::Bytes) => ("minLength", "maxLength", true),
                _ => ("minLength", "maxLength", false),
            };
            // Bytes are base64 on the wire: n bytes take 4·⌈n/3⌉ characters.
            let wire = |n: u64| {
                if bytes {
                    n.div_ceil(3).saturating_mul(4)
                } else {
                    n
                }
            };
            if let Some(min) = length.min {
                map.insert(min_key.into(), json!(wire(min)));
            }
            if let Some(max) = length.max {
                map.insert(max_key.into(), json!(wire(max)));
            }
        }
        if let Some(pattern) = &c.pattern {
            map.insert("pattern".into(), json!(pattern));
        }
    }

    /// `@range` tightens the bounds the scalar already has (`u32` starts at 0).
    fn range(&self, map: &mut Map<String, Value>, range: &Bounds<Number>) {
        for (key, bound) in [("minimum", range.min), ("maximum", range.max)] {
            let Some(bound) = bound else { continue };
            if let Some(value) = self.number(bound) {
                map.insert(key.into(), value);
            }
        }
    }

    fn number(&self, n: Number) -> Option<Value> {
        match n {
            Number::Int(i) if self.dialect == Dialect::OpenApi30 => {
                // openapiv3 holds integer bounds as i64; a wider bound says nothing new there.
                i64::try_from(i).ok().map(Value::from)
            }
            Number::Int(i) => int_value(i),
            Number::Float(f) => serde_json::Number::from_f64(f).map(Value::Number),
        }
    }
}

/// Adds `description` and `deprecated` (with the reason in the description).
pub fn annotate(map: &mut Map<String, Value>, docs: Option<&str>, lifecycle: &Lifecycle) {
    if lifecycle.deprecated.is_some() {
        map.insert("deprecated".into(), json!(true));
    }
    if let Some(text) = description(docs, lifecycle) {
        map.insert("description".into(), json!(text));
    }
    if let Some(since) = &lifecycle.since {
        map.insert("x-accord-since".into(), json!(since.to_string()));
    }
}

/// The `description` of a documented item: its doc comment, then the reason of a deprecation.
pub fn description(docs: Option<&str>, lifecycle: &Lifecycle) -> Option<String> {
    let mut text = docs.map(|d| d.trim().to_string()).unwrap_or_default();
    if let Some(reason) = lifecycle
        .deprecated
        .as_ref()
        .and_then(|d| d.reason.as_ref())
    {
        let sep = if text.is_empty() { "" } else { "\n\n" };
        text = format!("{text}{sep}Deprecated: {reason}");
    }
    (!text.is_empty()).then_some(text)
}

/// A string with the value names; per-value docs and deprecations as extensions, since JSON
/// Schema has no place for them.
fn enum_schema(e: &Enum) -> Value {
    let names: Vec<Value> = e.values.iter().map(|v| json!(v.name)).collect();
    let mut schema = json!({ "type": "string", "enum": names });
    let map = as_map(&mut schema);
    if e.values.iter().any(|v| v.docs.is_some()) {
        let docs: Vec<Value> = e
            .values
            .iter()
            .map(|v| json!(v.docs.as_deref().unwrap_or("").trim()))
            .collect();
        map.insert("x-enum-descriptions".into(), Value::Array(docs));
    }
    let deprecated: Vec<Value> = e
        .values
        .iter()
        .filter(|v| v.lifecycle.deprecated.is_some())
        .map(|v| json!(v.name))
        .collect();
    if !deprecated.is_empty() {
        map.insert(
            "x-accord-deprecated-values".into(),
            Value::Array(deprecated),
        );
    }
    schema
}

/// A `@default` literal as JSON, in its wire form.
pub fn literal(value: &Literal) -> Value {
    match value {
        Literal::Bool(b) => json!(b),
        Literal::Int(i) => int_value(*i).unwrap_or(Value::Null),
        Literal::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Literal::String(s) | Literal::EnumValue(s) => json!(s),
        Literal::Duration(d) => json!(duration(*d)),
    }
}

fn int_value(i: i128) -> Option<Value> {
    serde_json::Number::from_i128(i).map(Value::Number)
}

/// A duration as protobuf's JSON mapping writes it: `2s`, `0.25s`.
pub fn duration(d: Duration) -> String {
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        return format!("{}s", d.as_secs());
    }
    let fraction = format!("{nanos:09}");
    format!("{}.{}s", d.as_secs(), fraction.trim_end_matches('0'))
}

/// Every declaration reachable from `roots` through field types, in declaration order.
pub fn reachable(model: &Model, roots: impl IntoIterator<Item = DeclId>) -> BTreeSet<DeclId> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<DeclId> = roots.into_iter().collect();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let fields = match &model.decl(id).kind {
            DeclKind::Struct(s) => &s.fields,
            DeclKind::Union(u) => &u.variants,
            DeclKind::Enum(_) => continue,
        };
        todo.extend(fields.iter().flat_map(|f| named(&f.ty)));
    }
    seen
}

/// The declarations a type mentions.
pub fn named(ty: &Type) -> Vec<DeclId> {
    match ty {
        Type::Scalar(_) => Vec::new(),
        Type::List(item) | Type::Map(_, item) => named(item),
        Type::Named(id) => vec![*id],
    }
}

fn as_map(value: &mut Value) -> &mut Map<String, Value> {
    match value {
        Value::Object(map) => map,
        // Every schema built here is an object; replacing anything else keeps that true.
        other => {
            *other = Value::Object(Map::new());
            as_map(other)
        }
    }
}

/// Serialises a document as pretty JSON with a final newline.
pub fn to_json<T: serde::Serialize>(doc: &T) -> String {
    to_json_sized(doc, 0)
}

/// [`to_json`] into a buffer of `capacity` bytes, for a caller that knows about how long the
/// text will be (the YAML of the same document): big documents then never regrow and copy it.
pub fn to_json_sized<T: serde::Serialize>(doc: &T, capacity: usize) -> String {
    let mut bytes = Vec::with_capacity(capacity);
    // Documents are maps with string keys and finite numbers, which always serialise.
    if serde_json::to_writer_pretty(&mut bytes, doc).is_err() {
        return "\n".into();
    }
    bytes.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Serialises a document as YAML (serde-saphyr: about half the instructions of serde_yaml's
/// libyaml emitter on the benchmark API, and maintained).
pub fn to_yaml<T: serde::Serialize>(doc: &T) -> String {
    let mut options = serde_saphyr::SerializerOptions::default();
    // One line stays one line, however long: no folding of long descriptions (`>`), so a doc
    // comment's edit changes one line of the document. Multi-line text is still written `|`.
    options.folded_wrap_chars = usize::MAX;
    // Documents are maps with string keys and finite numbers, which always serialise.
    serde_saphyr::to_string_with_options(doc, options).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_idl::model::{Decl, Package, PackageId};

    fn field(name: &str, ty: Type) -> Field {
        Field {
            name: name.into(),
            number: 1,
            ty,
            optional: false,
            docs: None,
            lifecycle: Lifecycle::default(),
            constraints: Constraints::default(),
            default: None,
            http_override: None,
        }
    }

    /// A model with one union `p.U { a: string, b: list<i64> }` (decl 0).
    fn model() -> Model {
        let variants = vec![
            field("a", Type::Scalar(Scalar::String)),
            field("b", Type::List(Box::new(Type::Scalar(Scalar::I64)))),
        ];
        Model {
            packages: vec![Package {
                name: "p".into(),
                version: semver::Version::new(1, 0, 0),
                decls: vec![DeclId(0)],
                services: vec![],
                channels: vec![],
            }],
            decls: vec![Decl {
                name: "U".into(),
                package: PackageId(0),
                docs: None,
                lifecycle: Lifecycle::default(),
                kind: DeclKind::Union(Union {
                    variants,
                    reserved: vec![],
                }),
            }],
            ..Model::default()
        }
    }

    fn with<T>(dialect: Dialect, f: impl FnOnce(SchemaBuilder) -> T) -> T {
        let model = model();
        let refs = |id: DeclId| format!("#/{}", id.0);
        f(SchemaBuilder {
            model: &model,
            refs: &refs,
            dialect,
        })
    }

    #[test]
    fn scalars_follow_the_wire_table() {
        let expected = [
            (Scalar::Bool, json!({ "type": "boolean" })),
            (Scalar::I32, json!({ "type": "integer", "format": "int32" })),
            (Scalar::I64, json!({ "type": "integer", "format": "int64" })),
            (
                Scalar::U32,
                json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295u32 }),
            ),
            (
                Scalar::U64,
                json!({ "type": "integer", "format": "int64", "minimum": 0 }),
            ),
            (Scalar::F32, json!({ "type": "number", "format": "float" })),
            (Scalar::F64, json!({ "type": "number", "format": "double" })),
            (Scalar::String, json!({ "type": "string" })),
            (Scalar::Bytes, json!({ "type": "string", "format": "byte" })),
            (
                Scalar::Timestamp,
                json!({ "type": "string", "format": "date-time" }),
            ),
            (
                Scalar::Duration,
                json!({ "type": "string", "pattern": DURATION_PATTERN }),
            ),
            (Scalar::Uuid, json!({ "type": "string", "format": "uuid" })),
        ];
        with(Dialect::JsonSchema, |b| {
            for (scalar, schema) in expected {
                assert_eq!(b.ty(&Type::Scalar(scalar)), schema, "{}", scalar.name());
            }
        });
    }

    #[test]
    fn unions_are_externally_tagged() {
        let schema = with(Dialect::JsonSchema, |b| b.decl(DeclId(0)));
        let variants = schema["oneOf"].as_array().expect("oneOf");
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[0]["required"], json!(["a"]));
        assert_eq!(variants[0]["additionalProperties"], json!(false));
        assert_eq!(
            variants[1]["properties"]["b"]["items"]["format"],
            json!("int64")
        );
    }

    #[test]
    fn lengths_fit_the_type() {
        let mut f = field("x", Type::Scalar(Scalar::Bytes));
        f.constraints.length = Some(Bounds {
            min: Some(1),
            max: Some(16),
        });
        let bytes = with(Dialect::JsonSchema, |b| b.field(&f));
        // Base64: 1 byte takes 4 characters, 16 bytes take 24.
        assert_eq!(
            (bytes["minLength"].clone(), bytes["maxLength"].clone()),
            (json!(4), json!(24))
        );
        f.ty = Type::List(Box::new(Type::Scalar(Scalar::Bool)));
        assert_eq!(
            with(Dialect::JsonSchema, |b| b.field(&f))["maxItems"],
            json!(16)
        );
        f.ty = Type::Map(Scalar::String, Box::new(Type::Scalar(Scalar::Bool)));
        assert_eq!(
            with(Dialect::JsonSchema, |b| b.field(&f))["minProperties"],
            json!(1)
        );
    }

    #[test]
    fn integer_map_keys_are_decimal_strings() {
        let ty = Type::Map(Scalar::I64, Box::new(Type::Named(DeclId(0))));
        let json_schema = with(Dialect::JsonSchema, |b| b.ty(&ty));
        assert_eq!(json_schema["propertyNames"]["pattern"], json!("^-?[0-9]+$"));
        assert_eq!(
            json_schema["additionalProperties"],
            json!({ "$ref": "#/0" })
        );
        let openapi = with(Dialect::OpenApi30, |b| b.ty(&ty));
        assert!(openapi.get("propertyNames").is_none());
        assert_eq!(openapi["x-accord-map-key"], json!("i64"));
    }

    #[test]
    fn a_decorated_reference_is_wrapped_in_all_of() {
        let mut f = field("x", Type::Named(DeclId(0)));
        assert_eq!(
            with(Dialect::JsonSchema, |b| b.field(&f)),
            json!({ "$ref": "#/0" })
        );
        f.docs = Some("Why.".into());
        f.lifecycle.deprecated = Some(accord_idl::model::Deprecated {
            reason: Some("old".into()),
        });
        let schema = with(Dialect::JsonSchema, |b| b.field(&f));
        assert_eq!(schema["allOf"], json!([{ "$ref": "#/0" }]));
        assert_eq!(schema["description"], json!("Why.\n\nDeprecated: old"));
        assert_eq!(schema["deprecated"], json!(true));
    }

    #[test]
    fn openapi_drops_integer_bounds_beyond_64_bits() {
        let mut f = field("x", Type::Scalar(Scalar::U64));
        let max = Some(Number::Int(u64::MAX.into()));
        f.constraints.range = Some(Bounds {
            min: Some(Number::Int(5)),
            max,
        });
        let openapi = with(Dialect::OpenApi30, |b| b.field(&f));
        assert_eq!(
            (openapi["minimum"].clone(), openapi.get("maximum")),
            (json!(5), None)
        );
        let json_schema = with(Dialect::JsonSchema, |b| b.field(&f));
        assert_eq!(json_schema["maximum"], json!(u64::MAX));
    }

    #[test]
    fn defaults_take_their_wire_form() {
        assert_eq!(
            literal(&Literal::Duration(Duration::from_millis(1500))),
            json!("1.5s")
        );
        assert_eq!(literal(&Literal::EnumValue("RED".into())), json!("RED"));
        assert_eq!(literal(&Literal::Int(-7)), json!(-7));
    }

    #[test]
    fn durations_use_the_protobuf_json_form() {
        assert_eq!(duration(Duration::from_secs(2)), "2s");
        assert_eq!(duration(Duration::from_millis(250)), "0.25s");
        assert_eq!(duration(Duration::new(1, 5)), "1.000000005s");
    }
}
