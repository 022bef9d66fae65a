//! `@auth` end to end over loopback, through the generated `Vault` service of `api/shop.accord`:
//! the skeleton refuses before the handler runs (401 with the RFC 6750 challenge, 403 for a
//! missing scope, each a problem with a fixed message), the handler sees the verified principal,
//! and the proxy attaches its own credentials from a provider.

use accord::auth::{ApiKeys, Authenticators, JwtVerifier, StaticApiKey, StaticToken};
use accord::rest::client::RestClient;
use accord::rest::server::ServerConfig;
use accord::{CallError, Code, Request, Shutdown};
use accord_rest_e2e::vault::rest;
use accord_rest_e2e::{GetSecret, PutSecret, Secret, Vault};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const SECRET: &[u8] = b"test-signing-secret-of-32-bytes!";
const ISSUER: &str = "https://issuer.test";
const AUDIENCE: &str = "vault";

/// Counts the calls that reached a handler: a refused call must not.
#[derive(Default)]
struct Handlers {
    ran: AtomicUsize,
}

struct Service(Arc<Handlers>);

impl Vault for Service {
    async fn get_secret(&self, request: Request<GetSecret>) -> Result<Secret, CallError> {
        self.0.ran.fetch_add(1, Ordering::SeqCst);
        let principal = request.context.principal.as_ref();
        Ok(Secret {
            id: request.input.id,
            holder: principal.map(|p| p.subject.clone()).unwrap_or_default(),
        })
    }

    async fn put_secret(&self, request: Request<PutSecret>) -> Result<Secret, CallError> {
        self.0.ran.fetch_add(1, Ordering::SeqCst);
        let principal = request.context.principal.as_ref();
        Ok(Secret {
            id: request.input.id,
            holder: principal.map(|p| p.subject.clone()).unwrap_or_default(),
        })
    }

    async fn health(&self, request: Request<()>) -> Result<(), CallError> {
        assert!(
            request.context.principal.is_none(),
            "an open operation reads no credential"
        );
        Ok(())
    }
}

fn token(scopes: &str, expires_in: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({
        "sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "scope": scopes,
        "iat": now, "exp": now + expires_in,
    });
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

async fn serve() -> (String, Arc<Handlers>) {
    let verifier = JwtVerifier::hs256(SECRET.to_vec())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let keys = ApiKeys::named([("ops", "key-of-ops")]);
    let authenticators = Authenticators::new().bearer(verifier).api_key(keys);
    let handlers = Arc::new(Handlers::default());
    let config = ServerConfig::default().with_authenticator(authenticators);
    let router = rest::router(Service(handlers.clone()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(accord::rest::server::serve(
        listener,
        router,
        Shutdown::never(),
    ));
    (base, handlers)
}

/// A raw GET with an optional `Authorization` value: status, `WWW-Authenticate`, body.
async fn get(url: String, authorization: Option<&str>) -> (u16, String, Value) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, challenge, body)
}

#[tokio::test]
async fn refusals_come_before_the_handler_with_a_challenge_and_a_fixed_message() {
    let (base, handlers) = serve().await;
    let url = || format!("{base}/secrets/7");
    let realm = "Bearer realm=\"shop.orders.Vault\"";
    let cases = [
        (None, 401, realm.to_owned(), "missing credentials"),
        (
            Some("Basic YWxpY2U6cHc=".to_owned()),
            401,
            realm.to_owned(),
            "missing credentials",
        ),
        (
            Some("Bearer not-a-jwt".to_owned()),
            401,
            format!("{realm}, error=\"invalid_token\""),
            "invalid credentials",
        ),
        (
            Some(format!("Bearer {}", token("vault:read", -600))),
            401,
            format!("{realm}, error=\"invalid_token\""),
            "token expired",
        ),
        (
            Some(format!("Bearer {}", "a".repeat(64 * 1024))),
            401,
            format!("{realm}, error=\"invalid_token\""),
            "credentials too large",
        ),
        (
            Some(format!("Bearer {}", token("vault:write", 600))),
            403,
            format!("{realm}, error=\"insufficient_scope\", scope=\"vault:read\""),
            "insufficient scope",
        ),
    ];
    for (authorization, status, challenge, detail) in cases {
        let (got, got_challenge, body) = get(url(), authorization.as_deref()).await;
        assert_eq!((got, got_challenge.as_str()), (status, challenge.as_str()));
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(body["detail"], detail, "{body}");
    }
    assert_eq!(
        handlers.ran.load(Ordering::SeqCst),
        0,
        "no refused call ran"
    );

    let ok = get(
        url(),
        Some(&format!("Bearer {}", token("vault:read other", 600))),
    )
    .await;
    assert_eq!((ok.0, ok.2["holder"].as_str()), (200, Some("alice")));
    assert_eq!(handlers.ran.load(Ordering::SeqCst), 1);
    let open = reqwest::get(format!("{base}/health")).await.unwrap();
    assert_eq!(
        open.status().as_u16(),
        204,
        "an open operation needs nothing"
    );
}

#[tokio::test]
async fn proxies_attach_their_own_credentials() {
    let (base, handlers) = serve().await;
    let with = |build: &dyn Fn(&mut accord::rest::client::RestClientBuilder)| {
        let mut builder = RestClient::builder(&base);
        build(&mut builder);
        rest::Proxy::new(builder.build().unwrap())
    };
    let anonymous = with(&|_| {});
    let refused = anonymous.get_secret(GetSecret { id: 1 }.into()).await;
    match refused {
        Err(CallError::Status(status)) => {
            assert_eq!(
                (status.code, status.message.as_str()),
                (Code::Unauthenticated, "missing credentials")
            )
        }
        other => panic!("{other:?}"),
    }
    let bearer = with(&|b| {
        b.credentials(StaticToken::new(token("vault:read", 600)));
    });
    let secret = bearer.get_secret(GetSecret { id: 2 }.into()).await.unwrap();
    assert_eq!(secret.holder, "alice");
    let put = PutSecret {
        id: 3,
        value: "v".into(),
    };
    let wrong_key = with(&|b| {
        b.credentials(StaticApiKey::new("X-Api-Key", "not-the-key"));
    });
    let refused = wrong_key.put_secret(put.clone().into()).await;
    assert!(
        matches!(&refused, Err(CallError::Status(s)) if s.code == Code::Unauthenticated),
        "{refused:?}"
    );
    let right_key = with(&|b| {
        b.credentials(StaticApiKey::new("X-Api-Key", "key-of-ops"));
    });
    let stored = right_key.put_secret(put.into()).await.unwrap();
    assert_eq!(stored.holder, "ops", "the key's name is the principal");
    assert_eq!(handlers.ran.load(Ordering::SeqCst), 2);
}
