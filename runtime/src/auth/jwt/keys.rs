//! Where a verifier's keys come from: a secret or PEM key given once, or a JWKS file or URL
//! reloaded in the background, each JWK pinned to one algorithm.

use super::verify::{Key, Settings};
use super::{JwtConfigError, Shared};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The largest JWKS document read (file or URL).
const MAX_JWKS_BYTES: u64 = 1024 * 1024;
/// After a failed JWKS refresh, the next attempt comes after at most this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(super) enum Source {
    Hs256(Vec<u8>),
    Rs256Pem(Vec<u8>),
    Es256Pem(Vec<u8>),
    JwksFile(PathBuf),
    #[cfg(feature = "jwks")]
    JwksUrl(String),
}

/// Reloads the JWKS every `every` (sooner after a failure) while the verifier lives.
pub(super) async fn refresh_loop(shared: std::sync::Weak<Shared>, every: Duration, at_once: bool) {
    let mut wait = if at_once { Duration::ZERO } else { every };
    loop {
        tokio::time::sleep(wait).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        wait = match shared.reload().await {
            Ok(_) => every,
            Err(error) => {
                tracing::warn!(%error, "JWKS refresh failed; keeping the last good keys");
                every.min(RETRY_AFTER_FAILURE)
            }
        };
    }
}

impl Shared {
    pub(super) async fn reload(&self) -> Result<usize, JwtConfigError> {
        let bytes = match &self.source {
            Source::JwksFile(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_bounded(&path))
                    .await
                    .map_err(|e| JwtConfigError(format!("JWKS read: {e}")))??
            }
            #[cfg(feature = "jwks")]
            Source::JwksUrl(url) => fetch_bounded(url).await?,
            _ => return Ok(self.keys.read().unwrap_or_else(|e| e.into_inner()).len()),
        };
        let keys = keys_of_jwks(&bytes, &self.settings)?;
        let count = keys.len();
        let mut current = self.keys.write().unwrap_or_else(|e| e.into_inner());
        *current = keys;
        self.cache.lock().clear();
        drop(current);
        tracing::debug!(keys = count, "JWKS loaded");
        Ok(count)
    }
}

pub(super) fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, JwtConfigError> {
    use std::io::Read;
    let fail = |e: std::io::Error| JwtConfigError(format!("JWKS file {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(MAX_JWKS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_JWKS_BYTES {
        return Err(JwtConfigError(format!(
            "JWKS file {} is over {MAX_JWKS_BYTES} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

#[cfg(feature = "jwks")]
async fn fetch_bounded(url: &str) -> Result<Vec<u8>, JwtConfigError> {
    let fail = |e: reqwest::Error| JwtConfigError(format!("JWKS {url}: {e}"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(fail)?;
    let mut response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(fail)?;
    if !response.status().is_success() {
        return Err(JwtConfigError(format!(
            "JWKS {url}: HTTP {}",
            response.status()
        )));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fail)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_JWKS_BYTES {
            return Err(JwtConfigError(format!(
                "JWKS {url}: over {MAX_JWKS_BYTES} bytes"
            )));
        }
    }
    Ok(bytes)
}

/// The usable signing keys of a JWKS document; an error when it is malformed or has none.
pub(super) fn keys_of_jwks(bytes: &[u8], settings: &Settings) -> Result<Vec<Key>, JwtConfigError> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<Value>,
    }
    let document: Document = serde_json::from_slice(bytes)
        .map_err(|e| JwtConfigError(format!("JWKS is not a key set: {e}")))?;
    let mut keys = Vec::new();
    for (i, value) in document.keys.into_iter().enumerate() {
        match key_of_jwk(value, settings) {
            Ok(key) => keys.push(key),
            Err(why) => tracing::warn!(index = i, "JWKS key ignored: {why}"),
        }
    }
    if keys.is_empty() {
        return Err(JwtConfigError("JWKS holds no usable signing key".into()));
    }
    Ok(keys)
}

fn key_of_jwk(value: Value, settings: &Settings) -> Result<Key, String> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|e| format!("unsupported: {e}"))?;
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Err("not a signing key (`use`)".into());
    }
    let implied = match &jwk.algorithm {
        AlgorithmParameters::OctetKey(_) => return Err("symmetric keys are not taken".into()),
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            _ => return Err("unsupported curve".into()),
        },
        AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
    };
    let alg = match jwk.common.key_algorithm {
        None => implied,
        Some(named) => named
            .to_string()
            .parse::<Algorithm>()
            .map_err(|_| format!("algorithm {named} is not a signature algorithm"))?,
    };
    if family(alg) != family(implied) {
        return Err(format!("algorithm {alg:?} does not fit the key type"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("bad key: {e}"))?;
    Ok(settings.key(jwk.common.key_id.clone(), alg, key))
}

/// The key type an algorithm needs.
fn family(alg: Algorithm) -> &'static str {
    use Algorithm::*;
    match alg {
        HS256 | HS384 | HS512 => "oct",
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => "RSA",
        ES256 | ES384 => "EC",
        EdDSA => "OKP",
    }
}
