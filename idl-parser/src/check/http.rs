//! The HTTP binding: a known method (A0701), a path that starts with `/` with well-formed
//! `{field}` placeholders (A0702), each naming a required scalar or enum input field (A0703), no
//! two operations of a service on one method and path (A0704), and only scalars or enums (lists
//! of them in the query) in the path, query and headers (A0705), not both `@http` and
//! `@channel` (A0706), legal `@query`/`@header` names (A0707), `status = N` a success
//! status that fits the output (A0708), no `@header` (nor API key header) that HTTP, gRPC or
//! Accord's wire keeps for itself (A0709), no `expand` query parameter on a GET of a
//! `@hypermedia` service (A0710), and no path the runtime serves itself (`/health/live`,
//! `/health/ready`, `/metrics`: A0711). Lowering then builds the binding from what these
//! accepted, and where every input field travels (`docs/wire.md`: path, then `@query`/`@header`,
//! then query for GET and DELETE, body for POST, PUT and PATCH).
//!
//! Why: these are the bindings every generated router and client must agree on; an ambiguous
//! route or a struct in a query string has no defined encoding.
//!
//! ```accord
//! @http(FETCH, "orders/{id}")   // A0701, A0702
//! op get(GetOrderRequest) -> Order;
//! ```
//!
//! Called by: `lower::services` (each `@http` operation; the routes of each service) and
//! `lower::decls` (`@header`/`@query` on fields).

use super::{annotations, codes};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::Span;
use crate::syntax::{Annotation, LiteralKind};
use rustc_hash::FxHashMap;

/// `@header("N")` names an HTTP header token (RFC 9110) and `@query("n")` a name of
/// unreserved characters (RFC 3986), so neither can carry CR/LF or separators into a request.
pub(crate) fn param_name(anns: &annotations::Anns, diags: &mut Vec<Diagnostic>) {
    for (which, legal) in [
        ("header", header_char as fn(char) -> bool),
        ("query", query_char),
    ] {
        let Some(ann) = anns.get(which) else { continue };
        let Some(arg) = ann.args.as_ref().and_then(|a| a.first()) else {
            continue;
        };
        let LiteralKind::String { value, .. } = &arg.value.kind else {
            continue;
        };
        if which == "header" && value.chars().all(legal) {
            header_free(value, arg.value.span, diags);
        }
        if value.is_empty() || !value.chars().all(legal) {
            let allowed = match which {
                "header" => "letters, digits and !#$%&'*+-.^_`|~",
                _ => "letters, digits and -._~",
            };
            diags.push(
                Diagnostic::new(
                    &codes::HTTP_NAME,
                    format!("`{}` is not a legal {which} name", value.escape_debug()),
                    arg.value.span,
                )
                .with_help(format!("a {which} name is one or more of: {allowed}")),
            );
        }
    }
}

/// Headers the transports own (A0709), in lower case: HTTP's framing, routing and
/// hop-by-hop headers (RFC 9110, RFC 9112 §9.6, and the connection-specific ones RFC 9113
/// §8.2.2 forbids in HTTP/2), the ones gRPC keeps for itself, and the ones Accord's own wire
/// uses (`docs/wire.md`). A field or an API key in one of them would be dropped, rewritten or
/// misread on the way, or would change how the request itself is read.
const RESERVED_HEADERS: &[&str] = &[
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "expect",
    "host",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "traceparent",
    "tracestate",
    "x-correlation-id",
];

/// Prefixes of header families the transports own: Accord's (`Accord-Error`,
/// `Accord-Deadline-Ms`) and gRPC's (`grpc-timeout`, `grpc-status`).
const RESERVED_PREFIXES: &[&str] = &["accord-", "grpc-"];

/// Header name `name` (an HTTP token) is free for a contract's own use, not one the transports
/// own (A0709): see [`RESERVED_HEADERS`]. A name ending in `-bin` is refused too: gRPC carries
/// such metadata as binary, base64 on the wire, so the text would not arrive as written.
/// Called for `@header` on fields and for the header of `@auth(api_key, header = …)`.
pub(crate) fn header_free(name: &str, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
    let lower = name.to_ascii_lowercase();
    let why = if RESERVED_HEADERS.contains(&lower.as_str()) {
        "HTTP or the transports set or consume it"
    } else if RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        "Accord's wire and gRPC keep headers of this prefix for themselves"
    } else if lower.ends_with("-bin") {
        "gRPC carries `-bin` metadata as binary, not as text"
    } else {
        return true;
    };
    diags.push(
        Diagnostic::new(
            &codes::HEADER_RESERVED,
            format!("the header `{name}` is reserved"),
            span,
        )
        .with_label(why)
        .with_help("choose a header of your own, such as `X-Api-Key` or `X-Tenant`"),
    );
    false
}

/// A GET of a `@hypermedia` service takes `?expand=` for its output's `@link` relations
/// (`docs/wire.md`, "Hypermedia"), so no input field of it may travel in the query as `expand`
/// (A0710): the server could not tell the two apart, and the OpenAPI document would list the
/// parameter twice. Refused even when the output has no relation yet, so adding a `@link`
/// stays a MINOR change. `spans`: where the input's fields are declared.
pub(crate) fn expand_free(
    binding: &HttpBinding,
    spans: &[Span],
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if binding.method != HttpMethod::Get {
        return true;
    }
    let mut free = true;
    for param in &binding.params {
        let (ParamLocation::Query(name), Some(&span)) = (&param.location, spans.get(param.field))
        else {
            continue;
        };
        if name == "expand" {
            diags.push(
                Diagnostic::new(
                    &codes::HTTP_EXPAND,
                    "the query parameter `expand` is reserved in a `@hypermedia` service: it names \
                     the relations to embed",
                    span,
                )
                .with_label("this field travels in the query as `expand`")
                .with_help("rename the field, or send it as `@query(\"other_name\")`"),
            );
            free = false;
        }
    }
    free
}

fn header_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn query_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~".contains(c)
}

/// The operation's input as the binding sees it: its fields and their spans.
pub(crate) struct Input<'a> {
    pub fields: &'a [Field],
    pub spans: &'a [Span],
}

/// `status = N` of `@http`: a success status (2xx) that fits the output: 204 and 205 carry no
/// body, so an operation with an output cannot answer with them, and a stream is always 200
/// (its events follow the head). Returns the status when it is usable.
pub(crate) fn success_status(
    ann: &Annotation,
    output: &Output,
    diags: &mut Vec<Diagnostic>,
) -> Option<u16> {
    let arg = annotations::named(ann, "status")?;
    let LiteralKind::Int(n) = arg.value.kind else {
        return None;
    };
    let problem = match (n, output) {
        (200..=299, Output::Stream(_)) if n != 200 => {
            Some("a streamed output is sent as server-sent events, always with 200".to_owned())
        }
        (204 | 205, Output::Single(_) | Output::Stream(_)) => Some(format!(
            "{n} carries no body, and the operation returns one"
        )),
        (200..=299, _) => None,
        _ => Some(format!("{n} is not a success status (200..=299)")),
    };
    match problem {
        None => Some(n as u16),
        Some(why) => {
            diags.push(
                Diagnostic::new(
                    &codes::HTTP_STATUS,
                    format!("`status = {n}` cannot be this operation's success status: {why}"),
                    arg.span,
                )
                .with_help(
                    "use 201 for a created resource, 202 for accepted work, 204 for no content",
                ),
            );
            None
        }
    }
}

/// Checks the method and path of `@http`: `true` when both are usable (`lower::services` then
/// builds the binding and calls [`param_types`]).
pub(crate) fn route(
    ann: &Annotation,
    input: &Input,
    model: &Model,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let Some(args) = ann.args.as_ref() else {
        return false;
    };
    let method = match &args[0].value.kind {
        LiteralKind::Name(p) => HttpMethod::from_name(&p.text()),
        _ => None,
    };
    if method.is_none() {
        let written = crate::syntax::literal_text(&args[0].value.kind);
        let d = Diagnostic::new(
            &codes::HTTP_METHOD,
            format!("`{written}` is not an HTTP method"),
            args[0].value.span,
        )
        .with_help("use GET, POST, PUT, PATCH or DELETE");
        diags.push(
            match super::types::suggest(&written, HttpMethod::ALL.iter().map(|m| m.as_str())) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d,
            },
        );
    }
    let LiteralKind::String { value: path, .. } = &args[1].value.kind else {
        return false;
    };
    let path_ok = path_usable(path, input, model, args[1].value.span, diags);
    method.is_some() && path_ok && path_free(path, args[1].value.span, diags)
}

/// Paths every generated REST server answers itself (`docs/wire.md`, "Health" and "Metrics"):
/// a contract's operation there would clash with them when the router is built.
const RESERVED_PATHS: &[&str] = &["/health/live", "/health/ready", "/metrics"];

/// Path `path` is not one the runtime serves itself (A0711).
fn path_free(path: &str, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    if !RESERVED_PATHS.contains(&trimmed) {
        return true;
    }
    diags.push(
        Diagnostic::new(
            &codes::HTTP_PATH_RESERVED,
            format!("the path `{path}` is reserved"),
            span,
        )
        .with_label("every generated REST server answers it itself (health and metrics)")
        .with_help("choose a path of your own, such as `/status` under your service's prefix"),
    );
    false
}

/// A path starting with `/`, of routable literal text and whole-segment placeholders, each
/// naming a different required scalar or enum field of the input.
fn path_usable(
    path: &str,
    input: &Input,
    model: &Model,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let bad = |msg: String, diags: &mut Vec<Diagnostic>| {
        diags.push(
            Diagnostic::new(&codes::HTTP_PATH, msg, span)
                .with_help("write a path like \"/orders/{order_id}/cancel\""),
        );
        false
    };
    if !path.starts_with('/') {
        return bad(format!("HTTP path `{path}` does not start with `/`"), diags);
    }
    let mut rest = path;
    let mut used: Vec<usize> = Vec::new();
    let mut ok = true;
    while !rest.is_empty() {
        let open = rest.find('{').unwrap_or(rest.len());
        if rest[..open].contains('}') {
            return bad(format!("unmatched `}}` in HTTP path `{path}`"), diags);
        }
        if open > 0
            && let Some(problem) = literal_problem(&rest[..open])
        {
            return bad(format!("HTTP path `{path}` {problem}"), diags);
        }
        rest = &rest[open..];
        if rest.is_empty() {
            break;
        }
        let Some(close) = rest.find('}') else {
            return bad(format!("unclosed `{{` in HTTP path `{path}`"), diags);
        };
        let whole = path[..path.len() - rest.len()].ends_with('/')
            && matches!(rest[close + 1..].chars().next(), None | Some('/'));
        if !whole {
            return bad(
                format!(
                    "placeholder `{}` in HTTP path `{path}` is not a whole segment (routers \
                     match a parameter only between slashes)",
                    &rest[..=close]
                ),
                diags,
            );
        }
        let name = &rest[1..close];
        if name.is_empty() || name.contains('{') {
            return bad(
                format!(
                    "malformed placeholder `{}` in HTTP path `{path}`",
                    &rest[..=close]
                ),
                diags,
            );
        }
        match placeholder(name, input, model, span, diags) {
            Some(i) if used.contains(&i) => {
                return bad(
                    format!("`{{{name}}}` appears twice in HTTP path `{path}`"),
                    diags,
                );
            }
            Some(i) => used.push(i),
            None => ok = false,
        }
        rest = &rest[close + 1..];
    }
    ok
}

/// Why literal path text is not routable as written, if it is not: only RFC 3986 path
/// characters (unreserved, sub-delimiters, `:` and `@`, no `%`), and no segment starting with
/// `:` or `*` (axum's router reads those as parameters, or panics on them).
fn literal_problem(text: &str) -> Option<String> {
    if let Some(c) = text
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c)))
    {
        let shown: String = c.escape_debug().collect();
        return Some(format!(
            "contains `{shown}`, which is not a path character (write it percent-encoded \
             in the client, not in the route)"
        ));
    }
    text.split('/')
        .find(|segment| segment.starts_with([':', '*']))
        .map(|segment| {
            format!("has a segment `{segment}` starting with `:` or `*`, which routers read as a parameter")
        })
}

/// The input field a placeholder names, if it is a required scalar or enum.
fn placeholder(
    name: &str,
    input: &Input,
    model: &Model,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let Some(i) = input.fields.iter().position(|f| f.name == name) else {
        let d = Diagnostic::new(
            &codes::HTTP_PARAM,
            format!("`{{{name}}}` is not a field of the operation's input"),
            span,
        );
        let names = input.fields.iter().map(|f| f.name.as_str());
        diags.push(match super::types::suggest(name, names) {
            Some(s) => d.with_help(format!("did you mean `{{{s}}}`?")),
            None => {
                d.with_help("each placeholder names a required scalar or enum field of the input")
            }
        });
        return None;
    };
    let field = &input.fields[i];
    if field.optional || !scalar_or_enum(&field.ty, model) {
        let why = if field.optional {
            "optional"
        } else {
            "not a scalar or enum"
        };
        diags.push(
            Diagnostic::new(
                &codes::HTTP_PARAM,
                format!("path placeholder `{{{name}}}` names a field that is {why}"),
                span,
            )
            .with_secondary(input.spans[i], "the field")
            .with_help("path parameters are required scalar or enum fields"),
        );
        return None;
    }
    Some(i)
}

fn scalar_or_enum(ty: &Type, model: &Model) -> bool {
    match ty {
        Type::Scalar(_) => true,
        Type::Named(id) => matches!(model.decl(*id).kind, DeclKind::Enum(_)),
        _ => false,
    }
}

/// Fields that travel in the query or a header must be scalars or enums (lists of them in the
/// query).
pub(crate) fn param_types(
    binding: &HttpBinding,
    input: &Input,
    model: &Model,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    for p in &binding.params {
        let field = &input.fields[p.field];
        let ok = match (&p.location, &field.ty) {
            (ParamLocation::Body | ParamLocation::Path, _) => true,
            (ParamLocation::Query(_), Type::List(inner)) => scalar_or_enum(inner, model),
            (_, ty) => scalar_or_enum(ty, model),
        };
        if !ok {
            let place = if matches!(p.location, ParamLocation::Header(_)) {
                "a header"
            } else {
                "the query"
            };
            diags.push(
                Diagnostic::new(&codes::HTTP_PARAM_TYPE, format!("field `{}` travels in {place} but is of type `{}`", field.name, super::constraints::describe(&field.ty, model)), span)
                    .with_secondary(input.spans[p.field], "this field")
                    .with_help("only scalars and enums (lists of them in the query) travel outside the body; use POST, PUT or PATCH, or wrap the value"),
            );
        }
    }
}

/// Remembers each service's routes (placeholders compared by position) and reports repeats,
/// and two routes of one shape that name their placeholders differently (one router holds a
/// service's routes, and axum's panics on `/a/{x}` beside `/a/{y}`, whatever the methods).
#[derive(Default)]
pub(crate) struct Routes {
    seen: FxHashMap<(HttpMethod, String), Span>,
    names: FxHashMap<String, (String, Span)>,
}

impl Routes {
    pub fn add(&mut self, binding: &HttpBinding, span: Span, diags: &mut Vec<Diagnostic>) {
        let shape: String = binding
            .segments
            .iter()
            .map(|s| match s {
                PathSegment::Literal(l) => l.as_str(),
                PathSegment::Param(_) => "{}",
            })
            .collect();
        if let Some((path, first)) = self.names.get(&shape)
            && *path != binding.path
            && binding
                .segments
                .iter()
                .any(|s| matches!(s, PathSegment::Param(_)))
        {
            diags.push(
                Diagnostic::new(
                    &codes::HTTP_PATH,
                    format!(
                        "HTTP path `{}` differs from `{path}` only in placeholder names",
                        binding.path
                    ),
                    span,
                )
                .with_secondary(*first, "the other path")
                .with_help("routers cannot tell them apart: name the placeholders alike"),
            );
        } else {
            self.names
                .insert(shape.clone(), (binding.path.clone(), span));
        }
        let key = (binding.method, shape);
        if let Some(&first) = self.seen.get(&key) {
            diags.push(
                Diagnostic::new(
                    &codes::HTTP_ROUTE_DUPLICATE,
                    format!(
                        "another operation of this service is already bound to {} {}",
                        binding.method.as_str(),
                        binding.path
                    ),
                    span,
                )
                .with_secondary(first, "first bound here")
                .with_help("placeholders are compared by position; change the method or the path"),
            );
        } else {
            self.seen.insert(key, span);
        }
    }
}

/// `@http` and `@channel` together.
pub(crate) fn with_channel(http: &Annotation, channel: &Annotation, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::HTTP_AND_CHANNEL,
            "an operation cannot have both `@http` and `@channel`",
            channel.span,
        )
        .with_secondary(http.span, "bound to HTTP here")
        .with_help("`@channel` replaces gRPC and HTTP; keep one binding"),
    );
}
