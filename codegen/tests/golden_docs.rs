//! Golden snapshots (insta) of the OpenAPI, AsyncAPI and JSON Schema documents of the FTGO
//! examples, plus the properties a snapshot alone would not guard: determinism, YAML and JSON
//! saying the same thing, and the bindings the IDL states. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test -p accord-codegen --test golden_docs`).

mod common;

use accord_codegen::schema::SchemaBuilder;
use accord_codegen::{OutputFile, asyncapi, jsonschema, openapi};
use accord_idl::Model;
use serde_json::{Value, json};

fn find<'a>(files: &'a [OutputFile], name: &str) -> &'a OutputFile {
    files
        .iter()
        .find(|f| f.path.to_str() == Some(name))
        .unwrap_or_else(|| {
            let names: Vec<_> = files.iter().map(|f| f.path.display().to_string()).collect();
            panic!("no {name} among {names:?}")
        })
}

fn json_doc(files: &[OutputFile], name: &str) -> Value {
    serde_json::from_str(&find(files, name).contents).expect("valid JSON")
}

fn snapshot_all(prefix: &str, files: &[OutputFile]) {
    for file in files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "yaml"))
    {
        let name = format!("{prefix}__{}", file.path.display());
        insta::assert_snapshot!(name, &file.contents);
    }
}

#[test]
fn openapi_documents_of_the_examples() {
    snapshot_all("openapi", &openapi::emit(&common::ftgo()));
}

#[test]
fn asyncapi_documents_of_the_examples() {
    snapshot_all("asyncapi", &asyncapi::emit(&common::ftgo()));
}

/// One snapshot per package: its schema files one after another.
#[test]
fn json_schemas_of_the_examples() {
    let model = common::ftgo();
    let files = jsonschema::emit(&model);
    for package in &model.packages {
        let dir = format!("{}/", package.name);
        let text: String = files
            .iter()
            .filter(|f| f.path.to_string_lossy().starts_with(&dir))
            .map(|f| format!("=== {}\n{}", f.path.display(), f.contents))
            .collect();
        insta::assert_snapshot!(format!("jsonschema__{}", package.name), text);
    }
}

fn every_document(model: &Model) -> Vec<OutputFile> {
    [
        openapi::emit(model),
        asyncapi::emit(model),
        jsonschema::emit(model),
    ]
    .concat()
}

#[test]
fn emitting_twice_gives_the_same_bytes() {
    let model = common::stress();
    assert_eq!(every_document(&model), every_document(&model));
}

#[test]
fn yaml_and_json_are_the_same_document() {
    let model = common::stress();
    for files in [openapi::emit(&model), asyncapi::emit(&model)] {
        for yaml in files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "yaml"))
        {
            let json_name = yaml.path.with_extension("json");
            let json_file = files
                .iter()
                .find(|f| f.path == json_name)
                .expect("a JSON twin");
            let from_yaml: Value = serde_yaml::from_str(&yaml.contents).expect("valid YAML");
            let from_json: Value = serde_json::from_str(&json_file.contents).expect("valid JSON");
            assert!(
                from_yaml == from_json,
                "{} and its JSON twin differ",
                yaml.path.display()
            );
        }
    }
}

#[test]
fn openapi_states_the_http_bindings() {
    let files = openapi::emit(&common::ftgo());
    let doc = json_doc(&files, "ftgo.order.OrderService.json");
    assert_eq!(doc["info"]["version"], json!("1.2.0"));
    let get = &doc["paths"]["/orders/{order_id}"]["get"];
    assert_eq!(get["operationId"], json!("getOrder"));
    assert_eq!(get["parameters"][0]["in"], json!("path"));
    assert_eq!(get["parameters"][0]["required"], json!(true));
    let not_found = &get["responses"]["404"];
    assert_eq!(
        not_found["headers"]["Accord-Error"]["schema"]["enum"],
        json!(["ftgo.order.OrderNotFound"])
    );
    assert_eq!(
        get["responses"]["400"]["$ref"],
        json!("#/components/responses/BadRequest")
    );
    let order = &doc["components"]["schemas"]["ftgo.order.Order"];
    assert_eq!(
        order["properties"]["labels"]["additionalProperties"],
        json!({ "type": "string" })
    );
    assert!(
        doc["components"]["schemas"]["ftgo.common.Money"].is_object(),
        "reachable across packages"
    );
    // watch_order and order_viewed have no @http.
    assert_eq!(doc["paths"].as_object().map(|p| p.len()), Some(3));
    // The delivery service binds nothing to HTTP (the kitchen service has its tickets view).
    assert!(!files.iter().any(|f| {
        f.path
            .to_string_lossy()
            .starts_with("ftgo.kitchen.DeliveryService")
    }));
}

#[test]
fn openapi_places_query_and_header_parameters() {
    let files = openapi::emit(&common::ftgo());
    let doc = json_doc(&files, "ftgo.accounting.AccountingService.json");
    let get = &doc["paths"]["/accounts/{consumer_id}"]["get"]["parameters"];
    assert_eq!(get[1]["in"], json!("header"));
    assert_eq!(get[1]["name"], json!("X-Request-Origin"));
    assert_ne!(get[1]["required"], json!(true), "an optional header");
    let list = &doc["paths"]["/accounts"]["get"]["parameters"];
    assert_eq!(list[0]["name"], json!("state"));
    assert_eq!(list[1]["schema"]["default"], json!(50));
    assert_eq!(list[1]["schema"]["maximum"], json!(500));
}

#[test]
fn asyncapi_states_the_channel_bindings() {
    let files = asyncapi::emit(&common::ftgo());
    let kitchen = json_doc(&files, "ftgo.kitchen.KitchenService.json");
    let create = &kitchen["operations"]["create_ticket"];
    assert_eq!(create["action"], json!("receive"));
    assert_eq!(
        create["reply"]["address"]["location"],
        json!("$message.header#/reply_to")
    );
    let cancel = &kitchen["operations"]["cancel_ticket"];
    assert!(cancel.get("reply").is_none(), "notify has no reply");
    assert_eq!(
        kitchen["operations"]["subscribes.ftgo.order.order_events"]["action"],
        json!("receive")
    );

    let delivery = json_doc(&files, "ftgo.kitchen.DeliveryService.json");
    let quote = &delivery["operations"]["quote"];
    assert_eq!(quote["x-accord-collect-window"], json!("2s"));
    assert_eq!(
        quote["x-accord-interaction"],
        json!("publish/async responses")
    );

    let order = json_doc(&files, "ftgo.order.OrderService.json");
    assert_eq!(
        order["operations"]["publishes.ftgo.order.order_events"]["action"],
        json!("send")
    );
    let events = &order["channels"]["ftgo.order.order_events"];
    let created = &events["messages"]["ftgo.order.OrderCreated"];
    assert_eq!(
        created["bindings"],
        json!({ "amqp": { "messageType": "ftgo.order.OrderCreated", "bindingVersion": "0.3.0" } })
    );
    assert_eq!(created["x-accord-key"], json!("order_id"));
    // docs/wire.md: a publish-subscribe address is a durable topic exchange of that name, a
    // point-to-point address a durable queue of that name.
    assert_eq!(
        events["bindings"]["amqp"],
        json!({
            "is": "routingKey",
            "exchange": { "name": "ftgo.order.events", "type": "topic", "durable": true, "autoDelete": false },
            "bindingVersion": "0.3.0",
            "x-accord-group-queue": "ftgo.order.events.<group>",
        })
    );
    assert_eq!(
        kitchen["channels"]["ftgo.kitchen.kitchen_commands"]["bindings"]["amqp"],
        json!({
            "is": "queue",
            "queue": { "name": "ftgo.kitchen.commands", "durable": true, "exclusive": false, "autoDelete": false },
            "bindingVersion": "0.3.0",
        })
    );
    // Consumers acknowledge; point-to-point consumers compete in one fixed NATS group.
    assert_eq!(create["bindings"]["amqp"]["ack"], json!(true));
    assert_eq!(create["bindings"]["nats"]["queue"], json!("accord"));
    assert_eq!(
        create["bindings"]["nats"]["x-accord-jetstream"]["stream"],
        json!("ftgo_kitchen_commands")
    );
    // A publish-subscribe group is chosen at run time: no NATS queue, the default stated.
    let subscribe = &kitchen["operations"]["subscribes.ftgo.order.order_events"];
    assert!(subscribe["bindings"].get("nats").is_none());
    assert_eq!(
        subscribe["x-accord-default-group"],
        json!("ftgo.kitchen.KitchenService")
    );
    assert_eq!(
        order["operations"]["publishes.ftgo.order.order_events"]["bindings"]["amqp"]["deliveryMode"],
        json!(2)
    );
    assert_eq!(
        created["correlationId"]["location"],
        json!("$message.header#/correlation_id")
    );
    assert_eq!(created["contentType"], json!("application/json"));
}

#[test]
fn asyncapi_payloads_are_the_json_schemas() {
    let model = common::ftgo();
    let doc = asyncapi::document(
        &model,
        model
            .find_service("ftgo.order.OrderService")
            .expect("service"),
    );
    let doc = serde_json::to_value(doc).expect("json");
    let id = model.find_decl("ftgo.order.OrderCreated").expect("event");
    let mut file = serde_json::to_value(jsonschema::document(&model, id)).expect("json");
    let payload = &doc["components"]["schemas"]["ftgo.order.OrderCreated"];
    // Equal but for the file's own keywords and how references are spelled.
    let file = file.as_object_mut().expect("object");
    file.remove("$schema");
    file.remove("$id");
    let spelled = serde_json::to_string(&file).expect("json").replace(
        "LineItem.schema.json",
        "#/components/schemas/ftgo.order.LineItem",
    );
    assert_eq!(
        serde_json::from_str::<Value>(&spelled).expect("json"),
        *payload
    );
}

/// What OpenAPI 3.0 cannot say, taken out of a schema: numbers compared by value (a `number`'s
/// bounds are floats there), no `propertyNames` (OpenAPI names an integer key in
/// `x-accord-map-key` instead), nothing beside a `$ref`, and a nullable value spelled
/// `nullable: true` (JSON Schema's `anyOf: [..., {"type": "null"}]`; OpenAPI puts the
/// referenced type beside a nullable `allOf`).
fn common_ground(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(common_ground).collect()),
        Value::Object(map) if map.contains_key("$ref") => json!({ "$ref": map["$ref"] }),
        Value::Object(map)
            if map.get("anyOf").and_then(|a| a.get(1)) == Some(&json!({ "type": "null" })) =>
        {
            let mut merged = map.clone();
            merged.remove("anyOf");
            if let Some(inner) = map["anyOf"][0].as_object() {
                merged.extend(inner.clone());
            }
            merged.insert("nullable".into(), json!(true));
            common_ground(&Value::Object(merged))
        }
        Value::Object(map)
            if map.contains_key("allOf") && map.get("nullable") == Some(&json!(true)) =>
        {
            let mut bare = map.clone();
            bare.remove("type");
            common_ground_object(&bare)
        }
        Value::Object(map) => common_ground_object(map),
        other => other.clone(),
    }
}

fn common_ground_object(map: &serde_json::Map<String, Value>) -> Value {
    Value::Object(
        map.iter()
            .filter(|(k, _)| *k != "propertyNames" && *k != "x-accord-map-key")
            .map(|(k, v)| (k.clone(), common_ground(v)))
            .collect(),
    )
}

/// The OpenAPI components are the JSON Schemas of the one mapping, but for what OpenAPI 3.0
/// cannot say.
#[test]
fn openapi_components_are_the_json_schemas() {
    let model = common::stress();
    let refs = |id| format!("#/components/schemas/{}", model.qualified_decl_name(id));
    let builder = SchemaBuilder {
        model: &model,
        refs: &refs,
    };
    let mut compared = 0;
    for service in model
        .service_ids()
        .filter(|&id| openapi::has_http(&model, id))
    {
        let doc = serde_json::to_value(openapi::document(&model, service)).expect("json");
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for (name, schema) in schemas
            .iter()
            .filter(|(name, _)| !name.starts_with("accord-"))
        {
            let id = model.find_decl(name).expect("a declaration");
            let json_schema = serde_json::to_value(builder.decl(id)).expect("json");
            assert_eq!(common_ground(schema), common_ground(&json_schema), "{name}");
            compared += 1;
        }
    }
    assert!(compared > 10, "only {compared} schemas compared");
}

#[test]
fn openapi_covers_every_http_shape_of_the_stress_api() {
    let files = openapi::emit(&common::stress());
    let doc = json_doc(&files, "stress.everything.Everything.json");
    let paths = &doc["paths"];
    let create = &paths["/things"]["post"]["responses"];
    // Two errors at one status: oneOf, and the header names both.
    assert_eq!(
        create["409"]["content"]["application/json"]["schema"]["oneOf"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let names = &create["409"]["headers"]["Accord-Error"]["schema"]["enum"];
    assert_eq!(
        *names,
        json!([
            "stress.everything.Conflict",
            "stress.everything.AlreadyExists"
        ])
    );
    // A declared error at 400 shares the status with the problem body.
    assert!(create["400"]["content"]["application/problem+json"].is_object());
    assert!(create["400"]["content"]["application/json"].is_object());
    assert_eq!(
        paths["/things/{id}/watch"]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
            ["$ref"],
        json!("#/components/schemas/stress.everything.Thing")
    );
    assert!(
        paths["/things/{id}/viewed"]["post"]["responses"]["202"].is_object(),
        "notify"
    );
    assert!(
        paths["/ping"]["post"]["responses"]["204"].is_object(),
        "unit output"
    );
    assert!(
        paths["/ping"]["post"].get("requestBody").is_none(),
        "empty input"
    );
    assert_eq!(paths["/things/{id}"]["delete"]["deprecated"], json!(true));
    let list = paths["/things"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let colors = list
        .iter()
        .find(|p| p["name"] == "color")
        .expect("@query(\"color\")");
    assert_eq!(
        (
            colors["in"].clone(),
            colors["explode"].clone(),
            colors["required"].clone()
        ),
        (json!("query"), json!(true), json!(true))
    );
    let tenant = list
        .iter()
        .find(|p| p["name"] == "X-Tenant")
        .expect("@header");
    assert_eq!(
        (tenant["in"].clone(), tenant["required"].clone()),
        (json!("header"), json!(true))
    );
    // Path and header fields leave the body; the rest stays in it.
    let body =
        &paths["/things/{id}"]["put"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], json!(["thing"]));
    assert!(body["properties"].get("id").is_none() && body["properties"].get("etag").is_none());
    // Client streaming and channel-bound operations have no REST binding.
    let ids: Vec<&str> = paths
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("item").values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    assert_eq!(ids.len(), 9, "{ids:?}");
}

#[test]
fn asyncapi_covers_every_channel_shape_of_the_stress_api() {
    let files = asyncapi::emit(&common::stress());
    let doc = json_doc(&files, "stress.everything.Everything.json");
    let events = &doc["channels"]["stress.everything.thing_events"]["messages"]["stress.everything.ThingHappened"];
    assert_eq!(events["contentType"], json!("application/x-protobuf"));
    let commands =
        &doc["channels"]["stress.everything.commands"]["messages"]["stress.everything.DoThing"];
    assert_eq!(commands["contentType"], json!("application/json"));
    assert_eq!(
        commands["bindings"]["amqp"]["messageType"],
        json!("stress.everything.DoThing")
    );
    assert!(commands.get("x-accord-key").is_some());
    let ops = &doc["operations"];
    assert_eq!(
        ops["publishes.stress.everything.audit_log"]["action"],
        json!("send")
    );
    assert_eq!(
        ops["subscribes.stress.other.item_events"]["action"],
        json!("receive")
    );
    let replies = ops["do_thing"]["reply"]["messages"]
        .as_array()
        .map(Vec::len);
    assert_eq!(replies, Some(3), "the output and both declared errors");
    assert_eq!(ops["survey"]["x-accord-collect-window"], json!("1.5s"));
    assert!(ops["forget_thing"].get("reply").is_none());
    // gRPC-only operations are not messaging.
    assert!(ops.get("upload").is_none() && ops.get("get_thing").is_none());
    assert!(
        !files
            .iter()
            .any(|f| f.path.to_string_lossy().contains("Quiet"))
    );
}

/// `uses`: the order service sends the channel-bound requests of the services it uses and
/// receives their replies on its own reply channels; channels and payloads are in the document.
#[test]
fn asyncapi_states_the_callers_side_of_used_services() {
    let files = asyncapi::emit(&common::ftgo());
    let order = json_doc(&files, "ftgo.order.OrderService.json");
    let ops = order["operations"].as_object().expect("operations");
    let keys: Vec<&str> = ops.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "publishes.ftgo.order.order_events",
            "uses.ftgo.consumer.ConsumerService.validate_order",
            "uses.ftgo.kitchen.KitchenService.create_ticket",
            "uses.ftgo.kitchen.KitchenService.cancel_ticket",
            "uses.ftgo.kitchen.KitchenService.cancel_order_tickets",
            "uses.ftgo.accounting.AccountingService.authorize_card",
            "uses.ftgo.accounting.AccountingService.disable_account",
            "uses.ftgo.accounting.AccountingService.void_authorization",
        ]
    );
    let create = &ops["uses.ftgo.kitchen.KitchenService.create_ticket"];
    assert_eq!(create["action"], json!("send"));
    assert_eq!(
        create["channel"]["$ref"],
        json!("#/channels/ftgo.kitchen.kitchen_commands")
    );
    assert_eq!(
        create["messages"],
        json!([{ "$ref": "#/channels/ftgo.kitchen.kitchen_commands/messages/ftgo.kitchen.CreateTicket" }])
    );
    assert_eq!(
        create["x-accord-uses"],
        json!("ftgo.kitchen.KitchenService")
    );
    let reply = "uses.ftgo.kitchen.KitchenService.create_ticket-reply";
    assert_eq!(
        create["reply"]["channel"]["$ref"],
        json!(format!("#/channels/{reply}"))
    );
    assert_eq!(
        create["reply"]["address"]["location"],
        json!("$message.header#/reply_to")
    );
    let replies: Vec<&str> = create["reply"]["messages"]
        .as_array()
        .expect("reply messages")
        .iter()
        .map(|m| m["$ref"].as_str().expect("ref"))
        .collect();
    assert_eq!(
        replies,
        [
            format!("#/channels/{reply}/messages/ftgo.kitchen.TicketCreated"),
            format!("#/channels/{reply}/messages/ftgo.kitchen.TicketRejected"),
        ]
    );
    assert_eq!(order["channels"][reply]["address"], json!(null));
    assert!(
        ops["uses.ftgo.kitchen.KitchenService.cancel_ticket"]
            .get("reply")
            .is_none(),
        "a notify has no reply"
    );
    // The used channels with every message, and every payload's schema.
    let commands = &order["channels"]["ftgo.kitchen.kitchen_commands"];
    assert_eq!(commands["address"], json!("ftgo.kitchen.commands"));
    assert!(
        commands["messages"]
            .get("ftgo.kitchen.CancelTicket")
            .is_some()
    );
    let schemas = &order["components"]["schemas"];
    for name in [
        "ftgo.kitchen.CreateTicket",
        "ftgo.kitchen.TicketCreated",
        "ftgo.kitchen.TicketRejected",
        "ftgo.consumer.ValidateOrderRequest",
        "ftgo.accounting.PaymentDeclined",
    ] {
        assert!(schemas.get(name).is_some(), "{name}");
    }
    // The used service's own document is unchanged by being used.
    let kitchen = json_doc(&files, "ftgo.kitchen.KitchenService.json");
    assert!(
        kitchen["operations"]
            .get("uses.ftgo.kitchen.KitchenService.create_ticket")
            .is_none()
    );
}

/// A service with no channel of its own gets a document when (and only when) a service it uses
/// has channel-bound operations; `@collect` is sent and its stream of replies received.
#[test]
fn asyncapi_documents_a_service_that_only_uses_channels() {
    let source = r#"package demo;
version 1.0.0;

struct Ask { id: i64 = 1; }
struct Answer { id: i64 = 1; }

channel asks {
    kind publish_subscribe;
    address "demo.asks";
    messages Ask;
}

service Responder {
    @channel(asks)
    @collect(3s)
    op ask(Ask) -> stream Answer;
    op plain(Ask) -> Answer;
}

service GrpcOnly {
    op plain(Ask) -> Answer;
}

service Asker {
    op go(Ask) -> ();
    uses Responder;
}

service Quiet {
    op go(Ask) -> ();
    uses GrpcOnly;
}
"#;
    let c = accord_idl::compile_str(source);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let files = asyncapi::emit(&c.model);
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "demo.Responder.yaml",
            "demo.Responder.json",
            "demo.Asker.yaml",
            "demo.Asker.json"
        ]
    );
    let asker = json_doc(&files, "demo.Asker.json");
    let ask = &asker["operations"]["uses.demo.Responder.ask"];
    assert_eq!(ask["action"], json!("send"));
    assert_eq!(ask["x-accord-collect-window"], json!("3s"));
    assert_eq!(ask["x-accord-reply-stream"], json!(true));
    assert_eq!(
        ask["reply"]["channel"]["$ref"],
        json!("#/channels/uses.demo.Responder.ask-reply")
    );
    assert_eq!(asker["operations"].as_object().map(|o| o.len()), Some(1));
    assert!(asker["channels"]["demo.asks"]["bindings"]["amqp"]["exchange"].is_object());
}
