//! The front end on the 60,000-line benchmark API (200 services, 2,000 operations): parse alone,
//! the whole `compile` (parse + lower + check) and the formatter. Shared by the `front_end`
//! (mimalloc) and `front_end_system_alloc` benchmarks, which differ only in the allocator.

use accord_idl::synth::{SynthConfig, large_api};
use accord_idl::{FileId, format, parser};
use criterion::{Criterion, Throughput};
use std::collections::HashMap;
use std::path::PathBuf;

/// Runs the three benchmarks as criterion group `group` (one per allocator, so that criterion
/// compares each run with the previous run of the same allocator).
pub fn front_end(c: &mut Criterion, group: &str) {
    let api = large_api(SynthConfig::benchmark());
    let mut files: HashMap<PathBuf, String> = api.iter().cloned().collect();
    let mut roots: Vec<PathBuf> = files.keys().cloned().collect();
    roots.sort();
    let bytes: usize = files.values().map(String::len).sum();
    let lines: usize = files.values().map(|t| t.lines().count()).sum();
    println!(
        "benchmark API: {} files, {lines} lines, {bytes} bytes",
        files.len()
    );

    let mut group = c.benchmark_group(group);
    group
        .sample_size(20)
        .throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse_60k_lines", |b| {
        b.iter(|| {
            let trees: Vec<_> = api
                .iter()
                .enumerate()
                .map(|(i, (_, text))| parse_clean(i, text))
                .collect();
            trees
        })
    });
    group.bench_function("parse_and_check_60k_lines", |b| {
        b.iter(|| {
            let compilation = accord_idl::compile(&roots, &mut files);
            assert!(!compilation.has_errors(), "the benchmark API is valid");
            compilation
        })
    });
    let trees: Vec<_> = api
        .iter()
        .enumerate()
        .map(|(i, (_, text))| (parse_clean(i, text), text))
        .collect();
    group.bench_function("format_60k_lines", |b| {
        b.iter(|| {
            let out: Vec<String> = trees
                .iter()
                .map(|(tree, text)| format::format(tree, text))
                .collect();
            out
        })
    });
    group.finish();
}

fn parse_clean(index: usize, text: &str) -> accord_idl::syntax::File {
    let (tree, errors) = parser::parse(FileId(index as u32), text);
    assert!(errors.is_empty(), "the benchmark API parses: {errors:?}");
    tree
}
