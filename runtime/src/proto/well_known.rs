//! The well-known messages: `Timestamp`, `Duration` and `Empty` (also the message of `()`).

use super::*;

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
pub(super) fn seconds_and_nanos(buf: &mut &[u8], depth: u32) -> Result<(i64, i32), DecodeError> {
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
