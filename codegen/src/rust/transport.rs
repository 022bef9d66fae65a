//! The seam where a transport plugs into the Rust target, in the spirit of tonic-build's
//! `Service`/`Method` split: the generator walks each service and asks every transport the
//! options name to write its module in the service's module (`order_service::rest`). REST
//! implements it today; gRPC and messaging implement it next. Which implementation serves which
//! `Transport` is decided where services are generated (`service::code_of`), so this module
//! imports no transport.

use super::Generator;
use super::writer::Code;
use accord_idl::model::*;

/// The transports the Rust target can generate code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// axum skeletons and reqwest proxies for the `@http` operations.
    Rest,
    /// Message-broker skeletons, proxies, subscribers and publishers for the `@channel`
    /// operations and the channels a service publishes or subscribes to.
    Messaging,
    /// tonic skeletons and proxies for every operation the `.proto` declares an rpc for.
    Grpc,
}

/// What a transport writes for one service.
pub(crate) trait TransportCode: Sync {
    /// The module in the service's module, and the field of the routing `Client`.
    fn module(&self) -> &'static str;

    /// Whether an operation travels over this transport.
    fn binds(&self, op: &Operation) -> bool;

    /// Whether the service needs this transport's module: by default, when it binds one of
    /// the service's operations.
    fn serves(&self, service: &Service) -> bool {
        service.operations.iter().any(|op| self.binds(op))
    }

    /// What serves the trait in the transport's module (`router`, `Server`, `responder`).
    fn server_item(&self) -> &'static str {
        "router"
    }

    /// The transport's module body (`use super::__accord;` is written already): descriptors,
    /// and the skeleton and proxy as the options ask.
    fn module_body(&self, g: &Generator<'_>, code: &mut Code, id: ServiceId);
}
