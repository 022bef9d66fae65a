//! `accord diff OLD NEW`: compiles both versions of an API, classifies every change
//! (`accord_idl::evolution`) and checks each package's declared version bump.
//!
//! Exit codes: 0 the declared bumps are enough, 1 some are not (or a version went down),
//! 2 usage errors or sources that do not check.

use accord_idl::evolution::{self, Class, Report};
use accord_idl::{Compilation, Diagnostic, Severity, render};
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
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for c in [&old, &new] {
        if c.has_errors() {
            eprint!("{}", render::human(&c.sources, &c.diagnostics));
            return ExitCode::from(2);
        }
    }
    let report = evolution::compare(&old.model, &old.spans, &new.model, &new.spans);
    match args.format {
        DiffFormat::Text => print!("{}", text(&report, &old, &new)),
        DiffFormat::Json => println!("{}", json(&report)),
    }
    ExitCode::from(if report.passes() { 0 } else { 1 })
}

/// Compiles a file, a folder (every `.accord` file under it) or `git:REV:PATH`.
fn load(spec: &str) -> Result<Compilation, String> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let (rev, path) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{spec}`: expected git:REV:PATH"))?;
        return load_git(rev, path);
    }
    let path = Path::new(spec);
    let roots = if path.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files).map_err(|e| format!("{spec}: {e}"))?;
        files
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(format!("{spec}: no such file or folder"));
    };
    if roots.is_empty() {
        return Err(format!("{spec}: no .accord files"));
    }
    let mut loader = |p: &Path| std::fs::read_to_string(p);
    Ok(accord_idl::compile(&roots, &mut loader))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "accord") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every `.accord` file under PATH at REV becomes a root; the loader serves any path at REV, so
/// imports resolve against the same revision.
fn load_git(rev: &str, path: &str) -> Result<Compilation, String> {
    let listing = git(&["ls-tree", "-r", "--name-only", rev, "--", path])?;
    let roots: Vec<PathBuf> = listing
        .lines()
        .filter(|l| l.ends_with(".accord"))
        .map(PathBuf::from)
        .collect();
    if roots.is_empty() {
        return Err(format!("git:{rev}:{path}: no .accord files"));
    }
    let rev = rev.to_string();
    let mut loader = move |p: &Path| {
        git(&["show", &format!("{rev}:{}", p.display())]).map_err(std::io::Error::other)
    };
    Ok(accord_idl::compile(&roots, &mut loader))
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

/// Each change rendered like a compiler diagnostic: the old place from the old sources, then the
/// new place from the new sources; then one summary line per package.
fn text(report: &Report, old: &Compilation, new: &Compilation) -> String {
    let mut out = String::new();
    for change in &report.changes {
        let severity = if change.class == Class::Major {
            Severity::Error
        } else {
            Severity::Warning
        };
        let title = format!(
            "{} [{}]: {}",
            change.class.as_str(),
            change.rule,
            change.message
        );
        out.push_str(&format!("{title}\n"));
        for (span, sources, label) in [
            (change.old, &old.sources, "before"),
            (change.new, &new.sources, "after"),
        ] {
            if let Some(span) = span {
                let mut d = Diagnostic::error(change.rule, title.clone(), span).with_label(label);
                d.severity = severity;
                out.push_str(&render::human(sources, &[d]));
            }
        }
    }
    for v in &report.verdicts {
        let declared = v
            .new
            .as_ref()
            .map_or("removed".to_string(), |n| format!("{} -> {n}", v.old));
        let status = if v.ok() { "ok" } else { "NOT ENOUGH" };
        out.push_str(&format!(
            "{}: required {}, declared {declared}: {status}\n",
            v.package,
            v.required.as_str()
        ));
    }
    out
}

fn json(report: &Report) -> serde_json::Value {
    let span = |s: Option<accord_idl::Span>| {
        s.map(|s| serde_json::json!({"file": s.file.0, "start": s.start, "end": s.end}))
    };
    let changes: Vec<_> = report
        .changes
        .iter()
        .map(|c| serde_json::json!({"rule": c.rule, "class": c.class.as_str(), "package": c.package, "message": c.message, "old": span(c.old), "new": span(c.new)}))
        .collect();
    let packages: Vec<_> = report
        .verdicts
        .iter()
        .map(|v| serde_json::json!({"package": v.package, "required": v.required.as_str(), "old": v.old.to_string(), "new": v.new.as_ref().map(|n| n.to_string()), "ok": v.ok()}))
        .collect();
    serde_json::json!({"changes": changes, "packages": packages, "ok": report.passes()})
}
