//! Which packages a file sees: its own and those of every file it imports, transitively.
//!
//! Written out per file, that is quadratic in a chain of imports (the i-th of n files sees
//! n - i packages: 16k files took 15 s). Nothing here is written out per file. The import
//! graph is condensed once into its strongly connected components (the files of an import
//! cycle all see the same packages), and "does this file see package `p`" is answered from
//! labels of that acyclic graph, computed in linear time:
//!
//! - a depth-first spanning forest numbers each component in pre-order, so the components
//!   below it in the forest are one contiguous range: if one of `p`'s components is in that
//!   range, `p` is visible (a binary search in `p`'s components). Chains, trees and stars are
//!   answered by this alone;
//! - the same walk's post-order numbers, with `low` the least post-order number reachable from
//!   a component, bound what it can reach (GRAIL, Yildirim et al. 2010): every component it
//!   reaches has a post-order number in `low..=post`. No component of `p` in that range: `p`
//!   is not visible;
//! - otherwise (an import graph with shared imports: diamonds, hubs) a walk from the file's
//!   component, pruned by the same bound, decides.
//!
//! "Did you mean" compares an unknown name with every visible name while there are at most
//! [`SMALL_MAX`] of them; [`Visibility::small`] lists those packages, computed per component
//! from its successors' lists (bounded by that limit, so linear too).

use crate::model::PackageId;
use crate::source::FileId;
use crate::syntax::ParsedFile;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Up to this many visible names (summed over the visible packages), a component keeps the
/// list of packages it sees (see [`Visibility::small`]).
pub(crate) const SMALL_MAX: usize = 256;

const NONE: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct Visibility {
    /// Per file: its position in the files the front end loaded.
    position: FxHashMap<FileId, u32>,
    /// Per file position: its own package, and its component.
    own: Vec<Option<PackageId>>,
    comp: Vec<u32>,
    /// Per component (sinks first: an import goes to a lower number): the spanning forest's
    /// pre-order number and the number of components below it (itself included), its
    /// post-order number and the least post-order number it reaches, its successors.
    pre: Vec<u32>,
    size: Vec<u32>,
    post: Vec<u32>,
    low: Vec<u32>,
    succs: Vec<Vec<u32>>,
    /// Per package: the pre-order and the post-order numbers of the components holding its
    /// files, each sorted.
    homes_pre: Vec<Vec<u32>>,
    homes_post: Vec<Vec<u32>>,
    /// Per component: the packages with names it sees, when they have at most [`SMALL_MAX`]
    /// names together (`None`: more).
    small: Vec<Option<Arc<[PackageId]>>>,
}

impl Visibility {
    /// `packages[i]` is the package of `files[i]`; `names[p]` how many names package `p`
    /// declares.
    pub fn new(files: &[ParsedFile], packages: &[Option<PackageId>], names: &[usize]) -> Self {
        let position: FxHashMap<FileId, u32> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i as u32))
            .collect();
        let edges: Vec<Vec<u32>> = files
            .iter()
            .map(|f| {
                let to = f.imports.iter().flatten();
                to.filter_map(|id| position.get(id).copied()).collect()
            })
            .collect();
        let (comp, count) = components(&edges);
        let count = count as usize;

        // Members (in file order) and successors (in import order) of each component.
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); count];
        for (file, &c) in comp.iter().enumerate() {
            members[c as usize].push(file as u32);
        }
        let mut stamp = vec![NONE; count];
        let succs: Vec<Vec<u32>> = (0..count)
            .map(|c| {
                stamp[c] = c as u32;
                let mut out = Vec::new();
                for &file in &members[c] {
                    for &to in &edges[file as usize] {
                        let s = comp[to as usize];
                        if std::mem::replace(&mut stamp[s as usize], c as u32) != c as u32 {
                            out.push(s);
                        }
                    }
                }
                out
            })
            .collect();

        let (pre, size, post) = forest(&succs);
        // Successors have lower numbers, so one ascending pass sees them first.
        let mut low = post.clone();
        for c in 0..count {
            for &s in &succs[c] {
                low[c] = low[c].min(low[s as usize]);
            }
        }

        let package_count = names.len();
        let mut homes_pre: Vec<Vec<u32>> = vec![Vec::new(); package_count];
        let mut homes_post: Vec<Vec<u32>> = vec![Vec::new(); package_count];
        let mut comp_packages: Vec<Vec<PackageId>> = vec![Vec::new(); count];
        for (c, files) in members.iter().enumerate() {
            for &file in files {
                let Some(p) = packages[file as usize] else {
                    continue;
                };
                if !comp_packages[c].contains(&p) {
                    comp_packages[c].push(p);
                    homes_pre[p.index()].push(pre[c]);
                    homes_post[p.index()].push(post[c]);
                }
            }
        }
        homes_pre.iter_mut().for_each(|h| h.sort_unstable());
        homes_post.iter_mut().for_each(|h| h.sort_unstable());

        let small = small_lists(&comp_packages, &succs, names);
        Visibility {
            position,
            own: packages.to_vec(),
            comp,
            pre,
            size,
            post,
            low,
            succs,
            homes_pre,
            homes_post,
            small,
        }
    }

    /// Whether `file` sees package `p`.
    pub fn sees(&self, file: FileId, p: PackageId) -> bool {
        let Some(&at) = self.position.get(&file) else {
            return false;
        };
        if self.own[at as usize] == Some(p) {
            return true;
        }
        let Some(pre) = self.homes_pre.get(p.index()) else {
            return false;
        };
        let start = self.comp[at as usize];
        if self.below(start, pre) {
            return true;
        }
        let post = &self.homes_post[p.index()];
        if !self.may_reach(start, post) {
            return false;
        }
        // Shared imports: walk, pruned by the post-order bound.
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![start];
        seen.insert(start);
        while let Some(c) = stack.pop() {
            if self.below(c, pre) {
                return true;
            }
            for &s in &self.succs[c as usize] {
                if self.may_reach(s, post) && seen.insert(s) {
                    stack.push(s);
                }
            }
        }
        false
    }

    /// Whether one of the components numbered `homes` (pre-order, sorted) is `c` or below it
    /// in the spanning forest (then `c` reaches it).
    fn below(&self, c: u32, homes: &[u32]) -> bool {
        let from = self.pre[c as usize];
        let to = from + self.size[c as usize];
        let i = homes.partition_point(|&h| h < from);
        homes.get(i).is_some_and(|&h| h < to)
    }

    /// Whether `c` may reach one of the components numbered `homes` (post-order, sorted): false
    /// means it does not.
    fn may_reach(&self, c: u32, homes: &[u32]) -> bool {
        let i = homes.partition_point(|&h| h < self.low[c as usize]);
        homes.get(i).is_some_and(|&h| h <= self.post[c as usize])
    }

    /// The packages `file` sees, its own first, if they declare at most [`SMALL_MAX`] names
    /// together (packages without names left out); `None` if more.
    pub fn small(&self, file: FileId) -> Option<Vec<PackageId>> {
        let Some(&at) = self.position.get(&file) else {
            return Some(Vec::new());
        };
        let list = self.small[self.comp[at as usize] as usize].as_ref()?;
        let own = self.own[at as usize];
        let first = own.filter(|p| list.contains(p));
        Some(
            first
                .into_iter()
                .chain(list.iter().copied().filter(|p| Some(*p) != own))
                .collect(),
        )
    }
}

/// Strongly connected components (Tarjan, iterative): each node's component, numbered so that
/// an edge between components goes to a lower number, and how many there are.
fn components(edges: &[Vec<u32>]) -> (Vec<u32>, u32) {
    let n = edges.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut comp = vec![NONE; n];
    let mut next = 0u32;
    let mut count = 0u32;
    let mut calls: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        let mut enter = |v: u32, stack: &mut Vec<u32>, calls: &mut Vec<(u32, usize)>| {
            index[v as usize] = next;
            low[v as usize] = next;
            next += 1;
            stack.push(v);
            on_stack[v as usize] = true;
            calls.push((v, 0));
        };
        enter(root, &mut stack, &mut calls);
        while let Some(&(v, edge)) = calls.last() {
            let vu = v as usize;
            if let Some(&w) = edges[vu].get(edge) {
                calls.last_mut().expect("a call").1 += 1;
                let wu = w as usize;
                if index[wu] == NONE {
                    index[wu] = next;
                    low[wu] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[wu] = true;
                    calls.push((w, 0));
                } else if on_stack[wu] {
                    low[vu] = low[vu].min(index[wu]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u as usize] = low[u as usize].min(low[vu]);
            }
            if low[vu] == index[vu] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = count;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    (comp, count)
}

/// A depth-first spanning forest of the component graph, from its sources: each component's
/// pre-order number, the size of its subtree and its post-order number.
fn forest(succs: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = succs.len();
    let mut pre = vec![NONE; n];
    let mut size = vec![0u32; n];
    let mut post = vec![0u32; n];
    let (mut next_pre, mut next_post) = (0u32, 0u32);
    let mut calls: Vec<(u32, usize)> = Vec::new();
    // Higher numbers come first in any order of imports: start there, so roots are sources.
    for root in (0..n as u32).rev() {
        if pre[root as usize] != NONE {
            continue;
        }
        pre[root as usize] = next_pre;
        next_pre += 1;
        calls.push((root, 0));
        while let Some(&(v, edge)) = calls.last() {
            if let Some(&w) = succs[v as usize].get(edge) {
                calls.last_mut().expect("a call").1 += 1;
                if pre[w as usize] == NONE {
                    pre[w as usize] = next_pre;
                    next_pre += 1;
                    calls.push((w, 0));
                }
                continue;
            }
            calls.pop();
            post[v as usize] = next_post;
            next_post += 1;
            size[v as usize] = next_pre - pre[v as usize];
        }
    }
    (pre, size, post)
}

/// Per component, the packages with names it sees while they hold at most [`SMALL_MAX`]
/// names: its own (in file order), then what each import sees (the last import first, as a
/// walk with a stack finds them). Successors have lower numbers, so one ascending pass has
/// their lists ready; a list is at most [`SMALL_MAX`] long, so this is linear.
fn small_lists(
    own: &[Vec<PackageId>],
    succs: &[Vec<u32>],
    names: &[usize],
) -> Vec<Option<Arc<[PackageId]>>> {
    let mut out: Vec<Option<Arc<[PackageId]>>> = Vec::with_capacity(own.len());
    let mut stamp = vec![NONE; names.len()];
    for (c, packages) in own.iter().enumerate() {
        let mark = c as u32;
        let mut list: Vec<PackageId> = Vec::new();
        let mut total = 0usize;
        let mut add = |p: PackageId, list: &mut Vec<PackageId>| {
            let named = names[p.index()];
            if named > 0 && std::mem::replace(&mut stamp[p.index()], mark) != mark {
                total += named;
                list.push(p);
            }
            total <= SMALL_MAX
        };
        let mut fits = packages.iter().all(|&p| add(p, &mut list));
        // One import and no names of its own: share the import's list.
        if fits && list.is_empty() && succs[c].len() == 1 {
            out.push(out[succs[c][0] as usize].clone());
            continue;
        }
        for &s in succs[c].iter().rev() {
            if !fits {
                break;
            }
            fits = match &out[s as usize] {
                Some(theirs) => theirs.iter().all(|&p| add(p, &mut list)),
                None => false,
            };
        }
        out.push(fits.then(|| list.into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `from` reaches `to` (a plain walk), to hold the labels to.
    fn reaches(edges: &[Vec<u32>], from: u32, to: u32) -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        seen[from as usize] = true;
        while let Some(v) = stack.pop() {
            if v == to {
                return true;
            }
            for &w in &edges[v as usize] {
                if !std::mem::replace(&mut seen[w as usize], true) {
                    stack.push(w);
                }
            }
        }
        false
    }

    fn files(edges: &[Vec<u32>]) -> Vec<ParsedFile> {
        edges
            .iter()
            .enumerate()
            .map(|(i, to)| ParsedFile {
                id: FileId(i as u32 * 3 + 1),
                syntax: crate::syntax::File {
                    package: None,
                    version: None,
                    imports: Vec::new(),
                    items: Vec::new(),
                    comments: Vec::new(),
                },
                imports: to.iter().map(|&t| Some(FileId(t * 3 + 1))).collect(),
            })
            .collect()
    }

    /// Every (file, package) answer equals a plain walk's, over pseudo-random graphs with
    /// cycles, diamonds and packages spread over several files.
    #[test]
    fn sees_what_a_walk_reaches() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |bound: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as u32
        };
        for round in 0..200 {
            let n = 1 + next(40);
            let degree = 1 + round % 4;
            let edges: Vec<Vec<u32>> = (0..n)
                .map(|_| (0..next(degree + 1)).map(|_| next(n)).collect())
                .collect();
            let package_count = 1 + next(n);
            let packages: Vec<Option<PackageId>> = (0..n)
                .map(|_| match next(8) {
                    0 => None,
                    _ => Some(PackageId(next(package_count))),
                })
                .collect();
            let names: Vec<usize> = (0..package_count).map(|_| next(120) as usize).collect();
            let files = files(&edges);
            let v = Visibility::new(&files, &packages, &names);
            for from in 0..n {
                let mut expected: Vec<PackageId> = Vec::new();
                for p in 0..package_count {
                    let p = PackageId(p);
                    let want = (0..n)
                        .any(|to| packages[to as usize] == Some(p) && reaches(&edges, from, to));
                    assert_eq!(
                        v.sees(files[from as usize].id, p),
                        want,
                        "round {round}: {from} sees {p:?}"
                    );
                    if want && names[p.index()] > 0 {
                        expected.push(p);
                    }
                }
                let total: usize = expected.iter().map(|p| names[p.index()]).sum();
                let small = v.small(files[from as usize].id);
                match small {
                    Some(mut list) => {
                        assert!(total <= SMALL_MAX, "round {round}");
                        if let Some(own) = packages[from as usize].filter(|p| names[p.index()] > 0)
                        {
                            assert_eq!(list[0], own);
                        }
                        list.sort();
                        assert_eq!(list, expected, "round {round}: {from}");
                    }
                    None => assert!(total > SMALL_MAX, "round {round}: {total}"),
                }
            }
        }
    }

    /// A long chain walks nothing: every answer comes from the labels.
    #[test]
    fn a_chain_of_imports_is_answered_by_the_forest() {
        let n = 5_000u32;
        let edges: Vec<Vec<u32>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let packages: Vec<Option<PackageId>> = (0..n).map(|i| Some(PackageId(i))).collect();
        let files = files(&edges);
        let v = Visibility::new(&files, &packages, &vec![1; n as usize]);
        for i in (0..n).step_by(97) {
            let c = v.comp[i as usize];
            for j in (0..n).step_by(89) {
                let home = &v.homes_pre[j as usize];
                assert_eq!(v.below(c, home), j >= i, "{i} {j}");
                assert_eq!(v.sees(files[i as usize].id, PackageId(j)), j >= i);
            }
        }
    }
}
