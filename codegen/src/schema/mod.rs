//! The JSON Schema of every Accord type, following docs/wire.md: one mapping, used by the JSON
//! Schema files, the AsyncAPI payloads and the OpenAPI components, so the three documents can
//! never disagree about a value's JSON shape.
//!
//! [`SchemaBuilder`] maps declarations, fields and types to a [`Schema`], a small typed form
//! that borrows from the model. Two writers turn it into a document's schema object, and they
//! are the only places where the documents differ:
//! - `json.rs`: `Serialize`, as JSON Schema 2020-12 (the JSON Schema files, and AsyncAPI, whose
//!   schema objects are JSON Schema).
//! - `openapi.rs`: [`Schema::into_openapi`], the `openapiv3` value of the OpenAPI document.
//!   OpenAPI 3.0 has no `propertyNames` (an integer map key is named in `x-accord-map-key`
//!   instead), keeps integer bounds in 64 bits and a `number`'s bounds as floats, ignores a
//!   `$ref`'s siblings and has no `null` default.
//!
//! Only the way a schema points at another declaration differs between documents; callers pass
//! it in as a [`Refs`] function.

mod json;
mod openapi;
mod pattern;

pub use json::JsonSchemaFile;

use accord_idl::model::{
    Bounds, Constraints, DeclId, DeclKind, Enum, Field, Lifecycle, Model, Number, Scalar, Struct,
    StructRole, Type, Value as Literal,
};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::time::Duration;

/// How a schema refers to a named declaration: returns the `$ref` target.
pub type Refs<'a> = &'a dyn Fn(DeclId) -> String;

/// Builds the schemas of one document: they borrow from the model (`'m`), not from `refs`.
#[derive(Clone, Copy)]
pub struct SchemaBuilder<'m, 'r> {
    pub model: &'m Model,
    pub refs: Refs<'r>,
}

/// Pattern of a `duration` on the wire (protobuf's JSON mapping).
pub const DURATION_PATTERN: &str = r"^-?[0-9]+(\.[0-9]{1,9})?s$";

/// Extension keywords, the same in every document.
const ENUM_DESCRIPTIONS: &str = "x-enum-descriptions";
const DEPRECATED_VALUES: &str = "x-accord-deprecated-values";
const ERROR_STATUS: &str = "x-accord-status";
const SINCE: &str = "x-accord-since";

/// The schema of a value: its shape plus the keywords any schema may carry.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema<'m> {
    pub kind: Kind<'m>,
    /// A declaration's name.
    pub title: Option<&'m str>,
    /// An error's `@status` (`x-accord-status`).
    pub status: Option<u16>,
    /// A field's `@default`, in its wire form.
    pub default: Option<&'m Literal>,
    /// The doc comment: the `description`, with the reason of a deprecation after it.
    pub docs: Option<&'m str>,
    /// `deprecated` (its reason in the `description`) and `@since` (`x-accord-since`).
    pub lifecycle: Option<&'m Lifecycle>,
    /// An optional field's value may also be `null`, which readers take as unset
    /// (`docs/wire.md`).
    pub nullable: bool,
    /// The JSON type of a referenced declaration (`object`, or `string` for an enum), which
    /// OpenAPI 3.0 wants beside `nullable` when the reference is wrapped in `allOf`.
    pub ref_type: Option<&'static str>,
}

/// The shape of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind<'m> {
    /// A reference to a declaration: the `$ref` target.
    Ref(String),
    /// A reference with keywords beside it, which OpenAPI 3.0 and draft-07 readers would
    /// ignore, wrapped: `allOf: [{ $ref }]`.
    AllOf(Vec<Schema<'m>>),
    /// A union: exactly one of the variants.
    OneOf(Vec<Schema<'m>>),
    Boolean,
    Integer {
        format: Format,
        minimum: Bound<'m>,
        maximum: Bound<'m>,
    },
    Number {
        format: Format,
        minimum: Bound<'m>,
        maximum: Bound<'m>,
    },
    String {
        format: Option<Format>,
        /// In the form both ECMA-262 modes read alike (see `pattern`).
        pattern: Option<Cow<'m, str>>,
        length: Bounds<u64>,
    },
    /// A string holding one of the value names of an enum.
    Enum(Enumeration<'m>),
    Array {
        items: Box<Schema<'m>>,
        length: Bounds<u64>,
    },
    /// A map: an object of any keys (`key` says what they hold), each holding `values`.
    Map {
        key: Scalar,
        values: Box<Schema<'m>>,
        length: Bounds<u64>,
    },
    /// A struct: its fields as properties.
    Object(Vec<Property<'m>>),
    /// One variant of a union, externally tagged: an object of exactly one property, named
    /// after the variant (also the object's title).
    Variant {
        name: &'m str,
        schema: Box<Schema<'m>>,
    },
}

/// No `@length`.
pub const NO_LENGTH: Bounds<u64> = Bounds {
    min: None,
    max: None,
};

/// A property of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Property<'m> {
    pub name: &'m str,
    pub schema: Schema<'m>,
    /// Listed in `required`: a non-optional field.
    pub required: bool,
}

/// The `format` keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Int32,
    Int64,
    Float,
    Double,
    Byte,
    DateTime,
    Uuid,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Int32 => "int32",
            Format::Int64 => "int64",
            Format::Float => "float",
            Format::Double => "double",
            Format::Byte => "byte",
            Format::DateTime => "date-time",
            Format::Uuid => "uuid",
        }
    }
}

/// A `minimum` or `maximum`: the field's `@range` bound if it has one, else the type's own
/// (`u32` ≤ 4294967295). A bound a document cannot write (beyond its integers) says nothing
/// new there, so the writer falls back to the type's own.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bound<'m> {
    pub range: Option<&'m Number>,
    pub own: Option<i64>,
}

/// The value names of an enum; per-value docs and deprecations go in extensions, since JSON
/// Schema has no place for them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Enumeration<'m>(pub &'m Enum);

impl<'m> Enumeration<'m> {
    pub fn names(self) -> impl ExactSizeIterator<Item = &'m str> + Clone {
        self.0.values.iter().map(|v| v.name.as_str())
    }

    /// Each value's doc comment (empty for none), when any value has one.
    pub fn descriptions(self) -> Option<impl ExactSizeIterator<Item = &'m str> + Clone> {
        let values = &self.0.values;
        let any = values.iter().any(|v| v.docs.is_some());
        any.then(|| {
            values
                .iter()
                .map(|v| v.docs.as_deref().unwrap_or("").trim())
        })
    }

    /// The deprecated values, when there are any.
    pub fn deprecated(self) -> Option<impl Iterator<Item = &'m str> + Clone> {
        let values = &self.0.values;
        let deprecated = values.iter().filter(|v| v.lifecycle.deprecated.is_some());
        let any = deprecated.clone().next().is_some();
        any.then(|| deprecated.map(|v| v.name.as_str()))
    }
}

impl<'m> Schema<'m> {
    /// A schema of this kind and no other keyword.
    pub fn new(kind: Kind<'m>) -> Schema<'m> {
        Schema {
            kind,
            title: None,
            status: None,
            default: None,
            docs: None,
            lifecycle: None,
            nullable: false,
            ref_type: None,
        }
    }

    /// Sets what `description`, `deprecated` and `x-accord-since` say.
    fn annotate(&mut self, docs: Option<&'m str>, lifecycle: &'m Lifecycle) {
        self.docs = docs;
        self.lifecycle = Some(lifecycle);
    }

    pub fn deprecated(&self) -> bool {
        self.lifecycle.is_some_and(|l| l.deprecated.is_some())
    }

    /// The doc comment, then the reason of a deprecation.
    pub fn description(&self) -> Option<Cow<'m, str>> {
        described(self.docs, self.lifecycle)
    }

    /// The version of `@since`.
    pub fn since(&self) -> Option<String> {
        let since = self.lifecycle.and_then(|l| l.since.as_ref());
        since.map(ToString::to_string)
    }
}

impl<'m> SchemaBuilder<'m, '_> {
    /// The schema of a declaration, with its title, description and deprecation.
    pub fn decl(&self, id: DeclId) -> Schema<'m> {
        let decl = self.model.decl(id);
        let mut schema = match &decl.kind {
            DeclKind::Struct(s) => self.object(s.fields.iter()),
            DeclKind::Enum(e) => Schema::new(Kind::Enum(Enumeration(e))),
            DeclKind::Union(u) => {
                let variants = u.variants.iter().map(|v| {
                    Schema::new(Kind::Variant {
                        name: &v.name,
                        schema: Box::new(self.field(v)),
                    })
                });
                Schema::new(Kind::OneOf(variants.collect()))
            }
        };
        schema.title = Some(&decl.name);
        if let DeclKind::Struct(Struct {
            role: StructRole::Error { status },
            ..
        }) = &decl.kind
        {
            schema.status = Some(*status);
        }
        schema.annotate(decl.docs.as_deref(), &decl.lifecycle);
        schema
    }

    /// An object holding these fields, the non-optional ones required.
    pub fn object(&self, fields: impl Iterator<Item = &'m Field>) -> Schema<'m> {
        let properties = fields.map(|f| Property {
            name: &f.name,
            schema: self.field(f),
            required: !f.optional,
        });
        Schema::new(Kind::Object(properties.collect()))
    }

    /// A field's schema: its type plus constraints, default, description and deprecation.
    pub fn field(&self, field: &'m Field) -> Schema<'m> {
        let mut schema = self.ty(&field.ty);
        let decorated = !field.constraints.is_empty()
            || field.default.is_some()
            || field.docs.is_some()
            || field.lifecycle.deprecated.is_some()
            || field.optional;
        if decorated && matches!(schema.kind, Kind::Ref(_)) {
            // A `$ref` beside other keywords is ignored by OpenAPI 3.0 and draft-07 readers.
            schema = Schema::new(Kind::AllOf(vec![schema]));
        }
        constrain(&mut schema.kind, &field.constraints);
        schema.default = field.default.as_ref();
        schema.nullable = field.optional;
        if let Type::Named(id) = &field.ty {
            schema.ref_type = Some(match self.model.decl(*id).kind {
                DeclKind::Enum(_) => "string",
                DeclKind::Struct(_) | DeclKind::Union(_) => "object",
            });
        }
        schema.annotate(field.docs.as_deref(), &field.lifecycle);
        schema
    }

    /// The schema of a type as it appears on the wire.
    pub fn ty(&self, ty: &'m Type) -> Schema<'m> {
        Schema::new(match ty {
            Type::Scalar(s) => scalar(*s),
            Type::List(item) => Kind::Array {
                items: Box::new(self.ty(item)),
                length: NO_LENGTH,
            },
            Type::Map(key, value) => Kind::Map {
                key: *key,
                values: Box::new(self.ty(value)),
                length: NO_LENGTH,
            },
            Type::Named(id) => Kind::Ref((self.refs)(*id)),
        })
    }
}

/// The kind of a scalar on the wire (docs/wire.md's table).
pub fn scalar(scalar: Scalar) -> Kind<'static> {
    let integer = |format, minimum, maximum| Kind::Integer {
        format,
        minimum: Bound {
            range: None,
            own: minimum,
        },
        maximum: Bound {
            range: None,
            own: maximum,
        },
    };
    let number = |format| Kind::Number {
        format,
        minimum: Bound::default(),
        maximum: Bound::default(),
    };
    let string = |format, pattern| Kind::String {
        format,
        pattern,
        length: NO_LENGTH,
    };
    match scalar {
        Scalar::Bool => Kind::Boolean,
        Scalar::I32 => integer(Format::Int32, None, None),
        Scalar::I64 => integer(Format::Int64, None, None),
        Scalar::U32 => integer(Format::Int64, Some(0), Some(u32::MAX.into())),
        Scalar::U64 => integer(Format::Int64, Some(0), None),
        Scalar::F32 => number(Format::Float),
        Scalar::F64 => number(Format::Double),
        Scalar::String => string(None, None),
        Scalar::Bytes => string(Some(Format::Byte), None),
        Scalar::Timestamp => string(Some(Format::DateTime), None),
        Scalar::Duration => string(None, Some(Cow::Borrowed(DURATION_PATTERN))),
        Scalar::Uuid => string(Some(Format::Uuid), None),
    }
}

/// Adds `@range`, `@length` and `@pattern` to the kinds they fit (the checker lets them onto
/// no other): `@range` tightens the bounds the scalar already has (`u32` starts at 0).
fn constrain<'m>(kind: &mut Kind<'m>, c: &'m Constraints) {
    if let (
        Some(range),
        Kind::Integer {
            minimum, maximum, ..
        }
        | Kind::Number {
            minimum, maximum, ..
        },
    ) = (&c.range, &mut *kind)
    {
        minimum.range = range.min.as_ref().or(minimum.range);
        maximum.range = range.max.as_ref().or(maximum.range);
    }
    if let Some(given) = c.length {
        // Bytes are base64 on the wire: n bytes take 4·⌈n/3⌉ characters.
        let bytes = matches!(
            kind,
            Kind::String {
                format: Some(Format::Byte),
                ..
            }
        );
        let wire = |n: u64| {
            if bytes {
                n.div_ceil(3).saturating_mul(4)
            } else {
                n
            }
        };
        if let Kind::String { length, .. } | Kind::Array { length, .. } | Kind::Map { length, .. } =
            kind
        {
            length.min = given.min.map(wire).or(length.min);
            length.max = given.max.map(wire).or(length.max);
        }
    }
    if let (Some(given), Kind::String { pattern, .. }) = (&c.pattern, kind) {
        *pattern = Some(pattern::ecma(given));
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
    described(docs, Some(lifecycle)).map(Cow::into_owned)
}

/// [`description`], borrowing the doc comment when there is no deprecation reason to add.
fn described<'m>(docs: Option<&'m str>, lifecycle: Option<&Lifecycle>) -> Option<Cow<'m, str>> {
    let docs = docs.map_or("", str::trim);
    let deprecated = lifecycle.and_then(|l| l.deprecated.as_ref());
    let reason = deprecated.and_then(|d| d.reason.as_ref());
    let text = match reason {
        None => Cow::Borrowed(docs),
        Some(reason) if docs.is_empty() => Cow::Owned(format!("Deprecated: {reason}")),
        Some(reason) => Cow::Owned(format!("{docs}\n\nDeprecated: {reason}")),
    };
    (!text.is_empty()).then_some(text)
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
    use accord_idl::model::{Decl, Package, PackageId, Union};

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

    fn refs(id: DeclId) -> String {
        format!("#/{}", id.0)
    }

    fn builder(model: &Model) -> SchemaBuilder<'_, 'static> {
        SchemaBuilder { model, refs: &refs }
    }

    /// The schema as the JSON Schema files and AsyncAPI have it.
    fn json_schema(schema: Schema) -> Value {
        serde_json::to_value(&schema).expect("json")
    }

    /// The schema as OpenAPI has it.
    fn openapi(schema: Schema) -> Value {
        serde_json::to_value(schema.into_openapi()).expect("json")
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
        let model = model();
        let b = builder(&model);
        for (scalar, schema) in expected {
            let ty = Type::Scalar(scalar);
            assert_eq!(json_schema(b.ty(&ty)), schema, "{}", scalar.name());
            assert_eq!(openapi(b.ty(&ty)), schema, "{}", scalar.name());
        }
    }

    #[test]
    fn unions_are_externally_tagged() {
        let model = model();
        for schema in [
            json_schema(builder(&model).decl(DeclId(0))),
            openapi(builder(&model).decl(DeclId(0))),
        ] {
            let variants = schema["oneOf"].as_array().expect("oneOf");
            assert_eq!(variants.len(), 2);
            assert_eq!(variants[0]["title"], json!("a"));
            assert_eq!(variants[0]["required"], json!(["a"]));
            assert_eq!(variants[0]["additionalProperties"], json!(false));
            assert_eq!(
                variants[1]["properties"]["b"]["items"]["format"],
                json!("int64")
            );
            assert_eq!(schema["title"], json!("U"));
        }
    }

    /// The JSON writer's keyword order is part of the documents' text.
    #[test]
    fn json_keywords_keep_their_order() {
        let model = model();
        let b = builder(&model);
        let mut f = field("x", Type::Scalar(Scalar::U32));
        f.constraints.range = Some(Bounds {
            min: None,
            max: Some(Number::Int(10)),
        });
        f.default = Some(Literal::Int(3));
        f.docs = Some(" Why. ".into());
        f.lifecycle.since = Some(semver::Version::new(1, 2, 0));
        assert_eq!(
            serde_json::to_string(&b.field(&f)).expect("json"),
            r#"{"type":"integer","format":"int64","minimum":0,"maximum":10,"default":3,"description":"Why.","x-accord-since":"1.2.0"}"#
        );
        let mut s = field("s", Type::Scalar(Scalar::String));
        s.constraints.pattern = Some("^a$".into());
        s.constraints.length = Some(Bounds {
            min: Some(1),
            max: None,
        });
        assert_eq!(
            serde_json::to_string(&b.field(&s)).expect("json"),
            r#"{"type":"string","minLength":1,"pattern":"^a$"}"#
        );
        let variant = serde_json::to_string(&b.decl(DeclId(0))).expect("json");
        assert!(
            variant.starts_with(r#"{"oneOf":[{"type":"object","title":"a","properties":{"a":"#),
            "{variant}"
        );
        assert!(variant.ends_with(r#"],"title":"U"}"#), "{variant}");
    }

    /// A field's schema as each writer has it: (JSON Schema, OpenAPI).
    fn written(field: &Field) -> (Value, Value) {
        let model = model();
        let b = builder(&model);
        (json_schema(b.field(field)), openapi(b.field(field)))
    }

    #[test]
    fn lengths_fit_the_type() {
        let mut f = field("x", Type::Scalar(Scalar::Bytes));
        f.constraints.length = Some(Bounds {
            min: Some(1),
            max: Some(16),
        });
        // Base64: 1 byte takes 4 characters, 16 bytes take 24.
        let (json_schema, openapi) = written(&f);
        for bytes in [json_schema, openapi] {
            assert_eq!(
                (bytes["minLength"].clone(), bytes["maxLength"].clone()),
                (json!(4), json!(24))
            );
        }
        f.ty = Type::List(Box::new(Type::Scalar(Scalar::Bool)));
        let (json_schema, openapi) = written(&f);
        assert_eq!(
            (&json_schema["maxItems"], &openapi["maxItems"]),
            (&json!(16), &json!(16))
        );
        f.ty = Type::Map(Scalar::String, Box::new(Type::Scalar(Scalar::Bool)));
        let (json_schema, openapi) = written(&f);
        assert_eq!(
            (&json_schema["minProperties"], &openapi["minProperties"]),
            (&json!(1), &json!(1))
        );
    }

    #[test]
    fn integer_map_keys_are_decimal_strings() {
        let mut f = field(
            "x",
            Type::Map(Scalar::I64, Box::new(Type::Named(DeclId(0)))),
        );
        let (json_schema, openapi) = written(&f);
        assert_eq!(json_schema["propertyNames"]["pattern"], json!("^-?[0-9]+$"));
        assert_eq!(
            json_schema["additionalProperties"],
            json!({ "$ref": "#/0" })
        );
        assert!(openapi.get("propertyNames").is_none());
        assert_eq!(openapi["x-accord-map-key"], json!("i64"));
        f.ty = Type::Map(Scalar::U32, Box::new(Type::Scalar(Scalar::Bool)));
        assert_eq!(written(&f).0["propertyNames"]["pattern"], json!("^[0-9]+$"));
    }

    #[test]
    fn a_decorated_reference_is_wrapped_in_all_of() {
        let mut f = field("x", Type::Named(DeclId(0)));
        assert_eq!(written(&f).0, json!({ "$ref": "#/0" }));
        f.docs = Some("Why.".into());
        f.lifecycle.deprecated = Some(accord_idl::model::Deprecated {
            reason: Some("old".into()),
        });
        let (json_schema, openapi) = written(&f);
        for schema in [json_schema, openapi] {
            assert_eq!(schema["allOf"], json!([{ "$ref": "#/0" }]));
            assert_eq!(schema["description"], json!("Why.\n\nDeprecated: old"));
            assert_eq!(schema["deprecated"], json!(true));
        }
    }

    /// `@since` alone does not wrap a reference: OpenAPI drops it beside the `$ref`.
    #[test]
    fn openapi_references_stand_alone() {
        let mut f = field("x", Type::Named(DeclId(0)));
        f.lifecycle.since = Some(semver::Version::new(1, 2, 0));
        assert_eq!(
            written(&f),
            (
                json!({ "$ref": "#/0", "x-accord-since": "1.2.0" }),
                json!({ "$ref": "#/0" })
            )
        );
    }

    #[test]
    fn openapi_drops_integer_bounds_beyond_64_bits() {
        let mut f = field("x", Type::Scalar(Scalar::U64));
        let max = Some(Number::Int(u64::MAX.into()));
        f.constraints.range = Some(Bounds {
            min: Some(Number::Int(5)),
            max,
        });
        let (json_schema, openapi) = written(&f);
        assert_eq!(
            (openapi["minimum"].clone(), openapi.get("maximum")),
            (json!(5), None)
        );
        assert_eq!(json_schema["maximum"], json!(u64::MAX));
        // Beyond every integer JSON has, a bound falls back to the type's own.
        f.constraints.range = Some(Bounds {
            min: Some(Number::Int(i128::MIN)),
            max: None,
        });
        let (json_schema, openapi) = written(&f);
        assert_eq!(
            (&json_schema["minimum"], &openapi["minimum"]),
            (&json!(0), &json!(0))
        );
    }

    #[test]
    fn openapi_number_bounds_are_floats() {
        let mut f = field("x", Type::Scalar(Scalar::F64));
        f.constraints.range = Some(Bounds {
            min: Some(Number::Int(1)),
            max: Some(Number::Float(2.5)),
        });
        let text = |v: &Value| serde_json::to_string(v).expect("json");
        let bounds = |v: &Value| (text(&v["minimum"]), text(&v["maximum"]));
        let (json_schema, openapi) = written(&f);
        assert_eq!(bounds(&json_schema), ("1".into(), "2.5".into()));
        assert_eq!(bounds(&openapi), ("1.0".into(), "2.5".into()));
    }

    #[test]
    fn openapi_leaves_out_a_default_without_a_json_form() {
        let mut f = field("x", Type::Scalar(Scalar::F64));
        f.default = Some(Literal::Float(f64::INFINITY));
        let (json_schema, openapi) = written(&f);
        assert_eq!(json_schema.get("default"), Some(&Value::Null));
        assert!(openapi.get("default").is_none());
    }

    #[test]
    fn enums_list_value_docs_and_deprecations() {
        use accord_idl::model::{Deprecated, EnumValue};
        let value = |name: &str, docs: Option<&str>, deprecated: bool| EnumValue {
            name: name.into(),
            number: 0,
            docs: docs.map(Into::into),
            lifecycle: Lifecycle {
                deprecated: deprecated.then_some(Deprecated { reason: None }),
                ..Lifecycle::default()
            },
        };
        let mut model = model();
        model.decls[0].kind = DeclKind::Enum(Enum {
            values: vec![
                value("RED", Some(" Warm. "), false),
                value("OLD", None, true),
            ],
            reserved: vec![],
        });
        for schema in [
            json_schema(builder(&model).decl(DeclId(0))),
            openapi(builder(&model).decl(DeclId(0))),
        ] {
            assert_eq!(schema["type"], json!("string"));
            assert_eq!(schema["enum"], json!(["RED", "OLD"]));
            assert_eq!(schema["x-enum-descriptions"], json!(["Warm.", ""]));
            assert_eq!(schema["x-accord-deprecated-values"], json!(["OLD"]));
        }
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
