//! `compile_again` after edits gives exactly what a fresh `compile` of the same sources gives
//! (the same `Model`, spans, diagnostics and syntax trees), while parsing only the declarations
//! whose text changed.

#[path = "support/source_gen.rs"]
mod source_gen;

use accord_idl::{Compilation, compile_again, compile_in};
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

const MAIN: &str = "/api/main.accord";

/// The other file of the API: the edited one may import it.
const LIB: &str = "package demo.lib; version 1.0.0;\nstruct Shared { a: i32 = 1; }\n";

fn files(main: &str) -> HashMap<PathBuf, String> {
    HashMap::from([
        (PathBuf::from(MAIN), main.to_string()),
        (PathBuf::from("/api/lib.accord"), LIB.to_string()),
    ])
}

fn roots() -> [PathBuf; 1] {
    [PathBuf::from(MAIN)]
}

fn include() -> [PathBuf; 1] {
    [PathBuf::from("/api")]
}

fn fresh(main: &str) -> Compilation {
    compile_in(&roots(), &include(), &mut files(main))
}

fn again(previous: Compilation, main: &str) -> Compilation {
    compile_again(previous, &roots(), &include(), &mut files(main))
}

/// Everything a compilation says, as comparable text: the model and diagnostics compare as
/// they are; spans and syntax trees through their `Debug` form.
fn same(again: &Compilation, fresh: &Compilation, text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        &again.diagnostics,
        &fresh.diagnostics,
        "--- source ---\n{}",
        text
    );
    prop_assert_eq!(&again.model, &fresh.model, "--- source ---\n{}", text);
    let spans = |c: &Compilation| format!("{:?}", c.spans);
    prop_assert_eq!(spans(again), spans(fresh), "--- source ---\n{}", text);
    for (id, file) in fresh.sources.iter() {
        prop_assert_eq!(&again.sources.get(id).path, &file.path);
        let tree = |c: &Compilation| format!("{:?}", c.syntax(id));
        prop_assert_eq!(tree(again), tree(fresh), "--- source ---\n{}", text);
        prop_assert_eq!(again.imports(id), fresh.imports(id));
    }
    Ok(())
}

/// One edit as you type: delete a stretch, insert a token or a declaration, or undo the last
/// edit (which fixes what it broke).
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Undo,
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = vec![
        "{",
        "}",
        ";",
        ":",
        "<",
        ">",
        "\"",
        "/*",
        "*/",
        "//",
        "///",
        "@",
        "=",
        "x",
        "\n",
        "é",
        "i6x",
        "struct",
        "package p;",
        "version 2.0.0;",
        "import \"lib.accord\";",
        "struct Added { a: demo.lib.Shared = 1; b: Nope = 2; }\n",
        "enum E2 { A = 1; }\n",
        "op extra() -> ();",
        "a: i32 = 9;",
    ];
    prop_oneof![
        3 => (any::<usize>(), 1usize..24).prop_map(|(a, n)| Edit::Delete(a, n)),
        4 => (any::<usize>(), prop::sample::select(tokens)).prop_map(|(a, t)| Edit::Insert(a, t)),
        2 => Just(Edit::Undo),
    ]
}

/// The text after `edit`, at char boundaries; `history` holds the earlier texts for undo.
fn apply(text: &str, edit: &Edit, history: &mut Vec<String>) -> String {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = |i: usize| bounds[i % bounds.len()];
    let upto = |start: usize, n: usize| {
        let end = bounds.iter().copied().find(|&b| b >= start + n);
        end.unwrap_or(text.len())
    };
    let next = match *edit {
        Edit::Delete(a, n) => {
            let s = at(a);
            format!("{}{}", &text[..s], &text[upto(s, n)..])
        }
        Edit::Insert(a, t) => {
            let s = at(a);
            format!("{}{t}{}", &text[..s], &text[s..])
        }
        Edit::Undo => return history.pop().unwrap_or_else(|| text.to_string()),
    };
    history.push(text.to_string());
    next
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random edits, each compiled again from the previous compilation and compared with a
    /// fresh compilation of the same text.
    #[test]
    fn compile_again_after_edits_is_a_fresh_compile(
        src in source_gen::source(),
        edits in prop::collection::vec(edit(), 1..10),
    ) {
        let src = format!("import \"lib.accord\";\n{src}");
        let mut compilation = fresh(&src);
        let (mut text, mut history) = (src, Vec::new());
        for edit in &edits {
            text = apply(&text, edit, &mut history);
            compilation = again(compilation, &text);
            same(&compilation, &fresh(&text), &text)?;
        }
    }
}

/// A file of `n` structs, `Money` among them.
fn many_structs(n: usize) -> String {
    let mut text = String::from("package demo.big; version 1.0.0;\nimport \"lib.accord\";\n");
    for i in 0..n {
        if i == n / 2 {
            text.push_str("/// Money.\nstruct Money { amount: i64 = 1; currency: string = 2; }\n");
        }
        text.push_str(&format!(
            "/// S{i}.\nstruct S{i} {{ a: demo.lib.Shared = 1; m: Money = 2; }}\n"
        ));
    }
    text
}

/// An edit inside one declaration parses that declaration alone, also when it changes the
/// length of the text (every later declaration moves); a declaration with a syntax error is
/// parsed again on every edit until it is fixed.
#[test]
fn an_edit_parses_only_the_declarations_it_touched() {
    let text = many_structs(100);
    let previous = fresh(&text);
    let id = previous.sources.find(MAIN.as_ref()).expect("main");
    // Three header clauses, 101 declarations and the line break at the end.
    assert_eq!(previous.parsed_chunks(id), 105, "every chunk at first");

    let longer = text.replacen("amount: i64 = 1;", "amount: i64 = 1; cents: i32 = 3;", 1);
    let compilation = again(previous, &longer);
    assert_eq!(compilation.parsed_chunks(id), 1);
    same(&compilation, &fresh(&longer), &longer).unwrap();

    let broken = longer.replacen("cents: i32 = 3;", "cents: i32 3;", 1);
    let compilation = again(compilation, &broken);
    assert_eq!(compilation.parsed_chunks(id), 1);
    assert!(compilation.has_errors());
    same(&compilation, &fresh(&broken), &broken).unwrap();

    let elsewhere = broken.replacen("struct S90 {", "struct S90x {", 1);
    let compilation = again(compilation, &elsewhere);
    assert_eq!(compilation.parsed_chunks(id), 2, "S90 and the broken Money");
    same(&compilation, &fresh(&elsewhere), &elsewhere).unwrap();

    let fixed = elsewhere.replacen("cents: i32 3;", "cents: i32 = 3;", 1);
    let compilation = again(compilation, &fixed);
    assert_eq!(compilation.parsed_chunks(id), 1);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    same(&compilation, &fresh(&fixed), &fixed).unwrap();

    let again_same = again(compilation, &fixed);
    assert_eq!(
        again_same.reused(),
        &[
            id,
            again_same.sources.find("/api/lib.accord".as_ref()).unwrap()
        ]
    );
    assert_eq!(again_same.parsed_chunks(id), 0);
}
