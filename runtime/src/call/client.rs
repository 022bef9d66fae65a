//! What every transport's client shares: the proxy's own [`Credentials`], the
//! [`ClientConfigError`] of a client that cannot be built, and the body of every generated
//! `Proxy` struct (`__proxy!`, which each transport's proxy macro fills in).

use crate::CallError;
use crate::auth::{CredentialsProvider, OwnedCredential};
use std::sync::Arc;

/// Why a client (REST or gRPC) could not be built: a base URL that is not http(s), an invalid
/// header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfigError(String);

impl ClientConfigError {
    pub(crate) fn new(why: impl Into<String>) -> Self {
        ClientConfigError(why.into())
    }
}

impl std::fmt::Display for ClientConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClientConfigError {}

/// A proxy's credentials provider, which shows nothing of itself in `Debug`.
#[derive(Clone)]
pub(crate) struct Credentials(Arc<dyn CredentialsProvider>);

impl Credentials {
    pub(crate) fn new(provider: impl CredentialsProvider) -> Self {
        Credentials(Arc::new(provider))
    }

    /// The proxy's own credential for one call, when it has a provider (never the caller's:
    /// see `MetadataPolicy`).
    pub(crate) async fn of(
        credentials: Option<&Credentials>,
    ) -> Result<Option<OwnedCredential>, CallError> {
        match credentials {
            Some(Credentials(provider)) => provider.credential().await.map(Some),
            None => Ok(None),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// A generated proxy: the struct over its transport's client and its constructors, the same
/// for every service and transport (the generator writes the trait's implementation beside
/// it). Each transport's proxy macro (`__rest_proxy!`, `__grpc_proxy!`) names its client and
/// how `connect` makes one.
#[doc(hidden)]
#[macro_export]
macro_rules! __proxy {
    (
        $(#[$attr:meta])* pub struct $name:ident;
        client: $client:ty;
        $(#[$connect_doc:meta])*
        connect($url:ident) => $connect:expr;
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct $name {
            client: $client,
        }

        impl $name {
            /// A proxy over a configured client (address, settings, credentials, resilience).
            pub fn new(client: $client) -> Self {
                Self { client }
            }

            $(#[$connect_doc])*
            pub fn connect(
                $url: impl ::core::convert::Into<::std::string::String>,
            ) -> ::core::result::Result<Self, $crate::call::ClientConfigError> {
                $connect.map(Self::new)
            }

            /// Answers the calls of `op` (`ops::GET_ORDER`) with `fallback` when the service
            /// cannot: unavailable, breaker open, outstanding bound full or timed out (see
            /// `accord::call::fallback`; `fallback::served` tells such an answer apart).
            pub fn with_fallback(
                mut self,
                op: &'static $crate::call::OperationInfo,
                fallback: $crate::call::fallback::ProxyFallback,
            ) -> Self {
                self.client = self.client.with_fallback(op, fallback);
                self
            }

            /// The client underneath (its settings and resilience state).
            pub fn client(&self) -> &$client {
                &self.client
            }
        }
    };
}
