//! Source files and byte spans into them.
//!
//! The front end never touches the file system: callers hand it a [`Loader`], and every
//! file it read is kept in [`Sources`] so diagnostics can quote it later.

use std::path::{Component, Path, PathBuf};

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both (which must be in one file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One source file: its path (as named by the caller or the import, normalised) and its text.
#[derive(Clone, Debug, Default)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Every file one compilation read, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Per file, the byte offset of each line's start, built on first use: line and column of
    /// an offset then cost a binary search and one line, not a scan from the file's start
    /// (which made rendering n diagnostics quadratic).
    lines: Vec<std::sync::OnceLock<Vec<u32>>>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile { path, text });
        self.lines.push(std::sync::OnceLock::new());
        FileId((self.files.len() - 1) as u32)
    }

    /// Byte offsets of the starts of the lines of `file` (lines end at `\n`).
    pub fn line_starts(&self, file: FileId) -> &[u32] {
        self.lines[file.0 as usize].get_or_init(|| {
            let text = &self.get(file).text;
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect()
        })
    }

    /// How many files were read.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files, by id.
    pub(crate) fn into_files(self) -> Vec<SourceFile> {
        self.files
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        &self.get(span.file).text[span.range()]
    }

    /// 1-based line and column of a byte offset. The one convention of every output (human,
    /// JSON, `accord diff`): lines end at `\n`; columns count characters (Unicode scalar
    /// values), not bytes.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let text = &self.get(file).text;
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts(file);
        let line = starts.partition_point(|&s| s as usize <= offset);
        let line_start = starts[line - 1] as usize;
        (line, text[line_start..offset].chars().count() + 1)
    }
}

/// Where the front end gets file contents from. Implemented for closures (`|p|
/// std::fs::read_to_string(p)`) and for an in-memory map of files (tests, benches, editors).
pub trait Loader {
    fn load(&mut self, path: &Path) -> std::io::Result<String>;

    /// What makes two paths one file, so each file is loaded once however it is reached (the
    /// CLI's loader answers with the canonical path: symlinks resolved). By default, the
    /// (normalised) path itself.
    fn identity(&mut self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

impl<F: FnMut(&Path) -> std::io::Result<String>> Loader for F {
    fn load(&mut self, path: &Path) -> std::io::Result<String> {
        self(path)
    }
}

/// Files in memory, by path; a path not in the map is not found.
impl<S: std::hash::BuildHasher> Loader for std::collections::HashMap<PathBuf, String, S> {
    fn load(&mut self, path: &Path) -> std::io::Result<String> {
        self.get(path)
            .cloned()
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
}

/// Lexically normalises a path (`a/./b/../c` → `a/c`) without touching the file system, so one
/// file imported along two routes is recognised as the same file.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.accord")),
            PathBuf::from("a/c.accord")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
    }

    #[test]
    fn line_col_counts_chars() {
        let mut s = Sources::default();
        let f = s.add("f".into(), "ab\néx y".into());
        assert_eq!(s.line_col(f, 0), (1, 1));
        assert_eq!(s.line_col(f, 3), (2, 1));
        assert_eq!(s.line_col(f, 6), (2, 3));
    }
}
