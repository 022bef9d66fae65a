//! Protobuf naming: keyword escaping, collision-free names, enum value prefixes, rpc names and
//! the JSON names protoc derives (which must not collide within a message).

use accord_idl::model::Scalar;
use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Words of the proto3 grammar and its scalar type names. As a type name they would be read as
/// the keyword or the scalar (`message message = 1;`); as a field name they are legal but break
/// many code generators, so both are escaped.
const KEYWORDS: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "enum",
    "extend",
    "extensions",
    "false",
    "fixed32",
    "fixed64",
    "float",
    "group",
    "import",
    "inf",
    "int32",
    "int64",
    "map",
    "max",
    "message",
    "nan",
    "oneof",
    "option",
    "optional",
    "package",
    "public",
    "repeated",
    "required",
    "reserved",
    "returns",
    "rpc",
    "service",
    "sfixed32",
    "sfixed64",
    "sint32",
    "sint64",
    "stream",
    "string",
    "syntax",
    "to",
    "true",
    "uint32",
    "uint64",
    "weak",
];

pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// The name with a trailing `_` when it is a protobuf keyword.
pub fn escape(name: &str) -> String {
    if is_keyword(name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// Claims `name` in `taken`, appending `_` until it is free. Callers claim names in model
/// order, so the result is the same every run.
pub fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut name = name;
    while !taken.insert(name.clone()) {
        name.push('_');
    }
    name
}

/// `OrderState` -> `ORDER_STATE_`: enum values live in the enclosing scope in protobuf, so
/// every value carries its enum's prefix and two enums never collide.
pub fn enum_prefix(enum_name: &str) -> String {
    format!("{}_", enum_name.to_shouty_snake_case())
}

/// Claims a name for an enum value. Besides being free in the file's scope, protoc wants the
/// values of one enum to differ once the prefix, underscores and case are ignored, so a clash
/// takes a numbered suffix (`COLOR_RED_2`) rather than a trailing `_`.
pub fn enum_value(
    prefix: &str,
    value: &str,
    file: &mut BTreeSet<String>,
    this_enum: &mut BTreeSet<String>,
) -> String {
    let normal = |name: &str| name[prefix.len()..].replace('_', "").to_lowercase();
    let base = format!("{prefix}{value}");
    let mut name = base.clone();
    let mut n = 1;
    while file.contains(&name) || this_enum.contains(&normal(&name)) {
        n += 1;
        name = format!("{base}_{n}");
    }
    this_enum.insert(normal(&name));
    file.insert(name.clone());
    name
}

/// `create_order` -> `CreateOrder` (docs/wire.md: gRPC method names are PascalCase).
pub fn rpc_name(op_name: &str) -> String {
    op_name.to_upper_camel_case()
}

/// The JSON name protoc gives a field by default (`line_items` -> `lineItems`).
pub fn default_json_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper_next = false;
    for c in field.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The protobuf spelling of a scalar (`uuid` travels as its string form).
pub fn scalar(s: Scalar) -> &'static str {
    match s {
        Scalar::Bool => "bool",
        Scalar::I32 => "int32",
        Scalar::I64 => "int64",
        Scalar::U32 => "uint32",
        Scalar::U64 => "uint64",
        Scalar::F32 => "float",
        Scalar::F64 => "double",
        Scalar::String | Scalar::Uuid => "string",
        Scalar::Bytes => "bytes",
        Scalar::Timestamp => ".google.protobuf.Timestamp",
        Scalar::Duration => ".google.protobuf.Duration",
    }
}

/// The well-known-type file a scalar needs imported, if any.
pub fn scalar_import(s: Scalar) -> Option<&'static str> {
    match s {
        Scalar::Timestamp => Some("google/protobuf/timestamp.proto"),
        Scalar::Duration => Some("google/protobuf/duration.proto"),
        _ => None,
    }
}

/// A scalar's part of a wrapper message name (`I64`, `Timestamp`).
pub fn scalar_shape(s: Scalar) -> String {
    s.name().to_upper_camel_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_escaped_and_other_names_kept() {
        assert_eq!(escape("message"), "message_");
        assert_eq!(escape("string"), "string_");
        assert_eq!(escape("type"), "type");
        assert_eq!(escape("Message"), "Message");
    }

    #[test]
    fn unique_appends_until_free() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a_");
        assert_eq!(unique("a".into(), &mut taken), "a__");
    }

    #[test]
    fn enum_values_differ_beyond_underscores_and_case() {
        let (mut file, mut this) = (BTreeSet::new(), BTreeSet::new());
        assert_eq!(enum_value("E_", "A_B", &mut file, &mut this), "E_A_B");
        assert_eq!(enum_value("E_", "AB", &mut file, &mut this), "E_AB_2");
        let mut other = BTreeSet::new();
        assert_eq!(enum_value("E_", "A_B", &mut file, &mut other), "E_A_B_2");
    }

    #[test]
    fn prefixes_and_rpc_names() {
        assert_eq!(enum_prefix("OrderState"), "ORDER_STATE_");
        assert_eq!(enum_prefix("HTTPCode"), "HTTP_CODE_");
        assert_eq!(rpc_name("create_order"), "CreateOrder");
        assert_eq!(rpc_name("async"), "Async");
    }

    #[test]
    fn json_names_follow_protoc() {
        assert_eq!(default_json_name("line_items"), "lineItems");
        assert_eq!(default_json_name("lineItems"), "lineItems");
        assert_eq!(default_json_name("a__b_"), "aB");
    }
}
