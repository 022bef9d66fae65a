//! Byte offsets (the compiler's spans) to LSP positions and back.
//!
//! The protocol counts a position's character in UTF-16 code units (its default encoding, the
//! one every client supports); the compiler's spans are byte offsets. Lines end at `\n`, as in
//! the compiler. Positions past a line's end or the file's end are clamped, never a panic: a
//! client may send a stale position.

use lsp_types::{Position, Range};

/// Byte offsets of line starts, to convert in one binary search and one line.
pub struct Lines<'a> {
    text: &'a str,
    starts: std::borrow::Cow<'a, [u32]>,
}

impl<'a> Lines<'a> {
    /// Lines of `text`, counted now.
    pub fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1))
            .collect::<Vec<u32>>();
        Lines {
            text,
            starts: starts.into(),
        }
    }

    /// Lines of `text` whose starts are known already (`Sources::line_starts`).
    pub fn with_starts(text: &'a str, starts: &'a [u32]) -> Lines<'a> {
        Lines {
            text,
            starts: starts.into(),
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of `position`, clamped to its line (and the line to the file).
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let start = start as usize;
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next as usize - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// How many lines (a file ending in `\n` has an empty last line).
    pub fn count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let text = "ab\né𝄞x\n";
        let lines = Lines::new(text);
        // `𝄞` is two UTF-16 units and four bytes.
        assert_eq!(lines.position(3), Position::new(1, 0));
        assert_eq!(lines.position(5), Position::new(1, 1));
        assert_eq!(lines.position(9), Position::new(1, 3));
        for offset in [0, 1, 3, 5, 9, 10, 11] {
            assert_eq!(lines.offset(lines.position(offset)), offset);
        }
        assert_eq!(lines.offset(Position::new(0, 99)), 2);
        assert_eq!(lines.offset(Position::new(7, 0)), text.len());
        assert_eq!(lines.position(999), Position::new(2, 0));
    }
}
