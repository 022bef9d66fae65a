//! Getting a build's files onto the disk whole: each written into a staging folder inside the
//! output folder, then moved into place by renames, the outputs they replace removed (see
//! `build`'s module documentation for what a user sees).

use accord_codegen::{OutputFile, Target};
use accord_idl::parallel;
use std::collections::{BTreeSet, HashSet};
use std::path::{Component, Path};

/// A staging folder inside `out` (same file system, so moving out of it is a rename; and
/// nothing is ever written outside `out`).
pub(crate) fn staging_in(out: &Path) -> std::io::Result<tempfile::TempDir> {
    std::fs::create_dir_all(out)?;
    tempfile::Builder::new()
        .prefix(".accord-build-")
        .tempdir_in(out)
}

/// Several targets, each already written into `<staging>/<target>/` (`staging` from
/// [`staging_in`] of `out`): moves each target's folder to `<out>/<target>/`, replacing the
/// old one whole (no stale files survive). The replaced folders go into `staging` and are
/// removed; whatever is left there goes with the staging folder, whatever happens.
pub(crate) fn publish(
    out: &Path,
    staging: &Path,
    targets: &BTreeSet<Target>,
) -> std::io::Result<()> {
    let retired = staging.join(".previous");
    std::fs::create_dir(&retired)?;
    for target in targets {
        let fresh = staging.join(target.name());
        let destination = out.join(target.name());
        if destination.exists() {
            std::fs::rename(&destination, retired.join(target.name()))?;
        }
        std::fs::rename(&fresh, &destination)?;
    }
    // The new outputs are in place: a failure to remove the old ones does not undo the build,
    // and what is left goes with the staging folder (whose removal ignores failures too).
    let _ = remove_tree(&retired);
    Ok(())
}

/// One target asked for by name: its files go straight into `out` (`--target rust --out DIR`
/// gives `DIR/mod.rs`), like `protoc --*_out`. `out` may hold other files, so it is never
/// replaced whole: every file is written to the staging folder first, then each is renamed
/// over its namesake, so no file is ever half-written. Files of earlier runs that this run
/// does not produce are left alone.
pub(crate) fn publish_flat(out: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    let staging = staging_in(out)?;
    write_all(staging.path(), files)?;
    create_folders(out, files)?;
    for file in files {
        std::fs::rename(staging.path().join(&file.path), out.join(&file.path))?;
    }
    Ok(())
}

/// Writes `files` under `folder`. File creation dominates a big build (thousands of JSON
/// Schema files), so folders are made once each and the files are written on every core.
pub(crate) fn write_all(folder: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    create_folders(folder, files)?;
    parallel::map(files, |f| std::fs::write(folder.join(&f.path), &f.contents))
        .into_iter()
        .collect()
}

/// Creates `folder` and every folder the files need in it, each once. Refuses a path that
/// would leave `folder` (`..`, absolute): emitters never produce one, and this is the last
/// line before the disk.
fn create_folders(folder: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    // Folders by their bytes: a `Path` compares component by component, and a B-tree of them
    // took 31M of the 744M instructions of the benchmark API's JSON Schema build (4,640 files).
    // A folder spelt two ways (`a//b`, `a/b`) is only asked for twice.
    let mut made = HashSet::new();
    for file in files {
        let relative = &file.path;
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            let message = format!(
                "refusing to write outside the output folder: {}",
                relative.display()
            );
            return Err(std::io::Error::other(message));
        }
        if let Some(dir) = relative.parent().filter(|d| !d.as_os_str().is_empty())
            && made.insert(dir.as_os_str())
        {
            std::fs::create_dir_all(folder.join(dir))?;
        }
    }
    Ok(())
}

/// Removes `folder` and everything in it, the files on every core: a build replaces thousands
/// of files (the JSON Schema target writes one per declaration), and unlinking the previous
/// build's one by one took a fifth of a documents build of the benchmark API.
fn remove_tree(folder: &Path) -> std::io::Result<()> {
    let (mut files, mut folders) = (Vec::new(), vec![folder.to_path_buf()]);
    let mut next = 0;
    while let Some(dir) = folders.get(next).cloned() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            // A symbolic link is removed, not followed (`file_type` does not follow it).
            if entry.file_type()?.is_dir() {
                folders.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
        next += 1;
    }
    parallel::map(&files, |file| std::fs::remove_file(file))
        .into_iter()
        .collect::<std::io::Result<()>>()?;
    // Every folder was listed after the one holding it: in reverse, each is empty when reached.
    folders.iter().rev().try_for_each(std::fs::remove_dir)
}

#[cfg(test)]
mod tests {
    use super::remove_tree;

    #[test]
    fn a_tree_is_removed_whole_and_links_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("kept"), "x").unwrap();
        let tree = root.path().join("tree");
        for dir in ["a/b/c", "a/d", "e"] {
            std::fs::create_dir_all(tree.join(dir)).unwrap();
        }
        for file in ["f", "a/f", "a/b/f", "a/b/c/f", "a/d/f", "a/d/g"] {
            std::fs::write(tree.join(file), file).unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), tree.join("a/link")).unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
        assert!(root.path().exists());
        assert!(outside.path().join("kept").exists());
    }
}
