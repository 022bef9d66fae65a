//! What a proxy authenticates with: a [`CredentialsProvider`], asked once per call. Proxies
//! take credentials from their provider only, never from the request they are serving.

use super::Credential;
use crate::CallError;
use futures::future::BoxFuture;
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::time::Instant;

/// Gives a proxy the credential for its next call.
pub trait CredentialsProvider: Send + Sync + 'static {
    /// The credential to attach; a failure fails the call before anything is sent.
    fn credential(&self) -> BoxFuture<'_, Result<OwnedCredential, CallError>>;
}

/// A credential a proxy attaches. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum OwnedCredential {
    /// A bearer token, sent as `Authorization: Bearer <token>`.
    Bearer(String),
    /// An API key, sent in `header`.
    ApiKey {
        /// The header (metadata key) that carries it.
        header: String,
        /// The key.
        key: String,
    },
}

impl OwnedCredential {
    /// The header that carries it: `authorization`, or the API key's header.
    pub fn header_name(&self) -> &str {
        match self {
            OwnedCredential::Bearer(_) => "authorization",
            OwnedCredential::ApiKey { header, .. } => header,
        }
    }

    /// The header's value: `Bearer <token>`, or the key.
    pub fn header_value(&self) -> Cow<'_, str> {
        match self {
            OwnedCredential::Bearer(token) => Cow::Owned(format!("Bearer {token}")),
            OwnedCredential::ApiKey { key, .. } => Cow::Borrowed(key),
        }
    }

    /// Borrowed, as a server reads it.
    pub fn as_credential(&self) -> Credential<'_> {
        match self {
            OwnedCredential::Bearer(token) => Credential::Bearer(token),
            OwnedCredential::ApiKey { key, .. } => Credential::ApiKey(key),
        }
    }
}

impl fmt::Debug for OwnedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnedCredential::Bearer(t) => write!(f, "Bearer(<{} bytes redacted>)", t.len()),
            OwnedCredential::ApiKey { header, key } => {
                write!(f, "ApiKey({header}: <{} bytes redacted>)", key.len())
            }
        }
    }
}

/// Always the same bearer token.
#[derive(Clone)]
pub struct StaticToken(Arc<str>);

impl StaticToken {
    /// A provider of `token` (without the `Bearer ` prefix).
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(token.into().into())
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl CredentialsProvider for StaticToken {
    fn credential(&self) -> BoxFuture<'_, Result<OwnedCredential, CallError>> {
        let credential = OwnedCredential::Bearer(self.0.to_string());
        Box::pin(std::future::ready(Ok(credential)))
    }
}

/// Always the same API key in the same header.
#[derive(Clone)]
pub struct StaticApiKey {
    header: Arc<str>,
    key: Arc<str>,
}

impl StaticApiKey {
    /// A provider of `key`, sent in `header` (`X-Api-Key`).
    pub fn new(header: impl Into<String>, key: impl Into<String>) -> Self {
        StaticApiKey {
            header: header.into().into(),
            key: key.into().into(),
        }
    }
}

impl fmt::Debug for StaticApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StaticApiKey({}: <redacted>)", self.header)
    }
}

impl CredentialsProvider for StaticApiKey {
    fn credential(&self) -> BoxFuture<'_, Result<OwnedCredential, CallError>> {
        let credential = OwnedCredential::ApiKey {
            header: self.header.to_string(),
            key: self.key.to_string(),
        };
        Box::pin(std::future::ready(Ok(credential)))
    }
}

/// A token and how long it lives, as an identity provider issues it (OAuth's `access_token`
/// and `expires_in`).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The bearer token.
    pub value: String,
    /// Its lifetime from now.
    pub expires_in: Duration,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

type Fetch = dyn Fn() -> BoxFuture<'static, Result<Token, CallError>> + Send + Sync;

/// A bearer token fetched by an async callback (a client-credentials grant, a token file) and
/// refreshed before it expires.
///
/// Calls share the cached token. Once it is within the margin of its expiry (default 30 s,
/// at most half its lifetime), the next call refreshes it: one refresh at a time, and calls
/// that arrive meanwhile wait for it and share its result. When a refresh fails while the old
/// token is still valid, the old one is used (and the refresh retried after at most 5 s);
/// after it expires, the failure fails the call. Cheap to clone (shared state).
#[derive(Clone)]
pub struct RefreshingToken {
    inner: Arc<Inner>,
}

struct Inner {
    fetch: Box<Fetch>,
    margin: Duration,
    cached: RwLock<Option<Cached>>,
    refreshing: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    value: String,
    refresh_at: Instant,
    expires_at: Instant,
}

impl RefreshingToken {
    /// A provider that calls `fetch` for each new token.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Token, CallError>> + Send + 'static,
    {
        RefreshingToken {
            inner: Arc::new(Inner {
                fetch: Box::new(move || Box::pin(fetch())),
                margin: Duration::from_secs(30),
                cached: RwLock::new(None),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Refreshes `margin` before expiry (at most half the token's lifetime). Call before the
    /// provider is first used or cloned.
    pub fn margin(mut self, margin: Duration) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.margin = margin;
        }
        self
    }

    /// The cached token if it is not due for a refresh at `now`.
    fn fresh(&self, now: Instant) -> Option<String> {
        let cached = self.inner.cached.read().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.value.clone())
    }

    async fn get(&self) -> Result<OwnedCredential, CallError> {
        if let Some(token) = self.fresh(Instant::now()) {
            return Ok(OwnedCredential::Bearer(token));
        }
        let _one_at_a_time = self.inner.refreshing.lock().await;
        // Whoever held the lock before may have refreshed already.
        if let Some(token) = self.fresh(Instant::now()) {
            return Ok(OwnedCredential::Bearer(token));
        }
        let result = (self.inner.fetch)().await;
        let now = Instant::now();
        let mut cached = self.inner.cached.write().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(token) => {
                let early = self.inner.margin.min(token.expires_in / 2);
                *cached = Some(Cached {
                    value: token.value.clone(),
                    refresh_at: now + (token.expires_in - early),
                    expires_at: now + token.expires_in,
                });
                Ok(OwnedCredential::Bearer(token.value))
            }
            Err(error) => match cached.as_mut().filter(|c| now < c.expires_at) {
                Some(old) => {
                    tracing::warn!(%error, "token refresh failed; using the current token until it expires");
                    let left = old.expires_at - now;
                    old.refresh_at = now + (left / 2).min(Duration::from_secs(5));
                    Ok(OwnedCredential::Bearer(old.value.clone()))
                }
                None => Err(error),
            },
        }
    }
}

impl fmt::Debug for RefreshingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingToken")
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl CredentialsProvider for RefreshingToken {
    fn credential(&self) -> BoxFuture<'_, Result<OwnedCredential, CallError>> {
        Box::pin(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn static_providers_and_header_forms() {
        let token = StaticToken::new("t-1").credential().await.unwrap();
        assert_eq!(token.header_name(), "authorization");
        assert_eq!(token.header_value(), "Bearer t-1");
        assert_eq!(token.as_credential(), Credential::Bearer("t-1"));
        let key = StaticApiKey::new("X-Api-Key", "k-1")
            .credential()
            .await
            .unwrap();
        assert_eq!(
            (key.header_name(), &*key.header_value()),
            ("X-Api-Key", "k-1")
        );
        for shown in [
            format!("{token:?}"),
            format!("{key:?}"),
            format!("{:?}", StaticToken::new("t-1")),
        ] {
            assert!(!shown.contains("t-1") && !shown.contains("k-1"), "{shown}");
        }
    }

    /// Issues `token-N` (N counting from 1) living `life`, after a 1 s round trip; fails while
    /// `failing` is set.
    fn issuer(life: Duration) -> (RefreshingToken, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicUsize::new(0));
        let (c, f) = (calls.clone(), failing.clone());
        let provider = RefreshingToken::new(move || {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            let fail = f.load(Ordering::SeqCst) != 0;
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if fail {
                    return Err(CallError::Connect("identity provider down".into()));
                }
                Ok(Token {
                    value: format!("token-{n}"),
                    expires_in: life,
                })
            }
        });
        (provider, calls, failing)
    }

    async fn bearer(p: &RefreshingToken) -> Result<String, CallError> {
        match p.credential().await? {
            OwnedCredential::Bearer(t) => Ok(t),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_refresh() {
        let (provider, calls, _) = issuer(Duration::from_secs(300));
        let tokens = futures::future::join_all((0..10).map(|_| bearer(&provider))).await;
        assert!(tokens.iter().all(|t| t.as_deref() == Ok("token-1")));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Inside the lifetime, before the 30 s margin: cached.
        tokio::time::sleep(Duration::from_secs(260)).await;
        assert_eq!(bearer(&provider).await.unwrap(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Within the margin: one refresh for all.
        tokio::time::sleep(Duration::from_secs(15)).await;
        let tokens = futures::future::join_all((0..10).map(|_| bearer(&provider))).await;
        assert!(tokens.iter().all(|t| t.as_deref() == Ok("token-2")));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_keeps_the_valid_token_then_fails() {
        let (provider, calls, failing) = issuer(Duration::from_secs(60));
        assert_eq!(bearer(&provider).await.unwrap(), "token-1");
        failing.store(1, Ordering::SeqCst);
        // Past the margin (30 s of 60 s, capped at half), before expiry: the old token.
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert_eq!(bearer(&provider).await.unwrap(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Past expiry: the failure.
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(matches!(
            bearer(&provider).await,
            Err(CallError::Connect(_))
        ));
        failing.store(0, Ordering::SeqCst);
        assert_eq!(bearer(&provider).await.unwrap(), "token-4");
    }

    #[tokio::test(start_paused = true)]
    async fn short_lived_tokens_refresh_at_half_life() {
        let (provider, calls, _) = issuer(Duration::from_secs(10));
        assert_eq!(bearer(&provider).await.unwrap(), "token-1");
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(bearer(&provider).await.unwrap(), "token-1");
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(bearer(&provider).await.unwrap(), "token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let custom = RefreshingToken::new(|| async {
            Ok(Token {
                value: "x".into(),
                expires_in: Duration::from_secs(100),
            })
        })
        .margin(Duration::from_secs(5));
        assert_eq!(custom.inner.margin, Duration::from_secs(5));
    }
}
