//! Table-driven tests over the taxonomy, the registry, and the version rules.

use super::*;
use crate::compile_str;

const BASE: &str = r#"package shop;
version VERSION;

/// An item.
struct Item {
    id: i64 = 1;
    name?: string = 2;
}

struct GetItem {
    id: i64 = 1;
    @range(min = 1)
    count: i32 = 2;
    note?: string = 3;
}

enum Color {
    RED = 1;
    GREEN = 2;
}

struct Paint {
    color: Color = 1;
}

error NotFound {
    id: i64 = 1;
}

service Shop {
    op get(GetItem) -> Item throws NotFound;
    op paint(Paint) -> ();
}
"#;

/// Compiles BASE with one textual edit, at a version.
fn model(edit: (&str, &str), version: &str) -> crate::Compilation {
    let text = BASE.replace("VERSION", version);
    assert!(
        text.contains(edit.0),
        "edit target `{}` not in fixture",
        edit.0
    );
    let c = compile_str(&text.replacen(edit.0, edit.1, 1));
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c
}

/// (rule expected, replaced text, replacement).
const CASES: &[(&str, &str, &str)] = &[
    (
        "decl-added",
        "enum Color",
        "struct Extra { a: i32 = 1; }\n\nenum Color",
    ),
    ("member-removed", "    GREEN = 2;\n", ""),
    ("member-renamed", "GREEN = 2", "LIME = 2"),
    (
        "enum-value-added",
        "GREEN = 2;",
        "GREEN = 2;\n    BLUE = 3;",
    ),
    (
        "member-type-changed",
        "id: i64 = 1;\n    name",
        "id: string = 1;\n    name",
    ),
    (
        "field-added-required-request",
        "note?: string = 3;",
        "note?: string = 3;\n    extra: i32 = 4;",
    ),
    (
        "field-added",
        "note?: string = 3;",
        "note?: string = 3;\n    extra?: i32 = 4;",
    ),
    (
        "field-added",
        "name?: string = 2;",
        "name?: string = 2;\n    size: i32 = 3;",
    ),
    (
        "field-made-required-request",
        "note?: string",
        "note: string",
    ),
    ("field-made-required", "name?: string", "name: string"),
    (
        "field-made-optional-response",
        "id: i64 = 1;\n    name",
        "id?: i64 = 1;\n    name",
    ),
    ("field-made-optional", "    count: i32", "    count?: i32"),
    (
        "constraints-changed-request",
        "@range(min = 1)",
        "@range(min = 2)",
    ),
    ("docs-changed", "/// An item.", "/// An item for sale."),
    (
        "op-added",
        "op paint(Paint) -> ();",
        "op paint(Paint) -> ();\n    op ping() -> ();",
    ),
    ("op-removed", "    op paint(Paint) -> ();\n", ""),
    ("op-input-changed", "op paint(Paint)", "op paint(GetItem)"),
    (
        "op-output-changed",
        "op paint(Paint) -> ()",
        "op paint(Paint) -> Item",
    ),
    (
        "op-error-added",
        "op paint(Paint) -> ();",
        "op paint(Paint) -> () throws NotFound;",
    ),
    ("op-error-removed", " throws NotFound;", ";"),
    (
        "service-added",
        "service Shop",
        "service Other { op ping() -> (); }\n\nservice Shop",
    ),
    ("deprecated", "service Shop", "@deprecated\nservice Shop"),
];

fn bump_for(class: Class) -> (&'static str, &'static str) {
    // (just enough, one level less) from 1.2.3.
    match class {
        Class::Major => ("2.0.0", "1.3.0"),
        Class::Minor => ("1.3.0", "1.2.4"),
        Class::Patch => ("1.2.4", "1.2.3"),
        Class::None => ("1.2.3", "1.2.2"),
    }
}

#[test]
fn every_case_reports_its_rule_and_needs_just_its_bump() {
    for &(id, from, to) in CASES {
        let class = rule(id)
            .unwrap_or_else(|| panic!("{id} not registered"))
            .class;
        let old = model(("", ""), "1.2.3");
        let (enough, less) = bump_for(class);
        for (version, pass) in [(enough, true), (less, false)] {
            let new = model((from, to), version);
            let r = compare(&old.model, &old.spans, &new.model, &new.spans);
            assert!(
                r.changes.iter().any(|c| c.rule == id),
                "{id}: {:#?}",
                r.changes
            );
            assert_eq!(r.verdicts[0].required, class, "{id}: {:#?}", r.changes);
            assert_eq!(r.passes(), pass, "{id} at {version}");
        }
    }
}

#[test]
fn no_change_and_reordering_need_nothing() {
    let old = model(("", ""), "1.2.3");
    let new = model(
        (
            "    id: i64 = 1;\n    name?: string = 2;",
            "    name?: string = 2; // moved\n    id: i64 = 1;",
        ),
        "1.2.3",
    );
    let r = compare(&old.model, &old.spans, &new.model, &new.spans);
    assert!(r.changes.is_empty(), "{:#?}", r.changes);
    assert!(r.passes());
}

#[test]
fn every_rule_is_registered_once_and_documented() {
    let all = rules();
    for r in &all {
        assert!(!r.doc.trim().is_empty(), "{} undocumented", r.id);
        assert_eq!(
            all.iter().filter(|s| s.id == r.id).count(),
            1,
            "{} twice",
            r.id
        );
    }
    // Rules are statics pushed by reference (`ctx.push(&FIELD_ADDED, …)`), so none can be
    // pushed unregistered. The table of docs/evolution.md is the registry, row for row.
    let docs = include_str!("../../../docs/evolution.md");
    let table = docs.split("\n## Rules\n").nth(1).expect("a Rules section");
    let table = table.split("\n## ").next().unwrap_or(table);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    for r in &all {
        let row = rows
            .iter()
            .find(|row| row[0] == format!("`{}`", r.id))
            .unwrap_or_else(|| panic!("{} missing from docs/evolution.md", r.id));
        assert_eq!(row[1], r.class.as_str(), "class of {} in the docs", r.id);
        assert_eq!(row[2], r.doc, "why of {} in the docs", r.id);
    }
    for row in &rows {
        let id = row[0].trim_matches('`');
        assert!(
            rule(id).is_some(),
            "docs/evolution.md documents `{id}`, no rule"
        );
    }
}

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

#[test]
fn version_rules_follow_cargo() {
    use version::{covers, declared};
    let ok = |a: &str, b: &str, c: Class| covers(declared(&v(a), &v(b)), c);
    assert!(ok("1.2.3", "2.0.0", Class::Major));
    assert!(!ok("1.2.3", "1.9.0", Class::Major));
    assert!(ok("1.2.3", "1.3.0", Class::Minor));
    assert!(!ok("1.2.3", "1.2.9", Class::Minor));
    assert!(ok("1.2.3", "1.2.4", Class::Patch));
    assert!(!ok("1.2.3", "1.2.3", Class::Patch));
    assert!(ok("1.2.3", "1.2.3", Class::None));
    // 0.y.z: a minor bump is enough for MAJOR, a patch bump for MINOR.
    assert!(ok("0.3.1", "0.4.0", Class::Major));
    assert!(!ok("0.3.1", "0.3.2", Class::Major));
    assert!(ok("0.3.1", "0.3.2", Class::Minor));
    assert!(ok("0.3.1", "1.0.0", Class::Major));
    // 0.0.z: any new patch number is enough, the same one is not.
    assert!(ok("0.0.4", "0.0.5", Class::Major));
    assert!(!ok("0.0.4", "0.0.4", Class::Patch));
    // A pre-release promises nothing; a release after its pre-releases is upward.
    assert!(ok("2.0.0-alpha.1", "2.0.0-alpha.2", Class::Major));
    assert!(ok("2.0.0-rc.1", "2.0.0", Class::Major));
    assert!(
        !ok("1.2.3", "2.0.0-alpha.1", Class::Patch)
            || declared(&v("1.2.3"), &v("2.0.0-alpha.1")) == Bump::Major
    );
    // Down is always a failure, even with no change.
    assert!(!ok("1.2.3", "1.2.2", Class::None));
    assert!(!ok("2.0.0", "2.0.0-rc.1", Class::None));
}

#[test]
fn minimum_is_the_lowest_version_that_is_enough() {
    use version::minimum;
    let m = |old: &str, c: Class| minimum(&v(old), c).to_string();
    assert_eq!(m("1.2.3", Class::Major), "2.0.0");
    assert_eq!(m("1.2.3", Class::Minor), "1.3.0");
    assert_eq!(m("1.2.3", Class::Patch), "1.2.4");
    assert_eq!(m("1.2.3", Class::None), "1.2.3");
    assert_eq!(m("0.3.1", Class::Major), "0.4.0");
    assert_eq!(m("0.3.1", Class::Minor), "0.3.2");
    assert_eq!(m("0.0.4", Class::Major), "0.0.5");
    assert_eq!(m("0.0.4", Class::Patch), "0.0.5");
    assert_eq!(m("2.0.0-rc.1", Class::Major), "2.0.0");
}

#[test]
fn version_edge_cases() {
    use version::{covers, declared};
    let bump = |a: &str, b: &str| declared(&v(a), &v(b));
    // 0.y.z going to a new patch only covers MINOR, never MAJOR.
    assert_eq!(bump("0.1.0", "0.1.1"), Bump::Minor);
    assert_eq!(bump("0.9.9", "0.10.0"), Bump::Major);
    // 0.0.z: even a patch bump covers a breaking change; a minor or major bump too.
    assert_eq!(bump("0.0.1", "0.0.2"), Bump::Major);
    assert_eq!(bump("0.0.1", "0.1.0"), Bump::Major);
    // A release's pre-release of the next version is judged by its numbers.
    assert_eq!(bump("1.2.3", "1.3.0-rc.1"), Bump::Minor);
    assert_eq!(bump("1.2.3", "2.0.0-rc.1"), Bump::Major);
    // Build metadata carries no precedence: the same numbers are no bump.
    assert_eq!(bump("1.2.3", "1.2.3+build.5"), Bump::Same);
    // Lower is always a failure, in every range.
    for (a, b) in [("0.0.2", "0.0.1"), ("0.2.0", "0.1.9"), ("2.0.0", "1.9.9")] {
        assert_eq!(bump(a, b), Bump::Down, "{a} -> {b}");
        assert!(!covers(bump(a, b), Class::None));
    }
}

/// An HTTP-bound operation whose input's fields can be edited.
const HTTP: &str = r#"package shop;
version 1.0.0;

struct Get {
    shelf: string = 1;
    id: i64 = 2;
    @query("q")
    filter?: string = 3;
}

struct Item { id: i64 = 1; }

service Shop {
    @http(GET, "/shelves/{shelf}/items/{id}")
    op get(Get) -> Item;
}
"#;

fn http_rules(edits: &[(&str, &str)]) -> Vec<&'static str> {
    let old = compile_str(HTTP);
    let mut text = HTTP.replace("1.0.0", "2.0.0");
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let new = compile_str(&text);
    assert!(
        !old.has_errors() && !new.has_errors(),
        "{:#?}",
        new.diagnostics
    );
    let r = compare(&old.model, &old.spans, &new.model, &new.spans);
    r.changes.iter().map(|c| c.rule).collect()
}

#[test]
fn http_placeholders_and_parameters_match_by_field_number() {
    // Renaming a placeholder with its field: only the rename, the binding is the same.
    let renamed = http_rules(&[("{id}", "{item_id}"), ("id: i64 = 2", "item_id: i64 = 2")]);
    assert_eq!(renamed, ["member-renamed"]);
    // Reordering the input's fields moves nothing on the wire.
    let reordered = http_rules(&[(
        "    shelf: string = 1;\n    id: i64 = 2;",
        "    id: i64 = 2;\n    shelf: string = 1;",
    )]);
    assert!(reordered.is_empty(), "{reordered:?}");
    // A new optional field becomes a new query parameter: MINOR only.
    let added = http_rules(&[(
        "filter?: string = 3;",
        "filter?: string = 3;\n    page?: i32 = 4;",
    )]);
    assert_eq!(added, ["field-added"]);
}

#[test]
fn http_changes_on_the_wire_are_reported() {
    // Swapped placeholders: same path text shape, different fields in each place.
    let swapped = http_rules(&[("{shelf}/items/{id}", "{id}/items/{shelf}")]);
    assert_eq!(swapped, ["http-changed"]);
    let query_renamed = http_rules(&[("@query(\"q\")", "@query(\"filter\")")]);
    assert_eq!(query_renamed, ["http-changed"]);
    let to_header = http_rules(&[("@query(\"q\")", "@header(\"X-Filter\")")]);
    assert_eq!(to_header, ["http-changed"]);
    // GET and DELETE are both idempotent: only the binding changed.
    let method = http_rules(&[("GET", "DELETE")]);
    assert_eq!(method, ["http-changed"]);
    // Without `@http` the GET no longer makes it idempotent either.
    let removed = http_rules(&[("    @http(GET, \"/shelves/{shelf}/items/{id}\")\n", "")]);
    assert_eq!(removed, ["http-changed", "op-idempotency-removed"]);
    let post = http_rules(&[("GET", "POST")]);
    assert_eq!(post, ["http-changed", "op-idempotency-removed"]);
}

#[test]
fn the_text_report_escapes_terminal_controls() {
    // A doc comment may carry an ESC; the quoted source must not reach a terminal raw.
    let old = compile_str(
        "package p;\nversion 1.0.0;\n/// \u{1b}]0;owned\u{7}\nstruct A { x: i64 = 1; }\n",
    );
    let new = compile_str("package p;\nversion 1.0.0;\n");
    let report = compare(&old.model, &old.spans, &new.model, &new.spans);
    let text = render::text(&report, &old.sources, &new.sources);
    assert!(!report.changes.is_empty());
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
}

/// `uses` is a run-time dependency of the using service, not part of any service's API: adding,
/// removing or reordering it is no change (docs/evolution.md, "Not compared").
#[test]
fn uses_is_not_compared() {
    let other = "service Other {\n    op ping(GetItem) -> Item;\n}\n\nservice Shop {";
    let old = model(("service Shop {", other), "1.2.3");
    for uses in [
        "service Shop {\n    uses Other;",
        "service Shop {\n    uses shop.Other;",
    ] {
        let new = model(
            ("service Shop {", &other.replace("service Shop {", uses)),
            "1.2.3",
        );
        let shop = new.model.find_service("shop.Shop").unwrap();
        assert_eq!(new.model.service(shop).uses.len(), 1);
        for (a, b) in [(&old, &new), (&new, &old)] {
            let r = compare(&a.model, &a.spans, &b.model, &b.spans);
            assert!(r.changes.is_empty(), "{:#?}", r.changes);
            assert!(r.passes());
        }
    }
}
