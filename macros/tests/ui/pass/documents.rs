// No warnings in the expansion with these options (items a binary leaves unused aside).
#![deny(warnings)]
#![allow(dead_code)]

// `documents = true`: the module gets `documents::of`, each service's OpenAPI and AsyncAPI
// documents as the Builder's `.documents(true)` writes them, which a REST server then serves.
#[accord::api("api/library", documents = true)]
mod api {}

use accord::rest::server::ServerConfig;

fn main() {
    let loans = api::documents::of("library.loans.Loans").expect("the Loans have documents");
    let openapi = loans.openapi.expect("the Loans have HTTP operations");
    assert!(openapi.yaml.starts_with("openapi: "), "{}", openapi.yaml);
    assert!(openapi.yaml.contains("/loans:"), "{}", openapi.yaml);
    assert!(openapi.json.contains("\"/loans\""), "{}", openapi.json);
    let asyncapi = loans.asyncapi.expect("the Loans publish on a channel");
    assert!(asyncapi.yaml.contains("library.loans.events"), "{}", asyncapi.yaml);

    // What the server answers at the documented paths.
    let served = ServerConfig::default().with_documents(loans).documents;
    assert_eq!(served.at("/openapi.yaml"), Some((openapi.yaml, "application/yaml")));
    assert_eq!(served.at("/asyncapi.json"), Some((asyncapi.json, "application/json")));

    let members = api::documents::of("library.members.Members").expect("the Members too");
    assert!(members.openapi.is_some() && members.asyncapi.is_none());
    assert!(api::documents::of("library.loans.Nowhere").is_none());
}
