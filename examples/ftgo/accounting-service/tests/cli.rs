//! The binary as a script meets it: a broker URL it cannot use is a clear error and exit code 1,
//! at once. (The saga test in ftgo-order-service runs it against real brokers.)

#[test]
fn an_unusable_broker_url_is_a_clear_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ftgo-accounting-service"))
        .args(["--broker", "kafka://localhost:9092"])
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
