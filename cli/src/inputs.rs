//! Command-line paths to the front end's inputs: folders are searched (recursively, in path
//! order, so runs are deterministic) for `.accord` files. Every command that takes sources
//! goes through here, so `accord check DIR` and `accord build DIR` see the same files.

use std::path::{Path, PathBuf};

/// Files as given, folders expanded to their `.accord` files. A folder without any, or a path
/// that does not exist, is a usage error (the message names it).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            walk(path, &mut files).map_err(|e| format!("{}: {e}", path.display()))?;
            if files.len() == before {
                return Err(format!(
                    "{}: no .accord files in this folder",
                    path.display()
                ));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "accord") {
            out.push(path);
        }
    }
    Ok(())
}

/// The loader every command hands to the front end: sources and imports come from disk.
pub fn read(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}
