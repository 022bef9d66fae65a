//! The FTGO discovery scenario across processes with a real etcd (started by the test on
//! private ports): two `ftgo-consumer-service` instances register themselves
//! (`--register etcd://…`), `ftgo-order-service --consumer-service etcd://…` expands
//! `?expand=consumer` through them, balanced across both; one is killed with SIGKILL and
//! expansions keep succeeding while its key expires (the time until callers stop trying it, and
//! the errors they saw meanwhile, are printed); both killed, the order is still served at once,
//! not after a timeout per request: with the consumer last seen a moment ago (the order
//! service's last-good fallback, marked `_embedded_fallbacks`), or with its relation failed for
//! a consumer never seen.

mod support;

#[path = "../../../../runtime/tests/etcd/mod.rs"]
mod etcd;

use openmetrics_parser::{OpenMetricsValue, openmetrics::parse_openmetrics};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::Service;

/// The `http://…` URL a binary's ready line names.
fn url_in(service: &Service) -> String {
    let lines = service.said();
    let line = lines.iter().find(|l| l.contains("ready")).unwrap();
    let start = line.find("http://").expect("a URL in the ready line");
    line[start..].split_whitespace().next().unwrap().to_owned()
}

async fn consumer_instance(etcd: &str) -> (Service, String) {
    let args = ["--listen", "127.0.0.1:0", "--register", etcd];
    let service = Service::start("ftgo-consumer-service", &args).await;
    let url = url_in(&service);
    (service, url)
}

/// The requests `GET /consumers/{consumer_id}` an instance served, from its `/metrics`.
async fn consumer_gets(http: &reqwest::Client, base: &str) -> u64 {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exposition = parse_openmetrics(&text).unwrap();
    let Some(family) = exposition
        .families
        .get("http_server_request_duration_seconds")
    else {
        return 0;
    };
    family
        .iter_samples()
        .filter(|s| {
            let labels = s.get_labelset().unwrap();
            labels.get_label_value("http_route") == Some("/consumers/{consumer_id}")
        })
        .map(|s| match &s.value {
            OpenMetricsValue::Histogram(h) => h.count.unwrap_or(0),
            other => panic!("{other:?}"),
        })
        .sum()
}

/// The order service's view of one consumer instance's breaker (`accord_breaker_state`).
async fn breaker_of(http: &reqwest::Client, orders: &str, instance: &str) -> Option<f64> {
    let text = http
        .get(format!("{orders}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let exposition = parse_openmetrics(&text).unwrap();
    let family = exposition.families.get("accord_breaker_state")?;
    family.iter_samples().find_map(|s| {
        let labels = s.get_labelset().unwrap();
        if labels.get_label_value("instance") != Some(instance) {
            return None;
        }
        match &s.value {
            OpenMetricsValue::Gauge(g) => Some(g.as_f64()),
            other => panic!("{other:?}"),
        }
    })
}

/// What `GET /orders/{id}?expand=consumer` embedded.
#[derive(Debug, PartialEq)]
enum Consumer {
    /// The consumer service's own answer.
    Live,
    /// The order service's last good reply, marked `_embedded_fallbacks`.
    Fallback,
    /// Nothing: the relation failed (`_embedded_errors`).
    Failed,
}

/// `GET /orders/{id}?expand=consumer`: what was embedded, and how long it took.
async fn expand(http: &reqwest::Client, orders: &str, id: i64) -> (Consumer, Duration) {
    let started = Instant::now();
    let response = http
        .get(format!("{orders}/orders/{id}?expand=consumer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the order itself is always served");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["order_id"], id);
    let embedded = &body["_embedded"]["consumer"]["consumer_id"];
    let fallbacks = &body["_embedded_fallbacks"];
    let got = if embedded.is_null() {
        assert!(fallbacks.is_null(), "{body}");
        assert!(body["_embedded_errors"]["consumer"].is_object(), "{body}");
        Consumer::Failed
    } else {
        assert_eq!(embedded, &body["consumer_id"], "{body}");
        match fallbacks.as_array() {
            None => Consumer::Live,
            Some(rels) => {
                assert_eq!(rels, &[Value::from("consumer")], "{body}");
                Consumer::Fallback
            }
        }
    };
    (got, started.elapsed())
}

/// Creates an order of `consumer_id`, its id.
async fn order_of(http: &reqwest::Client, orders: &str, consumer_id: i64) -> i64 {
    let created: Value = http
        .post(format!("{orders}/orders"))
        .json(&serde_json::json!({
            "restaurant_id": 1,
            "consumer_id": consumer_id,
            "line_items": [{"menu_item_id": "pad-thai", "quantity": 1}],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["order_id"].as_i64().expect("an order id")
}

#[tokio::test]
async fn expansions_are_balanced_survive_a_killed_instance_and_fail_fast_without_any() {
    let Some(etcd) = etcd::Etcd::start() else {
        return;
    };
    let registry = etcd.url();
    let (mut first, first_url) = consumer_instance(&registry).await;
    let (mut second, second_url) = consumer_instance(&registry).await;
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--insecure-no-auth",
        "--consumer-service",
        &registry,
    ];
    let order_service = Service::start("ftgo-order-service", &args).await;
    let orders = url_in(&order_service);
    let http = reqwest::Client::new();
    // Each instance is ready while etcd holds its registration.
    let ready: Value = http
        .get(format!("{first_url}/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["registry"]["status"], "up", "{ready}");
    let id = order_of(&http, &orders, 2).await;
    // An order whose consumer is never expanded before every instance dies.
    let unseen = order_of(&http, &orders, 3).await;

    // Balanced across both.
    for _ in 0..20 {
        assert_eq!(expand(&http, &orders, id).await.0, Consumer::Live);
    }
    let (a, b) = (
        consumer_gets(&http, &first_url).await,
        consumer_gets(&http, &second_url).await,
    );
    assert_eq!(a + b, 20);
    assert!(a >= 5 && b >= 5, "both instances serve: {a} and {b}");

    // One killed: expansions go on while its key expires (10 s lease).
    first.kill().await;
    let killed = Instant::now();
    let (mut calls, mut failed, mut ejected_after, mut key_gone_after) = (0u32, 0u32, None, None);
    let prefix = "/accord/services/ftgo.consumer.ConsumerService/";
    while key_gone_after.is_none() || killed.elapsed() < Duration::from_secs(3) {
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "the killed instance's key stays"
        );
        let (embedded, _) = expand(&http, &orders, id).await;
        calls += 1;
        failed += u32::from(embedded != Consumer::Live);
        if ejected_after.is_none() && breaker_of(&http, &orders, &first_url).await != Some(0.0) {
            ejected_after = Some(killed.elapsed());
        }
        if key_gone_after.is_none() && etcd.range_json(prefix).matches("\"key\"").count() == 1 {
            key_gone_after = Some(killed.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ejected_after = ejected_after.expect("the killed instance was ejected");
    let key_gone_after = key_gone_after.unwrap();
    eprintln!(
        "killed instance: ejected by the caller {ejected_after:?} after SIGKILL; {failed} of \
         {calls} expansions failed meanwhile ({:.2}%); its key expired {key_gone_after:?} after SIGKILL (lease 10 s)",
        100.0 * f64::from(failed) / f64::from(calls)
    );
    assert_eq!(failed, 0, "a refused connection goes to the other instance");
    assert!(ejected_after < Duration::from_secs(2), "{ejected_after:?}");
    assert!(
        key_gone_after <= Duration::from_secs(15),
        "{key_gone_after:?}"
    );

    // Both killed: the order at once, its consumer the last one seen (marked), or its relation
    // failed for a consumer never seen.
    second.kill().await;
    for _ in 0..5 {
        let (embedded, took) = expand(&http, &orders, id).await;
        assert_eq!(embedded, Consumer::Fallback);
        assert!(
            took < Duration::from_millis(500),
            "served quickly: {took:?}"
        );
        let (embedded, took) = expand(&http, &orders, unseen).await;
        assert_eq!(embedded, Consumer::Failed);
        assert!(
            took < Duration::from_millis(500),
            "served quickly: {took:?}"
        );
    }
}
