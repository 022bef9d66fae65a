//! The linked services a router may call to expand relations ([`Linked`]) and a router's
//! hypermedia settings ([`Hypermedia`]).

use super::Relation;
use crate::call::fallback::served;
use crate::rest::{Problem, encoding_problem, problem_of};
use crate::{CallError, Context, Request, ServiceError};
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::sync::Arc;

/// One linked operation, called with its input decoded from the relation's value.
pub(super) type Fetch =
    Arc<dyn Fn(Value, Context) -> BoxFuture<'static, Result<Fetched, Box<Problem>>> + Send + Sync>;

/// A linked resource, and whether the proxy's fallback gave it rather than the service
/// (`call::fallback`).
pub(super) struct Fetched {
    pub value: Value,
    pub fallback: bool,
}

/// The operations of one linked service that a router may call to expand relations, and
/// where that service is published (for the relations' hrefs). Made by the generated
/// `rest::linked::<service>(client)` functions.
#[derive(Clone)]
pub struct Linked {
    service: &'static str,
    pub(super) base_url: Option<String>,
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
                Box::new(problem_of(&error.received()))
            };
            Box::pin(async move {
                let input = match input {
                    Ok(input) => input,
                    Err(e) => {
                        let e = CallError::Internal(format!("the relation's value: {e}"));
                        return Err(failed(e));
                    }
                };
                match served(call(Request::from_parts(context, input))).await {
                    Ok(output) => {
                        let fallback = output.is_fallback();
                        match serde_json::to_value(output.into_inner()) {
                            Ok(value) => Ok(Fetched { value, fallback }),
                            Err(e) => Err(failed(CallError::Decode(format!(
                                "encoding the resource: {e}"
                            )))),
                        }
                    }
                    Err(error) => match error.encode() {
                        crate::ErrorEncoding::Call(error) => Err(failed(error)),
                        declared => Err(Box::new(encoding_problem(declared))),
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
    pub(super) fn linked(&self, service: &str) -> Option<&Linked> {
        self.linked.iter().find(|l| l.service == service)
    }

    pub(super) fn fetch(&self, relation: &Relation) -> Option<&Fetch> {
        let linked = self.linked(relation.service)?;
        linked
            .ops
            .iter()
            .find(|(op, _)| *op == relation.op)
            .map(|(_, f)| f)
    }
}
