//! Properties of the parser and formatter over random sources: formatting is idempotent, keeps
//! the file valid and means the same (the same `Model`, the same diagnostics); random damage
//! never panics the parser.

#[path = "support/source_gen.rs"]
mod source_gen;

use accord_idl::format::format;
use accord_idl::parser::parse;
use accord_idl::{Compilation, FileId, compile_str};
use proptest::prelude::*;

fn fmt(text: &str) -> Result<String, TestCaseError> {
    let (file, errors) = parse(FileId(0), text);
    prop_assert!(errors.is_empty(), "{errors:?}\n--- source ---\n{text}");
    Ok(format(&file, text))
}

/// One edit: delete a range, insert a token or character, or duplicate a range.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens = vec![
        "{",
        "}",
        ";",
        ":",
        "<",
        ">",
        "(",
        ")",
        "\"",
        "r\"",
        "/*",
        "*/",
        "//",
        "///",
        "@",
        "=",
        ",",
        ".",
        "?",
        "->",
        "stream",
        "struct",
        "0x",
        "-",
        "\\",
        "é",
        "9999999999999999999999999999999999999999",
        "\n",
    ];
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), prop::sample::select(tokens)).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

/// Applies `m` at char boundaries of `text`.
fn apply(text: &str, m: &Mutation) -> String {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = |i: usize| bounds[i % bounds.len()];
    let upto = |start: usize, n: usize| {
        bounds
            .iter()
            .copied()
            .find(|&b| b >= start + n)
            .unwrap_or(text.len())
    };
    match *m {
        Mutation::Delete(a, n) => {
            let s = at(a);
            format!("{}{}", &text[..s], &text[upto(s, n)..])
        }
        Mutation::Insert(a, t) => {
            let s = at(a);
            format!("{}{t}{}", &text[..s], &text[s..])
        }
        Mutation::Duplicate(a, n) => {
            let s = at(a);
            let e = upto(s, n);
            format!("{}{}{}", &text[..e], &text[s..e], &text[e..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn format_is_idempotent_and_stays_valid(src in source_gen::source()) {
        let once = fmt(&src)?;
        let twice = fmt(&once)?;
        prop_assert_eq!(&once, &twice, "--- source ---\n{}", src);
        let count = |t: &str| parse(FileId(0), t).0.comments.len();
        prop_assert_eq!(count(&src), count(&once));
    }

    #[test]
    fn formatted_sources_lower_to_the_same_model(src in source_gen::source()) {
        let formatted = fmt(&src)?;
        let (before, after) = (compile_str(&src), compile_str(&formatted));
        prop_assert_eq!(&before.model, &after.model, "--- source ---\n{}", src);
        // Same problems too: their places move with the layout (and the formatter puts channel
        // clauses in one order), so codes and messages, in any order.
        let problems = |c: &Compilation| -> Vec<(String, String)> {
            let mut all: Vec<_> =
                c.diagnostics.iter().map(|d| (d.code.to_string(), d.message.clone())).collect();
            all.sort();
            all
        };
        prop_assert_eq!(problems(&before), problems(&after), "--- source ---\n{}", src);
    }

    #[test]
    fn damaged_sources_never_panic(src in source_gen::source(), edits in prop::collection::vec(mutation(), 1..6)) {
        let mut text = src;
        for m in &edits {
            text = apply(&text, m);
        }
        let (file, errors) = parse(FileId(0), &text);
        for e in &errors {
            prop_assert!(e.span.start <= e.span.end && e.span.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(e.span.start as usize) && text.is_char_boundary(e.span.end as usize));
        }
        // A mutation that still parses must still format stably.
        if errors.is_empty() {
            let once = format(&file, &text);
            let twice = fmt(&once)?;
            prop_assert_eq!(&once, &twice, "--- damaged source ---\n{}", text);
        }
    }
}
