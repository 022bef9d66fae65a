//! The OpenAPI schemas of declarations and fields, built as `openapiv3` values directly.
//!
//! The mapping is the one of [`crate::schema`] in its OpenAPI 3.0 dialect; building the JSON
//! value there and converting it cost more than the rest of the document. This builder covers
//! the usual shapes; for any other (a constraint on a kind it does not fit, a float bound on an
//! integer) it returns what the shared mapping gives, converted by [`typed`]. The tests hold
//! both equal for every declaration and field of the stress and synthetic APIs.

use super::typed::typed;
use crate::schema::{self, DURATION_PATTERN, SchemaBuilder};
use accord_idl::Model;
use accord_idl::model::{
    Constraints, DeclId, DeclKind, Enum, Field, Lifecycle, Number, Scalar, Struct, StructRole,
    Type, Union,
};
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ArrayType, BooleanType, IntegerFormat, IntegerType, NumberFormat,
    NumberType, ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind, StringFormat, StringType,
    Type as Kind, VariantOrUnknownOrEmpty,
};
use serde_json::{Value, json};

/// Builds the schemas of one document; `fallback` is the shared mapping, same references.
pub struct Schemas<'a> {
    pub model: &'a Model,
    pub fallback: SchemaBuilder<'a>,
}

impl Schemas<'_> {
    /// The schema of a declaration, with its title, description and deprecation.
    pub fn decl(&self, id: DeclId) -> ReferenceOr<Schema> {
        let decl = self.model.decl(id);
        let built = match &decl.kind {
            DeclKind::Struct(s) => self.object(&s.fields),
            DeclKind::Enum(e) => Some(enumeration(e)),
            DeclKind::Union(u) => self.union(u),
        };
        let Some(mut schema) = built else {
            return typed(&self.fallback.decl(id));
        };
        schema.schema_data.title = Some(decl.name.clone());
        if let DeclKind::Struct(Struct {
            role: StructRole::Error { status },
            ..
        }) = &decl.kind
        {
            let data = &mut schema.schema_data;
            data.extensions
                .insert("x-accord-status".into(), json!(status));
        }
        annotate(
            &mut schema.schema_data,
            decl.docs.as_deref(),
            &decl.lifecycle,
        );
        ReferenceOr::Item(schema)
    }

    /// A field's schema: its type plus constraints, default, description and deprecation.
    pub fn field(&self, field: &Field) -> ReferenceOr<Schema> {
        self.direct_field(field)
            .unwrap_or_else(|| typed(&self.fallback.field(field)))
    }

    /// `properties` of an object holding these fields.
    pub fn properties<'f>(
        &self,
        fields: impl Iterator<Item = &'f Field>,
    ) -> IndexMap<String, ReferenceOr<Box<Schema>>> {
        fields
            .map(|f| (f.name.clone(), boxed(self.field(f))))
            .collect()
    }

    fn direct_field(&self, field: &Field) -> Option<ReferenceOr<Schema>> {
        let mut schema = match ty(self.model, &field.ty) {
            ReferenceOr::Item(schema) => schema,
            reference if !decorated(field) => return Some(reference),
            // A `$ref` beside other keywords is ignored by OpenAPI 3.0 readers.
            reference => item(SchemaKind::AllOf {
                all_of: vec![reference],
            }),
        };
        constrain(&mut schema.schema_kind, &field.ty, &field.constraints)?;
        // A default without a JSON form (`null`) is left out, as `openapiv3` reads it.
        let default = field.default.as_ref().map(schema::literal);
        schema.schema_data.default = default.filter(|d| !d.is_null());
        annotate(
            &mut schema.schema_data,
            field.docs.as_deref(),
            &field.lifecycle,
        );
        Some(ReferenceOr::Item(schema))
    }

    /// A struct: its fields as properties, the non-optional ones required.
    fn object(&self, fields: &[Field]) -> Option<Schema> {
        let properties = fields
            .iter()
            .map(|f| Some((f.name.clone(), boxed(self.direct_field(f)?))))
            .collect::<Option<_>>()?;
        let required = fields
            .iter()
            .filter(|f| !f.optional)
            .map(|f| f.name.clone())
            .collect();
        Some(item(SchemaKind::Type(Kind::Object(ObjectType {
            properties,
            required,
            ..ObjectType::default()
        }))))
    }

    /// Externally tagged: exactly one member, named after the variant.
    fn union(&self, u: &Union) -> Option<Schema> {
        let variants = u.variants.iter().map(|v| {
            let mut properties = IndexMap::new();
            properties.insert(v.name.clone(), boxed(self.direct_field(v)?));
            let mut variant = item(SchemaKind::Type(Kind::Object(ObjectType {
                properties,
                required: vec![v.name.clone()],
                additional_properties: Some(AdditionalProperties::Any(false)),
                ..ObjectType::default()
            })));
            variant.schema_data.title = Some(v.name.clone());
            Some(ReferenceOr::Item(variant))
        });
        let one_of = variants.collect::<Option<_>>()?;
        Some(item(SchemaKind::OneOf { one_of }))
    }
}

/// The schema of a type as it appears on the wire.
pub fn ty(model: &Model, ty: &Type) -> ReferenceOr<Schema> {
    let kind = match ty {
        Type::Scalar(s) => scalar(*s),
        Type::List(element) => Kind::Array(ArrayType {
            items: Some(boxed(self::ty(model, element))),
            min_items: None,
            max_items: None,
            unique_items: false,
        }),
        Type::Map(key, value) => return ReferenceOr::Item(map(model, *key, value)),
        Type::Named(id) => return ReferenceOr::ref_(&super::component_ref(model, *id)),
    };
    ReferenceOr::Item(item(SchemaKind::Type(kind)))
}

fn map(model: &Model, key: Scalar, value: &Type) -> Schema {
    let value = ty(model, value);
    let mut schema = item(SchemaKind::Type(Kind::Object(ObjectType {
        additional_properties: Some(AdditionalProperties::Schema(Box::new(value))),
        ..ObjectType::default()
    })));
    if key.is_integer() {
        // Integer keys travel as decimal strings; OpenAPI 3.0 has no `propertyNames`.
        let data = &mut schema.schema_data;
        data.extensions
            .insert("x-accord-map-key".into(), json!(key.name()));
    }
    schema
}

fn scalar(scalar: Scalar) -> Kind {
    let integer = |format, minimum, maximum| {
        Kind::Integer(IntegerType {
            format: VariantOrUnknownOrEmpty::Item(format),
            minimum,
            maximum,
            ..IntegerType::default()
        })
    };
    let number = |format| {
        Kind::Number(NumberType {
            format: VariantOrUnknownOrEmpty::Item(format),
            ..NumberType::default()
        })
    };
    let string = |format: VariantOrUnknownOrEmpty<StringFormat>, pattern: Option<&str>| {
        Kind::String(StringType {
            format,
            pattern: pattern.map(str::to_string),
            ..StringType::default()
        })
    };
    let known = VariantOrUnknownOrEmpty::Item;
    match scalar {
        Scalar::Bool => Kind::Boolean(BooleanType::default()),
        Scalar::I32 => integer(IntegerFormat::Int32, None, None),
        Scalar::I64 => integer(IntegerFormat::Int64, None, None),
        Scalar::U32 => integer(IntegerFormat::Int64, Some(0), Some(u32::MAX.into())),
        Scalar::U64 => integer(IntegerFormat::Int64, Some(0), None),
        Scalar::F32 => number(NumberFormat::Float),
        Scalar::F64 => number(NumberFormat::Double),
        Scalar::String => string(VariantOrUnknownOrEmpty::Empty, None),
        Scalar::Bytes => string(known(StringFormat::Byte), None),
        Scalar::Timestamp => string(known(StringFormat::DateTime), None),
        Scalar::Duration => string(VariantOrUnknownOrEmpty::Empty, Some(DURATION_PATTERN)),
        Scalar::Uuid => string(VariantOrUnknownOrEmpty::Unknown("uuid".into()), None),
    }
}

/// A string with the value names; per-value docs and deprecations as extensions.
fn enumeration(e: &Enum) -> Schema {
    let names = e.values.iter().map(|v| Some(v.name.clone())).collect();
    let mut schema = item(SchemaKind::Type(Kind::String(StringType {
        enumeration: names,
        ..StringType::default()
    })));
    let extensions = &mut schema.schema_data.extensions;
    if e.values.iter().any(|v| v.docs.is_some()) {
        let docs = e.values.iter();
        let docs = docs.map(|v| json!(v.docs.as_deref().unwrap_or("").trim()));
        extensions.insert("x-enum-descriptions".into(), Value::Array(docs.collect()));
    }
    let deprecated: Vec<Value> = e
        .values
        .iter()
        .filter(|v| v.lifecycle.deprecated.is_some())
        .map(|v| json!(v.name))
        .collect();
    if !deprecated.is_empty() {
        extensions.insert(
            "x-accord-deprecated-values".into(),
            Value::Array(deprecated),
        );
    }
    schema
}

/// Sets `@range`, `@length` and `@pattern` on the kind they fit; `None` for any other pairing.
fn constrain(kind: &mut SchemaKind, ty: &Type, c: &Constraints) -> Option<()> {
    let SchemaKind::Type(kind) = kind else {
        return c.is_empty().then_some(());
    };
    if let Some(range) = &c.range {
        bounds(kind, range.min, range.max)?;
    }
    if let Some(length) = &c.length {
        // Bytes are base64 on the wire: n bytes take 4·⌈n/3⌉ characters.
        let bytes = matches!(ty, Type::Scalar(Scalar::Bytes));
        let wire = |n: Option<u64>| {
            let n = if bytes {
                n.map(|n| n.div_ceil(3).saturating_mul(4))
            } else {
                n
            };
            n.map(usize::try_from).transpose().ok()
        };
        let (min, max) = (wire(length.min)?, wire(length.max)?);
        match kind {
            Kind::Array(a) => {
                (a.min_items, a.max_items) = (min.or(a.min_items), max.or(a.max_items))
            }
            Kind::Object(o) if matches!(ty, Type::Map(..)) => {
                (o.min_properties, o.max_properties) =
                    (min.or(o.min_properties), max.or(o.max_properties))
            }
            Kind::String(s) => {
                (s.min_length, s.max_length) = (min.or(s.min_length), max.or(s.max_length))
            }
            _ => return None,
        }
    }
    if let Some(pattern) = &c.pattern {
        let Kind::String(s) = kind else { return None };
        s.pattern = Some(pattern.clone());
    }
    Some(())
}

/// `@range` tightens the bounds the scalar already has (`u32` starts at 0). OpenAPI keeps
/// integer bounds in 64 bits: a wider one says nothing new and is left out.
fn bounds(kind: &mut Kind, min: Option<Number>, max: Option<Number>) -> Option<()> {
    match kind {
        Kind::Integer(i) => {
            let int = |n: Option<Number>, old: Option<i64>| match n {
                None => Some(old),
                Some(Number::Int(n)) => Some(i64::try_from(n).ok().or(old)),
                Some(Number::Float(_)) => None,
            };
            (i.minimum, i.maximum) = (int(min, i.minimum)?, int(max, i.maximum)?);
        }
        Kind::Number(f) => {
            let float = |n: Option<Number>, old: Option<f64>| match n {
                None => old,
                Some(Number::Int(n)) => i64::try_from(n).ok().map(|n| n as f64).or(old),
                Some(Number::Float(n)) => Some(n).filter(|n| n.is_finite()).or(old),
            };
            (f.minimum, f.maximum) = (float(min, f.minimum), float(max, f.maximum));
        }
        _ => return None,
    }
    Some(())
}

fn decorated(field: &Field) -> bool {
    !field.constraints.is_empty()
        || field.default.is_some()
        || field.docs.is_some()
        || field.lifecycle.deprecated.is_some()
}

/// Sets `description`, `deprecated` and `x-accord-since` as [`schema::annotate`] does.
fn annotate(data: &mut SchemaData, docs: Option<&str>, lifecycle: &Lifecycle) {
    data.deprecated |= lifecycle.deprecated.is_some();
    if let Some(text) = schema::description(docs, lifecycle) {
        data.description = Some(text);
    }
    if let Some(since) = &lifecycle.since {
        data.extensions
            .insert("x-accord-since".into(), json!(since.to_string()));
    }
}

fn item(schema_kind: SchemaKind) -> Schema {
    Schema {
        schema_data: SchemaData::default(),
        schema_kind,
    }
}

pub fn boxed(schema: ReferenceOr<Schema>) -> ReferenceOr<Box<Schema>> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::typed::{tests::models, through_serde};
    use crate::schema::Dialect;

    #[test]
    fn the_direct_schemas_are_those_of_the_shared_mapping() {
        for model in models() {
            let refs = |id: DeclId| super::super::component_ref(&model, id);
            let fallback = SchemaBuilder {
                model: &model,
                refs: &refs,
                dialect: Dialect::OpenApi30,
            };
            let schemas = Schemas {
                model: &model,
                fallback,
            };
            for id in model.decl_ids() {
                let decl = model.decl(id);
                let expected = through_serde(&fallback.decl(id));
                assert_eq!(schemas.decl(id), expected, "{}", decl.name);
                let fields = match &decl.kind {
                    DeclKind::Struct(s) => &s.fields,
                    DeclKind::Union(u) => &u.variants,
                    DeclKind::Enum(_) => continue,
                };
                // Every usual shape is built directly, without the fallback.
                assert!(schemas.object(fields).is_some(), "{}", decl.name);
                for field in fields {
                    let expected = through_serde(&fallback.field(field));
                    let direct = schemas.direct_field(field);
                    assert_eq!(
                        direct.as_ref(),
                        Some(&expected),
                        "{}.{}",
                        decl.name,
                        field.name
                    );
                }
            }
        }
    }

    /// Odd pairings the checker may or may not let through still get the shared mapping's
    /// schema, through the fallback.
    #[test]
    fn odd_shapes_fall_back_to_the_shared_mapping() {
        use accord_idl::model::{Bounds, Value as Literal};
        let model = &models()[0];
        let refs = |id: DeclId| super::super::component_ref(model, id);
        let fallback = SchemaBuilder {
            model,
            refs: &refs,
            dialect: Dialect::OpenApi30,
        };
        let schemas = Schemas { model, fallback };
        let field = |ty: Type, constraints: Constraints| Field {
            name: "x".into(),
            number: 1,
            ty,
            optional: false,
            docs: None,
            lifecycle: Lifecycle::default(),
            constraints,
            default: None,
            http_override: None,
        };
        let range = |min, max| Constraints {
            range: Some(Bounds { min, max }),
            ..Constraints::default()
        };
        let length = Constraints {
            length: Some(Bounds {
                min: Some(1),
                max: None,
            }),
            ..Constraints::default()
        };
        let named = model.decl_ids().next().expect("a declaration");
        let mut odd = vec![
            field(
                Type::Scalar(Scalar::I32),
                range(Some(Number::Float(0.5)), None),
            ),
            field(
                Type::Scalar(Scalar::F64),
                range(None, Some(Number::Int(i128::MAX))),
            ),
            field(
                Type::Scalar(Scalar::F64),
                range(Some(Number::Float(f64::NAN)), None),
            ),
            field(
                Type::Scalar(Scalar::U64),
                range(None, Some(Number::Int(u64::MAX.into()))),
            ),
            field(
                Type::Scalar(Scalar::Bool),
                range(Some(Number::Int(1)), None),
            ),
            field(Type::Scalar(Scalar::I64), length.clone()),
            field(Type::Named(named), length.clone()),
            field(Type::Named(named), Constraints::default()),
        ];
        let mut with_default = field(Type::Scalar(Scalar::I64), Constraints::default());
        with_default.default = Some(Literal::Int(i128::MAX));
        odd.push(with_default);
        let mut since = field(Type::Named(named), Constraints::default());
        since.lifecycle.since = Some(semver::Version::new(1, 2, 0));
        odd.push(since);
        for f in &odd {
            assert_eq!(schemas.field(f), through_serde(&fallback.field(f)), "{f:?}");
        }
    }
}
