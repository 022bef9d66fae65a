//! `accord::auth` against tokens minted by a client no one here wrote: Python's PyJWT, with
//! keys Python's `cryptography` generates. Locally the PyJWT cases print `SKIPPED` when
//! python3, PyJWT or cryptography is missing; under `CI` they fail instead
//! (`tests/validators/requirements.txt` installs them).
#![cfg(feature = "jwt")]

use accord::auth::{
    ApiKeys, AuthError, Authenticator, Credential, JwtVerifier, MAX_CREDENTIAL_BYTES, Principal,
    Requirement, authorize,
};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const ISSUER: &str = "https://id.example";
const AUDIENCE: &str = "orders";
const SECRET: &str = "a shared HS256 secret for this test, 32+ bytes";
/// A second issuer and audience a verifier may be configured to accept besides the first.
const SECOND_ISSUER: &str = "https://id-eu.example";
const SECOND_AUDIENCE: &str = "ftgo.order.OrderService";

/// Every message an `AuthError` may carry: fixed text, nothing about the token or the check.
const MESSAGES: [&str; 5] = [
    "missing credentials",
    "invalid credentials",
    "token expired",
    "credentials too large",
    "insufficient scope",
];

const MINT: &str = r#"
import base64, hashlib, hmac, json, sys, time
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

args = json.load(sys.stdin)
now = int(time.time())
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = lambda k: k.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
rsa_public, ec_public = pem(rsa_key), pem(ec_key)

def claims(**change):
    c = {"sub": "alice", "iss": args["issuer"], "aud": args["audience"],
         "iat": now, "exp": now + 600, "scope": "orders:read orders:write"}
    for k, v in change.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def hs256_by_hand(secret, payload):
    # PyJWT refuses a PEM as an HMAC secret (it guards against exactly this attack), so the
    # algorithm-confusion token is signed by hand.
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(payload).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"

secret = args["secret"]
tokens = {
    "hs_valid": jwt.encode(claims(), secret, algorithm="HS256"),
    "hs_expired": jwt.encode(claims(exp=now - 600), secret, algorithm="HS256"),
    "hs_wrong_issuer": jwt.encode(claims(iss="https://evil.example"), secret, algorithm="HS256"),
    "hs_wrong_audience": jwt.encode(claims(aud="billing"), secret, algorithm="HS256"),
    "hs_foreign_audiences": jwt.encode(claims(aud=["billing", "kitchen"]), secret,
                                       algorithm="HS256"),
    "hs_audiences_with_ours": jwt.encode(claims(aud=["billing", args["audience"]]), secret,
                                         algorithm="HS256"),
    "hs_second_audience": jwt.encode(claims(aud=args["second_audience"]), secret,
                                     algorithm="HS256"),
    "hs_second_issuer": jwt.encode(claims(iss=args["second_issuer"]), secret, algorithm="HS256"),
    "hs_no_audience": jwt.encode(claims(aud=None), secret, algorithm="HS256"),
    "hs_no_issuer": jwt.encode(claims(iss=None), secret, algorithm="HS256"),
    "hs_empty_sub": jwt.encode(claims(sub=""), secret, algorithm="HS256"),
    "hs_no_sub": jwt.encode(claims(sub=None), secret, algorithm="HS256"),
    "hs_read_only": jwt.encode(claims(scope="orders:read"), secret, algorithm="HS256"),
    "hs_wrong_secret": jwt.encode(claims(), secret + "!", algorithm="HS256"),
    "hs_big": jwt.encode(claims(padding="x" * 65536), secret, algorithm="HS256"),
    "none": jwt.encode(claims(), None, algorithm="none"),
    "rs_valid": jwt.encode(claims(), rsa_key, algorithm="RS256"),
    "rs_expired": jwt.encode(claims(exp=now - 600), rsa_key, algorithm="RS256"),
    "rs_other_key": jwt.encode(claims(), other_rsa, algorithm="RS256"),
    "rs_confusion": hs256_by_hand(rsa_public, claims()),
    "es_valid": jwt.encode(claims(scope=None, scp=["orders:read"]), ec_key, algorithm="ES256",
                           headers={"kid": "k1"}),
}
json.dump({"rsa_public": rsa_public, "ec_public": ec_public, "tokens": tokens}, sys.stdout)
"#;

struct Minted {
    rsa_public: String,
    ec_public: String,
    tokens: serde_json::Map<String, Value>,
}

impl Minted {
    fn token(&self, name: &str) -> &str {
        self.tokens[name].as_str().unwrap()
    }
}

/// Tokens from PyJWT, or `None` (after printing `SKIPPED`) when it is not installed locally.
fn mint() -> Option<Minted> {
    let skip = |why: String| {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PyJWT tokens needed under CI: {why} (pip install -r tests/validators/requirements.txt)"
            );
        }
        println!("SKIPPED: {why}");
        None
    };
    let child = Command::new("python3")
        .args(["-c", MINT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return skip(format!("python3: {e}")),
    };
    let args = serde_json::json!({
        "issuer": ISSUER, "audience": AUDIENCE, "secret": SECRET,
        "second_issuer": SECOND_ISSUER, "second_audience": SECOND_AUDIENCE,
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(args.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("ModuleNotFoundError") {
            return skip(stderr.lines().last().unwrap_or_default().to_owned());
        }
        panic!("minting tokens failed:\n{stderr}");
    }
    let mut doc: serde_json::Map<String, Value> = serde_json::from_slice(&out.stdout).unwrap();
    let text = |doc: &mut serde_json::Map<String, Value>, k: &str| match doc.remove(k) {
        Some(Value::String(s)) => s,
        other => panic!("{k}: {other:?}"),
    };
    Some(Minted {
        rsa_public: text(&mut doc, "rsa_public"),
        ec_public: text(&mut doc, "ec_public"),
        tokens: match doc.remove("tokens") {
            Some(Value::Object(tokens)) => tokens,
            other => panic!("tokens: {other:?}"),
        },
    })
}

const READ: Requirement = Requirement::Bearer {
    scopes: &["orders:read"],
};
const WRITE: Requirement = Requirement::Bearer {
    scopes: &["orders:read", "orders:write"],
};

/// Counts the credentials that reach the authenticator it wraps.
struct Counting<A>(A, AtomicUsize);

impl<A: Authenticator> Authenticator for Counting<A> {
    fn authenticate(&self, credential: Credential<'_>) -> Result<Principal, AuthError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.authenticate(credential)
    }
}

fn check(
    verifier: &dyn Authenticator,
    requirement: &Requirement,
    token: &str,
) -> Result<Principal, AuthError> {
    let result = authorize(requirement, Some(Credential::Bearer(token)), Some(verifier))
        .map(|p| p.expect("a bearer requirement yields a principal"));
    if let Err(error) = &result {
        assert!(
            MESSAGES.contains(&error.message()),
            "{error}: not one of the fixed messages"
        );
        let payload = token.split('.').nth(1).unwrap_or(token);
        assert!(payload.is_empty() || !error.to_string().contains(payload));
    }
    result
}

fn verifier(builder: accord::auth::JwtVerifierBuilder) -> JwtVerifier {
    builder.issuer(ISSUER).audience(AUDIENCE).build().unwrap()
}

#[test]
fn hs256_tokens_from_pyjwt() {
    let Some(m) = mint() else { return };
    let hs = verifier(JwtVerifier::hs256(SECRET));
    let p = check(&hs, &WRITE, m.token("hs_valid")).unwrap();
    assert_eq!(p.subject, "alice");
    assert!(p.has_scope("orders:write"));
    assert_eq!(p.claims["iss"], ISSUER);
    assert_eq!(
        check(&hs, &READ, m.token("hs_expired")),
        Err(AuthError::EXPIRED)
    );
    for bad in [
        "hs_wrong_issuer",
        "hs_wrong_audience",
        "hs_wrong_secret",
        "none",
    ] {
        assert_eq!(
            check(&hs, &READ, m.token(bad)),
            Err(AuthError::INVALID),
            "{bad}"
        );
    }
    assert!(check(&hs, &READ, m.token("hs_read_only")).is_ok());
    assert_eq!(
        check(&hs, &WRITE, m.token("hs_read_only")),
        Err(AuthError::INSUFFICIENT_SCOPE)
    );
    assert!(matches!(
        check(&hs, &WRITE, m.token("hs_read_only")),
        Err(AuthError::Forbidden(_))
    ));
}

/// A token for another service (foreign `aud`), from another provider (foreign `iss`), for
/// nobody (empty `sub`) or without a claim the verifier expects is refused; the configured
/// audiences and issuers are each accepted.
#[test]
fn tokens_for_another_audience_issuer_or_nobody_are_refused() {
    let Some(m) = mint() else { return };
    let hs = JwtVerifier::hs256(SECRET)
        .issuers([ISSUER, SECOND_ISSUER])
        .audiences([AUDIENCE, SECOND_AUDIENCE])
        .build()
        .unwrap();
    for good in [
        "hs_valid",
        "hs_audiences_with_ours",
        "hs_second_audience",
        "hs_second_issuer",
    ] {
        assert_eq!(check(&hs, &READ, m.token(good)).unwrap().subject, "alice");
    }
    for bad in [
        "hs_wrong_audience",
        "hs_foreign_audiences",
        "hs_wrong_issuer",
        "hs_no_audience",
        "hs_no_issuer",
        "hs_empty_sub",
        "hs_no_sub",
    ] {
        assert_eq!(
            check(&hs, &READ, m.token(bad)),
            Err(AuthError::INVALID),
            "{bad}"
        );
    }
    // Without expected audiences and issuers any pass, but a subject is still required.
    let open = JwtVerifier::hs256(SECRET).build().unwrap();
    for good in ["hs_wrong_audience", "hs_no_issuer"] {
        assert!(check(&open, &READ, m.token(good)).is_ok(), "{good}");
    }
    for bad in ["hs_empty_sub", "hs_no_sub"] {
        assert_eq!(
            check(&open, &READ, m.token(bad)),
            Err(AuthError::INVALID),
            "{bad}"
        );
    }
}

#[test]
fn rs256_and_es256_tokens_from_pyjwt() {
    let Some(m) = mint() else { return };
    let rs = verifier(JwtVerifier::rs256_pem(&m.rsa_public));
    assert_eq!(
        check(&rs, &WRITE, m.token("rs_valid")).unwrap().subject,
        "alice"
    );
    assert_eq!(
        check(&rs, &READ, m.token("rs_expired")),
        Err(AuthError::EXPIRED)
    );

    // A signature changed in its middle (the last character may only carry padding bits).
    let valid = m.token("rs_valid");
    let (signed, signature) = valid.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{signed}.{}", String::from_utf8(bytes).unwrap());
    // A payload changed under the original signature.
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged = format!(
        "{head}.{}.{signature}",
        base64_url(
            br#"{"sub":"admin","iss":"https://id.example","aud":"orders","exp":9999999999}"#
        )
    );
    for (name, bad) in [
        ("tampered signature", tampered.as_str()),
        ("forged payload", forged.as_str()),
        ("another key", m.token("rs_other_key")),
        ("alg none", m.token("none")),
        (
            "HS256 keyed with the RSA public key",
            m.token("rs_confusion"),
        ),
        ("an HS256 token", m.token("hs_valid")),
    ] {
        assert_eq!(check(&rs, &READ, bad), Err(AuthError::INVALID), "{name}");
    }

    let es = verifier(JwtVerifier::es256_pem(&m.ec_public));
    let p = check(&es, &READ, m.token("es_valid")).unwrap();
    assert!(p.has_scope("orders:read"), "scp as an array");
    assert_eq!(
        check(&es, &WRITE, m.token("es_valid")),
        Err(AuthError::INSUFFICIENT_SCOPE)
    );
    assert_eq!(
        check(&es, &READ, m.token("rs_valid")),
        Err(AuthError::INVALID)
    );
}

#[test]
fn a_64_kib_token_is_refused_before_parsing() {
    let Some(m) = mint() else { return };
    let big = m.token("hs_big");
    assert!(big.len() > 64 * 1024);
    let counting = Counting(verifier(JwtVerifier::hs256(SECRET)), AtomicUsize::new(0));
    assert_eq!(check(&counting, &READ, big), Err(AuthError::TOO_LARGE));
    assert_eq!(
        counting.1.load(Ordering::SeqCst),
        0,
        "never reached the verifier"
    );
    // The verifier guards itself too, when called directly.
    assert_eq!(counting.0.verify(big), Err(AuthError::TOO_LARGE));
    assert!(check(&counting, &READ, m.token("hs_valid")).is_ok());
    assert_eq!(counting.1.load(Ordering::SeqCst), 1);
}

#[test]
fn oversized_garbage_never_reaches_an_authenticator() {
    let counting = Counting(ApiKeys::named([("ops", "k-1")]), AtomicUsize::new(0));
    let garbage = "x".repeat(64 * 1024);
    let api_key = Requirement::ApiKey {
        header: "X-Api-Key",
    };
    for (requirement, credential) in [
        (READ, Credential::Bearer(&garbage)),
        (api_key, Credential::ApiKey(&garbage)),
    ] {
        assert_eq!(
            authorize(&requirement, Some(credential), Some(&counting)),
            Err(AuthError::TOO_LARGE)
        );
    }
    assert_eq!(counting.1.load(Ordering::SeqCst), 0);
    assert!(garbage.len() > MAX_CREDENTIAL_BYTES);
}

#[test]
fn api_keys_right_and_wrong() {
    let keys = ApiKeys::named([("billing", "k-7f3a9c"), ("ops", "k-0b1d2e")]);
    let api_key = Requirement::ApiKey {
        header: "X-Api-Key",
    };
    let ok = authorize(&api_key, Some(Credential::ApiKey("k-0b1d2e")), Some(&keys))
        .unwrap()
        .unwrap();
    assert_eq!(ok.subject, "ops");
    for wrong in ["k-0b1d2f", "k-0b1d2", "k-0b1d2e ", "K-0B1D2E"] {
        let error = authorize(&api_key, Some(Credential::ApiKey(wrong)), Some(&keys)).unwrap_err();
        assert_eq!(error, AuthError::INVALID, "{wrong:?}");
        assert!(MESSAGES.contains(&error.message()));
    }
    assert_eq!(
        authorize(&api_key, None, Some(&keys)),
        Err(AuthError::MISSING)
    );
    assert_eq!(
        authorize(&api_key, Some(Credential::Bearer("k-0b1d2e")), Some(&keys)),
        Err(AuthError::MISSING),
        "a key sent as a bearer token is not where the operation reads it"
    );
}

fn base64_url(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}
