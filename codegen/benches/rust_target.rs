//! Time of the Rust target (naming, token generation and prettyplease formatting of every
//! file) for the 60,000-line synthetic API; the front end is timed by `accord-idl`'s bench.
//!
//! `cargo bench -p accord-codegen --bench rust_target`

use accord_codegen::rust::{Options, emit};
use accord_idl::synth::{SynthConfig, large_api};
use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn rust_target(c: &mut Criterion) {
    let files: HashMap<PathBuf, String> = large_api(SynthConfig::benchmark()).into_iter().collect();
    let mut roots: Vec<PathBuf> = files.keys().cloned().collect();
    roots.sort();
    let lines: usize = files.values().map(|t| t.lines().count()).sum();
    let mut loader = |p: &Path| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    };
    let compilation = accord_idl::compile(&roots, &mut loader);
    assert!(!compilation.has_errors(), "the synthetic API must compile");
    let model = compilation.model;
    let options = Options::default();
    let output: usize = emit(&model, &options)
        .iter()
        .map(|f| f.contents.lines().count())
        .sum();
    println!("benchmark API: {lines} lines in, {output} lines of Rust out");

    let mut group = c.benchmark_group("rust_target");
    group.sample_size(10);
    group.bench_function("emit_60k_line_api", |b| b.iter(|| emit(&model, &options)));
    group.finish();
}

criterion_group!(benches, rust_target);
criterion_main!(benches);
