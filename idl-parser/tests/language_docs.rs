//! The language's own documents say what the compiler does. The contract
//! (`tests/contract/language.md`, kept verbatim from the design) must parse and mean what it
//! says: its three files compile without a single diagnostic and mean exactly what the FTGO
//! examples mean. Every example in the reference (`docs/language.md`) parses, and checks clean
//! apart from names it borrows from neighbouring examples.

use accord_idl::check::codes;
use accord_idl::model::{AuthScheme, Service};
use accord_idl::{Compilation, compile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root")
        .to_path_buf()
}

/// The ```accord blocks of a Markdown file, with the line each starts on.
fn accord_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```accord") => current = Some((number + 1, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn compile_files(files: &[(&str, String)], roots: &[&str]) -> Compilation {
    let map: HashMap<PathBuf, String> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.clone()))
        .collect();
    let mut loader = move |p: &Path| {
        map.get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    };
    let roots: Vec<PathBuf> = roots.iter().map(PathBuf::from).collect();
    compile(&roots, &mut loader)
}

#[test]
fn the_contract_files_compile_clean_and_mean_what_the_examples_mean() {
    let contract = std::fs::read_to_string(root().join("tests/contract/language.md"))
        .expect("the vendored contract");
    let blocks = accord_blocks(&contract);
    assert_eq!(blocks.len(), 3, "order, common and kitchen");
    let files = [
        ("/contract/order.accord", blocks[0].1.clone()),
        ("/contract/common.accord", blocks[1].1.clone()),
        ("/contract/kitchen.accord", blocks[2].1.clone()),
    ];
    let from_contract = compile_files(
        &files,
        &["/contract/order.accord", "/contract/kitchen.accord"],
    );
    assert!(
        from_contract.diagnostics.is_empty(),
        "{:#?}",
        from_contract.diagnostics
    );

    let api = root().join("examples/ftgo/api");
    // The FTGO order service also says which services it calls (`uses`, qualified names of
    // packages it does not import): checked with those services' files as roots, then taken
    // out of its text so that the rest compiles from the contract's two roots alone.
    let order = api.join("order.accord");
    let mut read = |p: &Path| std::fs::read_to_string(p);
    let participants =
        ["consumer", "kitchen", "accounting"].map(|n| api.join(format!("{n}.accord")));
    let with_uses = compile(
        &[&[order.clone()][..], &participants[..]].concat(),
        &mut read,
    );
    assert!(
        with_uses.diagnostics.is_empty(),
        "{:#?}",
        with_uses.diagnostics
    );
    let m = &with_uses.model;
    let service = m
        .find_service("ftgo.order.OrderService")
        .expect("order service");
    let uses: Vec<String> = m
        .service(service)
        .uses
        .iter()
        .map(|&s| m.qualified_service_name(s))
        .collect();
    assert_eq!(
        uses,
        [
            "ftgo.consumer.ConsumerService",
            "ftgo.kitchen.KitchenService",
            "ftgo.accounting.AccountingService"
        ]
    );
    let order_text = std::fs::read_to_string(&order).expect("order.accord");
    let start = order_text.find("\n    uses\n").expect("the `uses` clause") + 1;
    let end = start + order_text[start..].find(';').expect("its end") + 1;
    let without_uses = format!("{}{}", &order_text[..start], &order_text[end..]);
    let mut read = |p: &Path| {
        if p == order {
            Ok(without_uses.clone())
        } else {
            std::fs::read_to_string(p)
        }
    };
    let from_examples = compile(&[order.clone(), api.join("kitchen.accord")], &mut read);
    assert!(
        from_examples.diagnostics.is_empty(),
        "{:#?}",
        from_examples.diagnostics
    );
    // The FTGO example is the contract's plus who may call the order service (the auth issue's
    // FTGO requirements); with that taken out they mean the same.
    let mut model = from_examples.model.clone();
    let mut auth = Vec::new();
    for service in &mut model.services {
        let defaults = Service {
            operations: Vec::new(),
            ..service.clone()
        };
        for op in &mut service.operations {
            let required = op.effective_auth(&defaults);
            if required.scheme != AuthScheme::None {
                auth.push((op.name.clone(), required.scopes));
            }
            (op.auth, op.scopes) = (None, None);
        }
        (service.auth, service.scopes) = (None, None);
    }
    assert_eq!(from_contract.model, model);
    let scopes = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        auth,
        [
            ("create_order".to_owned(), scopes(&["orders:write"])),
            ("get_order".to_owned(), scopes(&["orders:read"])),
            ("cancel_order".to_owned(), scopes(&["orders:write"])),
            ("watch_order".to_owned(), scopes(&[])),
            ("order_viewed".to_owned(), scopes(&[])),
        ]
    );
}

/// What a fragment of the reference may lack: the types, channels, used services and imports it
/// borrows from the examples around it. Anything else (a syntax error, a broken rule) fails.
const BORROWED: &[&str] = &[
    codes::UNKNOWN_TYPE.code,
    codes::UNKNOWN_CHANNEL.code,
    codes::UNKNOWN_SERVICE.code,
    codes::IMPORT_MISSING.code,
];

#[test]
fn every_reference_example_parses_and_checks() {
    let reference = std::fs::read_to_string(root().join("docs/language.md")).expect("reference");
    let blocks = accord_blocks(&reference);
    assert!(blocks.len() >= 10, "found only {} examples", blocks.len());
    for (line, text) in blocks {
        let whole = if text.contains("package ") {
            text.clone()
        } else {
            format!("package doc;\nversion 1.0.0;\n{text}")
        };
        let c = compile_files(&[("/doc/example.accord", whole)], &["/doc/example.accord"]);
        let unexpected: Vec<_> = c
            .errors()
            .filter(|d| !BORROWED.contains(&d.code))
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(
            unexpected.is_empty(),
            "docs/language.md:{line}: {unexpected:#?}\n{text}"
        );
    }
}
