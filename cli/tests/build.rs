//! `accord build`, `accord openapi`, `accord proto` and `accord asyncapi` end to end: the built
//! binary on the FTGO examples, on broken sources and on bad arguments.

use std::path::{Path, PathBuf};
mod common;

use common::*;

/// Every file under a folder with its contents, paths relative to it, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("inside").to_path_buf();
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn build_writes_every_target_deterministically() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let run = accord(&["build", &ftgo(), "--out", &out.display().to_string()]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    for target in ["openapi", "proto", "asyncapi", "jsonschema", "docs", "rust"] {
        assert!(a.join(target).is_dir(), "{target} missing");
    }
    assert!(a.join("proto/ftgo/order/v1/order.proto").is_file());
    assert!(a.join("docs/ftgo.order.html").is_file());
    assert!(a.join("openapi/ftgo.order.OrderService.yaml").is_file());
    assert_eq!(tree(&a), tree(&b), "two builds of one input differ");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().starts_with(".accord-build-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
}

#[test]
fn build_writes_only_the_requested_targets_and_replaces_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("proto")).expect("mkdir");
    std::fs::write(out.join("proto/stale.proto"), "old").expect("write");
    std::fs::create_dir_all(out.join("keep")).expect("mkdir");
    let run = accord(&[
        "build",
        &ftgo(),
        "--out",
        &out.display().to_string(),
        "--target",
        "proto,docs",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        !out.join("proto/stale.proto").exists(),
        "old target output replaced"
    );
    assert!(out.join("proto/ftgo/common/v1/common.proto").is_file());
    assert!(out.join("docs/index.html").is_file());
    assert!(!out.join("openapi").exists());
    assert!(
        out.join("keep").is_dir(),
        "folders of other targets are left alone"
    );
}

#[test]
fn one_named_target_goes_straight_into_out_and_leaves_other_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("src/generated");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    std::fs::write(out.join("common.proto"), "stale").expect("write");
    let out_arg = out.display().to_string();
    let run = accord(&["build", &ftgo(), "--out", &out_arg, "--target", "proto"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(out.join("ftgo/order/v1/order.proto").is_file());
    assert!(
        !out.join("proto").exists(),
        "no per-target folder for one target"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("read"),
        "mine"
    );
    // Built twice: the same files, rewritten in place.
    let first = tree(&out);
    let again = accord(&["build", &ftgo(), "--out", &out_arg, "--target", "proto"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(tree(&out), first);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().expect("parent"))
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().starts_with(".accord-build-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
}

#[test]
fn errors_in_the_sources_stop_the_build_with_diagnostics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("bad.accord");
    std::fs::write(
        &source,
        "package p;\nversion 1.0.0;\nstruct S { x: Nope = 1; }\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let run = accord(&[
        "build",
        &source.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(stderr(&run).contains("Nope"), "{}", stderr(&run));
    assert!(!out.exists(), "nothing written on errors");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let run = accord(&["build", &ftgo(), "--out", "/tmp/x", "--target", "pdf"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("unknown target `pdf`"),
        "{}",
        stderr(&run)
    );
    let run = accord(&["build", "/no/such/place", "--out", "/tmp/x"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("no such file or folder"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn proto_prints_every_package_file_with_separators() {
    let run = accord(&["proto", &ftgo()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    assert!(
        text.contains("// file: ftgo/order/v1/order.proto\n"),
        "{text}"
    );
    assert!(text.contains("package ftgo.kitchen.v0;"), "{text}");
}

#[test]
fn openapi_servers_come_from_the_command_line() {
    let api = ftgo();
    let servers = |extra: &[&str]| {
        let mut args = vec![
            "openapi",
            &api,
            "--service",
            "OrderService",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let run = accord(&args);
        assert!(run.status.success(), "{}", stderr(&run));
        let doc: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one document");
        doc["servers"].clone()
    };
    assert_eq!(servers(&[]), serde_json::json!([{ "url": "/" }]));
    assert_eq!(
        servers(&[
            "--openapi-server",
            "https://api.example.com/v1",
            "--openapi-server",
            "http://localhost:8080"
        ]),
        serde_json::json!([
            { "url": "https://api.example.com/v1" },
            { "url": "http://localhost:8080" }
        ])
    );
}

#[test]
fn a_server_that_is_not_an_http_url_or_a_path_is_a_usage_error() {
    let api = ftgo();
    for server in [
        "javascript:alert(1)",
        "api.example.com",
        "https://x.example/?a=1",
    ] {
        let run = accord(&["openapi", &api, "--openapi-server", server]);
        assert_eq!(run.status.code(), Some(2), "{server}: {}", stderr(&run));
        assert!(
            stderr(&run).contains("invalid value") && stderr(&run).contains("--openapi-server"),
            "{server}: {}",
            stderr(&run)
        );
        assert!(run.stdout.is_empty(), "{server}: nothing printed");
    }
    let out = std::env::temp_dir().join(format!("accord-server-{}", std::process::id()));
    let run = accord(&[
        "build",
        &api,
        "--out",
        out.to_str().unwrap(),
        "--openapi-server",
        "v1",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(!out.exists(), "nothing written");
}

#[test]
fn service_picks_one_document() {
    let run = accord(&["openapi", &ftgo(), "--service", "OrderService"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    assert!(!text.contains("# file:"), "one document, no separator");
    assert!(
        text.starts_with("openapi:") || text.contains("\nopenapi:"),
        "{text}"
    );
    assert!(text.contains("/orders"), "{text}");
    let run = accord(&[
        "asyncapi",
        &ftgo(),
        "--service",
        "ftgo.kitchen.KitchenService",
        "--format",
        "json",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON document");
    assert!(doc.get("asyncapi").is_some(), "{doc}");
    let run = accord(&["proto", &ftgo(), "--service", "KitchenService"]);
    assert!(
        stdout(&run).contains("package ftgo.kitchen.v0;"),
        "{}",
        stdout(&run)
    );
    assert!(
        !stdout(&run).contains("package ftgo.order.v1;"),
        "{}",
        stdout(&run)
    );
    let run = accord(&["openapi", &ftgo(), "--service", "Nobody"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("no service `Nobody`"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn several_documents_print_as_one_yaml_stream_or_one_json_array() {
    let run = accord(&["openapi", &ftgo()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    let documents: Vec<&str> = text.split("---\n").skip(1).collect();
    assert_eq!(documents.len(), 4, "a document after each `---`:\n{text}");
    assert!(text.starts_with("---\n# file: ftgo.accounting.AccountingService.yaml\n"));
    for document in documents {
        assert!(
            document.contains("\nopenapi: \"3.0.3\"\n"),
            "a whole document: {document}"
        );
    }
    for target in ["openapi", "asyncapi"] {
        let run = accord(&[target, &ftgo(), "--format", "json"]);
        assert!(run.status.success(), "{}", stderr(&run));
        let all: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON value");
        let all = all.as_array().expect("an array of documents");
        assert!(all.len() >= 2, "{target}: {}", all.len());
        assert!(all.iter().all(|d| d.get(target).is_some()), "{target}");
    }
}

#[test]
fn documents_are_those_of_the_files_named_not_of_their_imports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        arg(&path)
    };
    let orders = write(
        "orders.accord",
        "package shop.orders;\nversion 1.0.0;\n\nstruct Order { id: i64 = 1; }\n\n\
         service Orders {\n    @http(GET, \"/orders/{id}\")\n    op get_order(Order) -> Order;\n}\n",
    );
    let kitchen = write(
        "kitchen.accord",
        "package shop.kitchen;\nversion 1.0.0;\nimport \"orders.accord\";\n\n\
         service Kitchen {\n    op cook(shop.orders.Order) -> ();\n}\n",
    );
    let run = accord(&["openapi", &kitchen]);
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    assert!(stdout(&run).is_empty(), "no imported service's document");
    let message = stderr(&run);
    assert!(
        message.contains("no openapi document for `shop.kitchen.Kitchen`")
            && message.contains("only services with @http operations get one")
            && message.contains("--service"),
        "{message}"
    );
    let run = accord(&["openapi", &kitchen, "--service", "Orders"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let run = accord(&["openapi", &orders]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    assert!(text.contains("title: Orders"), "{text}");
    assert!(!text.contains("---\n"), "one document, as it is");
}

#[test]
fn explain_prints_the_documentation_of_a_code() {
    let run = accord(&["explain", "a0301"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).starts_with("## A0301\n\n**Unknown name** (error)."));
    let run = accord(&["explain", "A9999"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("no diagnostic code"),
        "{}",
        stderr(&run)
    );
}

/// `--watch` builds, then builds again when a source changes, parsing only that file.
#[test]
fn watch_builds_again_on_change_parsing_only_what_changed() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let api = dir.path().join("api");
    std::fs::create_dir(&api).expect("api folder");
    for name in ["common", "order", "kitchen", "consumer", "accounting"] {
        let from = root().join(format!("examples/ftgo/api/{name}.accord"));
        std::fs::copy(from, api.join(format!("{name}.accord"))).expect("copy");
    }
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "build",
            &arg(&api),
            "--out",
            &arg(&out),
            "--target",
            "openapi",
            "--watch",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("accord runs");
    let (send, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = send.send(line);
        }
    });
    let built = || loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a build within 30 s");
        if line.starts_with("[watch] built") {
            return line;
        }
    };
    let first = built();
    let document = out.join("ftgo.order.OrderService.yaml");
    let before = std::fs::read_to_string(&document).expect("written");
    let order = api.join("order.accord");
    let text = std::fs::read_to_string(&order).expect("order.accord");
    let changed = text.replacen(
        "service OrderService {",
        "/// Changed.\nservice OrderService {",
        1,
    );
    assert_ne!(changed, text, "the edit applies");
    std::fs::write(&order, changed).expect("edit");
    let second = built();
    let after = std::fs::read_to_string(&document).expect("written again");
    child.kill().expect("stopped");
    let _ = child.wait();
    assert!(first.contains("(5 of 5 files parsed)"), "{first}");
    assert!(second.contains("(1 of 5 files parsed)"), "{second}");
    assert_ne!(before, after, "the document is written again");
    assert!(after.contains("Changed."), "{after}");
}
