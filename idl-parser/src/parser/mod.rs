//! The parser: source text in, a [`syntax::File`] and every syntax error out. Never panics.
//!
//! pest stops at the first error, so the text is first cut into declarations by [`scan`] and each
//! is parsed alone. When a braced declaration fails, its header is parsed and then each member
//! alone, so one bad field costs only that field. The happy path parses every byte once.

mod build;
mod errors;
mod items;
mod scan;

use crate::source::{FileId, Span};
use crate::syntax::{self, File, Item, SyntaxError};
use build::Builder;
use pest::Parser as _;
use pest::iterators::Pair;
use scan::Chunk;
use std::borrow::Cow;

#[derive(pest_derive::Parser)]
#[grammar = "parser/accord.pest"]
struct AccordParser;

/// Parses one file. The tree holds everything that parsed; the errors say what did not.
pub fn parse(file: FileId, text: &str) -> (File, Vec<SyntaxError>) {
    let mut comments = Vec::new();
    let chunks = scan::split(text, 0, text.len(), file, Some(&mut comments));
    let blanked = blank_comments(text, &comments);
    let mut run = Run {
        file,
        text,
        grammar_text: &blanked,
        errors: Vec::new(),
        out: File {
            package: None,
            version: None,
            imports: vec![],
            items: vec![],
            comments,
        },
    };
    for chunk in &chunks {
        run.top_chunk(chunk);
    }
    run.unterminated_comment();
    (run.out, run.errors)
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

struct Run<'t> {
    file: FileId,
    /// The source, for messages that quote it.
    text: &'t str,
    /// The source with comments blanked (see [`blank_comments`]), for pest.
    grammar_text: &'t str,
    errors: Vec<SyntaxError>,
    out: File,
}

impl Run<'_> {
    fn builder(&mut self, base: usize) -> Builder<'_> {
        Builder {
            file: self.file,
            base,
            errors: &mut self.errors,
        }
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

    /// Refuses chunks pest could not parse without deep recursion.
    fn too_deep(&mut self, c: &Chunk) -> bool {
        if c.max_depth <= scan::MAX_DEPTH {
            return false;
        }
        let msg = format!(
            "nesting deeper than {} levels is not supported",
            scan::MAX_DEPTH
        );
        self.errors.push(errors::at(
            self.file,
            c.start,
            c.end.min(c.start + 1).max(c.start),
            msg,
        ));
        true
    }

    fn top_chunk(&mut self, c: &Chunk) {
        if !c.significant || self.too_deep(c) {
            return;
        }
        let src = &self.grammar_text[c.start..c.end];
        match AccordParser::parse(Rule::top_chunk, src) {
            Ok(mut pairs) => {
                let Some(top) = pairs.next().and_then(|p| p.into_inner().next()) else {
                    return;
                };
                self.top_pair(top, c.start);
            }
            Err(e) => {
                if !self.recover_item(c) {
                    self.errors
                        .push(errors::from_pest(&e, self.text, c.start, self.file));
                }
            }
        }
    }

    fn top_pair(&mut self, pair: Pair<Rule>, base: usize) {
        match pair.as_rule() {
            Rule::package_clause => self.package(pair, base),
            Rule::version_clause => self.version(pair, base),
            Rule::import_clause => self.import(pair, base),
            _ => {
                if let Some(item) = self.builder(base).item(pair) {
                    self.out.items.push(item);
                }
            }
        }
    }

    fn package(&mut self, pair: Pair<Rule>, base: usize) {
        let b = self.builder(base);
        let span = b.span(&pair);
        let Some(path) = pair.into_inner().nth(1).map(|p| b.path(p)) else {
            return;
        };
        if self.out.package.is_some() {
            self.errors.push(errors::at(
                self.file,
                span.start as usize,
                span.end as usize,
                "a file has one `package` clause; this is a second one",
            ));
            return;
        }
        if self.out.version.is_some() || !self.out.imports.is_empty() || !self.out.items.is_empty()
        {
            self.errors.push(errors::at(
                self.file,
                span.start as usize,
                span.end as usize,
                "`package` must come first in the file",
            ));
        }
        self.out.package = Some(syntax::PackageClause { name: path, span });
    }

    fn version(&mut self, pair: Pair<Rule>, base: usize) {
        let mut b = self.builder(base);
        let span = b.span(&pair);
        let Some(value) = pair.into_inner().nth(1).map(|p| b.literal(p)) else {
            return;
        };
        if self.out.version.is_some() {
            self.errors.push(errors::at(
                self.file,
                span.start as usize,
                span.end as usize,
                "a file has one `version` clause; this is a second one",
            ));
            return;
        }
        if !self.out.imports.is_empty() || !self.out.items.is_empty() {
            self.errors.push(errors::at(
                self.file,
                span.start as usize,
                span.end as usize,
                "`version` must come right after `package`, before imports and declarations",
            ));
        }
        self.out.version = Some(syntax::VersionClause { value, span });
    }

    fn import(&mut self, pair: Pair<Rule>, base: usize) {
        let mut b = self.builder(base);
        let span = b.span(&pair);
        let Some(lit) = pair.into_inner().nth(1).map(|p| b.literal(p)) else {
            return;
        };
        let syntax::LiteralKind::String { value, .. } = lit.kind else {
            return;
        };
        if !self.out.items.is_empty() {
            self.errors.push(errors::at(
                self.file,
                span.start as usize,
                span.end as usize,
                "imports must come before the declarations",
            ));
        }
        self.out.imports.push(syntax::Import {
            path: value,
            path_span: lit.span,
            span,
        });
    }

    /// Error recovery for a braced declaration that failed as a whole: parse its header, then
    /// each member alone. Returns false when the header itself is broken.
    fn recover_item(&mut self, c: &Chunk) -> bool {
        let Some(brace) = c.brace else { return false };
        let header_src = &self.grammar_text[c.start..=brace];
        let Ok(mut pairs) = AccordParser::parse(Rule::header_chunk, header_src) else {
            return false;
        };
        let Some(header) = pairs.next() else {
            return false;
        };
        let mut parts = header.into_inner();
        let (Some(attrs), Some(keyword), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let mut b = self.builder(c.start);
        let attrs = b.attrs(attrs);
        let kw_span = b.span(&keyword);
        let name = b.ident(name);
        let name_text = name.text.clone();
        let mut kind = items::empty_decl(keyword.as_str(), name);
        let body_end = if c.closed_by_brace { c.end - 1 } else { c.end };
        let hoisted = self.members(&mut kind, brace + 1, body_end, !c.closed_by_brace);
        if !c.closed_by_brace {
            let msg = format!("this `{{` of `{name_text}` is never closed: expected `}}`");
            self.errors
                .push(errors::at(self.file, brace, brace + 1, msg));
        }
        let span = Span::new(self.file, kw_span.start as usize, c.end);
        self.out.items.push(Item { attrs, kind, span });
        self.out.items.extend(hoisted);
        true
    }

    /// Parses the members of `kind` in `text[start..end]` one by one. In an unclosed body, a
    /// member that is really the next declaration is returned to be added after this one.
    fn members(
        &mut self,
        kind: &mut syntax::ItemKind,
        start: usize,
        end: usize,
        unclosed: bool,
    ) -> Vec<Item> {
        let rule = match kind {
            syntax::ItemKind::Struct(_) | syntax::ItemKind::Union(_) => Rule::struct_member_chunk,
            syntax::ItemKind::Enum(_) => Rule::enum_member_chunk,
            syntax::ItemKind::Channel(_) => Rule::channel_member_chunk,
            syntax::ItemKind::Service(_) => Rule::service_member_chunk,
        };
        let mut hoisted = Vec::new();
        for m in scan::split(self.text, start, end, self.file, None) {
            if !m.significant || self.too_deep(&m) {
                continue;
            }
            let src = &self.grammar_text[m.start..m.end];
            match AccordParser::parse(rule, src) {
                Ok(mut pairs) => {
                    let Some(member) = pairs.next().and_then(|p| p.into_inner().next()) else {
                        continue;
                    };
                    self.builder(m.start).add_member(kind, member);
                }
                Err(e) => match self.as_item(src, m.start, unclosed) {
                    Some(item) => hoisted.push(item),
                    None => self
                        .errors
                        .push(errors::from_pest(&e, self.text, m.start, self.file)),
                },
            }
        }
        hoisted
    }

    /// A member chunk of an unclosed body that parses as a whole declaration.
    fn as_item(&mut self, src: &str, base: usize, unclosed: bool) -> Option<Item> {
        if !unclosed {
            return None;
        }
        let top = AccordParser::parse(Rule::top_chunk, src)
            .ok()?
            .next()?
            .into_inner()
            .next()?;
        if top.as_rule() != Rule::item {
            return None;
        }
        self.builder(base).item(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
