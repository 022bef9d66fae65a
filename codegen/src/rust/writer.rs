//! The text writer the Rust target prints with: indentation, blocks, doc comments and the one
//! layout choice rustfmt makes everywhere (a list on one line when it fits in 100 columns,
//! else one item per line with a trailing comma).
//!
//! Why not `quote!` + `syn` + prettyplease: on the 60,000-line benchmark API, building token
//! streams, reparsing them with syn and printing them cost ~9.5 billion instructions (3.5 s);
//! the generated shapes are few and fixed, so writing them laid out costs a small fraction.
//! `tokens()` parses this same text for the attribute macro, so there is one generator.

use std::fmt::Write as _;

/// rustfmt's default line width.
const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Generated Rust text under construction.
#[derive(Debug, Default)]
pub struct Code {
    out: String,
    depth: usize,
}

impl Code {
    pub fn new() -> Code {
        Code::default()
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
    }

    /// Columns used by the current indentation.
    fn margin(&self) -> usize {
        self.depth * INDENT.len()
    }

    /// One line at the current indentation.
    pub fn line(&mut self, text: &str) {
        if text.is_empty() {
            self.out.push('\n');
            return;
        }
        self.indent();
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Several lines (a template); each keeps its own indentation relative to the current one.
    pub fn lines(&mut self, text: &str) {
        for line in text.lines() {
            if line.is_empty() {
                self.out.push('\n');
            } else {
                self.line(line);
            }
        }
    }

    /// A template whose last line opens a block (ends with `{`), then one level deeper.
    pub fn open_lines(&mut self, text: &str) {
        self.lines(text);
        self.depth += 1;
    }

    /// `head {`, then one level deeper.
    pub fn open(&mut self, head: &str) {
        if head.is_empty() {
            self.line("{");
        } else {
            self.indent();
            let _ = writeln!(self.out, "{head} {{");
        }
        self.depth += 1;
    }

    /// One level up, then `}` followed by `tail` (`,`, `;` or nothing).
    pub fn close(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "}}{tail}");
    }

    /// `head { body }`.
    pub fn block(&mut self, head: &str, body: impl FnOnce(&mut Code)) {
        self.open(head);
        body(self);
        self.close("");
    }

    /// `head a, b tail` when it fits on the line, else one item per line with a trailing
    /// comma: `head` / `    a,` / `    b,` / `tail`. `head` ends with the opening delimiter
    /// (`call(`, `#[derive(`, `&[`) and `tail` starts with the closing one. Items may span
    /// lines (closures).
    pub fn list(&mut self, head: &str, items: &[String], tail: &str) {
        let flat: usize = items.iter().map(|i| i.len() + 2).sum();
        let fits = items.iter().all(|i| !i.contains('\n'))
            && self.margin() + head.len() + flat + tail.len() <= WIDTH;
        if fits {
            self.indent();
            let _ = writeln!(self.out, "{head}{}{tail}", items.join(", "));
            return;
        }
        self.line(head);
        self.depth += 1;
        for item in items {
            self.lines(&format!("{item},"));
        }
        self.depth -= 1;
        self.line(tail);
    }

    /// `head.a().b()tail` when it fits on the line, else one link per line, indented once.
    pub fn chain(&mut self, head: &str, links: &[String], tail: &str) {
        let flat: usize = links.iter().map(|l| l.len() + 1).sum();
        if links.is_empty() || self.margin() + head.len() + flat + tail.len() <= WIDTH {
            self.indent();
            self.out.push_str(head);
            for link in links {
                let _ = write!(self.out, ".{link}");
            }
            let _ = writeln!(self.out, "{tail}");
            return;
        }
        self.line(head);
        self.depth += 1;
        let last = links.len() - 1;
        for (i, link) in links.iter().enumerate() {
            let end = if i == last { tail } else { "" };
            self.line(&format!(".{link}{end}"));
        }
        self.depth -= 1;
    }

    /// A doc comment: `/// line` each, or `#[doc = "…"]` for a line a `///` comment cannot
    /// carry (control or bidirectional characters, which rustc rejects in comments).
    pub fn docs(&mut self, lines: &[String]) {
        for line in lines {
            if line.chars().all(comment_safe) {
                self.line(&format!("///{line}"));
            } else {
                self.line(&format!("#[doc = {}]", string_literal(line)));
            }
        }
    }
}

fn comment_safe(c: char) -> bool {
    (c == '\t' || !c.is_control())
        && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A Rust string literal with the value `text` (Debug escapes exactly what Rust needs).
/// "a `Name`" or "an `Name`", by the name's first letter (generated docs name types in prose).
pub fn a_code(name: &str) -> String {
    let vowel = name
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .starts_with(|c: char| "aeiouAEIOU".contains(c));
    format!("{} `{name}`", if vowel { "an" } else { "a" })
}

/// [`a_code`] at the start of a sentence.
pub fn a_code_capital(name: &str) -> String {
    let text = a_code(name);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => text,
    }
}

pub fn string_literal(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_follow_the_first_letter() {
        assert_eq!(a_code("OrderService"), "an `OrderService`");
        assert_eq!(
            a_code("ftgo.order.OrderCreated"),
            "a `ftgo.order.OrderCreated`"
        );
        assert_eq!(
            a_code_capital("ftgo.order.OrderCreated"),
            "A `ftgo.order.OrderCreated`"
        );
        assert_eq!(a_code_capital("Invoice"), "An `Invoice`");
    }

    #[test]
    fn lists_break_only_when_too_long() {
        let mut code = Code::new();
        code.block("fn f()", |c| {
            c.list("call(", &["a".into(), "b".into()], ");");
            c.list("call(", &["x".repeat(60), "y".repeat(40)], ");");
        });
        let expected = format!(
            "fn f() {{\n    call(a, b);\n    call(\n        {},\n        {},\n    );\n}}\n",
            "x".repeat(60),
            "y".repeat(40)
        );
        assert_eq!(code.finish(), expected);
    }

    #[test]
    fn chains_break_one_link_per_line() {
        let mut code = Code::new();
        code.chain("Parts::new()", &["path(1)".into()], ";");
        let long = "z".repeat(50);
        code.chain("Parts::new()", &[long.clone(), long.clone()], ";");
        let expected = format!("Parts::new().path(1);\nParts::new()\n    .{long}\n    .{long};\n");
        assert_eq!(code.finish(), expected);
    }

    #[test]
    fn docs_fall_back_to_attributes_for_unsafe_characters() {
        let mut code = Code::new();
        code.docs(&[
            " plain\tx".into(),
            " bidi \u{202E} here".into(),
            " cr\r".into(),
        ]);
        assert_eq!(
            code.finish(),
            "/// plain\tx\n#[doc = \" bidi \\u{202e} here\"]\n#[doc = \" cr\\r\"]\n"
        );
    }
}
