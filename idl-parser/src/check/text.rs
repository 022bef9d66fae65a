//! The source text itself: bidirectional control characters (W0103).
//!
//! Why: U+202A..U+202E, U+2066..U+2069, U+200E, U+200F and U+061C reorder how text is shown,
//! so a reviewer can read something other than what the compiler reads ("Trojan Source",
//! CVE-2021-42574): a comment that seems to end a line can hide a field, a string can look like
//! another. Each occurrence is reported where it is, comments and strings included. Outputs
//! show them escaped where they are not plain data (terminals, Rust doc comments).
//!
//! ```accord
//! struct Order { id: i64 = 1; /* U+202E } U+2066// hidden U+2069 */ }   // W0103 at each
//! ```
//!
//! Called by: `compile`, for each source text; `render` uses its test for bidirectional controls.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// A character that changes the display order of text around it.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Warns at every bidirectional control character of `text`.
///
/// In UTF-8 each of them starts with the byte 0xD8 (U+061C) or 0xE2 (the others), and neither
/// byte occurs inside another character's encoding, so only those places are decoded: memchr
/// finds them, where decoding every character cost as much as a tenth of `accord check`.
pub(crate) fn bidi_controls(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) {
    for at in memchr::memchr2_iter(0xD8, 0xE2, text.as_bytes()) {
        let Some(c) = text[at..].chars().next().filter(|&c| is_bidi_control(c)) else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                &codes::BIDI_CONTROL,
                format!(
                    "bidirectional control character {} in the source",
                    c.escape_unicode()
                ),
                Span::new(file, at, at + c.len_utf8()),
            )
            .with_label("changes how the text around it is displayed")
            .with_help("remove it; write `\\u{…}` escapes in strings if the character is data"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every control is found at its offset, beside characters sharing its lead byte.
    #[test]
    fn finds_each_control_and_nothing_else() {
        let controls = ('\u{202A}'..='\u{202E}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{200E}', '\u{200F}', '\u{061C}']);
        let mut text = String::new();
        let mut expected = Vec::new();
        for c in controls {
            // `…`, `→` and `ؘ` start with the same bytes (0xE2, 0xD8) and are no controls.
            text.push_str("a…→ؘ");
            expected.push((text.len(), c));
            text.push(c);
        }
        let file = FileId(0);
        let mut diags = Vec::new();
        bidi_controls(file, &text, &mut diags);
        let found: Vec<_> = diags
            .iter()
            .map(|d| d.primary.span.start as usize)
            .collect();
        let offsets: Vec<_> = expected.iter().map(|&(at, _)| at).collect();
        assert_eq!(found, offsets);
        assert!(
            text.chars()
                .all(|c| is_bidi_control(c) == expected.iter().any(|e| e.1 == c))
        );
    }
}
