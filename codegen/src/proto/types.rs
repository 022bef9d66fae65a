//! Accord types as protobuf field types, within one file.
//!
//! Protobuf has no list of lists, no map whose values are lists or maps, no `optional` on
//! `repeated`/`map`, and no `repeated`/`map` inside a `oneof`. Each such shape becomes a wrapper
//! message named after the shape (`ListOfI32`, `MapOfStringToListOfString`) holding one field,
//! `values` (lists) or `entries` (maps). Equal shapes share one wrapper; names are claimed in the
//! order the file's declarations use them, so the output is the same every run.

use super::ident;
use super::names::Names;
use accord_idl::Model;
use accord_idl::model::{DeclId, PackageId, Scalar, Type};
use std::collections::{BTreeSet, HashMap};

pub const EMPTY: &str = ".google.protobuf.Empty";
pub const EMPTY_IMPORT: &str = "google/protobuf/empty.proto";

/// The label (`optional `, `repeated ` or nothing) and type of one field.
pub struct FieldType {
    pub label: &'static str,
    pub ty: String,
}

/// Type mapping for one file: remembers the imports and wrappers the file needs.
pub struct Scope<'a> {
    model: &'a Model,
    names: &'a Names,
    package: PackageId,
    /// Top-level names in use in this file (declarations, wrappers, enum values, services).
    pub taken: BTreeSet<String>,
    pub imports: BTreeSet<String>,
    wrapper_names: HashMap<Type, String>,
    /// Wrappers in the order they were first needed; rendered by [`Scope::take_wrappers`].
    pending: Vec<(String, Type)>,
}

impl<'a> Scope<'a> {
    pub fn new(model: &'a Model, names: &'a Names, package: PackageId) -> Scope<'a> {
        Scope {
            model,
            names,
            package,
            taken: names.taken(package).clone(),
            imports: BTreeSet::new(),
            wrapper_names: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// A struct field (`in_oneof` false) or a union variant (`in_oneof` true).
    pub fn field(&mut self, ty: &Type, optional: bool, in_oneof: bool) -> FieldType {
        let container = matches!(ty, Type::List(_) | Type::Map(..));
        if container && (optional || in_oneof) {
            // A wrapper message has presence of its own, so it needs no label.
            let ty = self.wrapper(ty);
            return FieldType { label: "", ty };
        }
        match ty {
            Type::List(item) => FieldType {
                label: "repeated ",
                ty: self.element(item),
            },
            Type::Map(key, value) => FieldType {
                label: "",
                ty: format!("map<{}, {}>", ident::scalar(*key), self.element(value)),
            },
            single => FieldType {
                label: if optional && !in_oneof {
                    "optional "
                } else {
                    ""
                },
                ty: self.element(single),
            },
        }
    }

    /// A list item or map value: a plain type, or a wrapper for a nested container.
    fn element(&mut self, ty: &Type) -> String {
        match ty {
            Type::Scalar(s) => self.scalar(*s),
            Type::Named(id) => {
                let home = self.model.decl(*id).package;
                if home != self.package {
                    self.imports.insert(self.names.file(home).to_string());
                }
                self.names.reference(self.model, self.package, *id)
            }
            Type::List(_) | Type::Map(..) => self.wrapper(ty),
        }
    }

    /// `.pkg.vN.Name`, importing its file when foreign.
    pub fn absolute(&mut self, id: DeclId) -> String {
        let home = self.model.decl(id).package;
        if home != self.package {
            self.imports.insert(self.names.file(home).to_string());
        }
        format!(".{}.{}", self.names.package(home), self.names.decl(id))
    }

    fn scalar(&mut self, s: Scalar) -> String {
        if let Some(import) = ident::scalar_import(s) {
            self.imports.insert(import.to_string());
        }
        ident::scalar(s).to_string()
    }

    /// `google.protobuf.Empty`, for missing inputs and empty replies.
    pub fn empty(&mut self) -> String {
        self.imports.insert(EMPTY_IMPORT.to_string());
        EMPTY.to_string()
    }

    fn wrapper(&mut self, ty: &Type) -> String {
        if let Some(name) = self.wrapper_names.get(ty) {
            return name.clone();
        }
        let name = ident::unique(self.shape(ty), &mut self.taken);
        self.wrapper_names.insert(ty.clone(), name.clone());
        self.pending.push((name.clone(), ty.clone()));
        name
    }

    fn shape(&self, ty: &Type) -> String {
        match ty {
            Type::Scalar(s) => ident::scalar_shape(*s),
            Type::Named(id) => self.names.shape(self.model, self.package, *id),
            Type::List(item) => format!("ListOf{}", self.shape(item)),
            Type::Map(key, value) => {
                format!("MapOf{}To{}", ident::scalar_shape(*key), self.shape(value))
            }
        }
    }

    /// Renders every wrapper needed so far, including those the wrappers themselves need.
    pub fn take_wrappers(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let mut next = 0;
        while next < self.pending.len() {
            let (name, ty) = self.pending[next].clone();
            out.push(self.render_wrapper(&name, &ty));
            next += 1;
        }
        self.pending.clear();
        out
    }

    fn render_wrapper(&mut self, name: &str, ty: &Type) -> String {
        let body = match ty {
            Type::List(item) => format!("repeated {} values = 1;", self.element(item)),
            Type::Map(key, value) => format!(
                "map<{}, {}> entries = 1;",
                ident::scalar(*key),
                self.element(value)
            ),
            // Only containers are ever wrapped.
            single => format!("{} value = 1;", self.element(single)),
        };
        format!(
            "// Generated wrapper: protobuf cannot express this shape directly.\nmessage {name} {{\n  {body}\n}}\n"
        )
    }
}
