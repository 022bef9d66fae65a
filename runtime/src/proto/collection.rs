//! Presence and collections: `optional T`, `list<T>` and `map<K, V>`, each in its wrapper
//! message where protobuf cannot say it plainly.

use super::*;

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
pub(super) fn wrapper<T>(
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
pub(super) fn merge_entry<K: Field + Ord, V: Field>(
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
