//! A service serves its own contract when asked: the build script writes the documents
//! (`Builder::documents`), `documents::of` finds a service's, and `ServerConfig::with_documents`
//! serves them at `/openapi.yaml` and `/openapi.json`, without credentials, beside operations
//! that still ask for theirs (`docs/wire.md`, "Contract documents").

use accord::rest::server::ServerConfig;
use accord::testing::TestBed;
use accord_rest_e2e::{documents, vault};
use serde_json::Value;

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let media_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media_type, response.text().await.unwrap())
}

#[tokio::test]
async fn the_openapi_document_is_served_without_credentials() {
    let docs = documents::of("shop.orders.Vault").expect("the Vault has documents");
    let openapi = docs.openapi.expect("the Vault has HTTP operations");
    assert!(docs.asyncapi.is_none(), "the Vault uses no channel");
    let mut bed = TestBed::new();
    let config = ServerConfig::default().with_documents(docs);
    let base = bed
        .rest(vault::rest::router(vault::Fake::default(), config))
        .await
        .unwrap();

    let (status, media_type, yaml) = get(&format!("{base}/openapi.yaml")).await;
    assert_eq!((status, media_type.as_str()), (200, "application/yaml"));
    assert_eq!(yaml, openapi.yaml);
    let (status, media_type, json) = get(&format!("{base}/openapi.json")).await;
    assert_eq!((status, media_type.as_str()), (200, "application/json"));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert!(json["paths"]["/secrets/{id}"]["get"].is_object(), "{json}");

    assert_eq!(get(&format!("{base}/asyncapi.yaml")).await.0, 404);
    // The operations still ask for credentials.
    assert_eq!(get(&format!("{base}/secrets/1")).await.0, 401);
    bed.stop().await;
}

#[tokio::test]
async fn nothing_is_served_unless_asked_and_unknown_services_have_no_documents() {
    let mut bed = TestBed::new();
    let base = bed
        .rest(vault::rest::router(
            vault::Fake::default(),
            ServerConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(get(&format!("{base}/openapi.yaml")).await.0, 404);
    assert!(documents::of("shop.orders.Nowhere").is_none());
    assert!(documents::of("shop.orders.OrderService").is_some());
}
