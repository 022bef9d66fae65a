//! The signature of each operation as the service trait declares it and every implementation
//! (a user's, a transport's proxy, the routing client) spells it. A leaf: every part of the
//! target may use it, it uses none of them.

use super::Generator;
use super::ident::ident;
use accord_idl::model::*;

/// Where generated code stands: a package's module, or `depth` modules below it (the service
/// module is 1, a transport's module 2). Paths to package items are written from there.
#[derive(Clone, Copy)]
pub struct Scope {
    pub package: PackageId,
    pub depth: usize,
}

impl Scope {
    pub fn package(package: PackageId) -> Scope {
        Scope { package, depth: 0 }
    }

    /// The scope `levels` modules further down.
    pub fn below(self, levels: usize) -> Scope {
        Scope {
            depth: self.depth + levels,
            ..self
        }
    }

    /// `super::` once per level below the package module.
    pub fn up(self) -> String {
        "super::".repeat(self.depth)
    }
}

/// The path of declaration `id` from `scope`.
pub fn decl(g: &Generator<'_>, scope: Scope, id: DeclId) -> String {
    format!("{}{}", scope.up(), g.decl_path(scope.package, id))
}

/// The Rust type of an IDL type from `scope`.
pub fn rust_type(g: &Generator<'_>, scope: Scope, ty: &Type) -> String {
    match ty {
        Type::Scalar(s) => super::scalar(*s).to_owned(),
        Type::List(item) => format!("__accord::Vec<{}>", rust_type(g, scope, item)),
        Type::Map(key, value) => format!(
            "__accord::BTreeMap<{}, {}>",
            super::scalar(*key),
            rust_type(g, scope, value)
        ),
        Type::Named(id) => decl(g, scope, *id),
    }
}

/// The input of operation `index`: its struct, a stream of it, or `()`.
pub fn input_type(g: &Generator<'_>, scope: Scope, id: ServiceId, index: usize) -> String {
    let op = &g.model.service(id).operations[index];
    match op.input {
        None => "()".to_owned(),
        Some(input) if op.input_stream => {
            format!("__accord::BoxStream<'static, {}>", decl(g, scope, input))
        }
        Some(input) => decl(g, scope, input),
    }
}

/// The output item type of operation `index` (`()` for `()` and `notify`).
pub fn output_type(g: &Generator<'_>, scope: Scope, id: ServiceId, index: usize) -> String {
    match g.model.service(id).operations[index].output.decl() {
        Some(output) => decl(g, scope, output),
        None => "()".to_owned(),
    }
}

/// The error type of operation `index`: its own enum in the service module, or `CallError`
/// when it declares no errors.
pub fn error_type(g: &Generator<'_>, scope: Scope, id: ServiceId, index: usize) -> String {
    let names = &g.names.services[id.index()];
    match &names.op_errors[index] {
        Some(error) => format!("{}{}::{}", scope.up(), ident(&names.module), ident(error)),
        None => "__accord::CallError".to_owned(),
    }
}

/// The method's signature, without `;` or body: as the trait declares it, or with
/// `async_fn` as an implementation may spell it.
pub fn signature(
    g: &Generator<'_>,
    scope: Scope,
    id: ServiceId,
    index: usize,
    async_fn: bool,
) -> String {
    let service = g.model.service(id);
    let method = ident(&g.names.services[id.index()].methods[index]);
    let input = input_type(g, scope, id, index);
    let output = output_type(g, scope, id, index);
    let error = error_type(g, scope, id, index);
    let result = format!("__accord::Result<{output}, {error}>");
    let head = format!("fn {method}(\n    &self,\n    request: __accord::Request<{input}>,\n)");
    if service.operations[index].output.is_stream() {
        format!("{head} -> __accord::BoxStream<'static, {result}>")
    } else if async_fn {
        format!("async {head} -> {result}")
    } else {
        format!("{head} -> impl __accord::Future<\n    Output = {result},\n> + __accord::Send")
    }
}

/// The path of operation `index`'s descriptor (`OperationInfo`) from `scope`.
pub fn operation_info(g: &Generator<'_>, scope: Scope, id: ServiceId, index: usize) -> String {
    let names = &g.names.services[id.index()];
    format!(
        "{}{}::ops::{}",
        scope.up(),
        ident(&names.module),
        ident(&names.statics[index])
    )
}

/// The path of the service trait from `scope`, which may be in another package.
pub fn trait_path(g: &Generator<'_>, scope: Scope, id: ServiceId) -> String {
    let names = &g.names.services[id.index()];
    let target = g.model.service(id).package;
    let mut path = scope.up();
    if target != scope.package {
        path.push_str(&"super::".repeat(g.names.packages[scope.package.index()].len()));
        for segment in &g.names.packages[target.index()] {
            path.push_str(&ident(segment));
            path.push_str("::");
        }
    }
    path.push_str(&ident(&names.trait_name));
    path
}
