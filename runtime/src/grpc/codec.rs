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
    /// The request is one message (a unary or server-streaming method): a second one is a
    /// cardinality violation.
    single: bool,
    _types: PhantomData<fn(E) -> D>,
}

impl<E, D> ProtoCodec<E, D> {
    /// The codec of a skeleton whose method takes a stream of messages.
    pub fn server() -> Self {
        ProtoCodec {
            server: true,
            single: false,
            _types: PhantomData,
        }
    }

    /// The codec of a skeleton whose method takes one message (unary, server streaming):
    /// a second message in the request is refused with `UNIMPLEMENTED`, the code gRPC's
    /// status code document gives a cardinality violation (tonic would read and drop it).
    pub fn server_single() -> Self {
        ProtoCodec {
            single: true,
            ..Self::server()
        }
    }

    /// The codec of a proxy.
    pub fn client() -> Self {
        ProtoCodec {
            server: false,
            single: false,
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
            single: self.single,
            read: false,
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

/// Reads the messages of one call's stream (tonic makes a decoder per call).
#[derive(Debug)]
pub struct ProtoDecoder<D> {
    server: bool,
    single: bool,
    /// Whether a message was read already.
    read: bool,
    _type: PhantomData<fn() -> D>,
}

/// What a skeleton answers a second request message of a method that takes one.
pub(crate) const SECOND_MESSAGE: &str = "more than one request message for a method that takes one";

impl<D: Message> Decoder for ProtoDecoder<D> {
    type Item = D;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<D>, tonic::Status> {
        if self.single && std::mem::replace(&mut self.read, true) {
            return Err(tonic::Status::unimplemented(SECOND_MESSAGE));
        }
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
