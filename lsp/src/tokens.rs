//! Semantic tokens: what each name is, from the syntax tree and the index (a reference to a
//! type is a type, to a service an interface, to a channel an event...), plus keywords at the
//! start of declarations and clauses, annotations, literals and comments. Tokens never
//! overlap and never span lines (a comment over several lines gives one token per line).

use crate::index::Target;
use crate::workspace::{Compiled, path_of};
use accord_idl::syntax::{self, ItemKind, ServiceMember, TypeRefKind};
use accord_idl::{FileId, Span};
use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult,
};

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::STRUCT,
    SemanticTokenType::ENUM,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::METHOD,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::EVENT,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DOCUMENTATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

#[derive(Clone, Copy)]
enum Kind {
    Namespace,
    Type,
    Struct,
    Enum,
    Interface,
    EnumMember,
    Property,
    Method,
    Decorator,
    String,
    Number,
    Comment,
    Keyword,
    Event,
}

const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;
const DEFAULT_LIBRARY: u32 = 4;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

pub fn full(c: &Compiled, params: SemanticTokensParams) -> Option<SemanticTokensResult> {
    let file = path_of(&params.text_document.uri).and_then(|p| c.file(&p))?;
    let syntax = c.compilation.syntax(file)?;
    let mut t = Tokens {
        c,
        file,
        found: Vec::new(),
    };
    t.file_tokens(syntax);
    for o in c.index().in_file(file).iter().filter(|o| !o.declaration) {
        let kind = match o.target {
            Target::Decl(_) => Kind::Type,
            Target::Service(_) => Kind::Interface,
            Target::Channel(_) => Kind::Event,
            Target::Op(_) => Kind::Method,
            Target::Field(..) => Kind::Property,
            Target::File(_) => continue,
        };
        t.push(o.span, kind, 0);
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: t.encode(),
    }))
}

struct Tokens<'a> {
    c: &'a Compiled,
    file: FileId,
    found: Vec<(Span, Kind, u32)>,
}

impl Tokens<'_> {
    fn push(&mut self, span: Span, kind: Kind, modifiers: u32) {
        if !span.is_empty() {
            self.found.push((span, kind, modifiers));
        }
    }

    /// `word` at the start of `span`, as a keyword, when the source has it there.
    fn keyword(&mut self, span: Span, word: &str) {
        let text = self.c.text(self.file);
        if text
            .get(span.start as usize..)
            .is_some_and(|t| t.starts_with(word))
        {
            let end = span.start as usize + word.len();
            self.push(
                Span::new(span.file, span.start as usize, end),
                Kind::Keyword,
                0,
            );
        }
    }

    fn file_tokens(&mut self, syntax: &syntax::File) {
        for comment in &syntax.comments {
            self.push(comment.span, Kind::Comment, 0);
        }
        if let Some(p) = &syntax.package {
            self.keyword(p.span, "package");
            self.push(p.name.span, Kind::Namespace, 0);
        }
        if let Some(v) = &syntax.version {
            self.keyword(v.span, "version");
            self.push(v.value.span, Kind::Number, 0);
        }
        for import in &syntax.imports {
            self.keyword(import.span, "import");
            self.push(import.path_span, Kind::String, 0);
        }
        for item in &syntax.items {
            self.item(item);
        }
    }

    fn attrs(&mut self, attrs: &syntax::Attrs) {
        if let Some(docs) = &attrs.docs {
            self.push(docs.span, Kind::Comment, DOCUMENTATION);
        }
        for ann in &attrs.annotations {
            let at = Span::new(
                ann.span.file,
                ann.span.start as usize,
                ann.name.span.end as usize,
            );
            self.push(at, Kind::Decorator, 0);
            for arg in ann.args.iter().flatten() {
                self.literal(&arg.value);
            }
        }
    }

    fn literal(&mut self, lit: &syntax::Literal) {
        let kind = match &lit.kind {
            syntax::LiteralKind::String { .. } => Kind::String,
            syntax::LiteralKind::Name(_) => return,
            _ => Kind::Number,
        };
        self.push(lit.span, kind, 0);
    }

    fn item(&mut self, item: &syntax::Item) {
        self.attrs(&item.attrs);
        let name = item.kind.name().span;
        let (keyword, kind) = match &item.kind {
            ItemKind::Struct(s) => (s.keyword.as_str(), Kind::Struct),
            ItemKind::Enum(_) => ("enum", Kind::Enum),
            ItemKind::Union(_) => ("union", Kind::Struct),
            ItemKind::Channel(_) => ("channel", Kind::Event),
            ItemKind::Service(_) => ("service", Kind::Interface),
        };
        self.keyword(item.span, keyword);
        self.push(name, kind, DECLARATION);
        match &item.kind {
            ItemKind::Struct(s) => self.fields(&s.fields, &s.reserved),
            ItemKind::Union(u) => self.fields(&u.variants, &u.reserved),
            ItemKind::Enum(e) => {
                for v in &e.values {
                    self.attrs(&v.attrs);
                    self.push(v.name.span, Kind::EnumMember, DECLARATION);
                    self.literal(&v.number);
                }
                self.reserved(&e.reserved);
            }
            ItemKind::Channel(ch) => {
                for clause in &ch.clauses {
                    self.keyword(clause.span, clause.kind.keyword());
                    if let syntax::ChannelClauseKind::Address(lit) = &clause.kind {
                        self.literal(lit);
                    }
                }
            }
            ItemKind::Service(s) => s.members.iter().for_each(|m| self.member(m)),
        }
    }

    fn fields(&mut self, fields: &[syntax::FieldDecl], reserved: &[syntax::ReservedDecl]) {
        for f in fields {
            self.attrs(&f.attrs);
            self.push(f.name.span, Kind::Property, DECLARATION);
            self.ty(&f.ty);
            self.literal(&f.number);
        }
        self.reserved(reserved);
    }

    fn reserved(&mut self, reserved: &[syntax::ReservedDecl]) {
        for r in reserved {
            self.keyword(r.span, "reserved");
            for range in &r.ranges {
                self.literal(&range.start);
                if let Some(end) = &range.end {
                    self.literal(end);
                }
            }
        }
    }

    fn ty(&mut self, t: &syntax::TypeRef) {
        match &t.kind {
            TypeRefKind::Named(p) => {
                if let [only] = p.segments.as_slice()
                    && accord_idl::model::Scalar::from_name(&only.text).is_some()
                {
                    self.push(only.span, Kind::Type, DEFAULT_LIBRARY);
                }
            }
            TypeRefKind::List(inner) => {
                self.keyword(t.span, "list");
                self.ty(inner);
            }
            TypeRefKind::Map(k, v) => {
                self.keyword(t.span, "map");
                self.ty(k);
                self.ty(v);
            }
        }
    }

    fn member(&mut self, m: &ServiceMember) {
        match m {
            ServiceMember::Operation(op) => {
                self.attrs(&op.attrs);
                self.keyword(op.span, if op.notify { "notify" } else { "op" });
                self.push(op.name.span, Kind::Method, DECLARATION);
                for t in op.input.iter().chain(match &op.output {
                    Some(syntax::OutputRef::Type(t)) => Some(t),
                    _ => None,
                }) {
                    if let Some(stream) = t.stream {
                        self.push(stream, Kind::Keyword, 0);
                    }
                    self.ty(&t.ty);
                }
            }
            ServiceMember::Publishes { span, .. } => self.keyword(*span, "publishes"),
            ServiceMember::Subscribes { span, .. } => self.keyword(*span, "subscribes"),
            ServiceMember::Uses { span, .. } => self.keyword(*span, "uses"),
        }
    }

    /// Sorted, overlaps dropped (the first, outer token wins), split at line ends, encoded
    /// relative to the token before as the protocol wants.
    fn encode(mut self) -> Vec<SemanticToken> {
        self.found
            .sort_by_key(|(s, _, _)| (s.start, std::cmp::Reverse(s.end)));
        let lines = self.c.lines(self.file);
        let text = self.c.text(self.file);
        let mut out = Vec::with_capacity(self.found.len());
        let (mut last_line, mut last_start, mut covered) = (0u32, 0u32, 0u32);
        for (span, kind, modifiers) in self.found {
            if span.start < covered {
                continue;
            }
            covered = span.end;
            let mut start = span.start as usize;
            while start < span.end as usize {
                let line_end = text[start..span.end as usize]
                    .find('\n')
                    .map_or(span.end as usize, |i| start + i);
                let from = lines.position(start);
                let length = text[start..line_end].encode_utf16().count() as u32;
                if length > 0 {
                    let delta_line = from.line - last_line;
                    let delta_start = if delta_line == 0 {
                        from.character - last_start
                    } else {
                        from.character
                    };
                    out.push(SemanticToken {
                        delta_line,
                        delta_start,
                        length,
                        token_type: kind as u32,
                        token_modifiers_bitset: modifiers,
                    });
                    (last_line, last_start) = (from.line, from.character);
                }
                start = line_end + 1;
            }
        }
        out
    }
}
