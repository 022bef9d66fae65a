//! Turns pest's "expected one of these rules" into a sentence in words, pointing at the token
//! that was found instead.

use super::Rule;
use crate::source::{FileId, Span};
use crate::syntax::SyntaxError;
use pest::error::{Error, ErrorVariant, InputLocation};

/// `error` came from parsing `text[base..]`; offsets in the result are of the whole `text`.
pub fn from_pest(error: &Error<Rule>, text: &str, base: usize, file: FileId) -> SyntaxError {
    let pos = base
        + match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let positives: &[Rule] = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let mut expected: Vec<&str> = Vec::new();
    for words in positives.iter().filter_map(|r| words(*r)) {
        if !expected.contains(&words) {
            expected.push(words);
        }
    }
    let (found, end) = found(text, pos);
    if let Some((message, help)) = super::hints::misplaced_doc(text, pos) {
        return SyntaxError {
            message,
            span: Span::new(file, pos, end),
            help: Some(help),
        };
    }
    let help = super::hints::hint(text, pos, positives);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    SyntaxError {
        message,
        span: Span::new(file, pos, end),
        help,
    }
}

/// An error with its own message at `text[start..end]`.
pub fn at(file: FileId, start: usize, end: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span: Span::new(file, start, end),
        help: None,
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// What a rule is called in a message; `None` for rules that never help the reader.
fn words(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::semi => "`;`",
        Rule::colon => "`:`",
        Rule::eq => "`=`",
        Rule::comma => "`,`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::langle => "`<`",
        Rule::rangle => "`>`",
        Rule::arrow => "`->`",
        Rule::question => "`?`",
        Rule::ident | Rule::path | Rule::arg_key => "a name",
        Rule::literal | Rule::annotation_arg | Rule::number_lit => "a value",
        Rule::string_lit | Rule::raw_string_lit => "a string",
        Rule::int_lit | Rule::reserved_range => "an integer",
        Rule::type_ref | Rule::list_type | Rule::map_type | Rule::streamable => "a type",
        Rule::output => "a type, `stream T` or `()`",
        Rule::unit => "`()`",
        Rule::doc_line | Rule::docs => "a doc comment",
        Rule::annotation | Rule::at_name | Rule::attrs => "an annotation",
        Rule::field => "a field",
        Rule::enum_value => "an enum value",
        Rule::operation | Rule::op_sig | Rule::notify_sig => "an operation (`op` or `notify`)",
        Rule::item | Rule::struct_decl | Rule::enum_decl | Rule::union_decl => "a declaration",
        Rule::channel_decl | Rule::service_decl => "a declaration",
        Rule::package_clause => "`package`",
        Rule::version_clause => "`version`",
        Rule::import_clause => "`import`",
        Rule::kw_package => "`package`",
        Rule::kw_version => "`version`",
        Rule::kw_import => "`import`",
        Rule::kw_struct_like | Rule::kw_enum | Rule::kw_union => "a declaration",
        Rule::kw_channel | Rule::kw_service => "a declaration",
        Rule::kw_reserved | Rule::reserved_decl => "`reserved`",
        Rule::kw_to => "`to`",
        Rule::kw_list => "`list`",
        Rule::kw_map => "`map`",
        Rule::kw_kind | Rule::kind_clause => "`kind`",
        Rule::kw_address | Rule::address_clause => "`address`",
        Rule::kw_messages | Rule::messages_clause => "`messages`",
        Rule::kw_key | Rule::key_clause => "`key`",
        Rule::kw_format | Rule::format_clause => "`format`",
        Rule::kw_publishes | Rule::publishes_decl => "`publishes`",
        Rule::kw_subscribes | Rule::subscribes_decl => "`subscribes`",
        Rule::kw_uses | Rule::uses_decl => "`uses`",
        Rule::kw_op => "`op`",
        Rule::kw_notify => "`notify`",
        Rule::kw_stream => "`stream`",
        Rule::kw_throws | Rule::throws_clause => "`throws`",
        Rule::EOI => "the end of the declaration",
        _ => return None,
    })
}

/// Describes the token at `pos` ("`=`", "the end of the file", "an unterminated string") and
/// returns where it ends, so the error's span covers it.
pub fn found(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), pos);
    };
    if rest.starts_with("/*") && !rest.contains("*/") {
        return ("an unterminated block comment".to_string(), pos + 2);
    }
    if rest.starts_with("///") {
        return ("a doc comment".to_string(), pos + 3);
    }
    if first == '"' || rest.starts_with("r\"") {
        let line = rest.split('\n').next().unwrap_or(rest);
        let open = if first == '"' { 1 } else { 2 };
        if !line[open..].contains('"') {
            return (
                "an unterminated string".to_string(),
                pos + line.trim_end().len(),
            );
        }
        return ("a string".to_string(), pos + open);
    }
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else if rest.starts_with("->") {
        2
    } else {
        first.len_utf8()
    };
    let token: String = rest[..len].chars().take(40).collect();
    (format!("`{token}`"), pos + len)
}
