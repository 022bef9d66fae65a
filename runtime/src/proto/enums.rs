//! An open enum's number as a field (the `enumeration!` macro's `Field` impl calls these): a
//! varint, packed in lists; a value known only by name (from JSON) has no number and travels
//! as 0.

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
pub fn encode_list(numbers: impl Iterator<Item = i32> + Clone, tag: u32, buf: &mut impl BufMut) {
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
