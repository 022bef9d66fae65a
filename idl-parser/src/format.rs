//! `accord fmt`: prints a syntax tree back in the one canonical layout, keeping every comment.
//!
//! Layout: 4-space indent, one member per line, one blank line between declarations (blank
//! lines between members are kept, at most one), annotations and docs each on their own line,
//! channel clauses in the order kind, address, messages, key, format. Literals are printed as
//! written (`0x1F` stays `0x1F`), so formatting never changes a value.
//!
//! Comments are placed by position: a comment on the same line after a node stays at the end of
//! that node's line; any other comment is printed on its own line before the next node. Only call
//! this on a file that parsed without syntax errors.

use crate::syntax::*;

/// Lines wider than this are wrapped where the language allows it.
const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

/// The canonical text of `file`, which was parsed from `text`.
pub fn format(file: &File, text: &str) -> String {
    let mut p = Printer {
        text,
        comments: &file.comments,
        emitted: vec![false; file.comments.len()],
        out: String::new(),
        done: 0,
        last_end: 0,
    };
    p.header(file);
    for item in &file.items {
        p.item(item);
    }
    p.group_gap(text.len());
    p.leading(0, text.len(), "");
    while p.out.ends_with("\n\n") {
        p.out.pop();
    }
    p.out
}

struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    emitted: Vec<bool>,
    out: String,
    /// Every comment before this index is printed.
    done: usize,
    /// Source offset of the last thing printed, to find blank lines and trailing comments.
    last_end: usize,
}

impl Printer<'_> {
    /// Whether the source has a blank line between two offsets.
    fn blank_in_source(&self, from: usize, to: usize) -> bool {
        let (from, to) = (from.min(self.text.len()), to.min(self.text.len()));
        from < to && self.text[from..to].matches('\n').count() >= 2
    }

    fn ensure_blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Before a top-level group: one blank line, unless nothing was printed yet.
    fn group_gap(&mut self, _next: usize) {
        self.ensure_blank();
    }

    /// Prints, each on its own line, the unprinted comments that start in `lo..hi`.
    fn leading(&mut self, lo: usize, hi: usize, indent: &str) {
        while self.emitted.get(self.done).copied().unwrap_or(false) {
            self.done += 1;
        }
        let first = self
            .comments
            .partition_point(|c| (c.span.start as usize) < lo)
            .max(self.done);
        for i in first..self.comments.len() {
            let c = &self.comments[i];
            if c.span.start as usize >= hi {
                break;
            }
            if self.emitted[i] {
                continue;
            }
            self.emitted[i] = true;
            if self.blank_in_source(self.last_end, c.span.start as usize)
                && !self.at_line_block_start()
            {
                self.ensure_blank();
            }
            self.out.push_str(indent);
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.last_end = c.span.end as usize;
        }
    }

    /// True right after an opening `{` line, where no blank line belongs.
    fn at_line_block_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with("{\n") || self.out.ends_with("\n\n")
    }

    /// Keeps the source's blank line (at most one) before a member starting at `start`.
    fn member_gap(&mut self, start: usize) {
        if self.blank_in_source(self.last_end, start) && !self.at_line_block_start() {
            self.ensure_blank();
        }
    }

    /// Ends the current line, which printed a node ending at `end`, with its trailing comment.
    fn end_line(&mut self, end: usize) {
        if let Some(next) = self.trailing_comment(end) {
            let c = &self.comments[next];
            self.emitted[next] = true;
            self.out.push(' ');
            self.out.push_str(c.text.trim_end());
            self.last_end = c.span.end as usize;
            self.out.push('\n');
            return;
        }
        self.last_end = self.last_end.max(end);
        self.out.push('\n');
    }

    /// The unprinted one-line comment after `end` on the same line, if any.
    fn trailing_comment(&self, end: usize) -> Option<usize> {
        let next = self
            .comments
            .partition_point(|c| (c.span.start as usize) < end);
        let c = self.comments.get(next)?;
        let gap =
            &self.text[end.min(self.text.len())..(c.span.start as usize).min(self.text.len())];
        let same_line = gap.chars().all(|ch| ch == ' ' || ch == '\t');
        (!self.emitted[next] && same_line && !c.text.contains('\n')).then_some(next)
    }

    fn src(&self, span: crate::Span) -> &str {
        &self.text[span.range()]
    }

    fn header(&mut self, file: &File) {
        if let Some(pkg) = &file.package {
            self.leading(0, pkg.span.start as usize, "");
            self.member_gap(pkg.span.start as usize);
            self.out.push_str(&format!("package {};", pkg.name.text()));
            self.end_line(pkg.span.end as usize);
        }
        if let Some(v) = &file.version {
            self.leading(0, v.span.start as usize, "");
            self.member_gap(v.span.start as usize);
            let value = self.src(v.value.span).to_string();
            self.out.push_str(&format!("version {value};"));
            self.end_line(v.span.end as usize);
        }
        for (i, import) in file.imports.iter().enumerate() {
            if i == 0 {
                self.group_gap(import.span.start as usize);
            }
            self.leading(0, import.span.start as usize, "");
            let path = self.src(import.path_span).to_string();
            self.out.push_str(&format!("import {path};"));
            self.end_line(import.span.end as usize);
        }
    }

    /// Docs, then annotations, each on its own line; comments before them stay before them.
    fn attrs(&mut self, attrs: &Attrs, node_start: usize, indent: &str) {
        let start = attrs_start(attrs).unwrap_or(node_start);
        self.leading(0, start, indent);
        self.member_gap(start);
        if let Some(docs) = &attrs.docs {
            for line in docs.text.split('\n') {
                let sep = if line.is_empty() { "" } else { " " };
                self.out.push_str(&format!("{indent}///{sep}{line}\n"));
            }
            self.last_end = docs.span.end as usize;
        }
        for a in &attrs.annotations {
            self.leading(0, a.span.start as usize, indent);
            self.out.push_str(indent);
            self.out.push_str(&self.annotation(a));
            self.end_line(a.span.end as usize);
        }
        self.leading(0, node_start, indent);
    }

    fn annotation(&self, a: &Annotation) -> String {
        let mut s = format!("@{}", a.name.text);
        if let Some(args) = &a.args {
            let args: Vec<String> = args
                .iter()
                .map(|arg| {
                    let value = self.src(arg.value.span);
                    match &arg.key {
                        Some(k) => format!("{} = {value}", k.text),
                        None => value.to_string(),
                    }
                })
                .collect();
            s.push_str(&format!("({})", args.join(", ")));
        }
        s
    }

    fn item(&mut self, item: &Item) {
        self.group_gap(item.span.start as usize);
        self.attrs(&item.attrs, item.span.start as usize, "");
        let (keyword, name) = match &item.kind {
            ItemKind::Struct(d) => (d.keyword.as_str(), &d.name),
            ItemKind::Enum(d) => ("enum", &d.name),
            ItemKind::Union(d) => ("union", &d.name),
            ItemKind::Channel(d) => ("channel", &d.name),
            ItemKind::Service(d) => ("service", &d.name),
        };
        let close = (item.span.end as usize).saturating_sub(1);
        let open = self.text[name.span.end as usize..close]
            .find('{')
            .map_or(close, |p| p + name.span.end as usize + 1);
        if self.is_empty_body(&item.kind) && !self.has_comment_in(open, close) {
            self.out.push_str(&format!("{keyword} {} {{}}", name.text));
            self.end_line(item.span.end as usize);
            return;
        }
        self.out.push_str(&format!("{keyword} {} {{", name.text));
        self.end_line(open);
        self.body(&item.kind, open);
        self.leading(0, close, INDENT);
        self.out.push('}');
        self.end_line(item.span.end as usize);
    }

    fn is_empty_body(&self, kind: &ItemKind) -> bool {
        match kind {
            ItemKind::Struct(d) => d.fields.is_empty() && d.reserved.is_empty(),
            ItemKind::Enum(d) => d.values.is_empty() && d.reserved.is_empty(),
            ItemKind::Union(d) => d.variants.is_empty() && d.reserved.is_empty(),
            ItemKind::Channel(d) => d.clauses.is_empty(),
            ItemKind::Service(d) => d.members.is_empty(),
        }
    }

    fn has_comment_in(&self, lo: usize, hi: usize) -> bool {
        self.comments
            .iter()
            .any(|c| (c.span.start as usize) >= lo && (c.span.start as usize) < hi)
    }

    fn body(&mut self, kind: &ItemKind, open: usize) {
        match kind {
            ItemKind::Struct(d) => self.fields_and_reserved(&d.fields, &d.reserved),
            ItemKind::Union(d) => self.fields_and_reserved(&d.variants, &d.reserved),
            ItemKind::Enum(d) => {
                let mut members: Vec<(usize, Member)> = d
                    .values
                    .iter()
                    .map(|v| (v.span.start as usize, Member::Value(v)))
                    .collect();
                members.extend(
                    d.reserved
                        .iter()
                        .map(|r| (r.span.start as usize, Member::Reserved(r))),
                );
                self.members(members);
            }
            ItemKind::Channel(d) => self.channel(&d.clauses, open),
            ItemKind::Service(d) => {
                let members = d
                    .members
                    .iter()
                    .map(|m| (service_member_start(m), Member::Service(m)))
                    .collect();
                self.members(members);
            }
        }
    }

    fn fields_and_reserved(&mut self, fields: &[FieldDecl], reserved: &[ReservedDecl]) {
        let mut members: Vec<(usize, Member)> = fields
            .iter()
            .map(|f| (f.span.start as usize, Member::Field(f)))
            .collect();
        members.extend(
            reserved
                .iter()
                .map(|r| (r.span.start as usize, Member::Reserved(r))),
        );
        self.members(members);
    }

    /// Members in source order (fields and `reserved` interleave as written).
    fn members(&mut self, mut members: Vec<(usize, Member)>) {
        members.sort_by_key(|(start, _)| *start);
        for (start, member) in members {
            match member {
                Member::Field(f) => self.field(f, start),
                Member::Value(v) => self.enum_value(v),
                Member::Reserved(r) => {
                    self.simple_line(r.span.start as usize, r.span.end as usize, self.reserved(r))
                }
                Member::Service(m) => self.service_member(m),
            }
        }
    }

    /// A member without attributes, on one line.
    fn simple_line(&mut self, start: usize, end: usize, line: String) {
        self.leading(0, start, INDENT);
        self.member_gap(start);
        self.out.push_str(INDENT);
        self.out.push_str(&line);
        self.end_line(end);
    }

    fn field(&mut self, f: &FieldDecl, start: usize) {
        self.attrs(&f.attrs, start, INDENT);
        let opt = if f.optional.is_some() { "?" } else { "" };
        let line = format!(
            "{INDENT}{}{opt}: {} = {};",
            f.name.text,
            self.ty(&f.ty),
            self.src(f.number.span)
        );
        self.out.push_str(&line);
        self.end_line(f.span.end as usize);
    }

    fn enum_value(&mut self, v: &EnumValueDecl) {
        self.attrs(&v.attrs, v.span.start as usize, INDENT);
        let line = format!("{INDENT}{} = {};", v.name.text, self.src(v.number.span));
        self.out.push_str(&line);
        self.end_line(v.span.end as usize);
    }

    fn reserved(&self, r: &ReservedDecl) -> String {
        let ranges: Vec<String> = r
            .ranges
            .iter()
            .map(|range| match &range.end {
                Some(end) => format!("{} to {}", self.src(range.start.span), self.src(end.span)),
                None => self.src(range.start.span).to_string(),
            })
            .collect();
        format!("reserved {};", ranges.join(", "))
    }

    fn ty(&self, t: &TypeRef) -> String {
        match &t.kind {
            TypeRefKind::Named(p) => p.text(),
            TypeRefKind::List(e) => format!("list<{}>", self.ty(e)),
            TypeRefKind::Map(k, v) => format!("map<{}, {}>", self.ty(k), self.ty(v)),
        }
    }

    /// Clauses in canonical order, each with the comments that were before and after it.
    fn channel(&mut self, clauses: &[ChannelClause], open: usize) {
        let mut by_source: Vec<&ChannelClause> = clauses.iter().collect();
        by_source.sort_by_key(|c| c.span.start);
        let mut with_lo: Vec<(usize, &ChannelClause)> = Vec::new();
        let mut lo = open;
        for c in by_source {
            with_lo.push((lo, c));
            let end = c.span.end as usize;
            // The previous clause keeps its trailing comment when the clauses move.
            lo = self
                .trailing_comment(end)
                .map_or(end, |i| self.comments[i].span.end as usize);
        }
        with_lo.sort_by_key(|(_, c)| clause_rank(&c.kind));
        for (lo, c) in with_lo {
            self.leading(lo, c.span.start as usize, INDENT);
            let line = format!("{INDENT}{}", self.clause(&c.kind));
            self.out.push_str(&line);
            self.end_line(c.span.end as usize);
        }
    }

    fn clause(&self, kind: &ChannelClauseKind) -> String {
        let rest = match kind {
            ChannelClauseKind::Kind(i)
            | ChannelClauseKind::Key(i)
            | ChannelClauseKind::Format(i) => i.text.clone(),
            ChannelClauseKind::Address(l) => self.src(l.span).to_string(),
            ChannelClauseKind::Messages(paths) => join_paths(paths),
        };
        format!("{} {rest};", kind.keyword())
    }

    fn service_member(&mut self, m: &ServiceMember) {
        match m {
            ServiceMember::Operation(op) => self.operation(op),
            ServiceMember::Publishes { channels, span } => self.simple_line(
                span.start as usize,
                span.end as usize,
                format!("publishes {};", join_paths(channels)),
            ),
            ServiceMember::Subscribes { channels, span } => self.simple_line(
                span.start as usize,
                span.end as usize,
                format!("subscribes {};", join_paths(channels)),
            ),
            ServiceMember::Uses { services, span } => {
                let line = format!("uses {};", join_paths(services));
                // Qualified service names are long: a list too wide puts each on its own line.
                let line = if INDENT.len() + line.len() > MAX_WIDTH {
                    let names: Vec<String> = services
                        .iter()
                        .map(|p| format!("\n{INDENT}{INDENT}{}", p.text()))
                        .collect();
                    format!("uses{};", names.join(","))
                } else {
                    line
                };
                self.simple_line(span.start as usize, span.end as usize, line)
            }
        }
    }

    fn operation(&mut self, op: &OperationDecl) {
        self.attrs(&op.attrs, op.span.start as usize, INDENT);
        let keyword = if op.notify { "notify" } else { "op" };
        let input = op
            .input
            .as_ref()
            .map(|i| self.streamable(i))
            .unwrap_or_default();
        let mut line = format!("{INDENT}{keyword} {}({input})", op.name.text);
        match &op.output {
            Some(OutputRef::Unit(_)) => line.push_str(" -> ()"),
            Some(OutputRef::Type(t)) => line.push_str(&format!(" -> {}", self.streamable(t))),
            None => {}
        }
        if !op.throws.is_empty() {
            let throws = format!("throws {};", join_paths(&op.throws));
            // Like rustfmt's `where` clauses: a signature too wide moves `throws` to its own line.
            let separator = if line.len() + 1 + throws.len() > MAX_WIDTH {
                format!("\n{INDENT}{INDENT}")
            } else {
                " ".to_string()
            };
            line.push_str(&separator);
            line.push_str(&throws);
        } else {
            line.push(';');
        }
        self.out.push_str(&line);
        self.end_line(op.span.end as usize);
    }

    fn streamable(&self, s: &StreamableType) -> String {
        let stream = if s.stream.is_some() { "stream " } else { "" };
        format!("{stream}{}", self.ty(&s.ty))
    }
}

enum Member<'a> {
    Field(&'a FieldDecl),
    Value(&'a EnumValueDecl),
    Reserved(&'a ReservedDecl),
    Service(&'a ServiceMember),
}

fn attrs_start(attrs: &Attrs) -> Option<usize> {
    let docs = attrs.docs.as_ref().map(|d| d.span.start as usize);
    let ann = attrs.annotations.first().map(|a| a.span.start as usize);
    match (docs, ann) {
        (Some(d), Some(a)) => Some(d.min(a)),
        (d, a) => d.or(a),
    }
}

fn service_member_start(m: &ServiceMember) -> usize {
    match m {
        ServiceMember::Operation(op) => attrs_start(&op.attrs).unwrap_or(op.span.start as usize),
        ServiceMember::Publishes { span, .. }
        | ServiceMember::Subscribes { span, .. }
        | ServiceMember::Uses { span, .. } => span.start as usize,
    }
}

fn clause_rank(kind: &ChannelClauseKind) -> u8 {
    match kind {
        ChannelClauseKind::Kind(_) => 0,
        ChannelClauseKind::Address(_) => 1,
        ChannelClauseKind::Messages(_) => 2,
        ChannelClauseKind::Key(_) => 3,
        ChannelClauseKind::Format(_) => 4,
    }
}

fn join_paths(paths: &[Path]) -> String {
    paths.iter().map(Path::text).collect::<Vec<_>>().join(", ")
}
