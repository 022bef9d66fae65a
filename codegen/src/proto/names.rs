//! The protobuf name of every package, file and declaration, decided once for the whole model
//! so a reference from another package spells a type exactly as its own file declares it.

use super::ident;
use accord_idl::Model;
use accord_idl::model::{DeclId, PackageId};
use heck::ToUpperCamelCase;
use std::collections::BTreeSet;

pub struct Names {
    /// Protobuf name of each declaration, by [`DeclId`].
    decls: Vec<String>,
    packages: Vec<PackageNames>,
}

struct PackageNames {
    /// `ftgo.order.v1`.
    proto: String,
    /// `ftgo/order/v1/order.proto`.
    file: String,
    /// Every top-level name the package's declarations took.
    taken: BTreeSet<String>,
}

impl Names {
    pub fn new(model: &Model) -> Names {
        let mut decls = vec![String::new(); model.decls.len()];
        let packages = model
            .package_ids()
            .map(|id| {
                let package = model.package(id);
                let mut taken = BTreeSet::new();
                for &decl in &package.decls {
                    let escaped = ident::escape(&model.decl(decl).name);
                    decls[decl.index()] = ident::unique(escaped, &mut taken);
                }
                let major = format!("v{}", package.version.major);
                let last = package.segments().last().unwrap_or(&package.name);
                PackageNames {
                    proto: format!("{}.{major}", package.name),
                    file: format!("{}/{major}/{last}.proto", package.name.replace('.', "/")),
                    taken,
                }
            })
            .collect();
        Names { decls, packages }
    }

    pub fn decl(&self, id: DeclId) -> &str {
        &self.decls[id.index()]
    }

    /// The `package` statement's name: `ftgo.order.v1`.
    pub fn package(&self, id: PackageId) -> &str {
        &self.packages[id.index()].proto
    }

    /// The file's path, also how other files import it.
    pub fn file(&self, id: PackageId) -> &str {
        &self.packages[id.index()].file
    }

    /// The names a package's declarations occupy, for generated names to avoid.
    pub fn taken(&self, id: PackageId) -> &BTreeSet<String> {
        &self.packages[id.index()].taken
    }

    /// How a file of package `from` refers to a declaration: its short name at home, otherwise
    /// the fully qualified name with a leading dot, which protobuf never resolves relatively.
    pub fn reference(&self, model: &Model, from: PackageId, id: DeclId) -> String {
        let home = model.decl(id).package;
        if home == from {
            self.decl(id).to_string()
        } else {
            format!(".{}.{}", self.package(home), self.decl(id))
        }
    }

    /// A declaration's part of a wrapper message name: its name at home, prefixed with its
    /// package when foreign so two packages' `Item`s give two wrappers.
    pub fn shape(&self, model: &Model, from: PackageId, id: DeclId) -> String {
        let decl = model.decl(id);
        let name = decl.name.to_upper_camel_case();
        if decl.package == from {
            name
        } else {
            let package = &model.package(decl.package).name;
            format!("{}{name}", package.replace('.', "_").to_upper_camel_case())
        }
    }
}
