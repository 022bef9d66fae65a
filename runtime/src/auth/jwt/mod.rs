//! JWT bearer tokens (feature `jwt`): [`JwtVerifier`], an [`Authenticator`] over the
//! `jsonwebtoken` crate.
//!
//! One concept per file: the verifier (here), its configuration (`builder`), verifying a token
//! against the keys with the cache of verified tokens (`verify`), and where keys come from:
//! PEM, a JWKS file or URL, reloaded in the background (`keys`).

mod builder;
mod keys;
#[cfg(test)]
mod tests;
mod verify;

pub use builder::JwtVerifierBuilder;

use super::{AuthError, Authenticator, Credential, Principal};
use keys::Source;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
#[cfg(feature = "jwks")]
use std::time::Duration;
use verify::{Cache, Key, Settings};

/// Verifies JWT bearer tokens.
///
/// - Keys: an HS256 secret ([`JwtVerifier::hs256`], at least 32 bytes), an RS256 or ES256
///   public key in PEM ([`JwtVerifier::rs256_pem`], [`JwtVerifier::es256_pem`]), or a JWKS
///   document ([`JwtVerifier::jwks_file`], [`JwtVerifier::jwks_url`]) reloaded in the
///   background (a tokio task; a failure is logged and the last good keys stay; the token's
///   `kid` selects the key). JWKS `oct` (symmetric) keys and keys whose `use` is not `sig`
///   are ignored.
/// - Each key has one algorithm (a JWK's `alg`, else the one its type implies), and a token
///   whose header names another is refused: so `alg: none`, and an HS256 token "signed" with
///   an RSA public key as the secret (algorithm confusion), never verify.
/// - Claims: `exp` and a non-empty `sub` are required; `exp` and `nbf` hold with a leeway
///   (default 30 s); once expected issuers ([`issuers`](JwtVerifierBuilder::issuers)) or
///   audiences ([`audiences`](JwtVerifierBuilder::audiences)) are set, `iss` must be one of
///   them and `aud` must be (or contain) one of them, and a token without the claim is
///   refused.
///
/// **In production, set both**: the identity provider's issuer, and this service's own
/// audience (the name tokens for it are minted with). Without an audience, a token the same
/// issuer minted for any other service verifies here; without an issuer, a token from any
/// provider that holds a trusted key does.
///
/// ```no_run
/// # fn main() -> Result<(), accord::auth::JwtConfigError> {
/// # let _rt = tokio::runtime::Runtime::new().unwrap();
/// # let _guard = _rt.enter();
/// use accord::auth::JwtVerifier;
/// let verifier = JwtVerifier::jwks_file("/etc/ftgo/jwks.json")
///     .issuers(["https://id.example.com"])
///     .audiences(["ftgo.order.OrderService"])
///     .build()?;
/// # Ok(()) }
/// ```
/// - The [`Principal`]: `sub`, the scopes of `scope` (a space-separated string, RFC 8693) and
///   `scp` (an array, or a string), and every claim.
///
/// A refused token is [`AuthError::INVALID`], or [`AuthError::EXPIRED`] when the signature,
/// issuer, audience and `nbf` all hold and only `exp` has passed (that tells the caller to
/// refresh, and nothing to someone who holds no genuine token).
pub struct JwtVerifier {
    shared: Arc<Shared>,
    refresh_task: Option<AbortOnDrop>,
}

struct Shared {
    settings: Settings,
    source: Source,
    keys: RwLock<Vec<Key>>,
    cache: Cache,
}

/// A [`JwtVerifier`] that cannot be built, or a JWKS that cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfigError(pub String);

impl fmt::Display for JwtConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JwtConfigError {}

impl JwtVerifier {
    /// Tokens signed with HS256 and `secret` (at least 32 bytes, RFC 7518 §3.2).
    pub fn hs256(secret: impl Into<Vec<u8>>) -> JwtVerifierBuilder {
        JwtVerifierBuilder::new(Source::Hs256(secret.into()))
    }

    /// Tokens signed with RS256, checked with this public key (PEM, `PUBLIC KEY` or
    /// `RSA PUBLIC KEY`).
    pub fn rs256_pem(pem: impl AsRef<[u8]>) -> JwtVerifierBuilder {
        JwtVerifierBuilder::new(Source::Rs256Pem(pem.as_ref().to_vec()))
    }

    /// Tokens signed with ES256, checked with this P-256 public key (PEM, `PUBLIC KEY`).
    pub fn es256_pem(pem: impl AsRef<[u8]>) -> JwtVerifierBuilder {
        JwtVerifierBuilder::new(Source::Es256Pem(pem.as_ref().to_vec()))
    }

    /// Tokens checked with the keys of a JWKS file, read at `build` (which fails if it cannot
    /// be) and again every [`refresh`](JwtVerifierBuilder::refresh) (default 5 minutes).
    /// `build` needs a tokio runtime.
    pub fn jwks_file(path: impl Into<PathBuf>) -> JwtVerifierBuilder {
        JwtVerifierBuilder::new(Source::JwksFile(path.into()))
    }

    /// Tokens checked with the keys of a JWKS served at `url` (`http` or `https`), fetched in
    /// the background at once and every `refresh` (feature `jwks`, default: reqwest, the HTTP
    /// client, without the REST transport).
    /// Until the first fetch succeeds every token is refused; await
    /// [`JwtVerifier::refresh`] at startup to fail fast. `build` needs a tokio runtime.
    #[cfg(feature = "jwks")]
    pub fn jwks_url(url: impl Into<String>, refresh: Duration) -> JwtVerifierBuilder {
        JwtVerifierBuilder::new(Source::JwksUrl(url.into())).refresh(refresh)
    }

    /// Loads the JWKS now (file or URL) and returns how many keys it holds; an error keeps
    /// the current keys. Static keys: their count, nothing to load.
    pub async fn refresh(&self) -> Result<usize, JwtConfigError> {
        self.shared.reload().await
    }

    /// The key ids (`kid`) in use, `None` for a key without one.
    pub fn key_ids(&self) -> Vec<Option<String>> {
        let keys = self.shared.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().map(|k| k.kid.clone()).collect()
    }
}

impl Authenticator for JwtVerifier {
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
        match credential {
            Credential::Bearer(token) => self.verify(token),
            Credential::ApiKey(_) => Err(AuthError::INVALID),
        }
    }
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.shared.source {
            Source::Hs256(_) => "HS256 secret".to_owned(),
            Source::Rs256Pem(_) => "RS256 public key".to_owned(),
            Source::Es256Pem(_) => "ES256 public key".to_owned(),
            Source::JwksFile(path) => format!("JWKS file {}", path.display()),
            #[cfg(feature = "jwks")]
            Source::JwksUrl(url) => format!("JWKS {url}"),
        };
        f.debug_struct("JwtVerifier")
            .field("source", &source)
            .field("issuer", &self.shared.settings.issuer)
            .field("audience", &self.shared.settings.audience)
            .field("leeway", &self.shared.settings.leeway)
            .field("refreshing", &self.refresh_task.is_some())
            .finish()
    }
}

/// Stops the refresh task with the verifier.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
