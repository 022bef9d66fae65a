//! [`TestBed`]: a set of services in one process, for tests: responders and subscribers on one
//! embedded (memory) broker, REST and gRPC servers on loopback ports the system picks.

#[cfg(any(feature = "rest", feature = "grpc"))]
use crate::Shutdown;
#[cfg(feature = "messaging")]
use crate::messaging::{Broker, BrokerConfig, BrokerError, Responder, ServeConfig, Serving};
#[cfg(any(feature = "rest", feature = "grpc"))]
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`TestBed::stop`] lets calls in flight finish before their servers are aborted.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Services running in this process for a test; everything stops when it is dropped.
///
/// ```ignore
/// let mut bed = accord::testing::TestBed::new();
/// bed.serve(kitchen_service::messaging::responder(Kitchen::default())).await?;
/// let orders = bed.rest(order_service::rest::router(Orders::new(), Default::default())).await?;
/// // Proxies to them: over REST by URL, over messaging on the bed's broker.
/// let orders = order_service::rest::Proxy::connect(&orders)?;
/// let kitchen = kitchen_service::messaging::Proxy::new(bed.broker(), Default::default()).await?;
/// ```
pub struct TestBed {
    #[cfg(feature = "messaging")]
    broker: Broker,
    #[cfg(feature = "messaging")]
    serving: Vec<Serving>,
    servers: Vec<Server>,
}

/// One server task and the switch that stops it gracefully.
struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Default for TestBed {
    fn default() -> Self {
        TestBed::new()
    }
}

impl std::fmt::Debug for TestBed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestBed")
            .field("servers", &self.servers.len())
            .finish_non_exhaustive()
    }
}

impl TestBed {
    /// An empty bed with a fresh memory broker of its own (tests do not see each other's
    /// messages).
    pub fn new() -> Self {
        TestBed {
            #[cfg(feature = "messaging")]
            broker: Broker::memory(BrokerConfig::default()),
            #[cfg(feature = "messaging")]
            serving: Vec::new(),
            servers: Vec::new(),
        }
    }

    /// The bed's broker: give it to messaging proxies, publishers and the services' own
    /// publishers.
    #[cfg(feature = "messaging")]
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// Serves a generated responder or subscriber (`messaging::responder(service)`,
    /// `messaging::order_events_subscriber(subscriber)`) on the bed's broker.
    #[cfg(feature = "messaging")]
    pub async fn serve(&mut self, responder: Responder) -> Result<(), BrokerError> {
        self.serve_with(responder, ServeConfig::default()).await
    }

    /// [`serve`](Self::serve) with `config` (a consumer group of its own, retries).
    #[cfg(feature = "messaging")]
    pub async fn serve_with(
        &mut self,
        responder: Responder,
        config: ServeConfig,
    ) -> Result<(), BrokerError> {
        let serving = responder.serve(&self.broker, config).await?;
        self.serving.push(serving);
        Ok(())
    }

    /// Serves a REST router (`rest::router(service, config)`) on a loopback port the system
    /// picks and returns its base URL (`http://127.0.0.1:PORT`), for `rest::Proxy::connect`.
    #[cfg(feature = "rest")]
    pub async fn rest(&mut self, router: axum::Router) -> std::io::Result<String> {
        let (listener, address) = listen().await?;
        let (stop, shutdown) = switch();
        let task = tokio::spawn(async move {
            if let Err(e) = crate::rest::server::serve(listener, router, shutdown).await {
                tracing::warn!(error = %e, "test REST server ended");
            }
        });
        self.servers.push(Server { stop, task });
        Ok(format!("http://{address}"))
    }

    /// Serves gRPC routes (`grpc::Server::new(service, config)` added to a `Routes`) on a
    /// loopback port the system picks and returns its URL, for `grpc::Proxy::connect`.
    #[cfg(feature = "grpc")]
    pub async fn grpc(&mut self, routes: tonic::service::Routes) -> std::io::Result<String> {
        let (listener, address) = listen().await?;
        let (stop, shutdown) = switch();
        let task = tokio::spawn(async move {
            if let Err(e) = crate::grpc::server::serve(listener, routes, shutdown).await {
                tracing::warn!(error = %e, "test gRPC server ended");
            }
        });
        self.servers.push(Server { stop, task });
        Ok(format!("http://{address}"))
    }

    /// Stops every server, letting calls in flight finish (for up to 5 s), and every
    /// responder. Dropping the bed stops them too, at once.
    pub async fn stop(mut self) {
        for server in &mut self.servers {
            if let Some(stop) = server.stop.take() {
                let _ = stop.send(());
            }
        }
        for server in std::mem::take(&mut self.servers) {
            let mut task = server.task;
            if tokio::time::timeout(DRAIN * 2, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for TestBed {
    fn drop(&mut self) {
        for server in &self.servers {
            server.task.abort();
        }
        // The responders' `Serving`s abort their tasks when dropped with the bed.
    }
}

/// A loopback listener on a port the system picks, and its address.
#[cfg(any(feature = "rest", feature = "grpc"))]
async fn listen() -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    Ok((listener, address))
}

/// A graceful stop: the sender ends the server's `Shutdown`, allowing [`DRAIN`] for calls in
/// flight.
#[cfg(any(feature = "rest", feature = "grpc"))]
fn switch() -> (Option<oneshot::Sender<()>>, Shutdown) {
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = Shutdown::on(async move {
        let _ = stopped.await;
    })
    .drain(DRAIN);
    (Some(stop), shutdown)
}
