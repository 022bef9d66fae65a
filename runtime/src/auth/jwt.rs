//! JWT bearer tokens (feature `jwt`): [`JwtVerifier`], an [`Authenticator`] over the
//! `jsonwebtoken` crate.

use super::{AuthError, Authenticator, Credential, MAX_CREDENTIAL_BYTES, Principal};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde_json::{Map, Value};
use sha2::Digest;
use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest JWKS document read (file or URL).
const MAX_JWKS_BYTES: u64 = 1024 * 1024;
/// The most keys one token is tried against when it names no `kid` (each try is a signature
/// check, so an attacker's tokens must not cost one per key of a large set).
const MAX_KEYS_TRIED: usize = 4;
/// After a failed JWKS refresh, the next attempt comes after at most this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

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

/// Principals of tokens verified already, by the SHA-256 of the token, until they expire:
/// an ES256 signature check costs ~100 µs, several times a REST request's own cost, and a
/// client sends the same token with every call. Emptied whenever the keys change; when full,
/// expired entries go, then everything.
struct Cache {
    capacity: usize,
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], Cached>>,
}

struct Cached {
    principal: Principal,
    /// `exp` plus the leeway, in seconds since the epoch.
    expires: f64,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Cache {
            capacity,
            entries: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<[u8; 32], Cached>> {
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
struct Settings {
    issuer: Vec<String>,
    audience: Vec<String>,
    leeway: Duration,
}

struct Key {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
    validation: Validation,
}

#[derive(Clone)]
enum Source {
    Hs256(Vec<u8>),
    Rs256Pem(Vec<u8>),
    Es256Pem(Vec<u8>),
    JwksFile(PathBuf),
    #[cfg(feature = "rest")]
    JwksUrl(String),
}

/// Configures a [`JwtVerifier`]; [`build`](JwtVerifierBuilder::build) checks the keys.
#[must_use]
pub struct JwtVerifierBuilder {
    source: Source,
    settings: Settings,
    refresh: Duration,
    cache: usize,
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
    /// the background at once and every `refresh` (feature `rest`, for its HTTP client).
    /// Until the first fetch succeeds every token is refused; await
    /// [`JwtVerifier::refresh`] at startup to fail fast. `build` needs a tokio runtime.
    #[cfg(feature = "rest")]
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
    fn check(&self) -> Result<(), JwtConfigError> {
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

    fn key(&self, kid: Option<String>, alg: Algorithm, key: DecodingKey) -> Key {
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

impl JwtVerifierBuilder {
    fn new(source: Source) -> Self {
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
            #[cfg(feature = "rest")]
            Source::JwksUrl(url) => {
                reqwest::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| JwtConfigError(format!("JWKS URL {url:?} is not http(s)")))?;
                Vec::new()
            }
        };
        let refreshes = matches!(&self.source, Source::JwksFile(_));
        #[cfg(feature = "rest")]
        let (refreshes, fetch_at_once) = (
            refreshes || matches!(&self.source, Source::JwksUrl(_)),
            matches!(&self.source, Source::JwksUrl(_)),
        );
        #[cfg(not(feature = "rest"))]
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

/// Reloads the JWKS every `every` (sooner after a failure) while the verifier lives.
async fn refresh_loop(shared: std::sync::Weak<Shared>, every: Duration, at_once: bool) {
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
    async fn reload(&self) -> Result<usize, JwtConfigError> {
        let bytes = match &self.source {
            Source::JwksFile(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_bounded(&path))
                    .await
                    .map_err(|e| JwtConfigError(format!("JWKS read: {e}")))??
            }
            #[cfg(feature = "rest")]
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

fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, JwtConfigError> {
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

#[cfg(feature = "rest")]
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
fn keys_of_jwks(bytes: &[u8], settings: &Settings) -> Result<Vec<Key>, JwtConfigError> {
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
            #[cfg(feature = "rest")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::EncodingKey;
    use serde_json::json;

    const SECRET: &[u8] = b"an HS256 secret of at least 32 bytes!";
    const RSA_PUBLIC: &[u8] = include_bytes!("testdata/rsa_public.pem");
    const RSA_PRIVATE: &[u8] = include_bytes!("testdata/rsa_private.pem");
    const EC_A_PRIVATE: &[u8] = include_bytes!("testdata/ec_a_private.pem");
    const EC_B_PRIVATE: &[u8] = include_bytes!("testdata/ec_b_private.pem");
    const EC_A_JWK: &str = include_str!("testdata/ec_a.jwk.json");
    const EC_B_JWK: &str = include_str!("testdata/ec_b.jwk.json");
    const RSA_JWK: &str = include_str!("testdata/rsa.jwk.json");

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn claims(extra: Value) -> Value {
        let mut c =
            json!({"sub": "alice", "iss": "https://id.test", "aud": "orders", "exp": now() + 600});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    }

    fn hs(extra: Value) -> String {
        let key = EncodingKey::from_secret(SECRET);
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(extra), &key).unwrap()
    }

    fn es(kid: Option<&str>, private: &[u8], extra: Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_ec_pem(private).unwrap();
        jsonwebtoken::encode(&header, &claims(extra), &key).unwrap()
    }

    fn verifier() -> JwtVerifier {
        JwtVerifier::hs256(SECRET)
            .issuer("https://id.test")
            .audience("orders")
            .build()
            .unwrap()
    }

    #[test]
    fn a_valid_token_gives_subject_scopes_and_claims() {
        let v = verifier();
        let p = v
            .verify(&hs(
                json!({"scope": "orders:read  orders:write", "scp": ["admin"], "tenant": "acme"}),
            ))
            .unwrap();
        assert_eq!(p.subject, "alice");
        let scopes: Vec<&str> = p.scopes.iter().map(String::as_str).collect();
        assert_eq!(scopes, ["admin", "orders:read", "orders:write"]);
        assert_eq!(p.claims["tenant"], "acme");
        let p = v.verify(&hs(json!({"scp": "a b"}))).unwrap();
        assert!(p.has_scope("a") && p.has_scope("b"));
        let p = v
            .verify(&hs(json!({"aud": ["billing", "orders"]})))
            .unwrap();
        assert!(p.scopes.is_empty());
    }

    #[test]
    fn claims_are_checked_and_expiry_is_told_only_of_genuine_tokens() {
        let v = verifier();
        let invalid = [
            json!({"iss": "https://evil.test"}),
            json!({"iss": null}),
            json!({"aud": "billing"}),
            json!({"aud": null}),
            json!({"sub": null}),
            json!({"sub": 42}),
            json!({"sub": ""}),
            json!({"exp": null}),
            json!({"exp": "tomorrow"}),
            json!({"nbf": now() + 600}),
            // Expired, but also from the wrong issuer: not "expired".
            json!({"exp": now() - 600, "iss": "https://evil.test"}),
        ];
        for extra in invalid {
            assert_eq!(
                v.verify(&hs(extra.clone())),
                Err(AuthError::INVALID),
                "{extra}"
            );
        }
        assert_eq!(
            v.verify(&hs(json!({"exp": now() - 600}))),
            Err(AuthError::EXPIRED)
        );
        // Within the 30 s leeway, both ways.
        assert!(v.verify(&hs(json!({"exp": now() - 10}))).is_ok());
        assert!(v.verify(&hs(json!({"nbf": now() + 10}))).is_ok());
        let strict = JwtVerifier::hs256(SECRET)
            .leeway(Duration::ZERO)
            .build()
            .unwrap();
        assert_eq!(
            strict.verify(&hs(json!({"exp": now() - 10}))),
            Err(AuthError::EXPIRED)
        );
        // Without an audience configured, any `aud` (or none) passes; so does any `iss`.
        assert!(
            strict
                .verify(&hs(json!({"aud": "billing", "iss": null})))
                .is_ok()
        );
    }

    #[test]
    fn only_the_configured_audiences_and_issuers_pass_and_their_claims_are_required() {
        let v = JwtVerifier::hs256(SECRET)
            .issuers(["https://id.test", "https://other-id.test"])
            .audiences(["orders", "ftgo.order.OrderService"])
            .build()
            .unwrap();
        for accepted in [
            json!({}),
            json!({"iss": "https://other-id.test"}),
            json!({"aud": "ftgo.order.OrderService"}),
            json!({"aud": ["billing", "orders"]}),
        ] {
            assert!(v.verify(&hs(accepted.clone())).is_ok(), "{accepted}");
        }
        for refused in [
            json!({"aud": "billing"}),
            json!({"aud": ["billing", "kitchen"]}),
            json!({"aud": []}),
            json!({"aud": null}),
            json!({"aud": ""}),
            json!({"iss": "https://evil.test"}),
            json!({"iss": null}),
            json!({"iss": ""}),
            json!({"sub": ""}),
        ] {
            assert_eq!(
                v.verify(&hs(refused.clone())),
                Err(AuthError::INVALID),
                "{refused}"
            );
        }
        // Without any configured, `sub` is still required and must name someone.
        let open = JwtVerifier::hs256(SECRET).build().unwrap();
        assert!(open.verify(&hs(json!({"aud": null, "iss": null}))).is_ok());
        for refused in [json!({"sub": ""}), json!({"sub": null})] {
            assert_eq!(open.verify(&hs(refused)), Err(AuthError::INVALID));
        }
        // An empty expected name would accept an empty claim: refused when built.
        for (issuers, audiences) in [(vec![""], vec!["orders"]), (vec!["i"], vec![" "])] {
            let built = JwtVerifier::hs256(SECRET)
                .issuers(issuers)
                .audiences(audiences)
                .build();
            assert!(built.unwrap_err().0.contains("must not be empty"));
        }
    }

    #[test]
    fn garbage_wrong_keys_and_wrong_algorithms_are_invalid() {
        let v = verifier();
        let token = hs(json!({}));
        let (head, sig) = token.rsplit_once('.').unwrap();
        let mut bad_sig = sig.as_bytes().to_vec();
        bad_sig[5] = if bad_sig[5] == b'A' { b'B' } else { b'A' };
        let tampered = format!("{head}.{}", String::from_utf8(bad_sig).unwrap());
        let other_key = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(json!({})),
            &EncodingKey::from_secret(b"another secret of at least 32 bytes!!"),
        )
        .unwrap();
        let hs384 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS384),
            &claims(json!({})),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        let es256 = es(None, EC_A_PRIVATE, json!({}));
        for bad in [
            "", "a.b", "a.b.c", "...", &tampered, &other_key, &hs384, &es256,
        ] {
            assert_eq!(v.verify(bad), Err(AuthError::INVALID), "{bad}");
        }
        assert_eq!(
            v.verify(&"a".repeat(MAX_CREDENTIAL_BYTES + 1)),
            Err(AuthError::TOO_LARGE)
        );
    }

    #[test]
    fn an_hs256_token_keyed_with_the_rsa_public_key_is_refused() {
        let rs = JwtVerifier::rs256_pem(RSA_PUBLIC).build().unwrap();
        let good = jsonwebtoken::encode(
            &Header::new(Algorithm::RS256),
            &claims(json!({})),
            &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
        )
        .unwrap();
        assert_eq!(rs.verify(&good).unwrap().subject, "alice");
        let confused = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(json!({})),
            &EncodingKey::from_secret(RSA_PUBLIC),
        )
        .unwrap();
        assert_eq!(rs.verify(&confused), Err(AuthError::INVALID));
    }

    #[test]
    fn verified_tokens_are_remembered_until_they_expire() {
        let v = JwtVerifier::hs256(SECRET).cache(2).build().unwrap();
        let cache = &v.shared.cache;
        let token = hs(json!({"scope": "a"}));
        let first = v.verify(&token).unwrap();
        assert_eq!(cache.lock().len(), 1);
        assert_eq!(v.verify(&token).unwrap(), first);
        assert_eq!(cache.lock().len(), 1, "a hit");
        for refused in [hs(json!({"sub": null})), hs(json!({"exp": now() - 600}))] {
            assert!(v.verify(&refused).is_err());
        }
        assert_eq!(cache.lock().len(), 1, "refusals are not remembered");
        // A remembered token past its expiry (plus leeway) is expired, not served.
        for entry in cache.lock().values_mut() {
            entry.expires = now() as f64 - 1.0;
        }
        assert_eq!(v.verify(&token), Err(AuthError::EXPIRED));
        // Bounded: expired entries go first, then everything.
        for i in 0..5 {
            assert!(v.verify(&hs(json!({"n": i}))).is_ok());
            assert!(cache.lock().len() <= 2);
        }
        let uncached = JwtVerifier::hs256(SECRET).cache(0).build().unwrap();
        assert_eq!(uncached.verify(&token).unwrap(), first);
        assert!(uncached.shared.cache.lock().is_empty());
    }

    #[test]
    fn bad_configurations_fail_at_build() {
        assert!(JwtVerifier::hs256(&b"short"[..]).build().is_err());
        assert!(JwtVerifier::rs256_pem(b"not a key").build().is_err());
        assert!(
            JwtVerifier::es256_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
                .build()
                .is_err()
        );
        let missing = JwtVerifier::jwks_file("/nonexistent/jwks.json").build();
        assert!(missing.unwrap_err().0.contains("/nonexistent/jwks.json"));
    }

    fn set(keys: &[&str]) -> Vec<u8> {
        format!("{{\"keys\": [{}]}}", keys.join(",")).into_bytes()
    }

    fn settings() -> Settings {
        JwtVerifier::hs256(SECRET).settings
    }

    #[test]
    fn jwks_keys_are_pinned_and_selected_by_kid() {
        let oct = r#"{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}"#;
        let encryption = EC_B_JWK.replace("\"sig\"", "\"enc\"");
        let misfit = EC_A_JWK.replace("ES256", "RS256");
        let unknown = r#"{"kty": "XYZ", "kid": "x"}"#;
        let keys = keys_of_jwks(
            &set(&[EC_A_JWK, RSA_JWK, oct, &encryption, &misfit, unknown]),
            &settings(),
        )
        .unwrap();
        let found: Vec<_> = keys.iter().map(|k| (k.kid.as_deref(), k.alg)).collect();
        assert_eq!(
            found,
            [
                (Some("a"), Algorithm::ES256),
                (Some("r1"), Algorithm::RS256)
            ]
        );
        assert!(keys_of_jwks(&set(&[oct]), &settings()).is_err());
        assert!(keys_of_jwks(b"{\"keys\": 1}", &settings()).is_err());

        let shared = Shared {
            settings: settings(),
            source: Source::Hs256(Vec::new()),
            keys: RwLock::new(keys_of_jwks(&set(&[EC_A_JWK, EC_B_JWK]), &settings()).unwrap()),
            cache: Cache::new(0),
        };
        let v = JwtVerifier {
            shared: Arc::new(shared),
            refresh_task: None,
        };
        assert_eq!(v.key_ids(), [Some("a".to_owned()), Some("b".to_owned())]);
        assert!(v.verify(&es(Some("a"), EC_A_PRIVATE, json!({}))).is_ok());
        assert!(v.verify(&es(Some("b"), EC_B_PRIVATE, json!({}))).is_ok());
        assert!(
            v.verify(&es(None, EC_B_PRIVATE, json!({}))).is_ok(),
            "no kid: every key of the algorithm is tried"
        );
        assert_eq!(
            v.verify(&es(Some("a"), EC_B_PRIVATE, json!({}))),
            Err(AuthError::INVALID),
            "the kid selects the key"
        );
        assert_eq!(
            v.verify(&es(Some("zz"), EC_A_PRIVATE, json!({}))),
            Err(AuthError::INVALID)
        );
        assert_eq!(
            v.verify(&es(None, EC_B_PRIVATE, json!({"exp": now() - 600}))),
            Err(AuthError::EXPIRED),
            "an expiry found with the right key is reported as such"
        );
    }
}
