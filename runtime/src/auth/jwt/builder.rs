//! Configuring a [`JwtVerifier`]: expected issuers and audiences, leeway, cache, refresh.

use super::keys::{Source, keys_of_jwks, read_bounded, refresh_loop};
use super::verify::{Cache, Settings};
use super::{AbortOnDrop, JwtConfigError, JwtVerifier, Shared};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Configures a [`JwtVerifier`]; [`build`](JwtVerifierBuilder::build) checks the keys.
#[must_use]
pub struct JwtVerifierBuilder {
    pub(super) source: Source,
    pub(super) settings: Settings,
    pub(super) refresh: Duration,
    pub(super) cache: usize,
}

impl JwtVerifierBuilder {
    pub(super) fn new(source: Source) -> Self {
        JwtVerifierBuilder {
            source,
            settings: Settings {
                issuer: Vec::new(),
                audience: Vec::new(),
                leeway: Duration::from_secs(30),
            },
            refresh: Duration::from_secs(300),
            cache: 1024,
        }
    }

    /// Accepts tokens whose `iss` is `issuer` (call again to accept several); once set, `iss`
    /// is required. See [`issuers`](Self::issuers).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.settings.issuer.push(issuer.into());
        self
    }

    /// Accepts only tokens whose `iss` is one of `issuers` (added to those set already); a
    /// token without `iss` is refused. An empty name fails at [`build`](Self::build).
    pub fn issuers<I: Into<String>>(mut self, issuers: impl IntoIterator<Item = I>) -> Self {
        self.settings
            .issuer
            .extend(issuers.into_iter().map(Into::into));
        self
    }

    /// Accepts tokens whose `aud` is (or contains) `audience` (call again to accept several);
    /// once set, `aud` is required. See [`audiences`](Self::audiences).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.settings.audience.push(audience.into());
        self
    }

    /// Accepts only tokens whose `aud` is one of `audiences` or, as an array, contains one
    /// (added to those set already); a token without `aud` is refused. Set it to the name
    /// tokens for this service are minted with: without it, a token for any other service of
    /// the same issuer verifies here. An empty name fails at [`build`](Self::build).
    pub fn audiences<A: Into<String>>(mut self, audiences: impl IntoIterator<Item = A>) -> Self {
        self.settings
            .audience
            .extend(audiences.into_iter().map(Into::into));
        self
    }

    /// The clock skew allowed on `exp` and `nbf`, in whole seconds (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.settings.leeway = Duration::from_secs(leeway.as_secs());
        self
    }

    /// How many verified tokens are remembered (default 1024; 0: none), so that a token sent
    /// again costs a SHA-256 and a lookup instead of a signature check. A remembered token is
    /// still refused once it expires, and forgotten when the keys change.
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = capacity;
        self
    }

    /// How often a JWKS is reloaded (default 5 minutes; at least 1 s).
    pub fn refresh(mut self, every: Duration) -> Self {
        self.refresh = every.max(Duration::from_secs(1));
        self
    }

    /// The verifier, or why its keys are unusable. A JWKS file is read now; a JWKS source
    /// starts its refresh task on the current tokio runtime (an error outside one).
    pub fn build(self) -> Result<JwtVerifier, JwtConfigError> {
        let settings = self.settings;
        settings.check()?;
        let keys = match &self.source {
            Source::Hs256(secret) => {
                if secret.len() < 32 {
                    return Err(JwtConfigError(
                        "an HS256 secret must be at least 32 bytes".into(),
                    ));
                }
                let key = DecodingKey::from_secret(secret);
                vec![settings.key(None, Algorithm::HS256, key)]
            }
            Source::Rs256Pem(pem) => {
                let key = DecodingKey::from_rsa_pem(pem)
                    .map_err(|e| JwtConfigError(format!("RS256 public key: {e}")))?;
                vec![settings.key(None, Algorithm::RS256, key)]
            }
            Source::Es256Pem(pem) => {
                let key = DecodingKey::from_ec_pem(pem)
                    .map_err(|e| JwtConfigError(format!("ES256 public key: {e}")))?;
                vec![settings.key(None, Algorithm::ES256, key)]
            }
            Source::JwksFile(path) => {
                let bytes = read_bounded(path)?;
                keys_of_jwks(&bytes, &settings)?
            }
            #[cfg(feature = "jwks")]
            Source::JwksUrl(url) => {
                reqwest::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| JwtConfigError(format!("JWKS URL {url:?} is not http(s)")))?;
                Vec::new()
            }
        };
        let refreshes = matches!(&self.source, Source::JwksFile(_));
        #[cfg(feature = "jwks")]
        let (refreshes, fetch_at_once) = (
            refreshes || matches!(&self.source, Source::JwksUrl(_)),
            matches!(&self.source, Source::JwksUrl(_)),
        );
        #[cfg(not(feature = "jwks"))]
        let fetch_at_once = false;
        let shared = Arc::new(Shared {
            settings,
            source: self.source,
            keys: RwLock::new(keys),
            cache: Cache::new(self.cache),
        });
        let refresh_task = if refreshes {
            let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
                JwtConfigError("a JWKS verifier must be built inside a tokio runtime".into())
            })?;
            let task = runtime.spawn(refresh_loop(
                Arc::downgrade(&shared),
                self.refresh,
                fetch_at_once,
            ));
            Some(AbortOnDrop(task))
        } else {
            None
        };
        Ok(JwtVerifier {
            shared,
            refresh_task,
        })
    }
}
