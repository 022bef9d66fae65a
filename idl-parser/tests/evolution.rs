//! `accord diff` rule by rule: every rule of the registry has a fixture pair
//! `tests/evolution/<rule-id>/{old,new}.accord` whose rendered report (as `accord diff` prints it)
//! is an insta snapshot, and over the same table each change passes with a just-enough version
//! bump and fails with one level less.

use accord_idl::evolution::{self, Class, Report, render, rules};
use accord_idl::{Compilation, compile, compile_str};
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/evolution";

/// Compiles one fixture file by its path relative to the crate, so snapshots name stable paths.
fn load(path: &Path) -> Compilation {
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    let c = compile(&[path.to_path_buf()], &mut loader);
    assert!(
        !c.has_errors(),
        "{} does not check:\n{}",
        path.display(),
        accord_idl::render::human(&c.sources, &c.diagnostics)
    );
    c
}

fn pair(id: &str) -> (PathBuf, PathBuf) {
    let dir = Path::new(FIXTURES).join(id);
    (dir.join("old.accord"), dir.join("new.accord"))
}

fn diff(old: &Compilation, new: &Compilation) -> Report {
    evolution::compare(&old.model, &old.spans, &new.model, &new.spans)
}

#[test]
fn every_rule_has_a_fixture_and_every_fixture_a_rule() {
    let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    for id in &ids {
        let (old, new) = pair(id);
        assert!(
            old.is_file() && new.is_file(),
            "rule `{id}` has no fixture: add {FIXTURES}/{id}/old.accord and new.accord"
        );
    }
    for entry in std::fs::read_dir(FIXTURES).expect("fixtures folder") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            ids.contains(&name.as_ref()),
            "{FIXTURES}/{name} is not the id of any rule"
        );
    }
}

#[test]
fn each_fixture_reports_its_rule_as_the_snapshot_says() {
    for rule in rules() {
        let (old, new) = pair(rule.id);
        let (old, new) = (load(&old), load(&new));
        let report = diff(&old, &new);
        assert!(
            report.changes.iter().any(|c| c.rule == rule.id),
            "{}: {:#?}",
            rule.id,
            report.changes
        );
        // The fixture isolates its rule: nothing else it changes needs a bigger bump.
        assert_eq!(report.verdicts[0].required, rule.class, "{}", rule.id);
        assert!(report.passes(), "{}: the fixture declares enough", rule.id);
        let text = render::text(&report, &old.sources, &new.sources);
        insta::assert_snapshot!(rule.id, text);
    }
}

/// (just enough, one level less) from the fixtures' old version 1.2.3.
fn bumps(class: Class) -> (&'static str, &'static str) {
    match class {
        Class::Major => ("2.0.0", "1.3.0"),
        Class::Minor => ("1.3.0", "1.2.4"),
        Class::Patch => ("1.2.4", "1.2.3"),
        Class::None => ("1.2.3", "1.2.2"),
    }
}

#[test]
fn every_change_passes_with_just_enough_bump_and_fails_with_less() {
    for rule in rules() {
        let (old_path, new_path) = pair(rule.id);
        let old = load(&old_path);
        let text = std::fs::read_to_string(&new_path).expect("fixture");
        let declared = old.model.packages[0].version.to_string();
        assert_eq!(declared, "1.2.3", "{}: fixtures start at 1.2.3", rule.id);
        let (enough, less) = bumps(rule.class);
        for (version, pass) in [(enough, true), (less, false)] {
            let line = text
                .lines()
                .find(|l| l.starts_with("version "))
                .expect("a version line");
            let new = compile_str(&text.replacen(line, &format!("version {version};"), 1));
            assert!(!new.has_errors(), "{}", rule.id);
            let report = diff(&old, &new);
            assert_eq!(report.passes(), pass, "{} at {version}", rule.id);
        }
    }
}

#[test]
fn a_change_in_one_package_needs_a_bump_of_that_package_only() {
    let old = compile_str(
        "//- /a.accord\npackage a;\nversion 1.0.0;\nimport \"b.accord\";\n\
         service S { op get(B) -> B; }\n\
         //- /b.accord\npackage b;\nversion 0.4.1;\nstruct B { id: i64 = 1; }\n",
    );
    let new = compile_str(
        "//- /a.accord\npackage a;\nversion 1.0.0;\nimport \"b.accord\";\n\
         service S { op get(B) -> B; }\n\
         //- /b.accord\npackage b;\nversion 0.5.0;\nstruct B { id: string = 1; }\n",
    );
    assert!(!old.has_errors() && !new.has_errors());
    let report = diff(&old, &new);
    let verdict = |p: &str| {
        report
            .verdicts
            .iter()
            .find(|v| v.package == p)
            .expect("a verdict per package")
            .clone()
    };
    assert_eq!(verdict("a").required, Class::None);
    assert_eq!(verdict("b").required, Class::Major);
    // 0.4.1 -> 0.5.0 is a breaking bump under Cargo's rules.
    assert!(report.passes(), "{:#?}", report.verdicts);
}

#[test]
fn too_small_and_lower_versions_fail_with_a_suggestion() {
    let (old_path, new_path) = pair("member-removed");
    let old = load(&old_path);
    let text = std::fs::read_to_string(new_path).expect("fixture");
    for (version, says) in [
        ("1.3.0", "NOT ENOUGH, needs at least 2.0.0"),
        ("1.2.2", "NOT ENOUGH, the version went down"),
    ] {
        let new = compile_str(&text.replace("version 2.0.0;", &format!("version {version};")));
        let report = diff(&old, &new);
        assert!(!report.passes());
        let out = render::text(&report, &old.sources, &new.sources);
        assert!(out.contains(says), "{out}");
        assert!(out.contains("FAILED"), "{out}");
    }
}

#[test]
fn json_report_carries_rule_class_places_and_verdicts() {
    let (old_path, new_path) = pair("member-renamed");
    let (old, new) = (load(&old_path), load(&new_path));
    let json = render::json(&diff(&old, &new), &old.sources, &new.sources);
    let change = &json["changes"][0];
    assert_eq!(change["rule"], "member-renamed");
    assert_eq!(change["class"], "MAJOR");
    assert_eq!(
        change["old"]["file"],
        "tests/evolution/member-renamed/old.accord"
    );
    assert_eq!(
        change["new"]["file"],
        "tests/evolution/member-renamed/new.accord"
    );
    assert!(change["old"]["line"].as_u64().is_some_and(|l| l > 1));
    assert_eq!(json["packages"][0]["required"], "MAJOR");
    assert_eq!(json["packages"][0]["declared"], "MAJOR");
    assert_eq!(json["packages"][0]["ok"], true);
    assert_eq!(json["required"], "MAJOR");
    assert_eq!(json["ok"], true);
}

/// The stress API (every feature of the language) with a loader that can rewrite each file.
fn stress(rewrite: &dyn Fn(&str) -> String) -> Compilation {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/stress");
    let mut loader = |p: &Path| std::fs::read_to_string(p).map(|t| rewrite(&t));
    let c = compile(&[root.join("everything.accord")], &mut loader);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c
}

#[test]
fn formatting_every_feature_of_the_language_is_no_change() {
    let old = stress(&|t| t.to_string());
    let new = stress(&|t| {
        let (file, errors) = accord_idl::parser::parse(accord_idl::FileId(0), t);
        assert!(errors.is_empty());
        // Formatted, then with every blank line doubled: layout only.
        accord_idl::format::format(&file, t).replace("\n\n", "\n\n\n")
    });
    let report = diff(&old, &new);
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert!(report.passes());
    assert!(report.verdicts.len() >= 2, "both packages judged");
}
