//! The protobuf encoding of generated types, equal on the wire to what protoc's code makes for
//! the emitted `.proto` (`docs/wire.md`): field tags are the Accord field numbers, scalars and
//! enums (open, by number) have implicit presence unless `optional`, lists of numbers are packed
//! (both forms are read), maps are entry messages, unions are a message holding a `oneof`,
//! `timestamp` and `duration` are the well-known messages, `uuid` a string, and the shapes
//! protobuf cannot express (an optional list, a list of lists, a map of lists, a list in a
//! union) travel in the wrapper messages the `.proto` declares: one field numbered 1.
//!
//! Generated types call [`__message!`](crate::__message) and [`__oneof!`](crate::__oneof) (a
//! struct's and a union's [`Message`] impl) and `enumeration!` (an enum's [`Field`] impl);
//! what a field of each type does is written once here, in its [`Field`] impl.

use bytes::{Buf, BufMut};
pub use prost::encoding::WireType;
use prost::encoding::{
    decode_key, decode_varint, encode_key, encode_varint, encoded_len_varint, key_len,
};
use std::collections::BTreeMap;

pub use prost::DecodeError;

/// How deep messages may nest in what is decoded (protobuf's own limit).
pub const RECURSION_LIMIT: u32 = 100;

/// A message type: a generated struct, error, event or union.
pub trait Message: Sized {
    /// The message's full protobuf name (`ftgo.order.v1.Order`).
    const NAME: &'static str;

    /// Writes the message's fields (no length prefix).
    fn encode_body<B: BufMut>(&self, buf: &mut B);

    /// The length of [`Message::encode_body`]'s output.
    fn body_len(&self) -> usize;

    /// Reads a whole message body; `depth` counts the messages around it.
    fn decode_body(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError>;

    /// The message with every field absent, when it can be (a union has none).
    fn absent() -> Option<Self>;

    /// The message's encoding.
    #[inline]
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.body_len());
        self.encode_body(&mut buf);
        buf
    }

    /// Decodes one whole message.
    #[inline]
    fn decode(mut bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_body(&mut bytes, 0)
    }
}

/// How a value of a type travels as a field of a message.
///
/// "Plain" is a proto3 field without a label (a default value is not written; a list or map is
/// `repeated`); "present" is a value with presence (`optional`, a `oneof` member, a list item,
/// a map key or value): always written, a list or map in its wrapper message.
pub trait Field: Sized {
    /// Writes the value as plain field `tag`.
    fn encode(&self, tag: u32, buf: &mut impl BufMut);
    /// The length of [`Field::encode`]'s output.
    fn encoded_len(&self, tag: u32) -> usize;
    /// Writes the value as field `tag` with presence.
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut);
    /// The length of [`Field::encode_present`]'s output.
    fn encoded_len_present(&self, tag: u32) -> usize;
    /// Reads one value written with presence (its key read already).
    fn decode_present(wire: WireType, buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError>;
    /// Reads one occurrence of a plain field into `slot`.
    #[inline]
    fn merge(
        slot: &mut Option<Self>,
        wire: WireType,
        buf: &mut &[u8],
        depth: u32,
    ) -> Result<(), DecodeError> {
        *slot = Some(Self::decode_present(wire, buf, depth)?);
        Ok(())
    }
    /// The value of an absent field; `None` when the field cannot be absent (a union).
    fn absent() -> Option<Self>;

    /// Whether a value written with presence can arrive with wire type `wire`:
    /// length-delimited, unless the type says otherwise (numbers, enums). A field that arrives
    /// with another is an unknown field and is skipped, as protoc's parsers (C++, Java,
    /// Python, Go) skip it; prost refuses it.
    #[inline]
    fn fits_present(wire: WireType) -> bool {
        wire == WireType::LengthDelimited
    }
    /// Whether a plain field can arrive with wire type `wire` (a list: packed, or one item).
    #[inline]
    fn fits(wire: WireType) -> bool {
        Self::fits_present(wire)
    }

    /// Writes the items of a list as field `tag` (each present; numbers override: packed).
    #[inline]
    fn encode_list(items: &[Self], tag: u32, buf: &mut impl BufMut) {
        for item in items {
            item.encode_present(tag, buf);
        }
    }
    /// The length of [`Field::encode_list`]'s output.
    #[inline]
    fn list_len(items: &[Self], tag: u32) -> usize {
        items.iter().map(|i| i.encoded_len_present(tag)).sum()
    }
    /// Reads one occurrence of a list's field (numbers: packed or not).
    #[inline]
    fn merge_list(
        items: &mut Vec<Self>,
        wire: WireType,
        buf: &mut &[u8],
        depth: u32,
    ) -> Result<(), DecodeError> {
        items.push(Self::decode_present(wire, buf, depth)?);
        Ok(())
    }
}

/// Reads a field that the message requires: its value, or its absent value.
#[inline]
pub fn finish<T: Field>(slot: Option<T>, message: &str, field: &str) -> Result<T, DecodeError> {
    match slot {
        Some(value) => Ok(value),
        None => T::absent().ok_or_else(|| {
            DecodeError::new(format!("{message}.{field}: a required union is not set"))
        }),
    }
}

/// Reads the next field's key.
#[inline]
pub fn key(buf: &mut &[u8]) -> Result<(u32, WireType), DecodeError> {
    decode_key(buf)
}

/// Skips a field this version does not know.
#[inline]
pub fn skip(tag: u32, wire: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError> {
    if depth > RECURSION_LIMIT {
        return Err(DecodeError::new("recursion limit reached"));
    }
    match wire {
        WireType::Varint => {
            decode_varint(buf)?;
        }
        WireType::SixtyFourBit => advance(buf, 8)?,
        WireType::ThirtyTwoBit => advance(buf, 4)?,
        WireType::LengthDelimited => {
            let len = length(buf)?;
            advance(buf, len)?;
        }
        WireType::StartGroup => loop {
            let (inner, wire) = decode_key(buf)?;
            if wire == WireType::EndGroup {
                if inner != tag {
                    return Err(DecodeError::new("unexpected end group tag"));
                }
                break;
            }
            skip(inner, wire, buf, depth + 1)?;
        },
        WireType::EndGroup => return Err(DecodeError::new("unexpected end group tag")),
    }
    Ok(())
}

#[inline]
fn advance(buf: &mut &[u8], n: usize) -> Result<(), DecodeError> {
    if buf.len() < n {
        return Err(DecodeError::new("buffer underflow"));
    }
    buf.advance(n);
    Ok(())
}

#[inline]
fn length(buf: &mut &[u8]) -> Result<usize, DecodeError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::new("length out of range"))?;
    if len > buf.len() {
        return Err(DecodeError::new("buffer underflow"));
    }
    Ok(len)
}

#[inline]
fn check(expected: WireType, actual: WireType) -> Result<(), DecodeError> {
    if expected != actual {
        return Err(DecodeError::new(format!(
            "invalid wire type: {actual:?} (expected {expected:?})"
        )));
    }
    Ok(())
}

/// The bytes of one length-delimited value, taken off `buf`.
#[inline]
fn delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = length(buf)?;
    let (inner, rest) = buf.split_at(len);
    *buf = rest;
    Ok(inner)
}

/// Writes a message as field `tag`: key, length, body.
#[inline]
pub fn encode_message<M: Message>(message: &M, tag: u32, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(message.body_len() as u64, buf);
    message.encode_body(buf);
}

/// The length of [`encode_message`]'s output.
#[inline]
pub fn message_len<M: Message>(message: &M, tag: u32) -> usize {
    let body = message.body_len();
    key_len(tag) + encoded_len_varint(body as u64) + body
}

/// Reads a message written as a field.
#[inline]
pub fn decode_message<M: Message>(
    wire: WireType,
    buf: &mut &[u8],
    depth: u32,
) -> Result<M, DecodeError> {
    check(WireType::LengthDelimited, wire)?;
    if depth >= RECURSION_LIMIT {
        return Err(DecodeError::new("recursion limit reached"));
    }
    let mut inner = delimited(buf)?;
    M::decode_body(&mut inner, depth + 1)
}

/// Numeric scalars: varints or fixed widths, packed in lists.
macro_rules! number {
    ($ty:ty, $wire:expr, $encode:expr, $len:expr, $decode:expr, $is_default:expr) => {
        impl Field for $ty {
            #[inline]
            fn encode(&self, tag: u32, buf: &mut impl BufMut) {
                if !$is_default(self) {
                    self.encode_present(tag, buf);
                }
            }
            #[inline]
            fn encoded_len(&self, tag: u32) -> usize {
                if $is_default(self) {
                    0
                } else {
                    self.encoded_len_present(tag)
                }
            }
            #[inline]
            fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
                encode_key(tag, $wire, buf);
                $encode(*self, buf);
            }
            #[inline]
            fn encoded_len_present(&self, tag: u32) -> usize {
                key_len(tag) + $len(*self)
            }
            #[inline]
            fn decode_present(
                wire: WireType,
                buf: &mut &[u8],
                _depth: u32,
            ) -> Result<Self, DecodeError> {
                check($wire, wire)?;
                $decode(buf)
            }
            #[inline]
            fn absent() -> Option<Self> {
                Some(<$ty>::default())
            }
            #[inline]
            fn fits_present(wire: WireType) -> bool {
                wire == $wire
            }
            #[inline]
            fn encode_list(items: &[Self], tag: u32, buf: &mut impl BufMut) {
                if items.is_empty() {
                    return;
                }
                encode_key(tag, WireType::LengthDelimited, buf);
                let len: usize = items.iter().map(|i| $len(*i)).sum();
                encode_varint(len as u64, buf);
                for item in items {
                    $encode(*item, buf);
                }
            }
            #[inline]
            fn list_len(items: &[Self], tag: u32) -> usize {
                if items.is_empty() {
                    return 0;
                }
                let len: usize = items.iter().map(|i| $len(*i)).sum();
                key_len(tag) + encoded_len_varint(len as u64) + len
            }
            #[inline]
            fn merge_list(
                items: &mut Vec<Self>,
                wire: WireType,
                buf: &mut &[u8],
                _depth: u32,
            ) -> Result<(), DecodeError> {
                if wire == WireType::LengthDelimited && $wire != WireType::LengthDelimited {
                    let mut packed = delimited(buf)?;
                    while packed.has_remaining() {
                        items.push($decode(&mut packed)?);
                    }
                    return Ok(());
                }
                check($wire, wire)?;
                items.push($decode(buf)?);
                Ok(())
            }
        }
    };
}

#[inline]
fn varint_u64(buf: &mut &[u8]) -> Result<u64, DecodeError> {
    decode_varint(buf)
}

#[inline]
fn fixed<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N], DecodeError> {
    if buf.len() < N {
        return Err(DecodeError::new("buffer underflow"));
    }
    let mut out = [0; N];
    buf.copy_to_slice(&mut out);
    Ok(out)
}

number!(
    bool,
    WireType::Varint,
    |v: bool, buf: &mut _| encode_varint(u64::from(v), buf),
    |_: bool| 1,
    |buf: &mut &[u8]| varint_u64(buf).map(|v| v != 0),
    |v: &bool| !*v
);
number!(
    i32,
    WireType::Varint,
    |v: i32, buf: &mut _| encode_varint(v as i64 as u64, buf),
    |v: i32| encoded_len_varint(v as i64 as u64),
    |buf: &mut &[u8]| varint_u64(buf).map(|v| v as i32),
    |v: &i32| *v == 0
);
number!(
    i64,
    WireType::Varint,
    |v: i64, buf: &mut _| encode_varint(v as u64, buf),
    |v: i64| encoded_len_varint(v as u64),
    |buf: &mut &[u8]| varint_u64(buf).map(|v| v as i64),
    |v: &i64| *v == 0
);
number!(
    u32,
    WireType::Varint,
    |v: u32, buf: &mut _| encode_varint(u64::from(v), buf),
    |v: u32| encoded_len_varint(u64::from(v)),
    |buf: &mut &[u8]| varint_u64(buf).map(|v| v as u32),
    |v: &u32| *v == 0
);
number!(
    u64,
    WireType::Varint,
    |v: u64, buf: &mut _| encode_varint(v, buf),
    |v: u64| encoded_len_varint(v),
    varint_u64,
    |v: &u64| *v == 0
);
number!(
    f32,
    WireType::ThirtyTwoBit,
    put_f32,
    |_: f32| 4,
    |buf: &mut &[u8]| fixed::<4>(buf).map(f32::from_le_bytes),
    |v: &f32| v.to_bits() == 0
);
number!(
    f64,
    WireType::SixtyFourBit,
    put_f64,
    |_: f64| 8,
    |buf: &mut &[u8]| fixed::<8>(buf).map(f64::from_le_bytes),
    |v: &f64| v.to_bits() == 0
);

#[inline]
fn put_f32(v: f32, buf: &mut impl BufMut) {
    buf.put_f32_le(v)
}

#[inline]
fn put_f64(v: f64, buf: &mut impl BufMut) {
    buf.put_f64_le(v)
}

#[inline]
fn encode_bytes(value: &[u8], tag: u32, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(value.len() as u64, buf);
    buf.put_slice(value);
}

#[inline]
fn bytes_len(value: &[u8], tag: u32) -> usize {
    key_len(tag) + encoded_len_varint(value.len() as u64) + value.len()
}

impl Field for String {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        if !self.is_empty() {
            encode_bytes(self.as_bytes(), tag, buf);
        }
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        if self.is_empty() {
            0
        } else {
            bytes_len(self.as_bytes(), tag)
        }
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        encode_bytes(self.as_bytes(), tag, buf);
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        bytes_len(self.as_bytes(), tag)
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], _: u32) -> Result<Self, DecodeError> {
        check(WireType::LengthDelimited, wire)?;
        let bytes = delimited(buf)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::new("invalid string value: data is not UTF-8 encoded"))
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(String::new())
    }
}

impl Field for crate::Bytes {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        if !self.is_empty() {
            encode_bytes(self, tag, buf);
        }
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        if self.is_empty() {
            0
        } else {
            bytes_len(self, tag)
        }
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        encode_bytes(self, tag, buf);
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        bytes_len(self, tag)
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], _: u32) -> Result<Self, DecodeError> {
        check(WireType::LengthDelimited, wire)?;
        Ok(crate::Bytes(delimited(buf)?.to_vec()))
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(crate::Bytes(Vec::new()))
    }
}

/// `uuid` travels as its hyphenated string (the `.proto` says `string`); an empty string, what
/// an unset field reads as, is the nil UUID. It is always written, nil included.
impl Field for crate::Uuid {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        self.encode_present(tag, buf)
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        self.encoded_len_present(tag)
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        let mut text = uuid::Uuid::encode_buffer();
        encode_bytes(
            self.hyphenated().encode_lower(&mut text).as_bytes(),
            tag,
            buf,
        );
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        key_len(tag) + 1 + uuid::fmt::Hyphenated::LENGTH
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], _: u32) -> Result<Self, DecodeError> {
        check(WireType::LengthDelimited, wire)?;
        let bytes = delimited(buf)?;
        if bytes.is_empty() {
            return Ok(uuid::Uuid::nil());
        }
        uuid::Uuid::try_parse_ascii(bytes)
            .map_err(|_| DecodeError::new("invalid uuid value: not a UUID"))
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(uuid::Uuid::nil())
    }
}

/// `google.protobuf.Timestamp`: seconds since the epoch and nanoseconds.
impl Message for crate::Timestamp {
    const NAME: &'static str = "google.protobuf.Timestamp";

    #[inline]
    fn encode_body<B: BufMut>(&self, buf: &mut B) {
        self.timestamp().encode(1, buf);
        (self.timestamp_subsec_nanos() as i32).encode(2, buf);
    }
    #[inline]
    fn body_len(&self) -> usize {
        self.timestamp().encoded_len(1) + (self.timestamp_subsec_nanos() as i32).encoded_len(2)
    }
    #[inline]
    fn decode_body(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        let (seconds, nanos) = seconds_and_nanos(buf, depth)?;
        let nanos = u32::try_from(nanos).map_err(|_| DecodeError::new("negative nanos"))?;
        chrono::DateTime::from_timestamp(seconds, nanos)
            .ok_or_else(|| DecodeError::new("timestamp out of range"))
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(chrono::DateTime::UNIX_EPOCH)
    }
}

impl Field for crate::Timestamp {
    crate::__proto_message_field!();
}

/// `google.protobuf.Duration`: seconds and nanoseconds of one sign.
impl Message for crate::Duration {
    const NAME: &'static str = "google.protobuf.Duration";

    #[inline]
    fn encode_body<B: BufMut>(&self, buf: &mut B) {
        self.seconds().encode(1, buf);
        self.subsec_nanos().encode(2, buf);
    }
    #[inline]
    fn body_len(&self) -> usize {
        self.seconds().encoded_len(1) + self.subsec_nanos().encoded_len(2)
    }
    #[inline]
    fn decode_body(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        let (seconds, nanos) = seconds_and_nanos(buf, depth)?;
        crate::Duration::new(seconds, i64::from(nanos)).map_err(|e| DecodeError::new(e.to_string()))
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(crate::Duration::default())
    }
}

impl Field for crate::Duration {
    crate::__proto_message_field!();
}

#[inline]
fn seconds_and_nanos(buf: &mut &[u8], depth: u32) -> Result<(i64, i32), DecodeError> {
    let (mut seconds, mut nanos) = (None, None);
    while buf.has_remaining() {
        let (tag, wire) = key(buf)?;
        match tag {
            1 if i64::fits(wire) => i64::merge(&mut seconds, wire, buf, depth)?,
            2 if i32::fits(wire) => i32::merge(&mut nanos, wire, buf, depth)?,
            _ => skip(tag, wire, buf, depth)?,
        }
    }
    Ok((seconds.unwrap_or(0), nanos.unwrap_or(0)))
}

/// `optional T`: written whenever set, default or not.
impl<T: Field> Field for Option<T> {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(value) = self {
            value.encode_present(tag, buf);
        }
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        self.as_ref().map_or(0, |v| v.encoded_len_present(tag))
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        self.encode(tag, buf)
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        self.encoded_len(tag)
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        T::decode_present(wire, buf, depth).map(Some)
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(None)
    }
    #[inline]
    fn fits_present(wire: WireType) -> bool {
        T::fits_present(wire)
    }
}

/// `list<T>`: `repeated` when plain, the wrapper `ListOf…` (its field 1) with presence.
impl<T: Field> Field for Vec<T> {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        T::encode_list(self, tag, buf)
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        T::list_len(self, tag)
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(T::list_len(self, 1) as u64, buf);
        T::encode_list(self, 1, buf);
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        let body = T::list_len(self, 1);
        key_len(tag) + encoded_len_varint(body as u64) + body
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        let merge = |items: &mut Vec<T>, wire, buf: &mut &[u8], depth| {
            T::merge_list(items, wire, buf, depth)
        };
        wrapper(wire, buf, depth, Vec::new(), Self::fits, merge)
    }
    #[inline]
    fn fits(wire: WireType) -> bool {
        wire == WireType::LengthDelimited || T::fits_present(wire)
    }
    #[inline]
    fn merge(
        slot: &mut Option<Self>,
        wire: WireType,
        buf: &mut &[u8],
        depth: u32,
    ) -> Result<(), DecodeError> {
        T::merge_list(slot.get_or_insert_with(Vec::new), wire, buf, depth)
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

/// Reads a wrapper message: its field 1 merged into `value` when it `fits` its wire type,
/// anything else skipped.
#[inline]
fn wrapper<T>(
    wire: WireType,
    buf: &mut &[u8],
    depth: u32,
    mut value: T,
    fits: fn(WireType) -> bool,
    merge: impl Fn(&mut T, WireType, &mut &[u8], u32) -> Result<(), DecodeError>,
) -> Result<T, DecodeError> {
    check(WireType::LengthDelimited, wire)?;
    if depth >= RECURSION_LIMIT {
        return Err(DecodeError::new("recursion limit reached"));
    }
    let mut inner = delimited(buf)?;
    while inner.has_remaining() {
        let (tag, wire) = key(&mut inner)?;
        match tag {
            1 if fits(wire) => merge(&mut value, wire, &mut inner, depth + 1)?,
            _ => skip(tag, wire, &mut inner, depth + 1)?,
        }
    }
    Ok(value)
}

/// `map<K, V>`: entry messages (key 1, value 2, both always written) when plain, the wrapper
/// `MapOf…` (its field 1) with presence.
impl<K: Field + Ord, V: Field> Field for BTreeMap<K, V> {
    #[inline]
    fn encode(&self, tag: u32, buf: &mut impl BufMut) {
        for (k, v) in self {
            encode_key(tag, WireType::LengthDelimited, buf);
            let len = k.encoded_len_present(1) + v.encoded_len_present(2);
            encode_varint(len as u64, buf);
            k.encode_present(1, buf);
            v.encode_present(2, buf);
        }
    }
    #[inline]
    fn encoded_len(&self, tag: u32) -> usize {
        self.iter()
            .map(|(k, v)| {
                let len = k.encoded_len_present(1) + v.encoded_len_present(2);
                key_len(tag) + encoded_len_varint(len as u64) + len
            })
            .sum()
    }
    #[inline]
    fn encode_present(&self, tag: u32, buf: &mut impl BufMut) {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(self.encoded_len(1) as u64, buf);
        self.encode(1, buf);
    }
    #[inline]
    fn encoded_len_present(&self, tag: u32) -> usize {
        let body = self.encoded_len(1);
        key_len(tag) + encoded_len_varint(body as u64) + body
    }
    #[inline]
    fn decode_present(wire: WireType, buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        wrapper(wire, buf, depth, BTreeMap::new(), Self::fits, merge_entry)
    }
    #[inline]
    fn merge(
        slot: &mut Option<Self>,
        wire: WireType,
        buf: &mut &[u8],
        depth: u32,
    ) -> Result<(), DecodeError> {
        merge_entry(slot.get_or_insert_with(BTreeMap::new), wire, buf, depth)
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(BTreeMap::new())
    }
}

#[inline]
fn merge_entry<K: Field + Ord, V: Field>(
    map: &mut BTreeMap<K, V>,
    wire: WireType,
    buf: &mut &[u8],
    depth: u32,
) -> Result<(), DecodeError> {
    check(WireType::LengthDelimited, wire)?;
    if depth >= RECURSION_LIMIT {
        return Err(DecodeError::new("recursion limit reached"));
    }
    let mut inner = delimited(buf)?;
    let (mut k, mut v) = (None, None);
    while inner.has_remaining() {
        let (tag, wire) = key(&mut inner)?;
        match tag {
            1 if K::fits_present(wire) => k = Some(K::decode_present(wire, &mut inner, depth + 1)?),
            2 if V::fits_present(wire) => v = Some(V::decode_present(wire, &mut inner, depth + 1)?),
            _ => skip(tag, wire, &mut inner, depth + 1)?,
        }
    }
    let k = finish(k, "map entry", "key")?;
    let v = finish(v, "map entry", "value")?;
    map.insert(k, v);
    Ok(())
}

/// An open enum's number as a field (the `enumeration!` macro's `Field` impl calls these): a
/// varint, packed in lists; a value known only by name (from JSON) has no number and travels
/// as 0.
#[doc(hidden)]
pub mod enums {
    use super::*;

    #[inline]
    pub fn encode(number: Option<i32>, tag: u32, buf: &mut impl BufMut) {
        number.unwrap_or(0).encode(tag, buf)
    }
    #[inline]
    pub fn encoded_len(number: Option<i32>, tag: u32) -> usize {
        number.unwrap_or(0).encoded_len(tag)
    }
    #[inline]
    pub fn encode_present(number: Option<i32>, tag: u32, buf: &mut impl BufMut) {
        number.unwrap_or(0).encode_present(tag, buf)
    }
    #[inline]
    pub fn encoded_len_present(number: Option<i32>, tag: u32) -> usize {
        number.unwrap_or(0).encoded_len_present(tag)
    }
    #[inline]
    pub fn decode(wire: WireType, buf: &mut &[u8], depth: u32) -> Result<i32, DecodeError> {
        i32::decode_present(wire, buf, depth)
    }
    #[inline]
    pub fn encode_list(
        numbers: impl Iterator<Item = i32> + Clone,
        tag: u32,
        buf: &mut impl BufMut,
    ) {
        let len: usize = numbers
            .clone()
            .map(|n| encoded_len_varint(n as i64 as u64))
            .sum();
        if len == 0 {
            return;
        }
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(len as u64, buf);
        for n in numbers {
            encode_varint(n as i64 as u64, buf);
        }
    }
    #[inline]
    pub fn list_len(numbers: impl Iterator<Item = i32>, tag: u32) -> usize {
        let mut count = 0;
        let len: usize = numbers
            .map(|n| {
                count += 1;
                encoded_len_varint(n as i64 as u64)
            })
            .sum();
        if count == 0 {
            return 0;
        }
        key_len(tag) + encoded_len_varint(len as u64) + len
    }
    #[inline]
    pub fn merge_list(
        numbers: &mut Vec<i32>,
        wire: WireType,
        buf: &mut &[u8],
        depth: u32,
    ) -> Result<(), DecodeError> {
        i32::merge_list(numbers, wire, buf, depth)
    }
}

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

/// `google.protobuf.Empty`, the message of a missing input and of an empty reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Empty;

impl Message for Empty {
    const NAME: &'static str = "google.protobuf.Empty";
    #[inline]
    fn encode_body<B: BufMut>(&self, _: &mut B) {}
    #[inline]
    fn body_len(&self) -> usize {
        0
    }
    #[inline]
    fn decode_body(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        while buf.has_remaining() {
            let (tag, wire) = key(buf)?;
            skip(tag, wire, buf, depth)?;
        }
        Ok(Empty)
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(Empty)
    }
}

impl Field for Empty {
    crate::__proto_message_field!();
}

impl Message for () {
    const NAME: &'static str = "google.protobuf.Empty";
    #[inline]
    fn encode_body<B: BufMut>(&self, _: &mut B) {}
    #[inline]
    fn body_len(&self) -> usize {
        0
    }
    #[inline]
    fn decode_body(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        Empty::decode_body(buf, depth).map(|_| ())
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(())
    }
}

#[cfg(test)]
mod tests;
