//! No crate of the workspace has an import circle between its module files (ARCHITECTURE.md):
//! read from the sources of every member of the workspace's `Cargo.toml`, so a new `use` that
//! closes a circle in any crate fails here. How a module graph is read (re-exports, test code,
//! the crate root as a hub): `idl-parser/tests/support/module_graph.rs`.

#[path = "../../idl-parser/tests/support/circles.rs"]
mod circles;
#[path = "../../idl-parser/tests/support/module_graph.rs"]
mod module_graph;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `members` of the workspace's `Cargo.toml`.
fn members(root: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("a members list");
    let list = &line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()];
    list.split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| root.join(m))
        .collect()
}

/// The first import circle of the crate whose sources are in `src`, as `a -> b -> a`.
fn circle(src: &Path) -> Option<String> {
    let graph: BTreeMap<String, BTreeSet<String>> =
        module_graph::graph(&module_graph::modules(src))
            .iter()
            .map(|(from, to)| {
                let to = to.iter().map(module_graph::shown).collect();
                (module_graph::shown(from), to)
            })
            .collect();
    circles::first_circle(&graph).map(|c| c.join(" -> "))
}

#[test]
fn no_crate_has_an_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let members = members(root);
    assert!(members.len() >= 6, "{members:?}");
    let mut found = Vec::new();
    for member in &members {
        let src = member.join("src");
        assert!(src.is_dir(), "{} has no src folder", member.display());
        if let Some(circle) = circle(&src) {
            found.push(format!("{}: {circle}", member.display()));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// The reader finds the circles this test exists for: two files that import each other,
/// directly or through a folder module's re-export.
#[test]
fn a_circle_through_a_re_export_is_found() {
    let dir = std::env::temp_dir().join(format!("accord-circles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rest")).unwrap();
    let write = |path: &str, text: &str| std::fs::write(dir.join(path), text).unwrap();
    write("lib.rs", "mod rest;\npub use rest::Thing;\n");
    write(
        "rest/mod.rs",
        "mod hal;\nmod server;\npub use hal::Link;\npub use server::{Thing, encode};\n",
    );
    write("rest/hal.rs", "use super::encode;\npub struct Link;\n");
    write(
        "rest/server.rs",
        "// use super::hal; in a comment is no import\npub struct Thing;\npub fn encode() {}\n",
    );
    assert_eq!(circle(&dir), None);
    write(
        "rest/server.rs",
        "use crate::rest::{Link as L};\npub struct Thing;\npub fn encode() {}\n",
    );
    assert_eq!(
        circle(&dir).as_deref(),
        Some("rest::hal -> rest::server -> rest::hal")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
