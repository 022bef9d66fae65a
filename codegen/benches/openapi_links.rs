//! Size and time of the OpenAPI documents of one `@hypermedia` service as its operations double
//! (100 to 1,600, all on one resource: every response links to every operation, see
//! `accord_idl::synth::hypermedia_api`). Prints one line per size; asserts nothing (the size
//! bound is a test, `tests/openapi_links.rs`). Each time is the best of five runs of the
//! OpenAPI target (building the documents and writing YAML and JSON), the front end outside it.
//!
//! `cargo bench -p accord-codegen --bench openapi_links`

use accord_codegen::{Target, emit};
use accord_idl::Model;
use accord_idl::synth::hypermedia_api;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn model(ops: usize) -> (Model, usize) {
    let (path, text) = hypermedia_api(ops);
    let bytes = text.len();
    let mut files: HashMap<PathBuf, String> = HashMap::from([(path.clone(), text)]);
    let compilation = accord_idl::compile(&[path], &mut files);
    assert!(!compilation.has_errors(), "the synthetic API must compile");
    (compilation.model, bytes)
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter would mean nothing here.
    println!("ops   source KiB   YAML KiB   JSON KiB   time (best of 5)");
    for ops in [100, 200, 400, 800, 1600] {
        let (model, source) = model(ops);
        let mut best = Duration::MAX;
        let mut sizes = (0, 0);
        for _ in 0..5 {
            let start = Instant::now();
            let files = emit(&model, Target::OpenApi);
            best = best.min(start.elapsed());
            let size = |ext: &str| -> usize {
                files
                    .iter()
                    .filter(|f| f.path.extension().is_some_and(|e| e == ext))
                    .map(|f| f.contents.len())
                    .sum()
            };
            sizes = (size("yaml"), size("json"));
        }
        println!(
            "{ops:>4}   {:>10}   {:>8}   {:>8}   {:>8.1?}",
            source / 1024,
            sizes.0 / 1024,
            sizes.1 / 1024,
            best
        );
    }
}
