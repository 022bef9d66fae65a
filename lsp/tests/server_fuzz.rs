//! The whole server (in process, on an in-memory connection) under random edit sequences of a
//! real file, each followed by requests at random positions: every request is answered (a
//! result or an error, never a crash), and diagnostics keep coming. Bounded: 64 sequences of
//! at most 12 edits.

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const FILE: &str = include_str!("fixtures/workspace/order.accord");

fn edit() -> impl Strategy<Value = (u32, u32, u32, u32, String)> {
    let text = prop::sample::select(vec![
        "",
        "}",
        "{",
        "@",
        "@http(",
        "Money",
        "op x()",
        "\"",
        "é𝄞",
        "\n",
        "= 3;",
        "struct",
        ".",
        "import \"",
        "///",
    ]);
    (
        0u32..40,
        0u32..30,
        0u32..40,
        0u32..30,
        text.prop_map(String::from),
    )
}

fn request(id: i32, method: &str, params: Value) -> Message {
    Message::Request(Request::new(RequestId::from(id), method.into(), params))
}

fn notify(method: &str, params: Value) -> Message {
    Message::Notification(Notification::new(method.into(), params))
}

/// Sends `message`, and for a request waits for its answer (skipping notifications).
fn exchange(client: &Connection, message: Message) -> Option<Value> {
    let id = match &message {
        Message::Request(r) => Some(r.id.clone()),
        _ => None,
    };
    client.sender.send(message).unwrap();
    let id = id?;
    loop {
        match client
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("an answer")
        {
            Message::Response(r) if r.id == id => return Some(serde_json::to_value(r).unwrap()),
            _ => continue,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_request_is_answered_after_any_edits(edits in prop::collection::vec(edit(), 1..12), probe in (0u32..40, 0u32..30)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("order.accord"), FILE).unwrap();
        let uri = format!("file://{}", dir.path().join("order.accord").display());
        let (server, client) = Connection::memory();
        let options = accord_lsp::Options { explain: |_| None };
        let thread = std::thread::spawn(move || accord_lsp::serve(&server, options).map_err(|e| e.to_string()));
        let root = format!("file://{}", dir.path().display());
        exchange(&client, request(0, "initialize", json!({"processId": null, "rootUri": root, "capabilities": {}})));
        exchange(&client, notify("initialized", json!({})));
        let doc = json!({"uri": uri, "languageId": "accord", "version": 1, "text": FILE});
        exchange(&client, notify("textDocument/didOpen", json!({"textDocument": doc})));
        let (line, character) = probe;
        let at = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
        let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": line, "character": character}});
        let mut id = 1;
        for (version, (a, b, c, d, text)) in edits.into_iter().enumerate() {
            let range = json!({"start": {"line": a, "character": b}, "end": {"line": c, "character": d}});
            let doc = json!({"uri": uri, "version": version + 2});
            exchange(&client, notify("textDocument/didChange", json!({"textDocument": doc, "contentChanges": [{"range": range, "text": text}]})));
            let mut ask = |method: &str, params: Value| {
                id += 1;
                let answer = exchange(&client, request(id, method, params)).unwrap();
                assert!(answer.get("result").is_some() || answer.get("error").is_some(), "{method}: {answer}");
            };
            ask("textDocument/hover", at.clone());
            ask("textDocument/definition", at.clone());
            ask("textDocument/completion", at.clone());
            ask("textDocument/semanticTokens/full", json!({"textDocument": {"uri": uri}}));
            ask("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}}));
            ask("textDocument/foldingRange", json!({"textDocument": {"uri": uri}}));
            ask("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": []}}));
            ask("textDocument/formatting", json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}));
            ask("textDocument/rename", json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "newName": "Renamed"}));
        }
        exchange(&client, request(9999, "shutdown", Value::Null));
        exchange(&client, notify("exit", Value::Null));
        prop_assert_eq!(thread.join().unwrap(), Ok(()));
        prop_assert!(Path::new(&dir.path().join("order.accord")).exists());
    }
}
