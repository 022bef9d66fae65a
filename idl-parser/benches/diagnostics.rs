//! Cost of many diagnostics and of import graphs: chains, one package over a chain, one file
//! importing every other, a chain whose files also share one import (issue 19: all were
//! quadratic). Prints wall-clock times for growing sizes; the time per item should stay flat.
//! Asserts nothing about time (only that the generated import graphs check clean).
//!
//! `cargo bench -p accord-idl --bench diagnostics [-- imports]` (`imports`: the import graphs
//! only; `ACCORD_BENCH_MAX_FILES=16000` caps their size)

use accord_idl::{compile, compile_str, render};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// One file with `n` structs, each naming an unknown type: `n` A0301 errors.
fn broken_structs(n: usize) -> String {
    let mut text = String::from("package demo;\nversion 1.0.0;\n");
    for i in 0..n {
        text.push_str(&format!("struct S{i} {{ x: Missing{i} = 1; }}\n"));
    }
    text
}

fn diagnostics(n: usize) {
    let text = broken_structs(n);
    let start = Instant::now();
    let c = compile_str(&text);
    let compiled = start.elapsed();
    let start = Instant::now();
    let human = render::human(&c.sources, &c.diagnostics);
    let rendered = start.elapsed();
    let start = Instant::now();
    let json = render::json(&c.sources, &c.diagnostics);
    let jsoned = start.elapsed();
    let count = c.diagnostics.len();
    println!(
        "{count:>7} diagnostics: compile {:>8.1} ms, human {:>8.1} ms ({} KiB), json {:>8.1} ms; \
         {:.2} us per diagnostic rendered",
        compiled.as_secs_f64() * 1e3,
        rendered.as_secs_f64() * 1e3,
        human.len() / 1024,
        jsoned.as_secs_f64() * 1e3,
        (rendered + jsoned).as_secs_f64() * 1e6 / count as f64,
    );
    std::hint::black_box(json);
}

/// How `n` files import one another (the benchmark's shapes).
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Each file imports the next; each is its own package and uses the next file's type.
    Chain,
    /// The same chain, every file in one package.
    OnePackageChain,
    /// The first file imports every other file and uses each one's type.
    Wide,
    /// Each file imports the next and a shared `common` file, and uses both files' types.
    ChainWithHub,
}

fn import_graph(shape: Shape, n: usize) {
    let next = |i: usize| (i + 1 < n).then_some(i + 1);
    let mut files: HashMap<PathBuf, String> = (0..n)
        .map(|i| {
            let package = match shape {
                Shape::OnePackageChain => "p".to_string(),
                _ => format!("p{i}"),
            };
            let (imports, uses): (Vec<usize>, Vec<usize>) = match shape {
                Shape::Chain | Shape::OnePackageChain => {
                    (next(i).into_iter().collect(), next(i).into_iter().collect())
                }
                Shape::Wide if i == 0 => ((1..n).collect(), (1..n).collect()),
                Shape::Wide => (vec![], vec![]),
                Shape::ChainWithHub if i + 1 == n => (vec![], vec![]),
                Shape::ChainWithHub => {
                    let mut to: Vec<usize> = next(i).into_iter().collect();
                    if i + 1 != n - 1 {
                        to.push(n - 1);
                    }
                    (to.clone(), to)
                }
            };
            let mut text = format!("package {package};\nversion 1.0.0;\n");
            for to in &imports {
                text.push_str(&format!("import \"f{to}.accord\";\n"));
            }
            text.push_str(&format!("struct T{i} {{ a: i32 = 1; }}\n"));
            for to in &uses {
                text.push_str(&format!("struct R{i}x{to} {{ a: T{to} = 1; }}\n"));
            }
            (PathBuf::from(format!("/f{i}.accord")), text)
        })
        .collect();
    let start = Instant::now();
    let c = compile(&["/f0.accord".into()], &mut files);
    let took = start.elapsed();
    let errors = c.errors().count();
    println!(
        "{n:>7} files, {:<16} compile {:>9.1} ms, {:>7.2} us per file ({} diagnostics, {errors} errors)",
        format!("{shape:?}:"),
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / n as f64,
        c.diagnostics.len(),
    );
    assert_eq!(errors, 0, "{:?}", c.diagnostics.first());
}

fn main() {
    // `cargo bench -p accord-idl --bench diagnostics -- imports`: the import graphs only.
    if !std::env::args().any(|a| a == "imports") {
        for n in [4_000, 16_000, 100_000] {
            diagnostics(n);
        }
    }
    // `ACCORD_BENCH_MAX_FILES` caps the import graphs (64k files took minutes when chains
    // were quadratic).
    let max: usize = std::env::var("ACCORD_BENCH_MAX_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    for shape in [
        Shape::Chain,
        Shape::OnePackageChain,
        Shape::Wide,
        Shape::ChainWithHub,
    ] {
        for n in [1_000, 4_000, 16_000, 64_000]
            .into_iter()
            .filter(|&n| n <= max)
        {
            import_graph(shape, n);
        }
    }
}
