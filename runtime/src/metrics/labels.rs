//! The label sets, named as the OpenTelemetry conventions' attributes in Prometheus form. Every
//! value is a `&'static str` (a route template, an operation's name), a number or a shared
//! channel address: looking a series up allocates nothing.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use std::borrow::Cow;
use std::fmt::Write as _;

/// An HTTP request: `http_request_method`, `http_route`, `http_response_status_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct HttpLabels {
    /// `GET`, `POST`, ...
    pub http_request_method: &'static str,
    /// The route's template (`/orders/{order_id}`), never the raw path.
    pub http_route: &'static str,
    /// The response's status; `0` when none came (a client call that failed before).
    pub http_response_status_code: u16,
}

/// A gRPC call: `rpc_system`, `rpc_service`, `rpc_method`, `rpc_grpc_status_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RpcLabels {
    /// `grpc`.
    pub rpc_system: &'static str,
    /// The qualified service name (`ftgo.order.v1.OrderService`).
    pub rpc_service: &'static str,
    /// The method's name (`CreateOrder`).
    pub rpc_method: &'static str,
    /// The gRPC status code (0 is `OK`).
    pub rpc_grpc_status_code: i32,
}

/// A message processed or sent, as a transport describes it (the address shared with the
/// channel, not copied).
#[derive(Debug, Clone)]
pub struct MessagingCall {
    /// `nats`, `rabbitmq`, `memory`.
    pub system: &'static str,
    /// The channel's address (a contract's is a `static`: borrowed, not copied).
    pub destination: Cow<'static, str>,
    /// `process`, `send`, `publish`.
    pub operation: &'static str,
}

impl MessagingCall {
    pub(super) fn owned(self) -> MessagingLabels {
        MessagingLabels {
            messaging_system: self.system,
            messaging_destination_name: Destination(self.destination),
            messaging_operation_name: self.operation,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct MessagingLabels {
    pub messaging_system: &'static str,
    pub messaging_destination_name: Destination,
    pub messaging_operation_name: &'static str,
}

/// A message a consumer dropped unrun: where, and why (`expired`, `duplicate`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct DroppedLabels {
    pub messaging_system: &'static str,
    pub messaging_destination_name: Destination,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct InFlightLabels {
    pub side: &'static str,
    pub transport: &'static str,
}

/// A served call, as its transport labels it.
#[derive(Debug, Clone)]
pub enum Served {
    /// A REST request.
    Http(HttpLabels),
    /// A gRPC call.
    Rpc(RpcLabels),
    /// A message processed.
    Messaging(MessagingCall),
}

/// A call made, as its transport labels it.
#[derive(Debug, Clone)]
pub enum Made {
    /// A REST request.
    Http(HttpLabels),
    /// A gRPC call.
    Rpc(RpcLabels),
    /// A message sent or published.
    Sent(MessagingCall),
}

/// A channel address as a label value (shared with the channel, not copied).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Destination(pub Cow<'static, str>);

impl EncodeLabelValue for Destination {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(&self.0)
    }
}
