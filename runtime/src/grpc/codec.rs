//! The tonic codec of generated messages: [`crate::proto`] encoding, no copy of a contiguous
//! frame on the way in.

use crate::proto::Message;
use bytes::Buf as _;
use std::marker::PhantomData;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// Encodes `E`, decodes `D`. A message that does not decode is `INVALID_ARGUMENT` on a server
/// (the caller sent it) and `INTERNAL` on a client (the server did).
#[derive(Debug)]
pub struct ProtoCodec<E, D> {
    server: bool,
    _types: PhantomData<fn(E) -> D>,
}

impl<E, D> ProtoCodec<E, D> {
    /// The codec of a skeleton.
    pub fn server() -> Self {
        ProtoCodec {
            server: true,
            _types: PhantomData,
        }
    }

    /// The codec of a proxy.
    pub fn client() -> Self {
        ProtoCodec {
            server: false,
            _types: PhantomData,
        }
    }
}

impl<E, D> Codec for ProtoCodec<E, D>
where
    E: Message + Send + 'static,
    D: Message + Send + 'static,
{
    type Encode = E;
    type Decode = D;
    type Encoder = ProtoEncoder<E>;
    type Decoder = ProtoDecoder<D>;

    fn encoder(&mut self) -> Self::Encoder {
        ProtoEncoder(PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProtoDecoder {
            server: self.server,
            _type: PhantomData,
        }
    }
}

/// Writes one message.
#[derive(Debug)]
pub struct ProtoEncoder<E>(PhantomData<fn(E)>);

impl<E: Message> Encoder for ProtoEncoder<E> {
    type Item = E;
    type Error = tonic::Status;

    fn encode(&mut self, item: E, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.reserve(item.body_len());
        item.encode_body(dst);
        Ok(())
    }
}

/// Reads one message.
#[derive(Debug)]
pub struct ProtoDecoder<D> {
    server: bool,
    _type: PhantomData<fn() -> D>,
}

impl<D: Message> Decoder for ProtoDecoder<D> {
    type Item = D;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<D>, tonic::Status> {
        let len = src.remaining();
        let decoded = if src.chunk().len() == len {
            let mut bytes = src.chunk();
            let decoded = D::decode_body(&mut bytes, 0);
            src.advance(len);
            decoded
        } else {
            let bytes = src.copy_to_bytes(len);
            D::decode(&bytes)
        };
        decoded.map(Some).map_err(|e| {
            let message = format!("malformed {} message: {e}", D::NAME);
            match self.server {
                true => tonic::Status::invalid_argument(message),
                false => tonic::Status::internal(message),
            }
        })
    }
}
