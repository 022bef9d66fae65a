//! A REST skeleton's settings ([`ServerConfig`]).

use crate::auth::Authenticator;
use crate::call::MetadataPolicy;
use crate::health::Health;
use crate::metrics::Metrics;
use crate::rest::hal::{Hypermedia, Linked};
use std::sync::Arc;

/// Settings of a REST skeleton.
#[derive(Clone)]
pub struct ServerConfig {
    /// Largest accepted request body in bytes; a larger one gets 413. Default
    /// [`MAX_MESSAGE_BYTES`](crate::call::MAX_MESSAGE_BYTES), the same on every transport.
    pub body_limit: usize,
    /// Which request headers become the handler's `Context::metadata` (besides the
    /// propagation headers, read for the core); credentials only when named.
    pub metadata: MetadataPolicy,
    /// Verifies the credentials of operations with `@auth` (a `JwtVerifier`, `ApiKeys`, or
    /// `Authenticators` for both). Without one, such operations refuse every call.
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// Skips `@auth` altogether: anyone may call anything. For local development and
    /// benchmarks only; the router logs a warning when it is built with it.
    pub insecure_no_auth: bool,
    /// Where a `@hypermedia` service is published and the services its `@link` relations
    /// lead to (for `?expand=`); `None` is the default: links as absolute paths, nothing
    /// expandable.
    pub hypermedia: Option<Arc<Hypermedia>>,
    /// The checks `/health/ready` runs (`docs/wire.md`, "Health"); empty by default, so a
    /// server is ready as soon as it serves. Register the service's dependencies (its
    /// broker, its consumers, its database) in it.
    pub health: Health,
    /// Records every call's duration and serves `GET /metrics` (`docs/wire.md`, "Metrics");
    /// `None` (the default) records nothing and has no `/metrics`.
    pub metrics: Option<Metrics>,
    /// The service's own OpenAPI and AsyncAPI documents, served at `/openapi.yaml`,
    /// `/openapi.json`, `/asyncapi.yaml` and `/asyncapi.json` without credentials
    /// (`docs/wire.md`, "Contract documents"); none by default. An operation of the contract
    /// at one of those paths takes precedence.
    pub documents: crate::Documents,
}

impl Default for ServerConfig {
    /// A 1 MiB body limit; every metadata header but the credentials; no authenticator.
    fn default() -> Self {
        ServerConfig {
            body_limit: crate::call::MAX_MESSAGE_BYTES,
            metadata: MetadataPolicy::default(),
            authenticator: None,
            insecure_no_auth: false,
            hypermedia: None,
            health: Health::new(),
            metrics: None,
            documents: crate::Documents::default(),
        }
    }
}

impl ServerConfig {
    /// Serves `documents` (`api::documents::of("pkg.Service")` with `Builder::documents`).
    pub fn with_documents(mut self, documents: crate::Documents) -> Self {
        self.documents = documents;
        self
    }

    /// Verifies credentials with `authenticator`.
    pub fn with_authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Where the service is published (`https://api.example.com/ftgo`): its HAL links start
    /// with it.
    pub fn with_public_base_url(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        self.hypermedia_mut().public_base_url = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// Expands the relations that lead to `linked`'s service (`?expand=`), and starts their
    /// hrefs at its base URL.
    pub fn with_linked(mut self, linked: Linked) -> Self {
        self.hypermedia_mut().linked.push(linked);
        self
    }

    fn hypermedia_mut(&mut self) -> &mut Hypermedia {
        Arc::make_mut(self.hypermedia.get_or_insert_with(Default::default))
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("body_limit", &self.body_limit)
            .field("metadata", &self.metadata)
            .field("authenticator", &self.authenticator.is_some())
            .field("insecure_no_auth", &self.insecure_no_auth)
            .field("hypermedia", &self.hypermedia)
            .field("health", &self.health)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}
