//! Where every name leads: each declaration and each reference of every file, with the model
//! item it names, built from the compiler's syntax trees and `Model` after a check.
//!
//! Names resolve by the language's rule (docs/language.md, name resolution): a file sees its
//! own package and every package it imports, transitively; a short name must be declared in
//! exactly one of them; a qualified name (`ftgo.common.Money`) reaches any loaded package. The
//! declarations come from the model the checker built (ids, and their spans in `Spans`), so a
//! name the checker did not declare (a duplicate, a file without a package) leads nowhere here
//! either.

use accord_idl::Model;
use accord_idl::model::{ChannelId, DeclId, DeclKind, Field, OpRef, PackageId, ServiceId};
use accord_idl::syntax::{self, ItemKind, LiteralKind, ServiceMember, TypeRefKind};
use accord_idl::{Compilation, FileId, Span};
use std::collections::HashMap;

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Decl(DeclId),
    Service(ServiceId),
    Channel(ChannelId),
    Op(OpRef),
    /// A field or union variant: the declaration and the field's index in the model.
    Field(DeclId, usize),
    /// An imported file.
    File(FileId),
}

/// One name in the source: where, what it names, and whether this is its declaration.
#[derive(Clone, Copy, Debug)]
pub struct Occurrence {
    pub span: Span,
    pub target: Target,
    pub declaration: bool,
}

pub struct Index {
    /// Per file (by id): every occurrence, in source order.
    files: Vec<Vec<Occurrence>>,
    packages: HashMap<String, PackageId>,
    /// Per package: its declared names (types, services and channels share one namespace).
    symbols: Vec<HashMap<String, Target>>,
    /// Per file: the packages it sees, its own first.
    visible: Vec<Vec<PackageId>>,
}

impl Index {
    pub fn new(c: &Compilation) -> Index {
        let mut index = Index::tables(c);
        let declared = declared(c);
        for (file, _) in c.sources.iter() {
            let Some(syntax) = c.syntax(file) else {
                continue;
            };
            let mut walk = Walk {
                index: &index,
                c,
                file,
                declared: &declared,
                out: Vec::new(),
            };
            walk.file(syntax);
            let mut found = walk.out;
            found.sort_by_key(|o| (o.span.start, o.span.end));
            index.files[file.0 as usize] = found;
        }
        index
    }

    /// The packages, their names, and what each file sees.
    fn tables(c: &Compilation) -> Index {
        let model = &c.model;
        let packages: HashMap<String, PackageId> = model
            .package_ids()
            .map(|p| (model.package(p).name.clone(), p))
            .collect();
        let mut symbols = vec![HashMap::new(); model.packages.len()];
        let mut add = |p: PackageId, name: &str, t: Target| {
            symbols[p.index()].entry(name.to_string()).or_insert(t);
        };
        for id in model.decl_ids() {
            add(
                model.decl(id).package,
                &model.decl(id).name,
                Target::Decl(id),
            );
        }
        for id in model.service_ids() {
            let s = model.service(id);
            add(s.package, &s.name, Target::Service(id));
        }
        for id in model.channel_ids() {
            let ch = model.channel(id);
            add(ch.package, &ch.name, Target::Channel(id));
        }
        let files = c.sources.len();
        let package_of: Vec<Option<PackageId>> = (0..files as u32)
            .map(|f| {
                let clause = c.syntax(FileId(f))?.package.as_ref()?;
                packages.get(&clause.name.text()).copied()
            })
            .collect();
        let visible = (0..files as u32)
            .map(|f| sees(c, FileId(f), &package_of))
            .collect();
        Index {
            files: vec![Vec::new(); files],
            packages,
            symbols,
            visible,
        }
    }

    /// The occurrence at byte `offset` of `file` (its end included, where a cursor after a
    /// name stands).
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        let found = self.files.get(file.0 as usize)?;
        let after = found.partition_point(|o| o.span.start <= offset);
        found[..after]
            .iter()
            .rev()
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of `target`, its declaration included, in file and source order.
    pub fn occurrences(&self, target: Target) -> impl Iterator<Item = &Occurrence> {
        self.files
            .iter()
            .flatten()
            .filter(move |o| o.target == target)
    }

    pub fn in_file(&self, file: FileId) -> &[Occurrence] {
        self.files.get(file.0 as usize).map_or(&[], Vec::as_slice)
    }

    pub fn declaration(&self, target: Target) -> Option<Span> {
        if let Target::File(f) = target {
            return Some(Span::new(f, 0, 0));
        }
        self.occurrences(target)
            .find(|o| o.declaration)
            .map(|o| o.span)
    }

    /// What `path`, written in `file`, names (scalars name nothing).
    pub fn resolve(&self, file: FileId, path: &syntax::Path) -> Option<Target> {
        let (last, prefix) = path.segments.split_last()?;
        if !prefix.is_empty() {
            let names: Vec<&str> = prefix.iter().map(|s| s.text.as_str()).collect();
            let package = self.packages.get(&names.join("."))?;
            return self.symbols[package.index()].get(&last.text).copied();
        }
        let mut hits = self
            .visible(file)
            .iter()
            .filter_map(|p| self.symbols[p.index()].get(&last.text));
        match (hits.next(), hits.next()) {
            (Some(&t), None) => Some(t),
            _ => None,
        }
    }

    /// The packages `file` sees, its own first.
    pub fn visible(&self, file: FileId) -> &[PackageId] {
        self.visible.get(file.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// The names declared in `package`.
    pub fn names(&self, package: PackageId) -> &HashMap<String, Target> {
        &self.symbols[package.index()]
    }

    pub fn package(&self, name: &str) -> Option<PackageId> {
        self.packages.get(name).copied()
    }
}

/// The file's own package, then those of every file it reaches through imports.
fn sees(c: &Compilation, file: FileId, package_of: &[Option<PackageId>]) -> Vec<PackageId> {
    let mut seen_files = vec![false; package_of.len()];
    let mut stack = vec![file];
    let mut out = Vec::new();
    while let Some(f) = stack.pop() {
        if std::mem::replace(&mut seen_files[f.0 as usize], true) {
            continue;
        }
        if let Some(p) = package_of[f.0 as usize]
            && !out.contains(&p)
        {
            out.push(p);
        }
        stack.extend(c.imports(f).iter().flatten().copied());
    }
    out
}

/// The fields of a struct, error or event, or the variants of a union (none for an enum).
pub fn fields_of(model: &Model, decl: DeclId) -> &[Field] {
    match &model.decl(decl).kind {
        DeclKind::Struct(s) => &s.fields,
        DeclKind::Union(u) => &u.variants,
        DeclKind::Enum(_) => &[],
    }
}

/// The model item declared at each name span.
fn declared(c: &Compilation) -> HashMap<Span, Target> {
    let spans = &c.spans;
    let decls = spans.decls.iter().enumerate();
    let decls = decls.map(|(i, s)| (s.name, Target::Decl(DeclId(i as u32))));
    let services = spans.services.iter().enumerate();
    let services = services.map(|(i, s)| (s.name, Target::Service(ServiceId(i as u32))));
    let channels = spans.channels.iter().enumerate();
    let channels = channels.map(|(i, s)| (s.name, Target::Channel(ChannelId(i as u32))));
    decls.chain(services).chain(channels).collect()
}

/// Collects the occurrences of one file.
struct Walk<'a> {
    index: &'a Index,
    c: &'a Compilation,
    file: FileId,
    declared: &'a HashMap<Span, Target>,
    out: Vec<Occurrence>,
}

impl Walk<'_> {
    fn file(&mut self, syntax: &syntax::File) {
        let imports = self.c.imports(self.file);
        for (import, target) in syntax.imports.iter().zip(imports) {
            if let Some(target) = target {
                self.push(import.path_span, Target::File(*target), false);
            }
        }
        for item in &syntax.items {
            self.item(item);
        }
    }

    fn push(&mut self, span: Span, target: Target, declaration: bool) {
        self.out.push(Occurrence {
            span,
            target,
            declaration,
        });
    }

    fn item(&mut self, item: &syntax::Item) {
        let name = item.kind.name();
        let target = self.declared.get(&name.span).copied();
        if let Some(t) = target {
            self.push(name.span, t, true);
        }
        match &item.kind {
            ItemKind::Struct(s) => self.fields(target, &s.fields),
            ItemKind::Union(u) => self.fields(target, &u.variants),
            ItemKind::Enum(_) => {}
            ItemKind::Channel(ch) => {
                for clause in &ch.clauses {
                    if let syntax::ChannelClauseKind::Messages(paths) = &clause.kind {
                        paths.iter().for_each(|p| self.reference(p));
                    }
                }
            }
            ItemKind::Service(s) => self.service(target, s),
        }
    }

    fn fields(&mut self, target: Option<Target>, fields: &[syntax::FieldDecl]) {
        let decl = match target {
            Some(Target::Decl(d)) => Some(d),
            _ => None,
        };
        for field in fields {
            if let Some(d) = decl {
                let model = fields_of(&self.c.model, d);
                if let Some(i) = model.iter().position(|f| f.name == field.name.text) {
                    self.push(field.name.span, Target::Field(d, i), true);
                }
            }
            self.ty(&field.ty);
            for ann in &field.attrs.annotations {
                if ann.name.text == "link"
                    && let Some([_, op]) = ann.args.as_deref()
                    && let LiteralKind::Name(path) = &op.value.kind
                {
                    self.link(path);
                }
            }
        }
    }

    fn ty(&mut self, t: &syntax::TypeRef) {
        match &t.kind {
            TypeRefKind::Named(p) => self.reference(p),
            TypeRefKind::List(inner) => self.ty(inner),
            TypeRefKind::Map(k, v) => {
                self.ty(k);
                self.ty(v);
            }
        }
    }

    /// A written name: its last segment names the target.
    fn reference(&mut self, path: &syntax::Path) {
        if let (Some(t), Some(last)) = (self.index.resolve(self.file, path), path.segments.last()) {
            self.push(last.span, t, false);
        }
    }

    /// `Service.op` of `@link`: the service, then the operation.
    fn link(&mut self, path: &syntax::Path) {
        let Some((op, service)) = path.segments.split_last() else {
            return;
        };
        let Some(service_name) = service.last() else {
            return;
        };
        let service_path = syntax::Path {
            segments: service.to_vec(),
            span: service_name.span,
        };
        let Some(Target::Service(s)) = self.index.resolve(self.file, &service_path) else {
            return;
        };
        self.push(service_name.span, Target::Service(s), false);
        let ops = &self.c.model.service(s).operations;
        if let Some(i) = ops.iter().position(|o| o.name == op.text) {
            self.push(op.span, Target::Op(OpRef { service: s, op: i }), false);
        }
    }

    fn service(&mut self, target: Option<Target>, s: &syntax::ServiceDecl) {
        let id = match target {
            Some(Target::Service(id)) => Some(id),
            _ => None,
        };
        for member in &s.members {
            match member {
                ServiceMember::Operation(op) => self.operation(id, op),
                ServiceMember::Publishes { channels, .. }
                | ServiceMember::Subscribes { channels, .. } => {
                    channels.iter().for_each(|p| self.reference(p))
                }
                ServiceMember::Uses { services, .. } => {
                    services.iter().for_each(|p| self.reference(p))
                }
            }
        }
    }

    fn operation(&mut self, service: Option<ServiceId>, op: &syntax::OperationDecl) {
        if let Some(s) = service {
            let ops = &self.c.model.service(s).operations;
            if let Some(i) = ops.iter().position(|o| o.name == op.name.text) {
                let target = Target::Op(OpRef { service: s, op: i });
                self.push(op.name.span, target, true);
            }
        }
        if let Some(input) = &op.input {
            self.ty(&input.ty);
        }
        if let Some(syntax::OutputRef::Type(output)) = &op.output {
            self.ty(&output.ty);
        }
        op.throws.iter().for_each(|p| self.reference(p));
        for ann in &op.attrs.annotations {
            if ann.name.text == "channel"
                && let Some([arg]) = ann.args.as_deref()
                && let LiteralKind::Name(path) = &arg.value.kind
            {
                self.reference(path);
            }
        }
    }
}
