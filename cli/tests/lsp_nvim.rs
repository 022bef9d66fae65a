//! A real editor as the client: Debian's Neovim (0.7, headless, its built-in LSP client) runs
//! `lsp_nvim.lua` against `accord lsp` on a copy of `lsp/tests/fixtures/workspace` whose
//! kitchen.accord has an error: the diagnostic must arrive at its line, and go to definition
//! must jump into order.accord. Without `nvim` the test prints `SKIPPED` (and fails under CI).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Neovim gets this long in all (it waits at most 30 s for each answer itself).
const LIMIT: Duration = Duration::from_secs(90);

fn nvim_found() -> bool {
    let found = Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "nvim is required under CI (apt-get install neovim)"
        );
        println!("SKIPPED: nvim is not installed (apt-get install neovim)");
    }
    found
}

#[test]
fn neovim_shows_the_diagnostic_and_jumps_to_a_definition() {
    if !nvim_found() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("workspace");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lsp/tests/fixtures/workspace");
    for file in [
        "order.accord",
        "kitchen.accord",
        "billing.accord",
        "common/money.accord",
    ] {
        std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(file), root.join(file)).unwrap();
    }
    let kitchen = std::fs::read_to_string(root.join("kitchen.accord")).unwrap();
    let broken = kitchen.replace(
        "    price: shop.common.Money = 2;",
        "    price: shop.common.Mony = 2;",
    );
    std::fs::write(root.join("kitchen.accord"), &broken).unwrap();
    let error_line = broken.lines().position(|l| l.contains("Mony")).unwrap();
    let order = std::fs::read_to_string(root.join("order.accord")).unwrap();
    let channel_line = order
        .lines()
        .position(|l| l.starts_with("channel order_events"))
        .unwrap();

    let out = dir.path().join("out.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp_nvim.lua");
    let lua_string = |p: &Path| format!("{:?}", p.display().to_string());
    let globals = format!(
        "lua ACCORD={} ROOT={} OUT={}",
        lua_string(Path::new(env!("CARGO_BIN_EXE_accord"))),
        lua_string(&root),
        lua_string(&out)
    );
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .args([
            "-c",
            &globals,
            "-c",
            &format!("luafile {}", script.display()),
        ])
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("nvim did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = std::fs::read_to_string(&out).expect("the script wrote its findings");
    let seen: HashMap<&str, &str> = seen.lines().filter_map(|l| l.split_once(' ')).collect();
    assert_eq!(seen.get("error"), None, "{seen:#?}");
    assert_eq!(seen["diagnostic_line"], error_line.to_string(), "{seen:#?}");
    assert_eq!(seen["diagnostic_code"], "A0301", "{seen:#?}");
    assert!(
        seen["diagnostic_message"].contains("did you mean `Money`?"),
        "{seen:#?}"
    );
    assert_eq!(seen["definition_file"], "order.accord", "{seen:#?}");
    assert_eq!(
        seen["definition_line"],
        channel_line.to_string(),
        "{seen:#?}"
    );
    // The server said nothing on stderr (Neovim logs it): quitting, which asks for `shutdown`
    // a second time, is not an error.
    let log =
        std::fs::read_to_string(dir.path().join("cache/nvim/lsp.log")).expect("Neovim's LSP log");
    assert!(!log.contains("stderr"), "{log}");
}
