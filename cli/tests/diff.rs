//! `accord diff` end to end on the built binary: files, folders and `git:REV:PATH` (against a
//! temporary git repository), the exit codes 0/1/2 and the JSON report.
//!
//! The rule-by-rule reports are snapshot-tested in `idl-parser/tests/evolution.rs`; these tests
//! use its fixtures for the command's behaviour around them.

use std::path::{Path, PathBuf};
mod common;

use common::*;
use std::process::Command;

/// A fixture of the rule snapshots: `idl-parser/tests/evolution/<rule>/<side>.accord`.
fn fixture(rule: &str, side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .join("idl-parser/tests/evolution")
        .join(rule)
        .join(format!("{side}.accord"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read fixture")
}

/// The `new` side of a fixture with another version declared, written under `dir`.
fn with_version(dir: &Path, rule: &str, version: &str) -> PathBuf {
    let text = read(&fixture(rule, "new"));
    let line = text
        .lines()
        .find(|l| l.starts_with("version "))
        .expect("version line");
    let path = dir.join(format!("{rule}-{version}.accord"));
    std::fs::write(
        &path,
        text.replacen(line, &format!("version {version};"), 1),
    )
    .expect("write");
    path
}

#[test]
fn a_compatible_change_with_enough_bump_exits_0() {
    let run = accord(&[
        "diff",
        &arg(&fixture("op-added", "old")),
        &arg(&fixture("op-added", "new")),
    ]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(0), "{out}{}", stderr(&run));
    assert!(out.contains("MINOR [op-added]"), "{out}");
    assert!(
        out.contains("shop: required MINOR, declared MINOR (1.2.3 -> 1.3.0): ok"),
        "{out}"
    );
}

#[test]
fn a_too_small_bump_exits_1_naming_the_rule_and_both_places() {
    let dir = tempfile::tempdir().expect("temp dir");
    let new = with_version(dir.path(), "member-renamed", "1.3.0");
    let old = fixture("member-renamed", "old");
    let run = accord(&["diff", &arg(&old), &arg(&new)]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(1), "{out}{}", stderr(&run));
    assert!(out.contains("MAJOR [member-renamed]"), "{out}");
    assert!(out.contains(&format!("{}:25:5]", arg(&old))), "{out}");
    assert!(out.contains(&format!("{}:25:5]", arg(&new))), "{out}");
    assert!(
        out.contains("GREEN = 2;") && out.contains("LIME = 2;"),
        "{out}"
    );
    assert!(out.contains("NOT ENOUGH, needs at least 2.0.0"), "{out}");
}

#[test]
fn a_version_going_down_exits_1_even_without_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = fixture("docs-changed", "old");
    let new = dir.path().join("new.accord");
    std::fs::write(&new, read(&old).replace("version 1.2.3;", "version 1.2.2;")).expect("write");
    let run = accord(&["diff", &arg(&old), &arg(&new)]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(1), "{out}{}", stderr(&run));
    assert!(out.contains("the version went down"), "{out}");
    assert!(out.contains("0 change(s)"), "{out}");
}

/// A two-file API (one package imports the other) in `dir`, with optional edits to `b.accord`.
fn api(dir: &Path, a_version: &str, b: &str) {
    std::fs::create_dir_all(dir.join("nested")).expect("mkdir");
    let a = format!(
        "package a;\nversion {a_version};\nimport \"nested/b.accord\";\n\n\
         service S {{\n    op get(b.Req) -> b.Reply;\n}}\n"
    );
    std::fs::write(dir.join("a.accord"), a).expect("write");
    std::fs::write(dir.join("nested/b.accord"), b).expect("write");
}

const B: &str = "package b;\nversion 0.3.0;\n\nstruct Req {\n    id: i64 = 1;\n}\n\n\
                 struct Reply {\n    id: i64 = 1;\n}\n";

#[test]
fn folders_are_compared_package_by_package() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    api(&old, "1.0.0", B);
    // A new optional request field in b: MINOR, and 0.3.0 -> 0.3.1 is enough for it.
    let added = B.replace("0.3.0", "0.3.1").replace(
        "id: i64 = 1;\n}\n\nstruct Reply",
        "id: i64 = 1;\n    note?: string = 2;\n}\n\nstruct Reply",
    );
    api(&new, "1.0.0", &added);
    let run = accord(&["diff", &arg(&old), &arg(&new)]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(0), "{out}{}", stderr(&run));
    assert!(out.contains("MINOR [field-added] `b.Req.note`"), "{out}");
    assert!(out.contains("a: required NONE"), "{out}");
    assert!(
        out.contains("b: required MINOR, declared MINOR (0.3.0 -> 0.3.1): ok"),
        "{out}"
    );
    // A new required request field breaks: 0.3.1 is too small, 0.4.0 would do.
    api(&new, "1.0.0", &added.replace("note?:", "note:"));
    let run = accord(&["diff", &arg(&old), &arg(&new)]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(1), "{out}{}", stderr(&run));
    assert!(
        out.contains("MAJOR [field-added-required-request]"),
        "{out}"
    );
    assert!(out.contains("needs at least 0.4.0"), "{out}");
}

#[test]
fn sources_that_do_not_check_exit_1_with_diagnostics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = fixture("op-added", "old");
    let broken = dir.path().join("broken.accord");
    std::fs::write(
        &broken,
        read(&old).replace("op find(GetItem)", "op find(Missing)"),
    )
    .expect("write");
    let run = accord(&["diff", &arg(&old), &arg(&broken)]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("Missing"), "{err}");
    assert!(err.contains("does not check"), "{err}");
    assert!(stdout(&run).is_empty());
    let json = accord(&["diff", &arg(&old), &arg(&broken), "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON report");
    assert_eq!(report["ok"], false);
    assert_eq!(report["diagnostics"][0]["code"], "A0301", "{report:#}");
}

#[test]
fn usage_errors_exit_2() {
    let old = arg(&fixture("op-added", "old"));
    let cases: [&[&str]; 5] = [
        &["diff"],
        &["diff", &old],
        &["diff", &old, "/no/such/place.accord"],
        &["diff", &old, &old, "--format", "yaml"],
        &["diff", "git:HEAD", &old],
    ];
    for args in cases {
        let run = accord(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert!(!stderr(&run).is_empty(), "{args:?} says why");
    }
    let empty = tempfile::tempdir().expect("temp dir");
    let run = accord(&["diff", &arg(empty.path()), &old]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("no .accord files"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn json_report_has_changes_places_and_verdicts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let new = with_version(dir.path(), "member-renamed", "1.3.0");
    let old = fixture("member-renamed", "old");
    let run = accord(&["diff", &arg(&old), &arg(&new), "--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("stdout is JSON");
    let change = &json["changes"][0];
    assert_eq!(change["rule"], "member-renamed");
    assert_eq!(change["class"], "MAJOR");
    assert_eq!(change["package"], "shop");
    assert_eq!(change["old"]["file"], arg(&old));
    assert_eq!(change["old"]["line"], 25);
    assert_eq!(change["new"]["file"], arg(&new));
    let package = &json["packages"][0];
    assert_eq!(package["package"], "shop");
    assert_eq!(package["required"], "MAJOR");
    assert_eq!(package["declared"], "MINOR");
    assert_eq!(package["old"], "1.2.3");
    assert_eq!(package["new"], "1.3.0");
    assert_eq!(package["ok"], false);
    assert_eq!(package["minimum"], "2.0.0");
    assert_eq!(json["required"], "MAJOR");
    assert_eq!(json["ok"], false);
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=accord",
            "-c",
            "user.email=accord@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

#[test]
fn git_rev_path_reads_the_old_version_from_a_repository() {
    let repo = tempfile::tempdir().expect("temp dir");
    let root = repo.path();
    git(root, &["init", "-q"]);
    api(&root.join("api"), "1.0.0", B);
    git(root, &["add", "api"]);
    git(root, &["commit", "-q", "-m", "v1"]);
    // The working tree breaks b (a field changes type) and bumps it enough.
    let broken = B
        .replace("0.3.0", "0.4.0")
        .replacen("id: i64", "id: string", 1);
    api(&root.join("api"), "1.0.0", &broken);
    let run = accord_in(root, &["diff", "git:HEAD:api", "api"]);
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(0), "{out}{}", stderr(&run));
    assert!(
        out.contains("MAJOR [member-type-changed] `b.Req.id`"),
        "{out}"
    );
    // The old place is read from the commit: its snippet shows the committed text.
    assert!(
        out.contains("api/nested/b.accord:5:5]") && out.contains("id: i64 = 1;"),
        "{out}"
    );
    // Too small a bump fails; paths work from a subfolder too (relative to it, like git's).
    api(
        &root.join("api"),
        "1.0.0",
        &broken.replace("0.4.0", "0.3.1"),
    );
    let run = accord_in(&root.join("api"), &["diff", "git:HEAD:.", "."]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    assert!(
        stdout(&run).contains("needs at least 0.4.0"),
        "{}",
        stdout(&run)
    );
    // An unknown revision is a usage error that names git's complaint.
    let run = accord_in(root, &["diff", "git:no-such-rev:api", "api"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("no-such-rev"), "{}", stderr(&run));
}
