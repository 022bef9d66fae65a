//! `ftgo-consumer-service --listen ADDR [--broker URL]`: serves consumers over REST (demo
//! consumers 1, 2 and 3, and `POST /consumers`); with a broker, also answers `validate_order`
//! on the consumer command channel and publishes `ConsumerCreated`. Prints a line containing
//! `ready` once it listens (and consumes); stops on SIGTERM or SIGINT. It answers
//! `/health/live`, `/health/ready` (its broker and its command consumers, with a broker) and
//! `/metrics`. Consumers live in `--db` (a SQLite file, or `postgres://...`; in memory without
//! it), `ConsumerCreated` leaves through the outbox, and it follows the order events.
//! With `--register etcd://HOST:PORT` it registers itself there (at `--advertise
//! URL`, default its listen address) while it runs (not ready while etcd does not hold it), so that `ftgo-order-service
//! --consumer-service etcd://HOST:PORT` finds it.

use accord::health::Health;
use accord::messaging::{ServeConfig, Serving};
use accord::metrics::Metrics;
use accord::rest::server::ServerConfig;
use clap::Parser;
use ftgo_api::api::ftgo::consumer::consumer_service::{messaging, rest};
use ftgo_api::discovery;
use ftgo_api::host::{self, Journal};
use ftgo_consumer_service::{Consumers, TABLES};
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
    /// Where the consumers (and the outbox) are kept: a SQLite file (`PATH` or `sqlite:PATH`)
    /// or `postgres://user:pass@host:port/db`. Without it, in memory.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// Registers this instance in etcd (`etcd://host:port`) under its qualified service name
    /// while it runs (a 10 s lease kept alive; withdrawn on SIGTERM/SIGINT).
    #[arg(long, value_name = "URL")]
    register: Option<String>,
    /// The URL other services reach this instance at, for `--register` (default
    /// `http://` and the listen address).
    #[arg(long, value_name = "URL", requires = "register")]
    advertise: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let store = match ftgo_api::store::open_or_exit(args.db.as_deref(), TABLES).await {
        Ok(store) => store,
        Err(code) => return code,
    };
    let broker = match &args.broker {
        Some(url) => match host::connect(url).await {
            Ok(broker) => Some(broker),
            Err(code) => return code,
        },
        None => None,
    };
    // One registry: the consumers' processing and dead letters, the relay's, the REST routes.
    let metrics = Metrics::new();
    let config = || ServeConfig {
        metrics: Some(metrics.clone()),
        ..ServeConfig::default()
    };
    let journal = Journal::stdout("consumer");
    let consumers = Arc::new(Consumers::new(store.clone(), broker.is_some(), journal));
    let _relay = broker
        .as_ref()
        .map(|b| ftgo_api::store::relay(&store, b, "ftgo-consumer-service", &metrics));
    let health = Health::new();
    if let Some(broker) = &broker {
        health.register("broker", broker.clone());
    }
    let mut serving: Option<Serving> = None;
    if let Some(broker) = &broker {
        let subscribed = async {
            let commands = messaging::responder(consumers.clone())
                .serve(broker, config())
                .await?;
            health.register("consumers", commands.check());
            let events = messaging::order_events_subscriber(consumers.clone())
                .serve(broker, config())
                .await?;
            Ok::<_, accord::messaging::BrokerError>(commands.and(events))
        };
        match subscribed.await {
            Ok(both) => serving = Some(both),
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
        health: health.clone(),
        metrics: Some(metrics.clone()),
        ..ServerConfig::default()
    };
    let router = rest::router(consumers, config);
    let registration = match &args.register {
        Some(registry) => {
            let service = rest::routes::GET_CONSUMER.op.service;
            let advertise = args.advertise.as_deref();
            let version = env!("CARGO_PKG_VERSION");
            match discovery::register(registry, advertise, bound, service, version).await {
                Ok(registration) => {
                    // Ready while the registry holds this instance (new callers find it).
                    health.register("registry", registration.check());
                    Some(registration)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    println!("consumer service ready: listening on http://{bound}");
    let shutdown = discovery::withdrawn_on_signals(registration);
    let served = accord::rest::server::serve(listener, router, shutdown).await;
    drop(serving);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
