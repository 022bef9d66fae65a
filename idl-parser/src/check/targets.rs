//! Rules the targets impose on names: names that collide once a target has changed their case
//! (A0103), and names too long for the file names they become (A0104).
//!
//! Why: `check` passing must mean `build` succeeds and every output is accepted. Protobuf derives
//! JSON names in lowerCamelCase and gRPC method names in PascalCase, Rust converts fields and
//! modules to snake_case and types to PascalCase, and case-insensitive disks (macOS, Windows)
//! hold one of `Order.schema.json` and `ORDER.schema.json`. So two names of one scope must differ
//! other than by case and underscores: declarations and services of a package, its channels;
//! packages; members of a declaration or operations of a service; and a package's child
//! package must not meet its types or its generated `<service>_operations` Rust module. A
//! package, declaration, service or channel whose qualified name exceeds 200 bytes would give
//! an output file name over the 255 bytes file systems allow.
//!
//! ```accord
//! struct Order { line_items: i32 = 1; lineItems: i32 = 2; }   // A0103
//! struct ORDER { id: i64 = 1; }                                  // A0103 (with Order)
//! ```

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::{DeclKind, Model, PackageId, Spans};
use crate::source::Span;
use rustc_hash::FxHashMap;

/// The longest qualified name (package, `.`, name) that still makes legal file names.
pub const MAX_QUALIFIED_BYTES: usize = 200;

/// Reports collisions and overlong names in a lowered model.
pub(crate) fn check(model: &Model, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut packages = Scope::new("package");
    for (i, p) in model.packages.iter().enumerate() {
        packages.add(&p.name, spans.packages[i], diags);
        length(&p.name, spans.packages[i], diags);
    }
    let mut by_package: FxHashMap<PackageId, Scope> = FxHashMap::default();
    fn scope(by: &mut FxHashMap<PackageId, Scope>, p: PackageId) -> &mut Scope {
        by.entry(p).or_insert_with(|| Scope::new("name"))
    }
    for (i, d) in model.decls.iter().enumerate() {
        let s = &spans.decls[i];
        scope(&mut by_package, d.package).add(&d.name, s.name, diags);
        length(&qualified(model, d.package, &d.name), s.name, diags);
        let mut members = Scope::new("member");
        let names: Vec<&str> = match &d.kind {
            DeclKind::Struct(st) => st.fields.iter().map(|f| f.name.as_str()).collect(),
            DeclKind::Union(u) => u.variants.iter().map(|f| f.name.as_str()).collect(),
            DeclKind::Enum(e) => e.values.iter().map(|v| v.name.as_str()).collect(),
        };
        for (name, span) in names.into_iter().zip(&s.members) {
            members.add(name, *span, diags);
        }
    }
    for (i, svc) in model.services.iter().enumerate() {
        let s = &spans.services[i];
        scope(&mut by_package, svc.package).add(&svc.name, s.name, diags);
        length(&qualified(model, svc.package, &svc.name), s.name, diags);
        let module = format!("{}_operations", svc.name);
        scope(&mut by_package, svc.package).add_hidden(&module, s.name, "its Rust module", diags);
        let mut ops = Scope::new("operation");
        for (op, span) in svc.operations.iter().zip(&s.operations) {
            ops.add(&op.name, *span, diags);
        }
    }
    // Channels are a namespace of their own (keys of AsyncAPI documents, no files or types).
    let mut channels: FxHashMap<PackageId, Scope> = FxHashMap::default();
    for (i, c) in model.channels.iter().enumerate() {
        let s = &spans.channels[i];
        scope(&mut channels, c.package).add(&c.name, s.name, diags);
        length(&qualified(model, c.package, &c.name), s.name, diags);
    }
    child_packages(model, spans, &mut by_package, diags);
}

/// A package `a.b` is the Rust module `b` inside `a`: it must not meet a name of package `a`.
fn child_packages(
    model: &Model,
    spans: &Spans,
    by_package: &mut FxHashMap<PackageId, Scope>,
    diags: &mut Vec<Diagnostic>,
) {
    let ids: FxHashMap<&str, usize> = model
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    for (i, p) in model.packages.iter().enumerate() {
        let Some((parent, last)) = p.name.rsplit_once('.') else {
            continue;
        };
        let Some(&parent) = ids.get(parent) else {
            continue;
        };
        if let Some(scope) = by_package.get_mut(&PackageId(parent as u32)) {
            scope.add_hidden(
                last,
                spans.packages[i],
                "a child package's Rust module",
                diags,
            );
        }
    }
}

fn qualified(model: &Model, package: PackageId, name: &str) -> String {
    format!("{}.{name}", model.packages[package.0 as usize].name)
}

/// Names as every target sees them: case and underscores ignored.
fn key(name: &str) -> String {
    name.chars()
        .filter(|&c| c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Names of one scope by their key, and where each was first given.
struct Scope {
    what: &'static str,
    seen: FxHashMap<String, (String, Span)>,
}

impl Scope {
    fn new(what: &'static str) -> Scope {
        Scope {
            what,
            seen: FxHashMap::default(),
        }
    }

    fn add(&mut self, name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
        self.claim(name, name, span, diags);
    }

    /// A name a target derives (`name` is what it is derived into, `why` says from what).
    fn add_hidden(&mut self, name: &str, span: Span, why: &str, diags: &mut Vec<Diagnostic>) {
        self.claim(name, &format!("{name}` ({why})`"), span, diags);
    }

    fn claim(&mut self, name: &str, shown: &str, span: Span, diags: &mut Vec<Diagnostic>) {
        match self.seen.get(&key(name)) {
            // The same name twice is A0101/A0102's to report.
            Some((first, _)) if first == name => {}
            Some((first, at)) => diags.push(
                Diagnostic::error(
                    codes::NAME_COLLISION,
                    format!(
                        "{} `{}` differs from `{first}` only in case or underscores",
                        self.what,
                        shown.trim_end_matches('`')
                    ),
                    span,
                )
                .with_secondary(*at, "the other name")
                .with_help(
                    "targets change the case of names (protobuf JSON names, Rust, file names on \
                     case-insensitive disks), so these would collide: rename one",
                ),
            ),
            None => {
                self.seen.insert(key(name), (name.to_string(), span));
            }
        }
    }
}

fn length(qualified: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if qualified.len() > MAX_QUALIFIED_BYTES {
        diags.push(
            Diagnostic::error(
                codes::NAME_TOO_LONG,
                format!(
                    "qualified name is {} bytes long; at most {MAX_QUALIFIED_BYTES} fit in output file names",
                    qualified.len()
                ),
                span,
            )
            .with_help("output files are named after packages, declarations and services: shorten the name"),
        );
    }
}
