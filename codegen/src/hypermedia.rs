//! Which links a `@hypermedia` service's resources carry (the language reference, "Hypermedia
//! and expansion"): derived once from the model for every emitter that shows them (the Rust
//! skeleton renders them, OpenAPI documents them as `links` and `_links`).
//!
//! A resource is the struct output of one of the service's `@http` operations. It links to
//! - `self`: the service's GET operation that returns that type, with every path parameter a
//!   field of it;
//! - each other `@http` operation of the service that has path parameters, all fields of the
//!   type (named after the operation);
//! - each `@link` relation of its fields.

use accord_idl::model::*;

/// The links of one resource type in one service.
#[derive(Debug)]
pub struct ResourceLinks<'m> {
    pub resource: DeclId,
    /// The `self` operation, when there is one.
    pub self_op: Option<usize>,
    /// Every other operation the resource links to, in declaration order.
    pub actions: Vec<usize>,
    /// The `@link` relations of its fields.
    pub relations: &'m [Link],
}

impl ResourceLinks<'_> {
    /// The linked operations with the name of their link: `self` first, then the actions.
    pub fn operations<'a>(
        &'a self,
        service: &'a Service,
    ) -> impl Iterator<Item = (&'a str, usize)> {
        let own = self.self_op.map(|i| ("self", i));
        own.into_iter().chain(
            self.actions
                .iter()
                .map(move |&i| (service.operations[i].name.as_str(), i)),
        )
    }
}

/// The resource types of a `@hypermedia` service (struct outputs of its `@http` operations,
/// streams excluded), each once, in the order operations name them; none for another service.
pub fn resources(model: &Model, id: ServiceId) -> Vec<DeclId> {
    let service = model.service(id);
    if !service.hypermedia {
        return Vec::new();
    }
    let mut out = Vec::new();
    for op in &service.operations {
        if let (Some(_), Output::Single(d)) = (&op.http, &op.output)
            && model.decl(*d).as_struct().is_some()
            && !out.contains(d)
        {
            out.push(*d);
        }
    }
    out
}

/// The links of resource `resource` in service `id`.
pub fn links(model: &Model, id: ServiceId, resource: DeclId) -> ResourceLinks<'_> {
    let service = model.service(id);
    let fields = model.fields(resource);
    // Every path parameter of `op` is a field of the resource, by name and type.
    let reachable = |op: &Operation| -> Option<bool> {
        let http = op.http.as_ref()?;
        let input = model.fields(op.input?);
        let mut any = false;
        for segment in &http.segments {
            if let PathSegment::Param(i) = segment {
                let param = &input[*i];
                fields
                    .iter()
                    .find(|f| f.name == param.name && f.ty == param.ty)?;
                any = true;
            }
        }
        Some(any)
    };
    let self_op = service.operations.iter().position(|op| {
        op.http
            .as_ref()
            .is_some_and(|h| h.method == HttpMethod::Get)
            && op.output == Output::Single(resource)
            && reachable(op) == Some(true)
    });
    let actions = (0..service.operations.len())
        .filter(|&i| Some(i) != self_op && reachable(&service.operations[i]) == Some(true))
        .collect();
    ResourceLinks {
        resource,
        self_op,
        actions,
        relations: model.links(resource),
    }
}

/// Where a relation's value goes in the linked operation's request: its path placeholder or
/// its query parameter.
pub enum ValueAt<'m> {
    Path,
    Query(&'m str),
}

/// The linked operation's one required input field (its index) and where it travels.
pub fn relation_value<'m>(model: &'m Model, link: &Link) -> Option<(usize, ValueAt<'m>)> {
    let op = model.op(link.target);
    let http = op.http.as_ref()?;
    let fields = model.fields(op.input?);
    let field = fields
        .iter()
        .position(|f| !f.optional && f.default.is_none())?;
    let param = http.params.iter().find(|p| p.field == field)?;
    match &param.location {
        ParamLocation::Path => Some((field, ValueAt::Path)),
        ParamLocation::Query(name) => Some((field, ValueAt::Query(name))),
        ParamLocation::Header(_) | ParamLocation::Body => None,
    }
}

/// The linked operation's href with `{}` where the relation's value goes.
pub fn relation_href(model: &Model, link: &Link) -> Option<String> {
    let op = model.op(link.target);
    let http = op.http.as_ref()?;
    let (field, at) = relation_value(model, link)?;
    Some(match at {
        ValueAt::Path => {
            let mut href = String::new();
            for segment in &http.segments {
                match segment {
                    PathSegment::Literal(l) => href.push_str(l),
                    PathSegment::Param(i) if *i == field => href.push_str("{}"),
                    PathSegment::Param(_) => return None,
                }
            }
            href
        }
        ValueAt::Query(name) => format!("{}?{name}={{}}", http.path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_idl::compile_str;

    #[test]
    fn self_actions_and_relations_follow_the_fields() {
        let c = compile_str(
            "package p;
version 1.0.0;
struct Id { id: i64 = 1; }
struct CustomerId { customer_id: i64 = 1; }
struct Customer { customer_id: i64 = 1; }
struct Order {
    id: i64 = 1;
    @link(customer, Customers.get)
    customer_id: i64 = 2;
}
struct Created { id: i64 = 1; }
service Customers {
    @http(GET, \"/customers/{customer_id}\")
    op get(CustomerId) -> Customer;
}
@hypermedia
service Orders {
    @http(POST, \"/orders\", status = 201)
    op create(Order) -> Created;
    @http(GET, \"/orders/{id}\")
    op get(Id) -> Order;
    @http(POST, \"/orders/{id}/cancel\")
    op cancel(Id) -> Order;
}",
        );
        assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
        let m = &c.model;
        let orders = m.find_service("p.Orders").unwrap();
        let found = resources(m, orders);
        assert_eq!(found.len(), 2);
        let created = links(m, orders, found[0]);
        assert_eq!(
            (created.self_op, created.actions.clone()),
            (None, vec![1, 2])
        );
        let order = links(m, orders, found[1]);
        assert_eq!((order.self_op, order.actions.clone()), (Some(1), vec![2]));
        assert_eq!(order.relations[0].rel, "customer");
        assert_eq!(
            relation_href(m, &order.relations[0]).as_deref(),
            Some("/customers/{}")
        );
        let customers = m.find_service("p.Customers").unwrap();
        assert!(resources(m, customers).is_empty());
    }
}
