//! `accord check` and `accord fmt` end to end: the built binary on the FTGO examples, on
//! broken and messy sources, and on bad arguments. Exit codes: 0 clean, 1 problems in the
//! sources (or a failed `--check`), 2 usage and I/O problems.

use std::path::{Path, PathBuf};
mod common;

use common::*;

/// Writes `text` to `name` in a fresh temporary folder.
fn source(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write source");
    (dir, path)
}

/// A syntax error in one declaration, an unknown type and a bad annotation in others, and a
/// style warning: one run must report all of them.
const BROKEN: &str = "\
package shop;
version 1.0.0;

struct Item {
    name: strng = 1;
    @range(min = 5, max = 1)
    count: i32 = 2;
}

struct Broken {
    x: i32 = 1
}

struct cart {
    items: list<Item> = 1;
}

service Shop {
    @http(GET, \"orders/{id}\")
    op get(Item) -> cart;
}
";

#[test]
fn check_accepts_the_examples() {
    let run = accord(&["check", &ftgo()]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains("checked 5 files: no problems"));
}

/// The order service `uses` its saga's participants by qualified name, without importing their
/// files (they import its file), and links its orders to the consumer service the same way:
/// checked alone, those packages are not loaded, and each error says to load them; checked with
/// its folder, it is clean.
#[test]
fn check_of_a_file_whose_used_services_are_not_loaded_says_to_load_them() {
    let order = root().join("examples/ftgo/api/order.accord");
    let run = accord(&["check", &arg(&order), "--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_str(&stdout(&run)).expect("stdout is JSON");
    let found = json.as_array().expect("a list of diagnostics");
    let messages: Vec<&str> = found.iter().filter_map(|d| d["message"].as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    let codes: Vec<&str> = found.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["A1101", "A1001", "A1001", "A1001"], "{found:?}");
    assert!(
        messages[0].contains("no loaded file declares package `ftgo.consumer`"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("no loaded file declares package `ftgo.kitchen`"),
        "{messages:?}"
    );
    for d in [&found[0], &found[2]] {
        let help = d["help"].as_str().unwrap_or_default();
        assert!(help.contains("`accord check api/`"), "{help}");
    }
    let kitchen = root().join("examples/ftgo/api/kitchen.accord");
    let consumer = root().join("examples/ftgo/api/consumer.accord");
    let accounting = root().join("examples/ftgo/api/accounting.accord");
    let files = [&order, &kitchen, &consumer, &accounting].map(|p| arg(p));
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let run = accord(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

#[test]
fn check_reports_every_problem_with_its_place() {
    let (dir, path) = source("shop.accord", BROKEN);
    let run = accord(&["check", &arg(&path)]);
    assert_eq!(run.status.code(), Some(1));
    let text = stderr(&run).replace(&arg(dir.path()), "[dir]");
    insta::assert_snapshot!(text);
}

#[test]
fn check_json_is_one_document_for_tools() {
    let (_dir, path) = source("shop.accord", BROKEN);
    let run = accord(&["check", &arg(&path), "--format", "json"]);
    assert_eq!(run.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&run)).expect("stdout is JSON");
    let all = json.as_array().expect("an array of diagnostics");
    let found: Vec<(&str, &str, u64)> = all
        .iter()
        .map(|d| {
            let code = d["code"].as_str().expect("code");
            let severity = d["severity"].as_str().expect("severity");
            (code, severity, d["line"].as_u64().expect("line"))
        })
        .collect();
    for expected in [
        ("A0301", "error", 5),    // unknown type `strng`
        ("A0001", "error", 12),   // missing `;`
        ("W0101", "warning", 14), // `cart` is not PascalCase
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} missing from {found:?}"
        );
    }
    assert!(
        found.iter().any(|(_, _, line)| *line == 6),
        "the bad @range: {found:?}"
    );
    assert!(
        found.iter().any(|(_, _, line)| *line == 19),
        "the bad path: {found:?}"
    );
    assert!(all.iter().all(|d| {
        d["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("shop.accord"))
    }));
}

#[test]
fn warnings_pass_unless_denied() {
    let text = "package shop;\nversion 1.0.0;\nstruct cart { n: i32 = 1; }\n";
    let (_dir, path) = source("shop.accord", text);
    let run = accord(&["check", &arg(&path)]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains("W0101"));
    let denied = accord(&["check", "--deny-warnings", &arg(&path)]);
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn usage_problems_exit_2() {
    let empty = tempfile::tempdir().expect("temp dir");
    for args in [
        vec!["check"],
        vec!["check", "/no/such/file.accord"],
        vec!["check", &arg(empty.path())],
        vec!["check", "--format", "xml", "x.accord"],
        vec!["fmt", "/no/such/file.accord"],
        vec!["frobnicate"],
    ] {
        let run = accord(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert!(!stderr(&run).is_empty(), "{args:?} explains itself");
    }
}

#[test]
fn help_teaches_and_version_prints() {
    let help = accord(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    for command in ["check", "fmt", "build", "diff", "Examples:", "Exit codes"] {
        assert!(stdout(&help).contains(command), "--help mentions {command}");
    }
    let version = accord(&["--version"]);
    assert_eq!(
        stdout(&version).trim(),
        format!("accord {}", env!("CARGO_PKG_VERSION"))
    );
}

const MESSY: &str = "\
// The shop's API.
package   shop ;
version 1.0.0;
/// One thing in a cart.
struct Item { name: string = 1;   count?: i32 = 2; // how many
reserved 3 , 4 to 6; }
service Shop {
  op get_item_with_a_rather_long_name_for_wrapping(Item) -> Item throws NotFound, AlsoNotFound, Gone;
    /* a block comment */ notify ping();
}
@status(404) error NotFound { id: string = 1; }
@status(404) error AlsoNotFound { id: string = 1; }
@status(410) error Gone { id: string = 1; }
";

#[test]
fn fmt_rewrites_in_place_keeping_comments_and_is_idempotent() {
    let (_dir, path) = source("shop.accord", MESSY);
    let run = accord(&["fmt", &arg(&path)]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let formatted = std::fs::read_to_string(&path).expect("read back");
    insta::assert_snapshot!(formatted);
    for comment in [
        "// The shop's API.",
        "/// One thing in a cart.",
        "// how many",
        "/* a block comment */",
    ] {
        assert!(formatted.contains(comment), "kept {comment}");
    }
    assert!(
        formatted.lines().all(|l| l.len() <= 100),
        "long signatures wrap"
    );
    let again = accord(&["fmt", "--check", &arg(&path)]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).is_empty());
    let checked = accord(&["check", &arg(&path)]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
}

#[test]
fn fmt_check_names_files_that_would_change_and_changes_nothing() {
    let (_dir, path) = source("shop.accord", MESSY);
    let run = accord(&["fmt", "--check", &arg(&path)]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stdout(&run).trim(), arg(&path));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), MESSY);
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_untouched() {
    let text = "package shop;\nversion 1.0.0;\nstruct A { x: i32 = 1 }\n";
    let (_dir, path) = source("shop.accord", text);
    let run = accord(&["fmt", &arg(&path)]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("A0001"), "{}", stderr(&run));
    assert!(stderr(&run).contains("shop.accord:3:"), "{}", stderr(&run));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
}

#[test]
fn fmt_walks_folders() {
    let (dir, path) = source("a.accord", MESSY);
    std::fs::create_dir(dir.path().join("nested")).expect("mkdir");
    let nested = dir.path().join("nested/b.accord");
    std::fs::write(&nested, MESSY.replace("package   shop", "package other")).expect("write");
    let run = accord(&["fmt", "--check", &arg(dir.path())]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stdout(&run).lines().collect::<Vec<_>>(),
        [arg(&path), arg(&nested)]
    );
}

#[test]
fn the_examples_are_in_the_canonical_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root");
    let stress = root.join("tests/stress").display().to_string();
    let run = accord(&["fmt", "--check", &ftgo(), &stress]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "run `accord fmt` on: {}",
        stdout(&run)
    );
}
