//! The HTTP accept loop and the hygiene of its connections (`docs/wire.md`, "Connections"):
//! what [`serve_with`] does with each socket. The REST server serves through it
//! (`rest::server::serve_with`), and so does the gRPC server when the `rest` feature is on
//! (`grpc::server::serve_with`): it is below both transports, which never import each other.
//!
//! - The protocol is read here (the HTTP/2 preface or not) within the header-read timeout, so
//!   a socket that sends nothing is closed after it.
//! - Each connection has a watchdog: with no call in flight, an HTTP/1 head must be complete
//!   within the header-read timeout of its first byte (the first head: of the accept), and a
//!   connection idle longer than the idle timeout is closed (HTTP/2: GOAWAY). hyper's own HTTP/1
//!   header timeout starts when it waits for a head, so it would cut idle keep-alive connections
//!   at the header timeout; the watchdog tells waiting from reading, as Go's server does.
//! - A REST request body must keep arriving ([`Connections::body_deadline`]), else `408`.
//! - At `max_connections`, or when `accept` fails (out of file descriptors), the connection idle
//!   longest is closed to make room and accepting pauses until a connection ends (at most
//!   100 ms), so the loop never spins and never stops serving.

use crate::Shutdown;
use crate::connections::Connections;
use axum::body::Body;
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};

/// Serves `router` on `listener` with `connections`' settings until `shutdown` says stop, with
/// each caller's address in the request extensions (`axum::extract::ConnectInfo<SocketAddr>`).
/// On the signal it stops accepting, asks every connection to finish its calls in flight
/// (HTTP/1 keep-alive ends, HTTP/2 sends GOAWAY), waits for them at most the drain time, then
/// drops what is left and returns.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: Shutdown,
    connections: Connections,
) -> io::Result<()> {
    let (mut signal, drain) = shutdown.into_parts();
    let settings = Arc::new(connections);
    let (stop, stopping) = watch::channel(false);
    let mut open = Open::default();
    let mut paused: Option<Instant> = None;
    let mut complained: Option<Instant> = None;
    loop {
        if paused.is_none() && open.len() >= settings.max_connections {
            open.evict_idlest();
            paused = Some(Instant::now() + PAUSE);
        }
        let resume = paused.unwrap_or_else(Instant::now);
        tokio::select! {
            () = &mut signal => break,
            Some(ended) = open.set.join_next_with_id(), if !open.set.is_empty() => {
                open.ended(ended);
                paused = None;
            }
            () = tokio::time::sleep_until(resume.into()), if paused.is_some() => paused = None,
            accepted = listener.accept(), if paused.is_none() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let activity = Arc::new(Activity::new());
                    let task = connection(
                        stream,
                        peer,
                        router.clone(),
                        Arc::clone(&settings),
                        Arc::clone(&activity),
                        stopping.clone(),
                    );
                    open.spawn(task, activity);
                }
                Err(e) if is_aborted(&e) => {}
                Err(error) => {
                    // Out of file descriptors (or memory): make room, and wait for it.
                    if complained.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                        tracing::warn!(%error, connections = open.len(), "accept failed; closing the idlest connection");
                        complained = Some(Instant::now());
                    }
                    open.evict_idlest();
                    paused = Some(Instant::now() + PAUSE);
                }
            },
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let finished = async {
        while let Some(ended) = open.set.join_next_with_id().await {
            open.ended(ended);
        }
    };
    if tokio::time::timeout(drain, finished).await.is_err() {
        tracing::warn!(
            ?drain,
            "calls still in flight after the drain time were dropped"
        );
    }
    open.set.shutdown().await;
    Ok(())
}

/// How long accepting pauses after a failure or at the bound, unless a connection ends first.
const PAUSE: Duration = Duration::from_millis(100);

/// How long a connection must have been without a call in flight before it may be closed to
/// make room for another.
const EVICTABLE: Duration = Duration::from_millis(500);

/// A connection the peer dropped before it was taken is nothing to worry about.
fn is_aborted(error: &io::Error) -> bool {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

/// The open connections: their tasks and what each is doing.
#[derive(Default)]
struct Open {
    set: JoinSet<()>,
    activity: HashMap<tokio::task::Id, (Arc<Activity>, AbortHandle)>,
}

impl Open {
    fn len(&self) -> usize {
        self.set.len()
    }

    fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static, activity: Arc<Activity>) {
        let handle = self.set.spawn(task);
        self.activity.insert(handle.id(), (activity, handle));
    }

    fn ended(&mut self, ended: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
        let id = match ended {
            Ok((id, ())) => id,
            Err(e) => e.id(),
        };
        self.activity.remove(&id);
    }

    /// Closes the connection that has had no call in flight for longest, if it has been idle
    /// for [`EVICTABLE`] at least; `false` when there is none.
    ///
    /// The floor matters: out of file descriptors, `accept` fails whether a connection waits
    /// or not, so right after the last descriptor went to a new connection the next attempt
    /// fails too; without it, that new connection, idle until its head is read, was closed.
    fn evict_idlest(&mut self) -> bool {
        let idle_since = now_ms().saturating_sub(EVICTABLE.as_millis() as u64);
        let idlest = self
            .activity
            .iter()
            .filter(|(_, (a, _))| a.in_flight.load(Ordering::Acquire) == 0)
            .map(|(_, (a, handle))| (a.idle_since.load(Ordering::Relaxed), handle))
            .filter(|(since, _)| *since <= idle_since)
            .min_by_key(|(since, _)| *since);
        match idlest {
            Some((_, handle)) => {
                handle.abort();
                true
            }
            None => false,
        }
    }
}

/// Milliseconds since the first connection: what the atomics below hold.
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn instant_of(ms: u64) -> Instant {
    let now = now_ms();
    Instant::now() - Duration::from_millis(now.saturating_sub(ms))
}

const NONE: u64 = u64::MAX;

/// What one connection is doing, shared by its task, its calls (which may run on other
/// threads over HTTP/2) and the accept loop.
struct Activity {
    /// Calls whose response has not been sent in full.
    in_flight: AtomicUsize,
    /// When it last had no call in flight: the accept, or the end of its last response.
    idle_since: AtomicU64,
    /// When the first byte of the next HTTP/1 head came, while idle; `NONE` when none came.
    head_since: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        let now = now_ms();
        Activity {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now),
            // The first head counts from the accept.
            head_since: AtomicU64::new(now),
        }
    }

    /// Bytes came in: the start of a head when nothing is in flight.
    fn read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_since.load(Ordering::Relaxed) == NONE
        {
            self.head_since.store(now_ms(), Ordering::Relaxed);
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(NONE, Ordering::Relaxed);
        Busy(Arc::clone(self))
    }

    /// When the connection is to be closed if it is still as it is now; `None` while busy.
    fn deadline(&self, protocol: Protocol, settings: &Connections) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let head = self.head_since.load(Ordering::Relaxed);
        let at = match protocol {
            Protocol::Http1 if head != NONE => instant_of(head) + settings.header_read_timeout,
            _ => instant_of(self.idle_since.load(Ordering::Relaxed)) + settings.idle_timeout,
        };
        Some(at)
    }
}

/// A call in flight; dropped with its response's body (or with the call, when it is dropped).
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.idle_since.store(now_ms(), Ordering::Relaxed);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http1,
    Http2,
}

const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Reads until the bytes are or are not HTTP/2's preface; they are replayed to hyper.
async fn detect(stream: &mut TcpStream) -> io::Result<(Protocol, Bytes)> {
    let mut buf = [0u8; 24];
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        let read = Bytes::copy_from_slice(&buf[..filled]);
        if buf[..filled] != H2_PREFACE[..filled] {
            return Ok((Protocol::Http1, read));
        }
        if filled == H2_PREFACE.len() {
            return Ok((Protocol::Http2, read));
        }
    }
}

/// Serves one connection until it ends, its watchdog closes it or the shutdown asks it to.
async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    settings: Arc<Connections>,
    activity: Arc<Activity>,
    mut stopping: watch::Receiver<bool>,
) {
    let deadline = tokio::time::Instant::now() + settings.header_read_timeout;
    let detected = tokio::select! {
        detected = tokio::time::timeout_at(deadline, detect(&mut stream)) => detected,
        _ = stopping.changed() => return,
    };
    let Ok(Ok((protocol, prefix))) = detected else {
        return;
    };
    let io = TokioIo::new(Watched {
        stream,
        prefix,
        activity: Arc::clone(&activity),
    });
    let service = Tracked {
        router,
        peer,
        activity: Arc::clone(&activity),
        settings: Arc::clone(&settings),
    };
    match protocol {
        Protocol::Http1 => {
            let conn = hyper::server::conn::http1::Builder::new()
                // The watchdog bounds heads (see the module's comment).
                .header_read_timeout(None)
                .serve_connection(io, service);
            watch_over(conn, protocol, &settings, &activity, stopping).await;
        }
        Protocol::Http2 => {
            let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
            builder
                .timer(TokioTimer::new())
                .keep_alive_interval(settings.http2_keepalive_interval)
                .keep_alive_timeout(settings.http2_keepalive_timeout)
                .max_concurrent_streams(settings.http2_max_concurrent_streams);
            let conn = builder.serve_connection(io, service);
            watch_over(conn, protocol, &settings, &activity, stopping).await;
        }
    }
}

/// Drives `conn`, closing it when its watchdog's deadline passes or the server stops.
async fn watch_over<C>(
    conn: C,
    protocol: Protocol,
    settings: &Connections,
    activity: &Activity,
    mut stopping: watch::Receiver<bool>,
) where
    C: GracefulConnection,
    C::Error: Into<axum::BoxError>,
{
    tokio::pin!(conn);
    // Once closing, how long the connection may take to finish (the drain bounds a stop).
    let mut closing: Option<Instant> = None;
    loop {
        let check = match closing {
            Some(at) => at,
            // Busy: look again later (the end of the call moves the deadline).
            None => activity
                .deadline(protocol, settings)
                .unwrap_or_else(|| Instant::now() + settings.idle_timeout),
        };
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    let error: axum::BoxError = e.into();
                    tracing::trace!(%error, "connection ended with an error");
                }
                return;
            }
            _ = stopping.changed(), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now() + Duration::from_secs(3600));
            }
            () = tokio::time::sleep_until(check.into()) => {
                if closing.is_some() {
                    return;
                }
                let expired = activity
                    .deadline(protocol, settings)
                    .is_some_and(|at| at <= Instant::now());
                match (expired, protocol) {
                    (false, _) => {}
                    // Nothing in flight: nothing is lost.
                    (true, Protocol::Http1) => return,
                    (true, Protocol::Http2) => {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now() + settings.header_read_timeout);
                    }
                }
            }
        }
    }
}

/// The socket, with the bytes [`detect`] read replayed first, telling the connection's
/// [`Activity`] when bytes come.
struct Watched {
    stream: TcpStream,
    prefix: Bytes,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.prefix.is_empty() {
            let n = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix.split_to(n));
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.activity.read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The router as a hyper service of one connection: the caller's address in the extensions,
/// a REST body under its deadline, and the call counted in flight until its response is sent.
#[derive(Clone)]
struct Tracked {
    router: axum::Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
    settings: Arc<Connections>,
}

impl hyper::service::Service<http::Request<Incoming>> for Tracked {
    type Response = http::Response<Sent>;
    type Error = Infallible;
    type Future = Tracking;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        use tower::ServiceExt as _;
        let busy = self.activity.begin();
        let grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
        let mut request = if grpc {
            request.map(Body::new)
        } else {
            let settings = Arc::clone(&self.settings);
            request.map(|body| Body::new(Timed::new(body, settings)))
        };
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(self.peer));
        Tracking {
            call: self.router.clone().oneshot(request),
            busy: Some(busy),
        }
    }
}

pin_project_lite::pin_project! {
    /// A call's future: the router's, then its response with the call's [`Busy`] in the body.
    struct Tracking {
        #[pin]
        call: tower::util::Oneshot<axum::Router, http::Request<Body>>,
        busy: Option<Busy>,
    }
}

impl Future for Tracking {
    type Output = Result<http::Response<Sent>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match ready!(this.call.poll(cx)) {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let busy = this.busy.take();
        Poll::Ready(Ok(response.map(|body| Sent { body, _busy: busy })))
    }
}

/// A response body that keeps its call counted in flight until it is sent (or dropped).
struct Sent {
    body: Body,
    _busy: Option<Busy>,
}

impl HttpBody for Sent {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A REST request body that must keep arriving ([`Connections::body_deadline`]); one that does
/// not ends with [`BodyTimedOut`].
struct Timed {
    body: Incoming,
    settings: Arc<Connections>,
    started: Instant,
    received: u64,
    /// Made the first time the body has to wait.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Timed {
    fn new(body: Incoming, settings: Arc<Connections>) -> Self {
        Timed {
            body,
            settings,
            started: Instant::now(),
            received: 0,
            timer: None,
        }
    }
}

impl HttpBody for Timed {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let n = frame.data_ref().map_or(0, Bytes::len);
                this.received = this.received.saturating_add(n as u64);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let deadline = this
                    .settings
                    .body_deadline(this.started, this.received)
                    .into();
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that did not arrive in time (`408`).
#[derive(Debug)]
pub(crate) struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}
