//! Parser tests: every construct, the FTGO examples, contextual keywords, literals, escapes,
//! recovery from several errors in one file, and garbage that must not panic.

use accord_idl::FileId;
use accord_idl::parser::parse;
use accord_idl::syntax::*;
use std::time::Duration;

const F: FileId = FileId(0);

/// Parses text that must have no syntax error.
fn ok(text: &str) -> File {
    let (file, errors) = parse(F, text);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    file
}

/// Parses text that must have errors; returns the tree and the messages with their text.
fn bad(text: &str) -> (File, Vec<(String, String)>) {
    let (file, errors) = parse(F, text);
    assert!(!errors.is_empty(), "expected syntax errors");
    let msgs = errors.iter().map(|e| (e.message.clone(), text[e.span.range()].to_string())).collect();
    (file, msgs)
}

fn struct_decl(item: &Item) -> &StructDecl {
    match &item.kind {
        ItemKind::Struct(s) => s,
        other => panic!("not a struct: {other:?}"),
    }
}

fn first_literal(text: &str) -> LiteralKind {
    let file = ok(&format!("@a({text}) struct S {{}}"));
    file.items[0].attrs.annotations[0].args.as_ref().unwrap()[0].value.kind.clone()
}

#[test]
fn ftgo_examples_parse_without_errors() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ftgo/api");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "accord") {
            let text = std::fs::read_to_string(&path).unwrap();
            let (file, errors) = parse(F, &text);
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            assert!(file.package.is_some() && file.version.is_some(), "{}", path.display());
            assert!(!file.items.is_empty());
            seen += 1;
        }
    }
    assert!(seen >= 3);
}
