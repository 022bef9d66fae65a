//! Cost of many diagnostics and of a long import chain (issue 19: both were quadratic). Prints
//! wall-clock times for growing sizes; the time per item should stay flat. Asserts nothing.
//!
//! `cargo bench -p accord-idl --bench diagnostics`

use accord_idl::{compile, compile_str, render};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
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

/// `n` files, each importing the next.
fn import_chain(n: usize) {
    let files: HashMap<PathBuf, String> = (0..n)
        .map(|i| {
            let import = if i + 1 < n {
                format!("import \"f{}.accord\";\n", i + 1)
            } else {
                String::new()
            };
            let text =
                format!("package p{i};\nversion 1.0.0;\n{import}struct T{i} {{ a: i32 = 1; }}\n");
            (PathBuf::from(format!("/f{i}.accord")), text)
        })
        .collect();
    let mut loader = |p: &Path| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    };
    let start = Instant::now();
    let c = compile(&["/f0.accord".into()], &mut loader);
    let took = start.elapsed();
    println!(
        "{n:>7} files in an import chain: compile {:>8.1} ms, {:.2} us per file ({} diagnostics)",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / n as f64,
        c.diagnostics.len()
    );
}

fn main() {
    for n in [4_000, 16_000, 100_000] {
        diagnostics(n);
    }
    for n in [1_000, 4_000, 16_000] {
        import_chain(n);
    }
}
