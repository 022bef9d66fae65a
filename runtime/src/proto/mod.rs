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

mod collection;
#[doc(hidden)]
pub mod enums;
mod macros;
mod scalar;
mod well_known;
mod wire;

#[allow(unused_imports)]
use collection::*;
#[allow(unused_imports)]
use scalar::*;
pub use well_known::Empty;
#[allow(unused_imports)]
use wire::*;
pub use wire::{decode_message, encode_message, finish, key, message_len, skip};

#[cfg(test)]
mod tests;
