//! REST Level 3 (`docs/wire.md`, "Hypermedia"): the HAL `_links` of a `@hypermedia` service's
//! responses, `?expand=rel` embedding related resources under `_embedded`, and the client's
//! typed reading of both ([`Hal`], [`Rel`]).
//!
//! Generated code describes each resource type once, as `static` data ([`Resource`]: its own
//! service's links, whose path placeholders are the resource's fields, and its `@link`
//! relations); the skeleton renders a response from the output's JSON and that description.
//! Relations are expanded through whatever implements the linked service (its generated
//! routing `Client`, a REST or gRPC proxy), handed to the router as a [`Linked`].

use super::Problem;
use crate::{CallError, Context, Request, ServiceError};
use futures::future::BoxFuture;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// What a value keeps as it is inside a path segment or a query value: RFC 3986's unreserved
/// characters. Everything else (`/`, `?`, `&`, `%`, spaces, non-ASCII) is percent-encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A link to an operation of the resource's own service: `self`, or an action named after
/// the operation.
#[derive(Debug)]
pub struct Link {
    pub rel: &'static str,
    pub method: http::Method,
    /// The operation's path; each `{name}` placeholder is a field of the resource.
    pub path: &'static str,
}

/// An `@link` relation: the resource's `field` names a resource that another operation
/// returns (a list field, one per element).
#[derive(Debug)]
pub struct Relation {
    pub rel: &'static str,
    /// The resource's field, as on the JSON wire.
    pub field: &'static str,
    /// Whether the field is a list (one link and one embedded resource per element).
    pub each: bool,
    /// The linked operation's service, qualified (`ftgo.consumer.ConsumerService`).
    pub service: &'static str,
    /// The linked operation's name.
    pub op: &'static str,
    /// The linked operation's href with `{}` where the field's value goes
    /// (`/consumers/{}`, or `/consumers?consumer_id={}` when the value travels in the query).
    pub href: &'static str,
}

/// The links and relations of one resource type, in one service.
#[derive(Debug)]
pub struct Resource {
    pub links: &'static [Link],
    pub relations: &'static [Relation],
}

/// One linked operation, called with its input decoded from the relation's value.
type Fetch =
    Arc<dyn Fn(Value, Context) -> BoxFuture<'static, Result<Value, Box<Problem>>> + Send + Sync>;

/// The operations of one linked service that a router may call to expand relations, and
/// where that service is published (for the relations' hrefs). Made by the generated
/// `rest::linked::<service>(client)` functions.
#[derive(Clone)]
pub struct Linked {
    service: &'static str,
    base_url: Option<String>,
    ops: Vec<(&'static str, Fetch)>,
}

impl std::fmt::Debug for Linked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linked")
            .field("service", &self.service)
            .field("base_url", &self.base_url)
            .field(
                "ops",
                &self.ops.iter().map(|(op, _)| op).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Linked {
    /// Nothing yet of `service` (qualified); generated code adds its operations.
    #[doc(hidden)]
    pub fn new(service: &'static str) -> Self {
        Linked {
            service,
            base_url: None,
            ops: Vec::new(),
        }
    }

    /// The URL where the linked service is published (`http://consumers.internal:8080`):
    /// relation hrefs start with it. Without one they are the linked operation's path alone.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        self.base_url = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// Operation `op`, called through `call` with an input whose one required field
    /// `input_field` holds the relation's value.
    #[doc(hidden)]
    pub fn op<I, O, E, F, Fut>(
        mut self,
        op: &'static str,
        input_field: &'static str,
        call: F,
    ) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize,
        E: ServiceError,
        F: Fn(Request<I>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<O, E>> + Send + 'static,
    {
        let call = Arc::new(call);
        let service = self.service;
        let fetch: Fetch = Arc::new(move |value: Value, context: Context| {
            let mut object = Map::new();
            object.insert(input_field.to_owned(), value);
            let input = serde_json::from_value::<I>(Value::Object(object));
            let call = Arc::clone(&call);
            let correlation_id = context.correlation().map(|id| id.into_owned());
            let failed = move |error: CallError| {
                tracing::warn!(
                    correlation_id = correlation_id.as_deref().unwrap_or_default(),
                    linked = %format_args!("{service}.{op}"),
                    %error,
                    "a linked call failed"
                );
                // Whatever the linked service said stays in the log: a fixed problem goes on.
                Box::new(super::problem_of(&error.received()))
            };
            Box::pin(async move {
                let input = match input {
                    Ok(input) => input,
                    Err(e) => {
                        let e = CallError::Internal(format!("the relation's value: {e}"));
                        return Err(failed(e));
                    }
                };
                match call(Request::from_parts(context, input)).await {
                    Ok(output) => serde_json::to_value(output).map_err(|e| {
                        failed(CallError::Decode(format!("encoding the resource: {e}")))
                    }),
                    Err(error) => match error.encode() {
                        crate::ErrorEncoding::Call(error) => Err(failed(error)),
                        declared => Err(Box::new(super::server::encoding_problem(declared))),
                    },
                }
            })
        });
        self.ops.push((op, fetch));
        self
    }
}

/// A router's hypermedia settings (`ServerConfig::hypermedia`).
#[derive(Clone, Debug, Default)]
pub struct Hypermedia {
    /// Where this service is published, when it is behind a gateway or a path prefix
    /// (`https://api.example.com/ftgo`): its own links start with it. Without one they are
    /// absolute paths (`/orders/7`), relative to the host the client called.
    pub public_base_url: Option<String>,
    /// The services whose operations `@link` relations lead to.
    pub linked: Vec<Linked>,
}

impl Hypermedia {
    fn linked(&self, service: &str) -> Option<&Linked> {
        self.linked.iter().find(|l| l.service == service)
    }

    fn fetch(&self, relation: &Relation) -> Option<&Fetch> {
        let linked = self.linked(relation.service)?;
        linked
            .ops
            .iter()
            .find(|(op, _)| *op == relation.op)
            .map(|(_, f)| f)
    }
}

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

/// A typed relation of a resource: its name, and the type of what `?expand=` embeds under it
/// (`Vec<T>` for a list). Generated as constants (`rest::relations::ORDER_CONSUMER`).
pub struct Rel<T> {
    pub name: &'static str,
    resource: PhantomData<fn() -> T>,
}

impl<T> Rel<T> {
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Rel {
            name,
            resource: PhantomData,
        }
    }
}

impl<T> Clone for Rel<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Rel<T> {}

impl<T> std::fmt::Debug for Rel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rel({})", self.name)
    }
}

/// One HAL link as a client reads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct HalLink {
    pub href: String,
    /// The HTTP method the link's operation takes (Accord's addition to HAL).
    #[serde(default)]
    pub method: Option<String>,
}

/// A resource read with its hypermedia: the typed resource, its links by relation, and what
/// `?expand=` embedded or could not.
#[derive(Clone, Debug)]
pub struct Hal<T> {
    pub resource: T,
    links: BTreeMap<String, Vec<HalLink>>,
    embedded: Map<String, Value>,
    failed: BTreeMap<String, Problem>,
}

impl<T: DeserializeOwned> Hal<T> {
    /// Splits a response body into the resource and its hypermedia members.
    pub fn from_json(body: &[u8]) -> Result<Self, CallError> {
        let decode = |e: serde_json::Error| CallError::Decode(e.to_string());
        let mut object: Map<String, Value> = serde_json::from_slice(body).map_err(decode)?;
        let mut links = BTreeMap::new();
        if let Some(Value::Object(all)) = object.remove("_links") {
            for (rel, value) in all {
                let list = match value {
                    Value::Array(items) => items,
                    one => vec![one],
                };
                let list: Vec<HalLink> = list
                    .into_iter()
                    .filter_map(|l| serde_json::from_value(l).ok())
                    .collect();
                links.insert(rel, list);
            }
        }
        let embedded = match object.remove("_embedded") {
            Some(Value::Object(e)) => e,
            _ => Map::new(),
        };
        let failed = match object.remove("_embedded_errors") {
            Some(Value::Object(e)) => e
                .into_iter()
                .filter_map(|(rel, p)| Some((rel, serde_json::from_value(p).ok()?)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let resource = serde_json::from_value(Value::Object(object)).map_err(decode)?;
        Ok(Hal {
            resource,
            links,
            embedded,
            failed,
        })
    }
}

impl<T> Hal<T> {
    /// The first link of relation `rel` (`self`, an operation's name, an `@link` relation).
    pub fn link(&self, rel: &str) -> Option<&HalLink> {
        self.links.get(rel)?.first()
    }

    /// Every link of relation `rel` (a list relation has one per element).
    pub fn links(&self, rel: &str) -> &[HalLink] {
        self.links.get(rel).map_or(&[], Vec::as_slice)
    }

    /// The relations that have links.
    pub fn relations(&self) -> impl Iterator<Item = &str> {
        self.links.keys().map(String::as_str)
    }

    /// What `?expand=` embedded under `rel`: `None` when it was not asked for (or the field
    /// had no value), `Some(Err(problem))` when the server could not fetch it (the problem
    /// says why) or its body does not decode.
    pub fn embedded<U: DeserializeOwned>(&self, rel: &Rel<U>) -> Option<Result<U, Problem>> {
        if let Some(problem) = self.failed.get(rel.name) {
            return Some(Err(problem.clone()));
        }
        let value = self.embedded.get(rel.name)?;
        Some(
            U::deserialize(value).map_err(|e| {
                Problem::new(502).with_detail(format!("embedded `{}`: {e}", rel.name))
            }),
        )
    }

    /// Why relation `rel` was not embedded, when it was asked for and failed.
    pub fn failed(&self, rel: &str) -> Option<&Problem> {
        self.failed.get(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn a_client_reads_links_embedded_resources_and_failures() {
        #[derive(serde::Deserialize, Debug)]
        struct Order {
            order_id: i64,
        }
        let body = json!({
            "order_id": 7,
            "_links": {"self": {"href": "/orders/7", "method": "GET"}, "items": [{"href": "/i/1"}]},
            "_embedded": {"consumer": {"name": "Ann"}},
            "_embedded_errors": {"items": {"type": "about:blank", "title": "Gateway Timeout", "status": 504}}
        });
        let hal: Hal<Order> = Hal::from_json(body.to_string().as_bytes()).unwrap();
        assert_eq!(hal.resource.order_id, 7);
        assert_eq!(hal.link("self").unwrap().href, "/orders/7");
        assert_eq!(hal.links("items").len(), 1);
        const CONSUMER: Rel<Value> = Rel::new("consumer");
        const ITEMS: Rel<Vec<Value>> = Rel::new("items");
        assert_eq!(hal.embedded(&CONSUMER).unwrap().unwrap()["name"], "Ann");
        assert_eq!(hal.embedded(&ITEMS).unwrap().unwrap_err().status, 504);
        assert!(hal.embedded(&Rel::<Value>::new("other")).is_none());
    }
}
