//! The front end's modules are layered bottom-up (ARCHITECTURE.md) and import one another
//! without circles: foundations, then the syntax tree, the `Model` and diagnostics as data,
//! then the parser, then `check` (the rules), then `lower` (which calls them), then `compile`
//! (loading and the order of the stages), then what reads their results. Read from the
//! sources, so an import that reaches up a layer or closes a circle fails here.
//! Test code (`#[cfg(test)]` modules, `tests.rs`) is not counted.

#[path = "support/circles.rs"]
mod circles;

use circles::first_circle;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom-up; a module may import modules of its own layer or below.
const LAYERS: &[&[&str]] = &[
    &["source", "parallel", "synth"],
    &["syntax", "model", "diagnostic"],
    &["parser", "format"],
    &["check"],
    &["lower"],
    &["compile"],
    &["render", "evolution"],
];

/// What the crate root re-exports, by the module that defines it.
const REEXPORTS: &[(&str, &str)] = &[
    ("Compilation", "compile"),
    ("compile_str", "compile"),
    ("compile_in", "compile"),
    ("Diagnostic", "diagnostic"),
    ("Severity", "diagnostic"),
    ("Label", "diagnostic"),
    ("Model", "model"),
    ("Spans", "model"),
    ("Span", "source"),
    ("FileId", "source"),
    ("Sources", "source"),
    ("Loader", "source"),
    ("syntax_diagnostic", "check"),
];

fn layer(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of tests/layers.rs"))
}

/// The source of each module (a folder module's files together), test code cut off.
fn sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |module: String, path: &Path| {
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            return;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        out.entry(module).or_default().push_str(code);
    };
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                add(name.clone(), &inner.unwrap().path());
            }
        } else if name != "lib" && path.extension().is_some_and(|e| e == "rs") {
            add(name, &path);
        }
    }
    out
}

/// The names a `crate::` path starts with, `use crate::{a, b::c}` lists included.
fn crate_names(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(list) => {
                // The first name of each item at the outer level of the braces.
                let mut depth = 0;
                let mut starts = vec![0];
                for (i, c) in list.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => starts.push(i + 1),
                        _ => {}
                    }
                }
                names.extend(starts.into_iter().map(|at| ident(list[at..].trim_start())));
            }
            None => {
                names.insert(ident(rest));
            }
        }
    }
    names
}

/// Each module and the sibling modules it imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        let uses: BTreeSet<String> = crate_names(text)
            .into_iter()
            .filter_map(|name| {
                let reexported = REEXPORTS.iter().find(|(n, _)| *n == name);
                let target = reexported.map_or(name.as_str(), |(_, m)| m);
                modules.contains(target).then(|| target.to_owned())
            })
            .filter(|target| target != module)
            .collect();
        graph.insert(module.clone(), uses);
    }
    graph
}

#[test]
fn the_front_end_has_no_import_circle() {
    let graph = imports();
    assert!(graph["lower"].contains("check"), "the reader sees imports");
    let found = first_circle(&graph);
    assert!(
        found.is_none(),
        "import circle: {}",
        found.unwrap_or_default().join(" -> ")
    );
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    for (module, uses) in imports() {
        for used in uses {
            assert!(
                layer(&used) <= layer(&module),
                "`{module}` (layer {}) imports `{used}` (layer {}): see tests/layers.rs",
                layer(&module),
                layer(&used)
            );
        }
    }
}

/// Diagnostics are made by the rules alone: lowering calls a rule, never builds a finding.
#[test]
fn diagnostics_are_made_in_check_only() {
    for (module, text) in sources() {
        if module != "check" && module != "diagnostic" {
            assert!(
                !text.contains("Diagnostic::new("),
                "`{module}` makes a diagnostic; make it in a rule under check/"
            );
        }
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(first_circle(&graph).unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(
        crate_names("use crate::{check::{self, codes}, model};\nx = crate::lower::f();"),
        BTreeSet::from(["check".into(), "model".into(), "lower".into()])
    );
}

/// Rules are crate-private (`pub(crate) fn`), so a rule nothing calls is dead code, which
/// `clippy -D warnings` (CI) refuses: with the fixture each code needs
/// (`tests/check.rs`), "add a check" cannot end in a function nothing runs. The few public
/// functions of `check/` are API, listed here.
#[test]
fn rules_are_crate_private_so_an_uncalled_one_is_dead_code() {
    const PUBLIC: &[&str] = &["syntax_diagnostic", "lookup", "is_bidi_control", "known"];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| l.starts_with("pub fn ")) {
            let name: String = line["pub fn ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                PUBLIC.contains(&name.as_str()),
                "{}: `pub fn {name}`: make the rule `pub(crate)`",
                path.display()
            );
        }
    }
}

/// Rules judge; lowering builds. No function under `check/` returns a type of the model (nor a
/// value holding one): it reports, and answers with a verdict, a number or text, and lowering
/// builds the model from the syntax it accepted. Read from the sources: the return type of
/// every `fn` of `check/` (test code cut off) against the types `model.rs` declares.
#[test]
fn rules_build_no_model_values() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let model = std::fs::read_to_string(src.join("model.rs")).unwrap();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let model_types: BTreeSet<String> = model
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("pub struct ")
                .or_else(|| l.strip_prefix("pub enum "))
                .map(ident)
        })
        .collect();
    assert!(model_types.contains("HttpBinding") && model_types.contains("Constraints"));
    let mut returns = 0;
    for entry in std::fs::read_dir(src.join("check")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (at, _) in code.match_indices("fn ") {
            let signature = &code[at..];
            let signature = &signature[..signature.find(['{', ';']).unwrap_or(signature.len())];
            let Some(arrow) = signature.find(") -> ") else {
                continue;
            };
            returns += 1;
            let returned = &signature[arrow + ") -> ".len()..];
            let named = returned
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .find(|word| !word.is_empty() && model_types.contains(*word));
            assert!(
                named.is_none(),
                "{}: `{}` returns a model type (`{}`): let the rule judge, and lowering build",
                path.display(),
                signature.trim(),
                named.unwrap_or_default()
            );
        }
    }
    assert!(returns > 10, "the signatures were read");
}
