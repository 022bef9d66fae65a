//! `ftgo-order-service --listen 127.0.0.1:8080`: serves the generated REST skeleton of
//! `OrderService` over the in-memory store, with a small demo menu. On SIGTERM or SIGINT it
//! stops accepting, lets the calls in flight finish (at most `--drain-secs`) and exits 0.

use accord::Shutdown;
use clap::Parser;
use ftgo_order_service::api::ftgo::order::order_service;
use ftgo_order_service::{InMemoryOrders, demo_restaurants};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "The FTGO order service over REST (in-memory store)")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Extra delay before every answer, in milliseconds (to watch a proxy time out).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How long calls in flight may run after SIGTERM/SIGINT, in seconds.
    #[arg(long, default_value_t = 10)]
    drain_secs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let store = InMemoryOrders::new(demo_restaurants())
        .with_latency(Duration::from_millis(args.latency_ms));
    let router = order_service::rest::router(store, Default::default());
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    // The bound address, so `--listen 127.0.0.1:0` tells which port it got.
    let bound = listener.local_addr().unwrap_or(args.listen);
    println!("order service listening on http://{bound}");
    let shutdown = Shutdown::on_signals().drain(Duration::from_secs(args.drain_secs));
    match accord::rest::server::serve(listener, router, shutdown).await {
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
