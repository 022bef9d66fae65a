//! The reference pages in a real browser: headless Chromium loads each page generated for the
//! FTGO examples and the stress API from disk (no network), the dumped DOM shows the content,
//! and the console stays free of errors.
//!
//! A missing Chromium fails the test when `CI` is set; otherwise it prints a visible
//! `SKIPPED: chromium not installed`. Install: `apt-get install -y chromium`. Set
//! `ACCORD_DOCS_SCREENSHOT=/path/shot.png` to also save a screenshot of the order page.

mod common;

use accord_codegen::{OutputFile, docs};
use accord_idl::Model;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

fn browser() -> Option<&'static str> {
    let found = BROWSERS.into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed, and CI requires it (apt-get install -y chromium)"
        );
        println!("SKIPPED: chromium not installed");
        eprintln!("SKIPPED: chromium not installed");
    }
    found
}

/// What headless Chromium printed: the DOM (or nothing) and its log.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on a local file with extra arguments; killed after a minute so a
/// stuck browser fails the test instead of hanging it. Output goes to files, as a full pipe
/// would stall the browser while we wait for it.
fn headless(browser: &str, page: &Path, extra: &[&str]) -> Run {
    let profile = tempfile::tempdir().expect("profile dir");
    let stdout_path = profile.path().join("stdout");
    let stderr_path = profile.path().join("stderr");
    let file = |p: &Path| Stdio::from(std::fs::File::create(p).expect("log file"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(file(&stdout_path))
        .stderr(file(&stderr_path))
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within a minute on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).to_string();
    Run {
        success: status.success(),
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
    }
}

/// Console lines that report errors: uncaught exceptions, failed loads, CSP violations.
fn console_errors(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR_"))
        .map(str::to_string)
        .collect()
}

fn write(dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| {
            let path = dir.join(&f.path);
            std::fs::write(&path, &f.contents).expect("write page");
            path
        })
        .collect()
}

/// Loads every HTML page of a model and returns each page's dumped DOM by file name.
fn load_all(browser: &str, model: &Model) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = docs::emit(model);
    let paths = write(dir.path(), &files);
    let mut doms = Vec::new();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        let out = headless(browser, path, &["--dump-dom"]);
        let stderr = &out.stderr;
        assert!(
            out.success,
            "chromium failed on {}: {stderr}",
            path.display()
        );
        let errors = console_errors(stderr);
        assert!(
            errors.is_empty(),
            "console errors on {}: {errors:#?}",
            path.display()
        );
        let name = path
            .file_name()
            .expect("file")
            .to_string_lossy()
            .to_string();
        doms.push((name, out.stdout));
    }
    doms
}

fn dom<'a>(doms: &'a [(String, String)], name: &str) -> &'a str {
    &doms.iter().find(|(n, _)| n == name).expect("page loaded").1
}

#[test]
fn ftgo_pages_load_and_show_their_content() {
    let Some(browser) = browser() else { return };
    let doms = load_all(browser, &common::ftgo());
    let order = dom(&doms, "ftgo.order.html");
    for needle in [
        "<h1>ftgo.order</h1>",
        "id=\"service-OrderService\"",
        "<code>POST /orders</code>",
        "<code>/ftgo.order.v1.OrderService/CreateOrder</code>",
        "id=\"channel-order_events\"",
        "<code>ftgo.order.events</code>",
        "id=\"error-OrderNotFound\"",
        "(404, NOT_FOUND)",
        "href=\"ftgo.common.html#struct-Money\"",
        "class=\"toc\"",
    ] {
        assert!(
            order.contains(needle),
            "{needle} missing from the order page DOM"
        );
    }
    let kitchen = dom(&doms, "ftgo.kitchen.html");
    assert!(
        kitchen.contains("asynchronous request/response"),
        "{kitchen}"
    );
    assert!(kitchen.contains("publish/async responses"), "{kitchen}");
    assert!(dom(&doms, "index.html").contains("href=\"ftgo.order.html\""));
    screenshot(browser, &common::ftgo());
}

#[test]
fn stress_pages_load_and_show_deprecations_and_constraints() {
    let Some(browser) = browser() else { return };
    let doms = load_all(browser, &common::stress());
    let page = dom(&doms, "stress.everything.html");
    for needle in [
        "<strong>Deprecated</strong>: use forget_thing",
        "1 ≤ value ≤ 100",
        "<code>GET /things/{id}/watch</code>",
        "bidirectional streaming",
        "<code>application/x-protobuf</code>",
        "href=\"stress.other.html#struct-Item\"",
        "Since 2.1.0",
    ] {
        assert!(
            page.contains(needle),
            "{needle} missing from the stress page DOM"
        );
    }
}

#[test]
fn the_console_check_catches_a_broken_page() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><p>x</p><script>no_such_function();</script>",
    )
    .expect("write");
    let out = headless(browser, &page, &["--dump-dom"]);
    let errors = console_errors(&out.stderr);
    assert!(
        !errors.is_empty(),
        "a thrown error must show up as a console error"
    );
}

/// Saves a screenshot of the order page when `ACCORD_DOCS_SCREENSHOT` names a file.
fn screenshot(browser: &str, model: &Model) {
    let Some(target) = std::env::var_os("ACCORD_DOCS_SCREENSHOT") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), &docs::emit(model));
    let shot = format!("--screenshot={}", PathBuf::from(target).display());
    let out = headless(
        browser,
        &dir.path().join("ftgo.order.html"),
        &[&shot, "--window-size=1400,1800"],
    );
    assert!(out.success, "{}", out.stderr);
}
