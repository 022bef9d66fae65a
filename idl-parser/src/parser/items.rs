//! Declarations and their members, from pest pairs. A declaration is built from its header and
//! then member by member, so the error-recovery path can feed it members parsed one at a time.

use super::Rule;
use super::build::{Builder, is_literal, is_type, rule};
use crate::source::Span;
use crate::syntax::*;
use pest::iterators::Pair;

type P<'i> = Pair<'i, Rule>;

impl Builder<'_> {
    /// An `item` pair: attributes, then one declaration.
    pub fn item(&mut self, pair: P) -> Option<Item> {
        let (attrs, decl) = self.attrs_then(pair);
        let decl = decl?;
        let span = self.span(&decl);
        let mut parts = decl.into_inner();
        let keyword = parts.next()?;
        let name = self.ident(parts.next()?);
        let mut kind = empty_decl(keyword.as_str(), name);
        reserve(&mut kind, parts.len());
        for member in parts {
            self.add_member(&mut kind, member);
        }
        Some(Item { attrs, kind, span })
    }

    /// The attributes at the start of `pair` (an `attrs` pair, or on the fast path its docs and
    /// annotations one by one), and the first pair after them.
    fn attrs_then<'i>(&mut self, pair: P<'i>) -> (Attrs, Option<P<'i>>) {
        let mut attrs = Attrs::default();
        for p in pair.into_inner() {
            match rule(&p) {
                Rule::attrs => attrs = self.attrs(p),
                Rule::docs | Rule::annotation => self.attr(&mut attrs, p),
                _ => return (attrs, Some(p)),
            }
        }
        (attrs, None)
    }

    /// Adds one member pair (of a rule matching the declaration's kind; others are ignored).
    pub fn add_member(&mut self, kind: &mut ItemKind, pair: P) {
        match (kind, rule(&pair)) {
            (ItemKind::Struct(d), Rule::field) => d.fields.push(self.field(pair)),
            (ItemKind::Struct(d), Rule::reserved_decl) => d.reserved.push(self.reserved(pair)),
            (ItemKind::Union(d), Rule::field) => d.variants.push(self.field(pair)),
            (ItemKind::Union(d), Rule::reserved_decl) => d.reserved.push(self.reserved(pair)),
            (ItemKind::Enum(d), Rule::enum_value) => d.values.push(self.enum_value(pair)),
            (ItemKind::Enum(d), Rule::reserved_decl) => d.reserved.push(self.reserved(pair)),
            (ItemKind::Channel(d), _) => d.clauses.extend(self.channel_clause(pair)),
            (ItemKind::Service(d), _) => d.members.extend(self.service_member(pair)),
            _ => {}
        }
    }

    fn field(&mut self, pair: P) -> FieldDecl {
        let end = self.span(&pair).end;
        let mut attrs = Attrs::default();
        let (mut name, mut optional, mut ty, mut number) = (None, None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attrs => attrs = self.attrs(p),
                Rule::docs | Rule::f_docs | Rule::f_annotation => self.attr(&mut attrs, p),
                Rule::ident => name = Some(self.ident(p)),
                Rule::question => optional = Some(self.span(&p)),
                _ if is_type(&p) => ty = Some(self.type_ref(p)),
                _ if is_literal(&p) => number = Some(self.literal(p)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| Ident {
            text: String::new(),
            span: Span::new(self.file, 0, 0),
        });
        let span = Span { end, ..name.span };
        let ty = ty.unwrap_or(TypeRef {
            kind: TypeRefKind::Named(Path {
                segments: vec![],
                span,
            }),
            span,
        });
        let number = number.unwrap_or(Literal {
            kind: LiteralKind::Int(0),
            span,
        });
        FieldDecl {
            attrs,
            name,
            optional,
            ty,
            number,
            span,
        }
    }

    fn enum_value(&mut self, pair: P) -> EnumValueDecl {
        let end = self.span(&pair).end;
        let mut attrs = Attrs::default();
        let (mut name, mut number) = (None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attrs => attrs = self.attrs(p),
                Rule::docs | Rule::f_docs | Rule::f_annotation => self.attr(&mut attrs, p),
                Rule::ident => name = Some(self.ident(p)),
                _ if is_literal(&p) => number = Some(self.literal(p)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| Ident {
            text: String::new(),
            span: Span::new(self.file, 0, 0),
        });
        let span = Span { end, ..name.span };
        let number = number.unwrap_or(Literal {
            kind: LiteralKind::Int(0),
            span,
        });
        EnumValueDecl {
            attrs,
            name,
            number,
            span,
        }
    }

    fn reserved(&mut self, pair: P) -> ReservedDecl {
        let span = self.span(&pair);
        let mut ranges = Vec::new();
        for range in pair
            .into_inner()
            .filter(|p| rule(p) == Rule::reserved_range)
        {
            let rspan = self.span(&range);
            let mut ints = range.into_inner().filter(|p| p.as_rule() == Rule::int_lit);
            let Some(start) = ints.next().map(|p| self.literal(p)) else {
                continue;
            };
            let end = ints.next().map(|p| self.literal(p));
            ranges.push(ReservedRange {
                start,
                end,
                span: rspan,
            });
        }
        ReservedDecl { ranges, span }
    }

    fn channel_clause(&mut self, pair: P) -> Option<ChannelClause> {
        let span = self.span(&pair);
        let clause = rule(&pair);
        let mut inner = pair.into_inner().skip(1); // the keyword
        let kind = match clause {
            Rule::kind_clause => ChannelClauseKind::Kind(self.ident(inner.next()?)),
            Rule::address_clause => ChannelClauseKind::Address(self.literal(inner.next()?)),
            Rule::messages_clause => ChannelClauseKind::Messages(self.paths(inner)),
            Rule::key_clause => ChannelClauseKind::Key(self.ident(inner.next()?)),
            Rule::format_clause => ChannelClauseKind::Format(self.ident(inner.next()?)),
            _ => return None,
        };
        Some(ChannelClause { kind, span })
    }

    fn paths<'i>(&self, pairs: impl Iterator<Item = P<'i>>) -> Vec<Path> {
        pairs
            .filter(|p| rule(p) == Rule::path)
            .map(|p| self.path(p))
            .collect()
    }

    fn service_member(&mut self, pair: P) -> Option<ServiceMember> {
        let span = self.span(&pair);
        Some(match rule(&pair) {
            Rule::publishes_decl => ServiceMember::Publishes {
                channels: self.paths(pair.into_inner()),
                span,
            },
            Rule::subscribes_decl => ServiceMember::Subscribes {
                channels: self.paths(pair.into_inner()),
                span,
            },
            Rule::uses_decl => ServiceMember::Uses {
                services: self.paths(pair.into_inner()),
                span,
            },
            Rule::operation => ServiceMember::Operation(self.operation(pair)?),
            _ => return None,
        })
    }

    fn operation(&mut self, pair: P) -> Option<OperationDecl> {
        let end = self.span(&pair).end;
        let (attrs, sig) = self.attrs_then(pair);
        let sig = sig?;
        let notify = rule(&sig) == Rule::notify_sig;
        let start = self.span(&sig).start;
        let mut parts = sig.into_inner().skip(1);
        let name = self.ident(parts.next()?);
        let (mut input, mut output, mut throws) = (None, None, Vec::new());
        for p in parts {
            match rule(&p) {
                Rule::streamable => input = Some(self.streamable(p)),
                Rule::output => output = self.output(p),
                Rule::throws_clause => throws = self.paths(p.into_inner()),
                _ => {}
            }
        }
        let span = Span::new(self.file, start as usize, end as usize);
        Some(OperationDecl {
            attrs,
            notify,
            name,
            input,
            output,
            throws,
            span,
        })
    }

    fn streamable(&self, pair: P) -> StreamableType {
        let mut stream = None;
        let mut ty = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_stream => stream = Some(self.span(&p)),
                _ => ty = Some(self.type_ref(p)),
            }
        }
        let span = stream.unwrap_or(Span::new(self.file, 0, 0));
        StreamableType {
            stream,
            ty: ty.unwrap_or(TypeRef {
                kind: TypeRefKind::Named(Path {
                    segments: vec![],
                    span,
                }),
                span,
            }),
        }
    }

    fn output(&self, pair: P) -> Option<OutputRef> {
        let inner = pair.into_inner().next()?;
        Some(match rule(&inner) {
            Rule::unit => OutputRef::Unit(self.span(&inner)),
            _ => OutputRef::Type(self.streamable(inner)),
        })
    }
}

/// Room for `members` members in the list most of them go to: members are large, and a list
/// grown by doubling touches about twice the memory.
fn reserve(kind: &mut ItemKind, members: usize) {
    match kind {
        ItemKind::Struct(d) => d.fields.reserve_exact(members),
        ItemKind::Union(d) => d.variants.reserve_exact(members),
        ItemKind::Enum(d) => d.values.reserve_exact(members),
        ItemKind::Channel(d) => d.clauses.reserve_exact(members),
        ItemKind::Service(d) => d.members.reserve_exact(members),
    }
}

/// A declaration with no members yet, named by its keyword.
pub fn empty_decl(keyword: &str, name: Ident) -> ItemKind {
    match keyword {
        "enum" => ItemKind::Enum(EnumDecl {
            name,
            values: vec![],
            reserved: vec![],
        }),
        "union" => ItemKind::Union(UnionDecl {
            name,
            variants: vec![],
            reserved: vec![],
        }),
        "channel" => ItemKind::Channel(ChannelDecl {
            name,
            clauses: vec![],
        }),
        "service" => ItemKind::Service(ServiceDecl {
            name,
            members: vec![],
        }),
        other => {
            let keyword = match other {
                "error" => StructKeyword::Error,
                "event" => StructKeyword::Event,
                _ => StructKeyword::Struct,
            };
            ItemKind::Struct(StructDecl {
                keyword,
                name,
                fields: vec![],
                reserved: vec![],
            })
        }
    }
}
