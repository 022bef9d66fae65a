//! What REST Level 3 adds to a service's document (`crate::hypermedia` says which links a
//! resource has): conventional operation ids, response `links` (OpenAPI's description of how a
//! response's values lead to other operations, which clients and stateful testers follow),
//! and in a `@hypermedia` service the responses' HAL members (`_links`, `_embedded`,
//! `_embedded_errors`) and the `expand` query parameter.

use super::{PROBLEM, component_ref};
use crate::hypermedia;
use accord_idl::Model;
use accord_idl::model::{self, DeclId, Operation, Output, PathSegment, ServiceId, Type};
use indexmap::IndexMap;
use openapiv3::{
    Link, LinkOperation, Parameter, ParameterData, ParameterSchemaOrContent, QueryStyle,
    ReferenceOr, Schema,
};
use serde_json::{Value, json};

/// A HAL link object.
pub(super) const LINK: &str = "accord-hal.Link";
/// The `_links` member: one link, or a list of them, per relation.
pub(super) const LINKS: &str = "accord-hal.Links";

/// Each operation's `operationId`: its name in lower camel case (`create_order` →
/// `createOrder`), made unique within the document by a number when two names meet.
pub(super) fn operation_ids(operations: &[Operation]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(operations.len());
    for op in operations {
        let base = lower_camel(&op.name);
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}{n}");
            n += 1;
        }
        ids.push(id);
    }
    ids
}

fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An operation's summary when its docs give none: its name as words (`get_order` → "Get
/// order").
pub(super) fn summary_of(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One link of a resource's responses: its name in `links`, the `components.links` entry
/// that holds it, and the link.
pub(super) struct NamedLink {
    pub name: String,
    pub component: String,
    pub link: Link,
}

/// The `links` of a response whose body is `resource`: each operation of the service it leads
/// to, by operation id, its path parameters taken from the body; and each `@link` relation
/// (by `operationRef` into the linked service's document when that is another one).
///
/// A link to an operation is the same from every resource (its parameters are the operation's
/// path placeholders), so its component is named by the operation id; a relation's reads a
/// field of its resource, so its component is the resource's qualified name and the relation
/// (`ftgo.order.Order.consumer`, which no operation id can be: those have no `.`). Responses
/// `$ref` them, so each link is written once per document, never once per response.
pub(super) fn response_links(
    model: &Model,
    id: ServiceId,
    ids: &[String],
    resource: DeclId,
) -> Vec<NamedLink> {
    let service = model.service(id);
    let found = hypermedia::links(model, id, resource);
    let mut links = Vec::new();
    for (name, index) in found.operations(service) {
        if let Some(link) = operation_link(model, &service.operations[index], &ids[index]) {
            links.push(NamedLink {
                name: name.to_owned(),
                component: ids[index].clone(),
                link,
            });
        }
    }
    for relation in found.relations {
        if let Some(link) = relation_link(model, id, ids, resource, relation) {
            links.push(NamedLink {
                name: relation.rel.clone(),
                component: format!("{}.{}", model.qualified_decl_name(resource), relation.rel),
                link,
            });
        }
    }
    links
}

/// The link to operation `op` (whose id is `op_id`), its path parameters from the body.
fn operation_link(model: &Model, op: &Operation, op_id: &str) -> Option<Link> {
    let (Some(http), Some(input)) = (&op.http, op.input) else {
        return None;
    };
    let fields = model.fields(input);
    let parameters = http
        .segments
        .iter()
        .filter_map(|s| match s {
            PathSegment::Param(i) => Some(&fields[*i].name),
            PathSegment::Literal(_) => None,
        })
        .map(|name| (name.clone(), json!(format!("$response.body#/{name}"))))
        .collect();
    Some(Link {
        description: Some(format!("`{}` of this resource.", op.name)),
        operation: LinkOperation::OperationId(op_id.to_owned()),
        request_body: None,
        parameters,
        server: None,
        extensions: IndexMap::new(),
    })
}

/// The link of `@link` relation `link` of `resource`, read from its field.
fn relation_link(
    model: &Model,
    id: ServiceId,
    ids: &[String],
    resource: DeclId,
    link: &model::Link,
) -> Option<Link> {
    let field = &model.fields(resource)[link.field];
    // A list relation has one value per element, which a link expression cannot pick.
    if matches!(field.ty, Type::List(_)) {
        return None;
    }
    let (input_field, _) = hypermedia::relation_value(model, link)?;
    let target = model.op(link.target);
    let input = target.input?;
    let operation = if link.target.service == id {
        LinkOperation::OperationId(ids[link.target.op].clone())
    } else {
        let http = target.http.as_ref()?;
        let document = model.qualified_service_name(link.target.service);
        let path = http.path.replace('~', "~0").replace('/', "~1");
        let method = http.method.as_str().to_ascii_lowercase();
        LinkOperation::OperationRef(format!("{document}.yaml#/paths/{path}/{method}"))
    };
    let parameter = model.fields(input)[input_field].name.clone();
    Some(Link {
        description: Some(format!(
            "The `{}` relation: `{}.{}` with `{}`.",
            link.rel,
            model.qualified_service_name(link.target.service),
            target.name,
            field.name
        )),
        operation,
        request_body: None,
        parameters: IndexMap::from([(parameter, json!(format!("$response.body#/{}", field.name)))]),
        server: None,
        extensions: IndexMap::new(),
    })
}

/// The body schema of a `@hypermedia` resource: the resource with its HAL members.
pub(super) fn resource_schema(model: &Model, resource: DeclId) -> ReferenceOr<Schema> {
    let fields = model.fields(resource);
    let mut embedded = serde_json::Map::new();
    for link in model.links(resource) {
        let Some(output) = model.op(link.target).output.decl() else {
            continue;
        };
        let one = json!({ "$ref": component_ref(model, output) });
        let schema = match fields[link.field].ty {
            Type::List(_) => json!({ "type": "array", "items": one }),
            _ => one,
        };
        embedded.insert(link.rel.clone(), schema);
    }
    let mut hal = json!({
        "type": "object",
        "required": ["_links"],
        "properties": {
            "_links": { "$ref": format!("#/components/schemas/{LINKS}") },
        },
    });
    if !embedded.is_empty() {
        let properties = &mut hal["properties"];
        properties["_embedded"] = json!({
            "type": "object",
            "description": "The relations `expand` asked for.",
            "properties": embedded,
        });
        properties["_embedded_errors"] = json!({
            "type": "object",
            "description": "Each relation `expand` asked for that could not be fetched, and why.",
            "additionalProperties": { "$ref": format!("#/components/schemas/{PROBLEM}") },
        });
    }
    schema(json!({ "allOf": [{ "$ref": component_ref(model, resource) }, hal] }))
}

/// The declarations a resource's HAL members name: its relations' outputs.
pub(super) fn embedded_decls(model: &Model, resource: DeclId) -> impl Iterator<Item = DeclId> {
    model
        .links(resource)
        .iter()
        .filter_map(|l| model.op(l.target).output.decl())
}

/// `expand`, on a GET of a `@hypermedia` service whose output has relations.
pub(super) fn expand_parameter(model: &Model, op: &Operation) -> Option<Parameter> {
    let Output::Single(output) = op.output else {
        return None;
    };
    let relations: Vec<&str> = model.links(output).iter().map(|l| l.rel.as_str()).collect();
    if relations.is_empty() {
        return None;
    }
    // At least one: `expand=` is the same text for no relation and for one empty name, and
    // the server refuses it.
    let ReferenceOr::Item(items) = schema(json!({
        "type": "array",
        "minItems": 1,
        "items": { "type": "string", "enum": relations },
    })) else {
        return None;
    };
    Some(Parameter::Query {
        parameter_data: ParameterData {
            name: "expand".into(),
            description: Some(
                "Relations to embed under `_embedded`, comma-separated; one that cannot be \
                 fetched is listed under `_embedded_errors` instead."
                    .into(),
            ),
            required: false,
            deprecated: None,
            format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(items)),
            example: None,
            examples: IndexMap::new(),
            explode: Some(false),
            extensions: IndexMap::new(),
        },
        allow_reserved: false,
        style: QueryStyle::Form,
        allow_empty_value: None,
    })
}

/// The HAL link schemas every `@hypermedia` document shares.
pub(super) fn components() -> [(&'static str, ReferenceOr<Schema>); 2] {
    let link = json!({
        "type": "object",
        "description": "A HAL link: where the related resource or action is, and its method.",
        "properties": {
            "href": { "type": "string" },
            "method": { "type": "string" },
        },
        "required": ["href"],
    });
    let one = json!({ "$ref": format!("#/components/schemas/{LINK}") });
    let links = json!({
        "type": "object",
        "description": "HAL links by relation: `self`, an operation's name, or an `@link` \
                        relation (a list of links for a list field).",
        "additionalProperties": {
            "oneOf": [one, { "type": "array", "items": one }],
        },
    });
    [(LINK, schema(link)), (LINKS, schema(links))]
}

fn schema(value: Value) -> ReferenceOr<Schema> {
    serde_json::from_value(value).expect("a schema openapiv3 reads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_camel_and_unique() {
        assert_eq!(lower_camel("create_order"), "createOrder");
        assert_eq!(lower_camel("get"), "get");
        assert_eq!(summary_of("get_order"), "Get order");
    }
}
