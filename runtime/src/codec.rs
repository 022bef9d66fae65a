//! Codecs: how payloads and declared errors become bytes on the wire and back. A transport is
//! generic over its codec ([`Json`] for REST, [`Protobuf`] for gRPC), so nothing above the
//! transports is tied to `serde_json`.

mod json;

// The REST server reads duplicate members off `JsonError`; without it only `json_value` is used.
#[cfg(feature = "rest")]
pub(crate) use json::JsonError;
pub(crate) use json::value_from_slice as json_value;

use crate::proto::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// A wire format, as a transport announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON per `docs/wire.md` (`application/json`).
    Json,
    /// Protocol buffers per the emitted `.proto` (`application/x-protobuf`).
    Protobuf,
}

impl Format {
    /// The media type of a payload in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Protobuf => "application/x-protobuf",
        }
    }
}

/// Why a value could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

/// Encodes and decodes values of `T` in one format.
pub trait Codec<T>: Copy + Send + Sync + 'static {
    /// The format this codec writes.
    const FORMAT: Format;
    /// Appends the encoding of `value` to `buf`.
    fn encode(self, value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError>;
    /// Decodes a whole message.
    fn decode(self, bytes: &[u8]) -> Result<T, CodecError>;
}

/// JSON per `docs/wire.md`, through serde. Decoding refuses an object that names a member
/// twice (which serde would read as its last occurrence).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl<T: Serialize + DeserializeOwned> Codec<T> for Json {
    const FORMAT: Format = Format::Json;

    fn encode(self, value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        serde_json::to_writer(buf, value).map_err(|e| CodecError(e.to_string()))
    }

    fn decode(self, bytes: &[u8]) -> Result<T, CodecError> {
        decode_json(bytes)
    }
}

/// A value from JSON whose objects each name a member once: read as a `Value` first (the
/// check costs no second parse of the text), then as `T`.
fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let value = json_value(bytes).map_err(|e| CodecError(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| CodecError(e.to_string()))
}

/// Protocol buffers per the emitted `.proto` (`accord::proto`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Protobuf;

impl<T: Message> Codec<T> for Protobuf {
    const FORMAT: Format = Format::Protobuf;

    fn encode(self, value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        buf.reserve(value.body_len());
        value.encode_body(buf);
        Ok(())
    }

    fn decode(self, bytes: &[u8]) -> Result<T, CodecError> {
        T::decode(bytes).map_err(|e| CodecError(e.to_string()))
    }
}

/// A declared error's value with its type erased, so a transport encodes it in its own format.
pub(crate) trait ErasedValue: fmt::Debug + Send {
    fn encode(&self, format: Format) -> Result<Vec<u8>, CodecError>;
    /// The full protobuf name of the value's message.
    fn proto_name(&self) -> &'static str;
}

impl<T: Serialize + Message + fmt::Debug + Send> ErasedValue for T {
    fn encode(&self, format: Format) -> Result<Vec<u8>, CodecError> {
        encode(self, format)
    }

    fn proto_name(&self) -> &'static str {
        T::NAME
    }
}

/// Encodes a value in `format` (declared errors, the messaging transport's payloads).
pub fn encode<T: Serialize + Message>(value: &T, format: Format) -> Result<Vec<u8>, CodecError> {
    match format {
        Format::Json => serde_json::to_vec(value).map_err(|e| CodecError(e.to_string())),
        Format::Protobuf => Ok(value.encode_to_vec()),
    }
}

/// Decodes a value in `format` (the generated `ServiceError::decode` calls it per error, the
/// messaging transport per payload). JSON naming a member twice in one object is refused.
pub fn decode<T: DeserializeOwned + Message>(
    bytes: &[u8],
    format: Format,
) -> Result<T, CodecError> {
    match format {
        Format::Json => decode_json(bytes),
        Format::Protobuf => T::decode(bytes).map_err(|e| CodecError(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Note {
        text: String,
        tags: BTreeMap<String, String>,
    }
    crate::__message!(Note = "t.v1.Note" { text: String = 1, tags: BTreeMap<String, String> = 2 });

    /// A channel's payload (and a declared error) is read as strictly as a REST body: a map key
    /// or member named twice is refused, though serde alone would keep the last.
    #[test]
    fn json_naming_a_member_twice_does_not_decode() {
        let once = br#"{"text": "a", "tags": {"k": "1", "j": "2"}}"#;
        let note: Note = decode(once, Format::Json).unwrap();
        assert_eq!(note.tags.len(), 2);
        for twice in [
            &br#"{"text": "a", "tags": {"k": "1", "k": "2"}}"#[..],
            br#"{"text": "a", "text": "b", "tags": {}}"#,
            br#"{"text": "a", "tags": {}, "extra": 1, "extra": 2}"#,
        ] {
            let error = decode::<Note>(twice, Format::Json).unwrap_err();
            assert!(error.0.contains("appears more than once"), "{error}");
            let error = Codec::<Note>::decode(Json, twice).unwrap_err();
            assert!(error.0.contains("appears more than once"), "{error}");
        }
        let error = decode::<Note>(b"{", Format::Json).unwrap_err();
        assert!(error.0.starts_with("malformed JSON"), "{error}");
    }
}
