//! Serving a router on a listener until shutdown.

use crate::connections::Connections;
use crate::connections::accept::serve_with;
use crate::shutdown::Shutdown;

/// Serves `router` on `listener` until `shutdown` says stop, with the default
/// [`Connections`] settings: [`serve_with`] with `Connections::default()`.
///
/// Its own accept loop rather than `axum::serve`: that one spawns a task per connection that
/// outlives its future, so a call could not be cut off at the end of the drain, and it bounds
/// neither slow heads nor idle connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, Connections::default()).await
}
