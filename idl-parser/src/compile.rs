//! The front end's entry point: load every file (roots and their imports, transitively, each
//! once), parse them, lower them into a [`Model`] and check every rule.
//!
//! Why one function: callers (CLI, build.rs, macro) only gather paths and a [`Loader`]; the
//! order of the stages and the rule that *every* independent problem is reported live here.

use crate::check::{self, codes};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Spans};
use crate::parser::{Chunks, Earlier};
use crate::source::{FileId, Loader, SourceFile, Sources, Span, normalize};
use crate::syntax::{self, ParsedFile};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Everything one compilation produced. `model` is only meaningful when `!has_errors()`.
#[derive(Debug)]
pub struct Compilation {
    pub sources: Sources,
    pub model: Model,
    pub spans: Spans,
    pub diagnostics: Vec<Diagnostic>,
    /// The syntax trees, kept so that freeing them is the caller's choice: for a large API it
    /// takes as long as checking it, and a process about to exit may `std::mem::forget` the
    /// compilation instead (as `accord check` does). The library starts no thread for it.
    /// Kept also for [`compile_again`], which reuses the trees of unchanged files.
    files: Vec<ParsedFile>,
    /// What each parse of `files` (in the same order) leaves for [`compile_again`]'s next
    /// parse of that file.
    chunks: Vec<Chunks>,
    /// The files whose syntax tree [`compile_again`] took from the previous compilation.
    reused: Vec<FileId>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The files whose syntax tree came from the previous compilation ([`compile_again`]);
    /// every other file was parsed.
    pub fn reused(&self) -> &[FileId] {
        &self.reused
    }

    /// How many declaration chunks of `file` were parsed; the others were taken over from
    /// the previous compilation ([`compile_again`] after an edit of the file). 0 for a file
    /// not parsed at all (see [`Self::reused`]).
    pub fn parsed_chunks(&self, file: FileId) -> usize {
        let index = self.files.binary_search_by_key(&file, |f| f.id);
        match index {
            Ok(index) if !self.reused.contains(&file) => self.chunks[index].parsed(),
            _ => 0,
        }
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The syntax tree of `file`, for tools that answer from what was written (the language
    /// server's symbols, references and folding); `None` for a root that could not be read.
    pub fn syntax(&self, file: FileId) -> Option<&syntax::File> {
        self.parsed(file).map(|f| &f.syntax)
    }

    /// Where each import of `file` led (`None`: it could not be read or was refused), in the
    /// order of its `import` clauses.
    pub fn imports(&self, file: FileId) -> &[Option<FileId>] {
        self.parsed(file).map_or(&[], |f| f.imports.as_slice())
    }

    /// Parsed files are in id order (roots that could not be read have none).
    fn parsed(&self, file: FileId) -> Option<&ParsedFile> {
        let index = self.files.binary_search_by_key(&file, |f| f.id).ok()?;
        Some(&self.files[index])
    }
}

/// Loads, parses, lowers and checks `roots` and everything they import. Imports must stay
/// inside the folders of the roots (see [`compile_in`]).
pub fn compile(roots: &[PathBuf], loader: &mut dyn Loader) -> Compilation {
    compile_in(roots, &root_folders(roots), loader)
}

/// [`compile`] with imports confined to the folders `include` (lexically: an import that is
/// absolute, climbs out of every include folder with `..`, or does not name a `.accord` file is
/// refused with A0406 before the loader is asked). The loader may refuse more (the CLI's
/// refuses symlinks that lead out, special files and oversized files); its reason is reported.
pub fn compile_in(roots: &[PathBuf], include: &[PathBuf], loader: &mut dyn Loader) -> Compilation {
    let include: Vec<PathBuf> = include.iter().map(|p| normalize(p)).collect();
    let mut fresh = Previous::default();
    compile_on(
        roots,
        &include,
        loader,
        crate::parallel::threads(),
        &mut fresh,
    )
}

/// [`compile_in`] again after some files changed (`accord build --watch`, the language
/// server): a file read with the same path, id and text as in `previous` is not parsed again,
/// its syntax tree and syntax errors are taken over; in a file read with the same path and id
/// but another text, only the declarations whose text changed are parsed (the others are
/// taken over, moved by the edit's change in length: `parser/reuse.rs`); everything after
/// parsing runs as usual. The result is the one [`compile_in`] gives.
pub fn compile_again(
    previous: Compilation,
    roots: &[PathBuf],
    include: &[PathBuf],
    loader: &mut dyn Loader,
) -> Compilation {
    let include: Vec<PathBuf> = include.iter().map(|p| normalize(p)).collect();
    let mut previous = Previous::from(previous);
    compile_on(
        roots,
        &include,
        loader,
        crate::parallel::threads(),
        &mut previous,
    )
}

/// The parsed files of an earlier compilation, by file id, with their syntax diagnostics.
#[derive(Default)]
struct Previous {
    files: Vec<Option<Before>>,
}

/// One file of the earlier compilation.
struct Before {
    source: SourceFile,
    parsed: ParsedFile,
    syntax_errors: Vec<Diagnostic>,
    chunks: Chunks,
}

/// What the earlier compilation hands over for a file read again.
enum Kept {
    /// The same text: its tree, syntax errors and record (boxed: the tree is most of it).
    Same(Box<Before>),
    /// Another text: the earlier parse, for the declarations the edit left alone.
    Edited(Earlier),
}

impl From<Compilation> for Previous {
    fn from(c: Compilation) -> Previous {
        let mut syntax: Vec<Vec<Diagnostic>> = vec![Vec::new(); c.sources.len()];
        for d in c.diagnostics {
            if d.is(&codes::SYNTAX) {
                syntax[d.primary.span.file.0 as usize].push(d);
            }
        }
        let mut files: Vec<Option<_>> = (0..c.sources.len()).map(|_| None).collect();
        let mut sources: Vec<SourceFile> = c.sources.into_files();
        let parses = c.files.into_iter().zip(c.chunks).zip(syntax);
        for ((parsed, chunks), syntax_errors) in parses {
            let index = parsed.id.0 as usize;
            files[index] = Some(Before {
                source: std::mem::take(&mut sources[index]),
                parsed: ParsedFile {
                    imports: Vec::new(),
                    ..parsed
                },
                syntax_errors,
                chunks,
            });
        }
        Previous { files }
    }
}

impl Previous {
    /// What the earlier compilation parsed under `id`, if it read the same path under it.
    fn take(&mut self, id: FileId, now: &SourceFile) -> Option<Kept> {
        let slot = self.files.get_mut(id.0 as usize)?;
        if slot.as_ref()?.source.path != now.path {
            return None;
        }
        let before = slot.take()?;
        Some(if before.source.text == now.text {
            Kept::Same(Box::new(before))
        } else {
            Kept::Edited(Earlier {
                text: before.source.text,
                items: before.parsed.syntax.items,
                comments: before.parsed.syntax.comments,
                chunks: before.chunks,
            })
        })
    }
}

/// The folder of every root, each once: the include folders [`compile`] uses.
pub fn root_folders(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for root in roots {
        let folder = normalize(root)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    folders
}

/// [`compile`] on up to `threads` threads; the result does not depend on how many.
fn compile_on(
    roots: &[PathBuf],
    include: &[PathBuf],
    loader: &mut dyn Loader,
    threads: usize,
    previous: &mut Previous,
) -> Compilation {
    let mut diags = Vec::new();
    let mut sources = Sources::default();
    let mut load = Load {
        sources: &mut sources,
        diags: &mut diags,
        threads,
        previous,
        reused: Vec::new(),
    };
    let (files, chunks) = load_all(roots, include, loader, &mut load);
    let reused = load.reused;
    for (id, file) in sources.iter() {
        check::text::bidi_controls(id, &file.text, &mut diags);
    }
    check::files::import_cycles(&files, &mut diags);
    let (model, spans) = crate::lower::lower(&files, &mut diags, threads);
    check::targets::check(&model, &spans, &mut diags);
    drop_cascades(&files, &mut diags);
    // Unresolved references would make their targets look unused: only a clean model says.
    if !diags.iter().any(Diagnostic::is_error) {
        check::unused::check(&file_imports(&files), &model, &spans, &mut diags);
    }
    sort(&mut diags);
    Compilation {
        sources,
        model,
        spans,
        diagnostics: diags,
        files,
        chunks,
        reused,
    }
}

/// Each file's resolved imports, for the unused-import rule.
fn file_imports(files: &[ParsedFile]) -> Vec<check::unused::FileImports> {
    let imports = |f: &ParsedFile| {
        let spans = f.syntax.imports.iter().map(|i| i.span);
        f.imports.iter().copied().zip(spans).collect()
    };
    files
        .iter()
        .map(|f| check::unused::FileImports {
            file: f.id,
            declares: !f.syntax.items.is_empty(),
            imports: imports(f),
        })
        .collect()
}

/// Compiles an in-memory multi-file fixture: `//- /path` lines start each file (a fixture
/// without one is a single file `/main.accord`); the first file is the root.
pub fn compile_str(fixture: &str) -> Compilation {
    let files = split_fixture(fixture);
    let root = files
        .first()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| "/main.accord".into());
    let mut map: HashMap<PathBuf, String> = files.into_iter().collect();
    compile(&[root], &mut map)
}

fn split_fixture(fixture: &str) -> Vec<(PathBuf, String)> {
    if !fixture.trim_start().starts_with("//- ") {
        return vec![("/main.accord".into(), fixture.to_string())];
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for line in fixture.trim_start().lines() {
        match line.strip_prefix("//- ") {
            Some(path) => files.push((PathBuf::from(path.trim()), String::new())),
            None => {
                let text = &mut files.last_mut().expect("starts with a header").1;
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    files
}

/// Breadth-first: roots, then their imports, each file read and parsed once. Files are read
/// (by the caller's loader, on this thread) in the order they are found, which fixes their ids;
/// each wave of newly found files is then parsed on every core.
fn load_all(
    roots: &[PathBuf],
    include: &[PathBuf],
    loader: &mut dyn Loader,
    load: &mut Load,
) -> (Vec<ParsedFile>, Vec<Chunks>) {
    let Load { sources, diags, .. } = load;
    let mut by_path: HashMap<PathBuf, Result<FileId, String>> = HashMap::new();
    let mut wave = Vec::new();
    for root in roots {
        let path = normalize(root);
        let key = loader.identity(&path);
        if by_path.contains_key(&key) {
            continue;
        }
        match loader.load(&path) {
            Ok(text) => {
                let id = sources.add(path.clone(), text);
                by_path.insert(key, Ok(id));
                wave.push(id);
            }
            Err(e) => {
                by_path.insert(key, Err(e.to_string()));
                let file = sources.add(path.clone(), String::new());
                diags.push(check::files::root_missing(&path, &e, file));
            }
        }
    }
    let (mut files, mut chunks) = (Vec::new(), Vec::new());
    while !wave.is_empty() {
        let first = files.len();
        for (file, record) in load.wave(&wave) {
            files.push(file);
            chunks.push(record);
        }
        wave.clear();
        for index in first..files.len() {
            let mut reader = Reader {
                include,
                by_path: &mut by_path,
                loader: &mut *loader,
                sources: &mut *load.sources,
                wave: &mut wave,
            };
            reader.resolve_imports(index, &mut files, load.diags);
        }
    }
    (files, chunks)
}

/// What loading needs besides the loader: where files and findings go, and the trees an
/// earlier compilation may hand over.
struct Load<'a> {
    sources: &'a mut Sources,
    diags: &'a mut Vec<Diagnostic>,
    threads: usize,
    previous: &'a mut Previous,
    reused: Vec<FileId>,
}

impl Load<'_> {
    /// The files of one wave: those the previous compilation read unchanged taken over, the
    /// others parsed (edited ones reusing their unchanged declarations); syntax errors in file
    /// order.
    fn wave(&mut self, ids: &[FileId]) -> Vec<(ParsedFile, Chunks)> {
        let mut kept: Vec<Option<Kept>> = ids
            .iter()
            .map(|&id| self.previous.take(id, self.sources.get(id)))
            .collect();
        let mut changed = Vec::new();
        for (&id, kept) in ids.iter().zip(&mut kept) {
            match kept.take() {
                Some(Kept::Edited(earlier)) => changed.push((id, Some(earlier))),
                None => changed.push((id, None)),
                same => *kept = same,
            }
        }
        let mut fresh_diags = Vec::new();
        let mut parsed =
            parse_wave(changed, self.sources, &mut fresh_diags, self.threads).into_iter();
        let mut fresh_diags = fresh_diags.into_iter().peekable();
        let mut out = Vec::with_capacity(ids.len());
        for (&id, kept) in ids.iter().zip(&mut kept) {
            match kept.take() {
                Some(Kept::Same(before)) => {
                    self.reused.push(id);
                    self.diags.extend(before.syntax_errors);
                    out.push((before.parsed, before.chunks));
                }
                _ => {
                    while let Some(d) = fresh_diags.next_if(|d| d.primary.span.file == id) {
                        self.diags.push(d);
                    }
                    out.extend(parsed.next());
                }
            }
        }
        self.diags.extend(fresh_diags);
        out
    }
}

/// What resolving imports reads and records: files by identity ([`Loader::identity`]), the
/// include folders, and the wave of files read for the first time.
struct Reader<'a> {
    include: &'a [PathBuf],
    /// Each file read, or why it could not be.
    by_path: &'a mut HashMap<PathBuf, Result<FileId, String>>,
    loader: &'a mut dyn Loader,
    sources: &'a mut Sources,
    wave: &'a mut Vec<FileId>,
}

impl Reader<'_> {
    /// Reads the files `files[index]` imports; the ones read for the first time join the wave.
    fn resolve_imports(
        &mut self,
        index: usize,
        files: &mut [ParsedFile],
        diags: &mut Vec<Diagnostic>,
    ) {
        let importer = &self.sources.get(files[index].id).path;
        let dir = importer.parent().map(Path::to_path_buf).unwrap_or_default();
        for import in &files[index].syntax.imports {
            let id = match import_target(&dir, &import.path, self.include) {
                Ok(path) => self.read(path, import, diags),
                Err(reason) => {
                    diags.push(check::files::refused(import, &reason, self.include));
                    None
                }
            };
            files[index].imports.push(id);
        }
    }

    fn read(
        &mut self,
        path: PathBuf,
        import: &syntax::Import,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<FileId> {
        let key = self.loader.identity(&path);
        let result = match self.by_path.get(&key) {
            Some(known) => known.clone(),
            None => {
                let result = match self.loader.load(&path) {
                    Ok(text) => Ok(self.sources.add(path.clone(), text)),
                    Err(e) => Err(e.to_string()),
                };
                self.wave.extend(result.as_ref().ok());
                self.by_path.insert(key, result.clone());
                result
            }
        };
        result
            .map_err(|reason| diags.push(check::files::unreadable(import, &path, &reason)))
            .ok()
    }
}

/// Where `import` (written in a file of folder `dir`) leads, or why it may not be read.
fn import_target(dir: &Path, import: &str, include: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(c) = import.chars().find(|c| c.is_control()) {
        return Err(format!(
            "it contains the control character {}",
            c.escape_unicode()
        ));
    }
    let written = Path::new(import);
    if written.has_root()
        || written
            .components()
            .any(|c| matches!(c, Component::Prefix(_)))
    {
        return Err("it is absolute; imports are relative to the importing file".into());
    }
    if written.extension().is_none_or(|e| e != "accord") || import.ends_with('/') {
        return Err("only `.accord` files can be imported".into());
    }
    let path = normalize(&dir.join(written));
    if include.is_empty() || include.iter().any(|root| within(&path, root)) {
        Ok(path)
    } else {
        Err(format!(
            "it leads to `{}`, outside the include folders",
            path.display()
        ))
    }
}

/// `path` is `root` or below it (both normalised). A relative and an absolute path cannot be
/// compared without the file system: the loader decides (the CLI's compares canonical paths).
fn within(path: &Path, root: &Path) -> bool {
    if path.has_root() != root.has_root() {
        return true;
    }
    path.strip_prefix(root)
        .is_ok_and(|rest| rest.components().all(|c| matches!(c, Component::Normal(_))))
}

/// Parses `files`, their syntax errors reported in that order. Many files are parsed side by
/// side, one thread each (in full: that is a first compilation, or a change of many files); a
/// few large ones one after another, each cut into chunks on every core, an edited one
/// reusing its earlier parse.
fn parse_wave(
    files: Vec<(FileId, Option<Earlier>)>,
    sources: &Sources,
    diags: &mut Vec<Diagnostic>,
    threads: usize,
) -> Vec<(ParsedFile, Chunks)> {
    let text = |id: FileId| sources.get(id).text.as_str();
    let ids: Vec<FileId> = files.iter().map(|(id, _)| *id).collect();
    let parsed: Vec<(syntax::File, Vec<syntax::SyntaxError>, Chunks)> =
        if files.len() >= 2 * threads {
            let parse_run = |run: &[FileId]| -> Vec<_> {
                run.iter()
                    .map(|&id| crate::parser::parse_again(id, text(id), 1, None))
                    .collect()
            };
            let runs = crate::parallel::runs(&ids, threads, |&id| text(id).len(), parse_run);
            runs.into_iter().flatten().collect()
        } else {
            let parse = |(id, earlier): (FileId, Option<Earlier>)| {
                let big = text(id).len() >= crate::parser::PARALLEL_MIN_BYTES;
                let threads = if big { threads } else { 1 };
                crate::parser::parse_again(id, text(id), threads, earlier)
            };
            files.into_iter().map(parse).collect()
        };
    let files = ids
        .into_iter()
        .zip(parsed)
        .map(|(id, (syntax, errors, chunks))| {
            diags.extend(errors.into_iter().map(check::files::syntax_diagnostic));
            let file = ParsedFile {
                id,
                syntax,
                imports: Vec::new(),
            };
            (file, chunks)
        });
    files.collect()
}

/// A clause the parser could not read is not also "missing": in a declaration that has a
/// syntax error, the checker's complaints about absent channel clauses (which point at the
/// channel's name) would only repeat the syntax error, so they are dropped.
fn drop_cascades(files: &[ParsedFile], diags: &mut Vec<Diagnostic>) {
    let syntax_errors: Vec<Span> = diags
        .iter()
        .filter(|d| d.is(&codes::SYNTAX))
        .map(|d| d.primary.span)
        .collect();
    if syntax_errors.is_empty() {
        return;
    }
    let within = |outer: Span, inner: Span| {
        outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
    };
    let broken_channel_names: Vec<Span> = files
        .iter()
        .flat_map(|f| &f.syntax.items)
        .filter(|item| syntax_errors.iter().any(|&e| within(item.span, e)))
        .filter_map(|item| match &item.kind {
            syntax::ItemKind::Channel(c) => Some(c.name.span),
            _ => None,
        })
        .collect();
    diags.retain(|d| {
        let absence = d.is(&codes::CHANNEL_CLAUSE_MISSING) || d.is(&codes::CHANNEL_KIND);
        !(absence && broken_channel_names.contains(&d.primary.span))
    });
}

/// Source order: file, then position; errors before warnings at one place.
fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            std::cmp::Reverse(d.severity),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waves of files parsed side by side give the ids, diagnostics and model of one thread:
    /// files numbered breadth-first in the order they are found, syntax errors and missing
    /// imports in every wave.
    #[test]
    fn threads_do_not_change_the_result() {
        let mut fixture = String::from("//- /root.accord\npackage root; version 1.0.0;\n");
        for i in 0..9 {
            fixture.push_str(&format!("import \"lib{i}.accord\";\n"));
        }
        fixture.push_str("import \"missing.accord\";\nstruct Top { a: bench.l3.T3 = 1; }\n");
        for i in 0..9 {
            fixture.push_str(&format!(
                "//- /lib{i}.accord\npackage bench.l{i}; version 1.0.0;\nimport \"deep{}.accord\";\n\
                 struct T{i} {{ a: i32 = 1; b: Nope = 2; c: i32 = 3 }}\nstruct U{i} {{ x: T{i} = 1; }}\n",
                i % 4
            ));
        }
        for d in 0..4 {
            fixture.push_str(&format!(
                "//- /deep{d}.accord\npackage deep.d{d}; version 1.0.0;\nimport \"gone{d}.accord\";\n\
                 enum E{d} {{ A = 1; b = 2 }}\n"
            ));
        }
        let mut files: HashMap<PathBuf, String> = split_fixture(&fixture).into_iter().collect();
        let mut run = |threads: usize| {
            let mut fresh = Previous::default();
            compile_on(
                &["/root.accord".into()],
                &[],
                &mut files,
                threads,
                &mut fresh,
            )
        };
        let one = run(1);
        let paths = |c: &Compilation| -> Vec<PathBuf> {
            c.sources.iter().map(|(_, f)| f.path.clone()).collect()
        };
        let expected: Vec<PathBuf> = std::iter::once("/root.accord".to_string())
            .chain((0..9).map(|i| format!("/lib{i}.accord")))
            .chain((0..4).map(|d| format!("/deep{d}.accord")))
            .map(PathBuf::from)
            .collect();
        assert_eq!(paths(&one), expected);
        let codes: Vec<&str> = one.diagnostics.iter().map(|d| d.code).collect();
        for code in [&codes::SYNTAX, &codes::IMPORT_MISSING, &codes::UNKNOWN_TYPE].map(|c| c.code) {
            assert!(codes.contains(&code), "{code}: {:#?}", one.diagnostics);
        }
        for threads in [2, 3, 8] {
            let many = run(threads);
            assert_eq!(paths(&many), paths(&one));
            assert_eq!(many.diagnostics, one.diagnostics);
            assert_eq!(many.model, one.model);
        }
        assert!(one.reused().is_empty());
        compile_again_parses_only_changed_files(files, one);
    }

    /// Two files edited (one fixed, one broken anew): exactly those are parsed again, and the
    /// result is what a fresh compilation gives.
    fn compile_again_parses_only_changed_files(
        mut files: HashMap<PathBuf, String>,
        previous: Compilation,
    ) {
        let lib3 = files.get_mut(Path::new("/lib3.accord")).expect("lib3");
        *lib3 = lib3.replace("b: Nope = 2; c: i32 = 3 }", "c: i32 = 3; }");
        let deep1 = files.get_mut(Path::new("/deep1.accord")).expect("deep1");
        deep1.push_str("struct Broken { x: i32 }\n");
        let roots = [PathBuf::from("/root.accord")];
        let again = compile_again(previous, &roots, &[], &mut files);
        let fresh = compile_in(&roots, &[], &mut files);
        assert_eq!(again.diagnostics, fresh.diagnostics);
        assert_eq!(again.model, fresh.model);
        let changed = [
            fresh.sources.find(Path::new("/lib3.accord")).expect("lib3"),
            fresh
                .sources
                .find(Path::new("/deep1.accord"))
                .expect("deep1"),
        ];
        let parsed: Vec<FileId> = fresh
            .sources
            .iter()
            .map(|(id, _)| id)
            .filter(|id| !again.reused().contains(id))
            .collect();
        assert_eq!(parsed, changed);
    }
}
