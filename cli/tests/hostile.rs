//! The `accord` binary on hostile inputs (issue 19): sources written by someone the machine
//! does not trust must not make it read files outside the include folders, hang, loop, print
//! raw control characters, damage files or write outside `--out`; and exit codes and JSON
//! output hold on failure.

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
mod common;

use common::*;

const HEADER: &str = "package demo;\nversion 1.0.0;\n";

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A folder `api/` holding `main.accord` with `imports` and one struct.
fn api(imports: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    let mut text = HEADER.to_string();
    for i in imports {
        text.push_str(&format!("import \"{i}\";\n"));
    }
    text.push_str("struct Order { id: i64 = 1; }\n");
    write(&api.join("main.accord"), &text);
    (dir, api)
}

/// Runs `accord args` in `dir`, killed (and the test failed) if it takes over 20 s.
fn bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .current_dir(dir)
        .env("ACCORD_TEST_SECRET", "s3cr3t-value-in-environ")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("accord {args:?} hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn all(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

#[test]
fn absolute_and_climbing_imports_are_refused_unread() {
    let (dir, api) = api(&["/proc/self/environ", "/etc/passwd", "../outside.accord"]);
    write(&dir.path().join("outside.accord"), "secret outside text\n");
    let run = bounded(dir.path(), &["check", &arg(&api)]);
    let out = all(&run);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert_eq!(out.matches("error[A0406]").count(), 3, "{out}");
    for leak in ["s3cr3t-value", "root:", "secret outside text"] {
        assert!(!out.contains(leak), "{leak} leaked:\n{out}");
    }
}

#[test]
fn a_symbolic_link_out_of_the_include_folders_is_refused() {
    let (dir, api) = api(&["link.accord"]);
    write(
        &dir.path().join("secret/secret.accord"),
        "secret text behind a link\n",
    );
    symlink(
        dir.path().join("secret/secret.accord"),
        api.join("link.accord"),
    )
    .unwrap();
    let run = bounded(dir.path(), &["check", &arg(&api.join("main.accord"))]);
    let out = all(&run);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(out.contains("outside the include folders"), "{out}");
    assert!(!out.contains("secret text"), "{out}");
    // With the folder named by -I, the same import is allowed.
    let allowed = bounded(
        dir.path(),
        &[
            "check",
            &arg(&api.join("main.accord")),
            "-I",
            &arg(&dir.path().join("secret")),
        ],
    );
    assert!(
        all(&allowed).contains("A0001"),
        "read and parsed: {}",
        all(&allowed)
    );
}

#[test]
fn special_files_are_refused_without_hanging() {
    let (dir, api) = api(&["pipe.accord", "zero.accord", "folder.accord"]);
    let fifo = api.join("pipe.accord");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    symlink("/dev/zero", api.join("zero.accord")).unwrap();
    std::fs::create_dir(api.join("folder.accord")).unwrap();
    // `-I /dev` so the device link is inside the include folders and the read itself refuses.
    let run = bounded(
        dir.path(),
        &["check", &arg(&api.join("main.accord")), "-I", "/dev"],
    );
    let out = all(&run);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(out.contains("not a regular file (a named pipe)"), "{out}");
    assert!(out.contains("zero.accord"), "{out}");
    assert!(out.contains("not a regular file (a folder)"), "{out}");
}

#[test]
fn oversized_and_non_utf8_files_are_refused() {
    let (dir, api) = api(&["big.accord", "binary.accord"]);
    let big = std::fs::File::create(api.join("big.accord")).unwrap();
    big.set_len(33 << 20).unwrap();
    std::fs::write(api.join("binary.accord"), b"package x;\xff\xfe").unwrap();
    let run = bounded(dir.path(), &["check", &arg(&api.join("main.accord"))]);
    let out = all(&run);
    assert!(out.contains("larger than 32 MiB"), "{out}");
    assert!(out.contains("not UTF-8 text"), "{out}");
}

#[test]
fn folder_walks_end_on_symlink_loops_and_load_each_file_once() {
    let (dir, api) = api(&[]);
    write(
        &api.join("sub/item.accord"),
        &format!("{HEADER}struct Item {{ id: i64 = 1; }}\n"),
    );
    symlink(".", api.join("loop")).unwrap();
    symlink("..", api.join("sub/up")).unwrap();
    symlink(dir.path(), api.join("out")).unwrap();
    let run = bounded(dir.path(), &["check", &arg(&api), "--format", "json"]);
    let out = all(&run);
    assert!(!out.contains("A0101"), "no file twice: {out}");
    let diagnostics: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
    let files: std::collections::BTreeSet<&str> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert!(
        files
            .iter()
            .all(|f| !f.contains("loop") && !f.contains("up/")),
        "{files:?}"
    );
    let human = bounded(dir.path(), &["check", &arg(&api)]);
    assert!(
        stderr(&human).contains("checked 2 files"),
        "{}",
        stderr(&human)
    );
}

#[test]
fn control_characters_reach_the_terminal_escaped() {
    let (dir, api) = api(&["\\u{1b}]0;owned\\u{7}.accord", "\\u{1b}[2J.accord"]);
    let run = bounded(dir.path(), &["check", &arg(&api)]);
    let out = all(&run);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\u{1b}"), "{out}");
    // A file name with control characters, named on the command line.
    let odd = api.join("\u{1b}[2Jodd.accord");
    write(
        &odd,
        "package demo; version 1.0.0; struct Bad { x: Nope = 1; }\n",
    );
    let run = bounded(dir.path(), &["check", &arg(&odd)]);
    assert!(!all(&run).contains('\u{1b}'), "{:?}", all(&run));
}

#[test]
fn json_is_printed_on_failure_and_exit_codes_follow_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    let run = bounded(dir.path(), &["check", "missing.accord", "--format", "json"]);
    assert_eq!(run.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&run)).expect("JSON on stdout");
    assert_eq!(json[0]["code"], serde_json::Value::Null);
    assert!(
        json[0]["message"]
            .as_str()
            .unwrap()
            .contains("no such file")
    );
}

#[test]
fn diff_refuses_a_revision_that_git_would_read_as_an_option() {
    let (dir, api) = api(&[]);
    let marker = dir.path().join("written-by-git");
    let spec = format!("git:--output={}:api", marker.display());
    let run = bounded(dir.path(), &["diff", &spec, &arg(&api)]);
    assert_eq!(run.status.code(), Some(2), "{}", all(&run));
    assert!(
        stderr(&run).contains("not start with `-`"),
        "{}",
        stderr(&run)
    );
    assert!(!marker.exists());
}

const MESSY: &str = "package demo;version 1.0.0;struct Order{id:i64=1;}\n";

fn formatted(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .unwrap()
        .contains("struct Order {\n")
}

#[test]
fn fmt_writes_through_symlinks_and_keeps_hard_links_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real/order.accord");
    write(&real, MESSY);
    let link = dir.path().join("link.accord");
    symlink(&real, &link).unwrap();
    let run = bounded(dir.path(), &["fmt", &arg(&link)]);
    assert_eq!(run.status.code(), Some(0), "{}", all(&run));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(formatted(&real), "the target is formatted");

    let first = dir.path().join("a.accord");
    let second = dir.path().join("b/a.accord");
    write(&first, MESSY);
    std::fs::create_dir_all(second.parent().unwrap()).unwrap();
    std::fs::hard_link(&first, &second).unwrap();
    std::fs::set_permissions(&first, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = bounded(dir.path(), &["fmt", &arg(&first)]);
    assert_eq!(run.status.code(), Some(0), "{}", all(&run));
    let (a, b) = (
        std::fs::metadata(&first).unwrap(),
        std::fs::metadata(&second).unwrap(),
    );
    assert_eq!(
        (a.ino(), a.nlink()),
        (b.ino(), 2),
        "still one file with two names"
    );
    assert!(formatted(&second));
    assert_eq!(a.mode() & 0o777, 0o640);
}

#[test]
fn fmt_refuses_read_only_files_and_keeps_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.accord");
    write(&locked, MESSY);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let other = dir.path().join("other.accord");
    write(&other, MESSY);
    let run = bounded(dir.path(), &["fmt", &arg(dir.path())]);
    assert_eq!(run.status.code(), Some(2), "{}", all(&run));
    assert!(stderr(&run).contains("read-only"), "{}", stderr(&run));
    assert_eq!(std::fs::read_to_string(&locked).unwrap(), MESSY);
    assert!(formatted(&other), "the other files are still formatted");

    let owned = dir.path().join("owned.accord");
    write(&owned, MESSY);
    if std::fs::metadata(&owned).unwrap().uid() != 0 {
        println!("SKIPPED: keeping another user's ownership needs root");
        return;
    }
    std::os::unix::fs::chown(&owned, Some(4321), Some(4321)).unwrap();
    let run = bounded(dir.path(), &["fmt", &arg(&owned)]);
    assert_eq!(run.status.code(), Some(0), "{}", all(&run));
    let meta = std::fs::metadata(&owned).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
    assert!(formatted(&owned));
}

#[test]
fn build_leaves_nothing_beside_out() {
    let (dir, api) = api(&[]);
    let parent = dir.path().join("parent");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("gen");
    for target in [None, Some("proto")] {
        let mut args = vec!["build".to_string(), arg(&api), "--out".into(), arg(&out)];
        args.extend(target.map(|t| format!("--target={t}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = bounded(dir.path(), &args);
        assert_eq!(run.status.code(), Some(0), "{}", all(&run));
        let beside: Vec<_> = std::fs::read_dir(&parent).unwrap().collect();
        assert_eq!(beside.len(), 1, "only the output folder: {beside:?}");
        let staged = std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".accord-build")
            })
            .count();
        assert_eq!(staged, 0, "the staging folder is removed");
    }
}
