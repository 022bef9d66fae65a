//! The naming table: the Rust name of every package module, declaration, member, service and
//! operation, fixed once per model so every generated part agrees, plus which fields need a
//! `Box` to break a recursive type.

use super::ident::{Case, Namer, convert};
use crate::parallel;
use accord_idl::model::*;
use std::collections::HashSet;

/// Rust names for one enum: its values' variants and the catch-all for unknown values.
#[derive(Debug)]
pub struct EnumNames {
    pub values: Vec<String>,
    pub unknown: String,
}

/// Rust names for one service. Its trait sits in the package module; everything else in the
/// service's own module (`order_service`), whose fixed names (`ops`, `Client`, one module per
/// transport with `router` and `Proxy`) cannot collide with these.
#[derive(Debug)]
pub struct ServiceNames {
    pub trait_name: String,
    /// The service's module, beside its trait.
    pub module: String,
    pub methods: Vec<String>,
    /// The `static` of each operation's descriptor.
    pub statics: Vec<String>,
    /// Each operation's error type in the service module (`GetOrderError`); `None` for an
    /// operation that declares no errors (its error type is `CallError`).
    pub op_errors: Vec<Option<String>>,
    /// Per operation, one variant per declared error, in the order written.
    pub error_variants: Vec<Vec<(DeclId, String)>>,
    /// The variant carrying a `CallError` in every error type.
    pub call_variant: String,
}

/// Rust names for one channel, in its package's module beside the types (so one channel is
/// written once however many services touch it): its `static` `ChannelInfo`, its subscriber
/// trait and its publisher. Named after the package's types, so they give way to them.
#[derive(Debug)]
pub struct ChannelNames {
    pub info: String,
    pub subscriber: String,
    pub publisher: String,
}

#[derive(Debug)]
pub struct Names {
    /// Module path segments of each package (already converted; escape with `ident`).
    pub packages: Vec<Vec<String>>,
    pub decls: Vec<String>,
    /// Fields of structs and variants of unions, per declaration.
    pub members: Vec<Vec<String>>,
    pub enums: Vec<Option<EnumNames>>,
    pub services: Vec<ServiceNames>,
    pub channels: Vec<ChannelNames>,
    /// `(declaration, member index)` of fields that hold their type in a `Box`.
    pub boxed: HashSet<(DeclId, usize)>,
    /// Per declaration: a struct whose every field has a `Default` (derives or implements it).
    pub defaultable: Vec<bool>,
}

impl Names {
    pub fn new(model: &Model) -> Names {
        let mut package_namers: Vec<Namer> = model.packages.iter().map(|_| Namer::new()).collect();
        let decls = model
            .decls
            .iter()
            .map(|d| package_namers[d.package.index()].name(&d.name, Case::Camel))
            .collect();
        let services = model
            .services
            .iter()
            .map(|s| service_names(model, s, &mut package_namers[s.package.index()]))
            .collect();
        let channels = model
            .channels
            .iter()
            .map(|c| channel_names(c, &mut package_namers[c.package.index()]))
            .collect();
        Names {
            packages: model.packages.iter().map(package_path).collect(),
            decls,
            // Each declaration's members are named apart from everything else: on every core.
            members: parallel::map(&model.decls, member_names),
            enums: parallel::map(&model.decls, enum_names),
            services,
            channels,
            boxed: boxed_fields(model),
            defaultable: defaultable(model),
        }
    }
}

fn package_path(package: &Package) -> Vec<String> {
    package
        .segments()
        .map(|s| convert(s, Case::Snake))
        .collect()
}

fn member_names(decl: &Decl) -> Vec<String> {
    let (members, case) = match &decl.kind {
        DeclKind::Struct(s) => (&s.fields, Case::Snake),
        DeclKind::Union(u) => (&u.variants, Case::Camel),
        DeclKind::Enum(_) => return Vec::new(),
    };
    let mut namer = Namer::new();
    members.iter().map(|f| namer.name(&f.name, case)).collect()
}

fn enum_names(decl: &Decl) -> Option<EnumNames> {
    let DeclKind::Enum(e) = &decl.kind else {
        return None;
    };
    let mut namer = Namer::new();
    let values = e
        .values
        .iter()
        .map(|v| namer.name(&v.name, Case::Camel))
        .collect();
    let unknown = namer.name("Unknown", Case::Camel);
    Some(EnumNames { values, unknown })
}

fn service_names(model: &Model, service: &Service, package: &mut Namer) -> ServiceNames {
    let trait_name = package.name(&service.name, Case::Camel);
    let module = package.name(&service.name, Case::Snake);
    let mut methods = Namer::new();
    let mut statics = Namer::new();
    // Error types end in `Error`, so they cannot meet the service module's fixed names
    // (`ops`, `Client`, a transport's module); operations named alike but for case can meet.
    let mut error_names = Namer::new();
    let mut op_errors = Vec::new();
    let mut error_variants = Vec::new();
    let call_variant = "Call".to_owned();
    for op in &service.operations {
        let mut variants = Namer::new();
        variants.name(&call_variant, Case::Camel);
        error_variants.push(
            op.throws
                .iter()
                .map(|&thrown| (thrown, variants.name(&model.decl(thrown).name, Case::Camel)))
                .collect(),
        );
        op_errors.push(
            (!op.throws.is_empty())
                .then(|| error_names.name(&format!("{}_error", op.name), Case::Camel)),
        );
    }
    ServiceNames {
        trait_name,
        module,
        methods: service
            .operations
            .iter()
            .map(|o| methods.name(&o.name, Case::Snake))
            .collect(),
        statics: service
            .operations
            .iter()
            .map(|o| statics.name(&o.name, Case::Shouty))
            .collect(),
        op_errors,
        error_variants,
        call_variant,
    }
}

fn channel_names(channel: &Channel, package: &mut Namer) -> ChannelNames {
    let camel = convert(&channel.name, Case::Camel);
    ChannelNames {
        info: package.name(&channel.name, Case::Shouty),
        subscriber: package.name(&format!("{camel}Subscriber"), Case::Camel),
        publisher: package.name(&format!("{camel}Publisher"), Case::Camel),
    }
}

/// Structs whose fields all have a `Default`: optional ones (absent, or their `@default`),
/// scalars, containers and such structs (enums and unions have no natural default). A fixed
/// point, as structs nest.
fn defaultable(model: &Model) -> Vec<bool> {
    let mut ok: Vec<bool> = model
        .decls
        .iter()
        .map(|d| matches!(d.kind, DeclKind::Struct(_)))
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for (i, decl) in model.decls.iter().enumerate() {
            let DeclKind::Struct(s) = &decl.kind else {
                continue;
            };
            let fields_ok = s.fields.iter().all(|f| match (f.optional, &f.ty) {
                (true, _) => true,
                (false, Type::Named(id)) => ok[id.index()],
                (false, _) => true,
            });
            if ok[i] && !fields_ok {
                ok[i] = false;
                changed = true;
            }
        }
    }
    ok
}

/// Fields whose type contains its owner without a `Vec` or map in between: they are boxed,
/// else the Rust type would have infinite size. Found with strongly connected components of
/// the "holds directly" graph (Kosaraju, iterative so deep chains cannot overflow the stack).
fn boxed_fields(model: &Model) -> HashSet<(DeclId, usize)> {
    let edges: Vec<Vec<(usize, usize)>> = model
        .decls
        .iter()
        .map(|d| direct_members(d).collect())
        .collect();
    let component = components(&edges);
    let mut boxed = HashSet::new();
    for (owner, out) in edges.iter().enumerate() {
        for &(member, target) in out {
            if component[owner] == component[target] {
                boxed.insert((DeclId(owner as u32), member));
            }
        }
    }
    boxed
}

/// `(member index, target declaration)` for each member that holds a named type directly.
fn direct_members(decl: &Decl) -> impl Iterator<Item = (usize, usize)> + '_ {
    let members: &[Field] = match &decl.kind {
        DeclKind::Struct(s) => &s.fields,
        DeclKind::Union(u) => &u.variants,
        DeclKind::Enum(_) => &[],
    };
    members.iter().enumerate().filter_map(|(i, f)| match f.ty {
        Type::Named(target) => Some((i, target.index())),
        _ => None,
    })
}

/// The strongly connected component of each node.
fn components(edges: &[Vec<(usize, usize)>]) -> Vec<usize> {
    let n = edges.len();
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, out) in edges.iter().enumerate() {
        for &(_, to) in out {
            reverse[to].push(from);
        }
    }
    let order = finish_order(n, |v| edges[v].iter().map(|e| e.1).collect());
    let mut component = vec![usize::MAX; n];
    for (c, &root) in order.iter().rev().enumerate() {
        if component[root] != usize::MAX {
            continue;
        }
        let mut stack = vec![root];
        component[root] = c;
        while let Some(v) = stack.pop() {
            for &u in &reverse[v] {
                if component[u] == usize::MAX {
                    component[u] = c;
                    stack.push(u);
                }
            }
        }
    }
    component
}

/// Nodes in depth-first finishing order.
fn finish_order(n: usize, next: impl Fn(usize) -> Vec<usize>) -> Vec<usize> {
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start, next(start), 0)];
        while let Some((v, out, i)) = stack.last_mut() {
            if let Some(&u) = out.get(*i) {
                *i += 1;
                if !seen[u] {
                    seen[u] = true;
                    stack.push((u, next(u), 0));
                }
            } else {
                order.push(*v);
                stack.pop();
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cycles_are_components() {
        // 0 -> 1 -> 0 (a cycle), 2 -> 2 (self), 3 -> 0 (no cycle).
        let edges = vec![vec![(0, 1)], vec![(0, 0)], vec![(0, 2)], vec![(0, 0)]];
        let c = components(&edges);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[2], c[0]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[3], c[2]);
    }
}
