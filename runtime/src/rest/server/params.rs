//! The input fields that travel outside the body: path placeholders, query parameters and
//! headers, bound by a generated `bind` closure.

use crate::rest::ParamValue;
use crate::validate::{FieldPath, Violations};
use axum::extract::RawPathParams;
use serde::Serialize;
use serde_json::Value;

/// Binds the input fields that travel outside the body: what a generated `bind` closure calls.
#[doc(hidden)]
pub struct Params<'a> {
    parts: &'a http::request::Parts,
    path: &'a Result<RawPathParams, String>,
    query: Option<Vec<(String, String)>>,
    /// The bound fields by wire name, each at most once (a generated `bind` names a field once).
    pub(super) fields: Vec<(&'static str, Value)>,
    pub(super) violations: Violations,
    pub(super) body: bool,
}

impl<'a> Params<'a> {
    pub(super) fn new(
        parts: &'a http::request::Parts,
        path: &'a Result<RawPathParams, String>,
    ) -> Self {
        Params {
            parts,
            path,
            query: None,
            fields: Vec::new(),
            violations: Violations::new(),
            body: false,
        }
    }

    /// The remaining input fields come from the JSON body (POST, PUT, PATCH).
    pub fn body(&mut self) {
        self.body = true;
    }

    /// Field `field` from the path placeholder of the same name.
    pub fn path<T: ParamValue>(&mut self, field: &'static str) {
        let found = match self.path {
            Ok(params) => params.iter().find(|(k, _)| *k == field).map(|(_, v)| v),
            Err(e) => return self.violation(field, e),
        };
        match found {
            Some(raw) => self.set::<T>(field, raw),
            None => self.violation(field, "missing path parameter"),
        }
    }

    /// Field `field` from query parameter `name`; absent leaves the field unset.
    pub fn query<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        let values = self.query_values(name);
        match values.as_slice() {
            [] => {}
            [one] => self.set::<T>(field, one),
            _ => self.violation(field, "repeated query parameter that takes one value"),
        }
    }

    /// List field `field` from every occurrence of query parameter `name` (`?tag=a&tag=b`).
    pub fn query_list<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        let values = self.query_values(name);
        let root = FieldPath::Root;
        let path = root.field(field);
        let mut items = Vec::with_capacity(values.len());
        for (i, raw) in values.iter().enumerate() {
            match T::parse_param(raw).and_then(|v| to_json(&v)) {
                Ok(value) => items.push(value),
                Err(message) => self.violations.push(&path.index(i), message),
            }
        }
        // No occurrence is an empty list: a query string cannot tell "absent" from "empty".
        self.fields.push((field, Value::Array(items)));
    }

    /// Field `field` from header `name`; absent leaves the field unset.
    pub fn header<T: ParamValue>(&mut self, field: &'static str, name: &str) {
        match self.parts.headers.get(name).map(|v| v.to_str()) {
            None => {}
            Some(Ok(raw)) => self.set::<T>(field, raw),
            Some(Err(_)) => self.violation(field, "header value is not visible ASCII"),
        }
    }

    fn query_values(&mut self, name: &str) -> Vec<String> {
        if self.query.is_none() {
            let raw = self.parts.uri.query().unwrap_or("");
            let parsed = serde_urlencoded::from_str::<Vec<(String, String)>>(raw);
            if parsed.is_err() {
                self.violation("", "malformed query string");
            }
            self.query = Some(parsed.unwrap_or_default());
        }
        let pairs = self.query.as_deref().unwrap_or_default();
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn set<T: ParamValue>(&mut self, field: &'static str, raw: &str) {
        match T::parse_param(raw).and_then(|v| to_json(&v)) {
            Ok(value) => self.fields.push((field, value)),
            Err(message) => self.violation(field, &message),
        }
    }

    fn violation(&mut self, field: &str, message: &str) {
        let root = FieldPath::Root;
        let path = if field.is_empty() {
            root
        } else {
            root.field(field)
        };
        self.violations.push(&path, message);
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}
