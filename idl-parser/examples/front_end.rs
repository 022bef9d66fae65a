//! A driver for profiling and measuring the front end on the benchmark API, one stage at a time:
//!
//! ```text
//! cargo build --release -p accord-idl --example front_end
//! valgrind --tool=callgrind target/release/examples/front_end compile   # instruction counts
//! /usr/bin/time -f %M target/release/examples/front_end compile DIR       # peak RSS (KiB)
//! ```
//!
//! `STAGE` is `parse`, `compile`, `format` or `edit`; without `DIR` the API is generated in
//! memory (`accord_idl::synth`), with it every `*.accord` file under `DIR` is read from disk.
//! `edit` is what the language server does as you type: the API as one 60,000-line file
//! (`DIR` ignored), compiled once, then a type reference broken and fixed in turn, each edit
//! followed by `compile_again`; it prints the median time of one edit.

use accord_idl::synth::{SynthConfig, large_api};
use accord_idl::{FileId, format, parser};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

// mimalloc, what `accord check` runs with (cli/src/main.rs, which calls `mi_malloc` itself where
// the alignment allows: cli/src/alloc.rs), so the numbers are close to the ones users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stage = args.first().map_or("compile", String::as_str);
    if stage == "edit" {
        return match edit() {
            Ok(summary) => {
                println!("edit: {summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let files = match args.get(1) {
        Some(dir) => match read_dir(Path::new(dir)) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("cannot read {dir}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => large_api(SynthConfig::benchmark()),
    };
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let started = Instant::now();
    let outcome = match stage {
        "parse" => parse(&files),
        "compile" => compile(&files),
        "format" => format_all(&files),
        other => Err(format!(
            "unknown stage `{other}`: parse, compile, format or edit"
        )),
    };
    match outcome {
        Ok(summary) => {
            let ms = started.elapsed().as_secs_f64() * 1e3;
            println!(
                "{stage}: {} files, {lines} lines, {summary}, {ms:.1} ms",
                files.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(files: &[(PathBuf, String)]) -> Result<String, String> {
    let mut items = 0;
    for (i, (path, text)) in files.iter().enumerate() {
        let (tree, errors) = parser::parse(FileId(i as u32), text);
        if let Some(e) = errors.first() {
            return Err(format!("{}: {}", path.display(), e.message));
        }
        items += tree.items.len();
    }
    Ok(format!("{items} declarations"))
}

fn compile(files: &[(PathBuf, String)]) -> Result<String, String> {
    let roots: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut loader = |p: &Path| {
        files
            .iter()
            .find(|(path, _)| path == p)
            .map(|(_, text)| text.clone())
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    };
    let compilation = accord_idl::compile(&roots, &mut loader);
    if let Some(e) = compilation.errors().next() {
        return Err(format!("the API has errors: {}", e.message));
    }
    Ok(format!("{} diagnostics", compilation.diagnostics.len()))
}

/// Edits of one large file, each compiled again; the median time of one.
fn edit() -> Result<String, String> {
    const EDITS: usize = 20;
    let one_file = SynthConfig {
        packages: 1,
        services_per_package: 200,
        ops_per_service: 10,
    };
    let (path, mut text) = large_api(one_file).swap_remove(0);
    let at = text
        .find("amount: i64")
        .ok_or("no `amount: i64` in the API")?
        + "amount: ".len();
    let roots = [path.clone()];
    let include = accord_idl::root_folders(&roots);
    let mut compilation = accord_idl::compile_in(&roots, &include, &mut single(&path, &text));
    let mut times = Vec::with_capacity(EDITS);
    let cpu_before = cpu_ms();
    for i in 0..EDITS {
        text.replace_range(at..at + 3, if i % 2 == 0 { "i6x" } else { "i64" });
        let started = Instant::now();
        compilation =
            accord_idl::compile_again(compilation, &roots, &include, &mut single(&path, &text));
        times.push(started.elapsed());
        if compilation.has_errors() != (i % 2 == 0) {
            return Err(format!("edit {i}: unexpected diagnostics"));
        }
    }
    let cpu = cpu_ms()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    times.sort();
    let median = times[EDITS / 2].as_secs_f64() * 1e3;
    let cpu = cpu.map_or(String::new(), |ms| {
        format!(
            ", CPU time per edit (all threads) {:.1} ms",
            ms / EDITS as f64
        )
    });
    Ok(format!(
        "one file of {} lines, {EDITS} edits, compile_again median {median:.1} ms{cpu}",
        text.lines().count()
    ))
}

/// User and system time of this process so far (Linux: `/proc/self/stat`, in clock ticks of
/// 10 ms), `None` elsewhere.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

/// A loader of one file.
fn single<'a>(path: &'a Path, text: &'a str) -> impl FnMut(&Path) -> std::io::Result<String> + 'a {
    move |p: &Path| {
        (p == path)
            .then(|| text.to_string())
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
}

fn format_all(files: &[(PathBuf, String)]) -> Result<String, String> {
    let mut bytes = 0;
    for (i, (path, text)) in files.iter().enumerate() {
        let (tree, errors) = parser::parse(FileId(i as u32), text);
        if let Some(e) = errors.first() {
            return Err(format!("{}: {}", path.display(), e.message));
        }
        bytes += format::format(&tree, text).len();
    }
    Ok(format!("{bytes} bytes formatted"))
}

/// Every `*.accord` file under `dir`, with paths as found (so imports resolve between them).
fn read_dir(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "accord") {
                let text = std::fs::read_to_string(&path)?;
                out.push((accord_idl::source::normalize(&path), text));
            }
        }
    }
    out.sort();
    Ok(out)
}
