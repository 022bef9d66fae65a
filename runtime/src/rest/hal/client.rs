//! The client's typed reading of a HAL resource: [`Hal`], [`Rel`].

use crate::CallError;
use crate::rest::Problem;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::marker::PhantomData;

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
    /// The relations a fallback of the server's proxy gave (`_embedded_fallbacks`).
    fallbacks: Vec<String>,
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
        let fallbacks = match object.remove("_embedded_fallbacks") {
            Some(Value::Array(rels)) => rels
                .into_iter()
                .filter_map(|rel| Some(rel.as_str()?.to_owned()))
                .collect(),
            _ => Vec::new(),
        };
        let resource = serde_json::from_value(Value::Object(object)).map_err(decode)?;
        Ok(Hal {
            resource,
            links,
            embedded,
            fallbacks,
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

    /// Whether what `?expand=` embedded under `rel` is a fallback's answer (the linked
    /// service could not answer; the server's proxy gave, say, the last good reply it had)
    /// rather than the linked service's own.
    pub fn is_fallback<U>(&self, rel: &Rel<U>) -> bool {
        self.fallbacks.iter().any(|name| name == rel.name)
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
            "_embedded_fallbacks": ["consumer"],
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
        assert!(hal.is_fallback(&CONSUMER) && !hal.is_fallback(&ITEMS));
    }
}
