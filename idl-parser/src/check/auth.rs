//! Who may call an operation: `@auth` and `@scopes` (A0901 unknown scheme or bad header,
//! A0902 scopes without a bearer token, A0903 a scope that is not a scope token, A0904 either
//! on an operation bound to a channel, A0905 a credential header that an input field of the
//! operation travels in too).
//!
//! Why: a misspelt scheme or a header name that cannot travel would leave an operation open or
//! uncallable, and scopes on an operation that takes no bearer token would be enforced by
//! nothing: every generated skeleton checks exactly what these annotations say.
//!
//! ```accord
//! @auth(bearer)
//! service Orders {
//!     @scopes("orders:read")
//!     op get(GetOrder) -> Order;
//!     @auth(api_key)                  // A0901: an API key needs `header = "Name"`
//!     op put(PutOrder) -> Order;
//! }
//! ```
//!
//! Called by: `lower::services`: [`scheme`] and [`scopes`] for each service and operation, then
//! [`scopes_need_bearer`] once the operation's scheme is known, and [`not_on_channels`] and
//! [`key_header_free`] once its binding is.

use super::annotations::Anns;
use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::{AuthScheme, Field, HttpBinding, ParamLocation};
use crate::source::Span;
use crate::syntax::{Annotation, LiteralKind};

/// `@auth` (after `annotations::check` accepted its shape): `true` when it is there and names a
/// scheme Accord knows, in its form (`lower::services` then reads the scheme).
pub(crate) fn scheme(anns: &Anns, diags: &mut Vec<Diagnostic>) -> bool {
    let Some(&ann) = anns.get("auth") else {
        return false;
    };
    let args = ann.args.as_deref().unwrap_or_default();
    let Some(LiteralKind::Name(name)) = args.first().map(|a| &a.value.kind) else {
        return false;
    };
    let keyed = &args[1..];
    match name.text().as_str() {
        "bearer" | "none" if !keyed.is_empty() => {
            diags.push(form(ann, "`bearer` and `none` take no other argument"));
            false
        }
        "bearer" | "none" => true,
        "api_key" => api_key_header(ann, diags),
        other => {
            let d = form(ann, &format!("`{other}` is not an authentication scheme"));
            diags.push(
                match super::types::suggest(other, ["bearer", "api_key", "none"].into_iter()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d,
                },
            );
            false
        }
    }
}

/// `header = "Name"`, the one argument after `api_key`: a non-empty HTTP token, and not a
/// header the transports keep (A0709).
fn api_key_header(ann: &Annotation, diags: &mut Vec<Diagnostic>) -> bool {
    let keyed = &ann.args.as_deref().unwrap_or_default()[1..];
    let header = match keyed {
        [arg] if arg.key.as_ref().is_some_and(|k| k.text == "header") => &arg.value,
        _ => {
            diags.push(form(ann, "an API key needs exactly `header = \"Name\"`"));
            return false;
        }
    };
    let LiteralKind::String { value, .. } = &header.kind else {
        diags.push(form(ann, "`header` must be a string"));
        return false;
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if value.is_empty() || !value.chars().all(token) {
        diags.push(
            Diagnostic::new(
                &codes::AUTH_FORM,
                format!("`{}` is not a header name", value.escape_debug()),
                header.span,
            )
            .with_help("a header name is one or more of: letters, digits and !#$%&'*+-.^_`|~"),
        );
        return false;
    }
    super::http::header_free(value, header.span, diags)
}

fn form(ann: &Annotation, message: &str) -> Diagnostic {
    Diagnostic::new(&codes::AUTH_FORM, message.to_owned(), ann.span)
        .with_help("write @auth(bearer), @auth(api_key, header = \"X-Api-Key\") or @auth(none)")
}

/// The scopes `@scopes` lists, each a scope token (RFC 6749: printable ASCII but space, `"`
/// and `\`); a bad one is reported and left out.
pub(crate) fn scopes(anns: &Anns, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let ann = *anns.get("scopes")?;
    let mut scopes = Vec::new();
    for arg in ann.args.as_deref().unwrap_or_default() {
        let LiteralKind::String { value, .. } = &arg.value.kind else {
            continue;
        };
        let token = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
        if value.is_empty() || !value.chars().all(token) {
            diags.push(
                Diagnostic::new(
                    &codes::SCOPE_INVALID,
                    format!("`{}` is not a scope", value.escape_debug()),
                    arg.value.span,
                )
                .with_help("a scope is printable ASCII without spaces, `\"` or `\\`"),
            );
            continue;
        }
        if !scopes.contains(value) {
            scopes.push(value.clone());
        }
    }
    Some(scopes)
}

/// `@scopes` where the caller shows no bearer token (`scheme`, the one in force there) would
/// be checked by nothing.
pub(crate) fn scopes_need_bearer(anns: &Anns, scheme: &AuthScheme, diags: &mut Vec<Diagnostic>) {
    let Some(ann) = anns.get("scopes") else {
        return;
    };
    if *scheme == AuthScheme::Bearer {
        return;
    }
    let shown = match scheme {
        AuthScheme::ApiKey { .. } => "an API key",
        _ => "no credential",
    };
    diags.push(
        Diagnostic::new(
            &codes::SCOPES_WITHOUT_BEARER,
            format!("`@scopes` needs `@auth(bearer)`: callers here show {shown}"),
            ann.span,
        )
        .with_label("scopes are claims of a bearer token")
        .with_help("put `@auth(bearer)` on the operation or its service, or remove `@scopes`"),
    );
}

/// `@auth` or `@scopes` on an operation bound to a channel: a message carries no credential
/// the consumer could check (brokers authenticate connections), so the annotation would
/// promise a check that never happens. A service's `@auth` does not reach its channel-bound
/// operations.
pub(crate) fn not_on_channels(anns: &Anns, bound_to_channel: bool, diags: &mut Vec<Diagnostic>) {
    if !bound_to_channel {
        return;
    }
    for name in ["auth", "scopes"] {
        if let Some(ann) = anns.get(name) {
            diags.push(
                Diagnostic::new(
                    &codes::AUTH_ON_CHANNEL,
                    format!("`@{name}` cannot be put on an operation bound to a channel"),
                    ann.span,
                )
                .with_label("messages carry no credential")
                .with_help(
                    "brokers authenticate connections: secure the broker, or bind the operation \
                     to HTTP or gRPC instead",
                ),
            );
        }
    }
}

/// The credential header of `scheme` (the one in force on the operation: an API key's header,
/// `Authorization` for a bearer token) is not also the `@header` of one of its input fields
/// (`fields`, declared at `spans`): one header cannot carry both the credential and a value
/// (HTTP names are case-insensitive). The field is reported, as the scheme may come from the
/// service.
pub(crate) fn key_header_free(
    scheme: &AuthScheme,
    binding: &HttpBinding,
    fields: &[Field],
    spans: &[Span],
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let header = match scheme {
        AuthScheme::ApiKey { header } => header.as_str(),
        AuthScheme::Bearer => "Authorization",
        AuthScheme::None => return true,
    };
    let mut free = true;
    for param in &binding.params {
        let ParamLocation::Header(name) = &param.location else {
            continue;
        };
        let (Some(field), Some(&span)) = (fields.get(param.field), spans.get(param.field)) else {
            continue;
        };
        if name.eq_ignore_ascii_case(header) {
            diags.push(
                Diagnostic::new(
                    &codes::AUTH_HEADER_TAKEN,
                    format!(
                        "the field `{}` travels in `{name}`, where the operation's credential \
                         travels",
                        field.name
                    ),
                    span,
                )
                .with_label("the credential is read from this header too")
                .with_help(
                    "move the field to another header (or an API key to another header: \
                     `@auth(api_key, header = \"…\")`)",
                ),
            );
            free = false;
        }
    }
    free
}
