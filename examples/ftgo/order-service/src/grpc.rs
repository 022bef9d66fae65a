//! The order service over gRPC, beside REST: the generated tonic `Server` of the same store,
//! with health (following readiness: `SERVING` while every check of the REST server's `Health`
//! is up, `NOT_SERVING` otherwise) and reflection (the descriptors of the emitted `.proto`, compiled at
//! build time without protoc).

use crate::InMemoryOrders;
use crate::api::FILE_DESCRIPTOR_SET;
use crate::api::ftgo::order::order_service::grpc;
use accord::grpc::server::{ServerConfig, add_health_and_reflection, follow_readiness};
use accord::grpc::tonic::service::Routes;
use accord::health::Health;
use std::sync::Arc;

/// How often the gRPC health service re-reads readiness.
pub const HEALTH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// The gRPC services: `OrderService` over `store`, health (following `health`'s readiness)
/// and reflection.
pub async fn routes(
    store: Arc<InMemoryOrders>,
    config: ServerConfig,
    health: &Health,
) -> Result<Routes, accord::grpc::tonic_reflection::server::Error> {
    let mut routes = Routes::builder();
    routes.add_service(grpc::Server::from_arc(store, config));
    let services = [grpc::SERVICE_NAME];
    let reporter = add_health_and_reflection(&mut routes, &services, FILE_DESCRIPTOR_SET).await?;
    follow_readiness(reporter, &services, health.clone(), HEALTH_INTERVAL);
    Ok(routes.routes())
}

/// The gRPC skeleton's settings from the REST skeleton's: the same authenticator (or none, as
/// asked), and the same metrics (one `/metrics` shows both transports).
pub fn config_like(rest: &accord::rest::server::ServerConfig) -> ServerConfig {
    ServerConfig {
        authenticator: rest.authenticator.clone(),
        insecure_no_auth: rest.insecure_no_auth,
        metadata: rest.metadata.clone(),
        metrics: rest.metrics.clone(),
        ..ServerConfig::default()
    }
}
