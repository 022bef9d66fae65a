//! `ftgo-courier --broker URL --name NAME --minutes M`: answers every `quote` request with
//! `Quote { courier: NAME, minutes: M }`. NAME is also its consumer group, so every running
//! courier answers each request. Prints a line containing `ready` once it consumes; stops on
//! SIGTERM or SIGINT.

use accord::messaging::ServeConfig;
use clap::Parser;
use ftgo_api::api::ftgo::kitchen::delivery_service::messaging;
use ftgo_api::host::{self, Journal};
use ftgo_courier::Courier;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "An FTGO courier answering delivery quote requests over a message broker")]
struct Args {
    /// The broker: `memory:`, `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    #[arg(long)]
    broker: String,
    /// The courier's name: in its quotes, and its consumer group.
    #[arg(long)]
    name: String,
    /// Minutes to deliver, as quoted.
    #[arg(long)]
    minutes: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let broker = match host::connect(&args.broker).await {
        Ok(broker) => broker,
        Err(code) => return code,
    };
    let courier = Courier {
        name: args.name.clone(),
        minutes: args.minutes,
        journal: Journal::stdout("courier"),
    };
    let config = ServeConfig::default().group(args.name.clone());
    let serving = messaging::responder(courier).serve(&broker, config);
    let ready = format!("courier {} ready on {}", args.name, args.broker);
    host::consume_until_signalled(&ready, serving).await
}
