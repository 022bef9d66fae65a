//! The open buffers: what the editor shows, which wins over the disk until the buffer closes.
//!
//! Changes are applied in the order they arrive (the protocol's order; one thread reads the
//! connection), each either the whole text or a range replaced. A range from a confused client
//! (past the end, reversed, inside a character) is clamped, never a panic.

use crate::position::Lines;
use lsp_types::TextDocumentContentChangeEvent;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One open buffer.
#[derive(Clone, Debug)]
pub struct Document {
    pub text: String,
    pub version: i32,
}

/// Open buffers by file path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    pub fn open(&mut self, path: PathBuf, text: String, version: i32) {
        self.open.insert(path, Document { text, version });
    }

    /// Applies `changes` in order; `false` when the file is not open (the change is dropped).
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> bool {
        let Some(doc) = self.open.get_mut(path) else {
            return false;
        };
        for change in changes {
            apply(&mut doc.text, change);
        }
        doc.version = version;
        true
    }

    pub fn close(&mut self, path: &Path) -> bool {
        self.open.remove(path).is_some()
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.open.keys()
    }
}

/// One change: the whole text, or `range` replaced by `text`.
pub fn apply(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = Lines::new(text);
            let start = lines.offset(range.start);
            let end = lines.offset(range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn edit(range: Option<(u32, u32, u32, u32)>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|(a, b, c, d)| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn ranges_replace_in_order() {
        let mut docs = Documents::default();
        let path = PathBuf::from("/a.accord");
        docs.open(path.clone(), "struct A {\n  x: i32 = 1;\n}\n".into(), 1);
        let changes = vec![
            edit(Some((1, 2, 1, 3)), "yy"),
            edit(Some((1, 6, 1, 9)), "string"),
            edit(Some((9, 0, 9, 0)), "// end\n"),
        ];
        assert!(docs.change(&path, 2, changes));
        let doc = docs.get(&path).unwrap();
        assert_eq!(doc.text, "struct A {\n  yy: string = 1;\n}\n// end\n");
        assert_eq!(doc.version, 2);
        assert!(!docs.change(Path::new("/b.accord"), 1, vec![edit(None, "x")]));
    }
}
