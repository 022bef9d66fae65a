//! Channels and the operations bound to them: `kind` present and known (A0801), `address` and
//! `messages` present (A0802), each clause at most once (A0803), messages struct-like (A0804),
//! `key` a field of every message (A0805), names used as channels are channels (A0806), a bound
//! operation's input is one of the channel's messages (A0807), the interaction fits the kind
//! (A0808: request/response and `notify` need `point_to_point`, `@collect` needs
//! `publish_subscribe`, a `stream` output and `@channel`), and `format` is json or protobuf (A0809).
//!
//! Why: a channel is a broker destination plus a message contract; an operation bound to the
//! wrong kind of channel would have replies nobody waits for or requests nobody serves.
//!
//! ```accord
//! channel c { kind broadcast; messages A; }   // A0801, A0802 (no address)
//! ```
//!
//! Called by: `lower::services`, for each channel and each operation bound to one.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::Span;
use crate::syntax::{
    Annotation, ChannelClauseKind, ChannelDecl, Ident, Literal, LiteralKind, Path,
};

/// The clauses of one channel, each at most once.
#[derive(Default)]
pub(crate) struct Clauses<'a> {
    pub kind: Option<&'a Ident>,
    pub address: Option<&'a Literal>,
    pub messages: Option<&'a [Path]>,
    pub key: Option<&'a Ident>,
    pub format: Option<&'a Ident>,
}

pub(crate) fn clauses<'a>(c: &'a ChannelDecl, diags: &mut Vec<Diagnostic>) -> Clauses<'a> {
    let mut out = Clauses::default();
    let mut first: Vec<(&str, Span)> = Vec::new();
    for clause in &c.clauses {
        let keyword = clause.kind.keyword();
        if let Some((_, span)) = first.iter().find(|(k, _)| *k == keyword) {
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_CLAUSE_REPEATED,
                    format!("channel `{}` states `{keyword}` twice", c.name.text),
                    clause.span,
                )
                .with_secondary(*span, "first stated here")
                .with_help("each clause appears at most once"),
            );
            continue;
        }
        first.push((keyword, clause.span));
        match &clause.kind {
            ChannelClauseKind::Kind(k) => out.kind = Some(k),
            ChannelClauseKind::Address(a) => out.address = Some(a),
            ChannelClauseKind::Messages(m) => out.messages = Some(m),
            ChannelClauseKind::Key(k) => out.key = Some(k),
            ChannelClauseKind::Format(f) => out.format = Some(f),
        }
    }
    for (present, keyword) in [
        (out.address.is_some(), "address"),
        (out.messages.is_some(), "messages"),
    ] {
        if !present {
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_CLAUSE_MISSING,
                    format!("channel `{}` has no `{keyword}`", c.name.text),
                    c.name.span,
                )
                .with_help(format!(
                    "add `{keyword} ...;`: every channel states its kind, address and messages"
                )),
            );
        }
    }
    out
}

/// `kind`: stated, and `point_to_point` or `publish_subscribe`.
pub(crate) fn kind(c: &ChannelDecl, kind: Option<&Ident>, diags: &mut Vec<Diagnostic>) {
    let found = match kind {
        Some(k) if ChannelKind::from_name(&k.text).is_some() => return,
        Some(k) => Diagnostic::new(
            &codes::CHANNEL_KIND,
            format!("unknown channel kind `{}`", k.text),
            k.span,
        ),
        None => Diagnostic::new(
            &codes::CHANNEL_KIND,
            format!("channel `{}` has no `kind`", c.name.text),
            c.name.span,
        ),
    };
    diags.push(found.with_help("write `kind point_to_point;` or `kind publish_subscribe;`"));
}

/// `format`, when stated: `json` or `protobuf`.
pub(crate) fn format(format: Option<&Ident>, diags: &mut Vec<Diagnostic>) {
    if let Some(f) = format.filter(|f| Format::from_name(&f.text).is_none()) {
        diags.push(
            Diagnostic::new(
                &codes::CHANNEL_FORMAT,
                format!("unknown channel format `{}`", f.text),
                f.span,
            )
            .with_help("write `format json;` or `format protobuf;`"),
        );
    }
}

/// The key must be a field of every message.
pub(crate) fn key(key: &Ident, messages: &[DeclId], model: &Model, diags: &mut Vec<Diagnostic>) {
    for &m in messages {
        if !model.fields(m).iter().any(|f| f.name == key.text) {
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_KEY,
                    format!(
                        "key `{}` is not a field of message `{}`",
                        key.text,
                        model.decl(m).name
                    ),
                    key.span,
                )
                .with_help("the key is a field every message of the channel has"),
            );
        }
    }
}

/// An operation bound with `@channel`: its input, its shape and the channel's kind.
pub(crate) struct Bound<'a> {
    pub op: &'a Operation,
    pub channel: ChannelId,
    pub annotation: &'a Annotation,
    pub collect: Option<&'a Annotation>,
}

impl Bound<'_> {
    pub fn check(&self, model: &Model, diags: &mut Vec<Diagnostic>) {
        let channel = model.channel(self.channel);
        if let Some(input) = self.op.input
            && !channel.messages.contains(&input)
        {
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_INPUT,
                    format!(
                        "input `{}` is not a message of channel `{}`",
                        model.decl(input).name,
                        channel.name
                    ),
                    self.annotation.span,
                )
                .with_help(format!(
                    "add `{}` to the channel's `messages`",
                    model.decl(input).name
                )),
            );
        }
        if self.op.input.is_none() {
            diags.push(Diagnostic::new(
                &codes::CHANNEL_INPUT,
                "an operation bound to a channel needs an input message",
                self.annotation.span,
            ));
        }
        let wanted = if self.collect.is_some() {
            ChannelKind::PublishSubscribe
        } else {
            ChannelKind::PointToPoint
        };
        if channel.kind != wanted {
            let shape = if self.collect.is_some() {
                "publish/async responses (`@collect`)"
            } else if self.op.is_notify() {
                "a one-way `notify`"
            } else {
                "asynchronous request/response"
            };
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_INTERACTION,
                    format!(
                        "{shape} needs a {} channel, but `{}` is {}",
                        wanted.as_str(),
                        channel.name,
                        channel.kind.as_str()
                    ),
                    self.annotation.span,
                )
                .with_help(help(wanted)),
            );
        }
        if let Some(collect) = self.collect
            && !self.op.output.is_stream()
        {
            diags.push(
                Diagnostic::new(
                    &codes::CHANNEL_INTERACTION,
                    "`@collect` needs a `stream` output: each subscriber may answer",
                    collect.span,
                )
                .with_help("write `-> stream Reply`"),
            );
        }
    }
}

fn help(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::PointToPoint => {
            "bind request/response and notify operations to a `kind point_to_point;` channel, or add `@collect` for publish/async responses"
        }
        ChannelKind::PublishSubscribe => {
            "`@collect` gathers replies from every subscriber of a `kind publish_subscribe;` channel"
        }
    }
}

/// `@collect` without `@channel`.
pub(crate) fn collect_without_channel(collect: &Annotation, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::CHANNEL_INTERACTION,
            "`@collect` needs `@channel` on a publish_subscribe channel",
            collect.span,
        )
        .with_help("add `@channel(name)` naming a publish_subscribe channel"),
    );
}

/// An `address` clause whose value is not a string (A0802: there is no address).
pub(crate) fn address_not_a_string(value: &LiteralKind, span: Span, diags: &mut Vec<Diagnostic>) {
    let message = format!(
        "expected the address as a string, found {}",
        value.describe()
    );
    diags.push(Diagnostic::new(
        &codes::CHANNEL_CLAUSE_MISSING,
        message,
        span,
    ));
}
