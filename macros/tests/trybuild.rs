//! The attribute macro end to end: APIs that compile, and mistakes that must be compile errors
//! pointing at the attribute or the option (`TRYBUILD=overwrite` refreshes the `.stderr` files).
//!
//! trybuild compiles the cases as a crate in `<target>/tests/trybuild/accord-macros/`, the
//! folder the macro's paths are relative to. The fixtures' folder is linked there as `api`, so
//! the cases say `"api/shop.accord"` wherever the target folder is (`CARGO_TARGET_DIR`).

use std::path::{Path, PathBuf};

/// The target folder, as cargo (and so trybuild) resolves it.
fn target_dir() -> PathBuf {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let key = "\"target_directory\":\"";
    let start = text
        .find(key)
        .expect("cargo metadata names the target folder")
        + key.len();
    let end = start + text[start..].find('"').unwrap();
    PathBuf::from(&text[start..end])
}

#[cfg(unix)]
fn link_fixtures() {
    let project = target_dir().join("tests/trybuild/accord-macros");
    std::fs::create_dir_all(&project).unwrap();
    let link = project.join("api");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api");
    if std::fs::read_link(&link).ok().as_deref() != Some(fixtures.as_path()) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&fixtures, &link).unwrap();
    }
}

#[test]
#[cfg(unix)]
fn ui() {
    link_fixtures();
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
