//! Process glue the FTGO binaries share: joining the broker their `--broker URL` names (with a
//! clear error when it cannot be reached), and waiting for SIGTERM or SIGINT.

use accord::messaging::{Broker, BrokerConfig, BrokerError, Serving};
use std::process::ExitCode;

/// Connects to `url` (`memory:`, `nats://host:port`, `amqp://user:pass@host:port/vhost`),
/// retrying with backoff while it is down; the error says which broker and why.
pub async fn connect(url: &str) -> Result<Broker, ExitCode> {
    match Broker::connect_with(url, BrokerConfig::default()).await {
        Ok(broker) => Ok(broker),
        Err(e) => {
            eprintln!("error: cannot join the broker: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Listens on `addr`; returns the listener and the address it got (`127.0.0.1:0` picks a
/// port), or says why it cannot.
pub async fn listen(
    addr: std::net::SocketAddr,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), ExitCode> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => {
            let bound = listener.local_addr().unwrap_or(addr);
            Ok((listener, bound))
        }
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn signalled() {
    accord::Shutdown::on_signals().signalled().await;
}

/// The life of a broker-only service: once `serving` has subscribed, prints `ready` (what
/// scripts wait for), serves until SIGTERM or SIGINT, then stops. A subscription that failed is
/// a clear error and exit code 1.
pub async fn consume_until_signalled(
    ready: &str,
    serving: impl Future<Output = Result<Serving, BrokerError>>,
) -> ExitCode {
    let serving = match serving.await {
        Ok(serving) => serving,
        Err(e) => {
            eprintln!("error: cannot consume: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{ready}");
    signalled().await;
    drop(serving);
    ExitCode::SUCCESS
}

/// Where a service tells what it does, one line per step: the binaries print to stdout, tests
/// keep quiet.
#[derive(Clone)]
pub struct Journal(Option<Sink>);

type Sink = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

impl Journal {
    /// Prints each step to stdout after `who: `.
    pub fn stdout(who: &'static str) -> Journal {
        Journal(Some(std::sync::Arc::new(move |line: &str| {
            println!("{who}: {line}")
        })))
    }

    /// Says nothing.
    pub fn silent() -> Journal {
        Journal(None)
    }

    /// Tells one step.
    pub fn say(&self, line: impl FnOnce() -> String) {
        if let Some(sink) = &self.0 {
            sink(&line());
        }
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Journal(stdout)"
        } else {
            "Journal(silent)"
        })
    }
}
