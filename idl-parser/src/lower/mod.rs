//! Lowering: parsed files → the [`Model`] (plus [`Spans`]), resolving every name and calling the
//! rule families of [`crate::check`] where they have what they need.
//!
//! Order matters and is fixed: packages and versions, then every declaration is *declared*
//! (ids handed out, so references can resolve in any order), then enums, the other types,
//! channels and finally services (which need the types' fields and the channels' messages).
//! Anything that does not resolve becomes a harmless placeholder (a `string`, no input...), so
//! later rules keep running; the `Model` is only meaningful when no error was reported.

mod decls;
mod links;
mod phases;
mod scope;
mod services;
mod visibility;

use crate::check::{
    self,
    annotations::{Anns, Target},
    names::Dups,
};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::source::{FileId, Span};
use crate::syntax::ParsedFile;
use crate::syntax::{self, Item, ItemKind, LiteralKind};
use rustc_hash::FxHashMap;
use scope::{Scope, Sym};

/// Lowers on up to `threads` threads; the result does not depend on how many.
pub(crate) fn lower(
    files: &[ParsedFile],
    diags: &mut Vec<Diagnostic>,
    threads: usize,
) -> (Model, Spans) {
    let mut d = Declarer {
        diags,
        scope: Scope::default(),
        model: Model::default(),
        spans: Spans::default(),
    };
    let file_packages = d.packages(files);
    let count = files.iter().map(|f| f.syntax.items.len()).sum();
    d.reserve(count);
    let mut items: Vec<Entry> = Vec::with_capacity(count);
    let mut dups: FxHashMap<PackageId, Dups> = FxHashMap::default();
    for (file, package) in files.iter().zip(&file_packages) {
        if let Some(p) = package {
            let names = dups
                .entry(*p)
                .or_insert_with(|| Dups::decls(d.scope.names[p.index()].clone()));
            d.declare(file, *p, names, &mut items);
        }
    }
    d.visibility(files, &file_packages);
    let Declarer {
        diags,
        scope,
        mut model,
        mut spans,
    } = d;
    let shared = phases::Shared {
        scope: &scope,
        threads,
    };
    phases::lower_items(&items, shared, &mut model, &mut spans, diags);
    (model, spans)
}

/// One declared item: its file, its syntax and where it went in the model.
pub(crate) type Entry<'f> = (FileId, &'f Item, Slot);

/// The sequential first half: packages, ids for every declaration, visibility.
struct Declarer<'d> {
    diags: &'d mut Vec<Diagnostic>,
    scope: Scope,
    model: Model,
    spans: Spans,
}

/// Lowers the items of one phase. Everything it reads is shared and read-only (the model as
/// the earlier phases left it); what it finds goes to its own `diags`, so phases can run it
/// on several threads at once.
pub(crate) struct Lowerer<'a> {
    pub diags: &'a mut Vec<Diagnostic>,
    pub scope: &'a Scope,
    pub model: &'a Model,
    pub spans: &'a Spans,
}

/// Where each declared item went.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Decl(DeclId),
    Service(ServiceId),
    Channel(ChannelId),
}

impl Declarer<'_> {
    /// Room for `items` declarations (each is a type, a service or a channel).
    fn reserve(&mut self, items: usize) {
        self.model.decls.reserve(items);
        self.spans.decls.reserve(items);
        self.scope.reserve(items);
    }

    /// One package per distinct name; every file states the package's version.
    fn packages(&mut self, files: &[ParsedFile]) -> Vec<Option<PackageId>> {
        let mut versions: Vec<Option<(semver::Version, Span)>> = Vec::new();
        let mut out = Vec::new();
        for file in files {
            let Some(clause) = &file.syntax.package else {
                if !file.syntax.items.is_empty() || file.syntax.version.is_some() {
                    check::files::missing_package(file.id, self.diags);
                }
                out.push(None);
                continue;
            };
            let name = clause.name.text();
            let (id, new) = self.scope.package(&name);
            let version = check::files::file_version(&file.syntax, clause.span, self.diags);
            if new {
                versions.push(version.clone());
                self.model.packages.push(Package {
                    name: name.clone(),
                    version: version
                        .as_ref()
                        .map_or(semver::Version::new(0, 0, 0), |v| v.0.clone()),
                    decls: Vec::new(),
                    services: Vec::new(),
                    channels: Vec::new(),
                });
                self.spans.packages.push(clause.span);
            }
            match (&versions[id.index()], version) {
                (Some(first), Some(this)) => {
                    check::files::version_mismatch(&name, first, &this, self.diags)
                }
                (None, Some(this)) => {
                    self.model.packages[id.index()].version = this.0.clone();
                    versions[id.index()] = Some(this);
                }
                _ => {}
            }
            out.push(Some(id));
        }
        out
    }

    /// Hands out ids and placeholder entries so that any order of reference resolves.
    fn declare<'f>(
        &mut self,
        file: &'f ParsedFile,
        package: PackageId,
        dups: &mut Dups<'f>,
        items: &mut Vec<Entry<'f>>,
    ) {
        for item in &file.syntax.items {
            let name = item.kind.name();
            if Scalar::from_name(&name.text).is_some() {
                check::names::scalar_shadowed(&name.text, name.span, self.diags);
                continue;
            }
            // A duplicate is still lowered (its own problems are independent) but not named.
            let fresh = dups.add(&name.text, name.span, self.diags);
            let slot = self.placeholder(item, package);
            let sym = match slot {
                Slot::Decl(id) => Sym::Decl(id),
                Slot::Service(id) => Sym::Service(id),
                Slot::Channel(id) => Sym::Channel(id),
            };
            if fresh {
                self.scope.declare(package, &name.text, sym);
            }
            items.push((file.id, item, slot));
        }
    }

    fn placeholder(&mut self, item: &Item, package: PackageId) -> Slot {
        let name = item.kind.name();
        let docs = item.attrs.docs.as_ref().map(|d| d.text.clone());
        let item_spans = ItemSpans {
            whole: item.span,
            name: name.span,
            members: Vec::new(),
        };
        let p = &mut self.model.packages[package.index()];
        match &item.kind {
            ItemKind::Service(_) => {
                let id = ServiceId(self.model.services.len() as u32);
                p.services.push(id);
                self.model.services.push(Service {
                    name: name.text.clone(),
                    package,
                    docs,
                    lifecycle: Lifecycle::default(),
                    timeout: None,
                    auth: None,
                    scopes: None,
                    operations: Vec::new(),
                    publishes: Vec::new(),
                    subscribes: Vec::new(),
                    uses: Vec::new(),
                    hypermedia: false,
                });
                self.spans.services.push(ServiceSpans {
                    whole: item.span,
                    name: name.span,
                    operations: Vec::new(),
                    publishes: Vec::new(),
                    subscribes: Vec::new(),
                    uses: Vec::new(),
                });
                Slot::Service(id)
            }
            ItemKind::Channel(_) => {
                let id = ChannelId(self.model.channels.len() as u32);
                p.channels.push(id);
                self.model.channels.push(Channel {
                    name: name.text.clone(),
                    package,
                    docs,
                    lifecycle: Lifecycle::default(),
                    kind: ChannelKind::PointToPoint,
                    address: String::new(),
                    messages: Vec::new(),
                    key: None,
                    format: Format::Json,
                });
                self.spans.channels.push(item_spans);
                Slot::Channel(id)
            }
            _ => {
                let id = DeclId(self.model.decls.len() as u32);
                p.decls.push(id);
                let kind = DeclKind::Struct(Struct {
                    role: StructRole::Plain,
                    fields: Vec::new(),
                    reserved: Vec::new(),
                    links: Vec::new(),
                });
                self.model.decls.push(Decl {
                    name: name.text.clone(),
                    package,
                    docs,
                    lifecycle: Lifecycle::default(),
                    kind,
                });
                self.spans.decls.push(item_spans);
                Slot::Decl(id)
            }
        }
    }

    /// Each file sees its own package and those of every file it imports, transitively.
    fn visibility(&mut self, files: &[ParsedFile], packages: &[Option<PackageId>]) {
        let names: Vec<usize> = self.scope.symbols.iter().map(|s| s.len()).collect();
        self.scope.visibility = visibility::Visibility::new(files, packages, &names);
    }
}

impl Lowerer<'_> {
    /// Resolves a type reference; unknown names become `string` (a placeholder).
    pub fn ty(&mut self, file: FileId, t: &syntax::TypeRef) -> Type {
        match &t.kind {
            syntax::TypeRefKind::Named(path) => self.named(file, path),
            syntax::TypeRefKind::List(inner) => Type::List(Box::new(self.ty(file, inner))),
            syntax::TypeRefKind::Map(k, v) => {
                let key = match &k.kind {
                    syntax::TypeRefKind::Named(p) if p.segments.len() == 1 => {
                        Scalar::from_name(&p.segments[0].text)
                    }
                    _ => None,
                };
                check::types::map_key(key, &text_of(&k.kind), k.span, self.diags);
                Type::Map(key.unwrap_or(Scalar::String), Box::new(self.ty(file, v)))
            }
        }
    }

    fn named(&mut self, file: FileId, path: &syntax::Path) -> Type {
        if let [only] = path.segments.as_slice()
            && let Some(s) = Scalar::from_name(&only.text)
        {
            return Type::Scalar(s);
        }
        match self.scope.resolve(file, path, "type", self.diags) {
            Some(Sym::Decl(d)) => Type::Named(d),
            Some(other) => {
                let found = other.describe();
                check::types::not_a(&path.text(), found, "a type", path.span, self.diags);
                Type::Scalar(Scalar::String)
            }
            None => Type::Scalar(Scalar::String),
        }
    }

    /// Resolves a name that must be a declaration (inputs, outputs, throws, messages).
    pub fn decl(&mut self, file: FileId, path: &syntax::Path) -> Option<DeclId> {
        match self.scope.resolve(file, path, "type", self.diags)? {
            Sym::Decl(d) => Some(d),
            other => {
                let found = other.describe();
                check::types::not_a(&path.text(), found, "a type", path.span, self.diags);
                None
            }
        }
    }

    /// Resolves a name that must be a channel.
    pub fn channel(&mut self, file: FileId, path: &syntax::Path) -> Option<ChannelId> {
        match self.scope.resolve(file, path, "channel", self.diags)? {
            Sym::Channel(c) => Some(c),
            other => {
                let found = other.describe();
                check::types::not_a(&path.text(), found, "a channel", path.span, self.diags);
                None
            }
        }
    }

    /// Resolves a service named in `clause` (`uses`, `@link`): a short name through the
    /// file's scope, a qualified one against every loaded package (see [`check::uses`]); what
    /// does not resolve to a service is reported under `code`.
    pub fn service(
        &mut self,
        file: FileId,
        path: &syntax::Path,
        (clause, code): (&str, &'static check::Code),
    ) -> Option<ServiceId> {
        if let [package @ .., _] = path.segments.as_slice()
            && !package.is_empty()
        {
            let package: Vec<&str> = package.iter().map(|s| s.text.as_str()).collect();
            let package = package.join(".");
            if !self.scope.by_name.contains_key(&package) {
                let d = check::uses::package_not_loaded(
                    &path.text(),
                    &package,
                    path.span,
                    (clause, code),
                );
                self.diags.push(d);
                return None;
            }
        }
        match self.scope.resolve(file, path, "service", self.diags)? {
            Sym::Service(s) => Some(s),
            other => {
                let d = check::uses::not_a_service(&path.text(), other.describe(), path.span, code);
                self.diags.push(d);
                None
            }
        }
    }

    /// `@deprecated` and `@since` of any node.
    pub fn lifecycle(anns: &Anns) -> Lifecycle {
        let deprecated = anns.get("deprecated").map(|a| Deprecated {
            reason: match check::annotations::arg(a) {
                Some(LiteralKind::String { value, .. }) => Some(value.clone()),
                _ => None,
            },
        });
        let since = anns
            .get("since")
            .and_then(|a| match check::annotations::arg(a) {
                Some(LiteralKind::Version(v)) => Some(v.clone()),
                _ => None,
            });
        Lifecycle { deprecated, since }
    }

    /// Checks a node's annotations and returns its lifecycle and the valid ones.
    pub fn attrs<'a>(&mut self, attrs: &'a syntax::Attrs, target: Target) -> (Anns<'a>, Lifecycle) {
        let anns = check::annotations::check(attrs, target, self.diags);
        let lifecycle = Self::lifecycle(&anns);
        (anns, lifecycle)
    }
}

pub(crate) fn docs(attrs: &syntax::Attrs) -> Option<String> {
    attrs.docs.as_ref().map(|d| d.text.clone())
}

fn text_of(kind: &syntax::TypeRefKind) -> String {
    match kind {
        syntax::TypeRefKind::Named(p) => p.text(),
        syntax::TypeRefKind::List(_) => "list<..>".into(),
        syntax::TypeRefKind::Map(..) => "map<..>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{SynthConfig, large_api};

    /// Lowering on several threads finds what one thread finds, in the same order, and builds
    /// the same model, with problems in every phase spread over the file.
    #[test]
    fn threads_do_not_change_the_result() {
        let config = SynthConfig {
            packages: 1,
            services_per_package: 50,
            ops_per_service: 10,
        };
        let (_, text) = large_api(config).swap_remove(0);
        // Big enough that every phase but the enums' runs on several threads.
        assert!(text.len() >= 5 * phases::PARALLEL_MIN_BYTES);
        let text = text
            .replacen("quantity: i32 = 3;", "quantity: Quantity = 3;", 3)
            .replacen("ratio?: f64 = 6;", "ratio?: f64 = 5;", 2)
            .replacen(
                "@range(min = 0, max = 1000)",
                "@range(min = 10, max = 1)",
                2,
            )
            .replacen("messages ChangedP0S3;", "messages StatusZero;", 1)
            .replacen("op op_4(", "op Op_4(", 4)
            .replacen("@http(POST, \"/s1", "@http(POST, \"/{nope}/s1", 3);
        let (syntax, errors) = crate::parser::parse(FileId(0), &text);
        assert!(errors.is_empty(), "{errors:?}");
        let files = [ParsedFile {
            id: FileId(0),
            syntax,
            imports: Vec::new(),
        }];
        let mut one = Vec::new();
        let (model, _) = lower(&files, &mut one, 1);
        assert!(one.len() >= 15, "{one:#?}");
        for threads in [2, 3, 8] {
            let mut many = Vec::new();
            let (m, _) = lower(&files, &mut many, threads);
            assert_eq!(many, one);
            assert_eq!(m, model);
        }
    }
}
