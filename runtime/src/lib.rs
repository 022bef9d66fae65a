//! The Accord runtime: everything code generated from an `.accord` file needs at run time.
//!
//! Generated code is thin glue; the logic lives here, written and tested once:
//! - value types with the wire encodings of `docs/wire.md`: [`Bytes`], [`Duration`],
//!   [`Timestamp`], [`Uuid`];
//! - the call shape shared by every transport: [`Request`] = [`Context`] + input;
//! - the call core ([`call`]): operation descriptors and the inbound and outbound pipelines
//!   every transport runs (deadline, trace, metadata policy, admission, breaker, span);
//! - errors: [`CallError`] (transport/internal failures) with a neutral [`Status`],
//!   [`ServiceError`] (implemented by each generated error enum);
//! - codecs ([`codec`]): JSON and protobuf; the protobuf encoding of generated types
//!   ([`proto`]), equal on the wire to protoc's code for the emitted `.proto`;
//! - validation: [`Validate`], [`Violations`], [`FieldPath`], [`Pattern`];
//! - authentication and authorization ([`auth`]): an operation's requirement, the check every
//!   transport runs before the handler, JWT and API key authenticators, proxies' credentials;
//! - resilience: deadlines, an outstanding-request bound and a circuit breaker ([`ProxyConfig`]);
//! - graceful shutdown of servers ([`Shutdown`]);
//! - transports, one cargo feature each: `rest` (axum skeletons, reqwest proxies), `grpc`
//!   (tonic skeletons and proxies, health and reflection), `messaging` (brokers for channels;
//!   `nats` and `amqp` add the real ones).
//!
//! The generator itself is not compiled into this crate: `#[accord::api]` is the opt-in
//! feature `macros`.
//!
//! Generated code names only `::accord::…` public items and `::accord::__private::…`.

pub mod auth;
pub mod call;
pub mod codec;
mod connections;
mod context;
mod deadline;
pub mod discovery;
mod documents;
mod error;
mod glue;
pub mod health;
pub mod metrics;
mod param;
pub mod proto;
pub mod resilience;
// The JSON shape a REST skeleton checks a rejected body against (`glue.rs`'s shape macros).
#[cfg(feature = "rest")]
#[doc(hidden)]
pub mod shape;
mod shutdown;
mod status;
/// OTLP export of traces and metrics (feature `otlp`).
#[cfg(feature = "otlp")]
pub mod telemetry;
pub mod testing;
pub mod trace;
mod validate;
mod value;

#[cfg(feature = "rest")]
pub mod rest;

#[cfg(feature = "messaging")]
pub mod messaging;

#[cfg(feature = "grpc")]
pub mod grpc;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod store;

pub use call::MetadataPolicy;
pub use connections::Connections;
pub use context::{Context, Request};
pub use documents::{Document, Documents};
pub use error::{CallError, Declared, ErrorEncoding, ServiceError, Upstream};
pub use glue::UnknownValue;
pub use param::ParamValue;
pub use resilience::{BreakerConfig, ProxyConfig};
pub use shutdown::Shutdown;
pub use status::{Code, Status};
pub use validate::{FieldPath, Length, Pattern, Validate, Violation, Violations};
pub use value::{Bytes, Duration, DurationError, Timestamp, Uuid};

/// `#[derive(accord::Message)]`: what generated types derive, and what a type of your own can
/// derive to travel over Accord's transports (see its documentation and `docs/rust.md`).
pub use accord_derive::{Message, shared};

/// Includes the Rust code a build script wrote with `accord_codegen::Builder` under `name`, a
/// string literal: the Builder's `name`, `"api"` unless set there, so
/// `accord::include_api!("api");` expands to the generated module tree. The name is always
/// given: the macro has no form without it.
#[macro_export]
macro_rules! include_api {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/accord/", $name, "/mod.rs"));
    };
}

/// `#[accord::api("api/order.accord")] mod order {}`: the generated code for an API, inline.
#[cfg(feature = "macros")]
pub use accord_macros::api;

/// The `futures` crate the runtime uses, so a streaming handler needs no dependency of its own:
/// `accord::futures::stream::iter(items).boxed()` (with `accord::futures::StreamExt` in scope).
pub use futures;

/// A pinned, boxed, `Send` stream: what streamed operations return.
pub type BoxStream<'a, T> = futures::stream::BoxStream<'a, T>;

/// What generated code names. Not a stable API: it changes with the generator.
#[doc(hidden)]
pub mod __private {
    pub use base64;
    pub use bytes;
    pub use chrono;
    pub use futures;
    pub use http;
    pub use regex;
    pub use serde;
    pub use serde_json;
    pub use tokio;
    pub use tracing;
    pub use uuid;

    #[cfg(feature = "rest")]
    pub use axum;
    #[cfg(feature = "rest")]
    pub use reqwest;

    #[cfg(feature = "messaging")]
    pub use crate::__messaging_proxy as messaging_proxy;
    #[cfg(feature = "rest")]
    pub use crate::__rest_proxy as rest_proxy;
    pub use crate::auth::Requirement as AuthRequirement;
    pub use crate::call::{Interaction, OperationInfo};
    pub use crate::codec::Format;
    pub use crate::error::decode_declared;
    pub use crate::glue::{UnknownValue, deserialize_enum, unsupported, unsupported_stream};
    #[cfg(feature = "grpc")]
    pub use crate::grpc;
    #[cfg(feature = "messaging")]
    pub use crate::messaging;
    #[cfg(feature = "rest")]
    pub use crate::rest;
    #[cfg(feature = "rest")]
    pub use crate::shape::{self, Shape};
    pub use crate::testing;
    pub use crate::validate::unknown_enum_value;
    pub use crate::{
        __enumeration as enumeration, __errors as errors, __message as message,
        __object_shape as object_shape, __oneof as oneof, __union_shape as union_shape,
    };
    #[cfg(feature = "grpc")]
    pub use crate::{__grpc_proxy as grpc_proxy, __grpc_server as grpc_server};
    pub use crate::{
        BoxStream, Bytes, CallError, Context, Duration, ErrorEncoding, FieldPath, ParamValue,
        Pattern, ProxyConfig, Request, ServiceError, Timestamp, Uuid, Validate, Violations,
    };
    pub use accord_derive::{Message, shared};
    pub use futures::future::Either;
    pub use serde_json::Value as JsonValue;

    // The std names generated code uses, so it can name them all through one short alias
    // (`use ::accord::__private as __accord;`) that user types cannot shadow.
    pub use std::boxed::Box;
    pub use std::collections::BTreeMap;
    pub use std::convert::{From, Into};
    pub use std::default::Default;
    pub use std::error::Error as StdError;
    pub use std::future::Future;
    pub use std::marker::{Send, Sync};
    pub use std::option::Option;
    pub use std::result::Result;
    pub use std::string::{String, ToString};
    pub use std::sync::Arc;
    pub use std::time::Duration as StdDuration;
    pub use std::vec::Vec;
    pub use std::{fmt, future, write};
}
