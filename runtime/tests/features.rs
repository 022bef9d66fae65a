//! What each cargo feature pulls in (`Cargo.toml`), read with `cargo tree`: JWT verification
//! alone compiles no HTTP stack, and a JWKS URL (`jwks`) brings the HTTP client only, not the
//! REST transport's server (axum).

use std::collections::BTreeSet;
use std::process::Command;

/// The names of the crates the runtime depends on (normal edges) with `features` alone.
fn dependencies(features: &str) -> BTreeSet<String> {
    tree(features, "normal")
}

/// The names of the crates in the runtime's tree of `edges` with `features` alone.
fn tree(features: &str, edges: &str) -> BTreeSet<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            // The lockfile as committed; crates a fresh machine has not downloaded yet (those of
            // features nothing else built, `otlp`'s) are fetched, which `--offline` refused.
            "--locked",
            "--manifest-path",
            manifest,
            "-p",
            "accord-runtime",
        ])
        .args(["--no-default-features", "--features", features])
        .args(["-e", edges, "--prefix", "none", "--format", "{p}"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn jwt_alone_pulls_no_http_stack_and_jwks_only_the_client() {
    let jwt = dependencies("jwt");
    assert!(jwt.contains("jsonwebtoken"), "{jwt:?}");
    for http in ["reqwest", "axum", "hyper", "hyper-util", "tower"] {
        assert!(!jwt.contains(http), "`jwt` pulls {http}");
    }
    let jwks = dependencies("jwks");
    assert!(
        jwks.contains("reqwest") && jwks.contains("jsonwebtoken"),
        "{jwks:?}"
    );
    assert!(
        !jwks.contains("axum"),
        "`jwks` pulls the REST server (axum)"
    );
}

#[test]
fn otlp_alone_brings_the_opentelemetry_crates_and_the_defaults_none() {
    let defaults = dependencies("rest,jwt,jwks,messaging");
    for crate_name in [
        "opentelemetry",
        "opentelemetry_sdk",
        "tracing-opentelemetry",
    ] {
        assert!(
            !defaults.contains(crate_name),
            "the defaults pull {crate_name}"
        );
    }
    let otlp = dependencies("otlp");
    for crate_name in [
        "opentelemetry-otlp",
        "opentelemetry-proto",
        "tracing-opentelemetry",
    ] {
        assert!(otlp.contains(crate_name), "{otlp:?}");
    }
    // opentelemetry-proto ships its generated code: nothing runs protoc at build time.
    let built = tree("otlp", "normal,build");
    for build in ["prost-build", "tonic-build", "protoc-bin-vendored"] {
        assert!(!built.contains(build), "`otlp` builds with {build}");
    }
}
