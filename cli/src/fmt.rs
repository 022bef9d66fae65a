//! `accord fmt`: rewrite files into the canonical layout, or `--check` that they already are.
//!
//! Only the named files are touched, never their imports; a file with syntax errors is left
//! as it is (its errors are reported) because formatting half-understood text could lose it.

use crate::inputs;
use crate::output::usage_error;
use accord_idl::{Sources, render};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// `.accord` files, or folders searched (recursively) for them.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<std::path::PathBuf>,

    /// Change nothing: list the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

enum Outcome {
    Unchanged,
    Changed,
    SyntaxErrors,
}

pub fn run(args: &FmtArgs) -> ExitCode {
    let files = match inputs::expand(&args.files) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let (mut changed, mut broken) = (0, 0);
    for path in &files {
        match format_one(path, args.check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => changed += 1,
            Ok(Outcome::SyntaxErrors) => broken += 1,
            Err(e) => return usage_error(&format!("{}: {e}", path.display())),
        }
    }
    if args.check && changed > 0 {
        eprintln!("{changed} of {} files would be reformatted", files.len());
    }
    if broken > 0 || (args.check && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_one(path: &Path, check: bool) -> std::io::Result<Outcome> {
    let mut sources = Sources::default();
    let file = sources.add(path.to_path_buf(), inputs::read(path)?);
    let text = &sources.get(file).text;
    let (tree, errors) = accord_idl::parser::parse(file, text);
    if !errors.is_empty() {
        let diagnostics: Vec<_> = errors
            .into_iter()
            .map(accord_idl::syntax_diagnostic)
            .collect();
        eprint!("{}", render::human(&sources, &diagnostics));
        eprintln!("{}: left unformatted: it has syntax errors", path.display());
        return Ok(Outcome::SyntaxErrors);
    }
    let formatted = accord_idl::format::format(&tree, text);
    if formatted == *text {
        return Ok(Outcome::Unchanged);
    }
    if check {
        println!("{}", path.display());
    } else {
        write_atomically(path, &formatted)?;
    }
    Ok(Outcome::Changed)
}

/// Writes beside the file, then renames over it, so an interrupted run never truncates a
/// source. The file's permissions are kept.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, text.as_bytes())?;
    temp.as_file()
        .set_permissions(std::fs::metadata(path)?.permissions())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
