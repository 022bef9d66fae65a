//! What the parts of the Rust target share about members and values: a member's Rust type
//! and typed literals. A leaf: it imports no other part of the target.

use super::Generator;
use accord_idl::model::*;

/// The Rust type of member `index` of `owner`: `Option` when optional without a default,
/// `Box` when the type contains its owner.
pub fn field_type(g: &Generator<'_>, owner: DeclId, index: usize) -> String {
    let decl = g.model.decl(owner);
    let field = member(decl, index);
    let mut ty = g.rust_type(decl.package, &field.ty);
    if g.names.boxed.contains(&(owner, index)) {
        ty = format!("__accord::Box<{ty}>");
    }
    if field.optional && field.default.is_none() {
        ty = format!("__accord::Option<{ty}>");
    }
    ty
}

pub fn member(decl: &Decl, index: usize) -> &Field {
    match &decl.kind {
        DeclKind::Struct(s) => &s.fields[index],
        DeclKind::Union(u) => &u.variants[index],
        DeclKind::Enum(_) => unreachable!("enums have no fields"),
    }
}

/// A typed integer literal (`5i32`); a negative one as a negation (`-5i32`), so `i64::MIN`
/// does not overflow and the token is valid in a proc macro too.
pub fn int_literal(value: i128, ty: Scalar) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}{}", value.unsigned_abs(), ty.name())
}

/// A typed float literal (`1.5f64`, `-2e30f32`) that reads back as the same value.
pub fn float_literal(value: f64, ty: Scalar) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    let digits = if ty == Scalar::F32 {
        float_digits(
            f64::from(magnitude as f32),
            format!("{:?}", magnitude as f32),
        )
    } else {
        float_digits(magnitude, format!("{magnitude:?}"))
    };
    format!("{sign}{digits}{}", ty.name())
}

/// Debug prints the shortest text that reads back exactly (`1.0`, `1e300`); a Rust literal
/// needs a digit before an exponent's `e` only, which Debug always writes. Non-finite values
/// cannot be IDL literals.
fn float_digits(value: f64, debug: String) -> String {
    if value.is_finite() {
        debug
    } else {
        "0.0".to_owned()
    }
}
