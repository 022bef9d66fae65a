//! What authenticating a call costs: JWT verification (HS256, ES256, RS256) with the
//! verifier's cache off (every call checks the signature) and on (a token sent again), and an
//! API key lookup, through `accord::auth::authorize` as a transport calls it. Prints ns per call (the
//! median of several runs); asserts nothing. Compare with the REST bench's cost per request
//! (`cargo bench -p ftgo-order-service --bench rest`, ~30-40 µs per request pair).
//!
//! `CARGO_BUILD_JOBS=1 nice -n 10 cargo bench -p accord-runtime --bench auth`

use accord::auth::{ApiKeys, Authenticator, Credential, JwtVerifier, Requirement, authorize};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const RUNS: usize = 7;

fn claims() -> serde_json::Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    serde_json::json!({
        "sub": "user-42",
        "iss": "https://issuer.example",
        "aud": "orders",
        "iat": now,
        "exp": now + 3600,
        "scope": "orders:read orders:write",
    })
}

fn token(alg: Algorithm, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims(), key).unwrap()
}

/// Median ns per call of `iterations` calls, over [`RUNS`] runs.
fn measure(iterations: u32, mut call: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                call();
            }
            start.elapsed().as_nanos() as f64 / f64::from(iterations)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[RUNS / 2]
}

fn report(
    name: &str,
    iterations: u32,
    authenticator: &dyn Authenticator,
    credential: Credential<'_>,
) {
    let requirement = match credential {
        Credential::Bearer(_) => Requirement::Bearer {
            scopes: &["orders:read"],
        },
        Credential::ApiKey(_) => Requirement::ApiKey {
            header: "x-api-key",
        },
    };
    // Once for correctness: a bench of refusals would measure the wrong thing.
    authorize(&requirement, Some(credential), Some(authenticator)).expect("the call is allowed");
    let ns = measure(iterations, || {
        let principal = authorize(
            black_box(&requirement),
            Some(black_box(credential)),
            Some(authenticator),
        );
        black_box(principal.is_ok());
    });
    println!("{name:<40} {ns:>10.0} ns/call  ({:.1} µs)", ns / 1000.0);
}

fn main() {
    let secret = b"0123456789abcdef0123456789abcdef-bench-secret";
    let hs = JwtVerifier::hs256(&secret[..])
        .cache(0)
        .issuer("https://issuer.example")
        .audience("orders")
        .build()
        .unwrap();
    let hs_token = token(Algorithm::HS256, &EncodingKey::from_secret(secret));

    let es_private = include_bytes!("../src/auth/testdata/ec_a_private.pem");
    let es_public = include_bytes!("../src/auth/testdata/ec_a_public.pem");
    let es = JwtVerifier::es256_pem(es_public)
        .cache(0)
        .issuer("https://issuer.example")
        .audience("orders")
        .build()
        .unwrap();
    let es_token = token(
        Algorithm::ES256,
        &EncodingKey::from_ec_pem(es_private).unwrap(),
    );

    let rs_private = include_bytes!("../src/auth/testdata/rsa_private.pem");
    let rs_public = include_bytes!("../src/auth/testdata/rsa_public.pem");
    let rs = JwtVerifier::rs256_pem(rs_public)
        .cache(0)
        .issuer("https://issuer.example")
        .audience("orders")
        .build()
        .unwrap();
    let rs_token = token(
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(rs_private).unwrap(),
    );

    let es_cached = JwtVerifier::es256_pem(es_public)
        .issuer("https://issuer.example")
        .audience("orders")
        .build()
        .unwrap();

    let keys = ApiKeys::new((0..100).map(|i| format!("key-number-{i:03}-abcdefghijklmnop")));
    let key = "key-number-057-abcdefghijklmnop";

    println!(
        "auth: per call through accord::auth::authorize, median of {RUNS} runs (token {} bytes HS256, {} ES256, {} RS256)",
        hs_token.len(),
        es_token.len(),
        rs_token.len()
    );
    report("JWT HS256", 20_000, &hs, Credential::Bearer(&hs_token));
    report("JWT ES256", 2_000, &es, Credential::Bearer(&es_token));
    report(
        "JWT RS256 (2048-bit)",
        2_000,
        &rs,
        Credential::Bearer(&rs_token),
    );
    report(
        "JWT ES256, cached (token seen before)",
        20_000,
        &es_cached,
        Credential::Bearer(&es_token),
    );
    report(
        "API key (100 keys, SHA-256)",
        20_000,
        &keys,
        Credential::ApiKey(key),
    );
}
