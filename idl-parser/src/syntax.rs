//! The syntax tree: what the parser produces, with a byte span on every node.
//!
//! Architecture invariant: the syntax tree knows nothing of the `Model`. It is a faithful picture
//! of what was written (names unresolved, annotations unchecked, numbers as literals) so that the
//! formatter can print it back and the lowering can point at any part of it.

use crate::source::{FileId, Span};
use std::time::Duration;

/// One parsed file. Any part may be missing when the source had syntax errors.
#[derive(Clone, Debug)]
pub struct File {
    pub package: Option<PackageClause>,
    pub version: Option<VersionClause>,
    pub imports: Vec<Import>,
    pub items: Vec<Item>,
    /// Every `//` and `/* */` comment (doc comments are attached to nodes instead), in source
    /// order, so the formatter can keep them.
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug)]
pub struct Comment {
    /// The comment exactly as written, markers included.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// `a.b.C`: one or more identifiers joined by dots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    /// The dotted text: `ftgo.common.Money`.
    pub fn text(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.text.as_str()).collect();
        names.join(".")
    }
}

#[derive(Clone, Debug)]
pub struct PackageClause {
    pub name: Path,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct VersionClause {
    /// The literal as written (a [`LiteralKind::Version`] when well formed).
    pub value: Literal,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Import {
    /// The path string, unescaped.
    pub path: String,
    pub path_span: Span,
    pub span: Span,
}

/// `///` lines before a node, markers stripped, joined with newlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Docs {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub name: Ident,
    /// `None` for `@name` without parentheses; `Some(vec![])` for `@name()`.
    pub args: Option<Vec<AnnotationArg>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnnotationArg {
    /// `key = value`; `None` for a positional argument.
    pub key: Option<Ident>,
    pub value: Literal,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralKind {
    Int(i128),
    Float(f64),
    /// A string or raw string, escapes already processed.
    String {
        value: String,
        raw: bool,
    },
    Bool(bool),
    Duration(Duration),
    Version(semver::Version),
    /// A bare (possibly dotted) name: `POST`, `kitchen_commands`, `APPROVED`.
    Name(Path),
}

impl LiteralKind {
    /// What kind of literal this is, for messages ("expected a string, found an integer").
    pub fn describe(&self) -> &'static str {
        match self {
            LiteralKind::Int(_) => "an integer",
            LiteralKind::Float(_) => "a float",
            LiteralKind::String { .. } => "a string",
            LiteralKind::Bool(_) => "a boolean",
            LiteralKind::Duration(_) => "a duration",
            LiteralKind::Version(_) => "a version",
            LiteralKind::Name(_) => "a name",
        }
    }
}

/// Docs and annotations shared by every item and member.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs {
    pub docs: Option<Docs>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub attrs: Attrs,
    pub kind: ItemKind,
    /// From the keyword to the closing brace or semicolon (docs and annotations excluded).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    /// `struct`, `error` and `event`.
    Struct(StructDecl),
    Enum(EnumDecl),
    Union(UnionDecl),
    Channel(ChannelDecl),
    Service(ServiceDecl),
}

impl ItemKind {
    pub fn name(&self) -> &Ident {
        match self {
            ItemKind::Struct(d) => &d.name,
            ItemKind::Enum(d) => &d.name,
            ItemKind::Union(d) => &d.name,
            ItemKind::Channel(d) => &d.name,
            ItemKind::Service(d) => &d.name,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructKeyword {
    Struct,
    Error,
    Event,
}

impl StructKeyword {
    pub fn as_str(self) -> &'static str {
        match self {
            StructKeyword::Struct => "struct",
            StructKeyword::Error => "error",
            StructKeyword::Event => "event",
        }
    }
}

#[derive(Clone, Debug)]
pub struct StructDecl {
    pub keyword: StructKeyword,
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub reserved: Vec<ReservedDecl>,
}

#[derive(Clone, Debug)]
pub struct UnionDecl {
    pub name: Ident,
    /// Variants are fields; a `?` on one is reported by the checker.
    pub variants: Vec<FieldDecl>,
    pub reserved: Vec<ReservedDecl>,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub attrs: Attrs,
    pub name: Ident,
    /// The span of the `?`, when the field is optional.
    pub optional: Option<Span>,
    pub ty: TypeRef,
    /// The number after `=` (an integer literal; other literals are reported by the checker).
    pub number: Literal,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ReservedDecl {
    pub ranges: Vec<ReservedRange>,
    pub span: Span,
}

/// `5` or `10 to 12`.
#[derive(Clone, Debug)]
pub struct ReservedRange {
    pub start: Literal,
    pub end: Option<Literal>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    pub kind: TypeRefKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeRefKind {
    /// A scalar (`i64`) or a declared type, maybe qualified (`ftgo.common.Money`).
    Named(Path),
    List(Box<TypeRef>),
    Map(Box<TypeRef>, Box<TypeRef>),
}

#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub name: Ident,
    pub values: Vec<EnumValueDecl>,
    pub reserved: Vec<ReservedDecl>,
}

#[derive(Clone, Debug)]
pub struct EnumValueDecl {
    pub attrs: Attrs,
    pub name: Ident,
    pub number: Literal,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ChannelDecl {
    pub name: Ident,
    pub clauses: Vec<ChannelClause>,
}

#[derive(Clone, Debug)]
pub struct ChannelClause {
    pub kind: ChannelClauseKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ChannelClauseKind {
    /// `kind point_to_point;` (the name is checked by the lowering).
    Kind(Ident),
    Address(Literal),
    Messages(Vec<Path>),
    Key(Ident),
    Format(Ident),
}

impl ChannelClauseKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            ChannelClauseKind::Kind(_) => "kind",
            ChannelClauseKind::Address(_) => "address",
            ChannelClauseKind::Messages(_) => "messages",
            ChannelClauseKind::Key(_) => "key",
            ChannelClauseKind::Format(_) => "format",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServiceDecl {
    pub name: Ident,
    pub members: Vec<ServiceMember>,
}

// Operations are by far the most common member, so boxing them would only add indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum ServiceMember {
    Operation(OperationDecl),
    /// `publishes a, b;`
    Publishes {
        channels: Vec<Path>,
        span: Span,
    },
    /// `subscribes a, b;`
    Subscribes {
        channels: Vec<Path>,
        span: Span,
    },
    /// `uses a.B, C;`: the services this one calls.
    Uses {
        services: Vec<Path>,
        span: Span,
    },
}

#[derive(Clone, Debug)]
pub struct OperationDecl {
    pub attrs: Attrs,
    /// `notify` instead of `op`.
    pub notify: bool,
    pub name: Ident,
    /// `None` for `()` input.
    pub input: Option<StreamableType>,
    /// `None` for `notify`.
    pub output: Option<OutputRef>,
    pub throws: Vec<Path>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StreamableType {
    /// Span of the `stream` keyword when present.
    pub stream: Option<Span>,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutputRef {
    /// `-> ()`
    Unit(Span),
    Type(StreamableType),
}

/// A syntax error: what was expected where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// The fix, for the commonest mistakes (`parser/hints.rs`).
    pub help: Option<String>,
}

/// One parsed file and where each of its imports led (`None`: the import failed), in the
/// order of `syntax.imports`.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub id: FileId,
    pub syntax: File,
    pub imports: Vec<Option<FileId>>,
}

/// A literal's text for messages.
pub(crate) fn literal_text(lit: &LiteralKind) -> String {
    match lit {
        LiteralKind::Int(i) => i.to_string(),
        LiteralKind::Float(f) => f.to_string(),
        LiteralKind::String { value, .. } => format!("{value:?}"),
        LiteralKind::Bool(b) => b.to_string(),
        LiteralKind::Duration(d) => format!("{d:?}"),
        LiteralKind::Version(v) => v.to_string(),
        LiteralKind::Name(p) => p.text(),
    }
}
