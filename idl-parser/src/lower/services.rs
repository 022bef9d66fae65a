//! Lowering of channels and services (operations, bindings, publishes/subscribes).

use super::{Lowerer, docs};
use crate::check::{
    self,
    annotations::{Anns, Target},
    auth, channels, codes, http,
    names::Dups,
    operations, style, uses,
};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::{FileId, Span};
use crate::syntax::{
    self, Item, LiteralKind, OutputRef, ServiceMember, StreamableType, TypeRefKind,
};

/// What a channel's lowering fills into its placeholder.
pub(super) struct LoweredChannel {
    pub id: ChannelId,
    pub lifecycle: Lifecycle,
    pub kind: ChannelKind,
    pub address: String,
    pub messages: Vec<DeclId>,
    pub key: Option<String>,
    pub format: Format,
}

/// What a service's lowering fills into its placeholder, spans included.
pub(super) struct LoweredService {
    pub id: ServiceId,
    pub lifecycle: Lifecycle,
    pub timeout: Option<std::time::Duration>,
    pub auth: Option<AuthScheme>,
    pub scopes: Option<Vec<String>>,
    pub operations: Vec<Operation>,
    pub publishes: Vec<ChannelId>,
    pub subscribes: Vec<ChannelId>,
    pub uses: Vec<ServiceId>,
    pub hypermedia: bool,
    /// Operations, `publishes` and `subscribes` clauses, used service names.
    pub spans: [Vec<Span>; 4],
}

impl Lowerer<'_> {
    pub(super) fn lower_channel(
        &mut self,
        file: FileId,
        item: &Item,
        c: &syntax::ChannelDecl,
        id: ChannelId,
    ) -> LoweredChannel {
        style::member_name(&c.name.text, c.name.span, "channel", self.diags);
        let (_, lifecycle) = self.attrs(&item.attrs, Target::Channel);
        let clauses = channels::clauses(c, self.diags);
        channels::kind(c, clauses.kind, self.diags);
        channels::format(clauses.format, self.diags);
        // What an unusable clause falls back to (it is reported): the defaults.
        let kind = clauses.kind.and_then(|k| ChannelKind::from_name(&k.text));
        let kind = kind.unwrap_or(ChannelKind::PointToPoint);
        let format = clauses.format.and_then(|f| Format::from_name(&f.text));
        let format = format.unwrap_or_default();
        let address = match clauses.address.map(|a| &a.kind) {
            Some(LiteralKind::String { value, .. }) => value.clone(),
            Some(other) => {
                let span = clauses.address.map_or(c.name.span, |a| a.span);
                channels::address_not_a_string(other, span, self.diags);
                String::new()
            }
            None => String::new(),
        };
        let mut messages = Vec::new();
        for path in clauses.messages.unwrap_or(&[]) {
            if let Some(d) = self.decl(file, path)
                && operations::struct_like(
                    self.model,
                    d,
                    "message",
                    path.span,
                    &codes::CHANNEL_MESSAGE,
                    self.diags,
                )
                && !messages.contains(&d)
            {
                messages.push(d);
            }
        }
        if let Some(k) = clauses.key {
            channels::key(k, &messages, self.model, self.diags);
        }
        LoweredChannel {
            id,
            lifecycle,
            kind,
            address,
            messages,
            key: clauses.key.map(|k| k.text.clone()),
            format,
        }
    }

    pub(super) fn lower_service(
        &mut self,
        file: FileId,
        item: &Item,
        s: &syntax::ServiceDecl,
        id: ServiceId,
    ) -> LoweredService {
        style::service_name(&s.name.text, s.name.span, self.diags);
        let (anns, lifecycle) = self.attrs(&item.attrs, Target::Service);
        let timeout = duration(anns.get("timeout").copied());
        let auth = auth_scheme(&anns, self.diags);
        let scopes = auth::scopes(&anns, self.diags);
        auth::scopes_need_bearer(
            &anns,
            auth.as_ref().unwrap_or(&AuthScheme::None),
            self.diags,
        );
        let hypermedia = anns.contains_key("hypermedia");
        let mut names = Dups::members("operation", s.name.text.clone());
        let mut routes = http::Routes::default();
        let ops = s
            .members
            .iter()
            .filter(|m| matches!(m, ServiceMember::Operation(_)));
        let op_count = ops.count();
        let mut operations = Vec::with_capacity(op_count);
        let mut op_spans = Vec::with_capacity(op_count);
        let (mut publishes, mut subscribes) = (Vec::new(), Vec::new());
        let [mut pub_spans, mut sub_spans] = [Vec::new(), Vec::new()];
        let (mut used, mut used_spans): (Vec<ServiceId>, Vec<Span>) = (Vec::new(), Vec::new());
        for member in &s.members {
            match member {
                ServiceMember::Operation(op) => {
                    if names.add(&op.name.text, op.name.span, self.diags) {
                        let service = (auth.as_ref(), hypermedia);
                        operations.push(self.lower_op(file, op, &mut routes, service));
                        op_spans.push(op.span);
                    }
                }
                ServiceMember::Publishes { channels, span } => {
                    publishes.extend(channels.iter().filter_map(|c| self.channel(file, c)));
                    pub_spans.push(*span);
                }
                ServiceMember::Subscribes { channels, span } => {
                    subscribes.extend(channels.iter().filter_map(|c| self.channel(file, c)));
                    sub_spans.push(*span);
                }
                ServiceMember::Uses { services, .. } => {
                    for path in services {
                        let Some(other) =
                            self.service(file, path, ("uses", &codes::UNKNOWN_SERVICE))
                        else {
                            continue;
                        };
                        if other == id {
                            uses::itself(&s.name.text, path.span, self.diags);
                        } else if let Some(i) = used.iter().position(|&u| u == other) {
                            let name = self.model.qualified_service_name(other);
                            uses::repeated(&name, used_spans[i], path.span, self.diags);
                        } else {
                            used.push(other);
                            used_spans.push(path.span);
                        }
                    }
                }
            }
        }
        LoweredService {
            id,
            lifecycle,
            timeout,
            auth,
            scopes,
            operations,
            publishes,
            subscribes,
            uses: used,
            hypermedia,
            spans: [op_spans, pub_spans, sub_spans, used_spans],
        }
    }

    fn lower_op(
        &mut self,
        file: FileId,
        op: &syntax::OperationDecl,
        routes: &mut http::Routes,
        (service_auth, hypermedia): (Option<&AuthScheme>, bool),
    ) -> Operation {
        style::member_name(&op.name.text, op.name.span, "operation", self.diags);
        let (anns, lifecycle) = self.attrs(
            &op.attrs,
            if op.notify {
                Target::Notify
            } else {
                Target::Op
            },
        );
        let input = op
            .input
            .as_ref()
            .and_then(|t| self.message(file, t, "input"));
        let output = match &op.output {
            None => Output::None,
            Some(OutputRef::Unit(_)) => Output::Unit,
            Some(OutputRef::Type(t)) => match self.message(file, t, "output") {
                Some(d) if t.stream.is_some() => Output::Stream(d),
                Some(d) => Output::Single(d),
                None => Output::Unit,
            },
        };
        let throws = op
            .throws
            .iter()
            .filter_map(|p| {
                self.decl(file, p)
                    .filter(|d| operations::throws(self.model, *d, p.span, self.diags))
            })
            .collect();
        let mut lowered = Operation {
            name: op.name.text.clone(),
            docs: docs(&op.attrs),
            lifecycle,
            input,
            input_stream: op.input.as_ref().is_some_and(|i| i.stream.is_some()),
            output,
            throws,
            http: None,
            channel: None,
            timeout: duration(anns.get("timeout").copied()),
            idempotent: anns.contains_key("idempotent"),
            auth: auth_scheme(&anns, self.diags),
            scopes: auth::scopes(&anns, self.diags),
        };
        let in_force = lowered.auth.as_ref().or(service_auth);
        auth::scopes_need_bearer(&anns, in_force.unwrap_or(&AuthScheme::None), self.diags);
        self.bindings(file, &anns, &mut lowered, routes);
        auth::not_on_channels(&anns, lowered.channel.is_some(), self.diags);
        let in_force = lowered.auth.as_ref().or(service_auth);
        if let (Some(scheme), Some(http), Some(input)) = (in_force, &lowered.http, lowered.input) {
            let spans = self.spans.decls[input.index()].members.as_slice();
            let fields = self.model.fields(input);
            auth::key_header_free(scheme, http, fields, spans, self.diags);
        }
        if let (true, Some(http), Some(input)) = (hypermedia, &lowered.http, lowered.input) {
            let spans = self.spans.decls[input.index()].members.as_slice();
            http::expand_free(http, spans, self.diags);
        }
        lowered.idempotent |= lowered
            .http
            .as_ref()
            .is_some_and(|h| h.method.is_idempotent());
        lowered
    }

    /// `@http`, `@channel` and `@collect`.
    fn bindings(
        &mut self,
        file: FileId,
        anns: &Anns,
        op: &mut Operation,
        routes: &mut http::Routes,
    ) {
        if let (Some(h), Some(c)) = (anns.get("http"), anns.get("channel")) {
            http::with_channel(h, c, self.diags);
        }
        if let Some(ann) = anns.get("http") {
            let fields = op.input.map_or(&[][..], |d| self.model.fields(d));
            let spans = op
                .input
                .map_or(&[][..], |d| self.spans.decls[d.index()].members.as_slice());
            let input = http::Input { fields, spans };
            op.http = http_binding(ann, &input, self.model, self.diags);
            if let Some(b) = &mut op.http {
                b.status = http::success_status(ann, &op.output, self.diags);
            }
            if let Some(b) = &op.http {
                routes.add(b, ann.span, self.diags);
            }
        }
        let collect = anns.get("collect").copied();
        let Some(ann) = anns.get("channel") else {
            if let Some(c) = collect {
                channels::collect_without_channel(c, self.diags);
            }
            return;
        };
        let Some(LiteralKind::Name(path)) = check::annotations::arg(ann) else {
            return;
        };
        let Some(channel) = self.channel(file, path) else {
            return;
        };
        channels::Bound {
            op,
            channel,
            annotation: ann,
            collect,
        }
        .check(self.model, self.diags);
        op.channel = Some(ChannelBinding {
            channel,
            collect: duration(collect),
        });
    }

    /// An input or output: a struct-like declaration.
    fn message(&mut self, file: FileId, t: &StreamableType, role: &str) -> Option<DeclId> {
        let TypeRefKind::Named(path) = &t.ty.kind else {
            operations::not_a_decl(role, t.ty.span, self.diags);
            return None;
        };
        if path.segments.len() == 1 && Scalar::from_name(&path.segments[0].text).is_some() {
            operations::not_a_decl(role, t.ty.span, self.diags);
            return None;
        }
        let d = self.decl(file, path)?;
        operations::struct_like(
            self.model,
            d,
            role,
            path.span,
            &codes::NOT_STRUCT_LIKE,
            self.diags,
        )
        .then_some(d)
    }
}

/// The scheme of `@auth`, when [`auth::scheme`] accepts it.
fn auth_scheme(anns: &Anns, diags: &mut Vec<Diagnostic>) -> Option<AuthScheme> {
    if !auth::scheme(anns, diags) {
        return None;
    }
    let args = anns.get("auth")?.args.as_deref()?;
    let LiteralKind::Name(name) = &args.first()?.value.kind else {
        return None;
    };
    match name.text().as_str() {
        "bearer" => Some(AuthScheme::Bearer),
        "api_key" => match &args.get(1)?.value.kind {
            LiteralKind::String { value, .. } => Some(AuthScheme::ApiKey {
                header: value.clone(),
            }),
            _ => None,
        },
        "none" => Some(AuthScheme::None),
        _ => None,
    }
}

fn duration(ann: Option<&syntax::Annotation>) -> Option<std::time::Duration> {
    match check::annotations::arg(ann?) {
        Some(LiteralKind::Duration(d)) => Some(*d),
        _ => None,
    }
}

/// The binding of an `@http` operation, once its rule accepts the method and path.
fn http_binding(
    ann: &syntax::Annotation,
    input: &http::Input,
    model: &Model,
    diags: &mut Vec<Diagnostic>,
) -> Option<HttpBinding> {
    if !http::route(ann, input, model, diags) {
        return None;
    }
    let (method, path) = match ann.args.as_deref()? {
        [method, path, ..] => (&method.value.kind, &path.value.kind),
        _ => return None,
    };
    let (LiteralKind::Name(method), LiteralKind::String { value: path, .. }) = (method, path)
    else {
        return None;
    };
    let method = HttpMethod::from_name(&method.text())?;
    let segments = segments(path, input);
    let params = params(method, &segments, input);
    let binding = HttpBinding {
        method,
        path: path.clone(),
        segments,
        params,
        status: None,
    };
    http::param_types(&binding, input, model, ann.span, diags);
    Some(binding)
}

/// The segments of a path [`http::route`] accepted: literal text, and each `{field}` as the
/// index of the input field it names.
fn segments(path: &str, input: &http::Input) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let open = rest.find('{').unwrap_or(rest.len());
        if open > 0 {
            segments.push(PathSegment::Literal(rest[..open].to_owned()));
        }
        rest = &rest[open..];
        let Some(close) = rest.find('}') else { break };
        let name = &rest[1..close];
        if let Some(i) = input.fields.iter().position(|f| f.name == name) {
            segments.push(PathSegment::Param(i));
        }
        rest = &rest[close + 1..];
    }
    segments
}

/// Where each input field travels: in the path when a placeholder names it, else where
/// `@query`/`@header` puts it, else in the body (methods with one) or the query.
fn params(method: HttpMethod, segments: &[PathSegment], input: &http::Input) -> Vec<HttpParam> {
    let in_path = |i: usize| segments.contains(&PathSegment::Param(i));
    (0..input.fields.len())
        .map(|field| {
            let location = if in_path(field) {
                ParamLocation::Path
            } else if let Some(o) = &input.fields[field].http_override {
                o.clone()
            } else if method.has_body() {
                ParamLocation::Body
            } else {
                ParamLocation::Query(input.fields[field].name.clone())
            };
            HttpParam { field, location }
        })
        .collect()
}
