//! What every FTGO broker binary's `tests/cli.rs` checks, written once (each package needs a
//! test of its own for cargo to build its binary; they include this file with `#[path]`).

/// The binary at `path`, run with a broker URL it cannot use (and `args`), fails at once with a
/// clear error and exit code 1, and never says it is ready.
pub fn refuses_an_unusable_broker(path: &str, args: &[&str]) {
    let out = std::process::Command::new(path)
        .args(["--broker", "kafka://localhost:9092"])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown broker scheme `kafka:`"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ready"));
}
