//! The checker through its one entry point: every fixture under `tests/fixtures/` is compiled
//! and its rendered diagnostics compared with an insta snapshot; every registered code has a
//! fixture that emits it and a section in `docs/errors.md`; the FTGO examples are clean.
//!
//! Refresh snapshots with `INSTA_UPDATE=always cargo test -p accord-idl --test check` and review
//! the diff before committing.

use accord_idl::check::REGISTRY;
use accord_idl::model::{HttpMethod, ParamLocation, StructRole};
use accord_idl::{Compilation, compile, compile_str, render};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "accord"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn codes(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn every_fixture_renders_as_its_snapshot() {
    for (name, text) in fixtures() {
        let c = compile_str(&text);
        insta::assert_snapshot!(name.clone(), render::human(&c.sources, &c.diagnostics));
    }
}

#[test]
fn every_code_has_a_fixture_that_emits_it() {
    let fixtures: HashMap<String, String> = fixtures().into_iter().collect();
    for code in REGISTRY {
        let name = code.code.to_ascii_lowercase();
        let text = fixtures
            .get(&name)
            .unwrap_or_else(|| panic!("no fixture tests/fixtures/{name}.accord"));
        let c = compile_str(text);
        assert!(
            codes(&c).contains(&code.code),
            "{name}.accord does not emit {}: {:?}",
            code.code,
            codes(&c)
        );
        let d = c.diagnostics.iter().find(|d| d.code == code.code).unwrap();
        assert_eq!(
            d.severity, code.severity,
            "{} has the registered severity",
            code.code
        );
    }
}

#[test]
fn every_code_is_documented_and_every_fixture_registered() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors.md"))
            .expect("docs/errors.md");
    // Each section: `## CODE`, a blank line, `**Title** (error).` with the code's severity
    // (`accord explain` prints it); a section of no registered code is a retired one.
    let sections: HashMap<&str, &str> = docs
        .split("\n## ")
        .skip(1)
        .filter_map(|s| s.split_once('\n'))
        .collect();
    for code in REGISTRY {
        let section = sections
            .get(code.code)
            .unwrap_or_else(|| panic!("docs/errors.md has no section `## {}`", code.code));
        let severity = match code.severity {
            accord_idl::Severity::Error => "(error).",
            accord_idl::Severity::Warning => "(warning).",
        };
        let title = section.trim_start().lines().next().unwrap_or_default();
        assert!(
            title.starts_with("**") && title.ends_with(severity),
            "{}: the section's title `{title}` does not end in `{severity}`",
            code.code
        );
    }
    for (code, section) in &sections {
        assert!(
            REGISTRY.iter().any(|c| c.code == *code) || section.contains("(retired"),
            "docs/errors.md documents `{code}`, which is neither registered nor retired"
        );
    }
    for (name, _) in fixtures() {
        assert!(
            REGISTRY.iter().any(|c| c.code.eq_ignore_ascii_case(&name)),
            "fixture {name} names no registered code"
        );
    }
    let mut seen = std::collections::HashSet::new();
    assert!(
        REGISTRY.iter().all(|c| seen.insert(c.code)),
        "codes are unique"
    );
}

fn examples() -> Compilation {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ftgo/api");
    let roots: Vec<PathBuf> = ["order", "common", "kitchen", "consumer", "accounting"]
        .iter()
        .map(|n| dir.join(format!("{n}.accord")))
        .collect();
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    compile(&roots, &mut loader)
}

#[test]
fn ftgo_examples_have_no_diagnostics() {
    let c = examples();
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        render::human(&c.sources, &c.diagnostics)
    );
    assert_eq!(c.model.packages.len(), 5);
}

#[test]
fn ftgo_model_has_bindings_status_and_resolved_types() {
    let c = examples();
    let m = &c.model;
    let service = m.find_service("ftgo.order.OrderService").expect("service");
    let ops = &m.service(service).operations;
    let get = ops.iter().find(|o| o.name == "get_order").unwrap();
    let http = get.http.as_ref().unwrap();
    assert_eq!(
        (http.method, http.path.as_str()),
        (HttpMethod::Get, "/orders/{order_id}")
    );
    assert_eq!(http.params[0].location, ParamLocation::Path);
    assert!(get.idempotent);
    let create = ops.iter().find(|o| o.name == "create_order").unwrap();
    assert!(create.http.as_ref().unwrap().has_body());
    assert!(!create.idempotent);
    let not_found = m.find_decl("ftgo.order.OrderNotFound").unwrap();
    assert_eq!(
        m.decl(not_found).as_struct().unwrap().role,
        StructRole::Error { status: 404 }
    );
    let order = m.find_decl("ftgo.order.Order").unwrap();
    let total = m.fields(order).iter().find(|f| f.name == "total").unwrap();
    let money = m.find_decl("ftgo.common.Money").unwrap();
    assert_eq!(total.ty, accord_idl::model::Type::Named(money));
    assert!(m.fields(money)[1].constraints.pattern.is_some());
}

#[test]
fn query_and_header_overrides_and_defaults_land_in_the_model() {
    let c = compile_str(
        r#"package demo;
version 1.0.0;
enum State { OPEN = 1; CLOSED = 2; }
struct ListOrders {
    consumer_id: i64 = 1;
    @query("state")
    state_filter?: State = 2;
    @header("X-Tenant")
    tenant?: string = 3;
    @range(min = 1, max = 100)
    @default(20)
    limit?: u32 = 4;
    @default(OPEN)
    initial?: State = 5;
    tags: list<string> = 6;
}
struct OrderList { count: i64 = 1; }
service Orders {
    @http(GET, "/consumers/{consumer_id}/orders")
    op list_orders(ListOrders) -> OrderList;
}
"#,
    );
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        render::human(&c.sources, &c.diagnostics)
    );
    let op = &c.model.services[0].operations[0];
    let locations: Vec<ParamLocation> = op
        .http
        .as_ref()
        .unwrap()
        .params
        .iter()
        .map(|p| p.location.clone())
        .collect();
    assert_eq!(
        locations,
        [
            ParamLocation::Path,
            ParamLocation::Query("state".into()),
            ParamLocation::Header("X-Tenant".into()),
            ParamLocation::Query("limit".into()),
            ParamLocation::Query("initial".into()),
            ParamLocation::Query("tags".into()),
        ]
    );
    let request = c.model.find_decl("demo.ListOrders").unwrap();
    use accord_idl::model::Value;
    assert_eq!(c.model.fields(request)[3].default, Some(Value::Int(20)));
    assert_eq!(
        c.model.fields(request)[4].default,
        Some(Value::EnumValue("OPEN".into()))
    );
}

#[test]
fn many_independent_errors_are_all_reported() {
    let c = compile_str(
        r#"package demo;
version 1.0.0;
struct A { x: Nope = 1; x: i64 = 2; y: i64 = 0; }
struct B { @rnage(min = 1) n: i32 = 1; m: map<bool, i64> = 2; }
enum E { ONE = 1; TWO = 1; }
@status(200) error Err { r: string = 1; }
service S {
    @http(GET, "nope") op a(A) -> B throws A;
    op b(E) -> B;
    publishes nowhere;
}
struct broken { oops
"#,
    );
    let found = codes(&c);
    assert!(
        codes(&compile_str(
            "package a;\nversion 1.0.0;\nstruct string { x: i64 = 1; }\n"
        ))
        .contains(&"A0101")
    );
    for code in [
        "A0001", "A0301", "A0102", "A0201", "A0501", "A0303", "A0204", "A0606", "A0702", "A0305",
        "A0304", "A0806",
    ] {
        assert!(found.contains(&code), "missing {code} in {found:?}");
    }
}

#[test]
fn qualified_names_resolve_without_ambiguity() {
    let c = compile_str(
        r#"//- /main.accord
package demo;
version 1.0.0;
import "a.accord";
import "b.accord";
struct Order { a: shop.a.Money = 1; b: shop.b.Money = 2; }
service S { op get(Order) -> Order; }
//- /a.accord
package shop.a;
version 1.0.0;
struct Money { amount: i64 = 1; }
//- /b.accord
package shop.b;
version 1.0.0;
struct Money { cents: i64 = 1; }
"#,
    );
    assert!(
        !c.has_errors(),
        "{}",
        render::human(&c.sources, &c.diagnostics)
    );
}

#[test]
fn json_rendering_has_positions_and_labels() {
    let c = compile_str(
        &fixtures()
            .into_iter()
            .find(|(n, _)| n == "a0102")
            .unwrap()
            .1,
    );
    let json = render::json(&c.sources, &c.diagnostics);
    let first = json
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "A0102")
        .expect("the duplicate");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        (
            first["file"].as_str(),
            first["line"].as_u64(),
            first["column"].as_u64()
        ),
        (Some("/main.accord"), Some(6), Some(5))
    );
    assert_eq!(first["labels"].as_array().unwrap().len(), 2);
    assert_eq!(first["labels"][1]["message"], "first defined here");
    assert!(first["help"].is_string());
}

#[test]
fn garbage_input_never_panics() {
    let c = compile_str("");
    let _ = render::human(&c.sources, &c.diagnostics);
    for text in [
        "package",
        "}}}{{{",
        "package a; version 1.0.0; struct { }",
        "@@@@",
        "package a.; import \"\";",
        "package a; version 1.0.0; service S { op x(stream) -> stream; }",
    ] {
        let c = compile_str(text);
        let _ = render::human(&c.sources, &c.diagnostics);
        assert!(
            c.diagnostics
                .iter()
                .any(|d| d.severity == accord_idl::Severity::Error),
            "garbage must be reported, not accepted: {text:?}"
        );
    }
}

#[test]
fn synthetic_benchmark_api_is_error_free() {
    use accord_idl::synth::{SynthConfig, large_api};
    let config = SynthConfig {
        packages: 3,
        services_per_package: 2,
        ops_per_service: 3,
    };
    let mut files: HashMap<PathBuf, String> = large_api(config).into_iter().collect();
    let roots: Vec<PathBuf> = files.keys().cloned().collect();
    let c = compile(&roots, &mut files);
    assert!(
        !c.has_errors(),
        "{}",
        render::human(&c.sources, &c.diagnostics)
    );
    assert_eq!(c.model.services.len(), 6);
}

#[test]
fn a_clause_that_does_not_parse_is_not_also_reported_missing() {
    let c = compile_str(
        "package p;\nversion 1.0.0;\nstruct S { a: string = 1; }\n\
         channel events {\n    kind = publish_subscribe;\n    address \"x\";\n    messages S;\n}\n\
         channel other { messages S; }\n",
    );
    // The syntax error in `events`, and the genuinely missing clauses of `other` — nothing else.
    assert_eq!(
        codes(&c),
        ["A0001", "A0802", "A0801"],
        "{:#?}",
        c.diagnostics
    );
}

/// A type is API surface: one file of a package checked alone warns about nothing, though the
/// files that use its types are not loaded (W0102, unused declaration, is retired).
#[test]
fn one_file_of_a_package_checked_alone_is_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ftgo/api");
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    let c = compile(&[dir.join("common.accord")], &mut loader);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        render::human(&c.sources, &c.diagnostics)
    );
}

/// An import is used when the file refers to something of the imported file or of a file it
/// imports; a file that only gathers imports is not checked.
#[test]
fn imports_used_through_other_files_or_by_gathering_files_are_not_reported() {
    let c = compile_str(
        r#"//- /main.accord
package shop;
version 1.0.0;
import "a.accord";

struct Order { total: shop.b.Money = 1; }
//- /a.accord
package shop.a;
version 1.0.0;
import "b.accord";

struct Unrelated { money: shop.b.Money = 1; }
//- /b.accord
package shop.b;
version 1.0.0;

struct Money { cents: i64 = 1; }
"#,
    );
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
    let c = compile_str(
        r#"//- /all.accord
package shop;
version 1.0.0;
import "b.accord";
//- /b.accord
package shop.b;
version 1.0.0;

struct Money { cents: i64 = 1; }
"#,
    );
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

/// `uses`: a qualified name resolves against every loaded package, imported or not (the
/// participants of a saga import the orchestrator, which names them back); a short name only
/// through the file's imports.
#[test]
fn uses_resolves_qualified_names_without_an_import_and_short_ones_through_imports() {
    let mut files: HashMap<PathBuf, String> = [
        (
            "/orders.accord",
            "package demo.orders;\nversion 1.0.0;\nstruct Order { id: i64 = 1; }\n\
             service Orders { op get(Order) -> Order; uses demo.kitchen.Kitchen, Billing; }\n\
             service Billing { op bill(Order) -> (); }\n",
        ),
        (
            "/kitchen.accord",
            "package demo.kitchen;\nversion 1.0.0;\nimport \"orders.accord\";\n\
             service Kitchen { op cook(demo.orders.Order) -> (); uses Orders; }\n",
        ),
        (
            "/other.accord",
            "package demo.other;\nversion 1.0.0;\nstruct Thing { id: i64 = 1; }\n\
             service Other { op x(Thing) -> (); uses Kitchen; }\n",
        ),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
    .collect();
    let roots = ["/orders.accord", "/kitchen.accord", "/other.accord"].map(PathBuf::from);
    let c = compile(&roots, &mut files);
    // `Other` does not import the kitchen's file, so its short name `Kitchen` is unknown.
    assert_eq!(codes(&c), ["A1001"], "{:#?}", c.diagnostics);
    assert!(c.diagnostics[0].message.contains("`Kitchen`"));
    let m = &c.model;
    let id = |n: &str| m.find_service(n).unwrap();
    let orders = m.service(id("demo.orders.Orders"));
    assert_eq!(
        orders.uses,
        [id("demo.kitchen.Kitchen"), id("demo.orders.Billing")]
    );
    assert_eq!(
        m.service(id("demo.kitchen.Kitchen")).uses,
        [id("demo.orders.Orders")]
    );
    let spans = &c.spans.services[id("demo.orders.Orders").index()].uses;
    assert_eq!(spans.len(), 2);
}
