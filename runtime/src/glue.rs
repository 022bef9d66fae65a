//! What generated types and error enums expand to, written once: each generated declaration
//! is its data plus one macro call, so a generated file reads as declarations (as tonic's
//! output does) and a change to the glue is made here, not in every user's generated code.
//!
//! Not a stable API: the generator and these macros change together.

use crate::call::OperationInfo;
use crate::{BoxStream, CallError};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// The answer of a proxy to an operation its transport does not carry.
pub fn unsupported<T, E: From<CallError>, I>(
    op: &OperationInfo,
    request: I,
) -> futures::future::Ready<Result<T, E>> {
    drop(request);
    futures::future::ready(Err(unsupported_error(op).into()))
}

/// [`unsupported`] for an operation with a streamed output.
pub fn unsupported_stream<T, E, I>(
    op: &OperationInfo,
    request: I,
) -> BoxStream<'static, Result<T, E>>
where
    T: Send + 'static,
    E: From<CallError> + Send + 'static,
{
    drop(request);
    let error = Err(unsupported_error(op).into());
    Box::pin(futures::stream::once(futures::future::ready(error)))
}

fn unsupported_error(op: &OperationInfo) -> CallError {
    CallError::Unsupported {
        operation: format!("{}.{}", op.service, op.name),
    }
}

/// A value of an enum that this version of the API does not know (added later): its name,
/// as JSON carries it, or its number, as protobuf does. Kept so it can be passed on intact
/// (proto3 open enums keep unknown numbers the same way).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnknownValue {
    /// A name received in JSON.
    Name(String),
    /// A number received in protobuf.
    Number(i32),
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownValue::Name(name) => f.write_str(name),
            UnknownValue::Number(number) => write!(f, "{number}"),
        }
    }
}

impl serde::Serialize for UnknownValue {
    /// A name as a string, a number as a number (as protobuf's JSON mapping writes one).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            UnknownValue::Name(name) => serializer.serialize_str(name),
            UnknownValue::Number(number) => serializer.serialize_i32(*number),
        }
    }
}

/// Reads an enum value written as its name or its number; a known name costs no allocation.
pub fn deserialize_enum<'de, D, T>(
    deserializer: D,
    by_name: fn(&str) -> Option<T>,
    by_number: fn(i32) -> T,
    unknown: fn(UnknownValue) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct EnumVisitor<T> {
        by_name: fn(&str) -> Option<T>,
        by_number: fn(i32) -> T,
        unknown: fn(UnknownValue) -> T,
    }

    impl<T> Visitor<'_> for EnumVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an enum value's name or number")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<T, E> {
            Ok((self.by_name)(name)
                .unwrap_or_else(|| (self.unknown)(UnknownValue::Name(name.to_owned()))))
        }

        fn visit_i64<E: de::Error>(self, number: i64) -> Result<T, E> {
            let number = i32::try_from(number)
                .map_err(|_| E::custom(format!("enum number {number} is out of range")))?;
            Ok((self.by_number)(number))
        }

        fn visit_u64<E: de::Error>(self, number: u64) -> Result<T, E> {
            let number = i64::try_from(number).unwrap_or(i64::MAX);
            self.visit_i64(number)
        }
    }

    deserializer.deserialize_any(EnumVisitor {
        by_name,
        by_number,
        unknown,
    })
}

/// An enum tolerant of values added later, with its wire names and numbers.
///
/// ```ignore
/// __accord::enumeration! {
///     #[derive(Debug, Clone, PartialEq, Eq, Hash)]
///     pub enum OrderState {
///         ApprovalPending = 1 => "APPROVAL_PENDING",
///         Approved = 2 => "APPROVED",
///     }
///     unknown Unknown;
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __enumeration {
    (
        $(#[$attr:meta])*
        pub enum $name:ident {
            $( $(#[$vattr:meta])* $variant:ident = $number:literal => $wire:literal, )*
        }
        unknown $unknown:ident;
    ) => {
        $(#[$attr])*
        pub enum $name {
            $( $(#[$vattr])* $variant, )*
            /// A value this version does not know (added to the API later), kept as received.
            $unknown($crate::__private::UnknownValue),
        }

        impl $name {
            /// The names of the values this version knows, as on the wire.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The value's name, as on the wire (an unknown number has none: `""`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::$unknown($crate::__private::UnknownValue::Name(name)) => name,
                    Self::$unknown($crate::__private::UnknownValue::Number(_)) => "",
                }
            }

            /// The value's number, as protobuf carries it (an unknown name has none).
            pub fn number(&self) -> ::core::option::Option<i32> {
                match self {
                    $( Self::$variant => ::core::option::Option::Some($number), )*
                    Self::$unknown($crate::__private::UnknownValue::Number(n)) => {
                        ::core::option::Option::Some(*n)
                    }
                    Self::$unknown($crate::__private::UnknownValue::Name(_)) => {
                        ::core::option::Option::None
                    }
                }
            }

            /// The known value named `name`.
            pub fn from_known(name: &str) -> ::core::option::Option<Self> {
                match name {
                    $( $wire => ::core::option::Option::Some(Self::$variant), )*
                    _ => ::core::option::Option::None,
                }
            }

            /// The value numbered `number`, known or not.
            pub fn from_number(number: i32) -> Self {
                match number {
                    $( $number => Self::$variant, )*
                    other => Self::$unknown($crate::__private::UnknownValue::Number(other)),
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                match self {
                    Self::$unknown(value) => {
                        $crate::__private::serde::Serialize::serialize(value, serializer)
                    }
                    known => serializer.serialize_str(known.as_str()),
                }
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::deserialize_enum(
                    deserializer,
                    Self::from_known,
                    Self::from_number,
                    Self::$unknown,
                )
            }
        }

        impl $crate::ParamValue for $name {
            fn parse_param(raw: &str) -> ::core::result::Result<Self, ::std::string::String> {
                Self::from_known(raw)
                    .ok_or_else(|| $crate::__private::unknown_enum_value(raw, Self::KNOWN))
            }

            fn to_param(&self) -> ::std::string::String {
                match self {
                    Self::$unknown(value) => ::std::string::ToString::to_string(value),
                    known => ::std::borrow::ToOwned::to_owned(known.as_str()),
                }
            }
        }

        impl $crate::Validate for $name {
            const TRIVIAL: bool = true;
        }

        impl $crate::__private::Shape for $name {
            fn check_shape(
                value: &$crate::__private::JsonValue,
                path: &$crate::FieldPath<'_>,
                violations: &mut $crate::Violations,
            ) {
                $crate::__private::shape::leaf::<Self>(value, path, violations)
            }
        }

        impl $crate::proto::Field for $name {
            fn encode(&self, tag: u32, buf: &mut impl $crate::__private::bytes::BufMut) {
                $crate::proto::enums::encode(self.number(), tag, buf)
            }
            fn encoded_len(&self, tag: u32) -> usize {
                $crate::proto::enums::encoded_len(self.number(), tag)
            }
            fn encode_present(&self, tag: u32, buf: &mut impl $crate::__private::bytes::BufMut) {
                $crate::proto::enums::encode_present(self.number(), tag, buf)
            }
            fn encoded_len_present(&self, tag: u32) -> usize {
                $crate::proto::enums::encoded_len_present(self.number(), tag)
            }
            fn decode_present(
                wire: $crate::proto::WireType,
                buf: &mut &[u8],
                depth: u32,
            ) -> ::core::result::Result<Self, $crate::proto::DecodeError> {
                $crate::proto::enums::decode(wire, buf, depth).map(Self::from_number)
            }
            fn absent() -> ::core::option::Option<Self> {
                ::core::option::Option::Some(Self::from_number(0))
            }
            fn fits_present(wire: $crate::proto::WireType) -> bool {
                wire == $crate::proto::WireType::Varint
            }
            fn encode_list(
                items: &[Self],
                tag: u32,
                buf: &mut impl $crate::__private::bytes::BufMut,
            ) {
                let numbers = items.iter().map(|i| i.number().unwrap_or(0));
                $crate::proto::enums::encode_list(numbers, tag, buf)
            }
            fn list_len(items: &[Self], tag: u32) -> usize {
                let numbers = items.iter().map(|i| i.number().unwrap_or(0));
                $crate::proto::enums::list_len(numbers, tag)
            }
            fn merge_list(
                items: &mut ::std::vec::Vec<Self>,
                wire: $crate::proto::WireType,
                buf: &mut &[u8],
                depth: u32,
            ) -> ::core::result::Result<(), $crate::proto::DecodeError> {
                let mut numbers = ::std::vec::Vec::new();
                $crate::proto::enums::merge_list(&mut numbers, wire, buf, depth)?;
                items.extend(numbers.into_iter().map(Self::from_number));
                ::core::result::Result::Ok(())
            }
        }
    };
}

/// `impl Shape` of a struct: its members by wire name, type and whether required.
///
/// ```ignore
/// __accord::object_shape!(LineItem { "menu_item_id": String = true, "quantity": i32 = true });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __object_shape {
    ($name:ident { $( $wire:literal : $ty:ty = $required:literal ),* $(,)? }) => {
        impl $crate::__private::Shape for $name {
            fn check_shape(
                value: &$crate::__private::JsonValue,
                path: &$crate::FieldPath<'_>,
                violations: &mut $crate::Violations,
            ) {
                let _object = match $crate::__private::shape::object(value, path, violations) {
                    ::core::option::Option::Some(object) => object,
                    ::core::option::Option::None => return,
                };
                $( $crate::__private::shape::field::<$ty>(_object, $wire, $required, path, violations); )*
            }
        }
    };
}

/// `impl Shape` of a union: its variants by wire name and type.
#[doc(hidden)]
#[macro_export]
macro_rules! __union_shape {
    ($name:ident { $( $wire:literal : $ty:ty ),* $(,)? }) => {
        impl $crate::__private::Shape for $name {
            fn check_shape(
                value: &$crate::__private::JsonValue,
                path: &$crate::FieldPath<'_>,
                violations: &mut $crate::Violations,
            ) {
                let known: &[&str] = &[$($wire),*];
                let (name, inner) =
                    match $crate::__private::shape::variant(value, known, path, violations) {
                        ::core::option::Option::Some(found) => found,
                        ::core::option::Option::None => return,
                    };
                match name {
                    $( $wire => <$ty as $crate::__private::Shape>::check_shape(
                        inner,
                        &path.field($wire),
                        violations,
                    ), )*
                    _ => {}
                }
            }
        }
    };
}

/// The error type of one operation: its declared errors (each with `@status` and qualified
/// name) and the case for call failures, with `Display`, `Error`, the `From`s and
/// `ServiceError`.
///
/// ```ignore
/// __accord::errors! {
///     pub enum GetOrderError {
///         OrderNotFound(super::OrderNotFound) = 404 => "ftgo.order.OrderNotFound",
///     }
///     call Call;
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __errors {
    (
        $(#[$attr:meta])*
        pub enum $name:ident {
            $( $(#[$vattr:meta])* $variant:ident($ty:ty) = $status:literal => $wire:literal, )*
        }
        call $call:ident;
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $( $(#[$vattr])* $variant($ty), )*
            /// A transport or internal failure.
            $call($crate::CallError),
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    $( Self::$variant(e) => ::core::write!(f, "{}: {:?}", $wire, e), )*
                    Self::$call(e) => ::core::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for $name {}

        impl ::core::convert::From<$crate::CallError> for $name {
            fn from(error: $crate::CallError) -> Self {
                Self::$call(error)
            }
        }

        $crate::__from_broker_error!($name, $call);

        $(
            impl ::core::convert::From<$ty> for $name {
                fn from(error: $ty) -> Self {
                    Self::$variant(error)
                }
            }
        )*

        impl $crate::ServiceError for $name {
            fn encode(self) -> $crate::ErrorEncoding {
                match self {
                    $( Self::$variant(e) => $crate::ErrorEncoding::declared($status, $wire, e), )*
                    Self::$call(e) => $crate::ErrorEncoding::Call(e),
                }
            }

            fn decode(
                name: &str,
                payload: &[u8],
                format: $crate::codec::Format,
            ) -> ::core::option::Option<::core::result::Result<Self, $crate::CallError>> {
                match name {
                    $( $wire => ::core::option::Option::Some(
                        $crate::__private::decode_declared(payload, format).map(Self::$variant),
                    ), )*
                    _ => {
                        let _ = (payload, format);
                        ::core::option::Option::None
                    }
                }
            }
        }
    };
}

/// Without messaging there is no `BrokerError` to convert (the messaging version is in
/// `messaging/error.rs`).
#[cfg(not(feature = "messaging"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __from_broker_error {
    ($name:ident, $call:ident) => {};
}
