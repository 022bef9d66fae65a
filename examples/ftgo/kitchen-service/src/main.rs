//! `ftgo-kitchen-service --broker URL [--sold-out ITEM]...`: answers `create_ticket` and
//! `cancel_ticket` on the kitchen's command channel (instances compete for commands), and
//! follows the order events. Prints a line containing `ready` once it consumes; stops on
//! SIGTERM or SIGINT.

use accord::messaging::ServeConfig;
use clap::Parser;
use ftgo_api::api::ftgo::kitchen::kitchen_service::messaging;
use ftgo_api::host::{self, Journal};
use ftgo_kitchen_service::Kitchen;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "The FTGO kitchen service over a message broker")]
struct Args {
    /// The broker: `memory:`, `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    #[arg(long)]
    broker: String,
    /// A menu item the kitchen cannot make: tickets naming it are rejected (repeatable).
    #[arg(long, value_name = "ITEM")]
    sold_out: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let broker = match host::connect(&args.broker).await {
        Ok(broker) => broker,
        Err(code) => return code,
    };
    let kitchen = Arc::new(Kitchen::new(args.sold_out, Journal::stdout("kitchen")));
    let serving = async {
        let commands = messaging::responder(kitchen.clone())
            .serve(&broker, ServeConfig::default())
            .await?;
        let events = messaging::order_events_subscriber(kitchen.clone())
            .serve(&broker, ServeConfig::default())
            .await?;
        Ok(commands.and(events))
    };
    let ready = format!("kitchen service ready on {}", args.broker);
    host::consume_until_signalled(&ready, serving).await
}
