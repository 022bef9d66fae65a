//! The verifier's tests: tokens minted here with jsonwebtoken, keys and JWKS documents inline.

use super::keys::keys_of_jwks;
use super::*;
use crate::auth::MAX_CREDENTIAL_BYTES;
use jsonwebtoken::EncodingKey;
use jsonwebtoken::{Algorithm, Header};
use serde_json::Value;
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECRET: &[u8] = b"an HS256 secret of at least 32 bytes!";
const RSA_PUBLIC: &[u8] = include_bytes!("../testdata/rsa_public.pem");
const RSA_PRIVATE: &[u8] = include_bytes!("../testdata/rsa_private.pem");
const EC_A_PRIVATE: &[u8] = include_bytes!("../testdata/ec_a_private.pem");
const EC_B_PRIVATE: &[u8] = include_bytes!("../testdata/ec_b_private.pem");
const EC_A_JWK: &str = include_str!("../testdata/ec_a.jwk.json");
const EC_B_JWK: &str = include_str!("../testdata/ec_b.jwk.json");
const RSA_JWK: &str = include_str!("../testdata/rsa.jwk.json");

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
