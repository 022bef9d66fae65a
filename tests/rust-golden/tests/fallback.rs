//! A generated proxy's per-operation fallback, over REST and gRPC on loopback: a live service
//! answers `Served::Live` and its declared errors pass through; once the service is killed a
//! request seen before is answered by its last good reply, marked `Served::Fallback`, until the
//! bound passes; a request never seen fails as the call did; a fixed value answers any request,
//! and a value of the wrong type is an error naming both types. Every wait is bounded.

mod common;

use accord::call::fallback::{ProxyFallback, Served, served};
use accord::{CallError, Code, Request};
use accord_rust_golden::stress_api::stress::everything::everything::{
    self, GetThingError, grpc, rest,
};
use accord_rust_golden::stress_api::stress::everything::*;
use common::{Killable, thing};
use std::future::Future;
use std::time::Duration;

/// How long a last good reply answers in these tests.
const BOUND: Duration = Duration::from_millis(800);

fn get(id: uuid::Uuid) -> Request<GetThing> {
    Request::new(GetThing { id })
}

/// Within a bound, so that a hung call fails the test instead of hanging it.
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the call finished within 10 s")
}

/// Whether `error` is a failure of the call itself: the service could not answer.
fn unavailable(error: &GetThingError) -> bool {
    match error {
        GetThingError::Call(CallError::Connect(_)) => true,
        GetThingError::Call(CallError::Status(status)) => status.code == Code::Unavailable,
        _ => false,
    }
}

/// The last-good fallback's whole life on `proxy`, whose service `server` is.
async fn last_good_answers_a_dead_service(proxy: impl Everything, server: Killable) {
    let (seen, unseen) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
    let live = bounded(served(proxy.get_thing(get(seen)))).await;
    assert_eq!(live, Ok(Served::Live(thing(seen))));
    let nil = uuid::Uuid::nil();
    let declared = bounded(served(proxy.get_thing(get(nil)))).await;
    assert_eq!(
        declared,
        Err(GetThingError::NotFound(NotFound { id: nil })),
        "a declared error is an answer: it passes through"
    );

    server.kill().await;
    let fallback = bounded(served(proxy.get_thing(get(seen)))).await;
    assert_eq!(fallback, Ok(Served::Fallback(thing(seen))));
    let never = bounded(served(proxy.get_thing(get(unseen)))).await;
    assert!(
        matches!(&never, Err(e) if unavailable(e)),
        "no reply to fall back on: {never:?}"
    );
    // Without `served` the fallback answers all the same.
    let plain = bounded(proxy.get_thing(get(seen))).await;
    assert_eq!(plain, Ok(thing(seen)));

    tokio::time::sleep(BOUND + Duration::from_millis(100)).await;
    let expired = bounded(served(proxy.get_thing(get(seen)))).await;
    assert!(
        matches!(&expired, Err(e) if unavailable(e)),
        "past its bound the last good reply is not used: {expired:?}"
    );
}

/// A fixed value answers any request to a dead service, and a value of another type fails.
async fn a_value_answers_a_dead_service<P: Everything>(value: P, wrong: P) {
    let fixed = thing(uuid::Uuid::from_u128(7));
    let anything = bounded(served(value.get_thing(get(uuid::Uuid::from_u128(3))))).await;
    assert_eq!(anything, Ok(Served::Fallback(fixed)));
    let refused = bounded(served(wrong.get_thing(get(uuid::Uuid::from_u128(3))))).await;
    let Err(GetThingError::Call(CallError::Internal(why))) = &refused else {
        panic!("a value of the wrong type is an error: {refused:?}");
    };
    assert!(why.contains("Thing") && why.contains("u8"), "{why}");
}

fn last_good() -> ProxyFallback {
    ProxyFallback::last_good(BOUND)
}

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[tokio::test]
async fn a_rest_proxy_falls_back_to_the_last_good_reply_while_it_is_fresh() {
    let server = Killable::rest();
    let proxy = rest::Proxy::connect(&server.url)
        .unwrap()
        .with_fallback(&everything::ops::GET_THING, last_good());
    last_good_answers_a_dead_service(proxy, server).await;
}

#[tokio::test]
async fn a_grpc_proxy_falls_back_to_the_last_good_reply_while_it_is_fresh() {
    let server = Killable::grpc();
    let proxy = grpc::Proxy::connect(&server.url)
        .unwrap()
        .with_fallback(&everything::ops::GET_THING, last_good());
    last_good_answers_a_dead_service(proxy, server).await;
}

#[tokio::test]
async fn a_fixed_value_answers_for_a_dead_service_over_rest_and_grpc() {
    let url = dead_url();
    let fixed = || ProxyFallback::value(thing(uuid::Uuid::from_u128(7)));
    let op = &everything::ops::GET_THING;
    let rest = |fallback| {
        rest::Proxy::connect(&url)
            .unwrap()
            .with_fallback(op, fallback)
    };
    a_value_answers_a_dead_service(rest(fixed()), rest(ProxyFallback::value(7u8))).await;
    let grpc = |fallback| {
        grpc::Proxy::connect(&url)
            .unwrap()
            .with_fallback(op, fallback)
    };
    a_value_answers_a_dead_service(grpc(fixed()), grpc(ProxyFallback::value(7u8))).await;
}

#[tokio::test]
async fn another_operation_has_no_fallback() {
    let proxy = rest::Proxy::connect(dead_url())
        .unwrap()
        .with_fallback(&everything::ops::GET_THING, ProxyFallback::value(7u8));
    let listed = bounded(proxy.ping(Request::new(()))).await;
    assert!(matches!(listed, Err(CallError::Connect(_))), "{listed:?}");
}

#[tokio::test]
async fn each_fallback_answer_is_counted_by_operation() {
    let metrics = accord::metrics::Metrics::new();
    let config = accord::ProxyConfig {
        metrics: Some(metrics.clone()),
        ..accord::ProxyConfig::default()
    };
    let mut builder = accord::rest::client::RestClient::builder(dead_url());
    builder.config(config);
    let fixed = ProxyFallback::value(thing(uuid::Uuid::from_u128(7)));
    let proxy = rest::Proxy::new(builder.build().unwrap())
        .with_fallback(&everything::ops::GET_THING, fixed);
    for n in 0..3 {
        let answer = bounded(proxy.get_thing(get(uuid::Uuid::from_u128(n)))).await;
        assert!(answer.is_ok(), "{answer:?}");
    }
    let text = metrics.encode();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    let counted: Vec<_> = exposition.families["accord_fallbacks"]
        .iter_samples()
        .map(|sample| {
            let labels = sample.get_labelset().unwrap();
            let label = |name| labels.get_label_value(name).unwrap().to_owned();
            let count = match &sample.value {
                openmetrics_parser::OpenMetricsValue::Counter(c) => c.value.as_f64(),
                other => panic!("{other:?}"),
            };
            (label("service"), label("operation"), count)
        })
        .collect();
    let expected = (
        "stress.everything.Everything".into(),
        "get_thing".into(),
        3.0,
    );
    assert_eq!(counted, [expected]);
}
