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
    // Every id pushed in the rule families' sources is in the registry.
    for src in [include_str!("decls.rs"), include_str!("services.rs")] {
        for piece in src
            .split("ctx.push(\"")
            .skip(1)
            .chain(src.split("{ \"").skip(1))
            .chain(src.split("else { \"").skip(1))
        {
            let id = &piece[..piece.find('"').unwrap()];
            if id.contains('-') && !id.contains(' ') {
                assert!(rule(id).is_some(), "rule {id} is used but not registered");
            }
        }
    }
    let docs = include_str!("../../../docs/evolution.md");
    for r in &all {
        assert!(
            docs.contains(&format!("`{}`", r.id)),
            "{} missing from docs/evolution.md",
            r.id
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
