//! A browser on another origin may call a service with `accord::rest::cors::layer`: the
//! preflight allows Accord's headers and the contract's own, and answers carry the headers a
//! script may read; an origin not listed gets no CORS headers (the browser then refuses).

use accord::rest::server::ServerConfig;
use accord::testing::TestBed;
use accord_rest_e2e::vault;

const APP: &str = "https://app.example.com";

async fn serve() -> (TestBed, String) {
    let cors = accord::rest::cors::layer([APP], ["x-api-key"]).unwrap();
    let router = vault::rest::router(vault::Fake::default(), ServerConfig::default()).layer(cors);
    let mut bed = TestBed::new();
    let base = bed.rest(router).await.unwrap();
    (bed, base)
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_listed_origin_passes_the_preflight_with_accords_headers() {
    let (_bed, base) = serve().await;
    let http = reqwest::Client::new();
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{base}/secrets/1"))
        .header("origin", APP)
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,content-type,x-api-key,traceparent",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(header(&preflight, "access-control-allow-origin"), APP);
    let allowed = header(&preflight, "access-control-allow-headers");
    for name in ["authorization", "content-type", "x-api-key", "traceparent"] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
    assert!(header(&preflight, "access-control-allow-methods").contains("put"));

    // The answer itself (a 401: no token) carries what a script may read.
    let answer = http
        .get(format!("{base}/secrets/1"))
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(header(&answer, "access-control-allow-origin"), APP);
    assert!(header(&answer, "access-control-expose-headers").contains("www-authenticate"));
}

#[tokio::test]
async fn an_origin_not_listed_gets_no_cors_headers() {
    let (_bed, base) = serve().await;
    let answer = reqwest::Client::new()
        .get(format!("{base}/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204, "the call itself is served (`-> ()`)");
    assert_eq!(header(&answer, "access-control-allow-origin"), "");
}
