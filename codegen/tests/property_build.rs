//! The build property (issue 19): whatever `check` accepts, `build` turns into documents their
//! consumers accept. Over generated APIs (keywords, case variants and long names, odd HTTP
//! paths, patterns, headers and query names, enums, unions, errors, events, channels, services
//! with every operation shape), each source that checks without error is emitted for every
//! target, and:
//!
//! - each target's file names are unique case-insensitively and each part is under 255 bytes;
//! - the Rust parses with `syn`, without two items of one name and namespace in a module;
//! - each OpenAPI document parses as `openapiv3`, and its paths go into one `matchit` router
//!   (axum's) without conflict, with no segment starting with `:` or `*` and placeholders that
//!   are whole segments;
//! - every `pattern` in the OpenAPI, AsyncAPI and JSON Schema documents compiles in `regress`,
//!   an ECMA-262 engine, in Unicode mode (as ajv compiles them);
//! - the `.proto` files build a descriptor set with `protoc` (missing: `SKIPPED` locally, a
//!   failure under `CI`).
//!
//! A failure is a checker bug: the checker must refuse the source with a spanned diagnostic.
//! Cases: `PROPTEST_CASES` (64 by default).

mod common;

use accord_codegen::{OutputFile, Target};
use accord_idl::compile_str;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

// ---- the generator ----

/// Names that are keywords somewhere (Rust, protobuf, JavaScript, Accord), Rust's reserved
/// module and prelude names, case variants of one another, and long ones.
const NAMES: &[&str] = &[
    "type",
    "match",
    "async",
    "await",
    "fn",
    "impl",
    "self",
    "Self",
    "super",
    "crate",
    "mod",
    "move",
    "ref",
    "dyn",
    "try",
    "gen",
    "box",
    "loop",
    "yield",
    "union",
    "macro",
    "abstract",
    "message",
    "option",
    "repeated",
    "optional",
    "required",
    "oneof",
    "syntax",
    "returns",
    "rpc",
    "stream",
    "string",
    "bytes",
    "int32",
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Default",
    "std",
    "core",
    "alloc",
    "accord",
    "serde",
    "class",
    "function",
    "new",
    "delete",
    "null",
    "version",
    "key",
    "kind",
    "format",
    "error",
    "address",
    "messages",
    "package",
    "to",
    "item",
    "Item",
    "ITEM",
    "iTem",
    "item_id",
    "itemId",
    "ItemId",
    "item__id",
    "_item",
    "item_",
    "order",
    "Order",
    "orders",
    "status",
    "Status",
    "value",
    "Value",
    "id",
    "ID",
    "Id",
    "x",
    "X",
    "a1",
    "A1",
    "a_1",
    "url",
    "URL",
    "Url",
    "http",
    "Http",
    "client",
    "Client",
    "server",
    "Server",
    "proxy",
    "Proxy",
    "service",
    "Service",
    "router",
    "Router",
    "request",
    "Request",
    "response",
    "Response",
    "context",
    "Context",
    "descriptor",
    "Descriptor",
    "skeleton",
    "Skeleton",
    "types",
    "Types",
    "validate",
    "Error",
    "errors",
    "Errors",
];

/// A name: from [`NAMES`], or a long one.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(NAMES).prop_map(str::to_string),
        1 => (prop::sample::select(NAMES), 20usize..140).prop_map(|(n, len)| {
            let mut s = n.to_string();
            while s.len() < len {
                s.push_str("_long");
            }
            s
        }),
    ]
}

/// A type name: a name in one of the cases people write.
fn type_name() -> impl Strategy<Value = String> {
    (name(), 0..3u8).prop_map(|(n, case)| {
        let n = match case {
            0 => n,
            1 => upper_camel(&n),
            _ => n.to_uppercase(),
        };
        // A scalar's name is A0101 (tested elsewhere).
        if SCALARS.contains(&n.as_str()) {
            n + "T"
        } else {
            n
        }
    })
}

fn upper_camel(n: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in n.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { "T".into() } else { out }
}

const SCALARS: &[&str] = &[
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f32",
    "f64",
    "string",
    "bytes",
    "timestamp",
    "duration",
    "uuid",
];

/// Patterns, most both Rust and ECMA-262, some only one of them.
const PATTERNS: &[&str] = &[
    r"^[a-z]+$",
    r"^\d{3}-\d{4}$",
    r"^[A-Za-z0-9_\-]+$",
    r"^(?:ab|cd)*$",
    r"\w+@\w+\.\w+",
    r"^\p{L}+$",
    r"^[^/]+$",
    r"^\S*$",
    r"[\u0041-\u005A]",
    r"^\x41$",
    r"(?i)abc",
    r"^\-$",
    r"a{2,}",
    r"^\.\*$",
    r"[\[\]]",
    r"^(?<year>\d{4})$",
    r"^\/path$",
    r"[a-z&&[^x]]",
    r"\bword\b",
    r"^[\w\s]+$",
    r"é+",
    r"^\$\{x\}$",
    "^😀+$",
    "(?:a|𝄞){2}",
    "[😀-😂]",
];

/// HTTP path segments people write, and placeholders (`{field}`: of one of the input's fields).
const PLAIN_SEGMENTS: &[&str] = &[
    "items", "orders", "v1", "a-b", "a_b", "{id}", "{ID}", "{field}", "{field}", "{field}",
];

/// HTTP path segments: odd ones, and placeholders of fields that may not exist.
const SEGMENTS: &[&str] = &[
    "items",
    "Items",
    "v1",
    "a-b",
    "a.b",
    "a_b",
    "~x",
    "{id}",
    "{item}",
    "{type}",
    "{x}",
    "{nope}",
    ":id",
    "*rest",
    "{*rest}",
    "{id}.json",
    "a{id}",
    "{id}{x}",
    "%20",
    "a%2Fb",
    "",
    "..",
    ".",
    "été",
    "a b",
    "{ID}",
    "{{id}}",
    "a:b",
    "@me",
    "$x",
    "!",
    "a,b",
    "(x)",
];

#[derive(Clone, Debug)]
enum Ty {
    Scalar(&'static str),
    Named(usize),
    List(Box<Ty>),
    Map(&'static str, Box<Ty>),
}

fn ty() -> impl Strategy<Value = Ty> {
    let leaf = prop_oneof![
        3 => prop::sample::select(SCALARS).prop_map(Ty::Scalar),
        2 => (0usize..64).prop_map(Ty::Named),
    ];
    leaf.prop_recursive(2, 4, 1, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Ty::List(Box::new(t))),
            (prop::sample::select(&["string", "i64", "u32"][..]), inner)
                .prop_map(|(k, v)| Ty::Map(k, Box::new(v))),
        ]
    })
}

#[derive(Clone, Debug)]
struct Field {
    name: String,
    optional: bool,
    ty: Ty,
    /// `@pattern`, `@length`, `@range`, `@header`, `@query` (as written), if any.
    annotation: Option<String>,
    /// A number near a limit instead of the next one.
    odd_number: Option<u32>,
}

fn annotation() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        1 => prop::sample::select(PATTERNS).prop_map(|p| Some(format!("@pattern(r\"{p}\")"))),
        1 => (0u32..5, 5u32..40).prop_map(|(a, b)| Some(format!("@length(min = {a}, max = {b})"))),
        1 => (-5i64..5, 5i64..100).prop_map(|(a, b)| Some(format!("@range(min = {a}, max = {b})"))),
        2 => prop_oneof![
            8 => prop::sample::select(&["X-Tenant", "x-tenant", "If-Match", "X_Odd", "Content-Length", "a", "X-Request-Id"][..]),
            1 => prop::sample::select(&["X Space", "X-Ünï", "X-Tenant:"][..]),
        ]
        .prop_map(|h| Some(format!("@header(\"{h}\")"))),
        2 => prop_oneof![
            8 => prop::sample::select(&["q", "dry-run", "Q", "pageSize", "page_size"][..]),
            1 => prop::sample::select(&["a b", "a&b", "a=b", "ü", "page[size]"][..]),
        ]
        .prop_map(|q| Some(format!("@query(\"{q}\")"))),
        1 => Just(Some("@query".to_string())),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    (
        name(),
        any::<bool>(),
        ty(),
        annotation(),
        prop_oneof![
            20 => Just(None),
            1 => prop::sample::select(&[18_999u32, 20_000, 536_870_911][..]).prop_map(Some),
        ],
    )
        .prop_map(|(name, optional, ty, annotation, odd_number)| Field {
            name,
            optional,
            ty,
            annotation,
            odd_number,
        })
}

#[derive(Clone, Debug)]
enum DeclKind {
    Struct(&'static str, Option<u16>, Vec<Field>),
    /// Values, each numbered by its place unless it has a number of its own.
    Enum(Vec<(String, Option<i32>)>),
    Union(Vec<Field>),
}

#[derive(Clone, Debug)]
struct Decl {
    name: String,
    kind: DeclKind,
}

fn decl() -> impl Strategy<Value = Decl> {
    let structure = (
        prop::sample::select(&["struct", "struct", "error", "event"][..]),
        prop::option::of(prop::sample::select(&[400u16, 404, 409, 418, 500, 503][..])),
        prop::collection::vec(field(), 0..5),
    )
        .prop_map(|(k, s, f)| DeclKind::Struct(k, s, f));
    let enumeration = prop::collection::vec(
        (
            type_name().prop_map(|n| n.to_uppercase()),
            prop_oneof![8 => Just(None), 1 => Just(Some(-1)), 1 => Just(Some(i32::MAX))],
        ),
        1..5,
    )
    .prop_map(DeclKind::Enum);
    let union = prop::collection::vec(field(), 1..4).prop_map(DeclKind::Union);
    (
        type_name(),
        prop_oneof![4 => structure, 2 => enumeration, 1 => union],
    )
        .prop_map(|(name, kind)| Decl { name, kind })
}

#[derive(Clone, Debug)]
struct Op {
    name: String,
    /// `op` with input/output streams, or `notify`.
    notify: bool,
    input: Option<usize>,
    input_stream: bool,
    output: Option<usize>,
    output_stream: bool,
    throws: Vec<usize>,
    http: Option<(&'static str, Vec<&'static str>)>,
    channel: Option<usize>,
}

fn op() -> impl Strategy<Value = Op> {
    let http = prop::option::weighted(
        0.7,
        (
            prop::sample::select(&["GET", "POST", "PUT", "PATCH", "DELETE"][..]),
            prop::collection::vec(
                prop_oneof![
                    6 => prop::sample::select(PLAIN_SEGMENTS),
                    1 => prop::sample::select(SEGMENTS),
                ],
                0..4,
            ),
        ),
    );
    (
        name(),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.8, 0usize..64),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.7, 0usize..64),
        prop::bool::weighted(0.15),
        prop::collection::vec(0usize..64, 0..2),
        http,
        prop::option::weighted(0.1, 0usize..4),
    )
        .prop_map(
            |(name, notify, input, input_stream, output, output_stream, throws, http, channel)| {
                Op {
                    name,
                    notify,
                    input,
                    input_stream,
                    output,
                    output_stream,
                    throws,
                    http,
                    channel,
                }
            },
        )
}

#[derive(Clone, Debug)]
struct Channel {
    name: String,
    publish_subscribe: bool,
    address: &'static str,
    messages: Vec<usize>,
    protobuf: bool,
}

fn channel() -> impl Strategy<Value = Channel> {
    (
        name(),
        any::<bool>(),
        prop::sample::select(&["orders", "a.b.c", "a b", "x/y", "Orders", "é"][..]),
        prop::collection::vec(0usize..64, 1..3),
        any::<bool>(),
    )
        .prop_map(
            |(name, publish_subscribe, address, messages, protobuf)| Channel {
                name,
                publish_subscribe,
                address,
                messages,
                protobuf,
            },
        )
}

#[derive(Clone, Debug)]
struct Api {
    package: Vec<String>,
    decls: Vec<Decl>,
    channels: Vec<Channel>,
    services: Vec<(String, Vec<Op>, Vec<usize>)>,
}

fn api() -> impl Strategy<Value = Api> {
    (
        prop::collection::vec(name().prop_map(|n| n.to_lowercase()), 1..3),
        prop::collection::vec(decl(), 1..10),
        prop::collection::vec(channel(), 0..3),
        prop::collection::vec(
            (
                type_name(),
                prop::collection::vec(op(), 1..6),
                prop::collection::vec(0usize..4, 0..2),
            ),
            0..3,
        ),
    )
        .prop_map(|(package, mut decls, mut channels, mut services)| {
            // Exact duplicates are A0101/A0102 (tested elsewhere); names that differ only in
            // case stay, for A0103 and the emitters.
            distinct(decls.iter_mut().map(|d| &mut d.name));
            for d in &mut decls {
                match &mut d.kind {
                    DeclKind::Struct(_, _, fields) | DeclKind::Union(fields) => {
                        distinct(fields.iter_mut().map(|f| &mut f.name))
                    }
                    DeclKind::Enum(values) => distinct(values.iter_mut().map(|v| &mut v.0)),
                }
            }
            distinct(channels.iter_mut().map(|c| &mut c.name));
            distinct(services.iter_mut().map(|s| &mut s.0));
            for (_, ops, _) in &mut services {
                distinct(ops.iter_mut().map(|o| &mut o.name));
            }
            Api {
                package,
                decls,
                channels,
                services,
            }
        })
}

/// Makes the names distinct, appending a number to a repeated one.
fn distinct<'a>(names: impl Iterator<Item = &'a mut String>) {
    let mut seen = HashSet::new();
    for (i, name) in names.enumerate() {
        if !seen.insert(name.clone()) {
            name.push_str(&format!("_{i}"));
            seen.insert(name.clone());
        }
    }
}

impl Api {
    fn decl(&self, i: usize) -> &str {
        &self.decls[i % self.decls.len()].name
    }

    /// The `i`-th struct-like declaration (inputs, outputs, messages), or any if there is none.
    fn structure(&self, i: usize) -> usize {
        let structs: Vec<usize> = (0..self.decls.len())
            .filter(|&d| matches!(self.decls[d].kind, DeclKind::Struct(..)))
            .collect();
        if structs.is_empty() {
            i % self.decls.len()
        } else {
            structs[i % structs.len()]
        }
    }

    /// A path segment: `{field}` becomes a placeholder of one of `input`'s fields.
    fn segment(&self, segment: &str, at: usize, input: Option<usize>) -> String {
        if segment != "{field}" {
            return segment.to_string();
        }
        match input.map(|i| &self.decls[i].kind) {
            Some(DeclKind::Struct(_, _, fields)) if !fields.is_empty() => {
                format!("{{{}}}", fields[at % fields.len()].name)
            }
            _ => "items".to_string(),
        }
    }

    fn ty(&self, t: &Ty) -> String {
        match t {
            Ty::Scalar(s) => s.to_string(),
            Ty::Named(i) => self.decl(*i).to_string(),
            Ty::List(inner) => format!("list<{}>", self.ty(inner)),
            Ty::Map(k, v) => format!("map<{k}, {}>", self.ty(v)),
        }
    }

    fn fields(&self, out: &mut String, fields: &[Field]) {
        for (i, f) in fields.iter().enumerate() {
            if let Some(a) = &f.annotation {
                let _ = writeln!(out, "    {a}");
            }
            let number = f.odd_number.unwrap_or(i as u32 + 1);
            let optional = if f.optional { "?" } else { "" };
            // A constraint's field gets a type it applies to (the checker's A0602 is tested
            // elsewhere; here it would only hide the rest of the API).
            let ty = match f.annotation.as_deref() {
                Some(a) if a.starts_with("@pattern") || a.starts_with("@length") => {
                    "string".to_string()
                }
                Some(a) if a.starts_with("@range") => "i64".to_string(),
                Some(_) => match &f.ty {
                    Ty::Scalar(s) => s.to_string(),
                    _ => "string".to_string(),
                },
                None => self.ty(&f.ty),
            };
            let _ = writeln!(out, "    {}{optional}: {ty} = {number};", f.name);
        }
    }

    /// The source text.
    fn source(&self) -> String {
        let mut out = format!("package {};\nversion 1.0.0;\n\n", self.package.join("."));
        for d in &self.decls {
            match &d.kind {
                DeclKind::Struct(keyword, status, fields) => {
                    if let (Some(s), "error") = (status, *keyword) {
                        let _ = writeln!(out, "@status({s})");
                    }
                    let _ = writeln!(out, "{keyword} {} {{", d.name);
                    self.fields(&mut out, fields);
                }
                DeclKind::Enum(values) => {
                    let _ = writeln!(out, "enum {} {{", d.name);
                    for (i, (name, number)) in values.iter().enumerate() {
                        let number = number.unwrap_or(i as i32);
                        let _ = writeln!(out, "    {name} = {number};");
                    }
                }
                DeclKind::Union(fields) => {
                    let _ = writeln!(out, "union {} {{", d.name);
                    let variants: Vec<Field> = fields
                        .iter()
                        .map(|f| Field {
                            optional: false,
                            ..f.clone()
                        })
                        .collect();
                    self.fields(&mut out, &variants);
                }
            }
            out.push_str("}\n\n");
        }
        for c in &self.channels {
            let kind = if c.publish_subscribe {
                "publish_subscribe"
            } else {
                "point_to_point"
            };
            let messages: Vec<&str> = c
                .messages
                .iter()
                .map(|&m| self.decls[self.structure(m)].name.as_str())
                .collect();
            let format = if c.protobuf { "protobuf" } else { "json" };
            let _ = writeln!(
                out,
                "channel {} {{\n    kind {kind};\n    address \"{}\";\n    messages {};\n    format {format};\n}}\n",
                c.name,
                c.address,
                messages.join(", ")
            );
        }
        for (name, ops, publishes) in &self.services {
            let _ = writeln!(out, "service {name} {{");
            for op in ops {
                let input = op.input.map(|i| self.structure(i));
                if let Some((method, segments)) = &op.http {
                    let path: Vec<String> = segments
                        .iter()
                        .enumerate()
                        .map(|(at, s)| self.segment(s, at, input))
                        .collect();
                    let _ = writeln!(out, "    @http({method}, \"/{}\")", path.join("/"));
                }
                let channel = op
                    .channel
                    .and_then(|c| self.channels.get(c % self.channels.len().max(1)));
                if let Some(c) = channel {
                    let _ = writeln!(out, "    @channel({})", c.name);
                }
                let input = match input {
                    Some(i) if op.input_stream => format!("stream {}", self.decls[i].name),
                    Some(i) => self.decls[i].name.clone(),
                    None => String::new(),
                };
                if op.notify {
                    let _ = writeln!(out, "    notify {}({input});", op.name);
                    continue;
                }
                let output = op.output.map(|o| &self.decls[self.structure(o)].name);
                let output = match output {
                    Some(o) if op.output_stream => format!("stream {o}"),
                    Some(o) => o.clone(),
                    None => "()".into(),
                };
                let errors: Vec<&str> = self
                    .decls
                    .iter()
                    .filter(|d| matches!(d.kind, DeclKind::Struct("error", ..)))
                    .map(|d| d.name.as_str())
                    .collect();
                let throws: Vec<&str> = match errors.len() {
                    0 => Vec::new(),
                    n => op.throws.iter().map(|&t| errors[t % n]).collect(),
                };
                let throws = if throws.is_empty() {
                    String::new()
                } else {
                    format!(" throws {}", throws.join(", "))
                };
                let _ = writeln!(out, "    op {}({input}) -> {output}{throws};", op.name);
            }
            let publishes: Vec<&str> = publishes
                .iter()
                .filter_map(|&c| self.channels.get(c))
                .map(|c| c.name.as_str())
                .collect();
            if !publishes.is_empty() {
                let _ = writeln!(out, "    publishes {};", publishes.join(", "));
            }
            out.push_str("}\n\n");
        }
        out
    }
}

// ---- the consumers ----

/// File names unique case-insensitively, each part under 255 bytes.
fn file_names(target: Target, files: &[OutputFile]) -> Result<(), String> {
    let mut seen: HashMap<String, &OutputFile> = HashMap::new();
    for f in files {
        for part in f.path.iter() {
            if part.len() >= 255 {
                return Err(format!(
                    "{target:?}: a file name part of {} bytes: {}",
                    part.len(),
                    f.path.display()
                ));
            }
        }
        let key = f.path.to_string_lossy().to_lowercase();
        if let Some(other) = seen.insert(key, f) {
            return Err(format!(
                "{target:?}: {} and {} are one file on a case-insensitive disk",
                other.path.display(),
                f.path.display()
            ));
        }
    }
    Ok(())
}

/// The Rust parses, and no module has two items of one name in one namespace.
fn rust(files: &[OutputFile]) -> Result<(), String> {
    for f in files {
        if f.path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let parsed = syn::parse_file(&f.contents)
            .map_err(|e| format!("{}: does not parse: {e}", f.path.display()))?;
        unique_items(&parsed.items, &f.path.display().to_string())?;
    }
    Ok(())
}

fn unique_items(items: &[syn::Item], module: &str) -> Result<(), String> {
    let mut types: HashSet<String> = HashSet::new();
    let mut values: HashSet<String> = HashSet::new();
    for item in items {
        let (namespace, ident) = match item {
            syn::Item::Struct(s) => (&mut types, &s.ident),
            syn::Item::Enum(e) => (&mut types, &e.ident),
            syn::Item::Type(t) => (&mut types, &t.ident),
            syn::Item::Trait(t) => (&mut types, &t.ident),
            syn::Item::Union(u) => (&mut types, &u.ident),
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    unique_items(inner, &format!("{module}::{}", m.ident))?;
                }
                (&mut types, &m.ident)
            }
            syn::Item::Fn(f) => (&mut values, &f.sig.ident),
            syn::Item::Const(c) => (&mut values, &c.ident),
            syn::Item::Static(s) => (&mut values, &s.ident),
            syn::Item::Impl(i) => {
                let mut names = HashSet::new();
                for member in &i.items {
                    let ident = match member {
                        syn::ImplItem::Fn(f) => &f.sig.ident,
                        syn::ImplItem::Const(c) => &c.ident,
                        _ => continue,
                    };
                    if !names.insert(ident.to_string()) {
                        return Err(format!("{module}: `{ident}` twice in one impl block"));
                    }
                }
                continue;
            }
            _ => continue,
        };
        if !namespace.insert(ident.to_string()) {
            return Err(format!("{module}: two items named `{ident}`"));
        }
    }
    Ok(())
}

fn document(f: &OutputFile) -> Result<serde_json::Value, String> {
    if f.path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&f.contents).map_err(|e| format!("{}: {e}", f.path.display()))
    } else {
        serde_yaml::from_str(&f.contents).map_err(|e| format!("{}: {e}", f.path.display()))
    }
}

/// Every `pattern` (a string under that key) compiles as ECMA-262 in Unicode mode.
fn patterns(f: &OutputFile, value: &serde_json::Value) -> Result<(), String> {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if let ("pattern", serde_json::Value::String(p)) = (key.as_str(), v) {
                    for flags in ["u", ""] {
                        regress::Regex::with_flags(p, flags).map_err(|e| {
                            format!(
                                "{}: pattern {p:?} is not ECMA-262 (flags {flags:?}): {e}",
                                f.path.display()
                            )
                        })?;
                    }
                }
                patterns(f, v)?;
            }
        }
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| patterns(f, v))?,
        _ => {}
    }
    Ok(())
}

/// The OpenAPI documents parse, and their paths are routes axum takes.
fn openapi(files: &[OutputFile]) -> Result<(), String> {
    for f in files {
        let value = document(f)?;
        patterns(f, &value)?;
        let api: openapiv3::OpenAPI = serde_json::from_value(value)
            .map_err(|e| format!("{}: not OpenAPI 3: {e}", f.path.display()))?;
        let mut router = matchit::Router::new();
        for path in api.paths.paths.keys() {
            route(path).map_err(|e| format!("{}: {e}", f.path.display()))?;
            router
                .insert(path.as_str(), ())
                .map_err(|e| format!("{}: axum refuses `{path}`: {e}", f.path.display()))?;
        }
    }
    Ok(())
}

/// What axum 0.8 asks of a path beyond matchit: no segment starts with `:` or `*` (its old
/// syntax, which it refuses), and a placeholder is a whole segment.
fn route(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("`{path}` does not start with `/`"));
    }
    for segment in path.split('/').skip(1) {
        if segment.starts_with(':') || segment.starts_with('*') {
            return Err(format!(
                "`{path}`: segment `{segment}` starts with `:` or `*`"
            ));
        }
        let braces = segment.contains('{') || segment.contains('}');
        let whole = segment.len() > 2
            && segment.starts_with('{')
            && segment.ends_with('}')
            && !segment[1..segment.len() - 1].contains(['{', '}', '*']);
        if braces && !whole {
            return Err(format!(
                "`{path}`: `{segment}` is not one whole placeholder"
            ));
        }
    }
    Ok(())
}

fn documents(files: &[OutputFile]) -> Result<(), String> {
    for f in files {
        patterns(f, &document(f)?)?;
    }
    Ok(())
}

/// Everything `build` writes for a model that checked clean is accepted by its consumer.
fn build_is_accepted(source: &str, protoc: bool) -> Result<bool, String> {
    let compiled = compile_str(source);
    if compiled.has_errors() {
        return Ok(false);
    }
    let model = &compiled.model;
    for target in Target::ALL {
        let files = accord_codegen::emit(model, target);
        file_names(target, &files)?;
        match target {
            Target::Rust => rust(&files)?,
            Target::OpenApi => openapi(&files)?,
            Target::AsyncApi | Target::JsonSchema => documents(&files)?,
            Target::Proto if protoc => common::protoc_accepts(&files)?,
            Target::Proto | Target::Docs => {}
        }
    }
    Ok(true)
}

#[test]
fn what_checks_clean_builds_into_documents_their_consumers_accept() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    let protoc = common::protoc_available();
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // The same APIs every run, so CI cannot pass or fail by the draw (the share that checks
    // clean varies a lot over 64 random cases); `ACCORD_PROPTEST_RANDOM=1` explores new ones.
    let mut runner = if std::env::var_os("ACCORD_PROPTEST_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let clean = std::cell::Cell::new(0u32);
    // Per first error code: how many, and one message.
    let mut rejected: BTreeMap<String, (u32, String)> = BTreeMap::new();
    let rejected = std::cell::RefCell::new(&mut rejected);
    let result = runner.run(&api(), |api| {
        let source = api.source();
        match build_is_accepted(&source, protoc) {
            Ok(true) => clean.set(clean.get() + 1),
            Ok(false) => {
                let c = compile_str(&source);
                if let Some(e) = c.errors().next() {
                    let mut rejected = rejected.borrow_mut();
                    let entry = rejected
                        .entry(e.code.to_string())
                        .or_insert_with(|| (0, e.message.clone()));
                    entry.0 += 1;
                }
            }
            Err(problem) => {
                return Err(TestCaseError::fail(format!(
                    "{problem}\n--- source ---\n{source}"
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "{} of {cases} generated APIs checked clean; first errors of the others: {:#?}",
        clean.get(),
        rejected.borrow()
    );
    // Not vacuous: a fair share of the generated APIs gets through the checker.
    assert!(
        clean.get() * 5 >= cases,
        "only {} of {cases} generated APIs checked clean: the generator needs fixing",
        clean.get()
    );
}
