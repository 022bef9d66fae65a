//! Name resolution: which declarations a file can see, and what a written name refers to.
//!
//! A file sees its own package and every package it imports, transitively. A short name is
//! looked up in all of those (two hits is ambiguous); a qualified name (`ftgo.common.Money`)
//! works for any loaded package. A short name is one hash lookup in an index of every package's
//! names, whose few hits are then filtered by visibility.

use super::visibility::Visibility;
use crate::check::types;
use crate::diagnostic::Diagnostic;
use crate::model::{ChannelId, DeclId, PackageId, ServiceId};
use crate::source::FileId;
use crate::syntax::Path;
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sym {
    Decl(DeclId),
    Service(ServiceId),
    Channel(ChannelId),
}

impl Sym {
    pub fn describe(self) -> &'static str {
        match self {
            Sym::Decl(_) => "a type",
            Sym::Service(_) => "a service",
            Sym::Channel(_) => "a channel",
        }
    }
}

#[derive(Default)]
pub(crate) struct Scope {
    pub by_name: FxHashMap<String, PackageId>,
    pub names: Vec<String>,
    /// Per package: every declared name.
    pub symbols: Vec<FxHashMap<String, Sym>>,
    /// Which packages each file sees.
    pub visibility: Visibility,
    /// Every declared name, with each package that declares it (in declaration order).
    everywhere: FxHashMap<String, Vec<(PackageId, Sym)>>,
    /// Every declared name by its first two characters (lower case), sorted: where "did you
    /// mean" looks when too many names are visible to compare with each (which made many
    /// unknown names cost quadratic time). Built on first use.
    by_prefix: std::sync::OnceLock<FxHashMap<String, Vec<String>>>,
}

/// Above this many visible names, suggestions come from the unknown name's prefix bucket, and
/// at most this many of them are compared: each unknown name then costs bounded time.
const SUGGEST_ALL_MAX: usize = super::visibility::SMALL_MAX;

fn prefix(name: &str) -> String {
    name.chars().take(2).flat_map(char::to_lowercase).collect()
}

impl Scope {
    pub fn package(&mut self, name: &str) -> (PackageId, bool) {
        if let Some(&id) = self.by_name.get(name) {
            return (id, false);
        }
        let id = PackageId(self.names.len() as u32);
        self.by_name.insert(name.to_string(), id);
        self.names.push(name.to_string());
        self.symbols.push(FxHashMap::default());
        (id, true)
    }

    /// Room for `names` more declared names.
    pub fn reserve(&mut self, names: usize) {
        self.everywhere.reserve(names);
    }

    /// Declares `name` in `package` (the caller has reported duplicates already).
    pub fn declare(&mut self, package: PackageId, name: &str, sym: Sym) {
        self.symbols[package.index()].insert(name.to_string(), sym);
        let hits = self.everywhere.entry(name.to_string()).or_default();
        hits.push((package, sym));
    }

    /// Declared names that start like `name` (case ignored), in name order.
    fn like(&self, name: &str) -> &[String] {
        let index = self.by_prefix.get_or_init(|| {
            let mut index: FxHashMap<String, Vec<String>> = FxHashMap::default();
            for n in self.everywhere.keys() {
                index.entry(prefix(n)).or_default().push(n.clone());
            }
            index.values_mut().for_each(|v| v.sort());
            index
        });
        index.get(&prefix(name)).map_or(&[], Vec::as_slice)
    }

    /// Resolves a written name, reporting unknown and ambiguous names (`what`: "type", ...).
    pub fn resolve(
        &self,
        file: FileId,
        path: &Path,
        what: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Sym> {
        let (last, prefix) = path.segments.split_last()?;
        let name = last.text.as_str();
        if !prefix.is_empty() {
            let package: Vec<&str> = prefix.iter().map(|s| s.text.as_str()).collect();
            let table = self
                .by_name
                .get(package.join(".").as_str())
                .map(|p| &self.symbols[p.index()]);
            let found = table.and_then(|t| t.get(name).copied());
            if found.is_none() {
                let suggestion = table.and_then(|t| match t.len() <= SUGGEST_ALL_MAX {
                    true => types::suggest(name, t.keys().map(String::as_str)),
                    false => {
                        let like = self.like(name).iter().map(String::as_str);
                        types::suggest(
                            name,
                            like.filter(|n| t.contains_key(*n)).take(SUGGEST_ALL_MAX),
                        )
                    }
                });
                let package = package.join(".");
                diags.push(types::unknown_qualified(
                    what,
                    name,
                    &package,
                    table.is_some(),
                    path.span,
                    suggestion,
                ));
            }
            return found;
        }
        let sees = |p: PackageId| self.visibility.sees(file, p);
        let declared = self.everywhere.get(name).map_or(&[][..], Vec::as_slice);
        // The common case (one hit) allocates nothing; the list is only built for the error.
        let mut hits = declared.iter().filter(|(p, _)| sees(*p));
        let first = hits.next();
        if let (Some(&(_, sym)), None) = (first, hits.clone().next()) {
            return Some(sym);
        }
        let hits: Vec<(PackageId, Sym)> = first.into_iter().chain(hits).copied().collect();
        match hits.as_slice() {
            [] => {
                let wanted = |sym: &Sym| match what {
                    "channel" => matches!(sym, Sym::Channel(_)),
                    "service" => matches!(sym, Sym::Service(_)),
                    _ => matches!(sym, Sym::Decl(_)),
                };
                let scalars = crate::model::Scalar::ALL
                    .iter()
                    .map(|s| s.name())
                    .filter(|_| what == "type");
                // The visible packages when they hold at most `SUGGEST_ALL_MAX` names.
                let suggestion = if let Some(visible) = self.visibility.small(file) {
                    let all = visible.iter().flat_map(|p| {
                        self.symbols[p.index()]
                            .iter()
                            .filter(|(_, s)| wanted(s))
                            .map(|(n, _)| n.as_str())
                    });
                    types::suggest(name, all.chain(scalars))
                } else {
                    let seen = |n: &&str| {
                        let hits = self.everywhere.get(*n).map_or(&[][..], Vec::as_slice);
                        hits.iter().any(|(p, s)| wanted(s) && sees(*p))
                    };
                    let like = self.like(name).iter().map(String::as_str).filter(seen);
                    types::suggest(name, like.take(SUGGEST_ALL_MAX).chain(scalars))
                };
                diags.push(types::unknown(what, name, path.span, suggestion));
                None
            }
            many => {
                let packages: Vec<&str> = many
                    .iter()
                    .map(|(p, _)| self.names[p.index()].as_str())
                    .collect();
                diags.push(types::ambiguous(name, &packages, path.span));
                None
            }
        }
    }
}
