//! `ftgo-consumer-service --listen ADDR [--broker URL]`: serves consumers over REST (demo
//! consumers 1, 2 and 3, and `POST /consumers`); with a broker, also answers `validate_order`
//! on the consumer command channel and publishes `ConsumerCreated`. Prints a line containing
//! `ready` once it listens (and consumes); stops on SIGTERM or SIGINT. It answers
//! `/health/live`, `/health/ready` (its broker and its command consumers, with a broker) and
//! `/metrics`.

use accord::Shutdown;
use accord::health::Health;
use accord::messaging::{ServeConfig, Serving};
use accord::metrics::Metrics;
use accord::rest::server::ServerConfig;
use clap::Parser;
use ftgo_api::api::ftgo::consumer::consumer_service::{messaging, rest};
use ftgo_api::host::{self, Journal};
use ftgo_consumer_service::Consumers;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "The FTGO consumer service over REST and a message broker")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The broker: `memory:`, `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    /// Without it, only REST is served.
    #[arg(long)]
    broker: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let broker = match &args.broker {
        Some(url) => match host::connect(url).await {
            Ok(broker) => Some(broker),
            Err(code) => return code,
        },
        None => None,
    };
    let events = broker
        .clone()
        .map(ftgo_api::api::ftgo::consumer::ConsumerEventsPublisher::new);
    let consumers = Arc::new(Consumers::new(events, Journal::stdout("consumer")));
    let health = Health::new();
    if let Some(broker) = &broker {
        health.register("broker", broker.clone());
    }
    let mut serving: Option<Serving> = None;
    if let Some(broker) = &broker {
        match messaging::responder(consumers.clone())
            .serve(broker, ServeConfig::default())
            .await
        {
            Ok(commands) => {
                health.register("consumers", commands.check());
                serving = Some(commands);
            }
            Err(e) => {
                eprintln!("error: cannot consume: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let (listener, bound) = match host::listen(args.listen).await {
        Ok(listening) => listening,
        Err(code) => return code,
    };
    let config = ServerConfig {
        health,
        metrics: Some(Metrics::new()),
        ..ServerConfig::default()
    };
    let router = rest::router(consumers, config);
    println!("consumer service ready: listening on http://{bound}");
    let served = accord::rest::server::serve(listener, router, Shutdown::on_signals()).await;
    drop(serving);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
