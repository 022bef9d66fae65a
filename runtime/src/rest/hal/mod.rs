//! REST Level 3 (`docs/wire.md`, "Hypermedia"): the HAL `_links` of a `@hypermedia` service's
//! responses, `?expand=rel` embedding related resources under `_embedded`, and the client's
//! typed reading of both ([`Hal`], [`Rel`]).
//!
//! Generated code describes each resource type once, as `static` data ([`Resource`]: its own
//! service's links, whose path placeholders are the resource's fields, and its `@link`
//! relations); the skeleton writes a response's links from that description and the few
//! fields they name, straight after the output's JSON.
//! Relations are expanded through whatever implements the linked service (its generated
//! routing `Client`, a REST or gRPC proxy), handed to the router as a [`Linked`].
//!
//! The descriptions are here; the server side is `linked` (the linked services a router may
//! call), `links` (the `_links` written into the response body) and `render` (a response's
//! rendering, `?expand=` included), the client side `client`.

mod client;
mod linked;
mod links;
mod render;

pub use client::{Hal, HalLink, Rel};
pub use linked::{Hypermedia, Linked};
pub(crate) use render::{Rendered, render, requested};

/// A link to an operation of the resource's own service: `self`, or an action named after
/// the operation.
#[derive(Debug)]
pub struct Link {
    pub rel: &'static str,
    pub method: http::Method,
    /// The operation's path; each `{name}` placeholder is a field of the resource.
    pub path: &'static str,
}

/// An `@link` relation: the resource's `field` names a resource that another operation
/// returns (a list field, one per element).
#[derive(Debug)]
pub struct Relation {
    pub rel: &'static str,
    /// The resource's field, as on the JSON wire.
    pub field: &'static str,
    /// Whether the field is a list (one link and one embedded resource per element).
    pub each: bool,
    /// The linked operation's service, qualified (`ftgo.consumer.ConsumerService`).
    pub service: &'static str,
    /// The linked operation's name.
    pub op: &'static str,
    /// The linked operation's href with `{}` where the field's value goes
    /// (`/consumers/{}`, or `/consumers?consumer_id={}` when the value travels in the query).
    pub href: &'static str,
}

/// The links and relations of one resource type, in one service.
#[derive(Debug)]
pub struct Resource {
    pub links: &'static [Link],
    pub relations: &'static [Relation],
}
