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
    let msgs = errors
        .iter()
        .map(|e| (e.message.clone(), text[e.span.range()].to_string()))
        .collect();
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
    file.items[0].attrs.annotations[0].args.as_ref().unwrap()[0]
        .value
        .kind
        .clone()
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
            assert!(
                file.package.is_some() && file.version.is_some(),
                "{}",
                path.display()
            );
            assert!(!file.items.is_empty());
            seen += 1;
        }
    }
    assert!(seen >= 3);
}

#[test]
fn header_clauses() {
    let file = ok(
        "package ftgo.order;\nversion 2.0.0-rc.1;\nimport \"common.accord\";\nimport r\"x/y.accord\";\n",
    );
    assert_eq!(file.package.unwrap().name.text(), "ftgo.order");
    let v = file.version.unwrap().value.kind;
    assert_eq!(
        v,
        LiteralKind::Version(semver::Version::parse("2.0.0-rc.1").unwrap())
    );
    let paths: Vec<_> = file.imports.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, ["common.accord", "x/y.accord"]);
}

#[test]
fn struct_fields_optional_reserved_and_types() {
    let text = "struct S {\n  a: i64 = 1;\n  b?: list<list<x.Y>> = 2;\n  c: map<string, Money> = 3;\n  reserved 5, 10 to 12;\n}";
    let file = ok(text);
    let s = struct_decl(&file.items[0]);
    assert_eq!(s.keyword, StructKeyword::Struct);
    assert_eq!(s.fields.len(), 3);
    assert!(s.fields[0].optional.is_none());
    assert_eq!(&text[s.fields[1].optional.unwrap().range()], "?");
    assert_eq!(&text[s.fields[1].ty.span.range()], "list<list<x.Y>>");
    let TypeRefKind::List(inner) = &s.fields[1].ty.kind else {
        panic!()
    };
    let TypeRefKind::List(inner) = &inner.kind else {
        panic!()
    };
    assert!(matches!(&inner.kind, TypeRefKind::Named(p) if p.text() == "x.Y"));
    assert!(matches!(&s.fields[2].ty.kind, TypeRefKind::Map(..)));
    assert_eq!(s.fields[2].number.kind, LiteralKind::Int(3));
    assert_eq!(&text[s.fields[0].span.range()], "a: i64 = 1;");
    let ranges = &s.reserved[0].ranges;
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[1].start.kind, LiteralKind::Int(10));
    assert_eq!(ranges[1].end.as_ref().unwrap().kind, LiteralKind::Int(12));
    assert_eq!(&text[file.items[0].span.range()], text);
}

#[test]
fn error_event_enum_union() {
    let file = ok(
        "error E { a: i32 = 1; } event V {} enum K { A = 1; B = -2; reserved 3 to 4; }\nunion U { a: A = 1; reserved 2; }",
    );
    assert_eq!(struct_decl(&file.items[0]).keyword, StructKeyword::Error);
    assert_eq!(struct_decl(&file.items[1]).keyword, StructKeyword::Event);
    let ItemKind::Enum(e) = &file.items[2].kind else {
        panic!()
    };
    assert_eq!(e.values[1].number.kind, LiteralKind::Int(-2));
    assert_eq!(e.reserved.len(), 1);
    let ItemKind::Union(u) = &file.items[3].kind else {
        panic!()
    };
    assert_eq!(u.variants.len(), 1);
    assert_eq!(u.reserved.len(), 1);
}

#[test]
fn channels_in_any_clause_order() {
    let file = ok(
        "channel c { format json; key order_id; messages A, b.B; address \"x.y\"; kind point_to_point; }",
    );
    let ItemKind::Channel(c) = &file.items[0].kind else {
        panic!()
    };
    let kws: Vec<_> = c.clauses.iter().map(|c| c.kind.keyword()).collect();
    assert_eq!(kws, ["format", "key", "messages", "address", "kind"]);
    let ChannelClauseKind::Messages(m) = &c.clauses[2].kind else {
        panic!()
    };
    assert_eq!(m[1].text(), "b.B");
}

#[test]
fn service_members_of_every_shape() {
    let text = r#"service S {
        /// Docs.
        @http(POST, "/a/{id}")
        @timeout(2s)
        op a(In) -> Out throws E1, x.E2;
        op ping() -> ();
        op up(stream In) -> Out;
        op bidi(stream In) -> stream Out;
        notify n(In);
        publishes a, b;
        subscribes c;
        uses Other, x.y.Third;
    }"#;
    let file = ok(text);
    let ItemKind::Service(s) = &file.items[0].kind else {
        panic!()
    };
    let ops: Vec<&OperationDecl> = s
        .members
        .iter()
        .filter_map(|m| {
            if let ServiceMember::Operation(o) = m {
                Some(o)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ops.len(), 5);
    assert_eq!(ops[0].attrs.docs.as_ref().unwrap().text, "Docs.");
    assert_eq!(ops[0].attrs.annotations.len(), 2);
    assert_eq!(ops[0].throws.len(), 2);
    assert_eq!(
        &text[ops[0].span.range()],
        "op a(In) -> Out throws E1, x.E2;"
    );
    assert!(ops[1].input.is_none());
    assert!(matches!(ops[1].output, Some(OutputRef::Unit(_))));
    assert!(ops[2].input.as_ref().unwrap().stream.is_some());
    let Some(OutputRef::Type(out)) = &ops[3].output else {
        panic!()
    };
    assert!(out.stream.is_some());
    assert!(ops[4].notify && ops[4].output.is_none());
    assert!(
        matches!(&s.members[5], ServiceMember::Publishes { channels, .. } if channels.len() == 2)
    );
    assert!(
        matches!(&s.members[6], ServiceMember::Subscribes { channels, .. } if channels.len() == 1)
    );
    let ServiceMember::Uses { services, span } = &s.members[7] else {
        panic!("{:?}", s.members[7])
    };
    let names: Vec<String> = services.iter().map(|p| p.text()).collect();
    assert_eq!(names, ["Other", "x.y.Third"]);
    assert_eq!(&text[span.range()], "uses Other, x.y.Third;");
    assert_eq!(&text[services[1].span.range()], "x.y.Third");
}

#[test]
fn uses_needs_a_name_and_a_semicolon() {
    for (text, expected) in [
        ("service S { uses ; }", "expected"),
        ("service S { uses A B; }", "expected"),
        ("service S { uses A, ; }", "expected"),
    ] {
        let (_, errors) = accord_idl::parser::parse(accord_idl::FileId(0), text);
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        assert!(errors[0].message.contains(expected), "{errors:?}");
    }
    // `uses` is a contextual keyword: still a fine name elsewhere.
    let file = ok("struct uses { uses: uses = 1; }\nservice S { op uses(uses) -> uses; }");
    assert_eq!(file.items.len(), 2);
}

#[test]
fn contextual_keywords_are_identifiers() {
    let text = "struct version { version: i32 = 1; key: key = 2; kind: string = 3; address: string = 4;\n\
                format: string = 5; messages: string = 6; stream: stream = 7; error: error = 8; op: op = 9;\n\
                reserved: i32 = 10; list: list = 11; map: map = 12; struct: i32 = 13; to: i32 = 14; }\n\
                enum reserved { reserved = 1; enum = 2; }\n\
                service service { op op(stream) -> stream; op throws(error) -> error throws throws; }";
    let file = ok(text);
    let s = struct_decl(&file.items[0]);
    assert_eq!(s.name.text, "version");
    assert_eq!(s.fields.len(), 14);
    assert!(s.reserved.is_empty());
    let ItemKind::Service(svc) = &file.items[2].kind else {
        panic!()
    };
    let ServiceMember::Operation(op) = &svc.members[0] else {
        panic!()
    };
    let input = op.input.as_ref().unwrap();
    assert!(input.stream.is_none(), "`(stream)` is a type named stream");
}

#[test]
fn every_literal_form() {
    assert_eq!(first_literal("-12"), LiteralKind::Int(-12));
    assert_eq!(first_literal("0x1F"), LiteralKind::Int(31));
    assert_eq!(first_literal("1.5"), LiteralKind::Float(1.5));
    assert_eq!(first_literal("-2e3"), LiteralKind::Float(-2000.0));
    assert_eq!(first_literal("true"), LiteralKind::Bool(true));
    assert_eq!(first_literal("false"), LiteralKind::Bool(false));
    assert_eq!(
        first_literal("250ms"),
        LiteralKind::Duration(Duration::from_millis(250))
    );
    assert_eq!(
        first_literal("2s"),
        LiteralKind::Duration(Duration::from_secs(2))
    );
    assert_eq!(
        first_literal("5m"),
        LiteralKind::Duration(Duration::from_secs(300))
    );
    assert_eq!(
        first_literal("1h"),
        LiteralKind::Duration(Duration::from_secs(3600))
    );
    assert_eq!(
        first_literal("1.2.0"),
        LiteralKind::Version(semver::Version::new(1, 2, 0))
    );
    assert!(matches!(first_literal("a.b"), LiteralKind::Name(p) if p.text() == "a.b"));
    assert!(matches!(first_literal("trueish"), LiteralKind::Name(_)));
    let raw = first_literal(r#"r"^\d+$""#);
    assert_eq!(
        raw,
        LiteralKind::String {
            value: r"^\d+$".into(),
            raw: true
        }
    );
}

#[test]
fn malformed_numbers_are_errors_at_the_number() {
    for bad_number in ["12abc", "1.2.3.4", "01.2.3", "-2s", "1.e5", "0x"] {
        let text = format!("@a({bad_number}) struct S {{}}");
        let (file, errs) = bad(&text);
        assert_eq!(errs.len(), 1, "{bad_number}: {errs:?}");
        assert_eq!(errs[0].1, bad_number, "{errs:?}");
        assert_eq!(file.items.len(), 1, "{bad_number}");
    }
}

#[test]
fn string_escapes() {
    let s = first_literal(r#""a\"b\\c\nd\te\u{1F600}""#);
    assert_eq!(
        s,
        LiteralKind::String {
            value: "a\"b\\c\nd\te\u{1F600}".into(),
            raw: false
        }
    );
    let (_, errs) = bad(r#"@a("x\qy") struct S {}"#);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].1, r"\q");
    assert!(errs[0].0.contains("unknown escape"), "{}", errs[0].0);
    let (_, errs) = bad(r#"@a("\u{D800}") struct S {}"#);
    assert!(errs[0].1.starts_with(r"\u{D800"), "{:?}", errs);
}

#[test]
fn annotations_positional_and_keyed() {
    let file = ok("@deprecated @range(min = 1, max = -2) @empty() @http(GET, \"/x\") struct S {}");
    let a = &file.items[0].attrs.annotations;
    assert_eq!(a.len(), 4);
    assert!(a[0].args.is_none());
    let args = a[1].args.as_ref().unwrap();
    assert_eq!(args[0].key.as_ref().unwrap().text, "min");
    assert_eq!(args[1].value.kind, LiteralKind::Int(-2));
    assert_eq!(a[2].args, Some(vec![]));
    assert!(a[3].args.as_ref().unwrap()[0].key.is_none());
}

#[test]
fn docs_attach_and_comments_are_collected() {
    let text = "// top\npackage p;\n/// Line one.\n///   indented\n/* block */ struct S {\n    /// Field doc.\n    a: i32 = 1; // trailing\n}\nenum E { /// V doc.\n A = 1; }\n//// not a doc\n";
    let file = ok(text);
    let docs = file.items[0].attrs.docs.as_ref().unwrap();
    assert_eq!(docs.text, "Line one.\n  indented");
    let s = struct_decl(&file.items[0]);
    assert_eq!(s.fields[0].attrs.docs.as_ref().unwrap().text, "Field doc.");
    let ItemKind::Enum(e) = &file.items[1].kind else {
        panic!()
    };
    assert_eq!(e.values[0].attrs.docs.as_ref().unwrap().text, "V doc.");
    let comments: Vec<_> = file.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        comments,
        ["// top", "/* block */", "// trailing", "//// not a doc"]
    );
    for c in &file.comments {
        assert_eq!(&text[c.span.range()], c.text);
    }
}

#[test]
fn a_broken_field_keeps_its_neighbours() {
    let (file, errs) =
        bad("struct S {\n  a: i32 = 1;\n  b: = 2;\n  c: i64 = 3;\n}\nstruct T { x: i32 = 1; }");
    let s = struct_decl(&file.items[0]);
    let names: Vec<_> = s.fields.iter().map(|f| f.name.text.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(file.items.len(), 2);
    assert_eq!(
        errs,
        [("expected a type, found `=`".to_string(), "=".to_string())]
    );
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    let text = "package p;\nstruct A { a: i32 = 1 }\nstruct B { b i32 = 1; }\nenum C { X = ; Y = 2; }\nbogus;\nservice D { op x(A) B; notify n(A); }\nstruct E { e: i32 = 1; }";
    let (file, errs) = bad(text);
    let msgs: Vec<_> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(errs.len(), 5, "{msgs:#?}");
    assert_eq!(msgs[0], "expected `;`, found `}`");
    assert_eq!(msgs[1], "expected `:` or `?`, found `i32`");
    assert_eq!(msgs[2], "expected a value, found `;`");
    assert!(msgs[3].starts_with("expected "), "{}", msgs[3]);
    assert_eq!(msgs[4], "expected `->`, found `B`");
    let names: Vec<_> = file
        .items
        .iter()
        .map(|i| i.kind.name().text.as_str())
        .collect();
    assert_eq!(names, ["A", "B", "C", "D", "E"]);
    let ItemKind::Enum(c) = &file.items[2].kind else {
        panic!()
    };
    assert_eq!(c.values.len(), 1);
    let ItemKind::Service(d) = &file.items[3].kind else {
        panic!()
    };
    assert_eq!(d.members.len(), 1);
}

#[test]
fn an_unclosed_brace_does_not_swallow_the_next_declarations() {
    let (file, errs) =
        bad("struct A {\n  a: i32 = 1;\n\nstruct B { b: i32 = 1; }\nenum C { X = 1; }\n");
    let names: Vec<_> = file
        .items
        .iter()
        .map(|i| i.kind.name().text.as_str())
        .collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].0.contains("never closed"), "{errs:?}");
    assert_eq!(errs[0].1, "{");
}

#[test]
fn header_order_and_duplicates() {
    let (file, errs) = bad("struct S {}\nimport \"a\";\npackage p;\npackage q;\n");
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert_eq!(file.package.unwrap().name.text(), "p");
}

#[test]
fn huge_numbers_are_errors_not_overflows() {
    let (_, errs) = bad("struct S { a: i32 = 99999999999999999999999999999999999999999999; }");
    assert!(errs[0].0.contains("too large"));
    let (_, errs) = bad("@t(99999999999999999999999h) @f(1e999) struct S {}");
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn unterminated_strings_and_comments() {
    let (_, errs) = bad("@a(\"abc) struct S {}\nstruct T {}");
    assert!(errs[0].0.contains("unterminated string"), "{errs:?}");
    let (_, errs) = bad("struct S {} /* never closed");
    assert!(errs[0].0.contains("unterminated block comment"), "{errs:?}");
    let (_, errs) = bad("struct S { a: string = 1; /// dangling\n}");
    assert!(errs[0].0.contains("doc comment"), "{errs:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "struct S {{ a: {}i32{} = 1; }}",
        "list<".repeat(5000),
        ">".repeat(5000)
    );
    let (_, errs) = bad(&deep);
    assert!(errs[0].0.contains("nesting"), "{errs:?}");
    let unclosed = format!("struct S {{ a: {} }}", "map<".repeat(100_000));
    bad(&unclosed);
    let fine = format!(
        "struct S {{ a: {}i32{} = 1; }}",
        "list<".repeat(30),
        ">".repeat(30)
    );
    ok(&fine);
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "",
        " ",
        "}",
        "{",
        ";;;",
        "\"",
        "r\"",
        "/*",
        "///",
        "@",
        "@(",
        "struct",
        "struct {",
        "struct S {",
        "struct S { a",
        "struct S { a:",
        "struct S { a: list<",
        "service S { op",
        "service S { op a(",
        "enum E { A = 0x; }",
        "\u{0}\u{1}\u{ffff}",
        "é€😀 struct é {}",
        "package ;",
        "version;",
        "import x;",
        "channel c { kind; }",
        "@a(b = ) struct S {}",
        "}}}}{{{{",
        "\\",
        "r",
        "-",
        "1.2.3.4",
    ];
    for s in samples {
        let (_, errors) = parse(F, s);
        // A file of nothing but trivia is an empty file (the checker asks for its package).
        let blank = s.trim().is_empty() || s == "///";
        assert!(
            blank || !errors.is_empty(),
            "garbage must be reported: {s:?}"
        );
    }
    // Every prefix of a real file.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ftgo/api/order.accord"
    ))
    .unwrap();
    for (i, _) in text.char_indices() {
        let (_, errors) = parse(F, &text[..i]);
        for e in errors {
            assert!(e.span.end as usize <= i && e.span.start <= e.span.end);
        }
    }
}

#[test]
fn parses_the_60k_line_synthetic_api() {
    let files = accord_idl::synth::large_api(accord_idl::synth::SynthConfig::benchmark());
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    assert!(lines > 50_000);
    // Prints the time (measure with `--release -- --nocapture`); never asserted.
    let started = std::time::Instant::now();
    for (path, text) in &files {
        let (_, errors) = parse(F, text);
        assert!(
            errors.is_empty(),
            "{}: {:?}",
            path.display(),
            errors.first()
        );
    }
    eprintln!("parsed {lines} lines in {:?}", started.elapsed());
}

/// A name with a non-ASCII letter is one error at that letter, saying names are ASCII; the
/// declaration is still read, so nothing else is reported.
#[test]
fn a_non_ascii_name_is_one_error_that_says_why() {
    let text = "package p;\nversion 1.0.0;\nstruct Café { naïve: i64 = 1; }\n";
    let (file, errors) = parse(F, text);
    let found: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                &text[e.span.start as usize..e.span.end as usize],
                e.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "é",
                "`Café` is not a valid name: `é` is not ASCII; names are ASCII letters, digits and `_`"
            ),
            (
                "ï",
                "`naïve` is not a valid name: `ï` is not ASCII; names are ASCII letters, digits and `_`"
            ),
        ]
    );
    assert_eq!(file.items.len(), 1);
}
