//! A crate's modules and the imports between them, read from its sources: what the
//! no-circle tests (`cli/tests/import_circles.rs`, every crate) and the runtime's layer test
//! (`runtime/tests/layers.rs`) check. Included with `#[path]`.
//!
//! A node is a module file (`rest/server/call.rs` is `rest::server::call`). An edge is a path
//! that starts at `crate::`, `super::` or `self::` (in a `use`, brace groups expanded, or
//! inline) and leads into another module: to the deepest module the path names, or, when it
//! names an item of a folder module (`mod.rs`) that only re-exports it (`pub use child::Item`),
//! to the module that defines it. A folder module's re-exports are its facade, not its own
//! code's imports, so they are no edges; everything else it imports is. Test code (a
//! `#[cfg(test)]` item, a `tests.rs` file), comments and `$crate::` paths (what a macro's
//! expansion names) are not counted.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path below the crate root (`["rest", "server", "call"]`; the root is `[]`).
pub type ModulePath = Vec<String>;

/// One module file.
pub struct Module {
    pub path: ModulePath,
    /// Whether it is a folder module (`mod.rs`) or the crate root.
    pub hub: bool,
    /// Its code: comments and test code removed.
    pub code: String,
}

/// The modules of the crate whose sources are in `src`, by path.
pub fn modules(src: &Path) -> BTreeMap<ModulePath, Module> {
    let mut out = BTreeMap::new();
    walk(src, &mut Vec::new(), &mut out);
    out
}

fn walk(dir: &Path, prefix: &mut Vec<String>, out: &mut BTreeMap<ModulePath, Module>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            prefix.push(name);
            walk(&path, prefix, out);
            prefix.pop();
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || name == "tests" {
            continue;
        }
        let hub = matches!(name.as_str(), "mod" | "lib" | "main");
        let mut module_path = prefix.clone();
        if !hub {
            module_path.push(name);
        }
        let code = strip(&std::fs::read_to_string(&path).unwrap());
        out.insert(
            module_path.clone(),
            Module {
                path: module_path,
                hub,
                code,
            },
        );
    }
}

/// The code without comments, test items and string contents that could look like paths.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            skip_item(&mut lines);
            continue;
        }
        // A trailing comment (`code // why`): cut at `//` outside a string, roughly.
        let code = match line.find(" //") {
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Skips the item after a `#[cfg(test)]`: one line, or a braced block to its end.
fn skip_item<'a>(lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>) {
    let mut depth = 0i32;
    let mut opened = false;
    for line in lines.by_ref() {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let ends = line.trim_end().ends_with(';') || line.trim_end().ends_with('}');
        if (opened && depth <= 0) || (!opened && ends) {
            return;
        }
    }
}

/// Every `crate::`/`super::`/`self::` path in `code`, brace groups expanded, as segments
/// relative to nothing yet (`["super", "hal", "Resource"]`), with whether it is a public
/// re-export (`pub use`, `pub(crate) use`, `pub(super) use`).
pub fn paths(code: &str) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c == '$' || c == ':' || c.is_alphanumeric() || c == '_') {
                continue;
            }
            let statement = statement_start(code, at);
            let reexport = ["pub use ", "pub(crate) use ", "pub(super) use "]
                .iter()
                .any(|p| statement.starts_with(p));
            let mut end = at;
            let mut depth = 0;
            while end < bytes.len() {
                match bytes[end] {
                    b'{' => depth += 1,
                    b'}' if depth == 0 => break,
                    b'}' => depth -= 1,
                    b';' | b'(' | b')' | b'<' | b'>' | b'=' | b'!' | b'&' | b'[' | b']' => break,
                    b',' | b' ' | b'\n' if depth == 0 => break,
                    _ => {}
                }
                end += 1;
            }
            for path in expand(&code[at..end]) {
                out.push((path, reexport));
            }
        }
    }
    out
}

/// The text of the statement `at` is in, from its start (after the previous `;`, `{` or `}`).
fn statement_start(code: &str, at: usize) -> &str {
    let start = code[..at].rfind([';', '{', '}']).map_or(0, |i| i + 1);
    code[start..at].trim_start()
}

/// `a::{b, c::{d, e}}` as `[a b] [a c d] [a c e]`; `self` inside a group is the prefix itself.
fn expand(text: &str) -> Vec<Vec<String>> {
    // `Name as Alias` names `Name`: the alias is cut before the spaces go.
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" as ", "@");
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = text.find('{') else {
        let segments: Vec<String> = text
            .split("::")
            .map(|s| s.split('@').next().unwrap_or(s).to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        return vec![segments];
    };
    let prefix: Vec<String> = text[..open]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let inner = text[open + 1..]
        .strip_suffix('}')
        .unwrap_or(&text[open + 1..]);
    let mut out = Vec::new();
    for part in split_top(inner) {
        if part == "self" {
            out.push(prefix.clone());
            continue;
        }
        for rest in expand(&part) {
            let mut path = prefix.clone();
            path.extend(rest);
            out.push(path);
        }
    }
    out
}

/// `b,c::{d,e}` split at the commas outside braces.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].to_owned());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The crate's import graph: each module to the modules it imports.
pub fn graph(modules: &BTreeMap<ModulePath, Module>) -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    let mut graph = BTreeMap::new();
    for (path, module) in modules {
        let edges: &mut BTreeSet<ModulePath> = graph.entry(path.clone()).or_default();
        for (segments, reexport) in paths(&module.code) {
            if module.hub && reexport {
                continue;
            }
            let Some(absolute) = absolute(path, &segments) else {
                continue;
            };
            // The crate root is the hub every module names (`crate::CallError`), not a node.
            if let Some(target) = resolve(modules, &absolute, 0)
                && target != *path
                && !target.is_empty()
            {
                edges.insert(target);
            }
        }
    }
    graph
}

/// `segments` (starting with `crate`, `super` or `self`) from the module at `from` as a path
/// from the crate root.
fn absolute(from: &ModulePath, segments: &[String]) -> Option<Vec<String>> {
    // `self` is the module itself and `super` its parent, whether it is `a/b.rs` (`a::b`) or
    // `a/b/mod.rs` (also `a::b`).
    let mut base: Vec<String> = from.clone();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The module an absolute path leads to: the deepest module on it, or for an item a folder
/// module re-exports, the module it comes from.
fn resolve(
    modules: &BTreeMap<ModulePath, Module>,
    path: &[String],
    depth: usize,
) -> Option<ModulePath> {
    if depth > 8 {
        return None;
    }
    let mut deepest = 0;
    for n in 0..=path.len() {
        if modules.contains_key(&path[..n].to_vec()) {
            deepest = n;
        }
    }
    let module = &modules[&path[..deepest].to_vec()];
    if !module.hub || deepest == path.len() {
        return Some(module.path.clone());
    }
    let item = &path[deepest];
    for (segments, reexport) in paths(&module.code) {
        if !reexport || segments.last() != Some(item) {
            continue;
        }
        let source = absolute(&module.path, &segments)?;
        if source.as_slice() != path {
            return resolve(modules, &source, depth + 1);
        }
    }
    // `pub use child::Item;` written without a leading `self::`.
    for line in module.code.lines() {
        let line = line.trim_start();
        let Some(rest) = line
            .strip_prefix("pub use ")
            .or_else(|| line.strip_prefix("pub(crate) use "))
            .or_else(|| line.strip_prefix("pub(super) use "))
        else {
            continue;
        };
        for segments in expand(rest.trim_end_matches(';')) {
            if segments.last() == Some(item) && segments.len() > 1 {
                let mut source = module.path.clone();
                source.extend(segments);
                if modules.contains_key(&source[..module.path.len() + 1].to_vec()) {
                    return resolve(modules, &source, depth + 1);
                }
            }
        }
    }
    Some(module.path.clone())
}

/// `a::b::c` for messages (`crate` for the root).
pub fn shown(path: &ModulePath) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}
