//! One top-level chunk parsed on its own: a header clause or a declaration, recovered member by
//! member when it fails as a whole. Nothing here depends on the other chunks, so `mod.rs` may
//! parse chunks on several threads and merge the results in source order.

use super::build::Builder;
use super::scan::{self, Chunk};
use super::{AccordParser, Rule, errors, items};
use crate::source::{FileId, Span};
use crate::syntax::{self, Item, SyntaxError};
use pest::Parser as _;
use pest::iterators::Pair;

/// The file being parsed: its text for messages and the comment-blanked text pest reads.
#[derive(Clone, Copy)]
pub struct Source<'t> {
    pub file: FileId,
    pub text: &'t str,
    pub grammar_text: &'t str,
}

/// What one chunk produced; `errors` come first when merged.
#[derive(Default)]
pub struct Parsed {
    /// Header clauses, in order: one, or more when a clause missing its `;` ran into the next.
    pub clauses: Vec<Clause>,
    pub items: Vec<Item>,
    pub errors: Vec<SyntaxError>,
}

/// A file-header clause; whether it is in its place is decided when merging.
#[derive(Clone, Debug)]
pub enum Clause {
    Package(syntax::PackageClause),
    Version(syntax::VersionClause),
    Import(syntax::Import),
}

impl Source<'_> {
    /// Parses a chunk of [`scan::split`] over the whole file.
    pub fn top_chunk(&self, c: &Chunk) -> Parsed {
        self.top_chunk_by(c, true)
    }

    /// [`Self::top_chunk`], trying the fast rules first when `fast` (tests compare both ways).
    pub fn top_chunk_by(&self, c: &Chunk, fast: bool) -> Parsed {
        let mut out = Parsed::default();
        if !c.significant || self.too_deep(c, &mut out.errors) {
            return out;
        }
        let src = &self.grammar_text[c.start..c.end];
        if fast && let Some(item) = self.fast_item(src, c.start, &mut out.errors) {
            out.items.push(item);
            return out;
        }
        match AccordParser::parse(Rule::top_chunk, src) {
            Ok(mut pairs) => {
                if let Some(top) = pairs.next().and_then(|p| p.into_inner().next()) {
                    self.top_pair(top, c.start, &mut out);
                }
            }
            Err(e) => {
                if !self.recover_item(c, &mut out) && !self.recover_clause(c, &e, &mut out) {
                    let error = errors::from_pest(&e, self.text, c.start, self.file);
                    out.errors.push(error);
                }
            }
        }
        out
    }

    /// The fast path: a declaration parsed by the `f_` rules. `None` when they do not accept the
    /// chunk (a header clause, or a syntax error the other rules will describe).
    fn fast_item(&self, src: &str, base: usize, errors: &mut Vec<SyntaxError>) -> Option<Item> {
        if has_control(src) {
            return None;
        }
        let chunk = AccordParser::parse(Rule::f_chunk, src).ok()?.next()?;
        let item = chunk.into_inner().next()?;
        self.builder(base, errors).item(item)
    }

    fn builder<'e>(&self, base: usize, errors: &'e mut Vec<SyntaxError>) -> Builder<'e> {
        Builder {
            file: self.file,
            base,
            errors,
        }
    }

    /// Refuses chunks pest could not parse without deep recursion.
    fn too_deep(&self, c: &Chunk, errors: &mut Vec<SyntaxError>) -> bool {
        if c.max_depth <= scan::MAX_DEPTH {
            return false;
        }
        let msg = format!(
            "nesting deeper than {} levels is not supported",
            scan::MAX_DEPTH
        );
        let end = c.end.min(c.start + 1).max(c.start);
        errors.push(errors::at(self.file, c.start, end, msg));
        true
    }

    fn top_pair(&self, pair: Pair<Rule>, base: usize, out: &mut Parsed) {
        let mut b = self.builder(base, &mut out.errors);
        let rule = pair.as_rule();
        if rule == Rule::item {
            out.items.extend(b.item(pair));
            return;
        }
        let span = b.span(&pair);
        let Some(value) = pair.into_inner().nth(1) else {
            return;
        };
        let clause = match rule {
            Rule::package_clause => Some(Clause::Package(syntax::PackageClause {
                name: b.path(value),
                span,
            })),
            Rule::version_clause => Some(Clause::Version(syntax::VersionClause {
                value: b.literal(value),
                span,
            })),
            _ => import(b.literal(value), span),
        };
        out.clauses.extend(clause);
    }

    /// Error recovery for a header clause without its `;` (`version 1.0.0`, then a declaration
    /// on the next line): the scanner's chunk runs on to the next `;` or `}`, so the
    /// declaration would be lost and its absence reported as unrelated errors. When pest
    /// wanted the `;` after a line break, the clause is taken to end at the line's end and the
    /// rest is parsed as chunks of its own. Returns false when that is not the case.
    fn recover_clause(&self, c: &Chunk, e: &pest::error::Error<Rule>, out: &mut Parsed) -> bool {
        let src = &self.grammar_text[c.start..c.end];
        let keyword = src
            .trim_start()
            .split(|ch: char| !ch.is_ascii_alphabetic())
            .next();
        let wants_semi = matches!(&e.variant,
            pest::error::ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::semi));
        if !matches!(keyword, Some("package" | "version" | "import")) || !wants_semi {
            return false;
        }
        let at = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        };
        let clause = src[..at].trim_end();
        if !src[clause.len()..at].contains('\n') {
            return false;
        }
        let ended = format!("{clause};");
        let Ok(mut pairs) = AccordParser::parse(Rule::top_chunk, &ended) else {
            return false;
        };
        if let Some(top) = pairs.next().and_then(|p| p.into_inner().next()) {
            self.top_pair(top, c.start, out);
        }
        let end = c.start + clause.len();
        let last = clause.chars().next_back().map_or(0, char::len_utf8);
        let mut error = errors::at(
            self.file,
            end - last,
            end,
            format!(
                "expected `;` after the `{}` clause, found the end of the line",
                keyword.unwrap_or_default()
            ),
        );
        error.help = Some("end the clause with `;`".to_owned());
        out.errors.push(error);
        for rest in scan::split(self.text, c.start + at, c.end, self.file, None) {
            let parsed = self.top_chunk(&rest);
            out.errors.extend(parsed.errors);
            out.clauses.extend(parsed.clauses);
            out.items.extend(parsed.items);
        }
        true
    }

    /// Error recovery for a braced declaration that failed as a whole: parse its header, then
    /// each member alone. Returns false when the header itself is broken.
    fn recover_item(&self, c: &Chunk, out: &mut Parsed) -> bool {
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
        let mut b = self.builder(c.start, &mut out.errors);
        let attrs = b.attrs(attrs);
        let kw_span = b.span(&keyword);
        let name = b.ident(name);
        let name_text = name.text.clone();
        let mut kind = items::empty_decl(keyword.as_str(), name);
        let body_end = if c.closed_by_brace { c.end - 1 } else { c.end };
        let hoisted = self.members(&mut kind, brace + 1, body_end, !c.closed_by_brace, out);
        if !c.closed_by_brace {
            let msg = format!("this `{{` of `{name_text}` is never closed: expected `}}`");
            out.errors
                .push(errors::at(self.file, brace, brace + 1, msg));
        }
        let span = Span::new(self.file, kw_span.start as usize, c.end);
        out.items.push(Item { attrs, kind, span });
        out.items.extend(hoisted);
        true
    }

    /// Parses the members of `kind` in `text[start..end]` one by one. In an unclosed body, a
    /// member that is really the next declaration is returned to be added after this one.
    fn members(
        &self,
        kind: &mut syntax::ItemKind,
        start: usize,
        end: usize,
        unclosed: bool,
        out: &mut Parsed,
    ) -> Vec<Item> {
        let rule = match kind {
            syntax::ItemKind::Struct(_) | syntax::ItemKind::Union(_) => Rule::struct_member_chunk,
            syntax::ItemKind::Enum(_) => Rule::enum_member_chunk,
            syntax::ItemKind::Channel(_) => Rule::channel_member_chunk,
            syntax::ItemKind::Service(_) => Rule::service_member_chunk,
        };
        let mut hoisted = Vec::new();
        for m in scan::split(self.text, start, end, self.file, None) {
            if !m.significant || self.too_deep(&m, &mut out.errors) {
                continue;
            }
            let src = &self.grammar_text[m.start..m.end];
            match AccordParser::parse(rule, src) {
                Ok(mut pairs) => {
                    if let Some(member) = pairs.next().and_then(|p| p.into_inner().next()) {
                        self.builder(m.start, &mut out.errors)
                            .add_member(kind, member);
                    }
                }
                Err(e) => match self.as_item(src, m.start, unclosed, &mut out.errors) {
                    Some(item) => hoisted.push(item),
                    None => {
                        let error = errors::from_pest(&e, self.text, m.start, self.file);
                        out.errors.push(error);
                    }
                },
            }
        }
        hoisted
    }

    /// A member chunk of an unclosed body that parses as a whole declaration.
    fn as_item(
        &self,
        src: &str,
        base: usize,
        unclosed: bool,
        errors: &mut Vec<SyntaxError>,
    ) -> Option<Item> {
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
        self.builder(base, errors).item(top)
    }
}

/// Whether `src` holds a control character the fast rules' whitespace (`'\t'..' '`, one range
/// test) would take for whitespace: U+000E..U+001F. UTF-8 puts no such byte inside another
/// character. Branch-free over blocks of bytes, so the compiler vectorizes it.
fn has_control(src: &str) -> bool {
    src.as_bytes().chunks(32).any(|block| {
        block
            .iter()
            .fold(false, |seen, &b| seen | (b.wrapping_sub(0x0e) < 0x12))
    })
}

/// `import "…";` keeps its path only when the literal is a string.
fn import(lit: syntax::Literal, span: Span) -> Option<Clause> {
    let syntax::LiteralKind::String { value, .. } = lit.kind else {
        return None;
    };
    Some(Clause::Import(syntax::Import {
        path: value,
        path_span: lit.span,
        span,
    }))
}
