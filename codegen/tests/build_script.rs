//! A contract error in a user's `build.rs` reaches them as `accord check` prints it.
//!
//! The test builds a real crate whose build script calls the `Builder` on a broken contract,
//! with the idiom the README shows (`fn main() -> Result<(), Box<dyn Error>>` and `?`), and reads
//! what cargo shows: the report with its code and source line, one line per line, never the
//! Debug-escaped string (`BuildError("  × error[...]\n ╭─...")`) that idiom printed before.

use std::path::{Path, PathBuf};
use std::process::Command;

const BUILD_RS: &str = r#"fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new().compile(&["api/shop.accord"])?;
    Ok(())
}
"#;

const CONTRACT: &str = "package shop;
version 1.0.0;

struct Order {
    id: i64 = 1;
    customer: Customr = 2;
}
";

/// The workspace's target folder: the nested build keeps its own folder inside it (as
/// trybuild does), so it never waits on the lock of the `cargo test` that runs it.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
    .join("tests/build-script")
}

fn user_crate(dir: &Path) {
    let codegen = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let manifest = format!(
        "[package]\nname = \"broken-contract\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[build-dependencies]\naccord-codegen = {{ path = {:?} }}\n\n\
         [workspace]\n",
        codegen.display().to_string()
    );
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("api")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("build.rs"), BUILD_RS).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("api/shop.accord"), CONTRACT).unwrap();
    // The workspace's versions, so the nested build resolves offline to crates already fetched.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    std::fs::copy(lock, dir.join("Cargo.lock")).unwrap();
}

#[test]
fn a_broken_contract_fails_the_build_with_the_rendered_report() {
    let dir = tempfile::tempdir().unwrap();
    user_crate(dir.path());
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the build must fail:\n{stderr}");
    assert!(
        stderr.contains("error[A0301]"),
        "the code is shown:\n{stderr}"
    );
    assert!(
        stderr.lines().any(|l| l.contains("customer: Customr = 2;")),
        "the offending source line is shown on its own line:\n{stderr}"
    );
    assert!(
        !stderr.contains("BuildError(") && !stderr.contains("\\n"),
        "the report is not Debug-escaped:\n{stderr}"
    );
}

#[test]
fn debug_of_a_build_error_is_the_report_itself() {
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("shop.accord");
    std::fs::write(&contract, CONTRACT).unwrap();
    let error = accord_codegen::Builder::new()
        .out_dir(dir.path().join("out"))
        .cargo_directives(false)
        .compile(&[&contract])
        .expect_err("the contract is broken");
    assert_eq!(format!("{error:?}"), error.to_string());
    assert!(error.to_string().contains("Customr"));
}
