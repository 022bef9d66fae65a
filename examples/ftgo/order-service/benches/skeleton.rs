//! The generated skeleton beside the hand-written axum handler of the REST bench, both called
//! in process (no sockets): each request goes straight into the `Router` as a `tower` service
//! and its body is read to the end. What is left is the glue of each side (extraction, context,
//! decoding, the handler, the JSON reply), which the loopback bench measures only together with
//! hyper, the kernel and the client.
//!
//! `cargo bench -p ftgo-order-service --bench skeleton` prints ns per request of each side
//! (`ACCORD_BENCH_REQUESTS` requests each, default 200000). Under
//! `valgrind --tool=callgrind` (`ACCORD_BENCH_REQUESTS=20000`), the instruction counts of the
//! two loops are the steady numbers to compare before and after a change to the skeleton:
//! `ACCORD_BENCH_ONLY=0` runs the generated side alone, `1` the hand-written one.

mod common;
mod tracing_off;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{hand_written_router, seed, store};
use ftgo_order_service::api::ftgo::order::order_service::rest;
use http_body_util::BodyExt as _;
use std::time::Instant;
use tower::ServiceExt as _;

/// The generated proxy's `traceparent` (sent to both: the hand-written handler ignores it).
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// `GET /orders/{id}` with the headers the generated proxy sends, `requests` times; returns ns
/// per request.
async fn drive(router: axum::Router, id: i64, requests: u64) -> f64 {
    let uri = format!("/orders/{id}");
    let started = Instant::now();
    for _ in 0..requests {
        let request = Request::get(&uri)
            .header("accept", "application/json")
            .header("traceparent", TRACEPARENT)
            .body(Body::empty())
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.expect("body");
        assert!(!body.to_bytes().is_empty());
    }
    started.elapsed().as_nanos() as f64 / requests as f64
}

fn main() {
    tracing_off::install();
    let requests = std::env::var("ACCORD_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let generated_store = store();
        let id = seed(&generated_store).await.order_id;
        let generated = rest::router(generated_store, insecure());
        let hand_store = store();
        assert_eq!(
            seed(&hand_store).await.order_id,
            id,
            "both stores hold the same order"
        );
        let hand = hand_written_router(hand_store);
        println!("GET /orders/{{id}} in process, {requests} requests per side");
        // Alternating rounds, so that a change in the machine's load hits both sides alike.
        let only = std::env::var("ACCORD_BENCH_ONLY").ok();
        let run = |n: &str| only.as_deref().is_none_or(|o| o == n);
        let (mut generated_ns, mut hand_ns) = (0.0, 0.0);
        for _ in 0..4 {
            if run("0") {
                generated_ns += drive(generated.clone(), id, requests / 4).await / 4.0;
            }
            if run("1") {
                hand_ns += drive(hand.clone(), id, requests / 4).await / 4.0;
            }
        }
        println!("generated skeleton   {generated_ns:>8.0} ns/request");
        println!("hand-written handler {hand_ns:>8.0} ns/request");
        println!("ratio hand/generated: {:.3}", hand_ns / generated_ns);
    });
}

/// The generated skeleton without its `@auth` check: the hand-written side checks no token
/// either, so the comparison stays like for like (JWT verification has its own bench:
/// `cargo bench -p accord-runtime --bench auth`).
fn insecure() -> accord::rest::server::ServerConfig {
    accord::rest::server::ServerConfig {
        insecure_no_auth: true,
        ..Default::default()
    }
}
