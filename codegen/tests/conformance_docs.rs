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
    for file in &files {
        assert!(
            !file.contents.contains(openapi::UNREPRESENTABLE),
            "{}: {}",
            file.path.display(),
            file.contents
        );
    }
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
