//! How a server treats its connections (`docs/wire.md`, "Connections"): how long a client may
//! take to send a request head or body, how long an idle connection stays open, HTTP/2
//! keep-alive and streams, and how many connections are served at once. The REST server
//! (`rest::server::serve_with`) applies all of it; the gRPC server (`grpc::server::serve_with`)
//! what tonic offers.

#[cfg(feature = "rest")]
pub(crate) mod accept;

use std::time::Duration;

/// Connection settings of a server; [`Connections::default`] is what `serve` uses.
///
/// A socket that sends nothing, or a request head or body trickled a byte at a time, holds a
/// file descriptor; without these bounds a few dozen of them starve a process whose file limit
/// is small. With them, each is closed after a bounded time, and when the server is out of
/// file descriptors (or at [`max_connections`](Self::max_connections)) it closes its idlest
/// connection to take the next one instead of refusing everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connections {
    /// A new connection's first request head must arrive in full within this; a later HTTP/1
    /// head within this of its first byte. Default 10 s; a slow head is cut off by closing
    /// the connection.
    pub header_read_timeout: Duration,
    /// A connection with no call in flight is closed after this long (HTTP/2 with a GOAWAY).
    /// Default 60 s.
    pub idle_timeout: Duration,
    /// A REST request body may take this long, plus one second per
    /// [`min_body_rate`](Self::min_body_rate) bytes that arrived; a slower one is answered
    /// `408` and its connection closed. Default 10 s. (gRPC streams are not bounded so: a
    /// client stream may pause as long as its deadline allows.)
    pub body_read_timeout: Duration,
    /// The least average rate of a REST request body past
    /// [`body_read_timeout`](Self::body_read_timeout), in bytes per second (0: the whole body
    /// within that timeout). Default 16 KiB/s: a 1 MiB body may take 74 s.
    pub min_body_rate: u64,
    /// How often an HTTP/2 connection is pinged (`None`: never). Default 20 s.
    pub http2_keepalive_interval: Option<Duration>,
    /// A ping unanswered this long closes the HTTP/2 connection. Default 20 s.
    pub http2_keepalive_timeout: Duration,
    /// Streams (calls) one HTTP/2 connection may have open at once. Default 100.
    pub http2_max_concurrent_streams: u32,
    /// Connections served at once (REST). At the bound, or when accepting fails for want of
    /// file descriptors, the connection idle longest (500 ms at least) is closed to make
    /// room; when there is none, accepting waits until one ends. Default 10,000.
    pub max_connections: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(10),
            min_body_rate: 16 << 10,
            http2_keepalive_interval: Some(Duration::from_secs(20)),
            http2_keepalive_timeout: Duration::from_secs(20),
            http2_max_concurrent_streams: 100,
            max_connections: 10_000,
        }
    }
}

impl Connections {
    /// When a request body that started at `started` and has delivered `received` bytes must
    /// have arrived in full.
    #[cfg(feature = "rest")]
    pub(crate) fn body_deadline(
        &self,
        started: std::time::Instant,
        received: u64,
    ) -> std::time::Instant {
        let earned = match self.min_body_rate {
            0 => Duration::ZERO,
            rate => Duration::from_millis(received.saturating_mul(1000) / rate),
        };
        started + self.body_read_timeout + earned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "rest")]
    fn a_body_earns_time_as_it_arrives() {
        let c = Connections::default();
        let t = std::time::Instant::now();
        assert_eq!(c.body_deadline(t, 0), t + Duration::from_secs(10));
        assert_eq!(c.body_deadline(t, 1 << 20), t + Duration::from_secs(74));
        let whole = Connections {
            min_body_rate: 0,
            ..c
        };
        assert_eq!(whole.body_deadline(t, 1 << 20), t + Duration::from_secs(10));
    }
}
