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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    comments: Option<&mut Vec<Comment>>,
) -> Vec<Chunk> {
    split_until(text, start, end, file, comments, |_| false).0
}

/// [`split`], stopping after the first chunk cut at an offset `stop` accepts, which is
/// returned; the scanner's state there is the one at `start` (nothing open), so the rest of the
/// text may be split elsewhere.
pub fn split_until(
    text: &str,
    start: usize,
    end: usize,
    file: FileId,
    mut comments: Option<&mut Vec<Comment>>,
    stop: impl Fn(usize) -> bool,
) -> (Vec<Chunk>, Option<usize>) {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut cur = fresh(start);
    let (mut braces, mut nest) = (0usize, 0usize);
    let mut i = start;
    while i < end {
        let b = bytes[i];
        // A run of whitespace (the grammar's `WHITESPACE`, indentation mostly) is skipped whole.
        if is_space(b) {
            i += 1;
            while i < end && is_space(bytes[i]) {
                i += 1;
            }
            continue;
        }
        let next = if i + 1 < end { bytes[i + 1] } else { 0 };
        match b {
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
                    if stop(i) {
                        return (chunks, Some(i));
                    }
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
    (chunks, None)
}

/// A name holding a non-ASCII character: where the name starts and ends, and where that
/// character is.
#[derive(Debug, PartialEq, Eq)]
pub struct ForeignName {
    pub start: usize,
    pub end: usize,
    pub at: usize,
}

/// Names with non-ASCII characters, outside comments, doc comments and strings.
///
/// Names are ASCII letters, digits and `_`, but the grammar lets a name run on through any
/// Unicode identifier character (`XID_CONTINUE`): pest tests one of those with one table lookup,
/// where `[A-Za-z0-9_]` costs four range tests, and it tests one at the end of every name. The
/// parser then refuses each such name here, with an error that says why, in place of an
/// "unexpected character" error. Numbers are left to the literal parser, which refuses them.
/// All-ASCII text (nearly every file) is answered by one `is_ascii`, without a walk.
pub fn foreign_names(text: &str) -> Vec<ForeignName> {
    let mut found = Vec::new();
    if text.is_ascii() {
        return found;
    }
    let bytes = text.as_bytes();
    let end = bytes.len();
    let name_char =
        |c: char| c.is_ascii_alphanumeric() || c == '_' || pest::unicode::XID_CONTINUE(c);
    let mut i = 0;
    while i < end {
        let b = bytes[i];
        let next = if i + 1 < end { bytes[i + 1] } else { 0 };
        i = match b {
            b'/' if next == b'/' => line_end(bytes, i, end),
            b'/' if next == b'*' => text[i + 2..].find("*/").map_or(end, |p| i + 2 + p + 2),
            b'"' => string_end(bytes, i + 1, end, true),
            b'r' if next == b'"' => string_end(bytes, i + 2, end, false),
            _ if b.is_ascii_alphanumeric() || b == b'_' => {
                let start = i;
                let mut at = None;
                for (k, c) in text[start..].char_indices() {
                    if !name_char(c) {
                        break;
                    }
                    if !c.is_ascii() {
                        at.get_or_insert(start + k);
                    }
                    i = start + k + c.len_utf8();
                }
                if let Some(at) = at.filter(|_| !b.is_ascii_digit()) {
                    found.push(ForeignName { start, end: i, at });
                }
                i
            }
            _ => i + text[i..].chars().next().map_or(1, char::len_utf8),
        };
    }
    found
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
    CLASS[b as usize] == IDENT
}

fn is_space(b: u8) -> bool {
    CLASS[b as usize] == SPACE
}

const IDENT: u8 = 1;
const SPACE: u8 = 2;

/// Each byte's class, looked up once per byte: the scanner visits every byte of every file.
static CLASS: [u8; 256] = {
    let mut class = [0; 256];
    let mut b = 0;
    while b < 256 {
        class[b] = if matches!(b as u8, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') {
            IDENT
        } else if matches!(b as u8, b' ' | b'\t'..=b'\r') {
            SPACE
        } else {
            0
        };
        b += 1;
    }
    class
};

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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        foreign_names(text)
            .iter()
            .map(|n| {
                assert!(n.start <= n.at && n.at < n.end);
                &text[n.start..n.end]
            })
            .collect()
    }

    #[test]
    fn finds_names_with_non_ascii_characters_only() {
        let text = "struct Café { naïve: a.bé = 1; ok: i64 = 2; } /* é */ // é\n/// é\n";
        assert_eq!(names(text), ["Café", "naïve", "bé"]);
    }

    /// Strings, numbers and characters that cannot continue a name are someone else's error.
    #[test]
    fn leaves_strings_numbers_and_other_characters_alone() {
        assert!(names("@doc(\"é\") @raw(r\"é\") x = 1é; € é").is_empty());
        assert!(names("all ASCII").is_empty());
    }
}
