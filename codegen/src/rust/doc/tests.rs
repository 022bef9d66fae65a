use super::*;
use std::path::Path;
use std::process::Command;

/// Doc texts that become doctests when emitted as they are: every way CommonMark (and rustdoc)
/// starts a code block. Each runs `MARKER` creation, so a doctest that ran leaves a trace.
fn hostile(marker: &Path) -> Vec<String> {
    let code = format!("std::fs::write({:?}, \"ran\").unwrap();", marker.display());
    vec![
        format!("Plain fence:\n```\n{code}\n```"),
        format!("Rust fence:\n```rust\n{code}\n```"),
        format!("Four backticks:\n````\n{code}\n````"),
        format!("Test tag:\n```should_panic\n{code}\npanic!();\n```"),
        format!("Edition tag:\n~~~edition2021\n{code}\n~~~"),
        format!("Attributes:\n```ignore,no_run,rust\n{code}\n```"),
        format!("Indented block:\n\n    {code}\n"),
        format!("    {code}\n\nWhole doc indented."),
        format!("Tab indented:\n\n\t{code}\n"),
        format!("- a list item\n\n      {code}\n"),
        format!("> quoted\n>\n>     {code}\n"),
        format!("> ```\n> {code}\n> ```"),
        format!("Footnote[^1].\n\n[^1]: note\n\n        {code}\n"),
        format!("  Common indent\n\n      {code}\n"),
        format!("Unclosed fence:\n```\n{code}"),
        format!("Control char\u{1b}[2J then\n\n    {code}\n"),
        format!("CR line ends:\r\n\r\n    {code}\r\n"),
        format!("Bidi \u{202e}\n```\n{code}\n```"),
    ]
}

#[test]
fn every_code_block_is_text() {
    for doc in hostile(Path::new("/nonexistent")) {
        let lines = doc_lines(&doc);
        let text: Vec<&str> = lines.iter().map(|l| &l[1..]).collect();
        assert!(
            only_text_blocks(&text.join("\n")),
            "{doc:?} gave {lines:#?}"
        );
        assert!(lines.iter().all(|l| l.starts_with(' ')));
    }
}

#[test]
fn ordinary_blocks_keep_their_shape() {
    let docs = "Example:\n```\n{\"a\": 1}\n```\n  ~~~rust\nlet x = 1;\n  ~~~\n```json\n[]\n```";
    assert_eq!(
        doc_lines(docs),
        [
            " Example:",
            " ```text",
            " {\"a\": 1}",
            " ```",
            "   ~~~text",
            " let x = 1;",
            "   ~~~",
            " ```text",
            " []",
            " ```"
        ]
    );
    assert_eq!(
        doc_lines("Indented:\n\n    a\n      b\n"),
        [" Indented:", " ", " ```text", " a", "   b", " ```"]
    );
}

#[test]
fn control_and_bidi_characters_are_shown_escaped() {
    assert_eq!(
        doc_lines("a\u{1b}b\u{7}\u{202e}c"),
        [" a\\u{1b}b\\u{7}\\u{202e}c"]
    );
}

/// Emits every hostile doc on an item of a one-file crate and runs its doctests with
/// `rustdoc --test`: nothing may run. The same crate with the docs as written (each line after
/// `/// `) runs them, which shows the cases are live.
#[test]
fn rustdoc_finds_no_doctest() {
    let dir = std::env::temp_dir().join(format!("accord-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("ran");
    let docs = hostile(&marker);
    let mut safe = Code::new();
    let mut raw = String::new();
    for (i, doc) in docs.iter().enumerate() {
        super::docs(&mut safe, Some(doc), &Lifecycle::default());
        safe.line(&format!("pub struct S{i};"));
        for line in doc.lines() {
            raw.push_str(&format!(
                "/// {}\n",
                line.replace(['\u{1b}', '\u{202e}'], "")
            ));
        }
        raw.push_str(&format!("pub struct S{i};\n"));
    }
    let run = |name: &str, text: &str| {
        let file = dir.join(format!("{name}.rs"));
        std::fs::write(&file, text).unwrap();
        let _ = std::fs::remove_file(&marker);
        let out = Command::new(std::env::var("RUSTDOC").unwrap_or_else(|_| "rustdoc".into()))
            .args(["--test", "--edition", "2024", "--crate-type", "lib"])
            .arg(&file)
            .output()
            .expect("rustdoc runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success(), stdout, marker.exists())
    };
    let (ok, stdout, ran) = run("safe", &safe.finish());
    assert!(ok && !ran && stdout.contains("running 0 tests"), "{stdout}");
    let (_, stdout, ran) = run("raw", &raw);
    assert!(ran && !stdout.contains("running 0 tests"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
