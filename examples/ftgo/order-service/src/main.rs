//! `ftgo-order-service --listen 127.0.0.1:8080 --jwt-secret SECRET`: serves the generated REST
//! skeleton of `OrderService` over the in-memory store, with a small demo menu. Callers bring a
//! bearer token (`orders:read` to read, `orders:write` to create and cancel), verified with an
//! HS256 secret (`--jwt-secret`) or the public keys of a JWKS file (`--jwks`); without either it
//! refuses to start unless told `--insecure-no-auth`. `--jwt-audience AUD` and `--jwt-issuer ISS`
//! (each repeatable) accept only tokens minted for this service by that issuer: set both in
//! production. With `--broker URL`, every new order runs
//! the Create Order saga against the consumer, kitchen and accounting services over that broker,
//! and the order events are published there. Prints a line containing `ready` once it listens
//! (and has joined the broker). On SIGTERM or SIGINT it stops accepting, lets the calls in
//! flight finish (at most `--drain-secs`) and exits 0.
//!
//! A client has `--header-read-timeout-secs` (default 10) to send each request head and
//! `--body-read-timeout-secs` (default 10, then 16 KiB/s) for its body, and a connection idle
//! for `--idle-timeout-secs` (default 60) is closed; the rest of the
//! connection settings are `accord::Connections`' defaults (`docs/wire.md`, "Connections").
//!
//! Its REST responses carry HAL links (the service is `@hypermedia`); with `--consumer-service
//! URL` (or `dns://name:port`, or `etcd://host:port` where consumer services register with
//! `--register`), `GET /orders/{id}?expand=consumer` embeds the order's consumer, balanced over
//! the consumer service's instances. A consumer fetched in the last minute is still embedded
//! when no instance can answer (the proxy's last-good fallback), and the body says so:
//! `"_embedded_fallbacks": ["consumer"]`; one never fetched is reported under
//! `_embedded_errors` at once. `--register etcd://HOST:PORT` registers this service there.
//!
//! It answers `/health/live`, `/health/ready` (503 while its `--broker` is unreachable) and
//! `/metrics` (Prometheus text: every route's requests and durations, and gRPC's); the gRPC
//! health service follows readiness (`docs/wire.md`, "Health", "Metrics").
//!
//! Orders, the sagas' progress and the outbox live in `--db` (a SQLite file, or
//! `postgres://...`; a private in-memory database without it): order ids are never reused, a
//! restarted service answers for its earlier orders and resumes every saga it had not finished,
//! and with the broker away new orders are accepted, their `OrderCreated` waiting in the
//! outbox.

use accord::Shutdown;
use accord::auth::JwtVerifier;
use accord::call::fallback::ProxyFallback;
use accord::health::Health;
use accord::metrics::Metrics;
use accord::rest::server::ServerConfig;
use clap::Parser;
use ftgo_api::discovery;
use ftgo_api::host::{self, Journal};
use ftgo_order_service::api::ftgo::consumer::consumer_service;
use ftgo_order_service::api::ftgo::order::order_service;
use ftgo_order_service::{CreateOrderSaga, InMemoryOrders, OrderDb, demo_restaurants, durable};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "The FTGO order service over REST (its orders in a store)")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Also serve the same orders over gRPC on this address (with health and reflection).
    #[arg(long, value_name = "ADDR")]
    grpc_listen: Option<SocketAddr>,
    /// Extra delay before every answer, in milliseconds (to watch a proxy time out).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How long calls in flight may run after SIGTERM/SIGINT, in seconds.
    #[arg(long, default_value_t = 10)]
    drain_secs: u64,
    /// Verify bearer tokens (JWT, HS256) with this secret.
    #[arg(long, value_name = "SECRET", conflicts_with = "jwks")]
    jwt_secret: Option<String>,
    /// Verify bearer tokens with the public keys of this JWKS file (RS256/ES256, re-read
    /// periodically).
    #[arg(long, value_name = "FILE")]
    jwks: Option<std::path::PathBuf>,
    /// Accept only bearer tokens whose `aud` is (or contains) AUD; repeat to accept several.
    /// A token without `aud` is then refused. Set it in production (to the name tokens for
    /// this service are minted with): without it, a token the issuer minted for any other
    /// service verifies here.
    #[arg(long, value_name = "AUD")]
    jwt_audience: Vec<String>,
    /// Accept only bearer tokens whose `iss` is ISS; repeat to accept several. A token
    /// without `iss` is then refused.
    #[arg(long, value_name = "ISS")]
    jwt_issuer: Vec<String>,
    /// Serve without checking any credential: anyone may call anything (development only).
    #[arg(long, conflicts_with_all = ["jwt_secret", "jwks", "jwt_audience", "jwt_issuer"])]
    insecure_no_auth: bool,
    /// The broker of the Create Order saga and the order events: `memory:`,
    /// `nats://host:port` or `amqp://user:pass@host:port/vhost`. Without it, orders are
    /// only stored.
    #[arg(long)]
    broker: Option<String>,
    /// The consumer service: its base URL (`http://127.0.0.1:8081`, or several comma-separated),
    /// `dns://name:port` or `etcd://host:port` (its registered instances): `GET
    /// /orders/{id}?expand=consumer` embeds the order's consumer, fetched from there (balanced
    /// over the instances), and with one URL the `consumer` link points there.
    #[arg(long, value_name = "URL")]
    consumer_service: Option<String>,
    /// Where orders, saga progress and the outbox are kept: a SQLite file (`PATH` or
    /// `sqlite:PATH`) or `postgres://user:pass@host:port/db`. Without it, in memory.
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// Where this service is published, when it sits behind a gateway or a path prefix
    /// (`https://api.example.com/ftgo`): the responses' links start with it.
    #[arg(long, value_name = "URL")]
    public_base_url: Option<String>,
    /// How long a client may take to send a request head, in seconds: a connection that has
    /// sent no complete head by then is closed.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: u64,
    /// How long a connection with no call in flight stays open, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: u64,
    /// How long a request body may take before it must arrive at 16 KiB/s, in seconds; a
    /// slower one is answered 408.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    body_read_timeout_secs: u64,
    /// Registers this instance in etcd (`etcd://host:port`) under its qualified service name
    /// while it runs (a 10 s lease kept alive; withdrawn on SIGTERM/SIGINT).
    #[arg(long, value_name = "URL")]
    register: Option<String>,
    /// The URL other services reach this instance at, for `--register` (default
    /// `http://` and the listen address).
    #[arg(long, value_name = "URL", requires = "register")]
    advertise: Option<String>,
}

/// The connection settings of both servers.
fn connections(args: &Args) -> accord::Connections {
    accord::Connections {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs),
        body_read_timeout: Duration::from_secs(args.body_read_timeout_secs),
        ..accord::Connections::default()
    }
}

/// The server's settings: how tokens are verified, or none at all when asked explicitly.
fn server_config(args: &Args) -> Result<ServerConfig, String> {
    let verifier = match (&args.jwt_secret, &args.jwks) {
        (Some(secret), _) => JwtVerifier::hs256(secret.as_bytes().to_vec()),
        (None, Some(file)) => JwtVerifier::jwks_file(file.clone()),
        (None, None) if args.insecure_no_auth => {
            eprintln!("warning: --insecure-no-auth: anyone may call anything");
            return Ok(ServerConfig {
                insecure_no_auth: true,
                ..ServerConfig::default()
            });
        }
        (None, None) => {
            return Err(
                "the order service requires bearer tokens: pass --jwt-secret SECRET or \
                        --jwks FILE (or --insecure-no-auth to serve without authentication)"
                    .into(),
            );
        }
    };
    if args.jwt_audience.is_empty() {
        eprintln!(
            "warning: no --jwt-audience: tokens minted for any service are accepted \
             (set it in production)"
        );
    }
    let verifier = verifier
        .issuers(&args.jwt_issuer)
        .audiences(&args.jwt_audience)
        .build()
        .map_err(|e| format!("cannot verify tokens: {e}"))?;
    Ok(ServerConfig::default().with_authenticator(verifier))
}

/// How long a consumer fetched for `?expand=consumer` may stand in for the consumer service
/// while none of its instances answers: a consumer's name and address rarely change, and an
/// order shown with a minute-old consumer (marked as such) beats one shown without.
const CONSUMER_LAST_GOOD: Duration = Duration::from_secs(60);

/// Links and `?expand=`: where this service is published, and the consumer service (a URL,
/// `dns://name:port` or `etcd://host:port`, balanced over its instances).
async fn hypermedia(
    args: &Args,
    mut config: ServerConfig,
    metrics: &Metrics,
) -> Result<ServerConfig, String> {
    if let Some(url) = &args.public_base_url {
        config = config.with_public_base_url(url);
    }
    if let Some(spec) = &args.consumer_service {
        let service = consumer_service::rest::routes::GET_CONSUMER.op.service;
        let client = discovery::rest_client(spec, service, metrics.clone())
            .await
            .map_err(|e| format!("--consumer-service {spec}: {e}"))?;
        let proxy = consumer_service::rest::Proxy::new(client).with_fallback(
            &consumer_service::ops::GET_CONSUMER,
            ProxyFallback::last_good(CONSUMER_LAST_GOOD),
        );
        let client = consumer_service::Client::new().with_rest(proxy);
        let mut linked = order_service::rest::linked::consumer_service(client);
        // Links can point at one consumer service, not at a set of instances.
        if let Some(url) = discovery::single_url(spec) {
            linked = linked.base_url(url);
        }
        config = config.with_linked(linked);
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let (health, metrics) = (Health::new(), Metrics::new());
    let config = match server_config(&args) {
        Ok(config) => hypermedia(&args, config, &metrics).await,
        Err(e) => Err(e),
    };
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let config = ServerConfig {
        health: health.clone(),
        metrics: Some(metrics.clone()),
        ..config
    };
    let db = match ftgo_api::store::open_or_exit(args.db.as_deref(), durable::TABLES).await {
        Ok(store) => OrderDb::new(store),
        Err(code) => return code,
    };
    let mut store = InMemoryOrders::new(demo_restaurants())
        .with_latency(Duration::from_millis(args.latency_ms));
    let mut _relay = None;
    if let Some(url) = &args.broker {
        let broker = match host::connect(url).await {
            Ok(broker) => broker,
            Err(code) => return code,
        };
        // Not ready while the saga's broker is away: new orders could not start their saga.
        health.register("broker", broker.clone());
        _relay = Some(ftgo_api::store::relay(
            db.store(),
            &broker,
            "ftgo-order-service",
            &metrics,
        ));
        let journal = Journal::stdout("order saga");
        match CreateOrderSaga::connect(&broker, accord::ProxyConfig::default(), journal).await {
            Ok(saga) => store = store.with_saga(saga),
            Err(e) => {
                eprintln!("error: cannot reach the saga's participants: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let store = match store.with_db(db).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: cannot read the orders back: {e}");
            return ExitCode::FAILURE;
        }
    };
    match store.resume_sagas().await {
        Ok(0) => {}
        Ok(n) => println!("order service: resuming {n} unfinished sagas"),
        Err(e) => {
            eprintln!("error: cannot resume the sagas: {e}");
            return ExitCode::FAILURE;
        }
    }
    // One store behind both transports: an order created over one is visible over the other.
    let store = std::sync::Arc::new(store);
    let grpc = match args.grpc_listen {
        Some(addr) => match serve_grpc(addr, store.clone(), &config, &args).await {
            Ok(task) => Some(task),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let router = order_service::rest::router(store, config);
    // The bound address, so `--listen 127.0.0.1:0` tells which port it got.
    let (listener, bound) = match host::listen(args.listen).await {
        Ok(listening) => listening,
        Err(code) => return code,
    };
    let registration = match &args.register {
        Some(registry) => {
            let service = order_service::rest::routes::GET_ORDER.op.service;
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
    println!("order service ready: listening on http://{bound}");
    let shutdown =
        discovery::withdrawn_on_signals(registration).drain(Duration::from_secs(args.drain_secs));
    let served =
        accord::rest::server::serve_with(listener, router, shutdown, connections(&args)).await;
    let grpc_served = match grpc {
        Some(task) => task.await.unwrap_or(Ok(())),
        None => Ok(()),
    };
    if let Err(e) = grpc_served {
        eprintln!("error: gRPC: {e}");
    }
    match served {
        Ok(()) => {
            println!("order service stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts serving gRPC on `addr` (until SIGTERM/SIGINT, like REST).
async fn serve_grpc(
    addr: SocketAddr,
    store: std::sync::Arc<InMemoryOrders>,
    config: &ServerConfig,
    args: &Args,
) -> Result<tokio::task::JoinHandle<Result<(), String>>, String> {
    let grpc_config = ftgo_order_service::grpc::config_like(config);
    let routes = ftgo_order_service::grpc::routes(store, grpc_config, &config.health)
        .await
        .map_err(|e| format!("gRPC reflection: {e}"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().unwrap_or(addr);
    println!("order service gRPC listening on http://{bound}");
    let shutdown = Shutdown::on_signals().drain(Duration::from_secs(args.drain_secs));
    let connections = connections(args);
    Ok(tokio::spawn(async move {
        accord::grpc::server::serve_with(listener, routes, shutdown, &connections)
            .await
            .map_err(|e| e.to_string())
    }))
}
