//! The seam where a transport plugs into the Rust target, in the spirit of tonic-build's
//! `Service`/`Method` split: the generator walks each service and asks every transport the
//! options name to write its module in the service's module (`order_service::rest`). REST,
//! messaging and gRPC implement it. Which implementation serves which `Transport` is the
//! registry's list (`registry`), so this module imports no transport.

use super::Generator;
use super::writer::Code;
use accord_idl::model::*;

/// What a transport writes for one service.
pub(crate) trait TransportCode: Sync {
    /// The module in the service's module, and the field of the routing `Client`.
    fn module(&self) -> &'static str;

    /// How prose names the transport ("over gRPC").
    fn title(&self) -> &'static str;

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
