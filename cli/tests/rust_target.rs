//! `accord build --target rust` end to end: the built binary writes the Rust module tree
//! (`<out>/mod.rs` plus one file per package, straight into `--out` since it is the only target) and it is byte for byte the golden output
//! that the `accord-rust-golden` crate includes with `#[path = "…/mod.rs"] mod …;` and compiles
//! under `#![deny(warnings)]` with `accord` as its only dependency.

use std::path::{Path, PathBuf};
mod common;

use common::*;
use std::process::Output;

/// File names and contents of a folder, sorted.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).expect("read"))
        })
        .collect();
    out.sort();
    out
}

fn build_rust(sources: &[PathBuf], out: &Path) -> Output {
    let mut args: Vec<String> = vec!["build".into()];
    args.extend(sources.iter().map(|s| s.display().to_string()));
    // Every transport and the test fakes, as the golden crate compiles them.
    args.extend(["--rust-transport".into(), "rest,messaging,grpc".into()]);
    args.push("--rust-fakes".into());
    args.extend(["--target".into(), "rust".into(), "--out".into()]);
    args.push(out.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    accord(&args)
}

#[test]
fn the_rust_tree_is_the_compiled_golden_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = build_rust(&[root().join("examples/ftgo/api")], dir.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let written = files(dir.path());
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "ftgo.accounting.rs",
            "ftgo.common.rs",
            "ftgo.consumer.rs",
            "ftgo.kitchen.rs",
            "ftgo.order.rs",
            "mod.rs"
        ],
        "mod.rs plus one file per package"
    );
    let mod_rs = &written.last().expect("mod.rs").1;
    assert!(mod_rs.starts_with("// @generated"));
    assert!(mod_rs.contains("pub mod order {\n        include!(\"ftgo.order.rs\");"));
    let golden = files(&root().join("tests/rust-golden/src/ftgo"));
    assert_eq!(
        written, golden,
        "the CLI output differs from the compiled goldens"
    );
}

#[test]
fn the_stress_api_builds_the_same_tree_as_its_golden() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = root().join("tests/stress/everything.accord");
    let run = build_rust(&[source], dir.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let golden = files(&root().join("tests/rust-golden/src/stress"));
    assert_eq!(files(dir.path()), golden);
}

#[test]
fn a_broken_api_writes_no_rust() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("bad.accord");
    std::fs::write(
        &source,
        "package p;\nversion 1.0.0;\nstruct S { x: Nope = 1; }\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let run = build_rust(&[source], &out);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("Nope"));
    assert!(!out.exists(), "nothing written on errors");
}

#[test]
fn the_tree_is_includable_with_a_path_attribute() {
    // What the README tells users: `#[path = "DIR/mod.rs"] mod api;` needs DIR/mod.rs.
    let dir = tempfile::tempdir().expect("temp dir");
    let run = build_rust(&[root().join("examples/ftgo/api")], dir.path());
    assert!(run.status.success());
    assert!(dir.path().join("mod.rs").is_file());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains(&format!("6 files in {}", dir.path().display())),
        "{stdout}"
    );
}
