//! Moving a parsed chunk's syntax to where its text now stands: every span of a node moved by
//! the same number of bytes. A re-parse after an edit ([`super::reuse`]) keeps the trees of the
//! declarations after the edit and shifts them by the edit's change in length.
//!
//! Every node is taken apart by a pattern naming all its fields, so a field added to the tree
//! without being shifted here does not compile.

use super::chunk::Clause;
use crate::source::Span;
use crate::syntax::*;

/// A node whose spans can be moved by `by` bytes (negative: towards the start of the file).
pub trait Shift {
    fn shift(&mut self, by: i32);
}

impl Shift for Span {
    fn shift(&mut self, by: i32) {
        self.start = self.start.wrapping_add_signed(by);
        self.end = self.end.wrapping_add_signed(by);
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: i32) {
        for node in self {
            node.shift(by);
        }
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: i32) {
        if let Some(node) = self {
            node.shift(by);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: i32) {
        (**self).shift(by);
    }
}

impl Shift for Clause {
    fn shift(&mut self, by: i32) {
        match self {
            Clause::Package(PackageClause { name, span }) => {
                name.shift(by);
                span.shift(by);
            }
            Clause::Version(VersionClause { value, span }) => {
                value.shift(by);
                span.shift(by);
            }
            Clause::Import(Import {
                path: _,
                path_span,
                span,
            }) => {
                path_span.shift(by);
                span.shift(by);
            }
        }
    }
}

impl Shift for Comment {
    fn shift(&mut self, by: i32) {
        let Comment { text: _, span } = self;
        span.shift(by);
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: i32) {
        let Ident { text: _, span } = self;
        span.shift(by);
    }
}

impl Shift for Path {
    fn shift(&mut self, by: i32) {
        let Path { segments, span } = self;
        segments.shift(by);
        span.shift(by);
    }
}

impl Shift for Docs {
    fn shift(&mut self, by: i32) {
        let Docs { text: _, span } = self;
        span.shift(by);
    }
}

impl Shift for Annotation {
    fn shift(&mut self, by: i32) {
        let Annotation { name, args, span } = self;
        name.shift(by);
        args.shift(by);
        span.shift(by);
    }
}

impl Shift for AnnotationArg {
    fn shift(&mut self, by: i32) {
        let AnnotationArg { key, value, span } = self;
        key.shift(by);
        value.shift(by);
        span.shift(by);
    }
}

impl Shift for Literal {
    fn shift(&mut self, by: i32) {
        let Literal { kind, span } = self;
        match kind {
            LiteralKind::Name(path) => path.shift(by),
            LiteralKind::Int(_)
            | LiteralKind::Float(_)
            | LiteralKind::String { .. }
            | LiteralKind::Bool(_)
            | LiteralKind::Duration(_)
            | LiteralKind::Version(_) => {}
        }
        span.shift(by);
    }
}

impl Shift for Attrs {
    fn shift(&mut self, by: i32) {
        let Attrs { docs, annotations } = self;
        docs.shift(by);
        annotations.shift(by);
    }
}

impl Shift for Item {
    fn shift(&mut self, by: i32) {
        let Item { attrs, kind, span } = self;
        attrs.shift(by);
        match kind {
            ItemKind::Struct(d) => d.shift(by),
            ItemKind::Enum(d) => d.shift(by),
            ItemKind::Union(d) => d.shift(by),
            ItemKind::Channel(d) => d.shift(by),
            ItemKind::Service(d) => d.shift(by),
        }
        span.shift(by);
    }
}

impl Shift for StructDecl {
    fn shift(&mut self, by: i32) {
        let StructDecl {
            keyword: _,
            name,
            fields,
            reserved,
        } = self;
        name.shift(by);
        fields.shift(by);
        reserved.shift(by);
    }
}

impl Shift for UnionDecl {
    fn shift(&mut self, by: i32) {
        let UnionDecl {
            name,
            variants,
            reserved,
        } = self;
        name.shift(by);
        variants.shift(by);
        reserved.shift(by);
    }
}

impl Shift for FieldDecl {
    fn shift(&mut self, by: i32) {
        let FieldDecl {
            attrs,
            name,
            optional,
            ty,
            number,
            span,
        } = self;
        attrs.shift(by);
        name.shift(by);
        optional.shift(by);
        ty.shift(by);
        number.shift(by);
        span.shift(by);
    }
}

impl Shift for ReservedDecl {
    fn shift(&mut self, by: i32) {
        let ReservedDecl { ranges, span } = self;
        ranges.shift(by);
        span.shift(by);
    }
}

impl Shift for ReservedRange {
    fn shift(&mut self, by: i32) {
        let ReservedRange { start, end, span } = self;
        start.shift(by);
        end.shift(by);
        span.shift(by);
    }
}

impl Shift for TypeRef {
    fn shift(&mut self, by: i32) {
        let TypeRef { kind, span } = self;
        match kind {
            TypeRefKind::Named(path) => path.shift(by),
            TypeRefKind::List(item) => item.shift(by),
            TypeRefKind::Map(key, value) => {
                key.shift(by);
                value.shift(by);
            }
        }
        span.shift(by);
    }
}

impl Shift for EnumDecl {
    fn shift(&mut self, by: i32) {
        let EnumDecl {
            name,
            values,
            reserved,
        } = self;
        name.shift(by);
        values.shift(by);
        reserved.shift(by);
    }
}

impl Shift for EnumValueDecl {
    fn shift(&mut self, by: i32) {
        let EnumValueDecl {
            attrs,
            name,
            number,
            span,
        } = self;
        attrs.shift(by);
        name.shift(by);
        number.shift(by);
        span.shift(by);
    }
}

impl Shift for ChannelDecl {
    fn shift(&mut self, by: i32) {
        let ChannelDecl { name, clauses } = self;
        name.shift(by);
        clauses.shift(by);
    }
}

impl Shift for ChannelClause {
    fn shift(&mut self, by: i32) {
        let ChannelClause { kind, span } = self;
        match kind {
            ChannelClauseKind::Kind(name)
            | ChannelClauseKind::Key(name)
            | ChannelClauseKind::Format(name) => name.shift(by),
            ChannelClauseKind::Address(value) => value.shift(by),
            ChannelClauseKind::Messages(paths) => paths.shift(by),
        }
        span.shift(by);
    }
}

impl Shift for ServiceDecl {
    fn shift(&mut self, by: i32) {
        let ServiceDecl { name, members } = self;
        name.shift(by);
        members.shift(by);
    }
}

impl Shift for ServiceMember {
    fn shift(&mut self, by: i32) {
        match self {
            ServiceMember::Operation(op) => op.shift(by),
            ServiceMember::Publishes { channels, span }
            | ServiceMember::Subscribes { channels, span } => {
                channels.shift(by);
                span.shift(by);
            }
            ServiceMember::Uses { services, span } => {
                services.shift(by);
                span.shift(by);
            }
        }
    }
}

impl Shift for OperationDecl {
    fn shift(&mut self, by: i32) {
        let OperationDecl {
            attrs,
            notify: _,
            name,
            input,
            output,
            throws,
            span,
        } = self;
        attrs.shift(by);
        name.shift(by);
        input.shift(by);
        output.shift(by);
        throws.shift(by);
        span.shift(by);
    }
}

impl Shift for StreamableType {
    fn shift(&mut self, by: i32) {
        let StreamableType { stream, ty } = self;
        stream.shift(by);
        ty.shift(by);
    }
}

impl Shift for OutputRef {
    fn shift(&mut self, by: i32) {
        match self {
            OutputRef::Unit(span) => span.shift(by),
            OutputRef::Type(ty) => ty.shift(by),
        }
    }
}
