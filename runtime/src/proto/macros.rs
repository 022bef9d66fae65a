//! The macros generated types expand to (through `#[derive(accord::Message)]`): a struct's
//! and a union's `Message` and `Field` impls.

/// `impl Message` and `impl Field` of a generated struct: its full protobuf name and each
/// field's name, type and number.
///
/// ```ignore
/// __accord::message!(LineItem = "ftgo.order.v1.LineItem" {
///     menu_item_id: String = 1,
///     quantity: i32 = 2,
/// });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __message {
    ($name:ident = $proto:literal {
        $( $field:ident : $ty:ty = $tag:literal $( or $default:path )? ),* $(,)?
    }) => {
        impl $crate::proto::Message for $name {
            const NAME: &'static str = $proto;

            #[inline]
            fn encode_body<B: $crate::__private::bytes::BufMut>(&self, _buf: &mut B) {
                $( $crate::__proto_encode!(&self.$field, $tag, _buf $(, $default)?); )*
            }

            #[inline]
            fn body_len(&self) -> usize {
                0 $( + $crate::__proto_len!(&self.$field, $tag $(, $default)?) )*
            }

            #[inline]
            fn decode_body(
                buf: &mut &[u8],
                depth: u32,
            ) -> ::core::result::Result<Self, $crate::proto::DecodeError> {
                $( let mut $field: ::core::option::Option<$ty> = ::core::option::Option::None; )*
                while !buf.is_empty() {
                    let (tag, wire) = $crate::proto::key(buf)?;
                    match tag {
                        $( $tag if <$ty as $crate::proto::Field>::fits(wire) => {
                            <$ty as $crate::proto::Field>::merge(&mut $field, wire, buf, depth)?
                        } )*
                        _ => $crate::proto::skip(tag, wire, buf, depth)?,
                    }
                }
                ::core::result::Result::Ok($name {
                    $( $field: $crate::__proto_finish!(
                        $field, $proto, ::core::stringify!($field) $(, $default)?
                    ), )*
                })
            }

            #[inline]
            fn absent() -> ::core::option::Option<Self> {
                ::core::option::Option::Some($name {
                    $( $field: $crate::__proto_absent!($ty $(, $default)?), )*
                })
            }
        }

        impl $crate::proto::Field for $name {
            $crate::__proto_message_field!();
        }
    };
}

/// A field with a `@default` is `optional` in the `.proto`: always written, and its default
/// when absent; any other field is written as plain.
#[doc(hidden)]
#[macro_export]
macro_rules! __proto_encode {
    ($value:expr, $tag:literal, $buf:ident) => {
        $crate::proto::Field::encode($value, $tag, $buf)
    };
    ($value:expr, $tag:literal, $buf:ident, $default:path) => {
        $crate::proto::Field::encode_present($value, $tag, $buf)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __proto_len {
    ($value:expr, $tag:literal) => {
        $crate::proto::Field::encoded_len($value, $tag)
    };
    ($value:expr, $tag:literal, $default:path) => {
        $crate::proto::Field::encoded_len_present($value, $tag)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __proto_finish {
    ($slot:ident, $message:expr, $field:expr) => {
        $crate::proto::finish($slot, $message, $field)?
    };
    ($slot:ident, $message:expr, $field:expr, $default:path) => {
        match $slot {
            ::core::option::Option::Some(value) => value,
            ::core::option::Option::None => $default(),
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __proto_absent {
    ($ty:ty) => {
        <$ty as $crate::proto::Field>::absent()?
    };
    ($ty:ty, $default:path) => {
        $default()
    };
}

/// `impl Message` and `impl Field` of a generated union: a message holding one `oneof`, each
/// variant written with presence under its number.
#[doc(hidden)]
#[macro_export]
macro_rules! __oneof {
    ($name:ident = $proto:literal { $( $variant:ident ( $ty:ty ) = $tag:literal ),* $(,)? }) => {
        impl $crate::proto::Message for $name {
            const NAME: &'static str = $proto;

            #[inline]
            fn encode_body<B: $crate::__private::bytes::BufMut>(&self, buf: &mut B) {
                match self {
                    $( Self::$variant(value) => {
                        $crate::proto::Field::encode_present(value, $tag, buf)
                    } )*
                }
            }

            #[inline]
            fn body_len(&self) -> usize {
                match self {
                    $( Self::$variant(value) => {
                        $crate::proto::Field::encoded_len_present(value, $tag)
                    } )*
                }
            }

            #[inline]
            fn decode_body(
                buf: &mut &[u8],
                depth: u32,
            ) -> ::core::result::Result<Self, $crate::proto::DecodeError> {
                let mut found: ::core::option::Option<Self> = ::core::option::Option::None;
                while !buf.is_empty() {
                    let (tag, wire) = $crate::proto::key(buf)?;
                    match tag {
                        $( $tag if <$ty as $crate::proto::Field>::fits_present(wire) => {
                            let value =
                                <$ty as $crate::proto::Field>::decode_present(wire, buf, depth)?;
                            found = ::core::option::Option::Some(Self::$variant(value));
                        } )*
                        _ => $crate::proto::skip(tag, wire, buf, depth)?,
                    }
                }
                found.ok_or_else(|| {
                    $crate::proto::DecodeError::new(::core::concat!($proto, ": no variant is set"))
                })
            }

            #[inline]
            fn absent() -> ::core::option::Option<Self> {
                ::core::option::Option::None
            }
        }

        impl $crate::proto::Field for $name {
            $crate::__proto_message_field!();
        }
    };
}

/// The `Field` methods of a message type (see [`Message`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __proto_message_field {
    () => {
        #[inline]
        fn encode(&self, tag: u32, buf: &mut impl $crate::__private::bytes::BufMut) {
            $crate::proto::encode_message(self, tag, buf)
        }
        #[inline]
        fn encoded_len(&self, tag: u32) -> usize {
            $crate::proto::message_len(self, tag)
        }
        #[inline]
        fn encode_present(&self, tag: u32, buf: &mut impl $crate::__private::bytes::BufMut) {
            $crate::proto::encode_message(self, tag, buf)
        }
        #[inline]
        fn encoded_len_present(&self, tag: u32) -> usize {
            $crate::proto::message_len(self, tag)
        }
        #[inline]
        fn decode_present(
            wire: $crate::proto::WireType,
            buf: &mut &[u8],
            depth: u32,
        ) -> ::core::result::Result<Self, $crate::proto::DecodeError> {
            $crate::proto::decode_message(wire, buf, depth)
        }
        #[inline]
        fn absent() -> ::core::option::Option<Self> {
            <Self as $crate::proto::Message>::absent()
        }
    };
}
