//! The REST bench compares like with like (issue 31): each hand-written handler of
//! `benches/common` answers exactly the bytes the generated skeleton sends, the HAL resource
//! `GET /orders/{id}` with its `_links` and the plain `GET /consumers/{id}`.

#[path = "../benches/common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{CONSUMER_ID, Consumers, hand_written_consumers, hand_written_router, seed, store};
use ftgo_order_service::api::ftgo::consumer::consumer_service;
use ftgo_order_service::api::ftgo::order::order_service::rest;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// The body `router` answers to `GET uri` (which must succeed), and its content type.
async fn get(router: axum::Router, uri: &str) -> (String, String) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (String::from_utf8(body.to_vec()).unwrap(), content_type)
}

/// `body` with the text of its `placed_at` member blanked.
fn placed_at_blanked(body: &str) -> String {
    let key = r#""placed_at":""#;
    let start = body.find(key).expect("placed_at") + key.len();
    let end = start + body[start..].find('"').expect("end of placed_at");
    format!("{}{}", &body[..start], &body[end..])
}

/// Without `@auth`, as the bench serves both sides.
fn insecure() -> accord::rest::server::ServerConfig {
    accord::rest::server::ServerConfig {
        insecure_no_auth: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_hal_resource_is_byte_for_byte_the_generated_one() {
    let (generated_store, hand_store) = (store(), store());
    let id = seed(&generated_store).await.order_id;
    assert_eq!(seed(&hand_store).await.order_id, id);
    let uri = format!("/orders/{id}");
    let generated = get(rest::router(generated_store, insecure()), &uri).await;
    let hand = get(hand_written_router(hand_store), &uri).await;
    // The two stores were seeded a moment apart: only `placed_at` may differ.
    assert_eq!(
        (placed_at_blanked(&hand.0), &hand.1),
        (placed_at_blanked(&generated.0), &generated.1)
    );
    // The links are there, and the body is the order's, not a placeholder.
    let expected = format!(
        r#""_links":{{"self":{{"href":"/orders/{id}","method":"GET"}},"cancel_order":{{"href":"/orders/{id}/cancel","method":"POST"}},"consumer":{{"href":"/consumers/7","method":"GET"}}}}}}"#
    );
    assert!(generated.0.ends_with(&expected), "{}", generated.0);
    assert!(
        generated.0.contains(r#""menu_item_id":"spring-roll""#),
        "{}",
        generated.0
    );
}

#[tokio::test]
async fn the_plain_resource_is_byte_for_byte_the_generated_one() {
    let uri = format!("/consumers/{CONSUMER_ID}");
    let generated = consumer_service::rest::router(Consumers::new(), insecure());
    let generated = get(generated, &uri).await;
    let hand = get(hand_written_consumers(Consumers::new()), &uri).await;
    assert_eq!(hand, generated);
    assert!(!generated.0.contains("_links"), "{}", generated.0);
    assert!(
        generated.0.contains(r#""email":"ada@example.com""#),
        "{}",
        generated.0
    );
}
