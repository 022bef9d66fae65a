//! The workspace: its folders, the files compiled (every `.accord` file below the folders, plus
//! open files elsewhere), the loader that reads open buffers before the disk, and the latest
//! compilation with the index built from it on demand.
//!
//! Each check hands the previous compilation to `compile_again`, so only the files whose text
//! changed are parsed again; resolution and checks run on the whole workspace, as for
//! `accord check DIR`.

use crate::disk;
use crate::documents::Documents;
use crate::index::Index;
use accord_idl::{Compilation, FileId, Loader, Span};
use lsp_types::{Location, Position, Range, Url};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub struct Workspace {
    /// Canonical workspace folders.
    folders: Vec<PathBuf>,
    /// The compiled files found on disk (open files are added when compiling).
    found: Vec<PathBuf>,
    pub documents: Documents,
    compiled: Option<Compiled>,
}

/// A compilation and what is derived from it on first use.
pub struct Compiled {
    pub compilation: Compilation,
    index: OnceLock<Index>,
    grpc: OnceLock<Option<accord_codegen::proto::GrpcNames>>,
}

impl Compiled {
    /// Where every name leads, built on the first request that needs it.
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::new(&self.compilation))
    }

    /// The gRPC names the emitters would give (only for an API without errors: the model is
    /// only meaningful then).
    pub fn grpc(&self) -> Option<&accord_codegen::proto::GrpcNames> {
        self.grpc
            .get_or_init(|| {
                (!self.compilation.has_errors())
                    .then(|| accord_codegen::proto::grpc_names(&self.compilation.model))
            })
            .as_ref()
    }

    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.compilation.sources.find(path)
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.compilation.sources.get(file).text
    }

    pub fn lines(&self, file: FileId) -> crate::position::Lines<'_> {
        let sources = &self.compilation.sources;
        crate::position::Lines::with_starts(&sources.get(file).text, sources.line_starts(file))
    }

    pub fn path(&self, file: FileId) -> &Path {
        &self.compilation.sources.get(file).path
    }

    pub fn uri(&self, file: FileId) -> Option<Url> {
        Url::from_file_path(self.path(file)).ok()
    }

    /// The file of `uri` and the byte offset of `position` in it.
    pub fn locate(&self, uri: &Url, position: Position) -> Option<(FileId, u32)> {
        let file = self.file(&path_of(uri)?)?;
        Some((file, self.lines(file).offset(position) as u32))
    }

    pub fn range(&self, span: Span) -> Range {
        self.lines(span.file)
            .range(span.start as usize, span.end as usize)
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.uri(span.file)?, self.range(span)))
    }
}

impl Workspace {
    /// A workspace of `folders` (made canonical; ones that do not exist are dropped).
    pub fn new(folders: Vec<PathBuf>) -> Workspace {
        let folders: Vec<PathBuf> = folders
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect();
        let mut workspace = Workspace {
            folders,
            found: Vec::new(),
            documents: Documents::default(),
            compiled: None,
        };
        workspace.rescan();
        workspace
    }

    /// Lists the folders' files again (files were created, deleted or renamed).
    pub fn rescan(&mut self) {
        self.found = self.folders.iter().flat_map(|f| disk::walk(f)).collect();
    }

    pub fn compiled(&self) -> Option<&Compiled> {
        self.compiled.as_ref()
    }

    /// Compiles the workspace again; only changed files are parsed.
    pub fn check(&mut self) -> &Compiled {
        let roots = self.roots();
        let mut include = self.folders.clone();
        include.extend(accord_idl::root_folders(&roots));
        include.sort();
        include.dedup();
        // The compiler compares import paths with `include` as written; the disk reader
        // compares canonical paths (a link cannot lead out), so it gets canonical folders.
        let readable: Vec<PathBuf> = include
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect();
        let mut loader = Overlay {
            documents: &self.documents,
            folders: &readable,
        };
        let compilation = match self.compiled.take() {
            Some(previous) => {
                accord_idl::compile_again(previous.compilation, &roots, &include, &mut loader)
            }
            None => accord_idl::compile_in(&roots, &include, &mut loader),
        };
        self.compiled.insert(Compiled {
            compilation,
            index: OnceLock::new(),
            grpc: OnceLock::new(),
        })
    }

    /// The files found on disk, then open files found nowhere else, in path order (so each
    /// file keeps its id from one check to the next, which `compile_again` relies on).
    fn roots(&self) -> Vec<PathBuf> {
        let mut roots = self.found.clone();
        let mut extra: Vec<PathBuf> = self
            .documents
            .paths()
            .filter(|p| !self.found.contains(p))
            .filter(|p| p.extension().is_some_and(|e| e == "accord"))
            .cloned()
            .collect();
        extra.sort();
        roots.extend(extra);
        roots
    }
}

/// Open buffers first, then the disk (inside the include folders).
struct Overlay<'a> {
    documents: &'a Documents,
    folders: &'a [PathBuf],
}

impl Loader for Overlay<'_> {
    fn load(&mut self, path: &Path) -> std::io::Result<String> {
        match self.documents.get(path) {
            Some(doc) => Ok(doc.text.clone()),
            None => disk::read(path, self.folders),
        }
    }
}

/// The path of a `file:` URI, as the compiler names it (lexically normalised).
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    let path = uri.to_file_path().ok()?;
    Some(accord_idl::source::normalize(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// An edit re-parses only the edited file; the buffer wins over the disk until closed; a
    /// file created on disk is found by a rescan; an import leaving the folders is refused.
    #[test]
    fn checks_parse_only_edited_buffers_and_buffers_win() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let a = write(
            &root,
            "a.accord",
            "package a;\nversion 1.0.0;\nimport \"lib/b.accord\";\nstruct A { b: B = 1; }\n",
        );
        let b = write(
            &root,
            "lib/b.accord",
            "package b;\nversion 1.0.0;\nstruct B { x: i32 = 1; }\n",
        );
        let mut ws = Workspace::new(vec![root.clone()]);
        let first = ws.check();
        assert!(
            !first.compilation.has_errors(),
            "{:#?}",
            first.compilation.diagnostics
        );
        assert!(first.compilation.reused().is_empty());

        let broken = "package b;\nversion 1.0.0;\nstruct C { x: i32 = 1; }\n";
        ws.documents.open(b.clone(), broken.into(), 1);
        let again = ws.check();
        let ids = |p: &Path| again.file(p).unwrap();
        assert_eq!(again.compilation.reused(), [ids(&a)]);
        assert!(again.compilation.errors().any(|d| d.code == "A0301"));

        ws.documents.close(&b);
        write(
            &root,
            "c.accord",
            "package c;\nversion 1.0.0;\nimport \"../outside.accord\";\n",
        );
        ws.rescan();
        let last = ws.check();
        let codes: Vec<&str> = last
            .compilation
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(codes, ["A0406"], "{:#?}", last.compilation.diagnostics);
        assert!(last.file(&root.join("c.accord")).is_some());
    }

    /// Without workspace folders, an open file's folder is where its imports are read from,
    /// also when the path reaches it through a symbolic link.
    #[cfg(unix)]
    #[test]
    fn an_open_file_alone_reads_its_imports_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        write(
            &real,
            "b.accord",
            "package b;\nversion 1.0.0;\nstruct B { x: i32 = 1; }\n",
        );
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut ws = Workspace::new(Vec::new());
        let a = "package a;\nversion 1.0.0;\nimport \"b.accord\";\nstruct A { b: B = 1; }\n";
        ws.documents.open(link.join("a.accord"), a.into(), 1);
        let c = ws.check();
        assert!(
            !c.compilation.has_errors(),
            "{:#?}",
            c.compilation.diagnostics
        );
    }
}
