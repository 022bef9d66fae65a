//! Rules for declarations and their members: structs, errors, events, enums and unions.
//! Members are matched by number, so a new name at an old number is a rename.

use super::{Class, Ctx, Rule, type_text};
use crate::model::{DeclId, DeclKind, Field, Lifecycle, Link, Struct, StructRole};

rules! {
    DECL_REMOVED = "decl-removed", Major, "Removing a declaration breaks every user of its name.";
    DECL_ADDED = "decl-added", Minor, "A new declaration is new surface; nothing existing changes.";
    DECL_KIND_CHANGED = "decl-kind-changed", Major, "A struct that becomes an enum (etc.) changes its wire shape.";
    ERROR_STATUS_CHANGED = "error-status-changed", Major, "Clients branch on an error's HTTP status.";
    MEMBER_REMOVED = "member-removed", Major, "Removing a field, enum value or variant breaks readers and writers of it.";
    MEMBER_RENAMED = "member-renamed", Major, "The name is on the JSON wire and in generated code.";
    MEMBER_TYPE_CHANGED = "member-type-changed", Major, "Old peers cannot decode the new type.";
    FIELD_ADDED_REQUIRED_REQUEST = "field-added-required-request", Major, "Old clients do not send the new required field.";
    FIELD_ADDED = "field-added", Minor, "An optional request field or any response field: old peers ignore it.";
    FIELD_MADE_REQUIRED_REQUEST = "field-made-required-request", Major, "Old clients may omit it.";
    FIELD_MADE_REQUIRED = "field-made-required", Minor, "Response side only: clients that handled absence still work.";
    FIELD_MADE_OPTIONAL_RESPONSE = "field-made-optional-response", Major, "Old clients rely on its presence.";
    FIELD_MADE_OPTIONAL = "field-made-optional", Minor, "Request side only: servers accept more than before.";
    ENUM_VALUE_ADDED = "enum-value-added", Minor, "New value; clients must treat unknown values gracefully.";
    VARIANT_ADDED = "variant-added", Minor, "New union variant, like a new enum value.";
    CONSTRAINTS_CHANGED_REQUEST = "constraints-changed-request", Major, "Conservative: a request-side constraint change may reject what old clients send.";
    CONSTRAINTS_CHANGED = "constraints-changed", Minor, "Response-only constraint changes describe values differently but decode the same.";
    DEFAULT_CHANGED = "default-changed", Major, "Conservative: the meaning of an omitted field changes silently.";
    DEPRECATED = "deprecated", Minor, "Deprecating anything is a new promise, not a break.";
    LINK_ADDED = "link-added", Minor, "A new `@link` relation: responses gain a `_links` entry and `?expand=` a value; old clients ignore both.";
    LINK_REMOVED = "link-removed", Major, "Clients that follow or expand the relation find it gone.";
    LINK_CHANGED = "link-changed", Major, "The relation now leads to another operation or comes from another field: clients that follow it get something else.";
    DOCS_CHANGED = "docs-changed", Patch, "Documentation changes only.";
}

pub(super) fn compare(ctx: &mut Ctx) {
    for old_id in ctx.old.decl_ids() {
        let name = ctx.old.qualified_decl_name(old_id);
        let pkg = ctx.old.package(ctx.old.decl(old_id).package).name.clone();
        let old_span = ctx.old_spans.decls[old_id.index()].name;
        match ctx.new.find_decl(&name) {
            None => ctx.push(
                &DECL_REMOVED,
                &pkg,
                format!("`{name}` was removed"),
                Some(old_span),
                None,
            ),
            Some(new_id) => compare_decl(ctx, &pkg, &name, old_id, new_id),
        }
    }
    for new_id in ctx.new.decl_ids() {
        let name = ctx.new.qualified_decl_name(new_id);
        if ctx.old.find_decl(&name).is_none() {
            let pkg = ctx.new.package(ctx.new.decl(new_id).package).name.clone();
            let span = ctx.new_spans.decls[new_id.index()].name;
            ctx.push(
                &DECL_ADDED,
                &pkg,
                format!("`{name}` was added"),
                None,
                Some(span),
            );
        }
    }
}

fn compare_decl(ctx: &mut Ctx, pkg: &str, name: &str, old_id: DeclId, new_id: DeclId) {
    let (o, n) = (ctx.old.decl(old_id), ctx.new.decl(new_id));
    let spans = (
        Some(ctx.old_spans.decls[old_id.index()].name),
        Some(ctx.new_spans.decls[new_id.index()].name),
    );
    if o.keyword() != n.keyword() && !both_structs(&o.kind, &n.kind) {
        let msg = format!("`{name}` changed from {} to {}", o.keyword(), n.keyword());
        ctx.push(&DECL_KIND_CHANGED, pkg, msg, spans.0, spans.1);
        return;
    }
    lifecycle_and_docs(
        ctx,
        pkg,
        name,
        (&o.docs, &o.lifecycle),
        (&n.docs, &n.lifecycle),
        spans,
    );
    match (&o.kind, &n.kind) {
        (DeclKind::Struct(a), DeclKind::Struct(b)) => {
            if let (StructRole::Error { status: x }, StructRole::Error { status: y }) =
                (a.role, b.role)
                && x != y
            {
                ctx.push(
                    &ERROR_STATUS_CHANGED,
                    pkg,
                    format!("`{name}` status {x} became {y}"),
                    spans.0,
                    spans.1,
                );
            }
            if a.role != b.role
                && !matches!(
                    (a.role, b.role),
                    (StructRole::Error { .. }, StructRole::Error { .. })
                )
            {
                let msg = format!("`{name}` changed from {} to {}", o.keyword(), n.keyword());
                ctx.push(&DECL_KIND_CHANGED, pkg, msg, spans.0, spans.1);
            }
            fields(
                ctx,
                pkg,
                name,
                (old_id, &a.fields),
                (new_id, &b.fields),
                &FIELD_ADDED,
            );
            links(ctx, pkg, name, (a, b), spans);
        }
        (DeclKind::Union(a), DeclKind::Union(b)) => fields(
            ctx,
            pkg,
            name,
            (old_id, &a.variants),
            (new_id, &b.variants),
            &VARIANT_ADDED,
        ),
        (DeclKind::Enum(a), DeclKind::Enum(b)) => {
            enum_values(ctx, pkg, name, (old_id, a), (new_id, b))
        }
        _ => {}
    }
}

/// `@link` relations, matched by name; a relation is where it leads (the qualified
/// operation) from which field (by number).
fn links(ctx: &mut Ctx, pkg: &str, name: &str, (a, b): (&Struct, &Struct), spans: SpanPair) {
    let leads = |m: &crate::Model, s: &Struct, l: &Link| {
        let op = &m.op(l.target).name;
        let field = s.fields.get(l.field).map_or(0, |f| f.number);
        (
            format!("{}.{op}", m.qualified_service_name(l.target.service)),
            field,
        )
    };
    for old in &a.links {
        let was = leads(ctx.old, a, old);
        match b.links.iter().find(|l| l.rel == old.rel) {
            None => ctx.push(
                &LINK_REMOVED,
                pkg,
                format!("relation `{}` of `{name}` was removed", old.rel),
                spans.0,
                spans.1,
            ),
            Some(new) if leads(ctx.new, b, new) != was => {
                let (op, field) = leads(ctx.new, b, new);
                ctx.push(
                    &LINK_CHANGED,
                    pkg,
                    format!(
                        "relation `{}` of `{name}` led to `{}` from field {}, now to `{op}` \
                         from field {field}",
                        old.rel, was.0, was.1
                    ),
                    spans.0,
                    spans.1,
                )
            }
            Some(_) => {}
        }
    }
    for new in b
        .links
        .iter()
        .filter(|n| !a.links.iter().any(|o| o.rel == n.rel))
    {
        ctx.push(
            &LINK_ADDED,
            pkg,
            format!("relation `{}` was added to `{name}`", new.rel),
            spans.0,
            spans.1,
        );
    }
}

fn both_structs(a: &DeclKind, b: &DeclKind) -> bool {
    matches!((a, b), (DeclKind::Struct(_), DeclKind::Struct(_)))
}

pub(super) type SpanPair = (Option<crate::Span>, Option<crate::Span>);

/// A deprecation and changed documentation of `what` (its docs and lifecycle, old and new), in
/// that order.
pub(super) fn lifecycle_and_docs(
    ctx: &mut Ctx,
    pkg: &str,
    what: &str,
    old: (&Option<String>, &Lifecycle),
    new: (&Option<String>, &Lifecycle),
    spans: SpanPair,
) {
    if old.1.deprecated.is_none() && new.1.deprecated.is_some() {
        ctx.push(
            &DEPRECATED,
            pkg,
            format!("`{what}` was deprecated"),
            spans.0,
            spans.1,
        );
    }
    if old.0 != new.0 {
        ctx.push(
            &DOCS_CHANGED,
            pkg,
            format!("documentation of `{what}` changed"),
            spans.0,
            spans.1,
        );
    }
}

fn enum_values(
    ctx: &mut Ctx,
    pkg: &str,
    name: &str,
    old: (DeclId, &crate::model::Enum),
    new: (DeclId, &crate::model::Enum),
) {
    for (i, v) in old.1.values.iter().enumerate() {
        let os = Some(ctx.old_spans.decls[old.0.index()].members[i]);
        let found = new.1.values.iter().position(|w| w.number == v.number);
        let Some(j) = found else {
            ctx.push(
                &MEMBER_REMOVED,
                pkg,
                format!("`{name}.{}` = {} was removed", v.name, v.number),
                os,
                None,
            );
            continue;
        };
        let w = &new.1.values[j];
        let ns = Some(ctx.new_spans.decls[new.0.index()].members[j]);
        if v.name != w.name {
            ctx.push(
                &MEMBER_RENAMED,
                pkg,
                format!(
                    "`{name}` value {} renamed `{}` to `{}`",
                    v.number, v.name, w.name
                ),
                os,
                ns,
            );
        }
        let what = format!("{name}.{}", w.name);
        lifecycle_and_docs(
            ctx,
            pkg,
            &what,
            (&v.docs, &v.lifecycle),
            (&w.docs, &w.lifecycle),
            (os, ns),
        );
    }
    for (j, w) in new.1.values.iter().enumerate() {
        if !old.1.values.iter().any(|v| v.number == w.number) {
            let ns = Some(ctx.new_spans.decls[new.0.index()].members[j]);
            ctx.push(
                &ENUM_VALUE_ADDED,
                pkg,
                format!("`{name}.{}` = {} was added", w.name, w.number),
                None,
                ns,
            );
        }
    }
}

fn fields(
    ctx: &mut Ctx,
    pkg: &str,
    name: &str,
    old: (DeclId, &[Field]),
    new: (DeclId, &[Field]),
    added_rule: &'static Rule,
) {
    for (i, f) in old.1.iter().enumerate() {
        let os = Some(ctx.old_spans.decls[old.0.index()].members[i]);
        match new.1.iter().position(|g| g.number == f.number) {
            None => ctx.push(
                &MEMBER_REMOVED,
                pkg,
                format!("`{name}.{}` = {} was removed", f.name, f.number),
                os,
                None,
            ),
            Some(j) => {
                let ns = Some(ctx.new_spans.decls[new.0.index()].members[j]);
                field(ctx, pkg, name, (old.0, f), (new.0, &new.1[j]), (os, ns));
            }
        }
    }
    for (j, g) in new.1.iter().enumerate() {
        if old.1.iter().any(|f| f.number == g.number) {
            continue;
        }
        let ns = Some(ctx.new_spans.decls[new.0.index()].members[j]);
        let rule = if added_rule == &FIELD_ADDED && !g.optional && ctx.new_dirs.on_request(new.0) {
            &FIELD_ADDED_REQUIRED_REQUEST
        } else {
            added_rule
        };
        ctx.push(
            rule,
            pkg,
            format!("`{name}.{}` = {} was added", g.name, g.number),
            None,
            ns,
        );
    }
}

fn field(
    ctx: &mut Ctx,
    pkg: &str,
    name: &str,
    old: (DeclId, &Field),
    new: (DeclId, &Field),
    spans: SpanPair,
) {
    let (f, g) = (old.1, new.1);
    let what = format!("{name}.{}", g.name);
    if f.name != g.name {
        ctx.push(
            &MEMBER_RENAMED,
            pkg,
            format!(
                "`{name}` field {} renamed `{}` to `{}`",
                f.number, f.name, g.name
            ),
            spans.0,
            spans.1,
        );
    }
    let (ot, nt) = (type_text(ctx.old, &f.ty), type_text(ctx.new, &g.ty));
    if ot != nt {
        ctx.push(
            &MEMBER_TYPE_CHANGED,
            pkg,
            format!("`{what}` type `{ot}` became `{nt}`"),
            spans.0,
            spans.1,
        );
    }
    let request = ctx.old_dirs.on_request(old.0) || ctx.new_dirs.on_request(new.0);
    let response = ctx.old_dirs.on_response(old.0) || ctx.new_dirs.on_response(new.0);
    if f.optional && !g.optional {
        let rule = if request {
            &FIELD_MADE_REQUIRED_REQUEST
        } else {
            &FIELD_MADE_REQUIRED
        };
        ctx.push(
            rule,
            pkg,
            format!("`{what}` became required"),
            spans.0,
            spans.1,
        );
    }
    if !f.optional && g.optional {
        let rule = if response {
            &FIELD_MADE_OPTIONAL_RESPONSE
        } else {
            &FIELD_MADE_OPTIONAL
        };
        ctx.push(
            rule,
            pkg,
            format!("`{what}` became optional"),
            spans.0,
            spans.1,
        );
    }
    if f.constraints != g.constraints {
        let rule = if request {
            &CONSTRAINTS_CHANGED_REQUEST
        } else {
            &CONSTRAINTS_CHANGED
        };
        ctx.push(
            rule,
            pkg,
            format!("constraints of `{what}` changed"),
            spans.0,
            spans.1,
        );
    }
    if f.default != g.default {
        ctx.push(
            &DEFAULT_CHANGED,
            pkg,
            format!("default of `{what}` changed"),
            spans.0,
            spans.1,
        );
    }
    lifecycle_and_docs(
        ctx,
        pkg,
        &what,
        (&f.docs, &f.lifecycle),
        (&g.docs, &g.lifecycle),
        spans,
    );
}
