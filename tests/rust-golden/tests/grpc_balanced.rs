//! A generated gRPC proxy over several instances on loopback (real tonic servers): an
//! idempotent call that meets `UNAVAILABLE` is tried again on the other instance (backoff,
//! deadline and retry budget as over REST, counted in `accord_retries_total`), a call that is
//! not idempotent is not; a connection that cannot be opened goes to the other instance for any
//! operation, nothing having been sent. Every wait is bounded.

mod common;

use accord::call::balanced::BalanceConfig;
use accord::grpc::client::GrpcClient;
use accord::metrics::Metrics;
use accord::{CallError, Code, ProxyConfig, Request, Shutdown};
use accord_rust_golden::stress_api::stress::everything::everything::grpc;
use accord_rust_golden::stress_api::stress::everything::*;
use common::{Killable, thing};
use openmetrics_parser::{OpenMetricsValue, openmetrics::parse_openmetrics};
use std::future::{Future, IntoFuture as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A gRPC server that answers every call `UNAVAILABLE` (trailers only, as an overloaded
/// server or a draining proxy does), counting them.
fn unavailable() -> (Killable, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counted = hits.clone();
    let server = Killable::start(move |listener, _: Shutdown| async move {
        let answer = move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                [
                    ("content-type", "application/grpc"),
                    ("grpc-status", "14"),
                    ("grpc-message", "busy"),
                ]
            }
        };
        let router = accord::__private::axum::Router::new().fallback(answer);
        let _ = accord::__private::axum::serve(listener, router)
            .into_future()
            .await;
    });
    (server, hits)
}

/// An instance that takes the HTTP/2 connection and the request's first bytes, then closes the
/// connection unanswered, as a server that dies while handling the call; counts the calls it
/// swallowed.
fn swallowing() -> (Killable, Arc<AtomicU32>) {
    use tokio::io::AsyncReadExt as _;
    let taken = Arc::new(AtomicU32::new(0));
    let counted = taken.clone();
    let server = Killable::start(move |listener, _: Shutdown| async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            // The client's preface (24 bytes) and SETTINGS, then its request's HEADERS: more
            // than the preface arriving means a call was sent.
            let mut buffer = [0u8; 4096];
            let mut read = 0;
            while let Ok(n @ 1..) = socket.read(&mut buffer).await {
                read += n;
                if read > 100 {
                    counted.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
        }
    });
    (server, taken)
}

/// A balanced proxy over `urls`, with `metrics`.
async fn proxy(urls: &[&str], metrics: &Metrics) -> grpc::Proxy {
    let mut builder = GrpcClient::builder(urls.join(","));
    builder
        .service("stress.everything.Everything")
        .balance(BalanceConfig::default())
        .config(ProxyConfig {
            metrics: Some(metrics.clone()),
            ..ProxyConfig::default()
        });
    grpc::Proxy::new(builder.discover().await.unwrap())
}

async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the call finished within 10 s")
}

fn retries(metrics: &Metrics) -> f64 {
    let text = metrics.encode();
    let exposition = parse_openmetrics(&text).unwrap();
    let Some(family) = exposition.families.get("accord_retries") else {
        return 0.0;
    };
    family
        .iter_samples()
        .map(|sample| match &sample.value {
            OpenMetricsValue::Counter(c) => c.value.as_f64(),
            other => panic!("{other:?}"),
        })
        .sum()
}

#[tokio::test]
async fn an_idempotent_call_is_retried_after_unavailable_and_one_that_is_not_is_not() {
    let good = Killable::grpc();
    let (busy, hits) = unavailable();
    let metrics = Metrics::new();
    let proxy = proxy(&[&busy.url, &good.url], &metrics).await;
    for n in 0..10u128 {
        let id = uuid::Uuid::from_u128(n + 1);
        let got = bounded(proxy.get_thing(Request::new(GetThing { id }))).await;
        assert_eq!(got, Ok(thing(id)), "retried on the other instance");
    }
    let busy_hits = hits.load(Ordering::SeqCst);
    assert!(busy_hits >= 1, "round robin reached the busy instance");
    assert_eq!(
        retries(&metrics),
        f64::from(busy_hits),
        "one retry per UNAVAILABLE"
    );

    // Not idempotent: the UNAVAILABLE is the caller's (a fresh proxy, so that round robin
    // reaches the busy instance again before its breaker ejects it).
    let metrics = Metrics::new();
    let proxy = self::proxy(&[&busy.url, &good.url], &metrics).await;
    let before = hits.load(Ordering::SeqCst);
    let mut failed = 0;
    for _ in 0..2 {
        match bounded(proxy.ping(Request::new(()))).await {
            Ok(()) => {}
            Err(CallError::Status(status)) if status.code == Code::Unavailable => failed += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(hits.load(Ordering::SeqCst) - before, 1, "one call each");
    assert_eq!(failed, 1, "the busy instance's answer, not retried");
    assert_eq!(retries(&metrics), 0.0);
    busy.kill().await;
    good.kill().await;
}

#[tokio::test]
async fn a_refused_connection_goes_to_another_instance_for_any_operation() {
    let good = Killable::grpc();
    let dead = Killable::grpc();
    let dead_url = dead.url.clone();
    dead.kill().await;
    let metrics = Metrics::new();
    let proxy = proxy(&[&dead_url, &good.url], &metrics).await;
    for _ in 0..6 {
        // `ping` is not idempotent: safe to send elsewhere only because nothing was sent.
        assert_eq!(bounded(proxy.ping(Request::new(()))).await, Ok(()));
    }
    assert!(retries(&metrics) >= 1.0, "the dead instance was tried");
    good.kill().await;
}

#[tokio::test]
async fn a_call_whose_connection_closes_unanswered_is_sent_again_only_if_idempotent() {
    let good = Killable::grpc();
    let (swallower, taken) = swallowing();
    let metrics = Metrics::new();
    let proxy = proxy(&[&swallower.url, &good.url], &metrics).await;
    for n in 0..6u128 {
        let id = uuid::Uuid::from_u128(n + 1);
        let got = bounded(proxy.get_thing(Request::new(GetThing { id }))).await;
        assert_eq!(got, Ok(thing(id)), "sent again to the other instance");
    }
    assert!(
        taken.load(Ordering::SeqCst) >= 1,
        "the swallowing instance took a call"
    );
    // Not idempotent (a fresh proxy, so that round robin reaches the swallowing instance again
    // before its breaker ejects it).
    let proxy = self::proxy(&[&swallower.url, &good.url], &metrics).await;
    let before = taken.load(Ordering::SeqCst);
    let mut lost = 0;
    for _ in 0..6 {
        match bounded(proxy.ping(Request::new(()))).await {
            Ok(()) => {}
            Err(CallError::Connect(_)) => lost += 1,
            Err(other) => panic!("a lost connection is a connection error: {other:?}"),
        }
    }
    assert!(lost >= 1, "round robin reached the swallowing instance");
    assert_eq!(
        taken.load(Ordering::SeqCst) - before,
        lost,
        "a ping that may have been taken is not sent again"
    );
    swallower.kill().await;
    good.kill().await;
}
