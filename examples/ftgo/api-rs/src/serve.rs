//! The life of a service that consumes from a broker and, when asked with `--listen ADDR`, also
//! serves its REST operations (the kitchen's and accounting's views of their side effects).

use accord::Shutdown;
use accord::health::Health;
use accord::messaging::{BrokerError, ServeConfig, Serving};
use accord::metrics::Metrics;
use accord::rest::server::ServerConfig;
use accord::store::Store;
use std::net::SocketAddr;
use std::process::ExitCode;

/// How a participant serves its channels: idempotently by message on `store` (a redelivered
/// command is acknowledged unrun, its reply sent again), its processing and dead letters
/// recorded in `metrics`.
pub fn idempotent(store: &Store, metrics: &Metrics) -> ServeConfig {
    let config = ServeConfig {
        metrics: Some(metrics.clone()),
        ..ServeConfig::default()
    };
    config.store(store.clone())
}

/// The REST server's settings: readiness follows `health`, `metrics` (the ones its consumers
/// and relay record too) on `/metrics`.
pub fn rest_config(health: Health, metrics: Metrics) -> ServerConfig {
    ServerConfig {
        health,
        metrics: Some(metrics),
        ..ServerConfig::default()
    }
}

/// Once `serving` has subscribed, listens on `listen` (if given) with `router`, prints
/// `ready` (with the address it got), and serves until SIGTERM or SIGINT. A subscription or a
/// listener that fails is a clear error and exit code 1.
pub async fn consume_and_listen(
    ready: &str,
    serving: impl Future<Output = Result<Serving, BrokerError>>,
    listen: Option<(SocketAddr, axum::Router)>,
) -> ExitCode {
    let Some((addr, router)) = listen else {
        return crate::host::consume_until_signalled(ready, serving).await;
    };
    let serving = match serving.await {
        Ok(serving) => serving,
        Err(e) => {
            eprintln!("error: cannot consume: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (listener, bound) = match crate::host::listen(addr).await {
        Ok(listening) => listening,
        Err(code) => return code,
    };
    println!("{ready}: listening on http://{bound}");
    let served = accord::rest::server::serve(listener, router, Shutdown::on_signals()).await;
    drop(serving);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
