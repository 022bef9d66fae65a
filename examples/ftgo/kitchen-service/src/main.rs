//! `ftgo-kitchen-service --broker URL [--sold-out ITEM]... [--db PATH|URL] [--listen ADDR]`:
//! answers `create_ticket`, `cancel_ticket` and `cancel_order_tickets` on the kitchen's command
//! channel (instances compete for commands), and follows the order events. Its tickets live in
//! `--db` (a SQLite file, or `postgres://...`; in memory without it). With `--listen`, it also
//! serves `GET /tickets?order_id=N` (and `/health/*`, `/metrics`). Prints a line containing
//! `ready` once it consumes (and listens); stops on SIGTERM or SIGINT.

use accord::health::Health;
use accord::metrics::Metrics;
use clap::Parser;
use ftgo_api::api::ftgo::kitchen::kitchen_service::{messaging, rest};
use ftgo_api::host::{self, Journal};
use ftgo_kitchen_service::{Kitchen, TABLES};
use std::net::SocketAddr;
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
    /// Where the tickets are kept: a SQLite file (`PATH` or `sqlite:PATH`) or
    /// `postgres://user:pass@host:port/db`. Without it, in memory.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// Also serve the tickets over REST on this address (`GET /tickets?order_id=N`).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let store = match ftgo_api::store::open_or_exit(args.db.as_deref(), TABLES).await {
        Ok(store) => store,
        Err(code) => return code,
    };
    let broker = match host::connect(&args.broker).await {
        Ok(broker) => broker,
        Err(code) => return code,
    };
    let journal = Journal::stdout("kitchen");
    let kitchen = Arc::new(Kitchen::new(store.clone(), args.sold_out, journal));
    // One registry: the consumers' processing and dead letters beside the REST routes.
    let metrics = Metrics::new();
    let config = || ftgo_api::serve::idempotent(&store, &metrics);
    let health = Health::new();
    health.register("broker", broker.clone());
    let serving = async {
        let commands = messaging::responder(kitchen.clone())
            .serve(&broker, config())
            .await?;
        let events = messaging::order_events_subscriber(kitchen.clone())
            .serve(&broker, config())
            .await?;
        Ok(commands.and(events))
    };
    let listen = args.listen.map(|addr| {
        let config = ftgo_api::serve::rest_config(health.clone(), metrics.clone());
        (addr, rest::router(kitchen.clone(), config))
    });
    let ready = format!("kitchen service ready on {}", args.broker);
    ftgo_api::serve::consume_and_listen(&ready, serving, listen).await
}
