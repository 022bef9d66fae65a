//! JWKS key sets that change: a file rotated on disk is picked up after the refresh interval
//! (on tokio's paused clock), a broken file keeps the last good keys, and a JWKS URL is
//! fetched over HTTP.
#![cfg(feature = "jwt")]

use accord::auth::{AuthError, JwtVerifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const EC_A_PRIVATE: &[u8] = include_bytes!("../src/auth/testdata/ec_a_private.pem");
const EC_B_PRIVATE: &[u8] = include_bytes!("../src/auth/testdata/ec_b_private.pem");
const EC_A_JWK: &str = include_str!("../src/auth/testdata/ec_a.jwk.json");
const EC_B_JWK: &str = include_str!("../src/auth/testdata/ec_b.jwk.json");

fn jwks(keys: &[&str]) -> String {
    format!("{{\"keys\": [{}]}}", keys.join(","))
}

fn token(kid: &str, private: &[u8]) -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    let claims = serde_json::json!({"sub": kid, "iss": "https://id.example", "exp": exp});
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_pem(private).unwrap(),
    )
    .unwrap()
}

/// A file in the temp folder, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("accord-{}-{name}", std::process::id()));
        TempFile(path)
    }

    fn write(&self, text: &str) {
        // Write then rename, as a key rotation job would: a reader never sees half a file.
        let partial = self.0.with_extension("partial");
        std::fs::write(&partial, text).unwrap();
        std::fs::rename(&partial, &self.0).unwrap();
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Lets the paused clock run `seconds` one second at a time until `done` holds; how many
/// seconds passed, `None` if it never did. Virtual time: nothing here depends on the machine's
/// speed.
async fn within(seconds: u64, mut done: impl FnMut() -> bool) -> Option<u64> {
    for passed in 0..=seconds {
        if done() {
            return Some(passed);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    None
}

#[tokio::test(start_paused = true)]
async fn a_rotated_jwks_file_is_picked_up_after_the_refresh_interval() {
    let file = TempFile::new("rotated-jwks.json");
    file.write(&jwks(&[EC_A_JWK]));
    let verifier = JwtVerifier::jwks_file(&file.0)
        .issuer("https://id.example")
        .refresh(Duration::from_secs(60))
        .build()
        .unwrap();
    let (a, b) = (token("a", EC_A_PRIVATE), token("b", EC_B_PRIVATE));
    assert_eq!(verifier.verify(&a).unwrap().subject, "a");
    assert_eq!(verifier.verify(&b), Err(AuthError::INVALID));

    // The issuer rotates: key b replaces key a.
    file.write(&jwks(&[EC_B_JWK]));
    tokio::time::sleep(Duration::from_secs(50)).await;
    assert_eq!(
        verifier.verify(&b),
        Err(AuthError::INVALID),
        "not before the interval"
    );
    assert!(verifier.verify(&a).is_ok());
    let waited = within(30, || verifier.verify(&b).is_ok()).await;
    assert!(
        matches!(waited, Some(s) if (9..=12).contains(&s)),
        "key b after the 60 s interval (waited {waited:?} more after 50 s)"
    );
    assert_eq!(verifier.verify(&a), Err(AuthError::INVALID), "a is gone");
    assert_eq!(verifier.key_ids(), [Some("b".to_owned())]);

    // A broken file: logged, and the last good keys stay.
    file.write("{\"keys\": [");
    tokio::time::sleep(Duration::from_secs(180)).await;
    assert!(verifier.verify(&b).is_ok());
    assert!(verifier.refresh().await.is_err());
    assert!(verifier.verify(&b).is_ok());

    // Both keys, as during an overlap: each token finds its key by `kid`.
    file.write(&jwks(&[EC_A_JWK, EC_B_JWK]));
    assert_eq!(verifier.refresh().await, Ok(2));
    assert!(verifier.verify(&a).is_ok() && verifier.verify(&b).is_ok());
}

#[test]
fn a_jwks_verifier_needs_a_runtime() {
    let file = TempFile::new("no-runtime-jwks.json");
    file.write(&jwks(&[EC_A_JWK]));
    let error = JwtVerifier::jwks_file(&file.0).build().unwrap_err();
    assert!(error.0.contains("tokio runtime"), "{error}");
}

/// Serves the current `(status, body)` to each connection on 127.0.0.1, one response per
/// connection.
#[cfg(feature = "jwks")]
async fn serve(current: std::sync::Arc<std::sync::Mutex<(u16, String)>>) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (status, body) = current.lock().unwrap().clone();
            let mut request = vec![0u8; 4096];
            let _ = stream.read(&mut request).await;
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    addr
}

#[cfg(feature = "jwks")]
#[tokio::test]
async fn a_jwks_url_is_fetched_and_a_failed_fetch_keeps_the_keys() {
    use std::sync::{Arc, Mutex};
    let current = Arc::new(Mutex::new((200, jwks(&[EC_A_JWK]))));
    let addr = serve(current.clone()).await;
    // A long interval: after its first fetch the background task stays out of the way, and
    // this test drives the fetches with `refresh`.
    let verifier = JwtVerifier::jwks_url(
        format!("http://{addr}/.well-known/jwks.json"),
        Duration::from_secs(3600),
    )
    .build()
    .unwrap();
    let (a, b) = (token("a", EC_A_PRIVATE), token("b", EC_B_PRIVATE));
    assert_eq!(verifier.refresh().await, Ok(1));
    assert!(verifier.verify(&a).is_ok());
    *current.lock().unwrap() = (500, "{}".to_owned());
    let failed = verifier.refresh().await.unwrap_err();
    assert!(failed.0.contains("500"), "{failed}");
    assert!(verifier.verify(&a).is_ok(), "the last good keys stay");
    *current.lock().unwrap() = (200, jwks(&[EC_B_JWK]));
    assert_eq!(verifier.refresh().await, Ok(1));
    assert!(verifier.verify(&b).is_ok());
    assert_eq!(verifier.verify(&a), Err(AuthError::INVALID));
    assert!(
        JwtVerifier::jwks_url("file:///etc/jwks.json", Duration::from_secs(60))
            .build()
            .is_err()
    );
}

/// Without `refresh`, the background task's first fetch loads the keys. (On the real clock:
/// a paused one would jump to the HTTP client's timeout while the fetch waits on the socket.)
#[cfg(feature = "jwks")]
#[tokio::test]
async fn a_jwks_url_is_loaded_in_the_background() {
    use std::sync::{Arc, Mutex};
    let current = Arc::new(Mutex::new((200, jwks(&[EC_A_JWK]))));
    let addr = serve(current).await;
    let verifier = JwtVerifier::jwks_url(format!("http://{addr}/jwks"), Duration::from_secs(60))
        .build()
        .unwrap();
    let a = token("a", EC_A_PRIVATE);
    assert_eq!(verifier.verify(&a), Err(AuthError::INVALID), "no keys yet");
    // Generous: a bound on a hang, not a measure of speed.
    let mut loaded = false;
    for _ in 0..1000 {
        loaded = verifier.verify(&a).is_ok();
        if loaded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(loaded, "loaded without being asked");
}
