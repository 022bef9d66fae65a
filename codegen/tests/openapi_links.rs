//! The OpenAPI document of a `@hypermedia` service grows linearly with its operations: each
//! operation's response links to every operation its body reaches, and those links are written
//! once per document (`components.links`, `$ref`ed from one response per resource), never once
//! per response. The bench `openapi_links` prints the sizes and times up to 1,600 operations.

use accord_codegen::openapi;
use accord_idl::synth::hypermedia_api;
use std::collections::HashMap;
use std::path::PathBuf;

/// The YAML of the `@hypermedia` service of `ops` operations.
fn yaml(ops: usize) -> String {
    let (path, text) = hypermedia_api(ops);
    let mut files: HashMap<PathBuf, String> = HashMap::from([(path.clone(), text)]);
    let compilation = accord_idl::compile(&[path], &mut files);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    openapi::emit(&compilation.model)
        .into_iter()
        .find(|f| f.path.to_str() == Some("bench.shop.Orders.yaml"))
        .expect("the Orders document")
        .contents
}

#[test]
fn four_times_the_operations_give_at_most_six_times_the_document() {
    let small = yaml(100).len();
    let large = yaml(400).len();
    assert!(
        large <= 6 * small,
        "100 operations: {small} bytes; 400 operations: {large} bytes ({:.1}x)",
        large as f64 / small as f64
    );
}

#[test]
fn every_response_of_the_resource_is_one_component_linking_every_operation() {
    let doc: serde_json::Value = serde_yaml::from_str(&yaml(10)).unwrap();
    let action = &doc["paths"]["/orders/{id}/action_3"]["post"]["responses"]["200"];
    assert_eq!(action["$ref"], "#/components/responses/bench.shop.Order");
    let created = &doc["paths"]["/orders"]["post"]["responses"]["201"];
    assert_eq!(
        created["$ref"],
        "#/components/responses/bench.shop.Order-created"
    );
    let response = &doc["components"]["responses"]["bench.shop.Order"];
    let links = response["links"].as_object().unwrap();
    // `self`, the 8 actions and the `customer` relation.
    assert_eq!(links.len(), 10, "{links:#?}");
    assert_eq!(links["self"]["$ref"], "#/components/links/get");
    assert_eq!(links["action_3"]["$ref"], "#/components/links/action3");
    assert_eq!(
        links["customer"]["$ref"],
        "#/components/links/bench.shop.Order.customer"
    );
    let components = doc["components"]["links"].as_object().unwrap();
    assert_eq!(components["action3"]["operationId"], "action3");
    assert_eq!(
        components["action3"]["parameters"]["id"],
        "$response.body#/id"
    );
    assert_eq!(
        components["bench.shop.Order.customer"]["operationRef"],
        "bench.shop.Customers.yaml#/paths/~1customers~1{customer_id}/get"
    );
}
