//! The parser: source text in, a [`syntax::File`] and every syntax error out. Never panics.
//!
//! pest stops at the first error, so the text is first cut into declarations by [`scan`] and each
//! is parsed alone ([`chunk`]). A declaration is first parsed by the grammar's fast rules (no
//! pairs for punctuation and wrappers); when they fail it is parsed again by the detailed rules,
//! which name what was expected. When a braced declaration fails there too, its header is parsed
//! and then each member alone, so one bad field costs only that field. Chunks are independent,
//! so a large file's chunks are parsed on every core and the results merged in source order;
//! only the header clauses' order is checked while merging.

mod build;
mod chunk;
mod errors;
mod hints;
mod items;
mod reuse;
mod scan;
mod shift;

use crate::source::FileId;
use crate::syntax::{self, File, SyntaxError};
use chunk::{Clause, Parsed, Source};
use scan::Chunk;
use std::borrow::Cow;

pub(crate) use reuse::{Chunks, Earlier};

#[derive(pest_derive::Parser)]
#[grammar = "parser/accord.pest"]
struct AccordParser;

/// Below this many bytes a file is parsed on the calling thread: a thread costs more than it saves.
pub(crate) const PARALLEL_MIN_BYTES: usize = 32 * 1024;

/// Parses one file. The tree holds everything that parsed; the errors say what did not.
pub fn parse(file: FileId, text: &str) -> (File, Vec<SyntaxError>) {
    let threads = if text.len() < PARALLEL_MIN_BYTES {
        1
    } else {
        crate::parallel::threads()
    };
    parse_on(file, text, threads)
}

/// [`parse`] on up to `threads` threads; the result does not depend on how many.
pub(crate) fn parse_on(file: FileId, text: &str, threads: usize) -> (File, Vec<SyntaxError>) {
    let (file, errors, _) = parse_again(file, text, threads, None);
    (file, errors)
}

/// [`parse_on`], taking over from `earlier` (a parse of an earlier text of the same file) the
/// declarations the edit left alone ([`reuse`]); the result is the one [`parse_on`] gives.
/// Also returns the record the next parse of this file takes over from.
pub(crate) fn parse_again(
    file: FileId,
    text: &str,
    threads: usize,
    earlier: Option<Earlier>,
) -> (File, Vec<SyntaxError>, Chunks) {
    let mut comments = Vec::new();
    let mut earlier = earlier;
    let chunks = match &mut earlier {
        Some(earlier) => reuse::split(text, file, earlier, &mut comments),
        None => scan::split(text, 0, text.len(), file, Some(&mut comments)),
    };
    let blanked = blank_comments(text, &comments);
    let source = Source {
        file,
        text,
        grammar_text: &blanked,
    };
    let mut merge = Merge {
        file,
        errors: Vec::new(),
        out: File {
            package: None,
            version: None,
            imports: vec![],
            items: vec![],
            comments,
        },
    };
    let (results, parsed) = match earlier {
        Some(earlier) => reuse::parse_changed(source, &chunks, earlier, threads),
        None => (parse_chunks(source, &chunks, threads), chunks.len()),
    };
    let record = Chunks::record(&chunks, &results, parsed);
    for parsed in results {
        merge.add(parsed);
    }
    merge.unterminated_comment();
    for name in scan::foreign_names(text) {
        let c = text[name.at..].chars().next().unwrap_or(' ');
        let message = format!(
            "`{}` is not a valid name: `{}` is not ASCII; names are ASCII letters, digits and `_`",
            &text[name.start..name.end],
            c.escape_debug()
        );
        let error = errors::at(file, name.at, name.at + c.len_utf8(), message);
        merge.errors.push(error);
    }
    (merge.out, merge.errors, record)
}

/// Every chunk's result, in order; with several threads, each parses one run of chunks.
fn parse_chunks(source: Source, chunks: &[Chunk], threads: usize) -> Vec<Parsed> {
    let runs = crate::parallel::runs(
        chunks,
        threads,
        |c| c.end - c.start,
        |run| run.iter().map(|c| source.top_chunk(c)).collect::<Vec<_>>(),
    );
    runs.into_iter().flatten().collect()
}

/// The text pest sees: plain comments turned into spaces (newlines kept), byte for byte, so
/// every offset is the same as in the source. The grammar then has no `COMMENT` rule, which pest
/// would try between every two tokens; the scanner has found the comments already.
fn blank_comments<'t>(text: &'t str, comments: &[syntax::Comment]) -> Cow<'t, str> {
    if comments.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for c in comments {
        for b in &mut bytes[c.span.range()] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only whole comments were replaced, each by ASCII, so the bytes are still UTF-8.
    Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()))
}

/// Puts the chunks' results together in source order.
struct Merge {
    file: FileId,
    errors: Vec<SyntaxError>,
    out: File,
}

impl Merge {
    fn add(&mut self, parsed: Parsed) {
        self.errors.extend(parsed.errors);
        for clause in parsed.clauses {
            match clause {
                Clause::Package(p) => self.package(p),
                Clause::Version(v) => self.version(v),
                Clause::Import(i) => self.import(i),
            }
        }
        self.out.items.extend(parsed.items);
    }

    fn error(&mut self, span: crate::source::Span, message: &str) {
        let (start, end) = (span.start as usize, span.end as usize);
        self.errors.push(errors::at(self.file, start, end, message));
    }

    fn package(&mut self, p: syntax::PackageClause) {
        if self.out.package.is_some() {
            self.error(
                p.span,
                "a file has one `package` clause; this is a second one",
            );
            return;
        }
        if self.out.version.is_some() || !self.out.imports.is_empty() || !self.out.items.is_empty()
        {
            self.error(p.span, "`package` must come first in the file");
        }
        self.out.package = Some(p);
    }

    fn version(&mut self, v: syntax::VersionClause) {
        if self.out.version.is_some() {
            self.error(
                v.span,
                "a file has one `version` clause; this is a second one",
            );
            return;
        }
        if !self.out.imports.is_empty() || !self.out.items.is_empty() {
            let msg = "`version` must come right after `package`, before imports and declarations";
            self.error(v.span, msg);
        }
        self.out.version = Some(v);
    }

    fn import(&mut self, i: syntax::Import) {
        if !self.out.items.is_empty() {
            self.error(i.span, "imports must come before the declarations");
        }
        self.out.imports.push(i);
    }

    /// A `/*` without `*/` runs to the end of the file; say so unless a chunk already did.
    fn unterminated_comment(&mut self) {
        let Some(last) = self.out.comments.last() else {
            return;
        };
        let start = last.span.start as usize;
        if !last.text.starts_with("/*") || (last.text.len() >= 4 && last.text.ends_with("*/")) {
            return;
        }
        if self.errors.iter().all(|e| e.span.start as usize != start) {
            let msg = "unterminated block comment: expected `*/` before the end of the file";
            self.errors
                .push(errors::at(self.file, start, start + 2, msg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pest::Parser as _;

    /// pest is built without its stack probe (see the root Cargo.toml), so the deepest nesting
    /// `scan` lets through must parse on a test thread's default stack, even unoptimised.
    #[test]
    fn deepest_allowed_nesting_parses_on_a_default_stack() {
        let depth = scan::MAX_DEPTH - 1; // the struct's `{` is one level
        let text = format!(
            "struct S {{ a: {}i32{} = 1; }}",
            "map<string, list<".repeat(depth / 2),
            ">>".repeat(depth / 2)
        );
        let (file, errors) = parse(FileId(0), &text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(file.items.len(), 1);
    }

    /// Comments are blanked before pest sees the text: between any two tokens they are still
    /// trivia, kept for the formatter, and errors after them quote the source.
    #[test]
    fn comments_between_tokens_are_trivia() {
        let text = "struct S { a /* x */ : i32 = 1; // t\n b: i32 = 2; }";
        let (file, errors) = parse(FileId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        let syntax::ItemKind::Struct(s) = &file.items[0].kind else {
            panic!("a struct")
        };
        assert_eq!(s.fields.len(), 2);
        let texts: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["/* x */", "// t"]);

        let text = "struct S { a: /* c */ = 1; }";
        let (_, errors) = parse(FileId(0), text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("found `=`"), "{errors:?}");
        assert_eq!(errors[0].span.range(), 22..23);
    }

    /// The result of a parse on several threads is the sequential one, errors and recovery
    /// included, and big files take the parallel path.
    #[test]
    fn threads_do_not_change_the_result() {
        let config = crate::synth::SynthConfig::benchmark();
        let (_, text) = crate::synth::large_api(config).swap_remove(1);
        assert!(text.len() >= 2 * PARALLEL_MIN_BYTES);
        // Damage spread over the file: a lost `;` early, a bad field in the middle, a stray
        // declaration keyword and an unclosed brace near the end.
        let mut text = text.replacen("amount: i64 = 1;", "amount: i64 = 1", 1);
        let middle = text.len() / 2 + text[text.len() / 2..].find("id: i64").unwrap_or(0);
        text.insert_str(middle, "broken field ");
        text.push_str("\npackage late.p;\nstruct Open { a: i32 = 1;\n");
        let (one_file, one_errors) = parse_on(FileId(0), &text, 1);
        assert!(one_errors.len() >= 4, "{one_errors:?}");
        for threads in [2, 3, 7] {
            let (file, errors) = parse_on(FileId(0), &text, threads);
            assert_eq!(format!("{errors:?}"), format!("{one_errors:?}"));
            assert_eq!(format!("{file:?}"), format!("{one_file:?}"));
        }
    }

    /// The fast rules build exactly the tree (and the literal errors) the detailed rules build,
    /// chunk by chunk, over every construct of the language; chunks they do not accept are left
    /// to the detailed rules.
    #[test]
    fn fast_rules_build_the_same_tree() {
        let edge_cases = r#"package a.b; version 1.2.0; import "x.accord";
/// Docs.
/// More docs.
@deprecated("old") @since(1.1.0)
/// After an annotation.
struct S {
    @range(min = -1, max = 2.5,) @pattern(r"^\d+$")
    a?: list<map<string, list<x.y.Z>>> = 1;
    list: list = 2; map: map = 3; stream: stream = 4; b: i32 = NAME;
    c: string = "esc \" \\ \n \t \u{1F600}"; d: i32 = 0x1F; e: i32 = true;
    f: string = "bad \q"; g: i64 = 99999999999999999999999999999999999999999;
    reserved 5, 7 to 9;
    h: i32 = 1.5e3; i: duration = 250ms; j: x = 1.2.3-rc.1;
}
error E { @status(404) } event V {} union U { a?: string = 1; reserved 2; }
enum C { @deprecated A = 1; /// B doc
 B = -2; reserved 3 to 4; }
channel ch { kind publish_subscribe; address "a.b"; messages V, a.b.V; key id; format json; }
@timeout(2s)
service Svc {
    /// Op.
    @http(GET, "/x/{id}") @idempotent @query
    op get(stream In) -> stream Out throws E, a.b.E;
    op unit() -> ();
    op named(stream) -> stream;
    notify tell(In);
    notify bare();
    publishes ch, a.b.ch; subscribes ch;
    uses Svc, a.b.Other;
}
struct Broken { a: i32 = 1 b: i32 = 2; }
"#
        .to_string()
            // Every whitespace character between tokens, and a rule whose span ends in the
            // whitespace before a missing optional part (`@a`, `5`, `throws E`, one doc line).
            + "struct Ws {\ta\t?\t:\ti32\t=\t1\t;\r\n\x0b b :\x0c list < i32 > = 2 ;\n"
            + "  @a\n c: map < i32 , x . y > = 3 ; @b ( x = 1 , ) d: i32 = 4;\n"
            + "  reserved 5 , 6 to 7 , 8 ; }\n/// one\n\n  enum E2 { /// two\n\t A = 1 ; }\n"
            + "service T { op a ( ) -> x throws E , F ; op b ( stream x ) -> stream y ;\n"
            + "  notify c ( ) ; uses T , U ; }\nchannel c { messages A , B ; kind k ; }\n"
            // U+000E..U+001F are not whitespace: the fast rules' range takes them, so such a
            // chunk is theirs to refuse.
            + "struct Ctl { a: i32 = 1;\x0e b: i32 = 2; }\n"
            // Members with no whitespace between them or around the braces.
            + "struct Adj{a:i32=1;b?:list<x>=2;reserved 3;}enum E3{A=1;B=2;}service V{op a()->();}"
            + "struct Open { a: i32 = 1;\n";
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ftgo/api");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "accord"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        assert!(!texts.is_empty(), "the ftgo examples are there");
        texts.push(edge_cases.to_string());
        let config = crate::synth::SynthConfig {
            packages: 2,
            services_per_package: 2,
            ops_per_service: 2,
        };
        texts.extend(crate::synth::large_api(config).into_iter().map(|(_, t)| t));
        let mut fast_items = 0;
        for text in &texts {
            let mut comments = Vec::new();
            let chunks = scan::split(text, 0, text.len(), FileId(0), Some(&mut comments));
            let blanked = blank_comments(text, &comments);
            let source = Source {
                file: FileId(0),
                text,
                grammar_text: &blanked,
            };
            for c in &chunks {
                let (fast, slow) = (source.top_chunk_by(c, true), source.top_chunk_by(c, false));
                assert_eq!(format!("{:?}", fast.items), format!("{:?}", slow.items));
                assert_eq!(fast.errors, slow.errors);
                let src = &blanked[c.start..c.end];
                fast_items += usize::from(AccordParser::parse(Rule::f_chunk, src).is_ok());
            }
        }
        assert!(fast_items >= 40, "{fast_items}");
    }

    /// A raw string ends at its first quote even after a backslash, wherever its `r` stands;
    /// a name ending in `r` before a string is not a raw string.
    #[test]
    fn raw_strings_are_found_by_the_scanner() {
        let text = "@p(r\"a\\\") struct S { x: i32 = 1; }\n@q(key=r\"b\\\") struct T {}";
        let (file, errors) = parse(FileId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(file.items.len(), 2);
        let (_, errors) = parse(FileId(0), "@p(ar\"x\") struct S {}");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
