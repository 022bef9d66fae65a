//! Doc comments of generated Rust: the IDL's doc text, which is never executable.
//!
//! Why: rustdoc compiles and runs every Rust code block of a crate's docs under `cargo test`,
//! including those of a generated module the crate includes. The IDL's docs are written by
//! whoever wrote the `.accord` file (possibly someone CI does not trust), so every code block
//! they contain, however it is written (any fence length, a fence tagged `should_panic` or
//! `rust`, an indented block, a block in a list item), is emitted as a fenced `text` block.
//!
//! How: the text is first unindented the way rustdoc unindents doc comments, so the Markdown
//! parsed here is the Markdown rustdoc parses; pulldown-cmark (rustdoc's parser) finds every code
//! block; fences get the info string `text` and indented blocks are fenced. The result is parsed
//! again and, unless every code block in it is a `text` fence, the whole doc is emitted as one
//! `text` block instead (a fence longer than any run of backticks in the text cannot be closed
//! early), so the guarantee never rests on the rewrite being right. Control characters and
//! bidirectional controls are shown escaped (`\u{1b}`): they would otherwise force the writer
//! into `#[doc = "…"]` attributes, which rustdoc unindents differently from `///` lines.

use super::writer::Code;
use accord_idl::model::Lifecycle;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};
use std::ops::Range;

/// A doc comment from the IDL's, plus a deprecation note (kept in the docs rather than
/// `#[deprecated]`, so generated glue that must use the item stays warning-free).
pub(crate) fn docs(code: &mut Code, docs: Option<&str>, lifecycle: &Lifecycle) {
    let mut text = docs.unwrap_or_default().to_owned();
    if let Some(deprecated) = &lifecycle.deprecated {
        if !text.trim().is_empty() {
            text.push_str("\n\n");
        }
        match &deprecated.reason {
            Some(reason) => text.push_str(&format!("**Deprecated**: {reason}")),
            None => text.push_str("**Deprecated**."),
        }
    }
    if !text.trim().is_empty() {
        code.docs(&doc_lines(&text));
    }
}

/// The doc comment's lines, each after a space (as `///` lines carry them), with every code
/// block a `text` block.
pub(crate) fn doc_lines(docs: &str) -> Vec<String> {
    let text = unindent(&visible(docs));
    let rewritten = mark_code_blocks(&text);
    let safe = if only_text_blocks(&rewritten) {
        rewritten
    } else {
        one_text_block(&text)
    };
    safe.lines().map(|line| format!(" {line}")).collect()
}

/// Control characters (other than tab and line breaks) and bidirectional controls, escaped.
/// A lone `\r` is a control character here: only `\n` separates lines.
fn visible(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
        if hidden {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes the indentation common to every non-blank line, counted as rustdoc counts it (spaces
/// and tabs, one each), so at least one line starts in column 0 and rustdoc's own unindenting
/// of the emitted `/// ` lines removes exactly the one space this module adds.
fn unindent(text: &str) -> String {
    let indent = |line: &str| line.chars().take_while(|c| matches!(c, ' ' | '\t')).count();
    let min = text
        .lines()
        .filter(|l| l.chars().any(|c| !c.is_whitespace()))
        .map(indent)
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            if indent(l) >= min {
                &l[min..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    lines.join("\n")
}

/// The Markdown extensions rustdoc enables (footnotes are containers that can hold code).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Every code block of `text`: whether it is fenced, and its source range.
fn code_blocks(text: &str) -> Vec<(bool, Option<String>, Range<usize>)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                Some((true, Some(info.to_string()), range))
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some((false, None, range)),
            _ => None,
        })
        .collect()
}

/// True when every code block of `text` is a fence whose info string is exactly `text`.
fn only_text_blocks(text: &str) -> bool {
    code_blocks(text)
        .iter()
        .all(|(fenced, info, _)| *fenced && info.as_deref() == Some("text"))
}

/// Fences get the info string `text`; indented blocks are fenced as `text`.
fn mark_code_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut done = 0;
    for (fenced, _, range) in code_blocks(text) {
        if range.start < done {
            continue;
        }
        let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        if fenced {
            let Some(at) = text[range.start..]
                .find(['`', '~'])
                .map(|i| range.start + i)
            else {
                continue;
            };
            let marker = text.as_bytes()[at];
            let fence_end = at + text[at..].bytes().take_while(|&b| b == marker).count();
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            out.push_str(&text[done..fence_end]);
            out.push_str("text");
            done = line_end;
        } else {
            let block = &text[line_start..range.end];
            let indent = block.chars().take_while(|&c| c == ' ').count();
            let fence_indent = " ".repeat(indent.saturating_sub(4));
            let fence = "`".repeat(longest_backtick_run(block).max(2) + 1);
            out.push_str(&text[done..line_start]);
            out.push_str(&format!("{fence_indent}{fence}text\n"));
            let block = block.strip_suffix('\n').unwrap_or(block);
            for line in block.split('\n') {
                let strip = line.chars().take_while(|&c| c == ' ').count().min(4);
                out.push_str(&line[strip..]);
                out.push('\n');
            }
            out.push_str(&format!("{fence_indent}{fence}\n"));
            done = range.end;
        }
    }
    out.push_str(&text[done.min(text.len())..]);
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// The whole text as one `text` block: nothing inside a fence is Markdown, and a fence longer
/// than any run of backticks in the text is never closed early.
fn one_text_block(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

#[cfg(test)]
mod tests;
