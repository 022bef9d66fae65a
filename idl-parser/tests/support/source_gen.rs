//! Random valid Accord sources for property tests (include with
//! `#[path = "support/source_gen.rs"] mod source_gen;`). Sources are syntactically valid; names
//! are random, so they are not necessarily semantically valid.

#![allow(dead_code)]

use proptest::prelude::*;

pub fn type_name() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9]{0,5}"
}

pub fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_]{0,6}",
        1 => prop::sample::select(vec!["version", "key", "kind", "stream", "error", "op", "reserved", "to", "list", "map"]).prop_map(String::from),
    ]
}

fn comment_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,.]{0,12}"
}

/// A separator: one space, several, or a newline (the formatter must normalise them all).
fn sep() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![" ", " ", "  ", "\n", "\n\n", "\t"])
}

pub fn type_ref() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "bool",
            "i32",
            "i64",
            "u32",
            "u64",
            "f32",
            "f64",
            "string",
            "bytes",
            "timestamp",
            "duration",
            "uuid"
        ])
        .prop_map(String::from),
        type_name(),
        (type_name(), type_name()).prop_map(|(a, b)| format!("pkg.{}.{b}", a.to_lowercase())),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| format!("list<{t}>")),
            inner.prop_map(|v| format!("map<string, {v}>")),
        ]
    })
}

pub fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i32>().prop_map(|n| n.to_string()),
        (0u32..0xFFFF).prop_map(|n| format!("0x{n:X}")),
        (-1000i32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (1u32..9, 0u32..4).prop_map(|(a, e)| format!("-{a}e{e}")),
        "[a-zA-Z0-9 /{}.]{0,10}".prop_map(|s| format!("\"{s}\"")),
        Just(r#""esc \" \\ \n \t \u{1F600}""#.to_string()),
        Just(r#"r"^\d+$""#.to_string()),
        prop::sample::select(vec![
            "true",
            "false",
            "250ms",
            "2s",
            "5m",
            "1h",
            "1.2.0",
            "2.0.0-rc.1",
            "POST",
            "a.b.C"
        ])
        .prop_map(String::from),
    ]
}

pub fn annotation() -> impl Strategy<Value = String> {
    let arg = prop_oneof![
        literal(),
        (field_name(), literal()).prop_map(|(k, v)| format!("{k} = {v}"))
    ];
    prop_oneof![
        field_name().prop_map(|n| format!("@{n}")),
        (field_name(), prop::collection::vec(arg, 0..3))
            .prop_map(|(n, a)| format!("@{n}({})", a.join(", "))),
    ]
}

/// Docs, annotations and plain comments before a node, each on its own line.
pub fn attrs() -> impl Strategy<Value = String> {
    (
        prop::option::of(comment_text()),
        prop::option::of(comment_text()),
        prop::collection::vec(annotation(), 0..3),
    )
        .prop_map(|(comment, doc, anns)| {
            let mut s = String::new();
            if let Some(c) = comment {
                s.push_str(&format!("// {c}\n"));
            }
            if let Some(d) = doc {
                s.push_str(&format!("/// {d}\n"));
            }
            for a in anns {
                s.push_str(&a);
                s.push('\n');
            }
            s
        })
}

fn trailing() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just(String::new()), 1 => comment_text().prop_map(|c| format!(" // {c}")), 1 => comment_text().prop_map(|c| format!(" /* {c} */"))]
}

pub fn field() -> impl Strategy<Value = String> {
    (
        attrs(),
        field_name(),
        any::<bool>(),
        type_ref(),
        1u32..100_000,
        sep(),
        trailing(),
    )
        .prop_map(|(a, n, opt, t, num, s, tr)| {
            format!(
                "{a}{n}{}:{s}{t} ={s}{num};{tr}\n",
                if opt { "?" } else { "" }
            )
        })
}

fn reserved() -> impl Strategy<Value = String> {
    prop::collection::vec((1u32..1000, prop::option::of(1u32..100)), 1..4).prop_map(|rs| {
        let parts: Vec<String> = rs
            .iter()
            .map(|(a, b)| b.map_or(a.to_string(), |b| format!("{a} to {}", a + b)))
            .collect();
        format!("reserved {};\n", parts.join(", "))
    })
}

pub fn struct_item() -> impl Strategy<Value = String> {
    (
        attrs(),
        prop::sample::select(vec!["struct", "error", "event", "union"]),
        type_name(),
        prop::collection::vec(prop_oneof![4 => field(), 1 => reserved()], 0..5),
    )
        .prop_map(|(a, kw, n, members)| format!("{a}{kw} {n} {{\n{}}}\n", members.concat()))
}

pub fn enum_item() -> impl Strategy<Value = String> {
    let value = (attrs(), "[A-Z][A-Z0-9_]{0,6}", any::<i32>(), trailing())
        .prop_map(|(a, n, v, t)| format!("{a}{n} = {v};{t}\n"));
    (
        attrs(),
        type_name(),
        prop::collection::vec(prop_oneof![4 => value, 1 => reserved()], 0..5),
    )
        .prop_map(|(a, n, vs)| format!("{a}enum {n} {{{}}}\n", vs.concat()))
}

pub fn channel_item() -> impl Strategy<Value = String> {
    let clauses = (
        prop::sample::select(vec!["point_to_point", "publish_subscribe"]),
        "[a-z.]{1,10}",
        prop::collection::vec(type_name(), 1..3),
        prop::option::of(field_name()),
        prop::option::of(prop::sample::select(vec!["json", "protobuf"])),
    )
        .prop_map(|(k, addr, msgs, key, format)| {
            let mut c = vec![
                format!("kind {k};"),
                format!("address \"{addr}\";"),
                format!("messages {};", msgs.join(", ")),
            ];
            c.extend(key.map(|k| format!("key {k};")));
            c.extend(format.map(|f| format!("format {f};")));
            c
        });
    (attrs(), field_name(), clauses, any::<u64>()).prop_map(|(a, n, mut c, seed)| {
        let len = c.len();
        c.rotate_left((seed as usize) % len);
        format!("{a}channel {n} {{\n{}\n}}\n", c.join("\n"))
    })
}

pub fn service_item() -> impl Strategy<Value = String> {
    let input = prop_oneof![
        Just(String::new()),
        type_ref(),
        type_ref().prop_map(|t| format!("stream {t}"))
    ];
    let output = prop_oneof![
        Just("()".to_string()),
        type_ref(),
        type_ref().prop_map(|t| format!("stream {t}"))
    ];
    let op = (
        attrs(),
        field_name(),
        input.clone(),
        output,
        prop::collection::vec(type_name(), 0..3),
        trailing(),
    )
        .prop_map(|(a, n, i, o, throws, t)| {
            let throws = if throws.is_empty() {
                String::new()
            } else {
                format!(" throws {}", throws.join(", "))
            };
            format!("{a}op {n}({i}) -> {o}{throws};{t}\n")
        });
    let notify =
        (attrs(), field_name(), input).prop_map(|(a, n, i)| format!("{a}notify {n}({i});\n"));
    let pubsub = (
        prop::sample::select(vec!["publishes", "subscribes"]),
        prop::collection::vec(field_name(), 1..3),
    )
        .prop_map(|(k, cs)| format!("{k} {};\n", cs.join(", ")));
    // Short and qualified names, sometimes too many for one line (the formatter then wraps).
    let uses = prop::collection::vec((type_name(), any::<bool>()), 1..6).prop_map(|names| {
        let names: Vec<String> = names
            .into_iter()
            .map(|(n, qualified)| match qualified {
                true => format!("demo.a_rather_long_package.{n}"),
                false => n,
            })
            .collect();
        format!("uses {};\n", names.join(", "))
    });
    (
        attrs(),
        type_name(),
        prop::collection::vec(
            prop_oneof![3 => op, 1 => notify, 1 => pubsub, 1 => uses],
            0..5,
        ),
    )
        .prop_map(|(a, n, ms)| format!("{a}service {n} {{\n{}}}\n", ms.concat()))
}

/// A whole file: header, imports and 1 to 6 declarations of every kind.
pub fn source() -> impl Strategy<Value = String> {
    let item =
        prop_oneof![3 => struct_item(), 1 => enum_item(), 1 => channel_item(), 2 => service_item()];
    (
        "[a-z]{1,6}",
        prop::collection::vec("[a-z]{1,6}", 0..3),
        prop::collection::vec(item, 1..6),
        sep(),
    )
        .prop_map(|(pkg, imports, items, s)| {
            let imports: String = imports
                .iter()
                .map(|i| format!("import \"{i}.accord\";\n"))
                .collect();
            format!(
                "package demo.{pkg};{s}version 1.0.0;\n{imports}{}",
                items.join(s)
            )
        })
}
