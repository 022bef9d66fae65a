//! Scalars: numbers (varints or fixed widths, packed in lists), strings, bytes, and `uuid` as
//! its string.

use super::*;

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
pub(super) fn varint_u64(buf: &mut &[u8]) -> Result<u64, DecodeError> {
    decode_varint(buf)
}

#[inline]
pub(super) fn fixed<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N], DecodeError> {
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
pub(super) fn put_f32(v: f32, buf: &mut impl BufMut) {
    buf.put_f32_le(v)
}

#[inline]
pub(super) fn put_f64(v: f64, buf: &mut impl BufMut) {
    buf.put_f64_le(v)
}

#[inline]
pub(super) fn encode_bytes(value: &[u8], tag: u32, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(value.len() as u64, buf);
    buf.put_slice(value);
}

#[inline]
pub(super) fn bytes_len(value: &[u8], tag: u32) -> usize {
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
