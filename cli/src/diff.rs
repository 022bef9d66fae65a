//! `accord diff OLD NEW`: compiles both versions of an API, classifies every change
//! (`accord_idl::evolution`) and checks each package's declared version bump.
//!
//! Exit codes: 0 the declared bumps are enough, 1 some are not (or a version went down, or the
//! sources do not check), 2 usage or I/O problems. Under `--format json` a JSON object is
//! printed on stdout whatever happens: on failure `{"ok": false, "error": …, "diagnostics": […]}`.

use accord_idl::evolution::{self, render};
use accord_idl::{Compilation, render as diagnostics};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The old version: a `.accord` file, a folder of them, or `git:REV:PATH`.
    pub old: String,
    /// The new version: a `.accord` file or a folder of them.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Json,
}

pub fn run(args: &DiffArgs) -> ExitCode {
    let (old, new) = match (load(&args.old), load(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            let json = crate::output::usage_json(&e);
            return fail(args.format, 2, &e, json);
        }
    };
    for (c, spec) in [(&old, &args.old), (&new, &args.new)] {
        if c.has_errors() {
            eprint!("{}", diagnostics::human(&c.sources, &c.diagnostics));
            let message = format!("`{spec}` does not check; nothing was compared");
            let json = diagnostics::json(&c.sources, &c.diagnostics);
            return fail(args.format, 1, &message, json);
        }
    }
    let report = evolution::compare(&old.model, &old.spans, &new.model, &new.spans);
    match args.format {
        DiffFormat::Text => print!("{}", render::text(&report, &old.sources, &new.sources)),
        DiffFormat::Json => println!("{:#}", render::json(&report, &old.sources, &new.sources)),
    }
    ExitCode::from(if report.passes() { 0 } else { 1 })
}

/// Reports a run that compared nothing: the message on stderr and, for JSON, the report
/// object on stdout with the diagnostics that explain it.
fn fail(format: DiffFormat, code: u8, message: &str, diagnostics: serde_json::Value) -> ExitCode {
    eprintln!("error: {}", crate::output::escaped(message));
    if format == DiffFormat::Json {
        let report = serde_json::json!({
            "ok": false, "error": message, "diagnostics": diagnostics,
            "changes": [], "packages": [], "required": null,
        });
        println!("{report:#}");
    }
    ExitCode::from(code)
}

/// Compiles a file, a folder (every `.accord` file under it) or `git:REV:PATH`.
fn load(spec: &str) -> Result<Compilation, String> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let (rev, path) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{spec}`: expected git:REV:PATH"))?;
        if rev.is_empty() || rev.starts_with('-') {
            return Err(format!(
                "`{spec}`: REV must name a revision, not start with `-`"
            ));
        }
        return load_git(rev, path);
    }
    let mut inputs = crate::inputs::expand(&[PathBuf::from(spec)], &[])?;
    Ok(accord_idl::compile_in(
        &inputs.files,
        &inputs.include,
        &mut inputs.loader,
    ))
}

/// Every `.accord` file under PATH at REV becomes a root; the loader serves any path at REV, so
/// imports resolve against the same revision.
fn load_git(rev: &str, path: &str) -> Result<Compilation, String> {
    let listing = git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "--end-of-options",
        rev,
        "--",
        path,
    ])?;
    let roots: Vec<PathBuf> = listing
        .lines()
        .filter(|l| l.ends_with(".accord"))
        .map(PathBuf::from)
        .collect();
    if roots.is_empty() {
        return Err(format!("git:{rev}:{path}: no .accord files"));
    }
    let rev = rev.to_string();
    // `REV:./path` is read relative to the working directory, like the paths ls-tree printed.
    let mut loader = move |p: &Path| {
        git(&[
            "show",
            "--end-of-options",
            &format!("{rev}:./{}", p.display()),
        ])
        .map_err(std::io::Error::other)
    };
    // Imports stay inside PATH at REV (PATH itself when it names a file: its folder).
    let include = match roots.as_slice() {
        [one] if Path::new(path) == one.as_path() => accord_idl::root_folders(&roots),
        _ => vec![PathBuf::from(path)],
    };
    Ok(accord_idl::compile_in(&roots, &include, &mut loader))
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("git output is not UTF-8: {e}"))
}
