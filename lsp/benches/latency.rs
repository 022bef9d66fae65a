//! Latency of diagnostics as you type, on the 60,000-line benchmark API: the time from a
//! `didChange` to the `publishDiagnostics` it causes, for edits that break a type reference and
//! fix it again (each changes the diagnostics, so each is answered). Two shapes: the API as one
//! 60,000-line file, and as the 20 files of `bench/compare-protoc.sh` (the edited file imports
//! the others). The server runs in this process on an in-memory connection (the protocol's
//! messages, without the pipe), with the allocator of the `accord` binary (mimalloc). Prints
//! p50/p99 of the wall-clock latency and of the CPU time the process spent per edit (on every
//! thread: what the latency is on an idle machine with one core per compiler thread), and peak
//! memory (VmHWM); asserts nothing.
//!
//!   cargo bench -p accord-lsp --bench latency

use accord_idl::synth::{SynthConfig, large_api};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

// mimalloc, the `accord` binary's allocator (cli/src/main.rs; cli/src/alloc.rs calls it a little
// more cheaply): measured about as the server runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EDITS: usize = 40;

fn main() {
    let one_file = SynthConfig {
        packages: 1,
        services_per_package: 200,
        ops_per_service: 10,
    };
    let files = large_api(one_file);
    run("one file", &files, 0);
    let files = large_api(SynthConfig::benchmark());
    let last = files.len() - 1;
    run("20 files", &files, last);
    println!("peak memory of the process (VmHWM): {}", vm_hwm());
}

fn run(name: &str, files: &[(std::path::PathBuf, String)], edited: usize) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let (path, text) = &files[edited];
    let uri = format!("file://{}", dir.path().join(path).display());
    let (server, client) = Connection::memory();
    let options = accord_lsp::Options { explain: |_| None };
    let thread = std::thread::spawn(move || accord_lsp::serve(&server, options).is_ok());
    let root = format!("file://{}", dir.path().display());
    let started = Instant::now();
    request(
        &client,
        0,
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    notify(&client, "initialized", json!({}));
    let doc = json!({"uri": uri, "languageId": "accord", "version": 1, "text": text});
    notify(
        &client,
        "textDocument/didOpen",
        json!({"textDocument": doc}),
    );
    // The first check parses everything; a request is answered only after it.
    request(
        &client,
        1,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let first = started.elapsed();

    // `amount: i64 = 1;` of the file's `Money` type, broken and fixed in turn.
    let (line, col) = position(text, "amount: i64");
    let col = col + "amount: ".len() as u32;
    let mut samples = Vec::with_capacity(EDITS);
    let mut cpu = Vec::with_capacity(EDITS);
    for i in 0..EDITS {
        let new = if i % 2 == 0 { "i6x" } else { "i64" };
        let range = json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 3}});
        let doc = json!({"uri": uri, "version": i + 2});
        let sent = Instant::now();
        let cpu_before = cpu_time();
        notify(
            &client,
            "textDocument/didChange",
            json!({"textDocument": doc, "contentChanges": [{"range": range, "text": new}]}),
        );
        wait_diagnostics(&client, &uri, i % 2 == 0);
        samples.push(sent.elapsed());
        cpu.push(cpu_time() - cpu_before);
    }
    // Navigation after an edit: the index is built on the first request that needs it.
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}});
    let asked = Instant::now();
    request(&client, 2, "textDocument/hover", at.clone());
    let hover_first = asked.elapsed();
    let asked = Instant::now();
    request(
        &client,
        3,
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 4}, "context": {"includeDeclaration": true}}),
    );
    let references = asked.elapsed();
    request(&client, 4, "shutdown", Value::Null);
    notify(&client, "exit", Value::Null);
    thread.join().unwrap();

    let pct = |samples: &mut Vec<Duration>, p: f64| {
        samples.sort();
        samples[((samples.len() - 1) as f64 * p).round() as usize]
    };
    println!(
        "{name}: {lines} lines in {} files, edited file {} lines; first check {:.0?}; \
         didChange → publishDiagnostics over {EDITS} edits: p50 {:.1?}, p99 {:.1?} \
         (CPU time per edit, all threads: p50 {:.1?}, p99 {:.1?}); \
         first hover after an edit {:.1?}, references {:.1?}",
        files.len(),
        text.lines().count(),
        first,
        pct(&mut samples, 0.5),
        pct(&mut samples, 0.99),
        pct(&mut cpu, 0.5),
        pct(&mut cpu, 0.99),
        hover_first,
        references
    );
}

fn position(text: &str, needle: &str) -> (u32, u32) {
    let offset = text.find(needle).expect("needle in the synthetic API");
    let line = text[..offset].matches('\n').count();
    let col = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}

fn notify(client: &Connection, method: &str, params: Value) {
    let n = Notification::new(method.into(), params);
    client.sender.send(Message::Notification(n)).unwrap();
}

fn request(client: &Connection, id: i32, method: &str, params: Value) {
    let r = Request::new(RequestId::from(id), method.into(), params);
    client.sender.send(Message::Request(r)).unwrap();
    loop {
        match client
            .receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("an answer")
        {
            Message::Response(r) if r.id == RequestId::from(id) => return,
            _ => continue,
        }
    }
}

/// Waits for the diagnostics of `uri`: some (`broken`) or none.
fn wait_diagnostics(client: &Connection, uri: &str, broken: bool) {
    loop {
        let message = client
            .receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("diagnostics");
        if let Message::Notification(n) = message
            && n.method == "textDocument/publishDiagnostics"
            && n.params["uri"] == uri
        {
            let empty = n.params["diagnostics"].as_array().is_none_or(Vec::is_empty);
            if empty != broken {
                return;
            }
        }
    }
}

/// User and system time of the whole process so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn vm_hwm() -> String {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.map_or("unknown".into(), |l| l["VmHWM:".len()..].trim().to_string())
}
