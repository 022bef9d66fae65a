//! The wire primitives every field uses: keys, lengths, skipping unknown fields, a message
//! written as a field, and a required field's absent value.

use super::*;

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
pub(super) fn advance(buf: &mut &[u8], n: usize) -> Result<(), DecodeError> {
    if buf.len() < n {
        return Err(DecodeError::new("buffer underflow"));
    }
    buf.advance(n);
    Ok(())
}

#[inline]
pub(super) fn length(buf: &mut &[u8]) -> Result<usize, DecodeError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::new("length out of range"))?;
    if len > buf.len() {
        return Err(DecodeError::new("buffer underflow"));
    }
    Ok(len)
}

#[inline]
pub(super) fn check(expected: WireType, actual: WireType) -> Result<(), DecodeError> {
    if expected != actual {
        return Err(DecodeError::new(format!(
            "invalid wire type: {actual:?} (expected {expected:?})"
        )));
    }
    Ok(())
}

/// The bytes of one length-delimited value, taken off `buf`.
#[inline]
pub(super) fn delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
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
