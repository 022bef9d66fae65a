//! `ftgo-accounting-service --broker URL [--decline-over AMOUNT] [--db PATH|URL] [--listen ADDR]`:
//! answers `authorize_card`, `disable_account` and `void_authorization` on the accounting
//! command channel, and follows the order events (a cancelled order's authorisation is voided).
//! Its authorisations live in `--db` (a SQLite file, or `postgres://...`; in memory without it).
//! With `--listen`, it also serves its REST operations, `GET /authorizations?order_id=N` among
//! them (and `/health/*`, `/metrics`). Prints a line containing `ready` once it consumes (and
//! listens); stops on SIGTERM or SIGINT.

use accord::health::Health;
use accord::metrics::Metrics;
use clap::Parser;
use ftgo_accounting_service::{Accounting, TABLES};
use ftgo_api::api::ftgo::accounting::accounting_service::{messaging, rest};
use ftgo_api::host::{self, Journal};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "The FTGO accounting service over a message broker")]
struct Args {
    /// The broker: `memory:`, `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    #[arg(long)]
    broker: String,
    /// Decline orders whose total, in minor units, exceeds this amount.
    #[arg(long, value_name = "AMOUNT")]
    decline_over: Option<i64>,
    /// Where the authorisations are kept: a SQLite file (`PATH` or `sqlite:PATH`) or
    /// `postgres://user:pass@host:port/db`. Without it, in memory.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// Also serve over REST on this address (`GET /authorizations?order_id=N`, the accounts).
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
    let journal = Journal::stdout("accounting");
    let accounting = Arc::new(Accounting::new(store.clone(), args.decline_over, journal));
    // One registry: the consumers' processing and dead letters beside the REST routes.
    let metrics = Metrics::new();
    let config = || ftgo_api::serve::idempotent(&store, &metrics);
    let health = Health::new();
    health.register("broker", broker.clone());
    let serving = async {
        let commands = messaging::responder(accounting.clone())
            .serve(&broker, config())
            .await?;
        let events = messaging::order_events_subscriber(accounting.clone())
            .serve(&broker, config())
            .await?;
        Ok(commands.and(events))
    };
    let listen = args.listen.map(|addr| {
        let config = ftgo_api::serve::rest_config(health.clone(), metrics.clone());
        (addr, rest::router(accounting.clone(), config))
    });
    let ready = format!("accounting service ready on {}", args.broker);
    ftgo_api::serve::consume_and_listen(&ready, serving, listen).await
}
