//! Service discovery and client-side load balancing (`docs/wire.md`, "Discovery").
//!
//! - [`Registry`]: where services register their instances and clients watch them.
//!   [`MemoryRegistry`] is the in-process default (tests, single-process deployments);
//!   [`EtcdRegistry`] (feature `rest`) speaks etcd v3's JSON gateway over the HTTP client the
//!   runtime already has, so no user build runs protoc.
//! - [`Instance`]: what a registration says of one instance (its URL per transport, version,
//!   health URL), stored as JSON under `/accord/services/<qualified service>/<instance id>`.
//! - [`Source`]: where a proxy finds its endpoints: a static URL or list, `dns://name:port`
//!   (feature `dns`), `etcd://host:port`, or a registry given in code. [`Source::watch`] gives
//!   a live view of the endpoints.
//! - [`Pool`]: the endpoints a proxy balances over (round robin or least outstanding), with a
//!   circuit breaker per instance that ejects a failing instance for a cool-off, bounded to a
//!   share of the instances (outlier detection).
//!
//! The proxies (REST and gRPC) pick an endpoint per attempt from their [`Pool`]; retries and
//! their budget are the call core's (`call::retry`).

mod endpoint;
mod instance;
mod memory;
mod pool;
mod registry;
mod source;

#[cfg(feature = "dns")]
mod dns;
#[cfg(feature = "rest")]
mod etcd;

pub use endpoint::{Endpoint, Endpoints, SourceError};
pub use instance::{Instance, InstanceError, key_of, prefix_of};
pub use memory::MemoryRegistry;
pub use pool::{Balance, BreakerState, Member, Observer, Pick, Pool, PoolConfig};
pub use registry::{Registration, Registry, RegistryError, View};
pub use source::Source;

#[cfg(feature = "rest")]
pub use etcd::{EtcdConfig, EtcdRegistry};
