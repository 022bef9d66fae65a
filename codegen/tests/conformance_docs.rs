//! Conformance: every OpenAPI, AsyncAPI and JSON Schema document the emitters write, for a
//! hand-built model, the FTGO examples and the stress API, passes the ecosystem's reference
//! validator: openapi-spec-validator (PyPI), @asyncapi/parser (npm, via
//! tests/validators/asyncapi-validate.mjs) and jsonschema (PyPI, via
//! tests/validators/jsonschema-validate.py).
//!
//! A missing validator fails the test when `CI` is set; otherwise the test prints a visible
//! `SKIPPED: <validator> not installed` and passes. Install them with:
//! `pip install -r tests/validators/requirements.txt` and `(cd tests/validators && npm ci)`.

mod common;

use accord_codegen::{OutputFile, asyncapi, jsonschema, openapi};
use accord_idl::Model;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes files under `dir` and returns their paths.
fn write(dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|file| {
            let path = dir.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("files live in a folder"))
                .expect("create folder");
            std::fs::write(&path, &file.contents).expect("write document");
            path
        })
        .collect()
}

/// Whether a validator can run; under CI a missing one is a failure, never a skip.
fn available(name: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|out| out.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, and CI requires it (see tests/validators/)"
        );
        println!("SKIPPED: {name} not installed");
        eprintln!("SKIPPED: {name} not installed");
    }
    ok
}

fn validators_dir() -> PathBuf {
    common::root().join("tests/validators")
}

/// Runs a validator over files and fails with its own output when it rejects any.
fn validate(name: &str, command: &mut Command, files: &[PathBuf]) {
    if files.is_empty() {
        return;
    }
    let out = command
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
    assert!(
        out.status.success(),
        "{name} rejected the documents:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_openapi(dir: &Path, model: &Model) {
    let files = openapi::emit(model);
    let paths = write(&dir.join("openapi"), &files);
    if available(
        "openapi-spec-validator",
        Command::new("python3").args(["-c", "import openapi_spec_validator"]),
    ) {
        let mut command = Command::new("python3");
        command.args([
            "-m",
            "openapi_spec_validator",
            "--schema",
            "3.0",
            "--validation-errors",
            "all",
        ]);
        validate("openapi-spec-validator", &mut command, &paths);
    }
    check_redocly(&paths);
}

/// `@redocly/cli lint` with its recommended rules: no error (every operation states its
/// security, open ones with `security: []`; servers, summaries, unique operation ids, a 4xx
/// response, links that resolve...). Its warnings are printed.
fn check_redocly(paths: &[PathBuf]) {
    let redocly = validators_dir().join("node_modules/.bin/redocly");
    if !available("@redocly/cli", Command::new(&redocly).arg("--version")) {
        return;
    }
    if paths.is_empty() {
        return;
    }
    let out = Command::new(&redocly)
        .args(["lint", "--format", "json"])
        .args(paths)
        .output()
        .expect("redocly runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Node may print a banner before the reports, one JSON object per file.
    let start = stdout
        .find('{')
        .unwrap_or_else(|| panic!("redocly printed no report: {stdout}"));
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout[start..])
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("redocly's report is not JSON ({e}): {stdout}"));
    assert_eq!(reports.len(), paths.len(), "one report per document");
    let problems: Vec<Value> = reports
        .iter()
        .flat_map(|r| r["problems"].as_array().cloned().unwrap_or_default())
        .collect();
    let rule = |p: &Value| p["ruleId"].as_str().unwrap_or_default().to_owned();
    let (errors, warnings): (Vec<&Value>, Vec<&Value>) =
        problems.iter().partition(|p| p["severity"] == "error");
    assert!(errors.is_empty(), "redocly errors: {errors:#?}");
    let warnings: Vec<String> = warnings.into_iter().map(rule).collect();
    println!("redocly: {} warning(s) {warnings:?}", warnings.len());
}

fn check_asyncapi(dir: &Path, model: &Model) {
    let paths = write(&dir.join("asyncapi"), &asyncapi::emit(model));
    let parser = validators_dir().join("node_modules/@asyncapi/parser/package.json");
    let mut probe = Command::new("node");
    probe
        .arg("-e")
        .arg(format!("require({:?})", parser.display().to_string()));
    if available("@asyncapi/parser", &mut probe) {
        let mut command = Command::new("node");
        command.arg(validators_dir().join("asyncapi-validate.mjs"));
        validate("@asyncapi/parser", &mut command, &paths);
    }
}

/// A JSON value the schema with this `$id` must accept (`valid`) or reject: the wire rules of
/// docs/wire.md, written out by hand as an oracle independent of the emitter.
struct Case {
    schema: &'static str,
    valid: bool,
    value: Value,
}

fn accept(schema: &'static str, value: Value) -> Case {
    Case {
        schema,
        valid: true,
        value,
    }
}

fn reject(schema: &'static str, value: Value) -> Case {
    Case {
        schema,
        valid: false,
        value,
    }
}

fn instance_files(cases: &[Case]) -> Vec<OutputFile> {
    let file = |(i, case): (usize, &Case)| {
        let body = json!({ "schema": case.schema, "valid": case.valid, "value": case.value });
        OutputFile::new(format!("case{i:03}.instance.json"), body.to_string())
    };
    cases.iter().enumerate().map(file).collect()
}

fn check_jsonschema(dir: &Path, model: &Model, cases: &[Case]) {
    let files = [jsonschema::emit(model), instance_files(cases)].concat();
    let paths = write(&dir.join("jsonschema"), &files);
    let probe = "import jsonschema, referencing";
    if available(
        "jsonschema (python)",
        Command::new("python3").args(["-c", probe]),
    ) {
        let mut command = Command::new("python3");
        command.arg(validators_dir().join("jsonschema-validate.py"));
        validate("jsonschema", &mut command, &paths);
    }
}

/// Emits every document of a model and runs every validator on them.
fn check_all(model: &Model, cases: &[Case]) {
    let dir = tempfile::tempdir().expect("temporary folder");
    check_openapi(dir.path(), model);
    check_asyncapi(dir.path(), model);
    check_jsonschema(dir.path(), model, cases);
}

#[test]
fn hand_built_model_documents_pass_the_validators() {
    let model = common::hand_built();
    assert_eq!(openapi::emit(&model).len(), 2, "one service: YAML and JSON");
    assert_eq!(asyncapi::emit(&model).len(), 2);
    assert_eq!(jsonschema::emit(&model).len(), model.decls.len());
    let id = "0b7e4c1e-93a4-4f0e-9c1e-2b3c4d5e6f70";
    let cases = [
        accept(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 3, "pay": { "points": [1, 2] } }),
        ),
        accept(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 100, "note": "ok", "state": "CLOSED", "pay": { "card": "c" }, "later": 1 }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 0, "pay": { "card": "c" } }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 1, "pay": { "card": "c", "points": [] } }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 1, "pay": {} }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 1, "state": "AJAR", "pay": { "card": "c" } }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "id": id, "quantity": 1, "note": "UPPER", "pay": { "card": "c" } }),
        ),
        reject(
            "demo.shop/Item.schema.json",
            json!({ "quantity": 1, "pay": { "card": "c" } }),
        ),
        accept(
            "demo.shop/ItemAdded.schema.json",
            json!({ "id": id, "counts": { "-3": 1.5, "7": 2 } }),
        ),
        reject(
            "demo.shop/ItemAdded.schema.json",
            json!({ "id": id, "counts": { "x": 1.5 } }),
        ),
    ];
    check_all(&model, &cases);
}

#[test]
fn ftgo_documents_pass_the_validators() {
    let model = common::ftgo();
    assert_eq!(
        openapi::emit(&model).len(),
        2 * 4,
        "order, consumer, kitchen and accounting have @http"
    );
    assert_eq!(
        asyncapi::emit(&model).len(),
        2 * 5,
        "every FTGO service uses messaging"
    );
    let order = json!({
        "order_id": 7,
        "state": "APPROVED",
        "line_items": [{ "menu_item_id": "m1", "quantity": 2 }],
        "total": { "amount": 1250, "currency": "EUR" },
        "payment": { "card": { "token": "t" } },
        "labels": { "rush": "yes" },
        "placed_at": "2026-01-02T03:04:05Z",
        "consumer_id": 3,
    });
    let with = |key: &str, value: Value| {
        let mut changed = order.clone();
        changed[key] = value;
        changed
    };
    let cases = [
        accept("ftgo.order/Order.schema.json", order.clone()),
        accept(
            "ftgo.order/Order.schema.json",
            with("payment", json!({ "voucher": "v" })),
        ),
        reject(
            "ftgo.order/Order.schema.json",
            with(
                "payment",
                json!({ "voucher": "v", "card": { "token": "t" } }),
            ),
        ),
        reject("ftgo.order/Order.schema.json", with("state", json!(2))),
        reject(
            "ftgo.order/Order.schema.json",
            with(
                "line_items",
                json!([{ "menu_item_id": "m", "quantity": 0 }]),
            ),
        ),
        reject(
            "ftgo.order/Order.schema.json",
            with("total", json!({ "amount": 1, "currency": "euro" })),
        ),
        reject(
            "ftgo.order/Order.schema.json",
            with("labels", json!({ "rush": 1 })),
        ),
        reject(
            "ftgo.order/CreateOrderRequest.schema.json",
            json!({ "restaurant_id": 1, "consumer_id": 2, "line_items": [] }),
        ),
        accept(
            "ftgo.order/CreateOrderRequest.schema.json",
            json!({ "restaurant_id": 1, "consumer_id": 2, "line_items": [{ "menu_item_id": "m", "quantity": 1 }] }),
        ),
        accept(
            "ftgo.accounting/ListAccountsRequest.schema.json",
            json!({ "state": "ACTIVE", "limit": 500 }),
        ),
        reject(
            "ftgo.accounting/ListAccountsRequest.schema.json",
            json!({ "limit": 501 }),
        ),
        reject(
            "ftgo.kitchen/Quote.schema.json",
            json!({ "courier": "c", "minutes": -1 }),
        ),
    ];
    check_all(&model, &cases);
}

#[test]
fn stress_documents_pass_the_validators() {
    let model = common::stress();
    let names: Vec<String> = openapi::emit(&model)
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert!(
        names.contains(&"stress.everything.Everything.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("Quiet")),
        "a gRPC-only service has no OpenAPI document"
    );
    let shape = "stress.everything/Shape.schema.json";
    let scalars = json!({
        "flag": true, "small": -1, "big": 9007199254740993u64, "count": 4294967295u32, "huge": 1,
        "ratio": 0.5, "precise": 1e300, "text": "t", "blob": "AAEC", "at": "2026-01-02T03:04:05Z",
        "took": "1.5s", "id": "0b7e4c1e-93a4-4f0e-9c1e-2b3c4d5e6f70",
    });
    let cases = [
        accept("stress.everything/Scalars.schema.json", scalars.clone()),
        reject("stress.everything/Scalars.schema.json", {
            let mut s = scalars.clone();
            s["count"] = json!(4294967296u64);
            s
        }),
        reject("stress.everything/Scalars.schema.json", {
            let mut s = scalars.clone();
            s["took"] = json!("90 seconds");
            s
        }),
        accept(shape, json!({ "points": [{ "x": 1, "y": 2 }] })),
        accept(shape, json!({ "nothing": {} })),
        accept(shape, json!({ "color": "CYAN" })),
        reject(shape, json!({ "side": 1.0, "label": "both" })),
        accept(
            "stress.everything/Containers.schema.json",
            json!({
                "matrix": [[1, 2], []], "cube": [[[0.5]]], "groups": { "g": ["a"] },
                "by_id": { "-12": { "id": 1 } }, "by_small": { "3": { "k": true } },
                "shapes": [{ "label": "l" }], "colors": ["RED"], "lights": { "0": "AMBER" },
            }),
        ),
        reject(
            "stress.everything/Containers.schema.json",
            json!({
                "matrix": [], "cube": [], "groups": {}, "by_id": {}, "by_small": { "-3": {} },
                "shapes": [], "colors": [], "lights": {},
            }),
        ),
        reject(
            "stress.everything/Constrained.schema.json",
            json!({
                "percent": 50, "positive": 0.25, "at_most": 1, "slug": "ok", "digest": "", "items": [{ "id": 1 }],
                "labels": { "a": "b" },
            }),
        ),
        accept(
            "stress.everything/Constrained.schema.json",
            json!({
                "percent": 50, "positive": 0.5, "at_most": 10, "slug": "ok_1", "digest": "", "items": [{ "id": 1 }],
                "labels": { "a": "b" },
            }),
        ),
        accept(
            "stress.other/ItemAdded.schema.json",
            json!({ "item": { "name": "n" }, "at": "2026-01-02T03:04:05Z" }),
        ),
    ];
    check_all(&model, &cases);
}

/// A `@pattern` with characters above U+FFFF means to JavaScript's `RegExp` what it means to
/// the generated Rust, whether a validator compiles it with the `u` flag (ajv) or without
/// (`new RegExp(pattern)`, a browser's form check): the documents write such a character as its
/// surrogate pair, grouped under a repetition (`codegen/src/schema/pattern.rs`). Node runs
/// both; the verdicts on each sample are compared with Rust's `regex` on the source pattern.
#[test]
fn astral_patterns_mean_the_same_to_javascript_with_and_without_the_u_flag() {
    if !available("node", Command::new("node").arg("--version")) {
        return;
    }
    let cases: &[(&str, &[&str])] = &[
        ("^😀+$", &["😀", "😀😀", "", "😀x", "\u{1F601}"]),
        ("^(?:a|𝄞){2}$", &["aa", "a𝄞", "𝄞𝄞", "𝄞", "a𝄞a"]),
        ("^x😀?y$", &["xy", "x😀y", "x😀😀y"]),
        ("😀{2,}", &["😀", "a😀😀b", "😀😁😀"]),
    ];
    let fields: String = cases
        .iter()
        .enumerate()
        .map(|(i, (p, _))| format!("    @pattern({p:?})\n    f{i}: string = {};\n", i + 1))
        .collect();
    let source = format!("package demo;\nversion 1.0.0;\n\nstruct S {{\n{fields}}}\n");
    let compiled = accord_idl::compile_str(&source);
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    let files = jsonschema::emit(&compiled.model);
    let schema: Value = serde_json::from_str(&files[0].contents).expect("JSON");
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for (i, (source_pattern, samples)) in cases.iter().enumerate() {
        let emitted = schema["properties"][format!("f{i}")]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("no pattern for f{i}: {schema}"));
        assert!(emitted.is_ascii(), "written as surrogate pairs: {emitted}");
        let rust = regex::Regex::new(source_pattern).unwrap();
        expected.push(samples.iter().map(|s| rust.is_match(s)).collect::<Vec<_>>());
        input.push(json!({ "pattern": emitted, "samples": samples }));
    }
    let script = r#"
        const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const verdicts = flags => cases.map(c => {
            const re = new RegExp(c.pattern, flags);
            return c.samples.map(s => re.test(s));
        });
        console.log(JSON.stringify({ u: verdicts("u"), plain: verdicts("") }));
    "#;
    let mut child = Command::new("node")
        .args(["-e", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::Array(input).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("node finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Value = serde_json::from_slice(&out.stdout).expect("node's JSON");
    assert_eq!(verdicts["u"], json!(expected), "with the u flag");
    assert_eq!(verdicts["plain"], json!(expected), "without flags");
}
