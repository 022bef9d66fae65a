//! The workspace's files on disk: found as `accord check DIR` finds them (every `.accord` file
//! below the folder, recursively, in path order; a link to a folder followed only when it stays
//! inside and was not walked already), read with the same bounds (regular `.accord` files of at
//! most 32 MiB, UTF-8).
//!
//! The walk is the command line's (`cli/src/inputs.rs`) in the few lines an editor needs; the
//! reading is confined to the workspace folders, like the command line's loader.

use std::collections::HashSet;
use std::io::{Error, ErrorKind, Read};
use std::path::{Path, PathBuf};

/// The largest source file read: the command line's bound.
pub const MAX_SOURCE_BYTES: u64 = 32 << 20;

/// Every `.accord` file below `folder`, in path order, each once.
pub fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(top) = std::fs::canonicalize(folder) else {
        return files;
    };
    let mut walked = HashSet::from([top.clone()]);
    below(folder, &top, &mut walked, &mut files);
    files
}

fn below(dir: &Path, top: &Path, walked: &mut HashSet<PathBuf>, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let Ok(canonical) = std::fs::canonicalize(&path) else {
                continue;
            };
            if canonical.starts_with(top) && walked.insert(canonical) {
                below(&path, top, walked, files);
            }
        } else if path.extension().is_some_and(|e| e == "accord") && path.is_file() {
            files.push(path);
        }
    }
}

/// Reads one source inside `folders` (canonical paths compared): a regular `.accord` file of
/// at most [`MAX_SOURCE_BYTES`], UTF-8.
pub fn read(path: &Path, folders: &[PathBuf]) -> std::io::Result<String> {
    let canonical = std::fs::canonicalize(path)?;
    if !folders.iter().any(|f| canonical.starts_with(f)) {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "it resolves to a file outside the workspace folders",
        ));
    }
    if canonical.extension().is_none_or(|e| e != "accord") {
        return Err(Error::new(ErrorKind::InvalidInput, "not a `.accord` file"));
    }
    // Checked before opening: opening a named pipe would wait for a writer.
    if !std::fs::metadata(&canonical)?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let file = std::fs::File::open(&canonical)?;
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Error::new(ErrorKind::InvalidData, "larger than 32 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}
