//! A resource's HAL rendering: `_links` from its description and its fields, and the
//! relations `?expand=` asks for fetched through the [`Linked`](super::Linked) services.

use super::linked::{Fetched, Hypermedia};
use super::links::{Bases, Fields, append_links, append_member};
use super::{Relation, Resource};
use crate::rest::Problem;
use crate::{CallError, Context};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

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

/// A rendered HAL response body (JSON) and, for a created resource, its `Location`.
pub(crate) struct Rendered {
    pub body: Vec<u8>,
    pub location: Option<String>,
}

/// No public base URL and no linked services.
static NO_SETTINGS: Hypermedia = Hypermedia {
    public_base_url: None,
    linked: Vec::new(),
};

/// The output as a HAL resource: the output's JSON, then `_links` (written straight after it,
/// see `links`), then the requested relations under `_embedded` (fetched concurrently, a
/// little before the call's deadline), and the ones that failed under `_embedded_errors`.
pub(crate) async fn render<O: Serialize>(
    resource: &'static Resource,
    settings: Option<Arc<Hypermedia>>,
    expand: Vec<&'static Relation>,
    output: &O,
    context: &Context,
    created: bool,
) -> Result<Rendered, CallError> {
    let encoding = |e: serde_json::Error| CallError::Internal(format!("encoding the output: {e}"));
    // Room for a typical resource up front, as for any JSON reply.
    let mut body = Vec::with_capacity(1024);
    serde_json::to_writer(&mut body, output).map_err(encoding)?;
    // Not a JSON object: no links to add.
    let Some(fields) = Fields::of(resource, output) else {
        return Ok(Rendered {
            body,
            location: None,
        });
    };
    let settings = settings.as_deref().unwrap_or(&NO_SETTINGS);
    let location = append_links(&mut body, resource, &fields, settings, created);
    if !expand.is_empty() {
        // The relations' values as the linked operations' inputs take them.
        let Value::Object(object) = serde_json::to_value(output).map_err(encoding)? else {
            return Err(CallError::Internal("the resource is not an object".into()));
        };
        let (embedded, fallbacks, failed) = expand_all(settings, &expand, &object, context).await;
        if !embedded.is_empty() {
            append_member(&mut body, "_embedded", &embedded);
        }
        if !fallbacks.is_empty() {
            append_member(&mut body, "_embedded_fallbacks", &fallbacks);
        }
        if !failed.is_empty() {
            append_member(&mut body, "_embedded_errors", &failed);
        }
    }
    Ok(Rendered { body, location })
}

impl Bases for Hypermedia {
    fn own(&self) -> &str {
        let own = self.public_base_url.as_deref().unwrap_or("");
        own.trim_end_matches('/')
    }

    fn relation(&self, relation: &Relation) -> &str {
        self.linked(relation.service)
            .and_then(|l| l.base_url.as_deref())
            .unwrap_or("")
    }
}

/// Calls every requested relation's operation at once (each element of a list relation its
/// own call); a relation is embedded when all its calls succeed, else its first failure is
/// reported. The relations a proxy's fallback answered (any of their calls) are listed too.
async fn expand_all(
    settings: &Hypermedia,
    expand: &[&'static Relation],
    object: &Map<String, Value>,
    context: &Context,
) -> (Map<String, Value>, Vec<&'static str>, Map<String, Value>) {
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
    let mut fallbacks = Vec::new();
    for (relation, results) in futures::future::join_all(calls).await {
        let outputs: Result<Vec<Fetched>, Box<Problem>> = results.into_iter().collect();
        let outputs = outputs.map(|outputs| {
            if outputs.iter().any(|fetched| fetched.fallback) {
                fallbacks.push(relation.rel);
            }
            outputs
                .into_iter()
                .map(|fetched| fetched.value)
                .collect::<Vec<_>>()
        });
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
    (embedded, fallbacks, failed)
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
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let links = &body["_links"];
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
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(body.get("_embedded").is_none());
        let failed = &body["_embedded_errors"]["consumer"];
        assert_eq!(failed["status"], 501);
        assert!(r.location.is_none());
    }
}
