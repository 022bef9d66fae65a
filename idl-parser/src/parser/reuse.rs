//! Parsing a file again after an edit, keeping what did not change: the declarations before
//! the edit are taken over as they are, those after it moved by the edit's change in length,
//! and only the chunks whose text changed are parsed (as you type in a 60,000-line file, one
//! declaration rather than thousands).
//!
//! The text is scanned again only from the last chunk before the edit up to the first chunk
//! boundary after it that the earlier scan also had (in the common end): before and after,
//! the earlier chunks and comments are taken over, moved.
//!
//! Why this gives what a fresh parse gives: [`scan::split`] starts every chunk in the same state
//! (no open brace, string or comment), so the chunks of a stretch of text that both versions
//! share are cut alike wherever the stretch starts; and a chunk that parsed without an error
//! read nothing but its own text (only error messages look past a chunk's end, to name what
//! was found). So a chunk with the same text, the same cut and no error parses to the same
//! tree, moved. Chunks with errors are parsed again (few, and their messages may quote the
//! next chunk). The merge of the header clauses, the comments and the non-ASCII names are
//! redone on the whole file, as in a fresh parse.

use super::chunk::{Clause, Parsed, Source};
use super::scan::{self, Chunk};
use super::shift::Shift;
use crate::source::FileId;
use crate::syntax::{Comment, Item};

/// What a parse leaves for the next one: each chunk's cut, how many declarations it gave and
/// its header clauses, and whether it had an error.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    memos: Vec<Memo>,
    /// How many chunks were parsed (the others were taken over).
    parsed: usize,
}

#[derive(Debug)]
struct Memo {
    chunk: Chunk,
    items: usize,
    clauses: Vec<Clause>,
    clean: bool,
}

impl Chunks {
    /// The record of `results`, one per chunk of `chunks`, before they are merged.
    pub(super) fn record(chunks: &[Chunk], results: &[Parsed], parsed: usize) -> Chunks {
        let memos = chunks.iter().zip(results).map(|(chunk, result)| Memo {
            chunk: *chunk,
            items: result.items.len(),
            clauses: result.clauses.clone(),
            clean: result.errors.is_empty(),
        });
        Chunks {
            memos: memos.collect(),
            parsed,
        }
    }

    /// How many chunks the parse that made this record parsed; the others were reused.
    pub(crate) fn parsed(&self) -> usize {
        self.parsed
    }
}

/// An earlier parse of the same file: its text, its declarations, its comments and its record.
pub(crate) struct Earlier {
    pub text: String,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
    pub chunks: Chunks,
}

/// [`scan::split`] of the whole of `text`, its comments pushed to `comments`, scanning only
/// around the edit since `earlier` (whose comments it takes).
///
/// The scanner's state is the same (nothing open) at every chunk boundary, and what it decides
/// inside a chunk ending with a cut depends on that chunk's bytes alone. So the earlier chunks
/// that end (with a cut) in the common start are the new ones; scanning resumes at the last
/// such end, and stops at the first cut in the common end where an earlier chunk started:
/// from there both scans see the same text from the same state.
pub(super) fn split(
    text: &str,
    file: FileId,
    earlier: &mut Earlier,
    comments: &mut Vec<Comment>,
) -> Vec<Chunk> {
    let edit = Edit::between(&earlier.text, text);
    let memos = &earlier.chunks.memos;
    let old_len = earlier.text.len();
    let before = memos.partition_point(|m| m.chunk.end <= edit.prefix && m.chunk.end < old_len);
    let from = before
        .checked_sub(1)
        .map_or(0, |last| memos[last].chunk.end);
    let mut chunks: Vec<Chunk> = memos[..before].iter().map(|m| m.chunk).collect();
    let mut old_comments = std::mem::take(&mut earlier.comments).into_iter().peekable();
    while let Some(c) = old_comments.next_if(|c| (c.span.start as usize) < from) {
        comments.push(c);
    }
    let was = |at: usize| usize::try_from(at as i64 - edit.delta).ok();
    let earlier_start = |at: usize| {
        let start = |m: &Memo| m.chunk.start;
        was(at).is_some_and(|w| memos.binary_search_by_key(&w, start).is_ok())
    };
    let resync = |at: usize| at >= edit.suffix_from && at < text.len() && earlier_start(at);
    let (fresh, stopped) = scan::split_until(text, from, text.len(), file, Some(comments), resync);
    chunks.extend(fresh);
    let Some((at, old_at)) = stopped.and_then(|at| Some((at, was(at)?))) else {
        return chunks;
    };
    let (Ok(by), Some(first)) = (
        i32::try_from(edit.delta),
        memos.binary_search_by_key(&old_at, |m| m.chunk.start).ok(),
    ) else {
        // Not reached (`resync` found the chunk); scanning the rest is always right.
        chunks.extend(scan::split(text, at, text.len(), file, Some(comments)));
        return chunks;
    };
    let moved = |at: usize| at.wrapping_add_signed(by as isize);
    chunks.extend(memos[first..].iter().map(|m| Chunk {
        start: moved(m.chunk.start),
        end: moved(m.chunk.end),
        brace: m.chunk.brace.map(moved),
        ..m.chunk
    }));
    comments.extend(
        old_comments
            .filter(|c| c.span.start as usize >= old_at)
            .map(|mut c| {
                c.span.shift(by);
                c
            }),
    );
    chunks
}

/// Each chunk's result, in order: taken from `earlier` where the chunk is unchanged, parsed
/// (on up to `threads` threads) where not. Also says how many were parsed.
pub(super) fn parse_changed(
    source: Source,
    chunks: &[Chunk],
    earlier: Earlier,
    threads: usize,
) -> (Vec<Parsed>, usize) {
    let edit = Edit::between(&earlier.text, source.text);
    let mut old = Taken::new(earlier);
    let mut results: Vec<Option<Parsed>> = chunks
        .iter()
        .map(|c| edit.before(c).and_then(|was| old.take(was, c)))
        .collect();
    let changed: Vec<Chunk> = chunks
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_none())
        .map(|(c, _)| *c)
        .collect();
    let bytes: usize = changed.iter().map(|c| c.end - c.start).sum();
    let threads = if bytes < super::PARALLEL_MIN_BYTES {
        1
    } else {
        threads
    };
    let mut fresh = super::parse_chunks(source, &changed, threads).into_iter();
    for slot in results.iter_mut().filter(|r| r.is_none()) {
        *slot = fresh.next();
    }
    let parsed = changed.len();
    (results.into_iter().flatten().collect(), parsed)
}

/// Where the two texts differ: one stretch, between a common start and a common end.
struct Edit {
    /// Bytes at the start the texts share.
    prefix: usize,
    /// Where the common end starts in the new text.
    suffix_from: usize,
    /// How much longer the new text is.
    delta: i64,
}

impl Edit {
    fn between(old: &str, new: &str) -> Edit {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(old, new);
        let suffix = common_suffix(&old[prefix..], &new[prefix..]);
        Edit {
            prefix,
            suffix_from: new.len() - suffix,
            delta: new.len() as i64 - old.len() as i64,
        }
    }

    /// Where chunk `c` of the new text starts in the old one, if all its text is in the
    /// common start or the common end.
    fn before(&self, c: &Chunk) -> Option<usize> {
        if c.end <= self.prefix {
            Some(c.start)
        } else if c.start >= self.suffix_from {
            usize::try_from(c.start as i64 - self.delta).ok()
        } else {
            None
        }
    }
}

/// Compared a block at a time (one `memcmp` each), then byte by byte: the texts are
/// megabytes long and the edit is anywhere.
const BLOCK: usize = 256;

/// How many bytes `a` and `b` share at the start.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many bytes `a` and `b` share at the end.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + BLOCK <= n && a[n - i - BLOCK..n - i] == b[n - i - BLOCK..n - i] {
        i += BLOCK;
    }
    while i < n && a[n - i - 1] == b[n - i - 1] {
        i += 1;
    }
    i
}

/// The earlier parse's chunks, each result taken at most once.
struct Taken {
    memos: Vec<Memo>,
    /// The declarations of each chunk, by chunk.
    items: Vec<Vec<Item>>,
}

impl Taken {
    fn new(earlier: Earlier) -> Taken {
        let mut all = earlier.items.into_iter();
        let items = earlier
            .chunks
            .memos
            .iter()
            .map(|m| all.by_ref().take(m.items).collect())
            .collect();
        Taken {
            memos: earlier.chunks.memos,
            items,
        }
    }

    /// The result of the old chunk at `start` when it is `c` moved there and parsed without
    /// an error, moved to where `c` is.
    fn take(&mut self, start: usize, c: &Chunk) -> Option<Parsed> {
        let index = self
            .memos
            .binary_search_by_key(&start, |m| m.chunk.start)
            .ok()?;
        let memo = &self.memos[index];
        let by = c.start as i64 - start as i64;
        let moved = |at: usize| usize::try_from(at as i64 + by).unwrap_or(usize::MAX);
        let was = Chunk {
            start: moved(memo.chunk.start),
            end: moved(memo.chunk.end),
            brace: memo.chunk.brace.map(moved),
            ..memo.chunk
        };
        let by = i32::try_from(by).ok()?;
        if !memo.clean || was != *c {
            return None;
        }
        let mut clauses = memo.clauses.clone();
        let mut items = std::mem::take(&mut self.items[index]);
        if by != 0 {
            clauses.shift(by);
            items.shift(by);
        }
        Some(Parsed {
            clauses,
            items,
            errors: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scanning around an edit gives the chunks and comments of a scan of the whole new text,
    /// for edits everywhere that open or close braces, strings and comments.
    #[test]
    fn scanning_around_an_edit_is_scanning_everything() {
        let old = "package a.b; version 1.0.0; // c1\n/* c2 */ struct S { a: i32 = 1; /* c3 */ }\n\
                   /// doc\nenum E { A = 1; } @p(r\"x\") struct T { s: string = 2; } // c4\n\
                   service V { op f() -> (); } struct U {}\n";
        let bounds: Vec<usize> = (0..=old.len())
            .filter(|&i| old.is_char_boundary(i))
            .collect();
        let file = FileId(0);
        let mut edits = 0;
        for &at in &bounds {
            for insert in ["", "/*", "*/", "}", "{", ";", "\"", "x", "//", "r\"", "\n"] {
                for delete in [0, 1, 3] {
                    let end = (at + delete).min(old.len());
                    if !old.is_char_boundary(end) || (insert.is_empty() && delete == 0) {
                        continue;
                    }
                    let new = format!("{}{insert}{}", &old[..at], &old[end..]);
                    let (tree, _, chunks) = super::super::parse_again(file, old, 1, None);
                    let mut earlier = Earlier {
                        text: old.to_string(),
                        items: tree.items,
                        comments: tree.comments,
                        chunks,
                    };
                    let mut comments = Vec::new();
                    let got = split(&new, file, &mut earlier, &mut comments);
                    let mut all = Vec::new();
                    let want = scan::split(&new, 0, new.len(), file, Some(&mut all));
                    assert_eq!(got, want, "{new:?}");
                    assert_eq!(format!("{comments:?}"), format!("{all:?}"), "{new:?}");
                    edits += 1;
                }
            }
        }
        assert!(edits > 3000, "{edits}");
    }

    /// The block-wise comparisons agree with a byte-by-byte walk, the difference at every
    /// place relative to the blocks.
    #[test]
    fn common_ends_are_found_across_blocks() {
        let a: Vec<u8> = (0..3 * BLOCK + 7).map(|i| (i % 251) as u8).collect();
        for at in [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK + 3,
            a.len() - 1,
        ] {
            let mut b = a.clone();
            b[at] ^= 1;
            assert_eq!(common_prefix(&a, &b), at);
            assert_eq!(common_suffix(&a, &b), a.len() - at - 1);
            let shorter = &a[..at];
            assert_eq!(common_prefix(&a, shorter), at);
            assert_eq!(common_suffix(&a[a.len() - at..], &a), at);
        }
        assert_eq!(common_prefix(&a, &a), a.len());
        assert_eq!(common_suffix(&a, &a), a.len());
    }
}
