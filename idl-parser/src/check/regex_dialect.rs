//! `@pattern` is checked twice: it must compile as a Rust `regex` (generated Rust validates with
//! it) and use only syntax that means the same in ECMA-262 (JSON Schema's and OpenAPI's
//! `pattern` dialect) and in the validators that read JSON Schema (ajv, Python's `jsonschema`):
//! both are A0603.
//!
//! Refused, because ECMA-262 has no such syntax or reads it differently: inline flags (`(?i)`,
//! `(?s:…)`), `(?P<name>…)` (ECMA writes `(?<name>…)`), `\A`, `\z` and the word-boundary
//! variants `\b{start}`, `\<`, `\>`, Unicode classes other than `\p{L}`-style general categories
//! and `\p{Script=…}` (so `\pL`, `\p{Greek}`), ASCII classes
//! (`[[:alpha:]]`), nested classes and class set operations (`[a-z&&[^x]]`), `\x{…}`,
//! `\U…`, `\a`, octal escapes, escapes of characters that are not ECMA syntax characters
//! (`\#`, `\%`), and characters above U+FFFF in a class (`[😀-😂]`: without the `u` flag,
//! which a document cannot ask for, JavaScript reads them as two UTF-16 units each).
//!
//! ```accord
//! @pattern("(?i)^[[:alpha:]]+\\z")   // A0603: valid Rust, not ECMA-262
//! ```
//!
//! Called by: `check::constraints`, for each `@pattern`.

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassSetBinaryOp, ClassSetItem, ClassUnicode, ClassUnicodeKind,
    GroupKind, HexLiteralKind, LiteralKind, SpecialLiteralKind, Visitor,
};

/// Why `pattern` (which compiles as a Rust regex) is not also ECMA-262, if it is not.
pub(crate) fn ecma_problem(pattern: &str) -> Option<String> {
    let parsed = ast::parse::Parser::new().parse(pattern).ok()?;
    ast::visit(&parsed, Ecma).err()
}

struct Ecma;

/// ECMA-262's SyntaxCharacter, plus `/`: the characters it lets one escape (with the `u` flag
/// validators such as ajv compile `pattern` with). In a class `-` too, but not outside one.
const ESCAPABLE: &str = "^$\\.*+?()[]{}|/";

impl Visitor for Ecma {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), String> {
        match ast {
            Ast::Flags(_) => Err("inline flags like `(?i)`".into()),
            Ast::Group(g) => match &g.kind {
                GroupKind::NonCapturing(flags) if !flags.items.is_empty() => {
                    Err("a group with flags like `(?i:…)`".into())
                }
                GroupKind::CaptureName {
                    starts_with_p: true,
                    ..
                } => Err("`(?P<name>…)`; write `(?<name>…)`".into()),
                _ => Ok(()),
            },
            Ast::Assertion(a) => match a.kind {
                AssertionKind::StartLine
                | AssertionKind::EndLine
                | AssertionKind::WordBoundary
                | AssertionKind::NotWordBoundary => Ok(()),
                AssertionKind::StartText => Err("the assertion `\\A`; use `^`".into()),
                AssertionKind::EndText => Err("the assertion `\\z`; use `$`".into()),
                _ => Err("a word-boundary assertion other than `\\b` and `\\B`".into()),
            },
            Ast::ClassUnicode(c) => unicode(c),
            Ast::Literal(l) => literal(&l.kind, l.c, false),
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Ascii(_) => Err("an ASCII class like `[[:alpha:]]`".into()),
            ClassSetItem::Unicode(c) => unicode(c),
            ClassSetItem::Bracketed(_) => Err("a class nested in a class".into()),
            ClassSetItem::Literal(l) => literal(&l.kind, l.c, true).and_then(|()| in_the_bmp(l.c)),
            ClassSetItem::Range(r) => literal(&r.start.kind, r.start.c, true)
                .and_then(|()| literal(&r.end.kind, r.end.c, true))
                .and_then(|()| in_the_bmp(r.end.c)),
            _ => Ok(()),
        }
    }

    fn visit_class_set_binary_op_pre(&mut self, _: &ClassSetBinaryOp) -> Result<(), String> {
        Err("a class set operation like `&&`, `--` or `~~`".into())
    }
}

/// General categories and binary properties ECMA-262 knows by the same name as Rust.
const PROPERTIES: &[&str] = &[
    "L",
    "Lu",
    "Ll",
    "Lt",
    "Lm",
    "Lo",
    "M",
    "Mn",
    "Mc",
    "Me",
    "N",
    "Nd",
    "Nl",
    "No",
    "P",
    "Pc",
    "Pd",
    "Ps",
    "Pe",
    "Pi",
    "Pf",
    "Po",
    "S",
    "Sm",
    "Sc",
    "Sk",
    "So",
    "Z",
    "Zs",
    "Zl",
    "Zp",
    "C",
    "Cc",
    "Cf",
    "Co",
    "Cn",
    "Letter",
    "Number",
    "Punctuation",
    "Symbol",
    "Separator",
    "Mark",
    "Any",
    "ASCII",
    "Alphabetic",
    "White_Space",
    "Emoji",
];

/// `\p{L}`, `\p{Script=Greek}`: ECMA-262 (with the `u` flag JSON Schema validators such as ajv
/// apply) reads these as Rust does; `\pL` and `\p{Greek}` it does not.
fn unicode(class: &ClassUnicode) -> Result<(), String> {
    let ok = match &class.kind {
        ClassUnicodeKind::OneLetter(_) => false,
        ClassUnicodeKind::Named(name) => PROPERTIES.contains(&name.as_str()),
        ClassUnicodeKind::NamedValue { name, .. } => [
            "Script",
            "sc",
            "Script_Extensions",
            "scx",
            "General_Category",
            "gc",
        ]
        .contains(&name.as_str()),
    };
    match ok {
        true => Ok(()),
        false => Err(
            "a Unicode class ECMA-262 does not know; write `\\p{L}`-style general categories \
             or `\\p{Script=Greek}`"
                .into(),
        ),
    }
}

/// A character of a class: one above U+FFFF has no form that ECMA-262 reads alike with and
/// without its `u` flag (a document cannot say which a validator sets, and they differ): without it the
/// character is two UTF-16 units, so `[😀]` matches either half and `[😀-😂]` is a range out
/// of order, which `new RegExp` refuses. Outside a class the emitters write it as its surrogate
/// pair, which both modes read as the one character.
fn in_the_bmp(c: char) -> Result<(), String> {
    match u32::from(c) {
        0..=0xFFFF => Ok(()),
        _ => Err(format!(
            "`{c}` in a class: a character above U+FFFF is two UTF-16 units to JavaScript's \
             `RegExp` without the `u` flag; write it outside the class, as an alternative \
             (`(?:a|{c})`)"
        )),
    }
}

/// An escaped literal (`in_class`: inside `[…]`).
fn literal(kind: &LiteralKind, c: char, in_class: bool) -> Result<(), String> {
    match kind {
        LiteralKind::Meta | LiteralKind::Superfluous
            if !(ESCAPABLE.contains(c) || in_class && c == '-') =>
        {
            Err(format!("the escape `\\{c}`; write `{c}` unescaped"))
        }
        LiteralKind::Octal => Err("an octal escape".into()),
        LiteralKind::HexBrace(_) => Err("a `\\x{…}` escape; write `\\xHH` or `\\uHHHH`".into()),
        LiteralKind::HexFixed(HexLiteralKind::UnicodeLong) => {
            Err("a `\\U` escape; write `\\uHHHH`".into())
        }
        LiteralKind::Special(SpecialLiteralKind::Bell) => Err("the escape `\\a`".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::ecma_problem;

    #[test]
    fn portable_patterns_pass_and_rust_only_syntax_is_named() {
        for ok in [
            r"^[a-z0-9_-]+$",
            r"^\d{3}-\d{4}$",
            r"(?:ab|cd)+\b",
            r"(?<year>\d{4})",
            r"[\w.]+@[\w.]+",
            r"\u00e9\x41\/\.",
            r"^[a\-z]$",
            r"^[\p{L} .'-]+$",
            r"\p{Script=Greek}\P{Lu}",
            "^😀+(?:a|𝄞)$",
        ] {
            assert_eq!(ecma_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("(?i)abc", "inline flags"),
            ("(?s:a.b)", "flags"),
            ("(?P<n>a)", "(?P<name>"),
            (r"\Aabc", "assertion `\\A`"),
            (r"abc\z", "assertion `\\z`"),
            (r"\b{start}x", "word-boundary"),
            (r"\pL+", "Unicode class"),
            (r"\p{Greek}", "Unicode class"),
            ("[[:alpha:]]", "ASCII class"),
            ("[a-z&&[^x]]", "class set operation"),
            (r"\x{41}", "\\x{"),
            (r"\#", "escape"),
            (r"\a", "\\a"),
            // Unicode mode (ajv's) refuses `\-` outside a class (found by the build property).
            (r"^\-\d$", "escape `\\-`"),
            ("[😀-😂]", "in a class"),
            ("^[a😀]+$", "in a class"),
            ("[^😀]", "in a class"),
        ] {
            let problem = ecma_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem:?}");
        }
    }
}
