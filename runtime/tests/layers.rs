//! The runtime's layering (ARCHITECTURE.md), read from its sources so that an import across a
//! boundary fails here:
//! - the core (the call core `call`, errors, codecs, context, validation, resilience,
//!   metrics, …) imports no transport and not the store;
//! - `auth` is neutral: it imports no transport and not the store (a JWKS is fetched with its
//!   own HTTP client, not through the REST transport);
//! - transports (`rest`, `grpc`, `messaging`) never import one another;
//! - the store imports no transport but `messaging` (its relay publishes to a broker, and it
//!   implements messaging's `Idempotence` and `Outbox` seams), and no transport imports the store;
//! - `testing` (the `TestBed` that serves fakes over every transport) is above them all;
//! - no import circle between any two module files.
//!
//! Test code (`#[cfg(test)]` items, `tests.rs`) and comments are not counted.

#[path = "../../idl-parser/tests/support/circles.rs"]
mod circles;
#[path = "../../idl-parser/tests/support/module_graph.rs"]
mod module_graph;

use module_graph::{graph, modules, shown};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TRANSPORTS: &[&str] = &["rest", "grpc", "messaging"];
/// Above the transports: what uses them (the store only `messaging`, see below); no
/// transport imports them.
const ABOVE: &[&str] = &["store", "testing"];

/// Each top-level module and the top-level modules it imports (the crate root excluded).
fn top_level() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in graph(&modules(&src)) {
        let Some(top) = from.first() else { continue };
        let uses = out.entry(top.clone()).or_default();
        for target in to {
            if target[0] != *top {
                uses.insert(target[0].clone());
            }
        }
    }
    out
}

fn imports_of(graph: &BTreeMap<String, BTreeSet<String>>, module: &str) -> BTreeSet<String> {
    graph
        .get(module)
        .unwrap_or_else(|| panic!("no module `{module}` in the runtime"))
        .clone()
}

#[test]
fn the_core_and_auth_import_no_transport_and_transports_not_one_another() {
    let graph = top_level();
    let up = |u: &&String| TRANSPORTS.contains(&u.as_str()) || ABOVE.contains(&u.as_str());
    for core in graph.keys() {
        if up(&core) {
            continue;
        }
        let uses = imports_of(&graph, core);
        let crossing: Vec<_> = uses.iter().filter(up).collect();
        assert!(
            crossing.is_empty(),
            "`{core}` is below the transports, yet imports {crossing:?}"
        );
    }
    for transport in TRANSPORTS {
        let uses = imports_of(&graph, transport);
        let others: Vec<_> = uses.iter().filter(up).collect();
        assert!(
            others.is_empty(),
            "transport `{transport}` imports {others:?}"
        );
    }
    let store = imports_of(&graph, "store");
    assert!(
        !store.contains("rest") && !store.contains("grpc"),
        "the store imports a transport: {store:?}"
    );
    // The seam is real: the transports do use the core.
    for transport in TRANSPORTS {
        assert!(
            imports_of(&graph, transport).contains("call"),
            "{transport}"
        );
    }
}

#[test]
fn the_runtime_has_no_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&modules(&src));
    assert!(graph.contains_key(&vec!["messaging".to_owned(), "broker".to_owned()]));
    let named: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .map(|(from, to)| (shown(from), to.iter().map(shown).collect()))
        .collect();
    let found = circles::first_circle(&named);
    assert!(
        found.is_none(),
        "import circle: {}",
        found.unwrap_or_default().join(" -> ")
    );
}
