//! Rules the targets impose on names: names whose output files collide on a case-insensitive
//! disk (A0103), and names too long for the file names they become (A0104).
//!
//! Why: `check` passing must mean `build` succeeds and every output is accepted. Declarations
//! give files (`<package>/Order.schema.json`), services give files (`<package>.<Service>.yaml`),
//! packages give files and Rust modules; on macOS and Windows disks `Order.schema.json` and
//! `ORDER.schema.json` are one file, so one would overwrite the other. So these must differ
//! other than by case: the declarations and services of a package, the channels of a package,
//! the packages; and a child package (the Rust module `b` inside `a` for `a.b`) must not meet a
//! declaration or the `<service>_operations` Rust module of its parent. Members and operations
//! may differ only in case: every emitter disambiguates them in its own namespace (the awkward
//! names golden holds it). A package, declaration, service or channel whose qualified name
//! exceeds 200 bytes would give an output file name over the 255 bytes file systems allow.
//!
//! ```accord
//! struct Order { id: i64 = 1; }
//! struct ORDER { id: i64 = 1; }   // A0103
//! ```
//!
//! Called by: `compile`, once lowering has built the whole `Model`.

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::{Model, PackageId, Spans};
use crate::source::Span;
use rustc_hash::FxHashMap;

/// The longest qualified name (package, `.`, name) that still makes legal file names.
pub const MAX_QUALIFIED_BYTES: usize = 200;

/// Reports collisions and overlong names in a lowered model.
pub(crate) fn check(model: &Model, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut packages = Scope::new("package");
    for (i, p) in model.packages.iter().enumerate() {
        packages.add(&p.name, spans.packages[i], None, diags);
        length(&p.name, spans.packages[i], diags);
    }
    // Per package, one scope per kind of output: declarations (and the Rust modules of child
    // packages and services, which share Rust's type namespace with them), services, channels.
    let [mut decls, mut services, mut channels] = [(); 3].map(|()| Scopes::default());
    for (i, d) in model.decls.iter().enumerate() {
        let s = &spans.decls[i];
        decls
            .of(d.package, "declaration")
            .add(&d.name, s.name, None, diags);
        length(&qualified(model, d.package, &d.name), s.name, diags);
    }
    for (i, svc) in model.services.iter().enumerate() {
        let s = &spans.services[i];
        let fresh = services
            .of(svc.package, "service")
            .add(&svc.name, s.name, None, diags);
        length(&qualified(model, svc.package, &svc.name), s.name, diags);
        if fresh {
            let module = format!("{}_operations", svc.name);
            let why = Some("the service's Rust module");
            decls
                .of(svc.package, "declaration")
                .add(&module, s.name, why, diags);
        }
    }
    for (i, c) in model.channels.iter().enumerate() {
        let s = &spans.channels[i];
        channels
            .of(c.package, "channel")
            .add(&c.name, s.name, None, diags);
        length(&qualified(model, c.package, &c.name), s.name, diags);
    }
    child_packages(model, spans, &mut decls, diags);
}

/// A scope per package, made on first use.
#[derive(Default)]
struct Scopes(FxHashMap<PackageId, Scope>);

impl Scopes {
    fn of(&mut self, package: PackageId, what: &'static str) -> &mut Scope {
        self.0.entry(package).or_insert_with(|| Scope::new(what))
    }
}

/// A package `a.b` is the Rust module `b` inside `a`: it must not meet a name of package `a`.
fn child_packages(model: &Model, spans: &Spans, decls: &mut Scopes, diags: &mut Vec<Diagnostic>) {
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
        let why = Some("a child package's Rust module");
        decls
            .of(PackageId(parent as u32), "declaration")
            .add(last, spans.packages[i], why, diags);
    }
}

fn qualified(model: &Model, package: PackageId, name: &str) -> String {
    format!("{}.{name}", model.packages[package.0 as usize].name)
}

/// Names as a case-insensitive disk sees them.
fn key(name: &str) -> String {
    name.to_lowercase()
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

    /// Claims `name` (`why`: what a target derives it from, when it is not written as such);
    /// false when it collides with a name claimed before.
    fn add(
        &mut self,
        name: &str,
        span: Span,
        why: Option<&str>,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        let Some((first, at)) = self.seen.get(&key(name)) else {
            self.seen.insert(key(name), (name.to_string(), span));
            return true;
        };
        // The same name twice is A0101's to report.
        if first != name {
            let why = why.map_or(String::new(), |w| format!(" ({w})"));
            diags.push(
                Diagnostic::new(
                    &codes::NAME_COLLISION,
                    format!(
                        "{} `{name}`{why} differs from `{first}` only in case",
                        self.what
                    ),
                    span,
                )
                .with_secondary(*at, "the other name")
                .with_help(
                    "their outputs would be one file on a case-insensitive disk (macOS, \
                     Windows), or one Rust name: rename one",
                ),
            );
        }
        false
    }
}

fn length(qualified: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if qualified.len() > MAX_QUALIFIED_BYTES {
        diags.push(
            Diagnostic::new(
                &codes::NAME_TOO_LONG,
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
