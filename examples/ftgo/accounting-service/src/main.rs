//! `ftgo-accounting-service --broker URL [--decline-over AMOUNT]`: answers `authorize_card` and
//! `disable_account` on the accounting command channel. Prints a line containing `ready` once
//! it consumes; stops on SIGTERM or SIGINT.

use accord::messaging::ServeConfig;
use clap::Parser;
use ftgo_accounting_service::Accounting;
use ftgo_api::api::ftgo::accounting::accounting_service::messaging;
use ftgo_api::host::{self, Journal};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "The FTGO accounting service over a message broker")]
struct Args {
    /// The broker: `memory:`, `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    #[arg(long)]
    broker: String,
    /// Decline orders whose total, in minor units, exceeds this amount.
    #[arg(long, value_name = "AMOUNT")]
    decline_over: Option<i64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let broker = match host::connect(&args.broker).await {
        Ok(broker) => broker,
        Err(code) => return code,
    };
    let accounting = Accounting::new(args.decline_over, Journal::stdout("accounting"));
    let serving = messaging::responder(accounting).serve(&broker, ServeConfig::default());
    let ready = format!("accounting service ready on {}", args.broker);
    host::consume_until_signalled(&ready, serving).await
}
