//! The binary as a script meets it: a broker URL it cannot use is a clear error and exit code 1,
//! at once. (The saga test in ftgo-order-service runs it against real brokers.)

#[path = "../../api-rs/tests/support/broker_cli.rs"]
mod broker_cli;

#[test]
fn an_unusable_broker_url_is_a_clear_error() {
    broker_cli::refuses_an_unusable_broker(env!("CARGO_BIN_EXE_ftgo-consumer-service"), &[]);
}
