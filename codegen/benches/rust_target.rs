//! Time of the Rust target (naming, token generation and formatting of every file) for the
//! 60,000-line synthetic API; the front end is timed by `accord-idl`'s bench.
//!
//! `cargo bench -p accord-codegen --bench rust_target`
//!
//! For a profile, `ACCORD_EMIT_ONCE=1` runs the generator once and exits (no criterion), so
//! `valgrind --tool=callgrind target/release/deps/rust_target-* --bench` stays short.

use accord_codegen::rust::{Options, emit};
use accord_idl::Model;
use accord_idl::synth::{SynthConfig, large_api};
use criterion::Criterion;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

fn benchmark_model() -> Model {
    let mut files: HashMap<PathBuf, String> =
        large_api(SynthConfig::benchmark()).into_iter().collect();
    let mut roots: Vec<PathBuf> = files.keys().cloned().collect();
    roots.sort();
    let lines: usize = files.values().map(|t| t.lines().count()).sum();
    let compilation = accord_idl::compile(&roots, &mut files);
    assert!(!compilation.has_errors(), "the synthetic API must compile");
    println!("benchmark API: {lines} lines in");
    compilation.model
}

fn main() {
    let model = benchmark_model();
    let options = Options::default();
    let started = Instant::now();
    let output = emit(&model, &options);
    let lines: usize = output.iter().map(|f| f.contents.lines().count()).sum();
    println!(
        "one run: {lines} lines of Rust out in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    if std::env::var_os("ACCORD_EMIT_ONCE").is_some() {
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("rust_target");
    group.sample_size(10);
    group.bench_function("emit_60k_line_api", |b| b.iter(|| emit(&model, &options)));
    group.finish();
    criterion.final_summary();
}
