//! A resource's HAL rendering: `_links` from its description and its fields, and the
//! relations `?expand=` asks for fetched through the [`Linked`](super::Linked) services.

use super::linked::Hypermedia;
use super::{Relation, Resource};
use crate::rest::Problem;
use crate::{CallError, Context};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What a value keeps as it is inside a path segment or a query value: RFC 3986's unreserved
/// characters. Everything else (`/`, `?`, `&`, `%`, spaces, non-ASCII) is percent-encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The relations `?expand=` asks for (`expand=a,b` or `expand=a&expand=b`), each once, or
/// the 400 problem naming an unknown one and listing the known.
pub(crate) fn requested(
    resource: &'static Resource,
    query: Option<&str>,
) -> Result<Vec<&'static Relation>, Box<Problem>> {
    let mut wanted: Vec<&'static Relation> = Vec::new();
    let pairs = form_urlencoded(query.unwrap_or(""));
    for (_, value) in pairs.iter().filter(|(k, _)| k == "expand") {
        // An empty name (`expand=`, `expand=a,,b`) is no relation: refused like an unknown one.
        for name in value.split(',').map(str::trim) {
            match resource.relations.iter().find(|r| r.rel == name) {
                Some(r) if wanted.iter().any(|w| std::ptr::eq(*w, r)) => {}
                Some(r) => wanted.push(r),
                None => {
                    let known: Vec<&str> = resource.relations.iter().map(|r| r.rel).collect();
                    let listed = match known.as_slice() {
                        [] => "this resource has none".to_owned(),
                        some => format!("known: {}", some.join(", ")),
                    };
                    let mut problem = Problem::new(400)
                        .with_detail(format!("unknown relation `{name}` in `expand` ({listed})"));
                    problem.extensions.insert("relations".into(), known.into());
                    return Err(Box::new(problem));
                }
            }
        }
    }
    Ok(wanted)
}

fn form_urlencoded(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

/// A rendered HAL response body and, for a created resource, its `Location`.
pub(crate) struct Rendered {
    pub body: Value,
    pub location: Option<String>,
}

/// The output as a HAL resource: `_links`, then the requested relations under `_embedded`
/// (fetched concurrently, a little before the call's deadline), and the ones that failed
/// under `_embedded_errors`.
pub(crate) async fn render<O: Serialize>(
    resource: &'static Resource,
    settings: Option<Arc<Hypermedia>>,
    expand: Vec<&'static Relation>,
    output: &O,
    context: &Context,
    created: bool,
) -> Result<Rendered, CallError> {
    let value = serde_json::to_value(output)
        .map_err(|e| CallError::Internal(format!("encoding the output: {e}")))?;
    let Value::Object(mut object) = value else {
        return Ok(Rendered {
            body: value,
            location: None,
        });
    };
    let settings = settings.unwrap_or_default();
    let own = settings.public_base_url.as_deref().unwrap_or("");
    let own = own.trim_end_matches('/');
    let mut links = Map::new();
    // A created resource's `Location`: its `self` link (listed first), else the first GET of
    // its own service; never a relation, which is another resource.
    let mut location = None;
    for link in resource.links {
        if let Some(path) = fill(link.path, &object) {
            let href = format!("{own}{path}");
            if created && location.is_none() && link.method == http::Method::GET {
                location = Some(href.clone());
            }
            links.insert(link.rel.into(), link_object(href, &link.method));
        }
    }
    for relation in resource.relations {
        let base = settings
            .linked(relation.service)
            .and_then(|l| l.base_url.as_deref())
            .unwrap_or("");
        let href = |v: &Value| {
            let text = scalar(v)?;
            let encoded = utf8_percent_encode(&text, VALUE).to_string();
            Some(link_object(
                format!("{base}{}", relation.href.replacen("{}", &encoded, 1)),
                &http::Method::GET,
            ))
        };
        let entry = match (object.get(relation.field), relation.each) {
            (Some(Value::Array(items)), true) => {
                Some(Value::Array(items.iter().filter_map(href).collect()))
            }
            (Some(v), false) => href(v),
            _ => None,
        };
        if let Some(entry) = entry {
            links.insert(relation.rel.into(), entry);
        }
    }
    let (embedded, failed) = expand_all(&settings, &expand, &object, context).await;
    object.insert("_links".into(), Value::Object(links));
    if !embedded.is_empty() {
        object.insert("_embedded".into(), Value::Object(embedded));
    }
    if !failed.is_empty() {
        object.insert("_embedded_errors".into(), Value::Object(failed));
    }
    Ok(Rendered {
        body: Value::Object(object),
        location,
    })
}

/// Calls every requested relation's operation at once (each element of a list relation its
/// own call); a relation is embedded when all its calls succeed, else its first failure is
/// reported.
async fn expand_all(
    settings: &Hypermedia,
    expand: &[&'static Relation],
    object: &Map<String, Value>,
    context: &Context,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut failed = Map::new();
    let mut calls = Vec::new();
    let deadline = expansion_deadline(context.deadline);
    for &relation in expand {
        let Some(fetch) = settings.fetch(relation) else {
            let problem = Problem::new(501).with_detail(format!(
                "relation `{}` cannot be expanded here: this server was given no client for \
                 `{}`",
                relation.rel, relation.service
            ));
            failed.insert(relation.rel.into(), problem_value(problem));
            continue;
        };
        let values: Vec<Value> = match (object.get(relation.field), relation.each) {
            (Some(Value::Array(items)), true) => items.clone(),
            (None | Some(Value::Null), _) => continue,
            (Some(v), _) => vec![v.clone()],
        };
        let each = values.into_iter().map(move |v| {
            let mut child = context.child();
            child.deadline = deadline;
            let call = fetch(v, child);
            async move {
                match deadline {
                    Some(at) => tokio::time::timeout_at(at.into(), call)
                        .await
                        .unwrap_or_else(|_| {
                            Err(Box::new(Problem::new(504).with_detail(
                                "the linked call did not finish before the request's deadline",
                            )))
                        }),
                    None => call.await,
                }
            }
        });
        calls.push(async move { (relation, futures::future::join_all(each).await) });
    }
    let mut embedded = Map::new();
    for (relation, results) in futures::future::join_all(calls).await {
        let outputs: Result<Vec<Value>, Box<Problem>> = results.into_iter().collect();
        match outputs {
            Ok(mut outputs) if !relation.each => {
                embedded.insert(relation.rel.into(), outputs.pop().unwrap_or(Value::Null));
            }
            Ok(outputs) => {
                embedded.insert(relation.rel.into(), Value::Array(outputs));
            }
            Err(mut problem) => {
                let why = problem
                    .detail
                    .take()
                    .unwrap_or_else(|| problem.title.clone());
                problem.detail = Some(format!(
                    "{}.{} failed: {why}",
                    relation.service, relation.op
                ));
                failed.insert(relation.rel.into(), problem_value(*problem));
            }
        }
    }
    (embedded, failed)
}

/// When the linked calls must be done: a little before the request's own deadline (a tenth of
/// the time left, at most 100 ms), so the resource still reaches its caller in time when a
/// linked service is slow.
fn expansion_deadline(deadline: Option<std::time::Instant>) -> Option<std::time::Instant> {
    let deadline = deadline?;
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    let margin = (left / 10).min(std::time::Duration::from_millis(100));
    Some(deadline - margin)
}

fn problem_value(problem: Problem) -> Value {
    serde_json::to_value(problem).unwrap_or(Value::Null)
}

fn link_object(href: String, method: &http::Method) -> Value {
    let mut link = Map::new();
    link.insert("href".into(), Value::String(href));
    link.insert("method".into(), Value::String(method.as_str().into()));
    Value::Object(link)
}

/// `path` with each `{field}` replaced by the resource's value of it; `None` when one is
/// absent (the link does not apply to this resource).
fn fill(path: &str, object: &Map<String, Value>) -> Option<String> {
    let mut out = String::with_capacity(path.len() + 16);
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}')?;
        let value = scalar(object.get(&rest[open + 1..close])?)?;
        out.extend(utf8_percent_encode(&value, VALUE));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A path or query value's text: strings as they are (64-bit integers and enums travel as
/// strings in JSON), numbers and booleans as written.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::hal::{Link, Linked};
    use serde_json::json;

    static ORDER: Resource = Resource {
        links: &[
            Link {
                rel: "self",
                method: http::Method::GET,
                path: "/orders/{order_id}",
            },
            Link {
                rel: "cancel_order",
                method: http::Method::POST,
                path: "/orders/{order_id}/cancel",
            },
        ],
        relations: &[
            Relation {
                rel: "consumer",
                field: "consumer_id",
                each: false,
                service: "shop.Consumers",
                op: "get",
                href: "/consumers/{}",
            },
            Relation {
                rel: "items",
                field: "item_ids",
                each: true,
                service: "shop.Items",
                op: "get",
                href: "/items?id={}",
            },
        ],
    };

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn placeholders_take_the_resource_fields_percent_encoded() {
        let o = object(json!({"order_id": "a b/c", "n": 7}));
        assert_eq!(
            fill("/orders/{order_id}/x", &o).as_deref(),
            Some("/orders/a%20b%2Fc/x")
        );
        assert_eq!(fill("/n/{n}", &o).as_deref(), Some("/n/7"));
        assert_eq!(fill("/orders/{missing}", &o), None);
    }

    #[test]
    fn expand_accepts_known_relations_once_and_names_the_known_on_an_unknown_one() {
        let got = requested(&ORDER, Some("expand=consumer,items&expand=consumer")).unwrap();
        let names: Vec<&str> = got.iter().map(|r| r.rel).collect();
        assert_eq!(names, ["consumer", "items"]);
        assert!(requested(&ORDER, Some("other=1")).unwrap().is_empty());
        assert_eq!(requested(&ORDER, Some("expand=")).unwrap_err().status, 400);
        let problem = requested(&ORDER, Some("expand=consumer,courier")).unwrap_err();
        assert_eq!(problem.status, 400);
        let detail = problem.detail.unwrap();
        assert!(
            detail.contains("`courier`") && detail.contains("consumer, items"),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn links_follow_the_fields_and_the_configured_bases() {
        let settings = Hypermedia {
            public_base_url: Some("https://api.example.com/shop/".into()),
            linked: vec![Linked::new("shop.Consumers").base_url("http://consumers:8080")],
        };
        let output = json!({"order_id": 7, "consumer_id": "42", "item_ids": ["x", "y"]});
        let r = render(
            &ORDER,
            Some(Arc::new(settings)),
            vec![],
            &output,
            &Context::new(),
            true,
        )
        .await
        .unwrap();
        let links = &r.body["_links"];
        assert_eq!(
            links["self"]["href"],
            "https://api.example.com/shop/orders/7"
        );
        assert_eq!(links["cancel_order"]["method"], "POST");
        assert_eq!(
            links["consumer"]["href"],
            "http://consumers:8080/consumers/42"
        );
        assert_eq!(links["items"][1]["href"], "/items?id=y");
        assert_eq!(
            r.location.as_deref(),
            Some("https://api.example.com/shop/orders/7")
        );
    }

    #[tokio::test]
    async fn a_relation_without_a_client_is_reported_not_dropped_silently() {
        let output = json!({"order_id": 7, "consumer_id": 42, "item_ids": []});
        let expand = requested(&ORDER, Some("expand=consumer")).unwrap();
        let r = render(&ORDER, None, expand, &output, &Context::new(), false)
            .await
            .unwrap();
        assert!(r.body.get("_embedded").is_none());
        let failed = &r.body["_embedded_errors"]["consumer"];
        assert_eq!(failed["status"], 501);
        assert!(r.location.is_none());
    }
}
