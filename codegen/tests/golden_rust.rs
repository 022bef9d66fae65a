//! Golden files of the Rust target: the FTGO examples and the stress API, generated and
//! compared with the files checked in under `tests/rust-golden/src/`, which the
//! `accord-rust-golden` crate compiles under `#![deny(warnings)]` (and clippy).
//!
//! `ACCORD_UPDATE_GOLDEN=1 cargo test -p accord-codegen --test golden_rust` rewrites them.

use accord_codegen::rust::{Options, Transport, emit, tokens};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn model(files: &[&str]) -> accord_idl::Model {
    let roots: Vec<PathBuf> = files.iter().map(|f| root().join(f)).collect();
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    let compilation = accord_idl::compile(&roots, &mut loader);
    assert!(
        !compilation.has_errors(),
        "{}",
        accord_idl::render::human(&compilation.sources, &compilation.diagnostics)
    );
    compilation.model
}

const FTGO: &[&str] = &[
    "examples/ftgo/api/order.accord",
    "examples/ftgo/api/consumer.accord",
    "examples/ftgo/api/kitchen.accord",
    "examples/ftgo/api/accounting.accord",
];
const STRESS: &[&str] = &["tests/stress/everything.accord"];
const NAMES: &[&str] = &["tests/rust-golden/api/names.accord"];
/// One API before and after every MINOR change that can be made at once: the
/// `accord-rust-golden` crate compiles the same user code (`src/evolution/user.rs`) against both.
const EVOLUTION_V1: &[&str] = &["tests/rust-golden/api/evolution/v1.accord"];
const EVOLUTION_V1_1: &[&str] = &["tests/rust-golden/api/evolution/v1_1.accord"];

/// Every transport, as a service served over REST and gRPC at once is generated, and the fakes
/// (so that they, too, compile under `deny(warnings)`).
fn options() -> Options {
    Options {
        transports: vec![Transport::Rest, Transport::Messaging, Transport::Grpc],
        fakes: true,
        ..Options::default()
    }
}

fn check_golden(name: &str, files: &[&str]) {
    let generated = emit(&model(files), &options());
    let dir = root().join("tests/rust-golden/src").join(name);
    let update = std::env::var_os("ACCORD_UPDATE_GOLDEN").is_some();
    if update {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for file in &generated {
        let path = dir.join(&file.path);
        if update {
            std::fs::write(&path, &file.contents).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let on_disk = std::fs::read_dir(&dir).map_or(0, |d| d.count());
    assert_eq!(
        on_disk,
        generated.len(),
        "files in {} differ from the output",
        dir.display()
    );
    assert!(
        stale.is_empty(),
        "golden files differ (rerun with ACCORD_UPDATE_GOLDEN=1 and review): {stale:?}"
    );
}

#[test]
fn ftgo_golden() {
    check_golden("ftgo", FTGO);
}

#[test]
fn stress_golden() {
    check_golden("stress", STRESS);
}

#[test]
fn awkward_names_golden() {
    check_golden("names", NAMES);
}

#[test]
fn evolution_goldens() {
    check_golden("evolution_v1", EVOLUTION_V1);
    check_golden("evolution_v1_1", EVOLUTION_V1_1);
}

/// The two versions differ by MINOR changes only, and by every MINOR rule that changes the
/// generated Rust and can be met without breaking callers (docs/evolution.md, "What a MINOR
/// change does to your Rust code"): if the fixtures drift, the compile test stops covering them.
#[test]
fn evolution_fixtures_make_every_safe_minor_change() {
    let compile = |files: &[&str]| {
        let roots: Vec<PathBuf> = files.iter().map(|f| root().join(f)).collect();
        let mut loader = |p: &Path| std::fs::read_to_string(p);
        accord_idl::compile(&roots, &mut loader)
    };
    let (old, new) = (compile(EVOLUTION_V1), compile(EVOLUTION_V1_1));
    let report = accord_idl::evolution::compare(&old.model, &old.spans, &new.model, &new.spans);
    let mut rules: Vec<&str> = report.changes.iter().map(|c| c.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    assert!(report.passes(), "{rules:?}");
    let major = accord_idl::evolution::Class::Major;
    assert!(report.changes.iter().all(|c| c.class != major), "{rules:?}");
    let expected = [
        "auth-scope-removed",
        "channel-added",
        "channel-message-added",
        "constraints-changed",
        "decl-added",
        "deprecated",
        "docs-changed",
        "enum-value-added",
        "field-added",
        "http-added",
        "hypermedia-added",
        "link-added",
        "op-added",
        "op-error-added",
        "op-idempotency-added",
        "service-added",
        "timing-changed",
        "variant-added",
    ];
    assert_eq!(rules, expected);
}

#[test]
fn output_is_deterministic() {
    let a = emit(&model(STRESS), &Options::default());
    let b = emit(&model(STRESS), &Options::default());
    assert_eq!(a, b);
    assert!(a.iter().all(|f| f.contents.starts_with("// @generated")));
}

#[test]
fn every_file_is_valid_rust_and_tokens_parse() {
    for files in [FTGO, STRESS, NAMES] {
        let m = model(files);
        for file in emit(&m, &options()) {
            syn::parse_file(&file.contents).unwrap_or_else(|e| panic!("{:?}: {e}", file.path));
        }
        syn::parse2::<syn::File>(tokens(&m, &options())).unwrap();
    }
}

#[test]
fn options_select_services_and_parts() {
    let m = model(FTGO);
    let only = Options {
        services: Some(vec!["ftgo.order.OrderService".into()]),
        client: false,
        ..Options::default()
    };
    let text: String = emit(&m, &only).into_iter().map(|f| f.contents).collect();
    assert!(text.contains("pub trait OrderService"));
    assert!(text.contains("pub mod order_service"));
    assert!(text.contains("pub fn router<"));
    assert!(!text.contains("pub struct Proxy"));
    assert!(!text.contains("pub struct Client"));
    assert!(!text.contains("pub trait KitchenService"));
    // Types are generated whatever the service selection.
    assert!(text.contains("pub struct TicketCreated"));
}

#[test]
fn bad_extra_options_are_reported() {
    let bad = Options {
        derives: vec!["not a path".into()],
        ..Options::default()
    };
    assert!(bad.check().unwrap_err().contains("not a path"));
    let bad = Options {
        attributes: vec!["#[unclosed".into()],
        ..Options::default()
    };
    assert!(bad.check().is_err());
    let good = Options {
        derives: vec!["Eq".into()],
        attributes: vec!["#[non_exhaustive]".into()],
        ..Options::default()
    };
    assert!(good.check().is_ok());
}

#[test]
fn a_synthetic_api_generates_valid_rust() {
    use accord_idl::synth::{SynthConfig, large_api};
    let config = SynthConfig {
        packages: 3,
        services_per_package: 2,
        ops_per_service: 3,
    };
    let mut files: std::collections::HashMap<PathBuf, String> =
        large_api(config).into_iter().collect();
    let roots: Vec<PathBuf> = files.keys().cloned().collect();
    let compilation = accord_idl::compile(&roots, &mut files);
    assert!(!compilation.has_errors());
    let output = emit(&compilation.model, &Options::default());
    assert_eq!(output.len(), 4, "mod.rs and one file per package");
    for file in output {
        syn::parse_file(&file.contents).unwrap_or_else(|e| panic!("{:?}: {e}", file.path));
    }
}

/// No warnings in generated code, for every golden: `tests/rust-golden` compiles each golden
/// folder under `#![deny(warnings)]` (and CI's clippy `-D warnings`), so a golden folder that
/// its `lib.rs` forgot would escape that check. Every folder must be a module there.
#[test]
fn every_golden_folder_is_compiled_under_deny_warnings() {
    let src = root().join("tests/rust-golden/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("#![deny(warnings)]"));
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        let module = format!("#[path = \"{name}/mod.rs\"]");
        let included = format!("include!(\"{name}/");
        assert!(
            lib.contains(&module) || lib.contains(&included),
            "tests/rust-golden/src/{name} is not compiled by the golden crate's lib.rs"
        );
    }
}
