//! Verifying a token against the keys: the candidate keys of its header, the claims, and the
//! cache of tokens verified already.

use super::{JwtConfigError, JwtVerifier};
use crate::auth::{AuthError, MAX_CREDENTIAL_BYTES, Principal};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde_json::{Map, Value};
use sha2::Digest;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The most keys one token is tried against when it names no `kid` (each try is a signature
/// check, so an attacker's tokens must not cost one per key of a large set).
const MAX_KEYS_TRIED: usize = 4;

/// Principals of tokens verified already, by the SHA-256 of the token, until they expire:
/// an ES256 signature check costs ~100 µs, several times a REST request's own cost, and a
/// client sends the same token with every call. Emptied whenever the keys change; when full,
/// expired entries go, then everything.
pub(super) struct Cache {
    pub(super) capacity: usize,
    pub(super) entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], Cached>>,
}

pub(super) struct Cached {
    pub(super) principal: Principal,
    /// `exp` plus the leeway, in seconds since the epoch.
    pub(super) expires: f64,
}

impl Cache {
    pub(super) fn new(capacity: usize) -> Self {
        Cache {
            capacity,
            entries: Default::default(),
        }
    }

    pub(super) fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<[u8; 32], Cached>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, digest: &[u8; 32], now: f64) -> Option<Result<Principal, AuthError>> {
        let entries = self.lock();
        let hit = entries.get(digest)?;
        Some(if now <= hit.expires {
            Ok(hit.principal.clone())
        } else {
            Err(AuthError::EXPIRED)
        })
    }

    fn put(&self, digest: [u8; 32], principal: &Principal, expires: f64, now: f64) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.retain(|_, c| now <= c.expires);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        let principal = principal.clone();
        entries.insert(digest, Cached { principal, expires });
    }
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[derive(Clone)]
pub(super) struct Settings {
    pub(super) issuer: Vec<String>,
    pub(super) audience: Vec<String>,
    pub(super) leeway: Duration,
}

pub(super) struct Key {
    pub(super) kid: Option<String>,
    pub(super) alg: Algorithm,
    pub(super) key: DecodingKey,
    pub(super) validation: Validation,
}

impl JwtVerifier {
    /// Verifies `token`: the principal it proves, or why not.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        if token.len() > MAX_CREDENTIAL_BYTES {
            return Err(AuthError::TOO_LARGE);
        }
        if self.shared.cache.capacity == 0 {
            return self.verify_uncached(token).map(|(principal, _)| principal);
        }
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let now = now_seconds();
        if let Some(known) = self.shared.cache.get(&digest, now) {
            return known;
        }
        let (principal, expires) = self.verify_uncached(token)?;
        self.shared.cache.put(digest, &principal, expires, now);
        Ok(principal)
    }

    /// Verifies `token` against the keys: the principal and when it expires (with leeway).
    fn verify_uncached(&self, token: &str) -> Result<(Principal, f64), AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| reject("header", &e))?;
        let keys = self.shared.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut refusal = None;
        for key in candidates(&keys, &header).take(MAX_KEYS_TRIED) {
            match self.shared.settings.verify_with(key, token) {
                Ok(principal) => return Ok(principal),
                Err(error) => {
                    refusal = Some(match refusal {
                        Some(AuthError::EXPIRED) => AuthError::EXPIRED,
                        _ => error,
                    })
                }
            }
        }
        Err(refusal.unwrap_or_else(|| {
            tracing::debug!(alg = ?header.alg, kid = ?header.kid, "bearer token rejected: no key for its kid and alg");
            AuthError::INVALID
        }))
    }
}

/// The keys that may have signed a token with `header`: its algorithm, and its `kid` when it
/// names one (a key without a kid, configured from PEM, matches any).
fn candidates<'k>(keys: &'k [Key], header: &'k Header) -> impl Iterator<Item = &'k Key> {
    keys.iter().filter(move |k| {
        k.alg == header.alg
            && match (&header.kid, &k.kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                _ => true,
            }
    })
}

fn reject(stage: &str, error: &jsonwebtoken::errors::Error) -> AuthError {
    tracing::debug!(stage, reason = ?error.kind(), "bearer token rejected");
    AuthError::INVALID
}

impl Settings {
    /// An empty expected issuer or audience would accept tokens whose claim is `""`.
    pub(super) fn check(&self) -> Result<(), JwtConfigError> {
        for (claim, names) in [("issuer", &self.issuer), ("audience", &self.audience)] {
            if names.iter().any(|n| n.trim().is_empty()) {
                return Err(JwtConfigError(format!(
                    "an expected {claim} must not be empty"
                )));
            }
        }
        Ok(())
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.algorithms = vec![alg];
        v.leeway = self.leeway.as_secs();
        // `exp` is checked after everything else (`verify_with`), so that "expired" is said
        // only of a token that is genuine in every other respect.
        v.validate_exp = false;
        v.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if !self.issuer.is_empty() {
            v.set_issuer(&self.issuer);
            required.push("iss");
        }
        if self.audience.is_empty() {
            v.validate_aud = false;
        } else {
            v.set_audience(&self.audience);
            required.push("aud");
        }
        v.set_required_spec_claims(&required);
        v
    }

    pub(super) fn key(&self, kid: Option<String>, alg: Algorithm, key: DecodingKey) -> Key {
        Key {
            kid,
            alg,
            key,
            validation: self.validation(alg),
        }
    }

    fn verify_with(&self, key: &Key, token: &str) -> Result<(Principal, f64), AuthError> {
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &key.validation)
            .map_err(|e| reject("signature or claims", &e))?;
        let claims = data.claims;
        let expires =
            claims.get("exp").and_then(Value::as_f64).unwrap_or(0.0) + self.leeway.as_secs_f64();
        if expires < now_seconds() {
            tracing::debug!("bearer token rejected: expired");
            return Err(AuthError::EXPIRED);
        }
        // A principal without a subject names nobody: `""` is refused like a missing `sub`.
        let Some(subject) = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            tracing::debug!("bearer token rejected: `sub` is not a non-empty string");
            return Err(AuthError::INVALID);
        };
        let principal = Principal {
            subject: subject.to_owned(),
            scopes: scopes(&claims),
            claims,
        };
        Ok((principal, expires))
    }
}

/// The scopes of `scope` and `scp`: space-separated strings or arrays of strings.
fn scopes(claims: &Map<String, Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in ["scope", "scp"] {
        match claims.get(name) {
            Some(Value::String(s)) => out.extend(s.split_ascii_whitespace().map(str::to_owned)),
            Some(Value::Array(items)) => {
                out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
            }
            _ => {}
        }
    }
    out
}
