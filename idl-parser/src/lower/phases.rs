//! The second half of lowering, in five phases: enums (defaults of other types name their
//! values), then structs and unions, channels, services (which need the types' fields and the
//! channels' messages), and last the structs' `@link`s (which name services' operations).
//!
//! Within a phase every item reads only what earlier phases finished, so its items are lowered
//! on every core against a shared, read-only model; the results are then written into the model
//! in item order. Each thread collects its own diagnostics and the runs are joined in order, so
//! the findings are those, in the order, of one thread doing it all.

use super::decls::LoweredDecl;
use super::scope::Scope;
use super::services::{LoweredChannel, LoweredService};
use super::{Entry, Lowerer, Slot};
use crate::diagnostic::Diagnostic;
use crate::model::{DeclId, Link, Model, Spans};
use crate::parallel;
use crate::syntax::ItemKind;

/// Below this many source bytes in a phase, one thread does it all: a thread costs more.
pub(super) const PARALLEL_MIN_BYTES: usize = 64 * 1024;

/// What every phase shares: the names in scope and how many threads it may use.
#[derive(Clone, Copy)]
pub(super) struct Shared<'s> {
    pub scope: &'s Scope,
    pub threads: usize,
}

pub(super) fn lower_items(
    items: &[Entry],
    shared: Shared,
    model: &mut Model,
    spans: &mut Spans,
    diags: &mut Vec<Diagnostic>,
) {
    let of = |want: fn(&ItemKind) -> bool| -> Vec<Entry> {
        items
            .iter()
            .filter(|(_, i, _)| want(&i.kind))
            .copied()
            .collect()
    };
    let enums = of(|k| matches!(k, ItemKind::Enum(_)));
    let lowered = run(&enums, shared, model, spans, diags, decl);
    apply_decls(lowered, model, spans);
    let types = of(|k| matches!(k, ItemKind::Struct(_) | ItemKind::Union(_)));
    let lowered = run(&types, shared, model, spans, diags, decl);
    apply_decls(lowered, model, spans);
    let channels = of(|k| matches!(k, ItemKind::Channel(_)));
    let lowered = run(&channels, shared, model, spans, diags, channel);
    apply_channels(lowered, model);
    let services = of(|k| matches!(k, ItemKind::Service(_)));
    let lowered = run(&services, shared, model, spans, diags, service);
    apply_services(lowered, model, spans);
    let lowered = run(&types, shared, model, spans, diags, links);
    super::links::apply(lowered, model);
}

fn decl(l: &mut Lowerer, &(file, item, slot): &Entry) -> Option<LoweredDecl> {
    l.lower_decl(file, item, slot)
}

fn links(l: &mut Lowerer, entry: &Entry) -> Option<(DeclId, Vec<Link>)> {
    l.lower_links(entry)
}

fn channel(l: &mut Lowerer, &(file, item, slot): &Entry) -> Option<LoweredChannel> {
    match (&item.kind, slot) {
        (ItemKind::Channel(c), Slot::Channel(id)) => Some(l.lower_channel(file, item, c, id)),
        _ => None,
    }
}

fn service(l: &mut Lowerer, &(file, item, slot): &Entry) -> Option<LoweredService> {
    match (&item.kind, slot) {
        (ItemKind::Service(s), Slot::Service(id)) => Some(l.lower_service(file, item, s, id)),
        _ => None,
    }
}

/// Lowers `items` with `lower`, on several threads when they are many; results in item order.
fn run<T: Send>(
    items: &[Entry],
    shared: Shared,
    model: &Model,
    spans: &Spans,
    diags: &mut Vec<Diagnostic>,
    lower: fn(&mut Lowerer, &Entry) -> Option<T>,
) -> Vec<T> {
    let weight = |(_, item, _): &Entry| item.span.len();
    let bytes: usize = items.iter().map(weight).sum();
    let threads = if bytes < PARALLEL_MIN_BYTES {
        1
    } else {
        shared.threads
    };
    let runs = parallel::runs(items, threads, weight, |run| {
        let mut found = Vec::new();
        let mut l = Lowerer {
            diags: &mut found,
            scope: shared.scope,
            model,
            spans,
        };
        let out: Vec<T> = run.iter().filter_map(|e| lower(&mut l, e)).collect();
        (out, found)
    });
    let mut out = Vec::with_capacity(items.len());
    for (lowered, found) in runs {
        out.extend(lowered);
        diags.extend(found);
    }
    out
}

fn apply_decls(lowered: Vec<LoweredDecl>, model: &mut Model, spans: &mut Spans) {
    for d in lowered {
        let decl = &mut model.decls[d.id.index()];
        (decl.lifecycle, decl.kind) = (d.lifecycle, d.kind);
        spans.decls[d.id.index()].members = d.members;
    }
}

fn apply_channels(lowered: Vec<LoweredChannel>, model: &mut Model) {
    for c in lowered {
        let channel = &mut model.channels[c.id.index()];
        (channel.lifecycle, channel.kind, channel.format) = (c.lifecycle, c.kind, c.format);
        (channel.address, channel.messages, channel.key) = (c.address, c.messages, c.key);
    }
}

fn apply_services(lowered: Vec<LoweredService>, model: &mut Model, spans: &mut Spans) {
    for s in lowered {
        let service = &mut model.services[s.id.index()];
        (service.lifecycle, service.timeout, service.operations) =
            (s.lifecycle, s.timeout, s.operations);
        (service.auth, service.scopes) = (s.auth, s.scopes);
        (service.publishes, service.subscribes) = (s.publishes, s.subscribes);
        (service.uses, service.hypermedia) = (s.uses, s.hypermedia);
        let [operations, publishes, subscribes, uses] = s.spans;
        let service_spans = &mut spans.services[s.id.index()];
        service_spans.operations = operations;
        service_spans.publishes = publishes;
        service_spans.subscribes = subscribes;
        service_spans.uses = uses;
    }
}
