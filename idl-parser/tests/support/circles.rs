//! Import circles in a module graph, for the layering tests of the front end
//! (`tests/layers.rs`) and of the Rust target (`codegen/tests/rust_layers.rs`, which includes
//! this file with `#[path]`).

use std::collections::{BTreeMap, BTreeSet};

/// Module name to the modules it imports.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The first circle in `graph`, as the path that closes it (`a -> b -> a`), if any.
pub fn first_circle(graph: &Graph) -> Option<Vec<String>> {
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| circle(graph, node, &mut Vec::new(), &mut done))
}

/// A circle through `node`, if any (depth-first, the path so far in `stack`).
fn circle(
    graph: &Graph,
    node: &str,
    stack: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(at) = stack.iter().position(|n| n == node) {
        let mut found = stack[at..].to_vec();
        found.push(node.to_owned());
        return Some(found);
    }
    if !done.insert(node.to_owned()) {
        return None;
    }
    stack.push(node.to_owned());
    for next in graph.get(node).into_iter().flatten() {
        if let Some(found) = circle(graph, next, stack, done) {
            return Some(found);
        }
    }
    stack.pop();
    None
}
