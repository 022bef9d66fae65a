//! The document store under random edit sequences: ranges anywhere (past line ends, past the
//! file's end, reversed, inside a surrogate pair), text with multi-byte and astral characters
//! and line breaks. No panic, and every edit does what a slow, obvious implementation of the
//! protocol's positions (UTF-16 units, clamped to the line) says. Bounded: 256 sequences of at
//! most 40 edits.

use accord_lsp::documents::Documents;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "é",
        "𝄞",
        "\n",
        " ",
        "{",
        "}",
        "\r\n",
        "struct S { x: i32 = 1; }",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

#[derive(Debug, Clone)]
enum Edit {
    Whole(String),
    Range(u32, u32, u32, u32, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => text().prop_map(Edit::Whole),
        9 => (0u32..8, 0u32..12, 0u32..8, 0u32..12, text()).prop_map(|(a, b, c, d, t)| Edit::Range(a, b, c, d, t)),
    ]
}

/// The byte offset of a position: walk the lines, then the line's UTF-16 units; a position
/// past the line's end is its end, past the last line the file's end; inside a character, the
/// end of that character.
fn slow_offset(text: &str, p: Position) -> usize {
    let mut start = 0;
    for _ in 0..p.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= p.character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    line_end
}

fn apply_slow(text: &mut String, edit: &Edit) {
    match edit {
        Edit::Whole(t) => *text = t.clone(),
        Edit::Range(a, b, c, d, t) => {
            let start = slow_offset(text, Position::new(*a, *b));
            let end = slow_offset(text, Position::new(*c, *d)).max(start);
            text.replace_range(start..end, t);
        }
    }
}

fn change(edit: &Edit) -> TextDocumentContentChangeEvent {
    match edit {
        Edit::Whole(t) => TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: t.clone(),
        },
        Edit::Range(a, b, c, d, t) => TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(*a, *b), Position::new(*c, *d))),
            range_length: None,
            text: t.clone(),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn edits_apply_like_the_protocol_says(start in text(), edits in prop::collection::vec(edit(), 0..40)) {
        let path = PathBuf::from("/fuzz.accord");
        let mut docs = Documents::default();
        docs.open(path.clone(), start.clone(), 0);
        let mut expected = start;
        for (version, edit) in edits.iter().enumerate() {
            // One change per notification here; all of them in one notification below.
            prop_assert!(docs.change(&path, version as i32 + 1, vec![change(edit)]));
            apply_slow(&mut expected, edit);
            let doc = docs.get(Path::new("/fuzz.accord")).unwrap();
            prop_assert_eq!(&doc.text, &expected);
            prop_assert_eq!(doc.version, version as i32 + 1);
        }
        let batch: Vec<_> = edits.iter().map(change).collect();
        let mut once = expected.clone();
        edits.iter().for_each(|e| apply_slow(&mut once, e));
        prop_assert!(docs.change(&path, 1000, batch));
        prop_assert_eq!(&docs.get(&path).unwrap().text, &once);
    }
}
