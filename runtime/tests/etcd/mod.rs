//! A real etcd for the discovery tests, started by the test itself: `etcd` from PATH (Debian's
//! `etcd-server`) on free private ports with a private data folder, killed by pid when dropped.
//! It can be killed (SIGKILL) and started again on the same ports, with its data or without.
//!
//! A missing `etcd` makes the test print `SKIPPED` and pass, unless `CI` is set, when it fails.
//! Shared with the FTGO scenario test through `#[path]`: std and libc only.

#![allow(dead_code)] // each test binary uses what it needs

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running etcd of our own. Dropping it kills it and removes its folder.
pub struct Etcd {
    child: Option<Child>,
    binary: PathBuf,
    dir: PathBuf,
    client: u16,
    peer: u16,
}

impl Etcd {
    /// Starts a private etcd; `None` (after printing `SKIPPED`) when `etcd` is missing.
    pub fn start() -> Option<Etcd> {
        let binary = binary()?;
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("accord-etcd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("etcd folder");
        let mut etcd = Etcd {
            child: None,
            binary,
            dir,
            client: free_port(),
            peer: free_port(),
        };
        etcd.spawn();
        Some(etcd)
    }

    /// What `accord::discovery` takes: `etcd://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("etcd://127.0.0.1:{}", self.client)
    }

    /// Kills it (SIGKILL: no goodbye to its clients), keeping its data.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            let _ = child.wait();
        }
    }

    /// Starts it again on the same ports; `wipe` forgets every key and lease first (a new
    /// cluster member replacing a lost one).
    pub fn restart(&mut self, wipe: bool) {
        self.kill();
        if wipe {
            let _ = std::fs::remove_dir_all(self.dir.join("data"));
        }
        self.spawn();
    }

    /// The keys under `prefix` now, with `etcdctl`-free means: the JSON gateway's range,
    /// returned as the raw answer.
    pub fn range_json(&self, prefix: &str) -> String {
        use base64_lite as b64;
        let mut end = prefix.as_bytes().to_vec();
        *end.last_mut().unwrap() += 1;
        let body = format!(
            r#"{{"key":"{}","range_end":"{}","keys_only":true}}"#,
            b64::encode(prefix.as_bytes()),
            b64::encode(&end)
        );
        http_post(self.client, "/v3/kv/range", &body)
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("etcd.log"))
            .expect("log file");
        let client = format!("http://127.0.0.1:{}", self.client);
        let peer = format!("http://127.0.0.1:{}", self.peer);
        let child = Command::new(&self.binary)
            .args(["--name", "accord-test", "--data-dir"])
            .arg(self.dir.join("data"))
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &format!("accord-test={peer}")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        self.child = Some(child);
        self.wait_until_healthy();
    }

    fn wait_until_healthy(&mut self) {
        let started = Instant::now();
        loop {
            if http_get(self.client, "/health").contains(r#""health":"true""#) {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "etcd exited with {status}; see {}",
                    self.dir.join("etcd.log").display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "etcd did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("etcd"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let usr = Path::new("/usr/bin/etcd");
        if usr.is_file() {
            return Some(usr.to_owned());
        }
        if std::env::var_os("CI").is_some() {
            panic!("etcd is not on PATH (CI is set: the discovery tests are required)");
        }
        eprintln!("SKIPPED: etcd is not on PATH");
    }
    found
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// One HTTP/1.0 exchange on loopback; the whole answer, or "" when nobody answers.
fn exchange(port: u16, request: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(request.as_bytes()).is_err() {
        return String::new();
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn http_get(port: u16, path: &str) -> String {
    exchange(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"),
    )
}

fn http_post(port: u16, path: &str, body: &str) -> String {
    exchange(
        port,
        &format!(
            "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Standard base64, enough for keys (the helper has no dependency beyond libc).
mod base64_lite {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
