//! `@link(rel, Service.op)` on a field (REST Level 3): the operation exists and is
//! `@http(GET)` (A1101), its input is exactly one required field of the annotated field's type,
//! or of its element type for a list (A1102), and the relation is one name, unique within its
//! struct and not `self` (A1103).
//!
//! Why: a relation is followed by clients (`_links.rel.href`) and fetched by servers
//! (`?expand=rel`) from the field's value alone. A link to an operation that needs more than
//! that value, or that is not a GET, cannot be followed or expanded; two relations with one
//! name would be one key in `_links`.
//!
//! ```accord
//! struct Order {
//!     @link(consumer, ConsumerService.update_consumer)  // A1101: a PUT
//!     consumer_id: i64 = 1;
//! }
//! ```
//!
//! Called by: `lower::links`, the last lowering step, once every service's operations are
//! lowered (a link may name any service, declared before or after the struct).

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::Span;
use crate::syntax::{Ident, Path};

/// The index of the operation `name` of `service` when it is an `@http(GET)` operation.
pub(crate) fn target(
    model: &Model,
    service: ServiceId,
    name: &Ident,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let s = model.service(service);
    let qualified = model.qualified_service_name(service);
    let Some(index) = s.operations.iter().position(|o| o.name == name.text) else {
        let known: Vec<&str> = s.operations.iter().map(|o| o.name.as_str()).collect();
        let d = Diagnostic::new(
            &codes::LINK_TARGET,
            format!("`{qualified}` has no operation `{}`", name.text),
            name.span,
        );
        diags.push(
            match super::types::suggest(&name.text, known.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("its operations: {}", known.join(", "))),
            },
        );
        return None;
    };
    let op = &s.operations[index];
    let get = op
        .http
        .as_ref()
        .is_some_and(|h| h.method == HttpMethod::Get);
    if !get || op.output.is_stream() || op.output.decl().is_none() {
        diags.push(
            Diagnostic::new(
                &codes::LINK_TARGET,
                format!(
                    "`{qualified}.{}` cannot be linked: a relation is fetched with a GET that \
                     returns one resource",
                    name.text
                ),
                name.span,
            )
            .with_help("link to an `@http(GET, ...)` operation with a single output"),
        );
        return None;
    }
    Some(index)
}

/// A service path missing from `@link(rel, op)`: `op` alone does not say whose it is.
pub(crate) fn unqualified(op: &Path, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::LINK_TARGET,
            format!("`{}` does not name a service's operation", op.text()),
            op.span,
        )
        .with_help("write `Service.operation` (or `package.Service.operation`)"),
    );
}

/// Whether the linked operation's input is exactly one required field (not optional, no
/// default) of the annotated field's type, or of its element type for a list.
pub(crate) fn input(
    model: &Model,
    target: OpRef,
    field: &Field,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let op = model.op(target);
    let value = match &field.ty {
        Type::List(item) => item.as_ref(),
        other => other,
    };
    let fields = op.input.map_or(&[][..], |d| model.fields(d));
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.optional && f.default.is_none())
        .collect();
    let fits = matches!(required.as_slice(), [only] if &only.ty == value);
    // A link is an href: the value must travel in the path or the query, not in a header.
    let in_header = fits
        && op.http.as_ref().is_some_and(|h| {
            h.params.iter().any(|p| {
                matches!(p.location, ParamLocation::Header(_))
                    && fields[p.field].name == required[0].name
            })
        });
    if in_header {
        diags.push(
            Diagnostic::new(
                &codes::LINK_INPUT,
                format!(
                    "`{}` takes `{}` in a header, which a link cannot carry",
                    op.name, required[0].name
                ),
                span,
            )
            .with_help("bind that field to the path or the query of the linked operation"),
        );
        return false;
    }
    if !fits {
        let name = format!(
            "{}.{}",
            model.qualified_service_name(target.service),
            op.name
        );
        let found = match required.as_slice() {
            [] => "no required field".to_owned(),
            [only] => format!("one required field, `{}`, of another type", only.name),
            many => format!("{} required fields", many.len()),
        };
        diags.push(
            Diagnostic::new(
                &codes::LINK_INPUT,
                format!(
                    "`{name}` cannot be called with `{}` alone: its input has {found}",
                    field.name
                ),
                span,
            )
            .with_help(
                "link to an operation whose input has exactly one required field, of the \
                 linked field's type (its element type for a list)",
            ),
        );
    }
    fits
}

/// Whether `rel` is a usable relation name not yet in `seen` (the struct's earlier ones).
pub(crate) fn relation(rel: &Path, seen: &[(String, Span)], diags: &mut Vec<Diagnostic>) -> bool {
    let name = rel.text();
    let problem = if rel.segments.len() != 1 {
        Some(format!("relation `{name}` is not a single name"))
    } else if name == "self" {
        Some("`self` is the resource's own link, not a relation".to_owned())
    } else {
        None
    };
    if let Some(message) = problem {
        diags.push(
            Diagnostic::new(&codes::LINK_RELATION, message, rel.span)
                .with_help("name the relation after what it leads to, like `consumer`"),
        );
        return false;
    }
    if let Some((_, first)) = seen.iter().find(|(r, _)| *r == name) {
        diags.push(
            Diagnostic::new(
                &codes::LINK_RELATION,
                format!("relation `{name}` is given twice"),
                rel.span,
            )
            .with_secondary(*first, "first given here")
            .with_help("each relation is one key of `_links` and `_embedded`: rename one"),
        );
        return false;
    }
    true
}
