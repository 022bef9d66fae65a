//! Reference docs: one self-contained HTML page and one Markdown page per package
//! (`<package>.html`, `<package>.md`), plus an index of packages.
//!
//! Each page is first built as plain data ([`page`]) from the model — services with every
//! binding, channels, types, events and errors — then rendered by [`html`] (inline CSS, no
//! script, nothing fetched from the network) and [`markdown`]. Doc comments are CommonMark;
//! raw HTML inside them is shown as text, never passed through.

mod decls;
mod html;
mod markdown;
mod page;
mod services;

use crate::{OutputFile, parallel};
use accord_idl::Model;
use accord_idl::model::{DeclId, DeclKind, Lifecycle, PackageId, StructRole, Type};
use page::{Group, Inline, Page, Section};

/// Every package's page in HTML and Markdown, then `index.html` and `index.md`.
pub fn emit(model: &Model) -> Vec<OutputFile> {
    let ids: Vec<PackageId> = model.package_ids().collect();
    // Packages on every core: a page depends only on the model.
    let pages = parallel::map(&ids, |&id| {
        let page = build(model, id);
        let name = &model.package(id).name;
        [
            OutputFile::new(format!("{name}.html"), html::page(&page)),
            OutputFile::new(format!("{name}.md"), markdown::page(&page)),
        ]
    });
    let mut files: Vec<OutputFile> = pages.into_iter().flatten().collect();
    let packages: Vec<(String, String)> = model
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.to_string()))
        .collect();
    files.push(OutputFile::new("index.html", html::index(&packages)));
    files.push(OutputFile::new("index.md", markdown::index(&packages)));
    files
}

fn build(model: &Model, id: PackageId) -> Page {
    let package = model.package(id);
    let services = package
        .services
        .iter()
        .map(|&s| services::service(model, s));
    let channels = package
        .channels
        .iter()
        .map(|&c| services::channel(model, c));
    let decls_of = |wanted: fn(&DeclKind) -> bool| -> Vec<Section> {
        let ids = package
            .decls
            .iter()
            .filter(|&&d| wanted(&model.decl(d).kind));
        ids.map(|&d| decls::declaration(model, d)).collect()
    };
    let groups = vec![
        group("services", "Services", services.collect()),
        group("channels", "Channels", channels.collect()),
        group(
            "types",
            "Types",
            decls_of(|k| !matches!(role(k), Some(StructRole::Event | StructRole::Error { .. }))),
        ),
        group(
            "events",
            "Events",
            decls_of(|k| matches!(role(k), Some(StructRole::Event))),
        ),
        group(
            "errors",
            "Errors",
            decls_of(|k| matches!(role(k), Some(StructRole::Error { .. }))),
        ),
    ];
    Page {
        package: package.name.clone(),
        version: package.version.to_string(),
        groups: groups
            .into_iter()
            .filter(|g| !g.sections.is_empty())
            .collect(),
    }
}

fn role(kind: &DeclKind) -> Option<StructRole> {
    match kind {
        DeclKind::Struct(s) => Some(s.role),
        _ => None,
    }
}

fn group(anchor: &str, title: &'static str, sections: Vec<Section>) -> Group {
    Group {
        anchor: anchor.to_string(),
        title,
        sections,
    }
}

/// Anchor of a declaration on its package's page.
fn decl_anchor(model: &Model, id: DeclId) -> String {
    format!("{}-{}", model.decl(id).keyword(), model.decl(id).name)
}

/// A link to a declaration, naming it by its short name at home and qualified elsewhere.
fn decl_link(model: &Model, from: PackageId, id: DeclId) -> Inline {
    let decl = model.decl(id);
    let foreign = decl.package != from;
    Inline::Link {
        text: if foreign {
            model.qualified_decl_name(id)
        } else {
            decl.name.clone()
        },
        page: foreign.then(|| model.package(decl.package).name.clone()),
        anchor: decl_anchor(model, id),
    }
}

/// A type as written in the IDL, with links to declarations.
fn type_inlines(model: &Model, from: PackageId, ty: &Type) -> Vec<Inline> {
    match ty {
        Type::Scalar(s) => vec![Inline::Code(s.name().to_string())],
        Type::Named(id) => vec![decl_link(model, from, *id)],
        Type::List(item) => {
            let mut out = vec![Inline::Code("list<".into())];
            out.extend(type_inlines(model, from, item));
            out.push(Inline::Code(">".into()));
            out
        }
        Type::Map(key, value) => {
            let mut out = vec![Inline::Code(format!("map<{}, ", key.name()))];
            out.extend(type_inlines(model, from, value));
            out.push(Inline::Code(">".into()));
            out
        }
    }
}

/// Copies docs and lifecycle onto a section.
fn describe(section: &mut Section, docs: Option<&str>, life: &Lifecycle) {
    section.docs = docs.map(str::to_string);
    section.deprecated = life
        .deprecated
        .as_ref()
        .map(|d| d.reason.clone().unwrap_or_default());
    section.since = life.since.as_ref().map(ToString::to_string);
}

#[cfg(test)]
mod tests;
