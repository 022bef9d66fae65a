//! Builds syntax-tree nodes from pest pairs. Literal values (numbers, escapes, versions) are
//! checked here, so a bad one is an error with its own span, never a panic.

use super::Rule;
use crate::source::{FileId, Span};
use crate::syntax::*;
use pest::iterators::Pair;
use std::time::Duration;

/// Builds nodes of one chunk parsed from `text[base..]`.
pub struct Builder<'e> {
    pub file: FileId,
    pub base: usize,
    pub errors: &'e mut Vec<SyntaxError>,
}

type P<'i> = Pair<'i, Rule>;

/// The rule of a pair, with the fast path's `f_` rules named by their counterparts: the builder
/// reads both trees alike (the fast one lacks only pairs it never reads).
pub fn rule(pair: &P) -> Rule {
    match pair.as_rule() {
        Rule::f_item => Rule::item,
        Rule::f_docs => Rule::docs,
        Rule::f_annotation => Rule::annotation,
        Rule::f_arg => Rule::annotation_arg,
        Rule::f_arg_key => Rule::arg_key,
        Rule::f_path | Rule::f_name => Rule::path,
        Rule::f_list => Rule::list_type,
        Rule::f_map => Rule::map_type,
        Rule::f_field => Rule::field,
        Rule::f_range => Rule::reserved_range,
        Rule::f_reserved => Rule::reserved_decl,
        Rule::f_value => Rule::enum_value,
        Rule::f_kind => Rule::kind_clause,
        Rule::f_address => Rule::address_clause,
        Rule::f_messages => Rule::messages_clause,
        Rule::f_key => Rule::key_clause,
        Rule::f_format => Rule::format_clause,
        Rule::f_stream => Rule::streamable,
        Rule::f_unit => Rule::unit,
        Rule::f_output => Rule::output,
        Rule::f_throws => Rule::throws_clause,
        Rule::f_op_sig => Rule::op_sig,
        Rule::f_notify_sig => Rule::notify_sig,
        Rule::f_operation => Rule::operation,
        Rule::f_publishes => Rule::publishes_decl,
        Rule::f_subscribes => Rule::subscribes_decl,
        Rule::f_uses => Rule::uses_decl,
        Rule::f_struct => Rule::struct_decl,
        Rule::f_enum => Rule::enum_decl,
        Rule::f_union => Rule::union_decl,
        Rule::f_channel => Rule::channel_decl,
        Rule::f_service => Rule::service_decl,
        other => other,
    }
}

/// Whether a pair is a type: `type_ref` or (on the fast path, where `type_ref` is silent) one
/// of its alternatives.
pub fn is_type(pair: &P) -> bool {
    matches!(
        pair.as_rule(),
        Rule::type_ref | Rule::f_path | Rule::f_list | Rule::f_map
    )
}

/// Whether a pair is a literal: `literal` or (fast path) one of its alternatives.
pub fn is_literal(pair: &P) -> bool {
    matches!(
        pair.as_rule(),
        Rule::literal | Rule::number_lit | Rule::string_lit | Rule::raw_string_lit | Rule::f_name
    )
}

impl Builder<'_> {
    pub fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn error(&mut self, span: Span, message: String) {
        self.errors.push(SyntaxError {
            message,
            span,
            help: None,
        });
    }

    pub fn ident(&self, pair: P) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    pub fn path(&self, pair: P) -> Path {
        let span = self.span(&pair);
        if matches!(pair.as_rule(), Rule::f_path | Rule::f_name) {
            return self.atomic_path(pair.as_str(), span);
        }
        Path {
            segments: pair.into_inner().map(|p| self.ident(p)).collect(),
            span,
        }
    }

    /// A path matched as one token (`a.b.C`, no spaces): its segments are cut at the dots.
    fn atomic_path(&self, text: &str, span: Span) -> Path {
        if !text.contains('.') {
            let only = Ident {
                text: text.to_string(),
                span,
            };
            return Path {
                segments: vec![only],
                span,
            };
        }
        let mut start = span.start as usize;
        let segments = text
            .split('.')
            .map(|part| {
                let ident = Ident {
                    text: part.to_string(),
                    span: Span::new(self.file, start, start + part.len()),
                };
                start += part.len() + 1;
                ident
            })
            .collect();
        Path { segments, span }
    }

    pub fn attrs(&mut self, pair: P) -> Attrs {
        let mut attrs = Attrs::default();
        for p in pair.into_inner() {
            self.attr(&mut attrs, p);
        }
        attrs
    }

    /// Adds a `docs` or `annotation` pair to `attrs` (the fast path has no `attrs` pair).
    pub fn attr(&mut self, attrs: &mut Attrs, pair: P) {
        match rule(&pair) {
            Rule::docs => {
                let docs = self.docs(pair);
                attrs.docs = Some(match attrs.docs.take() {
                    Some(d) => Docs {
                        text: format!("{}\n{}", d.text, docs.text),
                        span: d.span.to(docs.span),
                    },
                    None => docs,
                });
            }
            Rule::annotation => attrs.annotations.push(self.annotation(pair)),
            _ => {}
        }
    }

    fn docs(&self, pair: P) -> Docs {
        let span = self.span(&pair);
        let lines: Vec<&str> = pair
            .into_inner()
            .map(|l| {
                let line = l.as_str().trim_end_matches('\r');
                let line = &line[3..];
                line.strip_prefix(' ').unwrap_or(line)
            })
            .collect();
        Docs {
            text: lines.join("\n"),
            span,
        }
    }

    fn annotation(&mut self, pair: P) -> Annotation {
        let span = self.span(&pair);
        let mut name = None;
        let mut args = None;
        for p in pair.into_inner() {
            match rule(&p) {
                Rule::at_name => name = p.into_inner().next().map(|i| self.ident(i)),
                Rule::lparen => args = Some(Vec::new()),
                Rule::annotation_arg => {
                    let arg = self.annotation_arg(p);
                    args.get_or_insert_with(Vec::new).push(arg);
                }
                _ => {}
            }
        }
        let name = name.unwrap_or(Ident {
            text: String::new(),
            span,
        });
        Annotation { name, args, span }
    }

    fn annotation_arg(&mut self, pair: P) -> AnnotationArg {
        let span = self.span(&pair);
        let mut key = None;
        let mut value = None;
        for p in pair.into_inner() {
            match rule(&p) {
                Rule::arg_key => key = p.into_inner().next().map(|i| self.ident(i)),
                _ if is_literal(&p) => value = Some(self.literal(p)),
                _ => {}
            }
        }
        let value = value.unwrap_or_else(|| self.placeholder(span));
        AnnotationArg { key, value, span }
    }

    fn placeholder(&self, span: Span) -> Literal {
        Literal {
            kind: LiteralKind::Int(0),
            span,
        }
    }

    /// A `literal` pair (or directly one of its alternatives).
    pub fn literal(&mut self, pair: P) -> Literal {
        let pair = if pair.as_rule() == Rule::literal {
            let span = self.span(&pair);
            match pair.into_inner().next() {
                Some(p) => p,
                None => return self.placeholder(span),
            }
        } else {
            pair
        };
        let span = self.span(&pair);
        let text = pair.as_str();
        let kind = match pair.as_rule() {
            Rule::string_lit => {
                let value = match pair.into_inner().next() {
                    Some(b) => {
                        let start = self.span(&b).start as usize;
                        self.unescape(b.as_str(), start)
                    }
                    None => String::new(),
                };
                LiteralKind::String { value, raw: false }
            }
            Rule::raw_string_lit => LiteralKind::String {
                value: text[2..text.len() - 1].to_string(),
                raw: true,
            },
            Rule::number_lit => self.number(text, span),
            Rule::int_lit => LiteralKind::Int(self.int(text, span)),
            _ if text == "true" || text == "false" => LiteralKind::Bool(text == "true"),
            _ => LiteralKind::Name(self.path(pair)),
        };
        Literal { kind, span }
    }

    /// Tells integers, floats, durations and versions apart (the grammar has one rule for all).
    fn number(&mut self, text: &str, span: Span) -> LiteralKind {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let hex = unsigned
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if digits(unsigned) || hex {
            return LiteralKind::Int(self.int(text, span));
        }
        if is_float(unsigned) {
            return self.float(text, span);
        }
        let unit_at = unsigned.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
        if unit_at > 0
            && !text.starts_with('-')
            && matches!(&unsigned[unit_at..], "ms" | "s" | "m" | "h")
        {
            return self.duration(text, span);
        }
        let core = unsigned.split(['-', '+']).next().unwrap_or("");
        if !text.starts_with('-') && core.split('.').count() == 3 && core.split('.').all(digits) {
            return self.version(text, span);
        }
        self.error(span, format!("`{text}` is not a number, a duration (`250ms`, `2s`, `5m`, `1h`) or a version (`1.2.0`)"));
        LiteralKind::Int(0)
    }

    pub fn int(&mut self, text: &str, span: Span) -> i128 {
        let (neg, digits) = text.strip_prefix('-').map_or((false, text), |d| (true, d));
        // Most numbers are a few decimal digits (field numbers): summed here, where i128's
        // parser costs several times as much. 18 digits cannot overflow.
        if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            let v = digits
                .bytes()
                .fold(0i128, |v, b| v * 10 + i128::from(b - b'0'));
            return if neg { -v } else { v };
        }
        let parsed = match digits.strip_prefix("0x") {
            Some(hex) => i128::from_str_radix(hex, 16),
            None => digits.parse::<i128>(),
        };
        match parsed {
            Ok(v) if neg => -v,
            Ok(v) => v,
            Err(_) => {
                self.error(span, format!("the integer `{text}` is too large"));
                if neg { i128::MIN } else { i128::MAX }
            }
        }
    }

    fn float(&mut self, text: &str, span: Span) -> LiteralKind {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => LiteralKind::Float(v),
            _ => {
                self.error(
                    span,
                    format!("the number `{text}` is too large for a float"),
                );
                LiteralKind::Float(0.0)
            }
        }
    }

    fn version(&mut self, text: &str, span: Span) -> LiteralKind {
        match semver::Version::parse(text) {
            Ok(v) => LiteralKind::Version(v),
            Err(e) => {
                self.error(span, format!("`{text}` is not a semantic version: {e}"));
                LiteralKind::Version(semver::Version::new(0, 0, 0))
            }
        }
    }

    fn duration(&mut self, text: &str, span: Span) -> LiteralKind {
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let n = digits.parse::<u64>().ok();
        let d = match unit {
            "ms" => n.map(Duration::from_millis),
            "s" => n.map(Duration::from_secs),
            "m" => n.and_then(|n| n.checked_mul(60)).map(Duration::from_secs),
            _ => n.and_then(|n| n.checked_mul(3600)).map(Duration::from_secs),
        };
        LiteralKind::Duration(d.unwrap_or_else(|| {
            self.error(span, format!("the duration `{text}` is too long"));
            Duration::ZERO
        }))
    }

    /// Processes escapes of a string body that starts at byte `start` of the file.
    fn unescape(&mut self, body: &str, start: usize) -> String {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => match unicode_escape(&body[i + 2..]) {
                    Some((ch, len)) => {
                        out.push(ch);
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    None => {
                        let end =
                            start + i + 2 + body[i + 2..].find('}').map_or(0, |p| p + 1).min(10);
                        self.error(
                            Span::new(self.file, start + i, end),
                            "invalid unicode escape: expected `\\u{…}` with 1 to 6 hex digits naming a character".into(),
                        );
                    }
                },
                other => {
                    let end = start + i + 1 + other.len_utf8();
                    self.error(
                        Span::new(self.file, start + i, end),
                        format!("unknown escape `\\{other}`: the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{{…}}`"),
                    );
                }
            }
        }
        out
    }

    /// A `type_ref` pair or (fast path) directly one of its alternatives.
    pub fn type_ref(&self, pair: P) -> TypeRef {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::type_ref {
            match pair.into_inner().next() {
                Some(inner) => inner,
                None => return empty_type(span),
            }
        } else {
            pair
        };
        let kind = match rule(&inner) {
            Rule::list_type => {
                let mut types = inner.into_inner().filter(is_type);
                let elem = types.next().map(|t| self.type_ref(t));
                TypeRefKind::List(Box::new(elem.unwrap_or_else(|| empty_type(span))))
            }
            Rule::map_type => {
                let mut types = inner.into_inner().filter(is_type);
                let k = types
                    .next()
                    .map(|t| self.type_ref(t))
                    .unwrap_or_else(|| empty_type(span));
                let v = types
                    .next()
                    .map(|t| self.type_ref(t))
                    .unwrap_or_else(|| empty_type(span));
                TypeRefKind::Map(Box::new(k), Box::new(v))
            }
            _ => TypeRefKind::Named(self.path(inner)),
        };
        TypeRef { kind, span }
    }
}

fn empty_type(span: Span) -> TypeRef {
    TypeRef {
        kind: TypeRefKind::Named(Path {
            segments: vec![],
            span,
        }),
        span,
    }
}

/// `1.5`, `2e3`, `1.5E-3`: digits, an optional fraction, an optional exponent.
fn is_float(t: &str) -> bool {
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, frac)) => all_digits(whole) && all_digits(frac),
        None => all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok && (exponent.is_some() || mantissa.contains('.'))
}

/// `{1F600}` after `\u`: the character and how many chars of `rest` it used.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let inner = rest.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = &inner[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, close + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short-decimal path of `int` gives what i128's parser gives, and longer, hex and
    /// overflowing numbers still go to the parser (and its error).
    #[test]
    fn integers_are_read_alike_on_both_paths() {
        let cases = [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("7", Some(7)),
            ("-42", Some(-42)),
            ("123456789012345678", Some(123_456_789_012_345_678)),
            ("-999999999999999999", Some(-999_999_999_999_999_999)),
            ("1234567890123456789", Some(1_234_567_890_123_456_789)),
            ("0x1F", Some(31)),
            ("-0x10", Some(-16)),
            ("170141183460469231731687303715884105727", Some(i128::MAX)),
            ("170141183460469231731687303715884105728", None),
        ];
        for (text, want) in cases {
            let mut errors = Vec::new();
            let mut b = Builder {
                file: FileId(0),
                base: 0,
                errors: &mut errors,
            };
            let got = b.int(text, Span::new(FileId(0), 0, text.len()));
            match want {
                Some(v) => assert_eq!((got, errors.len()), (v, 0), "{text}"),
                None => assert_eq!((got, errors.len()), (i128::MAX, 1), "{text}"),
            }
        }
    }
}
