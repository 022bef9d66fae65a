//! `@pattern` as JSON Schema and OpenAPI write it. The checker let through only syntax that
//! means the same in Rust's `regex` and ECMA-262 (`accord_idl`'s A0603), but a document cannot
//! say which flags a validator compiles a `pattern` with (ajv sets ECMA-262's `u`; OpenAPI 3.0
//! names ECMA-262 5.1, which has no `u`; a browser's `new RegExp(pattern)` sets none), and
//! without `u` a character outside the
//! Basic Multilingual Plane is two UTF-16 units: `😀+` repeats only the second. So each such
//! character is written as its surrogate pair, `\uD83D\uDE00`, which both modes read as the one
//! character, in a group when a repetition applies to it. (In a class no form means the same in
//! both modes; the checker refuses those, A0603.)

use regex_syntax::ast::{self, Ast};
use std::borrow::Cow;

/// `pattern` (one the checker accepted) with every character above U+FFFF as its surrogate
/// pair; the pattern itself when it has none.
pub(crate) fn ecma(pattern: &str) -> Cow<'_, str> {
    if pattern.chars().all(|c| u32::from(c) <= 0xFFFF) {
        return Cow::Borrowed(pattern);
    }
    let Ok(parsed) = ast::parse::Parser::new().parse(pattern) else {
        return Cow::Borrowed(pattern);
    };
    let mut edits = Vec::new();
    astral_literals(&parsed, false, &mut edits);
    let mut out = pattern.to_owned();
    // Spans are byte offsets into `pattern`: replace from the end, so none moves.
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, text) in edits {
        out.replace_range(start..end, &text);
    }
    Cow::Owned(out)
}

/// The astral literals outside classes under `ast`, as `(start, end, replacement)`;
/// `repeated`: `ast` is the operand of a repetition.
fn astral_literals(ast: &Ast, repeated: bool, edits: &mut Vec<(usize, usize, String)>) {
    match ast {
        Ast::Literal(l) if u32::from(l.c) > 0xFFFF => {
            let pair = surrogate_pair(l.c);
            let text = if repeated {
                format!("(?:{pair})")
            } else {
                pair
            };
            edits.push((l.span.start.offset, l.span.end.offset, text));
        }
        Ast::Repetition(r) => astral_literals(&r.ast, true, edits),
        Ast::Group(g) => astral_literals(&g.ast, false, edits),
        Ast::Alternation(a) => a.asts.iter().for_each(|a| astral_literals(a, false, edits)),
        Ast::Concat(c) => c.asts.iter().for_each(|a| astral_literals(a, false, edits)),
        _ => {}
    }
}

/// `\uD83D\uDE00` for `😀`.
fn surrogate_pair(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ecma;

    #[test]
    fn astral_characters_become_surrogate_pairs_grouped_under_a_repetition() {
        assert_eq!(ecma("^[a-z]+$"), "^[a-z]+$");
        assert_eq!(ecma("^é😀$"), r"^é\uD83D\uDE00$");
        assert_eq!(ecma("^😀+x{2}$"), r"^(?:\uD83D\uDE00)+x{2}$");
        assert_eq!(ecma("(?:a|𝄞){1,3}"), r"(?:a|\uD834\uDD1E){1,3}");
        assert_eq!(ecma("ab😀c😀*"), r"ab\uD83D\uDE00c(?:\uD83D\uDE00)*");
    }
}
