//! The Rust target's modules import one another without circles (ARCHITECTURE.md): leaves
//! first, orchestration last. Read from the sources, so a new import that closes a circle fails
//! here. `mod.rs` is the hub every part names (`Generator`); it is not a node.

#[path = "../../idl-parser/tests/support/circles.rs"]
mod circles;

use circles::first_circle;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module of `codegen/src/rust` (a folder module counts as one) and the siblings it uses.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rust");
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                let inner = inner.unwrap().path();
                files.push((name.clone(), std::fs::read_to_string(inner).unwrap()));
            }
        } else if name != "mod" {
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &files {
        let uses = graph.entry(module.clone()).or_default();
        for prefix in ["super::", "crate::rust::"] {
            for (at, _) in text.match_indices(prefix) {
                let rest = &text[at + prefix.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) && name != *module {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

#[test]
fn the_rust_target_has_no_import_circle() {
    let graph = imports();
    assert!(graph.contains_key("rest") && graph.contains_key("signature"));
    let found = first_circle(&graph);
    assert!(
        found.is_none(),
        "import circle: {}",
        found.unwrap_or_default().join(" -> ")
    );
    // The leaves import no other part.
    for leaf in ["ident", "writer", "fields", "signature"] {
        let uses = &graph[leaf];
        assert!(
            uses.iter().all(|u| u == "ident" || u == "writer"),
            "{leaf} is a leaf, yet uses {uses:?}"
        );
    }
}
