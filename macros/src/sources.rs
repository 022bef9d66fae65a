//! The attribute's paths as the compiler's roots: a file is itself, a folder is every `.accord`
//! file below it (recursively, in path order, as `accord check DIR` walks it, without following
//! symbolic links to folders).
//!
//! Roots stay relative to `CARGO_MANIFEST_DIR`, so reports name files as the user wrote them.

use std::path::{Path, PathBuf};
use syn::LitStr;

/// One root file and the attribute path it came from (where its errors are shown).
pub struct Root {
    pub path: PathBuf,
    pub from: usize,
}

/// The roots of every path, each file once; a missing path or a folder without `.accord` files
/// is an error at its literal.
pub fn roots(manifest: &Path, paths: &[LitStr]) -> syn::Result<Vec<Root>> {
    let mut roots: Vec<Root> = Vec::new();
    let mut errors = crate::args::Errors::default();
    for (index, literal) in paths.iter().enumerate() {
        let relative = PathBuf::from(literal.value());
        match expand(manifest, &relative) {
            Ok(files) => {
                for path in files {
                    if !roots.iter().any(|r| r.path == path) {
                        roots.push(Root { path, from: index });
                    }
                }
            }
            Err(message) => errors.push(syn::Error::new(literal.span(), message)),
        }
    }
    errors.finish()?;
    Ok(roots)
}

/// A file as given, or a folder's `.accord` files; relative paths stay relative.
fn expand(manifest: &Path, relative: &Path) -> Result<Vec<PathBuf>, String> {
    let absolute = manifest.join(relative);
    let shown = relative.display();
    let metadata = std::fs::metadata(&absolute).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "{shown}: no such file or folder (paths are relative to {})",
            manifest.display()
        ),
        _ => format!("{shown}: {e}"),
    })?;
    if metadata.is_file() {
        return Ok(vec![relative.to_path_buf()]);
    }
    if !metadata.is_dir() {
        return Err(format!("{shown}: not a regular file or folder"));
    }
    let mut files = Vec::new();
    walk(&absolute, relative, &mut files).map_err(|e| format!("{shown}: {e}"))?;
    if files.is_empty() {
        return Err(format!("{shown}: no .accord files in this folder"));
    }
    Ok(files)
}

/// Appends the `.accord` files below `folder` (shown as `relative`), sorted by name.
fn walk(folder: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        // The entry itself, not its target: a link to a folder is not walked, so links
        // cannot loop.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &relative.join(&name), files)?;
        } else if Path::new(&name).extension().is_some_and(|e| e == "accord")
            && entry.path().is_file()
        {
            files.push(relative.join(&name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn literals(paths: &[&str]) -> Vec<LitStr> {
        paths
            .iter()
            .map(|p| LitStr::new(p, Span::call_site()))
            .collect()
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let api = dir.path().join("api");
        std::fs::create_dir_all(api.join("inner")).unwrap();
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        for file in ["b.accord", "a.accord", "notes.md", "inner/c.accord"] {
            std::fs::write(api.join(file), "").unwrap();
        }
        dir
    }

    #[test]
    fn a_folder_is_its_accord_files_in_path_order_and_each_file_is_read_once() {
        let dir = tree();
        let roots = roots(dir.path(), &literals(&["api/b.accord", "api"])).unwrap();
        let paths: Vec<String> = roots.iter().map(|r| r.path.display().to_string()).collect();
        assert_eq!(
            paths,
            ["api/b.accord", "api/a.accord", "api/inner/c.accord"]
        );
        let from: Vec<usize> = roots.iter().map(|r| r.from).collect();
        assert_eq!(from, [0, 1, 1]);
    }

    #[test]
    fn a_missing_path_and_an_empty_folder_are_named() {
        let dir = tree();
        let error = roots(dir.path(), &literals(&["nope.accord", "empty"]))
            .err()
            .unwrap();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert!(messages[0].starts_with("nope.accord: no such file or folder"));
        assert_eq!(messages[1], "empty: no .accord files in this folder");
    }
}
