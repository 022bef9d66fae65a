//! `accord token` end to end: the tokens it prints are accepted by the runtime's own
//! `JwtVerifier` (what a service started with `--jwt-secret` or a public key runs), with the
//! subject, scopes, audience and issuer asked for; bad options are refused with exit code 2.

mod common;

use accord::auth::JwtVerifier;
use common::*;

const SECRET: &str = "a development secret of 32 bytes!";
const TESTDATA: &str = "../runtime/src/auth/testdata";

fn token(args: &[&str]) -> String {
    let output = accord(&[&["token"], args].concat());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "accord token failed: {stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line: the token");
    stdout.trim_end().to_owned()
}

fn refused(args: &[&str]) -> String {
    let output = accord(&[&["token"], args].concat());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_hs256_token_carries_what_was_asked_and_a_service_verifies_it() {
    let token = token(&[
        "--secret",
        SECRET,
        "--sub",
        "ada",
        "--scope",
        "orders:read",
        "--scope",
        "orders:write",
        "--aud",
        "ftgo.order.OrderService",
        "--iss",
        "dev",
        "--ttl",
        "10m",
    ]);
    let verifier = JwtVerifier::hs256(SECRET)
        .audiences(["ftgo.order.OrderService"])
        .issuers(["dev"])
        .build()
        .unwrap();
    let principal = verifier.verify(&token).expect("the service accepts it");
    assert_eq!(principal.subject, "ada");
    let scopes: Vec<&str> = principal.scopes.iter().map(String::as_str).collect();
    assert_eq!(scopes, ["orders:read", "orders:write"]);
    let lifetime =
        principal.claims["exp"].as_u64().unwrap() - principal.claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 600);
    // Another audience's service refuses it.
    let other = JwtVerifier::hs256(SECRET)
        .audiences(["ftgo.kitchen.KitchenService"])
        .build()
        .unwrap();
    assert!(other.verify(&token).is_err());
}

#[test]
fn the_secret_may_come_from_the_environment() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["token", "--secret-env", "ACCORD_TEST_SECRET"])
        .env("ACCORD_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap();
    let verifier = JwtVerifier::hs256(SECRET).build().unwrap();
    assert_eq!(verifier.verify(token.trim()).unwrap().subject, "developer");
}

#[test]
fn rsa_and_ec_keys_sign_rs256_and_es256_tokens_their_public_keys_verify() {
    for (private, public, rsa) in [
        ("rsa_private.pem", "rsa_public.pem", true),
        ("ec_a_private.pem", "ec_a_public.pem", false),
    ] {
        let key = format!("{TESTDATA}/{private}");
        let token = token(&["--key", &key, "--scope", "orders:read", "--kid", "k1"]);
        let public = std::fs::read(format!(
            "{}/{TESTDATA}/{public}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let verifier = if rsa {
            JwtVerifier::rs256_pem(&public)
        } else {
            JwtVerifier::es256_pem(&public)
        };
        let principal = verifier.build().unwrap().verify(&token).expect(private);
        assert!(principal.scopes.contains("orders:read"), "{private}");
    }
}

#[test]
fn unusable_options_are_refused_with_the_reason() {
    assert!(refused(&["--secret", "short"]).contains("at least 32 bytes"));
    assert!(refused(&["--key", "Cargo.toml"]).contains("not a PEM private key"));
    assert!(refused(&["--key", "no/such.pem"]).contains("no/such.pem"));
    assert!(refused(&["--secret-env", "ACCORD_TEST_UNSET_VARIABLE"]).contains("is not set"));
    assert!(refused(&["--secret", SECRET, "--ttl", "1w"]).contains("s, m, h or d"));
    assert!(
        refused(&["--sub", "ada"]).contains("--secret"),
        "a signing key is required"
    );
}
