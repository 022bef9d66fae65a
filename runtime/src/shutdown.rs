//! Graceful shutdown of a server: when to stop accepting calls, and how long the calls in
//! flight may take to finish (the drain).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// When a server stops accepting calls and how long it then lets the calls in flight finish.
pub struct Shutdown {
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
    drain: Duration,
}

impl Shutdown {
    /// Serve until the process ends.
    pub fn never() -> Self {
        Shutdown::on(std::future::pending())
    }

    /// Stop when `signal` completes.
    pub fn on(signal: impl Future<Output = ()> + Send + 'static) -> Self {
        Shutdown {
            signal: Box::pin(signal),
            drain: Duration::from_secs(30),
        }
    }

    /// Stop on SIGTERM or SIGINT (Ctrl-C), as process managers and terminals ask.
    pub fn on_signals() -> Self {
        Shutdown::on(terminate())
    }

    /// Lets calls in flight run for at most `drain` after the signal (default 30 s); calls
    /// still running then are dropped.
    pub fn drain(mut self, drain: Duration) -> Self {
        self.drain = drain;
        self
    }

    /// Waits for the signal: for a process whose work is not a server loop (a consumer of
    /// channels), which stops by dropping what it serves.
    pub async fn signalled(self) {
        self.signal.await
    }

    /// The signal and the drain, for a transport's server loop.
    #[cfg_attr(not(any(feature = "rest", feature = "grpc")), allow(dead_code))]
    pub(crate) fn into_parts(self) -> (Pin<Box<dyn Future<Output = ()> + Send>>, Duration) {
        (self.signal, self.drain)
    }
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown")
            .field("drain", &self.drain)
            .finish_non_exhaustive()
    }
}

/// Completes on the first SIGTERM or SIGINT.
async fn terminate() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot listen for SIGTERM/SIGINT: serving until the process ends");
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
