//! The order service over gRPC, beside REST: the generated tonic `Server` of the same store,
//! with health (SERVING) and reflection (the descriptors of the emitted `.proto`, compiled at
//! build time without protoc).

use crate::InMemoryOrders;
use crate::api::FILE_DESCRIPTOR_SET;
use crate::api::ftgo::order::order_service::grpc;
use accord::grpc::server::{ServerConfig, add_health_and_reflection};
use accord::grpc::tonic::service::Routes;
use std::sync::Arc;

/// The gRPC services: `OrderService` over `store`, health and reflection.
pub async fn routes(
    store: Arc<InMemoryOrders>,
    config: ServerConfig,
) -> Result<Routes, accord::grpc::tonic_reflection::server::Error> {
    let mut routes = Routes::builder();
    routes.add_service(grpc::Server::from_arc(store, config));
    add_health_and_reflection(&mut routes, &[grpc::SERVICE_NAME], FILE_DESCRIPTOR_SET).await?;
    Ok(routes.routes())
}

/// The gRPC skeleton's settings from the REST skeleton's: the same authenticator (or none, as
/// asked).
pub fn config_like(rest: &accord::rest::server::ServerConfig) -> ServerConfig {
    ServerConfig {
        authenticator: rest.authenticator.clone(),
        insecure_no_auth: rest.insecure_no_auth,
        metadata: rest.metadata.clone(),
        ..ServerConfig::default()
    }
}
