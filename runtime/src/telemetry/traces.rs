//! The call spans as OpenTelemetry spans: tracing-opentelemetry's layer exports every
//! `tracing` span, and [`CallSpans`] gives the runtime's `accord.call` spans the call's own
//! identity: the W3C trace id the runtime propagates, `service/operation` as the name and
//! the side as the kind, so a collector shows the same trace id as the `traceparent` headers.

use opentelemetry::trace::{SpanKind, TraceContextExt as _, TraceId};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_opentelemetry::OtelData;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The name of the runtime's call spans (`call::inbound::span`, `call::outbound::span`).
const CALL_SPAN: &str = "accord.call";

/// Rewrites the OpenTelemetry data of each `accord.call` span. It must sit above (be added
/// after) the OpenTelemetry layer, whose data it edits.
pub(super) struct CallSpans;

impl<S> Layer<S> for CallSpans
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != CALL_SPAN {
            return;
        }
        let mut fields = CallFields::default();
        attrs.record(&mut fields);
        edit(id, &ctx, &fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if span.name() != CALL_SPAN {
            return;
        }
        let mut fields = CallFields::default();
        values.record(&mut fields);
        edit(id, &ctx, &fields);
    }
}

fn edit<S>(id: &Id, ctx: &Context<'_, S>, fields: &CallFields)
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(span) = ctx.span(id) else { return };
    let mut extensions = span.extensions_mut();
    let Some(data) = extensions.get_mut::<OtelData>() else {
        return;
    };
    if let (Some(service), Some(operation)) = (&fields.service, &fields.operation) {
        data.builder.name = format!("{service}/{operation}").into();
    }
    match fields.side.as_deref() {
        Some("server") => data.builder.span_kind = Some(SpanKind::Server),
        Some("client") => data.builder.span_kind = Some(SpanKind::Client),
        _ => {}
    }
    // Only a root span takes the call's trace id: a span under another OpenTelemetry span
    // belongs to that one's trace. The runtime records the id before the span is entered, so
    // no child has copied the generated one yet.
    if let Some(trace_id) = fields.trace_id
        && !data.parent_cx.has_active_span()
    {
        data.builder.trace_id = Some(trace_id);
    }
}

/// The fields of a call span that name it.
#[derive(Default)]
struct CallFields {
    side: Option<String>,
    service: Option<String>,
    operation: Option<String>,
    trace_id: Option<TraceId>,
}

impl Visit for CallFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "side" => self.side = Some(value.to_owned()),
            "service" => self.service = Some(value.to_owned()),
            "operation" => self.operation = Some(value.to_owned()),
            "trace_id" => self.trace_id = TraceId::from_hex(value).ok(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `trace_id` is recorded as a `String` (its `Display`); others come as `str`.
        if field.name() == "trace_id" {
            self.record_str(field, format!("{value:?}").trim_matches('"'));
        }
    }
}
