//! Hostile traffic against the real `ftgo-order-service` binary (issue 26): idle and slow
//! connections under a small file limit, a linked service that answers too much, redirects,
//! and failures whose details must not reach the caller. Each test starts its own process and
//! its own stand-ins on loopback; every wait is bounded.

mod support;

use serde_json::Value;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The order service as a process: its REST address and pid; killed when dropped.
struct OrderService {
    child: tokio::process::Child,
    addr: SocketAddr,
    /// The gRPC address, with `--grpc-listen`.
    grpc: Option<SocketAddr>,
}

impl OrderService {
    /// Starts the binary with `args` (besides `--listen` and `--insecure-no-auth`), its file
    /// limit at `nofile` when given, and waits for its `ready` line.
    async fn start(args: &[&str], nofile: Option<u64>) -> OrderService {
        let mut command = tokio::process::Command::new(support::binary("ftgo-order-service"));
        command
            .args(["--listen", "127.0.0.1:0", "--insecure-no-auth"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(limit) = nofile {
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let rlimit = libc::rlimit {
                        rlim_cur: limit,
                        rlim_max: limit,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().expect("ftgo-order-service starts");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let address = |line: &str| {
            let url = line.split("listening on http://").nth(1)?;
            url.trim().parse::<SocketAddr>().ok()
        };
        let (addr, grpc) = tokio::time::timeout(Duration::from_secs(30), async {
            let mut grpc = None;
            while let Some(line) = lines.next_line().await.unwrap() {
                if line.contains("gRPC listening") {
                    grpc = address(&line);
                } else if line.contains("ready") {
                    return (address(&line).expect("the REST address"), grpc);
                }
            }
            panic!("the order service ended before it was ready");
        })
        .await
        .expect("the order service is ready in time");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        OrderService { child, addr, grpc }
    }

    /// The CPU time the process has used (user and system), from `/proc/<pid>/stat`.
    fn cpu_time(&self) -> Duration {
        let pid = self.child.id().expect("running");
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // The fields after the command's closing parenthesis; utime and stime are the 14th
        // and 15th of the line, the 12th and 13th after it.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<u64> = after
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        let ticks = fields[11] + fields[12];
        // SAFETY: sysconf has no preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis(ticks * 1000 / per_second)
    }

    /// The process's peak resident set (`VmHWM`), in bytes.
    fn peak_rss(&self) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .expect("VmHWM");
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap();
        kib * 1024
    }
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): status and body.
async fn exchange(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    parse_response(&response)
}

fn parse_response(response: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // Chunked bodies: the JSON is the one line that starts with `{`.
    let json = body
        .lines()
        .find(|l| l.starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

/// Whether the server closes `stream` within `within`, and when.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    read.ok().map(|()| started.elapsed())
}

/// Sends `head` one byte every `every` until the server closes the connection.
fn slowloris(addr: SocketAddr, every: Duration) -> tokio::task::JoinHandle<Option<Duration>> {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let head = b"GET /orders/1 HTTP/1.1\r\nHost: orders\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for byte in head.iter().cycle().take(10_000) {
            if stream.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            // A closed connection shows as a read of 0 (or a failed write, later).
            let mut buf = [0u8; 64];
            if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(every, stream.read(&mut buf)).await {
                return Some(started.elapsed());
            }
        }
        None
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eighty_idle_sockets_do_not_starve_a_service_with_a_file_limit_of_64() {
    let header_timeout = Duration::from_secs(3);
    let service = OrderService::start(&["--header-read-timeout-secs", "3"], Some(64)).await;
    let addr = service.addr;
    let mut idle = Vec::new();
    for _ in 0..80 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let slow: Vec<_> = (0..4)
        .map(|_| slowloris(addr, Duration::from_secs(1)))
        .collect();
    // Let the server take what its file limit allows.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let served = tokio::time::timeout(
        Duration::from_secs(20),
        exchange(addr, "GET", "/orders/1", None),
    )
    .await;
    let took = started.elapsed();
    let (status, body) = served.expect("the legitimate request is answered");
    assert_eq!(status, 404, "{body}");
    eprintln!(
        "80 idle sockets + 4 slowloris, file limit 64: the legitimate request took {took:?} \
         (header-read timeout {header_timeout:?})"
    );
    assert!(
        took < header_timeout,
        "served in {took:?}, not within the header-read timeout"
    );
    // And the service keeps serving once the idle sockets are gone.
    drop(idle);
    for handle in slow {
        handle.abort();
    }
    let (status, _) = exchange(addr, "GET", "/orders/2", None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_grpc_sockets_neither_spin_nor_starve_a_service_with_a_file_limit_of_64() {
    let service = OrderService::start(
        &[
            "--grpc-listen",
            "127.0.0.1:0",
            "--header-read-timeout-secs",
            "2",
        ],
        Some(64),
    )
    .await;
    let grpc = service.grpc.expect("the gRPC address");
    let mut idle = Vec::new();
    for _ in 0..80 {
        idle.push(TcpStream::connect(grpc).await.unwrap());
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = service.cpu_time();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let used = service.cpu_time() - before;
    eprintln!("80 idle gRPC sockets, file limit 64: {used:?} of CPU in 1 s");
    assert!(
        used < Duration::from_millis(300),
        "the accept loop spun: {used:?} of CPU in 1 s"
    );
    // The idle gRPC sockets are closed at the header-read timeout: REST, whose listener
    // shares the file limit, is served again.
    let served = tokio::time::timeout(
        Duration::from_secs(10),
        exchange(service.addr, "GET", "/orders/1", None),
    )
    .await;
    let (status, _) = served.expect("REST is served again");
    assert_eq!(status, 404);
    let took = started.elapsed();
    eprintln!("REST served again {took:?} after the idle gRPC sockets came");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_after_their_timeouts() {
    let service = OrderService::start(
        &[
            "--header-read-timeout-secs",
            "2",
            "--idle-timeout-secs",
            "4",
            "--body-read-timeout-secs",
            "2",
        ],
        None,
    )
    .await;
    let addr = service.addr;
    // A socket that sends nothing: closed at the header-read timeout.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // A head trickled a byte every 300 ms: closed at the header-read timeout too.
    let trickled = slowloris(addr, Duration::from_millis(300));
    // A keep-alive connection idle after one call: open past the header-read timeout, closed
    // at the idle timeout.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /orders/1 HTTP/1.1\r\nHost: orders\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 404"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    // A body that stops coming: 408 at the body-read timeout, then closed.
    let mut body = TcpStream::connect(addr).await.unwrap();
    body.write_all(
        b"POST /orders HTTP/1.1\r\nHost: orders\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"restaurant_id\":",
    )
    .await
    .unwrap();
    let started = Instant::now();

    let silent_closed = closed_within(&mut silent, Duration::from_secs(6)).await;
    let silent_closed = silent_closed.expect("a silent socket is closed");
    assert!(
        (Duration::from_millis(1500)..Duration::from_millis(3500)).contains(&silent_closed),
        "closed after {silent_closed:?}"
    );
    let trickled = trickled.await.unwrap().expect("a slow head is cut off");
    assert!(
        trickled < Duration::from_millis(3500),
        "cut after {trickled:?}"
    );

    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(6), body.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "the slow body's connection is closed");
    let (status, problem) = parse_response(&response);
    assert_eq!(status, 408, "{problem}");
    assert!(started.elapsed() < Duration::from_millis(4500));

    let kept_closed = closed_within(&mut kept, Duration::from_secs(8)).await;
    let kept_closed = kept_closed.expect("an idle keep-alive connection is closed");
    let since = started.elapsed();
    assert!(
        since > Duration::from_millis(3000) && since < Duration::from_millis(6000),
        "the idle keep-alive connection was closed {since:?} after its call ({kept_closed:?})"
    );
}

/// A consumer service stand-in: answers every request with `respond(request head)`, counting
/// requests.
async fn stand_in(
    respond: impl Fn(&str) -> Vec<Vec<u8>> + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let respond = Arc::new(respond);
    let (counted, seen) = (count.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let respond = respond.clone();
            let (counted, seen) = (counted.clone(), seen.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                counted.fetch_add(1, Ordering::SeqCst);
                seen.lock().unwrap().push(head.clone());
                for chunk in respond(&head) {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, count, heads)
}

fn response(status: &str, content_type: &str, body: &[u8], extra: &str) -> Vec<Vec<u8>> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}\
         Connection: close\r\n\r\n",
        body.len()
    );
    vec![head.into_bytes(), body.to_vec()]
}

/// Creates an order on `service` and fetches it with `?expand=consumer`: the order's JSON.
async fn expanded_order(service: &OrderService) -> Value {
    let order = serde_json::to_string(&support::order(1, 1, &[("pad-thai", 1)])).unwrap();
    let (status, created) = exchange(service.addr, "POST", "/orders", Some(&order)).await;
    assert!(status == 200 || status == 201, "{status} {created}");
    let id = created["order_id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| created["order_id"].to_string());
    let path = format!("/orders/{id}?expand=consumer");
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(30),
        exchange(service.addr, "GET", &path, None),
    )
    .await
    .expect("the order is answered in time");
    assert_eq!(status, 200, "{body}");
    body
}

/// A consumer record of `size` bytes (its name fills it), as chunks of at most 1 MiB.
fn consumer_record(size: usize) -> Vec<Vec<u8>> {
    let prefix = b"{\"consumer_id\":1,\"email\":\"a@b.c\",\"registered_at\":\"2024-01-01T00:00:00Z\",\"name\":\"";
    let suffix = b"\"}";
    let filler = size - prefix.len() - suffix.len();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\
         Connection: close\r\n\r\n"
    );
    let mut chunks = vec![head.into_bytes(), prefix.to_vec()];
    chunks.extend(std::iter::repeat_n(vec![b'a'; 1 << 20], filler >> 20));
    chunks.push(vec![b'a'; filler & ((1 << 20) - 1)]);
    chunks.push(suffix.to_vec());
    chunks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_linked_record_fails_the_relation_and_is_never_buffered() {
    // The same record, small, is embedded: only its size fails it below.
    let (url, _, _) = stand_in(|_| consumer_record(200)).await;
    let service = OrderService::start(&["--consumer-service", &url], None).await;
    let order = expanded_order(&service).await;
    assert_eq!(order["_embedded"]["consumer"]["consumer_id"], 1, "{order}");
    drop(service);

    let (url, _, _) = stand_in(|_| consumer_record(64 << 20)).await;
    let service = OrderService::start(&["--consumer-service", &url], None).await;
    let order = expanded_order(&service).await;
    assert!(order.get("_embedded").is_none(), "{order}");
    let failed = &order["_embedded_errors"]["consumer"];
    assert_eq!(failed["status"], 502, "{failed}");
    // Over the proxy's 1 MiB bound: a reply that could not be read.
    assert_eq!(failed["code"], "upstream_malformed", "{failed}");
    let peak = service.peak_rss();
    eprintln!(
        "a 64 MiB linked record: the order service's peak RSS is {} KiB",
        peak / 1024
    );
    assert!(peak < 64 << 20, "peak RSS {peak} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_a_linked_service_is_not_followed() {
    let (elsewhere, reached, _) =
        stand_in(|_| response("200 OK", "application/json", b"{}", "")).await;
    let location = format!("Location: {elsewhere}/consumers/1\r\n");
    let (url, _, _) = stand_in(move |_| response("302 Found", "text/plain", b"", &location)).await;
    let service = OrderService::start(&["--consumer-service", &url], None).await;
    let order = expanded_order(&service).await;
    let failed = &order["_embedded_errors"]["consumer"];
    assert_eq!(failed["status"], 502, "{failed}");
    assert_eq!(failed["code"], "upstream_failed", "{failed}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_services_failure_details_never_reach_the_caller() {
    let secret = "x".repeat(100_000);
    let detail =
        format!("{{\"status\":500,\"title\":\"Internal Server Error\",\"detail\":\"{secret}\"}}");
    let (problem_url, _, _) = stand_in(move |_| {
        response(
            "500 Internal Server Error",
            "application/problem+json",
            detail.as_bytes(),
            "",
        )
    })
    .await;
    let (malformed_url, _, _) = stand_in(|_| {
        response(
            "200 OK",
            "application/json",
            b"{\"consumer_id\": [unterminated",
            "",
        )
    })
    .await;
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for (url, code) in [
        (&problem_url, "upstream_failed"),
        (&malformed_url, "upstream_malformed"),
        (&refused_url, "upstream_unreachable"),
    ] {
        let service = OrderService::start(&["--consumer-service", url], None).await;
        let order = expanded_order(&service).await;
        let failed = &order["_embedded_errors"]["consumer"];
        assert_eq!(failed["code"], code, "{url}: {failed}");
        assert_eq!(failed["status"], 502, "{url}: {failed}");
        assert_eq!(
            failed["detail"],
            format!(
                "ftgo.consumer.ConsumerService.get_consumer failed: {}",
                fixed(code)
            ),
        );
        // The whole answer: the order's `consumer` link names the consumer service's URL, as
        // configured, but nothing of what went wrong.
        let text = order.to_string();
        for leaked in [
            "xxxxxxxxxx",
            "error sending request",
            "connection",
            "expected",
            "EOF",
            "line 1",
        ] {
            assert!(
                !text.contains(leaked),
                "{url}: {leaked:?} reached the caller: {order}"
            );
        }
        assert!(!failed.to_string().contains("127.0.0.1"), "{failed}");
    }
}

/// The fixed message of each kind of upstream failure (`docs/wire.md`, "Failures").
fn fixed(code: &str) -> &'static str {
    match code {
        "upstream_failed" => "a service this call depends on failed",
        "upstream_malformed" => {
            "a service this call depends on sent a reply that could not be read"
        }
        "upstream_unreachable" => "a service this call depends on could not be reached",
        other => panic!("no fixed message for {other}"),
    }
}
