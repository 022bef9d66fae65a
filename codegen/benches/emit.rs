//! Time of every document target (OpenAPI, AsyncAPI, JSON Schema, protobuf, reference docs) for
//! the 60,000-line synthetic API, one benchmark per target and one for all of them together.
//! The front end runs once, outside the timings; the Rust target has its own bench. A last
//! group times the two YAML writers on the OpenAPI documents.
//!
//! It runs with the `accord` binary's global allocator (mimalloc), so the times are those users
//! of the CLI get; the emitters allocate many small values and glibc's malloc costs them about a
//! fifth more.
//!
//! `cargo bench -p accord-codegen --bench emit`

use accord_codegen::schema::to_yaml;
use accord_codegen::{Target, emit, openapi};
use accord_idl::Model;
use accord_idl::synth::{SynthConfig, large_api};
use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DOCUMENTS: [Target; 5] = [
    Target::OpenApi,
    Target::AsyncApi,
    Target::JsonSchema,
    Target::Proto,
    Target::Docs,
];

/// The checked model of the benchmark API and its line count.
fn benchmark_model() -> (Model, usize) {
    let mut files: HashMap<PathBuf, String> =
        large_api(SynthConfig::benchmark()).into_iter().collect();
    let mut roots: Vec<PathBuf> = files.keys().cloned().collect();
    roots.sort();
    let lines = files.values().map(|t| t.lines().count()).sum();
    let compilation = accord_idl::compile(&roots, &mut files);
    assert!(!compilation.has_errors(), "the synthetic API must compile");
    (compilation.model, lines)
}

fn all_documents(model: &Model) -> usize {
    DOCUMENTS.iter().map(|&t| emit(model, t).len()).sum()
}

fn documents(c: &mut Criterion) {
    let (model, lines) = benchmark_model();
    println!("benchmark API: {lines} lines");
    for target in DOCUMENTS {
        let files = emit(&model, target);
        let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
        println!(
            "{}: {} files, {} KiB",
            target.name(),
            files.len(),
            bytes / 1024
        );
    }

    let mut group = c.benchmark_group("emit");
    group.sample_size(10);
    for target in DOCUMENTS {
        group.bench_function(target.name(), |b| {
            b.iter(|| emit(black_box(&model), target))
        });
    }
    group.bench_function("all_documents", |b| {
        b.iter(|| all_documents(black_box(&model)))
    });
    group.finish();
    yaml_writers(c, &model);
}

/// The YAML writer is most of the OpenAPI target's time: serde-saphyr (used) against serde_yaml
/// (libyaml's emitter, as in its maintained fork serde_yaml_ng) on the same 200 documents.
fn yaml_writers(c: &mut Criterion, model: &Model) {
    let ids = model
        .service_ids()
        .filter(|&id| openapi::has_http(model, id));
    let docs: Vec<_> = ids.map(|id| openapi::document(model, id)).collect();
    let mut group = c.benchmark_group("openapi_yaml");
    group.sample_size(10);
    group.bench_function("serde_saphyr", |b| {
        b.iter(|| docs.iter().map(|d| to_yaml(d).len()).sum::<usize>())
    });
    group.bench_function("serde_yaml", |b| {
        let write = |d| serde_yaml::to_string(d).map_or(0, |t| t.len());
        b.iter(|| docs.iter().map(write).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, documents);
criterion_main!(benches);
