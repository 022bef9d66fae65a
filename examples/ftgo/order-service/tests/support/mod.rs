//! What the tests that start the FTGO binaries share: tokens, starting a binary and reading
//! its output, and whether Python has a module.

#![allow(dead_code)] // Each test binary uses its own part.

use accord::auth::JwtVerifier;
use accord::rest::server::ServerConfig;
use ftgo_order_service::api::ftgo::order::{CreateOrderRequest, LineItem};
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;

/// The HS256 secret the tests' order services verify tokens with.
pub const SECRET: &str = "ftgo-test-secret-of-32-bytes-long";

/// An order for `consumer_id` at `restaurant_id` of `items` (menu item, quantity).
pub fn order(consumer_id: i64, restaurant_id: i64, items: &[(&str, i32)]) -> CreateOrderRequest {
    CreateOrderRequest {
        restaurant_id,
        consumer_id,
        line_items: items
            .iter()
            .map(|(id, quantity)| LineItem {
                menu_item_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect(),
        delivery_note: None,
    }
}

/// A server's settings that verify the tokens [`token`] mints.
pub fn verifying() -> ServerConfig {
    let verifier = JwtVerifier::hs256(SECRET.as_bytes().to_vec())
        .build()
        .unwrap();
    ServerConfig::default().with_authenticator(verifier)
}

/// What a client that reads and writes orders holds.
pub const ALL_SCOPES: &str = "orders:read orders:write";

/// A bearer token for subject `tester` holding `scopes` (space-separated), signed with
/// [`SECRET`], valid for an hour.
pub fn token(scopes: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"sub": "tester", "scope": scopes, "iat": now, "exp": now + 3600});
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

/// A binary of the workspace: this package's from cargo, the others beside it.
pub fn binary(name: &str) -> PathBuf {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_ftgo-order-service"));
    if name == "ftgo-order-service" {
        return ours;
    }
    let path = ours.with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p {name}` (cargo test --workspace builds it)",
        path.display()
    );
    path
}

/// A service process, its stdout kept line by line; killed when dropped.
pub struct Service {
    child: tokio::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Service {
    /// Starts `name` with `args` and waits for its line containing `ready`.
    pub async fn start(name: &str, args: &[&str]) -> Service {
        let mut child = tokio::process::Command::new(binary(name))
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = stdout.next_line().await.unwrap() {
                let ready = line.contains("ready");
                lines.lock().unwrap().push(line);
                if ready {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(ready, Ok(true)),
            "{name} {args:?} never said ready: {:?}",
            lines.lock().unwrap()
        );
        let kept = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        Service { child, lines }
    }

    /// Kills the process (SIGKILL: no goodbye) and waits for it.
    pub async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// Sends `signal` to the process (SIGSTOP, SIGCONT, ...).
    pub fn signal(&self, signal: i32) {
        if let Some(pid) = self.child.id() {
            // SAFETY: kill(2) with a pid this test started and has not reaped.
            unsafe { libc::kill(pid as i32, signal) };
        }
    }

    pub fn said(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// Whether `python3` can import `module`; under CI its absence fails the test.
pub fn python_has(module: &str) -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with {module} is required under CI"
        );
        eprintln!("SKIPPED: python3 with {module} (tests/validators/requirements.txt) is missing");
    }
    found
}
