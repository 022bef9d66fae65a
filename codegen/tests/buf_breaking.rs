//! Cross-check of `accord diff` against `buf breaking` (npm `@bufbuild/buf`, category
//! `WIRE_JSON`) where the formats overlap: for every evolution rule's fixture
//! (`idl-parser/tests/evolution/<rule>/`) and for extra protobuf-visible changes (field removal,
//! rename and renumbering, cardinality, oneof variants, rpc rename, …), both versions are emitted
//! as `.proto` and buf's verdict must agree with Accord's: MAJOR ⇔ breaking.
//!
//! Where they legitimately disagree, the case says so ([`Expect`]) with the reason, and the
//! test asserts that exact disagreement, so a change on either side is noticed. The table is in
//! `docs/evolution.md` too.
//!
//! The proto package carries the major version (`shop.v1`), so both sides are emitted at the old
//! version: buf then compares the same package, and the version bump itself is Accord's business.
//! buf runs offline: local modules without deps, its cache in a temporary folder, and every proxy
//! variable pointing at a closed port so any attempt to reach the BSR fails the test.
//!
//! A missing buf fails the test when `CI` is set; otherwise it prints a visible
//! `SKIPPED: buf not installed` and passes. Install: `(cd tests/validators && npm ci)`.

mod common;

use accord_codegen::proto;
use accord_idl::evolution::{self, Class};
use accord_idl::{Compilation, compile_str};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How buf's verdict relates to Accord's for one case.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Accord says MAJOR exactly when buf says breaking.
    Agree,
    /// Deleting API surface (a message, rpc or service) breaks callers and generated code, but
    /// `WIRE_JSON` only judges how the remaining messages encode; buf's `PACKAGE` category flags
    /// the deletion, and the test checks that it does.
    Surface,
    /// Accord is MAJOR for a reason the `.proto` cannot show (REST binding, error status,
    /// validation, defaults, channels); buf sees a compatible or identical file.
    Invisible(&'static str),
    /// The change is in the `.proto` and buf judges it wire- and JSON-compatible, but Accord's
    /// REST/JSON contract or generated types are stricter.
    Stricter(&'static str),
}

use Expect::{Agree, Invisible, Stricter, Surface};

const REST: &str = "REST/JSON only: the HTTP binding is a comment in the .proto";
const STATUS: &str = "the HTTP status of an error is a comment in the .proto";
const ERRORS: &str = "declared errors are comments in the .proto; generated clients match on them";
const RETRY: &str = "idempotency is not in the .proto (no `idempotency_level`); clients that \
                     retried the call may now perform it twice";
const VALIDATION: &str = "constraints are validated by Accord's runtime, not encoded in protobuf";
const DEFAULT: &str = "proto3 has no field defaults; Accord's default is applied by its runtime";
const CHANNEL: &str = "channels are AsyncAPI surface, absent from the .proto";
const AUTH: &str = "who may call is a comment in the .proto; callers without the new \
                    credential or scope are refused";
const REQUIRED: &str = "proto3 has no required fields; Accord's runtime rejects a request without \
                        a required field, so old clients that omit it break";
const UNSIGNED: &str = "int64 and uint64 share a varint and a JSON string form, but negative \
                        values change meaning and the generated Rust type changes";
const PRESENCE: &str = "proto3 `optional` only adds presence tracking, compatible on the wire \
                        and in JSON, but old clients of the response relied on the value";

/// Every rule fixture and what buf should say about it.
const FIXTURES: &[(&str, Expect)] = &[
    ("decl-removed", Surface),
    ("decl-added", Agree),
    ("decl-kind-changed", Surface),
    ("error-status-changed", Invisible(STATUS)),
    ("member-removed", Agree),
    ("member-renamed", Agree),
    ("member-type-changed", Agree),
    ("field-added-required-request", Stricter(REQUIRED)),
    ("field-added", Agree),
    ("field-made-required-request", Stricter(REQUIRED)),
    ("field-made-required", Agree),
    ("field-made-optional-response", Stricter(PRESENCE)),
    ("field-made-optional", Agree),
    ("enum-value-added", Agree),
    ("variant-added", Agree),
    ("constraints-changed-request", Invisible(VALIDATION)),
    ("constraints-changed", Agree),
    ("default-changed", Invisible(DEFAULT)),
    ("deprecated", Agree),
    ("docs-changed", Agree),
    ("service-removed", Surface),
    ("service-added", Agree),
    ("op-removed", Surface),
    ("op-added", Agree),
    ("op-input-changed", Agree),
    ("op-output-changed", Agree),
    ("op-interaction-changed", Agree),
    ("op-error-added", Agree),
    ("op-error-removed", Invisible(ERRORS)),
    ("http-changed", Invisible(REST)),
    ("http-added", Agree),
    ("http-status-changed", Invisible(REST)),
    ("hypermedia-added", Agree),
    ("hypermedia-removed", Invisible(REST)),
    ("link-added", Agree),
    ("link-removed", Invisible(REST)),
    ("link-changed", Invisible(REST)),
    ("op-idempotency-removed", Invisible(RETRY)),
    ("op-idempotency-added", Agree),
    ("timing-changed", Agree),
    ("auth-added", Invisible(AUTH)),
    ("auth-removed", Agree),
    ("auth-scope-added", Invisible(AUTH)),
    ("auth-scope-removed", Agree),
    ("channel-removed", Invisible(CHANNEL)),
    ("channel-added", Agree),
    ("channel-changed", Invisible(CHANNEL)),
    ("channel-message-removed", Invisible(CHANNEL)),
    ("channel-message-added", Agree),
    ("service-channels-changed", Invisible(CHANNEL)),
];

type Edits = &'static [(&'static str, &'static str)];

const VOUCHER: Edits = &[(
    "    card: string = 1;\n",
    "    card: string = 1;\n    voucher: string = 2;\n",
)];
const NOTE: Edits = &[(
    "service Shop {",
    "struct Note {\n    text: string = 1;\n}\n\nservice Shop {",
)];

/// More protobuf-visible changes, as (name, edits to the old base, edits to the new base, expect).
const EXTRA: &[(&str, Edits, Edits, Expect)] = &[
    (
        "field removed",
        &[],
        &[("    note?: string = 3;\n", "")],
        Agree,
    ),
    (
        "field removed, its number reserved",
        &[],
        &[("    note?: string = 3;\n", "    reserved 3;\n")],
        Agree,
    ),
    (
        "field renamed",
        &[],
        &[("note?: string = 3", "remark?: string = 3")],
        Agree,
    ),
    (
        "field renumbered",
        &[],
        &[("note?: string = 3", "note?: string = 5")],
        Agree,
    ),
    (
        "i32 widened to i64",
        &[],
        &[("count: i32", "count: i64")],
        Agree,
    ),
    (
        "i64 to u64",
        &[],
        &[("    id: i64 = 1;\n    name", "    id: u64 = 1;\n    name")],
        Stricter(UNSIGNED),
    ),
    (
        "scalar to list",
        &[],
        &[(
            "error NotFound {\n    id: i64",
            "error NotFound {\n    id: list<i64>",
        )],
        Agree,
    ),
    (
        "enum field to string",
        &[],
        &[("color?: Color", "color?: string")],
        Agree,
    ),
    ("oneof variant removed", VOUCHER, &[], Agree),
    (
        "oneof variant type changed",
        &[],
        &[("card: string = 1", "card: i64 = 1")],
        Agree,
    ),
    (
        "oneof variant renamed",
        &[],
        &[("card: string = 1", "token: string = 1")],
        Agree,
    ),
    (
        "message renamed",
        NOTE,
        &[(
            "service Shop {",
            "struct Memo {\n    text: string = 1;\n}\n\nservice Shop {",
        )],
        Surface,
    ),
    ("rpc renamed", &[], &[("op find(", "op search(")], Surface),
    (
        "rpc request type changed",
        &[],
        &[("op find(GetItem)", "op find(Item)")],
        Agree,
    ),
    (
        "rpc made bidirectional",
        &[],
        &[("op watch(GetItem)", "op watch(stream GetItem)")],
        Agree,
    ),
    (
        "enum values reordered, one added",
        &[],
        &[(
            "    RED = 1;\n    GREEN = 2;\n",
            "    GREEN = 2;\n    RED = 1;\n    BLUE = 3;\n",
        )],
        Agree,
    ),
];

fn fixtures_dir() -> PathBuf {
    common::root().join("idl-parser/tests/evolution")
}

fn buf_path() -> PathBuf {
    common::root().join("tests/validators/node_modules/.bin/buf")
}

fn buf_available() -> bool {
    let ok = Command::new(buf_path())
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "buf is not installed, and CI requires it: (cd tests/validators && npm ci)"
        );
        println!("SKIPPED: buf not installed");
        eprintln!("SKIPPED: buf not installed");
    }
    ok
}

/// Compiles a source with its `version` line replaced by `version`, so both sides emit one
/// proto package.
fn compile_at(text: &str, version: &str) -> Compilation {
    let line = text
        .lines()
        .find(|l| l.starts_with("version "))
        .expect("a version line");
    let c = compile_str(&text.replacen(line, &format!("version {version};"), 1));
    assert!(!c.has_errors(), "{:#?}\n{text}", c.diagnostics);
    c
}

fn apply(text: &str, edits: Edits) -> String {
    edits.iter().fold(text.to_string(), |text, (from, to)| {
        assert!(text.contains(from), "edit target `{from}` not in the base");
        text.replacen(from, to, 1)
    })
}

/// Writes a model's `.proto` files and a `buf.yaml` of one category into `dir`.
fn module(dir: &Path, c: &Compilation, category: &str) {
    for file in proto::emit(&c.model) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("in a folder")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write .proto");
    }
    let yaml = format!("version: v2\nbreaking:\n  use:\n    - {category}\n");
    std::fs::write(dir.join("buf.yaml"), yaml).expect("write buf.yaml");
}

/// Whether `buf breaking NEW --against OLD` reports a break under `category`.
fn buf_breaks(old: &Compilation, new: &Compilation, category: &str) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let (o, n) = (dir.path().join("old"), dir.path().join("new"));
    module(&o, old, category);
    module(&n, new, category);
    let closed = "http://127.0.0.1:9";
    let out = Command::new(buf_path())
        .args(["breaking", "new", "--against", "old"])
        .current_dir(dir.path())
        .env("BUF_CACHE_DIR", dir.path().join("cache"))
        .env_remove("BUF_TOKEN")
        .envs(["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"].map(|k| (k, closed)))
        .output()
        .expect("buf runs");
    match out.status.code() {
        Some(0) => false,
        Some(100) => true,
        _ => panic!(
            "buf failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn accord_class(old: &Compilation, new: &Compilation) -> Class {
    let report = evolution::compare(&old.model, &old.spans, &new.model, &new.spans);
    report
        .verdicts
        .iter()
        .map(|v| v.required)
        .max()
        .unwrap_or(Class::None)
}

/// Checks one case: prints its line of the agreement table, and returns it when it does not hold.
fn check(name: &str, old: &Compilation, new: &Compilation, expect: Expect) -> Option<String> {
    let major = accord_class(old, new) == Class::Major;
    let breaks = buf_breaks(old, new, "WIRE_JSON");
    let (holds, why) = match expect {
        Agree => (major == breaks, "agree"),
        Surface => (
            major && !breaks && buf_breaks(old, new, "PACKAGE"),
            "API surface deleted: WIRE_JSON does not judge it, PACKAGE does",
        ),
        Invisible(why) | Stricter(why) => (major && !breaks, why),
    };
    let line = format!("{name}: Accord MAJOR={major}, buf WIRE_JSON breaking={breaks} ({why})");
    println!("{line}");
    (!holds).then(|| format!("{line}: expected {expect:?}"))
}

#[test]
fn buf_agrees_with_accord_on_every_rule_fixture() {
    if !buf_available() {
        return;
    }
    let listed: Vec<&str> = FIXTURES.iter().map(|(id, _)| *id).collect();
    for rule in evolution::rules() {
        assert!(listed.contains(&rule.id), "add `{}` to FIXTURES", rule.id);
    }
    let mut failures = Vec::new();
    for &(id, expect) in FIXTURES {
        let read = |side: &str| {
            std::fs::read_to_string(fixtures_dir().join(id).join(format!("{side}.accord")))
                .expect("fixture")
        };
        let old = compile_at(&read("old"), "1.2.3");
        let new = compile_at(&read("new"), "1.2.3");
        failures.extend(check(id, &old, &new, expect));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn buf_agrees_with_accord_on_more_protobuf_changes() {
    if !buf_available() {
        return;
    }
    // The base every rule fixture starts from (`op-added` only adds to it).
    let base = std::fs::read_to_string(fixtures_dir().join("op-added/old.accord")).expect("base");
    let mut failures = Vec::new();
    for &(name, old_edits, new_edits, expect) in EXTRA {
        let old = compile_at(&apply(&base, old_edits), "1.2.3");
        let new = compile_at(&apply(&base, new_edits), "1.2.3");
        failures.extend(check(name, &old, &new, expect));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
