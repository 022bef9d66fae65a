//! `accord lsp` driven through the protocol over its stdio, on the multi-file workspace of
//! `lsp/tests/fixtures/workspace` (three packages, imports two deep, `uses`, `@link`, a
//! channel): initialize, open, change, every request the server answers, shutdown and exit.

#[path = "../../lsp/tests/support/client.rs"]
mod client;

use client::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of the fixture workspace (edits stay in the buffers, but the explain texts are
/// written under the copy's cache folder) and a server started on it.
fn start() -> (tempfile::TempDir, PathBuf, Client) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("workspace");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lsp/tests/fixtures/workspace");
    copy(&fixture, &root);
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .arg("lsp")
        .env("XDG_CACHE_HOME", dir.path().join("cache"));
    let mut client = Client::start(command);
    let root_uri = uri(&root, "");
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
    );
    assert_eq!(init["serverInfo"]["name"], "accord");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    client.notify("initialized", json!({}));
    (dir, root, client)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn uri(root: &Path, file: &str) -> String {
    let path = if file.is_empty() {
        root.to_path_buf()
    } else {
        root.join(file)
    };
    format!("file://{}", path.display())
}

fn open(client: &mut Client, root: &Path, file: &str, text: &str) -> String {
    let uri = uri(root, file);
    let item = json!({"uri": uri, "languageId": "accord", "version": 1, "text": text});
    client.notify("textDocument/didOpen", json!({"textDocument": item}));
    uri
}

/// Replaces `[line:col, line:col)` with `text` in version `version`.
fn change(client: &mut Client, uri: &str, version: i32, range: [u32; 4], text: &str) {
    let [l1, c1, l2, c2] = range;
    let edit = json!({"range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}, "text": text});
    let doc = json!({"uri": uri, "version": version});
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": doc, "contentChanges": [edit]}),
    );
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

fn fixture(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lsp/tests/fixtures/workspace")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// Line and column (0-based) of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (u32, u32) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in fixture"));
    let line = text[..offset].matches('\n').count();
    let col = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}

#[test]
fn diagnostics_follow_edits_and_reach_importers() {
    let (_dir, root, mut client) = start();
    let order = fixture("order.accord");
    let broken = order.replace("total: Money = 2;", "total: Mony = 2;");
    let order_uri = open(&mut client, &root, "order.accord", &broken);
    let found = client.diagnostics(&order_uri, |d| !d.is_empty());
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    let (line, col) = find(&broken, "Mony");
    assert_eq!(d["code"], "A0301");
    assert_eq!(d["source"], "accord");
    assert_eq!(d["range"]["start"], json!({"line": line, "character": col}));
    assert_eq!(
        d["range"]["end"],
        json!({"line": line, "character": col + 4})
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `Money`?"),
        "{d}"
    );
    // The explain link opens the text `accord explain A0301` prints.
    let href = d["codeDescription"]["href"]
        .as_str()
        .expect("an explain link");
    let explained = std::fs::read_to_string(href.strip_prefix("file://").unwrap()).unwrap();
    assert!(explained.starts_with("## A0301"), "{explained}");

    // The fix the diagnostic suggests, as a code action.
    let range = d["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": order_uri}, "range": range, "context": {"diagnostics": [d]}}),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "change to `Money`");
    let edit = &action["edit"]["changes"][&order_uri][0];
    assert_eq!(edit["newText"], "Money");

    // Fixed by an incremental edit: the file's diagnostics are cleared.
    change(
        &mut client,
        &order_uri,
        2,
        [line, col, line, col + 4],
        "Money",
    );
    client.diagnostics(&order_uri, |d| d.is_empty());

    // Renaming the service in the buffer breaks the file that imports it (not opened).
    let (line, col) = find(&order, "OrderService {");
    change(
        &mut client,
        &order_uri,
        3,
        [line, col, line, col + 12],
        "OrderApi",
    );
    let kitchen_uri = uri(&root, "kitchen.accord");
    let found = client.diagnostics(&kitchen_uri, |d| !d.is_empty());
    let codes: Vec<&str> = found.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"A1001"), "{found:#?}");
    // Undone: the importer is clean again.
    change(
        &mut client,
        &order_uri,
        4,
        [line, col, line, col + 8],
        "OrderService",
    );
    client.diagnostics(&kitchen_uri, |d| d.is_empty());

    // Closing an unsaved, broken buffer: the disk (clean) wins again.
    change(&mut client, &order_uri, 5, [0, 0, 0, 0], "garbage ");
    client.diagnostics(&order_uri, |d| d.iter().any(|d| d["code"] == "A0001"));
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": order_uri}}),
    );
    client.diagnostics(&order_uri, |d| d.is_empty());
    client.stop();
}

#[test]
fn navigation_across_files_and_packages() {
    let (_dir, root, mut client) = start();
    let kitchen = fixture("kitchen.accord");
    let order = fixture("order.accord");
    let kitchen_uri = open(&mut client, &root, "kitchen.accord", &kitchen);
    let order_uri = uri(&root, "order.accord");
    let money_uri = uri(&root, "common/money.accord");

    // `uses OrderService` leads to the service in order.accord.
    let (line, col) = find(&kitchen, "OrderService;");
    let def = client.request("textDocument/definition", at(&kitchen_uri, line, col + 3));
    let (want_line, want_col) = find(&order, "OrderService {");
    assert_eq!(def["uri"], order_uri);
    assert_eq!(
        def["range"]["start"],
        json!({"line": want_line, "character": want_col})
    );
    // `@link(order, OrderService.get_order)`: the operation.
    let (line, col) = find(&kitchen, "get_order)");
    let def = client.request("textDocument/definition", at(&kitchen_uri, line, col));
    assert_eq!(
        def["range"]["start"]["line"],
        find(&order, "op get_order").0
    );
    // A qualified type, two packages away.
    let (line, col) = find(&kitchen, "Money = 2");
    let def = client.request("textDocument/definition", at(&kitchen_uri, line, col + 1));
    assert_eq!(def["uri"], money_uri);
    // A channel.
    let (line, col) = find(&kitchen, "order_events");
    let def = client.request("textDocument/definition", at(&kitchen_uri, line, col));
    assert_eq!(
        def["range"]["start"]["line"],
        find(&order, "channel order_events").0
    );
    // An import leads to the file.
    let (line, col) = find(&kitchen, "order.accord");
    let def = client.request("textDocument/definition", at(&kitchen_uri, line, col + 1));
    assert_eq!(def["uri"], order_uri);

    // References of Money: its declaration, order.accord's short name, kitchen's qualified one.
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line + 5, "character": 0},
               "context": {"includeDeclaration": true}}),
    );
    assert!(
        refs.is_null() || refs.as_array().is_some_and(Vec::is_empty),
        "{refs}"
    );
    let (line, col) = find(&kitchen, "Money = 2");
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line, "character": col},
               "context": {"includeDeclaration": true}}),
    );
    let mut uris: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    uris.sort();
    let mut want = vec![money_uri.as_str(), order_uri.as_str(), kitchen_uri.as_str()];
    want.sort();
    assert_eq!(uris, want);

    // Rename across the three files; a qualified reference keeps its package.
    let renamed = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line, "character": col}, "newName": "Amount"}),
    );
    let changes = renamed["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 3, "{renamed:#}");
    for edits in changes.values() {
        assert_eq!(edits[0]["newText"], "Amount");
    }
    let kitchen_edit = &changes[&kitchen_uri][0]["range"]["start"];
    assert_eq!(kitchen_edit, &json!({"line": line, "character": col}));
    // Refused: a name of the same package, and one that makes a short reference ambiguous.
    for (new, why) in [
        ("NotFound", "already declared"),
        ("Order", "ambiguous"),
        ("9x", "not a name"),
    ] {
        let response = client.call(
            "textDocument/rename",
            json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line, "character": col}, "newName": new}),
        );
        let message = response["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{new}: {response}");
    }
    let prepared = client.request("textDocument/prepareRename", at(&kitchen_uri, line, col));
    assert_eq!(prepared["start"], json!({"line": line, "character": col}));
    // An operation, named in another file's `@link`: both places.
    let (line, col) = find(&kitchen, "get_order)");
    let renamed = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line, "character": col}, "newName": "find_order"}),
    );
    let changes = renamed["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{renamed:#}");
    // A field is not renamed: its name is on the wire.
    let (line, col) = find(&kitchen, "order_id");
    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": kitchen_uri}, "position": {"line": line, "character": col}, "newName": "order"}),
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("on the wire"),
        "{refused}"
    );
    client.stop();
}

#[test]
fn hover_completion_symbols_tokens_and_formatting() {
    let (_dir, root, mut client) = start();
    let order = fixture("order.accord");
    let order_uri = open(&mut client, &root, "order.accord", &order);

    // An operation: its signature, doc comment and bindings.
    let (line, col) = find(&order, "get_order");
    let hover = client.request("textDocument/hover", at(&order_uri, line, col));
    let text = hover["contents"]["value"].as_str().unwrap();
    for part in [
        "op get_order(GetOrder)",
        "Reads one order.",
        "HTTP: `GET /orders/{id}`",
        "gRPC: `/shop.order.v1.OrderService/GetOrder`",
        "auth: bearer token",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // A field: number and wire names.
    let (line, col) = find(&order, "total");
    let hover = client.request("textDocument/hover", at(&order_uri, line, col));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("number **2**") && text.contains("JSON member `total`"),
        "{text}"
    );
    // A field of an operation's input: where it travels over HTTP.
    let (line, col) = find(&order, "struct GetOrder {\n    id");
    let hover = client.request("textDocument/hover", at(&order_uri, line + 1, col + 4));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("in `get_order` (`GET /orders/{id}`): path parameter"),
        "{text}"
    );
    // An annotation: how it is written.
    let (line, col) = find(&order, "@http");
    let hover = client.request("textDocument/hover", at(&order_uri, line, col + 2));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("@http(GET, \"/path/{field}\")"), "{text}");
    // A type: its doc comment.
    let (line, col) = find(&order, "Money");
    let hover = client.request("textDocument/hover", at(&order_uri, line, col));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("An amount of money")
    );

    // Completion: an imported type; an annotation with its form; a type of an unimported
    // package, with the import it needs.
    let (line, _) = find(&order, "total: Money");
    change(&mut client, &order_uri, 2, [line, 11, line, 16], "Mo");
    let items = client.request("textDocument/completion", at(&order_uri, line, 13));
    let labels = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(labels(&items).contains(&"Money".to_string()));
    assert!(labels(&items).contains(&"struct".to_string()));
    let invoice = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Invoice")
        .expect("Invoice offered");
    assert_eq!(
        invoice["additionalTextEdits"][0]["newText"],
        "import \"billing.accord\";\n"
    );
    change(&mut client, &order_uri, 3, [line, 11, line, 13], "Money");
    change(&mut client, &order_uri, 4, [line, 0, line, 0], "    @");
    let items = client.request("textDocument/completion", at(&order_uri, line, 5));
    let range = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "range")
        .expect("@range");
    assert_eq!(range["insertText"], "range(min = 1, max = 100)");
    change(&mut client, &order_uri, 5, [line, 0, line, 5], "");
    let (line, _) = find(&order, "    op get_order");
    change(
        &mut client,
        &order_uri,
        6,
        [line, 0, line, 0],
        "    @channel(\n",
    );
    let items = client.request("textDocument/completion", at(&order_uri, line, 13));
    assert_eq!(labels(&items), ["order_events"]);
    change(&mut client, &order_uri, 7, [line, 0, line + 1, 0], "");

    // Symbols of the file, of the workspace; folding; semantic tokens.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": order_uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Order",
            "GetOrder",
            "OrderPlaced",
            "order_events",
            "OrderService"
        ]
    );
    assert_eq!(symbols[4]["children"][0]["name"], "get_order");
    let found = client.request("workspace/symbol", json!({"query": "order"}));
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for name in [
        "Order",
        "OrderService",
        "get_order",
        "order_events",
        "KitchenService",
    ] {
        assert_eq!(
            names.contains(&name),
            name != "KitchenService",
            "{name}: {names:?}"
        );
    }
    let folds = client.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": order_uri}}),
    );
    let (start, _) = find(&order, "struct Order {");
    assert!(
        folds
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["startLine"] == start && f["endLine"] == start + 3),
        "{folds}"
    );
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": order_uri}}),
    );
    let data = tokens["data"].as_array().unwrap();
    assert!(data.len() > 50 && data.len() % 5 == 0);
    // The first token is the `package` keyword (type 12 of the legend).
    assert_eq!(
        &data[..5],
        &[json!(0), json!(0), json!(7), json!(12), json!(0)]
    );

    // Formatting gives `accord fmt`'s layout; a file with a syntax error is refused.
    let messy = order.replace(
        "struct GetOrder {\n    id: string = 1;\n}",
        "struct GetOrder{id:string=1;}",
    );
    let end = order.lines().count() as u32 + 1;
    change(&mut client, &order_uri, 8, [0, 0, end, 0], &messy);
    let edits = client.request("textDocument/formatting", json!({"textDocument": {"uri": order_uri}, "options": {"tabSize": 4, "insertSpaces": true}}));
    assert_eq!(edits[0]["newText"], order);
    change(&mut client, &order_uri, 9, [0, 0, 0, 0], "}");
    let refused = client.call("textDocument/formatting", json!({"textDocument": {"uri": order_uri}, "options": {"tabSize": 4, "insertSpaces": true}}));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("syntax errors")
    );
    client.stop();
}

/// The code actions the checker's suggestions make: a missing `= N`, a number used twice, an
/// unknown type that a missing import would bring.
#[test]
fn code_actions_fix_what_the_checker_suggests() {
    let (_dir, root, mut client) = start();
    let text = "package shop.extra;\nversion 1.0.0;\n\nstruct A {\n    a: i64 = 1;\n    b: i64;\n}\n\nstruct B {\n    a: i64 = 1;\n    b: i64 = 1;\n    c: Invoice = 3;\n}\n";
    let uri = open(&mut client, &root, "extra.accord", text);
    let found = client.diagnostics(&uri, |d| d.len() >= 3);
    let actions = |client: &mut Client, line: u32| -> Vec<(String, Value)> {
        let range = json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 40}});
        let result = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
        );
        result
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["title"].as_str().unwrap().to_string(),
                    a["edit"]["changes"][&uri][0].clone(),
                )
            })
            .collect()
    };
    let missing = actions(&mut client, 5);
    assert_eq!(missing[0].0, "add `= 2`", "{found:#?}");
    assert_eq!(missing[0].1["newText"], " = 2");
    let twice = actions(&mut client, 10);
    assert_eq!(twice[0].0, "use the next free number, 4");
    let import = actions(&mut client, 11);
    let titles: Vec<&str> = import.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        titles,
        [
            "import \"billing.accord\" (declares `shop.billing.Invoice`)",
            "qualify as `shop.billing.Invoice`"
        ]
    );
    assert_eq!(import[0].1["newText"], "import \"billing.accord\";\n");
    assert_eq!(import[0].1["range"]["start"]["line"], 2);
    client.stop();
}
