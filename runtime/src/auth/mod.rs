//! Authentication and authorization, the same for every transport.
//!
//! An operation's [`Requirement`] (generated from `@auth` and `@scopes` into its
//! `OperationInfo`) says what a call needs. A transport reads the caller's [`Credential`] off
//! its framing (REST: `Authorization: Bearer …` or the API key header) and calls
//! [`authorize`] before the handler runs: a missing credential, then its verification by the
//! server's [`Authenticator`], then the scopes. A refusal is an [`AuthError`]
//! (`UNAUTHENTICATED` or `PERMISSION_DENIED`); a success yields the verified [`Principal`] the
//! handler finds in its context.
//!
//! Authenticators: [`JwtVerifier`] (feature `jwt`, on by default: HS256, RS256 and ES256 keys,
//! JWKS files, and JWKS URLs with feature `jwks` (also default), refreshed in the background), [`ApiKeys`] (keys stored hashed, compared
//! in constant time), and [`Authenticators`], which sends each kind of credential to its own.
//!
//! Proxies attach credentials from a [`CredentialsProvider`] ([`StaticToken`],
//! [`StaticApiKey`], [`RefreshingToken`]), never from the request they serve: the metadata
//! policy keeps the caller's credentials out of a handler's downstream calls.
//!
//! What a refusal tells the caller is fixed text ([`AuthError`]'s constants): "missing
//! credentials", "invalid credentials", "token expired" (only for a token whose signature,
//! issuer and audience are all good, so it says nothing to someone without a genuine token),
//! "credentials too large" and "insufficient scope". Why a credential was invalid is logged at
//! `debug` (never the credential itself), not sent.

mod api_key;
#[cfg(feature = "jwt")]
mod jwt;
mod provider;

pub use api_key::ApiKeys;
#[cfg(feature = "jwt")]
pub use jwt::{JwtConfigError, JwtVerifier, JwtVerifierBuilder};
pub use provider::{
    CredentialsProvider, OwnedCredential, RefreshingToken, StaticApiKey, StaticToken, Token,
};

use crate::status::{Code, Status};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// The largest credential [`authorize`] passes to an authenticator (8 KiB, the usual limit on
/// one HTTP header line); a longer one is refused before any parsing.
pub const MAX_CREDENTIAL_BYTES: usize = 8 * 1024;

/// What an operation requires of its caller (`@auth` with `@scopes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// `@auth(none)`: anyone may call; no credential is read or verified.
    None,
    /// `@auth(bearer)`: a bearer token carrying every scope listed.
    Bearer {
        /// `@scopes(...)`: each must be in the principal's scopes.
        scopes: &'static [&'static str],
    },
    /// `@auth(api_key, header = "X-Api-Key")`: an API key in the named header.
    ApiKey {
        /// The header (or metadata key) that carries the key.
        header: &'static str,
    },
}

impl Requirement {
    /// The header (metadata key, lower case for bearer) a transport reads the credential from:
    /// `authorization` for a bearer token, the configured header for an API key, `None` for
    /// [`Requirement::None`].
    pub fn header(&self) -> Option<&'static str> {
        match self {
            Requirement::None => None,
            Requirement::Bearer { .. } => Some("authorization"),
            Requirement::ApiKey { header } => Some(header),
        }
    }

    /// The credential this requirement reads, given how to look up a header (metadata key) by
    /// name: `Authorization: Bearer …` for a bearer token, the named header for an API key;
    /// `None` when it is absent (or for [`Requirement::None`]).
    pub fn credential<'a>(
        &self,
        header: impl FnOnce(&str) -> Option<&'a str>,
    ) -> Option<Credential<'a>> {
        match self {
            Requirement::None => None,
            Requirement::Bearer { .. } => {
                header("authorization").and_then(Credential::from_authorization)
            }
            Requirement::ApiKey { header: name } => header(name).map(Credential::ApiKey),
        }
    }

    /// The scopes a bearer token must carry (empty otherwise).
    pub fn scopes(&self) -> &'static [&'static str] {
        match self {
            Requirement::Bearer { scopes } => scopes,
            _ => &[],
        }
    }
}

/// A verified caller, in the handler's context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Principal {
    /// Who: a token's `sub`, an API key's configured name.
    pub subject: String,
    /// What it may do: a token's `scope` / `scp`.
    pub scopes: BTreeSet<String>,
    /// Every claim of a token (empty for an API key).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl Principal {
    /// A principal with a subject and nothing else.
    pub fn new(subject: impl Into<String>) -> Self {
        Principal {
            subject: subject.into(),
            ..Principal::default()
        }
    }

    /// Adds scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Whether the principal holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }
}

/// A credential as a transport read it. Its `Debug` never shows the secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// A bearer token (without the `Bearer ` prefix).
    Bearer(&'a str),
    /// An API key.
    ApiKey(&'a str),
}

impl<'a> Credential<'a> {
    /// The bearer token of an `Authorization` header value (`Bearer <token>`, the scheme in any
    /// case, RFC 6750); `None` for another scheme or no token.
    pub fn from_authorization(value: &'a str) -> Option<Credential<'a>> {
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let token = token.trim_matches(' ');
        (!token.is_empty()).then_some(Credential::Bearer(token))
    }

    /// The credential's text.
    pub fn secret(&self) -> &'a str {
        match self {
            Credential::Bearer(s) | Credential::ApiKey(s) => s,
        }
    }
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Credential::Bearer(_) => "Bearer",
            Credential::ApiKey(_) => "ApiKey",
        };
        write!(f, "{kind}(<{} bytes redacted>)", self.secret().len())
    }
}

/// Why a call is refused. The message is fixed text, safe to show the caller (see the module
/// docs); compare with the associated constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// The credential is missing or not valid: `UNAUTHENTICATED`, HTTP 401.
    Unauthenticated(&'static str),
    /// The caller is known but lacks a scope: `PERMISSION_DENIED`, HTTP 403.
    Forbidden(&'static str),
}

impl AuthError {
    /// No credential came (RFC 6750: the challenge then carries no error code).
    pub const MISSING: AuthError = AuthError::Unauthenticated("missing credentials");
    /// The credential failed verification, whatever the reason.
    pub const INVALID: AuthError = AuthError::Unauthenticated("invalid credentials");
    /// A token that is valid in every other respect has expired.
    pub const EXPIRED: AuthError = AuthError::Unauthenticated("token expired");
    /// The credential is longer than [`MAX_CREDENTIAL_BYTES`].
    pub const TOO_LARGE: AuthError = AuthError::Unauthenticated("credentials too large");
    /// The principal lacks a scope the operation requires.
    pub const INSUFFICIENT_SCOPE: AuthError = AuthError::Forbidden("insufficient scope");

    /// The message shown to the caller.
    pub fn message(&self) -> &'static str {
        match self {
            AuthError::Unauthenticated(m) | AuthError::Forbidden(m) => m,
        }
    }

    /// The neutral code: `UNAUTHENTICATED` or `PERMISSION_DENIED`.
    pub fn code(&self) -> Code {
        match self {
            AuthError::Unauthenticated(_) => Code::Unauthenticated,
            AuthError::Forbidden(_) => Code::PermissionDenied,
        }
    }

    /// The RFC 6750 `error` of a bearer challenge: `None` when no credential came,
    /// `invalid_token` for any other 401, `insufficient_scope` for a 403.
    pub fn bearer_error(&self) -> Option<&'static str> {
        match self {
            AuthError::Unauthenticated(_) if *self == AuthError::MISSING => None,
            AuthError::Unauthenticated(_) => Some("invalid_token"),
            AuthError::Forbidden(_) => Some("insufficient_scope"),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AuthError {}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        Status::new(error.code(), error.message())
    }
}

impl From<AuthError> for crate::CallError {
    fn from(error: AuthError) -> Self {
        crate::CallError::Status(Box::new(error.into()))
    }
}

/// Verifies credentials; a server's config holds one (`Arc<dyn Authenticator>`).
///
/// Synchronous: anything slow (fetching keys) happens in the background, never per call.
pub trait Authenticator: Send + Sync + 'static {
    /// The principal `credential` proves, or why not. Return the [`AuthError`] constants
    /// (usually [`AuthError::INVALID`]): the message reaches the caller.
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError>;
}

impl<A: Authenticator + ?Sized> Authenticator for Arc<A> {
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
        (**self).authenticate(credential)
    }
}

/// Sends bearer tokens to one authenticator and API keys to another (a server whose
/// operations take both); a kind without one is refused as invalid.
#[derive(Clone, Default)]
pub struct Authenticators {
    bearer: Option<Arc<dyn Authenticator>>,
    api_key: Option<Arc<dyn Authenticator>>,
}

impl Authenticators {
    /// No authenticator yet: every credential is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies bearer tokens with `authenticator` (a [`JwtVerifier`]).
    pub fn bearer(mut self, authenticator: impl Authenticator) -> Self {
        self.bearer = Some(Arc::new(authenticator));
        self
    }

    /// Verifies API keys with `authenticator` (an [`ApiKeys`]).
    pub fn api_key(mut self, authenticator: impl Authenticator) -> Self {
        self.api_key = Some(Arc::new(authenticator));
        self
    }
}

impl fmt::Debug for Authenticators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticators")
            .field("bearer", &self.bearer.is_some())
            .field("api_key", &self.api_key.is_some())
            .finish()
    }
}

impl Authenticator for Authenticators {
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
        let authenticator = match credential {
            Credential::Bearer(_) => &self.bearer,
            Credential::ApiKey(_) => &self.api_key,
        };
        match authenticator {
            Some(a) => a.authenticate(credential),
            None => Err(AuthError::INVALID),
        }
    }
}

/// The core's check, which every transport runs before the handler: is the credential the
/// requirement asks for there, not too large, verified by `authenticator`, and holding every
/// required scope? `Ok(None)` for [`Requirement::None`] (the credential is then not even
/// looked at); `Ok(Some(principal))` when the call may proceed.
///
/// A requirement without an authenticator refuses every call (fail closed) and logs an error:
/// the server is misconfigured.
pub fn authorize(
    requirement: &Requirement,
    credential: Option<Credential<'_>>,
    authenticator: Option<&dyn Authenticator>,
) -> Result<Option<Principal>, AuthError> {
    let credential = match (requirement, credential) {
        (Requirement::None, _) => return Ok(None),
        (Requirement::Bearer { .. }, Some(c @ Credential::Bearer(_)))
        | (Requirement::ApiKey { .. }, Some(c @ Credential::ApiKey(_))) => c,
        _ => return Err(AuthError::MISSING),
    };
    let secret = credential.secret();
    if secret.len() > MAX_CREDENTIAL_BYTES {
        return Err(AuthError::TOO_LARGE);
    }
    if secret.is_empty() {
        return Err(AuthError::INVALID);
    }
    let Some(authenticator) = authenticator else {
        tracing::error!(
            "an operation requires authentication but the server has no authenticator: refusing"
        );
        return Err(AuthError::INVALID);
    };
    let principal = authenticator.authenticate(credential)?;
    if !requirement.scopes().iter().all(|s| principal.has_scope(s)) {
        return Err(AuthError::INSUFFICIENT_SCOPE);
    }
    Ok(Some(principal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Accepts the token "good" with scope "orders:read", counting its calls.
    #[derive(Default)]
    struct Fixed(AtomicUsize);

    impl Authenticator for Fixed {
        fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            match credential {
                Credential::Bearer("good") => {
                    Ok(Principal::new("alice").with_scopes(["orders:read"]))
                }
                _ => Err(AuthError::INVALID),
            }
        }
    }

    const READ: Requirement = Requirement::Bearer {
        scopes: &["orders:read"],
    };
    const WRITE: Requirement = Requirement::Bearer {
        scopes: &["orders:read", "orders:write"],
    };

    #[test]
    fn authorize_checks_presence_then_verification_then_scopes() {
        let fixed = Fixed::default();
        let a: Option<&dyn Authenticator> = Some(&fixed);
        assert_eq!(
            authorize(&Requirement::None, Some(Credential::Bearer("bad")), a),
            Ok(None)
        );
        assert_eq!(authorize(&READ, None, a), Err(AuthError::MISSING));
        assert_eq!(
            authorize(&READ, Some(Credential::ApiKey("good")), a),
            Err(AuthError::MISSING),
            "a credential of the other kind is not the one asked for"
        );
        assert_eq!(fixed.0.load(Ordering::Relaxed), 0);
        assert_eq!(
            authorize(&READ, Some(Credential::Bearer("bad")), a),
            Err(AuthError::INVALID)
        );
        let principal = authorize(&READ, Some(Credential::Bearer("good")), a)
            .unwrap()
            .unwrap();
        assert_eq!(principal.subject, "alice");
        assert_eq!(
            authorize(&WRITE, Some(Credential::Bearer("good")), a),
            Err(AuthError::INSUFFICIENT_SCOPE)
        );
        assert_eq!(
            authorize(&READ, Some(Credential::Bearer("good")), None),
            Err(AuthError::INVALID),
            "no authenticator: fail closed"
        );
    }

    #[test]
    fn oversized_and_empty_credentials_never_reach_the_authenticator() {
        let fixed = Fixed::default();
        let big = "a".repeat(MAX_CREDENTIAL_BYTES + 1);
        let at_limit = "a".repeat(MAX_CREDENTIAL_BYTES);
        let a: Option<&dyn Authenticator> = Some(&fixed);
        assert_eq!(
            authorize(&READ, Some(Credential::Bearer(&big)), a),
            Err(AuthError::TOO_LARGE)
        );
        assert_eq!(
            authorize(&READ, Some(Credential::Bearer("")), a),
            Err(AuthError::INVALID)
        );
        assert_eq!(fixed.0.load(Ordering::Relaxed), 0);
        assert_eq!(
            authorize(&READ, Some(Credential::Bearer(&at_limit)), a),
            Err(AuthError::INVALID)
        );
        assert_eq!(
            fixed.0.load(Ordering::Relaxed),
            1,
            "the limit itself passes"
        );
    }

    #[test]
    fn errors_map_to_neutral_codes_and_bearer_challenges() {
        let status: Status = AuthError::INVALID.into();
        assert_eq!(status.code, Code::Unauthenticated);
        assert_eq!(status.message, "invalid credentials");
        let status: Status = AuthError::INSUFFICIENT_SCOPE.into();
        assert_eq!(status.code, Code::PermissionDenied);
        assert_eq!(AuthError::MISSING.bearer_error(), None);
        assert_eq!(AuthError::EXPIRED.bearer_error(), Some("invalid_token"));
        assert_eq!(AuthError::TOO_LARGE.bearer_error(), Some("invalid_token"));
        assert_eq!(
            AuthError::INSUFFICIENT_SCOPE.bearer_error(),
            Some("insufficient_scope")
        );
        let call: crate::CallError = AuthError::EXPIRED.into();
        assert_eq!(call.code(), Code::Unauthenticated);
        assert_eq!(call.public_message(), "token expired");
    }

    #[test]
    fn authorization_headers_and_redacted_debug() {
        assert_eq!(
            Credential::from_authorization("Bearer abc.def"),
            Some(Credential::Bearer("abc.def"))
        );
        assert_eq!(
            Credential::from_authorization("bearer  abc"),
            Some(Credential::Bearer("abc"))
        );
        assert_eq!(Credential::from_authorization("Basic dXNlcg=="), None);
        assert_eq!(Credential::from_authorization("Bearer "), None);
        assert_eq!(Credential::from_authorization("Bearer"), None);
        let shown = format!("{:?}", Credential::Bearer("s3cret"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(
            Requirement::ApiKey {
                header: "X-Api-Key"
            }
            .header(),
            Some("X-Api-Key")
        );
        assert_eq!(WRITE.scopes().len(), 2);
        let headers = |name: &str| match name {
            "authorization" => Some("Bearer t-1"),
            "X-Api-Key" => Some("k-1"),
            _ => None,
        };
        assert_eq!(READ.credential(headers), Some(Credential::Bearer("t-1")));
        let api_key = Requirement::ApiKey {
            header: "X-Api-Key",
        };
        assert_eq!(api_key.credential(headers), Some(Credential::ApiKey("k-1")));
        let other = Requirement::ApiKey { header: "X-Key" };
        assert_eq!(other.credential(headers), None);
        assert_eq!(Requirement::None.credential(headers), None);
        assert_eq!(Requirement::None.header(), None);
    }

    #[test]
    fn authenticators_route_by_kind() {
        let keys = ApiKeys::named([("ci", "k-123")]);
        let both = Authenticators::new().bearer(Fixed::default()).api_key(keys);
        assert_eq!(
            both.authenticate(Credential::Bearer("good"))
                .unwrap()
                .subject,
            "alice"
        );
        assert_eq!(
            both.authenticate(Credential::ApiKey("k-123"))
                .unwrap()
                .subject,
            "ci"
        );
        let bearer_only = Authenticators::new().bearer(Fixed::default());
        assert_eq!(
            bearer_only.authenticate(Credential::ApiKey("k-123")),
            Err(AuthError::INVALID)
        );
    }
}
