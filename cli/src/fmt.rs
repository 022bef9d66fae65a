//! `accord fmt`: rewrite files into the canonical layout, or `--check` that they already are.
//!
//! Only the named files are touched, never their imports; a file with syntax errors is left
//! as it is (its errors are reported) because formatting half-understood text could lose it.
//!
//! Writing keeps the file what it was: a symbolic link is written through (its target is
//! formatted, the link stays a link); the new text replaces the old by a rename of a sibling
//! temporary file that has the old file's mode and owner, so an interrupted run never
//! truncates a source; a file with several hard links is rewritten in place instead (a rename
//! would split it from its other names); a read-only file is refused with an error, not
//! replaced. A file that cannot be written is reported and the others are still formatted
//! (exit code 2).

use crate::inputs;
use crate::output::{DiagnosticFormat, shown, usage_error};
use accord_idl::{Sources, render};
use std::io::{Error, ErrorKind, Write};
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
    let files = match inputs::expand(&args.files, &[]) {
        Ok(inputs) => inputs.files,
        Err(message) => return usage_error(&message, DiagnosticFormat::Human),
    };
    let (mut changed, mut broken, mut failed) = (0, 0, 0);
    for path in &files {
        match format_one(path, args.check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => changed += 1,
            Ok(Outcome::SyntaxErrors) => broken += 1,
            Err(e) => {
                eprintln!(
                    "error: {}: {}",
                    shown(path),
                    crate::output::escaped(&e.to_string())
                );
                failed += 1;
            }
        }
    }
    if args.check && changed > 0 {
        eprintln!("{changed} of {} files would be reformatted", files.len());
    }
    if failed > 0 {
        ExitCode::from(2)
    } else if broken > 0 || (args.check && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_one(path: &Path, check: bool) -> std::io::Result<Outcome> {
    let mut sources = Sources::default();
    let file = sources.add(path.to_path_buf(), inputs::read_source(path)?);
    let text = &sources.get(file).text;
    let (tree, errors) = accord_idl::parser::parse(file, text);
    if !errors.is_empty() {
        let diagnostics: Vec<_> = errors
            .into_iter()
            .map(accord_idl::syntax_diagnostic)
            .collect();
        eprint!("{}", render::human(&sources, &diagnostics));
        eprintln!("{}: left unformatted: it has syntax errors", shown(path));
        return Ok(Outcome::SyntaxErrors);
    }
    let formatted = accord_idl::format::format(&tree, text);
    if formatted == *text {
        return Ok(Outcome::Unchanged);
    }
    if check {
        println!("{}", shown(path));
    } else {
        write_back(path, &formatted)?;
    }
    Ok(Outcome::Changed)
}

/// Replaces the text of the file `path` names (through symbolic links), keeping its mode,
/// owner and hard links; refuses a read-only file.
fn write_back(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() || !writable(&target) {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "the file is read-only: left unformatted (make it writable to format it)",
        ));
    }
    if links(&meta) > 1 {
        return rewrite_in_place(&target, text);
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().set_permissions(meta.permissions())?;
    if !same_owner(temp.as_file(), &meta) {
        // Not allowed to give the new file the old one's owner: keep the old file instead.
        drop(temp);
        return rewrite_in_place(&target, text);
    }
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `text` into the existing file (its inode, links, owner and mode stay).
fn rewrite_in_place(target: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Gives `file` the owner and group of `meta`'s file; false when that is not allowed.
#[cfg(unix)]
fn same_owner(file: &std::fs::File, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).is_ok()
}

#[cfg(not(unix))]
fn same_owner(_: &std::fs::File, _: &std::fs::Metadata) -> bool {
    true
}

/// Whether this process may write the file (root may write a file without write bits; such a
/// file is refused anyway, by its mode).
#[cfg(unix)]
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(_: &Path) -> bool {
    true
}
