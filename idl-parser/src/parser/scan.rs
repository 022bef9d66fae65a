//! A depth-aware splitter: cuts source text into declaration (or member) chunks so that each can
//! be parsed on its own and a syntax error loses only its chunk.
//!
//! A chunk ends after a `;` outside braces or after the `}` that closes its outermost brace.
//! Strings, raw strings and comments are skipped, so a `;` or `}` inside them never cuts. The same
//! pass collects plain comments for the formatter, so the text is walked once.

use crate::source::{FileId, Span};
use crate::syntax::Comment;

/// Deeper nesting of `<`, `(` and `{` than this is refused before pest sees it (pest recurses).
pub const MAX_DEPTH: usize = 48;

#[derive(Clone, Copy, Debug)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// Whether anything but whitespace and plain comments is in it.
    pub significant: bool,
    /// Offset of the first `{`, when there is one.
    pub brace: Option<usize>,
    /// Whether it ended with the `}` closing `brace` (else with `;` or the end of the range).
    pub closed_by_brace: bool,
    /// Deepest nesting of `<`, `(` and `{` inside.
    pub max_depth: usize,
}

/// Splits `text[start..end]`; comments are pushed to `comments` when it is `Some`.
pub fn split(
    text: &str,
    start: usize,
    end: usize,
    file: FileId,
    mut comments: Option<&mut Vec<Comment>>,
) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut cur = fresh(start);
    let (mut braces, mut nest) = (0usize, 0usize);
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let next = if i + 1 < end { bytes[i + 1] } else { 0 };
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if next == b'/' && !is_doc(bytes, i, end) => {
                let stop = line_end(bytes, i, end);
                push_comment(&mut comments, text, file, i, stop);
                i = stop;
            }
            b'/' if next == b'*' => {
                let stop = text[i + 2..end].find("*/").map_or(end, |p| i + 2 + p + 2);
                push_comment(&mut comments, text, file, i, stop);
                i = stop;
            }
            // A run of name characters (most of the text) cannot cut or nest: skip it whole.
            // Only an `r` right before `"` may start a raw string, and only at a run's start.
            _ if is_ident(b) && !(b == b'r' && next == b'"') => {
                cur.significant = true;
                i += 1;
                while i < end && is_ident(bytes[i]) {
                    i += 1;
                }
            }
            _ => {
                cur.significant = true;
                let was_braced = braces > 0;
                i = match b {
                    b'/' if next == b'/' => line_end(bytes, i, end), // a `///` doc comment
                    b'"' => string_end(bytes, i + 1, end, true),
                    b'r' if next == b'"' && (i == 0 || !is_ident(bytes[i - 1])) => {
                        string_end(bytes, i + 2, end, false)
                    }
                    _ => i + 1,
                };
                match b {
                    b'{' => {
                        cur.brace.get_or_insert(i - 1);
                        braces += 1;
                        nest += 1;
                    }
                    b'(' | b'<' => nest += 1,
                    b')' | b'>' => nest = nest.saturating_sub(1),
                    b'}' => {
                        braces = braces.saturating_sub(1);
                        nest = nest.saturating_sub(1);
                    }
                    _ => {}
                }
                cur.max_depth = cur.max_depth.max(nest);
                let cut = (b == b';' && braces == 0) || (b == b'}' && braces == 0 && was_braced);
                let stray_brace = b == b'}' && !was_braced;
                if cut || stray_brace {
                    cur.closed_by_brace = b == b'}' && was_braced;
                    cur.end = i;
                    chunks.push(cur);
                    cur = fresh(i);
                    nest = 0;
                }
            }
        }
    }
    cur.end = end;
    if cur.start < end {
        chunks.push(cur);
    }
    chunks
}

fn fresh(start: usize) -> Chunk {
    Chunk {
        start,
        end: start,
        significant: false,
        brace: None,
        closed_by_brace: false,
        max_depth: 0,
    }
}

/// `///` (but not `////`) starts a doc comment, which belongs to the grammar.
fn is_doc(bytes: &[u8], i: usize, end: usize) -> bool {
    let at = |k: usize| if i + k < end { bytes[i + k] } else { 0 };
    at(2) == b'/' && at(3) != b'/'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn line_end(bytes: &[u8], i: usize, end: usize) -> usize {
    bytes[i..end]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(end, |p| i + p)
}

/// Past the closing quote; strings stay on one line, so an unterminated one stops at the newline.
fn string_end(bytes: &[u8], mut i: usize, end: usize, escapes: bool) -> usize {
    while i < end {
        match bytes[i] {
            b'"' => return i + 1,
            b'\n' => return i,
            b'\\' if escapes && i + 1 < end && bytes[i + 1] != b'\n' => i += 2,
            _ => i += 1,
        }
    }
    end
}

fn push_comment(out: &mut Option<&mut Vec<Comment>>, text: &str, file: FileId, s: usize, e: usize) {
    if let Some(out) = out {
        let body = text[s..e].trim_end_matches('\r');
        out.push(Comment {
            text: body.to_string(),
            span: Span::new(file, s, s + body.len()),
        });
    }
}
