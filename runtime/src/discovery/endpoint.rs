//! What a source gives a proxy: its endpoints, and why a source cannot be used (a leaf: the
//! sources import it, it imports none of them).

use std::sync::Arc;
use tokio::sync::watch;

/// One endpoint of a service: an instance's id and its base URL for the proxy's transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The instance's id (the URL itself for static and DNS endpoints).
    pub id: String,
    /// Its base URL (`http://10.0.0.7:8081`).
    pub url: String,
}

impl Endpoint {
    /// An endpoint known by its URL alone.
    pub fn of_url(url: &str) -> Endpoint {
        Endpoint {
            id: url.to_owned(),
            url: url.to_owned(),
        }
    }
}

/// The live list of a proxy's endpoints.
pub type Endpoints = watch::Receiver<Arc<[Endpoint]>>;

/// A source that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}
