//! The checked, resolved `Model`: what every emitter consumes.
//!
//! Architecture invariant: the model knows nothing of syntax. It is plain data addressed by typed
//! ids; references are resolved (a [`Type::Named`] holds a [`DeclId`], never a string), HTTP
//! bindings are already split into path, query, header and body parameters, and every value an
//! annotation carried is typed. Spans live on the side in [`crate::Spans`], so two models that
//! mean the same thing compare equal whatever their layout in the source.
//!
//! A `Model` is only handed out when checking found no error, so emitters never re-validate.

use std::time::Duration;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// Index into [`Model::packages`].
    PackageId
);
id!(
    /// Index into [`Model::decls`].
    DeclId
);
id!(
    /// Index into [`Model::services`].
    ServiceId
);
id!(
    /// Index into [`Model::channels`].
    ChannelId
);

/// Every package of a compilation with everything declared in them. Packages, and within a package
/// its declarations, services and channels, are in source order (files in load order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub packages: Vec<Package>,
    pub decls: Vec<Decl>,
    pub services: Vec<Service>,
    pub channels: Vec<Channel>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    /// Dotted name as written: `ftgo.order`.
    pub name: String,
    pub version: semver::Version,
    pub decls: Vec<DeclId>,
    pub services: Vec<ServiceId>,
    pub channels: Vec<ChannelId>,
}

impl Package {
    /// The name's segments: `["ftgo", "order"]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.name.split('.')
    }
}

/// Deprecation and introduction of anything that can carry `@deprecated` / `@since`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub deprecated: Option<Deprecated>,
    pub since: Option<semver::Version>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deprecated {
    pub reason: Option<String>,
}

/// A named type: struct, error, event, enum or union.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub name: String,
    pub package: PackageId,
    /// Doc comment text (CommonMark), without the `///` markers.
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
    pub kind: DeclKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    Struct(Struct),
    Enum(Enum),
    Union(Union),
}

impl Decl {
    pub fn as_struct(&self) -> Option<&Struct> {
        match &self.kind {
            DeclKind::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The IDL keyword that declared it.
    pub fn keyword(&self) -> &'static str {
        match &self.kind {
            DeclKind::Struct(s) => match s.role {
                StructRole::Plain => "struct",
                StructRole::Error { .. } => "error",
                StructRole::Event => "event",
            },
            DeclKind::Enum(_) => "enum",
            DeclKind::Union(_) => "union",
        }
    }
}

/// `struct`, `error` and `event` share one shape; the role says which it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    pub role: StructRole,
    pub fields: Vec<Field>,
    pub reserved: Vec<Reserved>,
    /// `@link` on its fields, in field order.
    pub links: Vec<Link>,
}

/// `@link(rel, Service.op)` on a field: the field's value (each value, for a list) is the one
/// required input field of `op`, an `@http(GET)` operation that returns the related resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The relation's name: the key under `_links` and `_embedded`, and the `expand` value.
    pub rel: String,
    /// The annotated field (an index into the struct's fields).
    pub field: usize,
    /// The linked operation.
    pub target: OpRef,
}

/// One operation of one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpRef {
    pub service: ServiceId,
    /// Index into the service's operations.
    pub op: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructRole {
    Plain,
    /// An `error`, with its HTTP status (`@status`, default 500).
    Error {
        status: u16,
    },
    Event,
}

/// A reserved number range, inclusive at both ends (`reserved 5;` is `5..=5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reserved {
    pub start: i64,
    pub end: i64,
}

/// A struct field or a union variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub number: u32,
    pub ty: Type,
    /// `name?:` — always false for union variants.
    pub optional: bool,
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
    pub constraints: Constraints,
    /// `@default(...)`, already checked against the field's type.
    pub default: Option<Value>,
    /// `@query` / `@query("n")` / `@header("N")` as written; the effective placement of every
    /// input field is in [`HttpBinding::params`].
    pub http_override: Option<ParamLocation>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// `@range`: inclusive numeric bounds, either may be absent.
    pub range: Option<Bounds<Number>>,
    /// `@length`: inclusive bounds on characters, bytes, items or entries.
    pub length: Option<Bounds<u64>>,
    /// `@pattern`: a Rust `regex` that is known to compile.
    pub pattern: Option<String>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.range.is_none() && self.length.is_none() && self.pattern.is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// A literal value of a field's type (used by `@default`).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i128),
    Float(f64),
    String(String),
    Duration(Duration),
    /// An enum value, by name.
    EnumValue(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Enum {
    pub values: Vec<EnumValue>,
    pub reserved: Vec<Reserved>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub number: i32,
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
}

/// Exactly one variant is set. Variants are fields that are never optional.
#[derive(Clone, Debug, PartialEq)]
pub struct Union {
    pub variants: Vec<Field>,
    pub reserved: Vec<Reserved>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Scalar(Scalar),
    List(Box<Type>),
    /// Keys are string or integer scalars (checked).
    Map(Scalar, Box<Type>),
    Named(DeclId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
    Bytes,
    Timestamp,
    Duration,
    Uuid,
}

impl Scalar {
    pub const ALL: [Scalar; 12] = [
        Scalar::Bool,
        Scalar::I32,
        Scalar::I64,
        Scalar::U32,
        Scalar::U64,
        Scalar::F32,
        Scalar::F64,
        Scalar::String,
        Scalar::Bytes,
        Scalar::Timestamp,
        Scalar::Duration,
        Scalar::Uuid,
    ];

    /// The IDL spelling.
    pub fn name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::String => "string",
            Scalar::Bytes => "bytes",
            Scalar::Timestamp => "timestamp",
            Scalar::Duration => "duration",
            Scalar::Uuid => "uuid",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        // A `match` on the text (the compiler dispatches on length first): every type reference
        // of every field asks this before its name is resolved.
        Some(match name {
            "bool" => Scalar::Bool,
            "i32" => Scalar::I32,
            "i64" => Scalar::I64,
            "u32" => Scalar::U32,
            "u64" => Scalar::U64,
            "f32" => Scalar::F32,
            "f64" => Scalar::F64,
            "string" => Scalar::String,
            "bytes" => Scalar::Bytes,
            "timestamp" => Scalar::Timestamp,
            "duration" => Scalar::Duration,
            "uuid" => Scalar::Uuid,
            _ => return None,
        })
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float()
    }

    /// Inclusive range of an integer scalar.
    pub fn int_range(self) -> Option<(i128, i128)> {
        match self {
            Scalar::I32 => Some((i32::MIN.into(), i32::MAX.into())),
            Scalar::I64 => Some((i64::MIN.into(), i64::MAX.into())),
            Scalar::U32 => Some((0, u32::MAX.into())),
            Scalar::U64 => Some((0, u64::MAX.into())),
            _ => None,
        }
    }
}

/// A service: operations plus the channels it publishes to and subscribes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub package: PackageId,
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
    /// `@timeout` on the service: the default deadline of its operations.
    pub timeout: Option<Duration>,
    /// `@auth` on the service: who may call its operations (an operation's own overrides).
    pub auth: Option<AuthScheme>,
    /// `@scopes` on the service: what a bearer token must hold for its operations.
    pub scopes: Option<Vec<String>>,
    pub operations: Vec<Operation>,
    pub publishes: Vec<ChannelId>,
    pub subscribes: Vec<ChannelId>,
    /// `uses`: the services this one calls, each once, in the order written. A run-time
    /// dependency, not part of this service's own API.
    pub uses: Vec<ServiceId>,
    /// `@hypermedia`: its REST responses carry HAL `_links` (REST Level 3).
    pub hypermedia: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub name: String,
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
    /// The input struct; `None` for `op ping()`.
    pub input: Option<DeclId>,
    /// `(stream T)`: client streaming.
    pub input_stream: bool,
    pub output: Output,
    /// Declared errors (each an `error` declaration), in the order written.
    pub throws: Vec<DeclId>,
    /// `@http`: also served over REST.
    pub http: Option<HttpBinding>,
    /// `@auth` on the operation (overrides the service's).
    pub auth: Option<AuthScheme>,
    /// `@scopes` on the operation (replaces the service's).
    pub scopes: Option<Vec<String>>,
    /// `@channel`: served over a message channel instead of gRPC.
    pub channel: Option<ChannelBinding>,
    /// `@timeout` on the operation itself (see [`Operation::effective_timeout`]).
    pub timeout: Option<Duration>,
    /// `@idempotent`, or implied by an HTTP method that is idempotent.
    pub idempotent: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `notify`: no reply is expected or sent.
    None,
    /// `-> ()`: an empty reply.
    Unit,
    /// `-> T`.
    Single(DeclId),
    /// `-> stream T`.
    Stream(DeclId),
}

impl Output {
    pub fn decl(&self) -> Option<DeclId> {
        match self {
            Output::Single(d) | Output::Stream(d) => Some(*d),
            Output::None | Output::Unit => None,
        }
    }

    pub fn is_stream(&self) -> bool {
        matches!(self, Output::Stream(_))
    }
}

/// How an operation's exchange happens, from the caller's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interaction {
    /// `op` over HTTP or gRPC: the caller waits for the reply.
    RequestResponse,
    /// `notify`, over HTTP, gRPC or a point-to-point channel: no reply.
    OneWay,
    /// `@channel` `op` on a point-to-point channel: the reply comes on the caller's reply
    /// channel, matched by correlation id.
    AsyncRequestResponse,
    /// `@channel` + `@collect` on a publish/subscribe channel: every subscriber may answer; the
    /// caller collects the replies that arrive within the window.
    PublishAsyncResponses,
}

impl Interaction {
    pub fn describe(self) -> &'static str {
        match self {
            Interaction::RequestResponse => "request/response",
            Interaction::OneWay => "one-way notification",
            Interaction::AsyncRequestResponse => "asynchronous request/response",
            Interaction::PublishAsyncResponses => "publish/async responses",
        }
    }
}

impl Operation {
    pub fn is_notify(&self) -> bool {
        self.output == Output::None
    }

    pub fn interaction(&self) -> Interaction {
        match (&self.output, &self.channel) {
            (Output::None, _) => Interaction::OneWay,
            (
                _,
                Some(ChannelBinding {
                    collect: Some(_), ..
                }),
            ) => Interaction::PublishAsyncResponses,
            (_, Some(_)) => Interaction::AsyncRequestResponse,
            (_, None) => Interaction::RequestResponse,
        }
    }

    /// Served over gRPC: every operation that is not bound to a channel.
    pub fn is_grpc(&self) -> bool {
        self.channel.is_none()
    }

    /// The HTTP status of a successful REST call: `@http(..., status = N)`, else 200 with an
    /// output, 202 for `notify` and 204 for `-> ()`.
    pub fn success_status(&self) -> u16 {
        match (&self.http.as_ref().and_then(|h| h.status), &self.output) {
            (Some(status), _) => *status,
            (None, Output::None) => 202,
            (None, Output::Unit) => 204,
            (None, _) => 200,
        }
    }

    /// The operation's `@timeout`, else its service's.
    pub fn effective_timeout(&self, service: &Service) -> Option<Duration> {
        self.timeout.or(service.timeout)
    }

    /// Who may call the operation: its `@auth`, else the service's, else anyone; with a bearer
    /// token, its `@scopes`, else the service's. An operation bound to a channel takes no
    /// credential (brokers authenticate connections, not messages; see A0904).
    pub fn effective_auth(&self, service: &Service) -> Auth {
        if self.channel.is_some() {
            return Auth {
                scheme: AuthScheme::None,
                scopes: Vec::new(),
            };
        }
        let scheme = self
            .auth
            .clone()
            .or_else(|| service.auth.clone())
            .unwrap_or(AuthScheme::None);
        let scopes = match scheme {
            AuthScheme::Bearer => self
                .scopes
                .clone()
                .or_else(|| service.scopes.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Auth { scheme, scopes }
    }
}

/// How a caller proves who it is (`@auth`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `@auth(none)`, or nothing said: anyone may call.
    None,
    /// `@auth(bearer)`: a bearer token (a JWT) in `Authorization`.
    Bearer,
    /// `@auth(api_key, header = "X-Api-Key")`: a key in that header.
    ApiKey { header: String },
}

/// What an operation requires of its caller, service defaults applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Auth {
    pub scheme: AuthScheme,
    /// Scopes the bearer token must hold (empty for other schemes).
    pub scopes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];

    /// Upper case, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    pub fn from_name(name: &str) -> Option<HttpMethod> {
        HttpMethod::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// GET and DELETE carry their non-path fields in the query; the others in the body.
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }

    pub fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }
}

/// `@http(METHOD, "path")`, resolved against the operation's input.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpBinding {
    pub method: HttpMethod,
    /// As written: `/orders/{order_id}/cancel`.
    pub path: String,
    pub segments: Vec<PathSegment>,
    /// Where each input field travels, one entry per field of the input in field order.
    pub params: Vec<HttpParam>,
    /// `status = N`: the success status as written (see [`Operation::success_status`]).
    pub status: Option<u16>,
}

impl HttpBinding {
    /// Parameters at one location kind, in field order.
    pub fn params_in(
        &self,
        wanted: fn(&ParamLocation) -> bool,
    ) -> impl Iterator<Item = &HttpParam> {
        self.params.iter().filter(move |p| wanted(&p.location))
    }

    /// Whether any input field travels in the body.
    pub fn has_body(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.location == ParamLocation::Body)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// Literal text between placeholders, slashes included (`/orders/`).
    Literal(String),
    /// `{field}`: the index of the input field it carries.
    Param(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpParam {
    /// Index into the input struct's fields.
    pub field: usize,
    pub location: ParamLocation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    /// Query parameter with this name.
    Query(String),
    /// Header with this name.
    Header(String),
    /// A member of the JSON body.
    Body,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelBinding {
    pub channel: ChannelId,
    /// `@collect(window)`: publish/async responses.
    pub collect: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub name: String,
    pub package: PackageId,
    pub docs: Option<String>,
    pub lifecycle: Lifecycle,
    pub kind: ChannelKind,
    pub address: String,
    pub messages: Vec<DeclId>,
    /// `key field;`: a field present in every message; messages with one key keep their order.
    pub key: Option<String>,
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    PointToPoint,
    PublishSubscribe,
}

impl ChannelKind {
    /// The kind `kind NAME;` names, if it names one.
    pub fn from_name(name: &str) -> Option<ChannelKind> {
        [ChannelKind::PointToPoint, ChannelKind::PublishSubscribe]
            .into_iter()
            .find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::PointToPoint => "point_to_point",
            ChannelKind::PublishSubscribe => "publish_subscribe",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Json,
    Protobuf,
}

impl Format {
    /// The format `format NAME;` names, if it names one.
    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Json, Format::Protobuf]
            .into_iter()
            .find(|f| f.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Protobuf => "protobuf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Protobuf => "application/x-protobuf",
        }
    }
}

impl Model {
    pub fn package(&self, id: PackageId) -> &Package {
        &self.packages[id.index()]
    }

    pub fn decl(&self, id: DeclId) -> &Decl {
        &self.decls[id.index()]
    }

    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    pub fn channel(&self, id: ChannelId) -> &Channel {
        &self.channels[id.index()]
    }

    pub fn decl_ids(&self) -> impl Iterator<Item = DeclId> + use<> {
        (0..self.decls.len() as u32).map(DeclId)
    }

    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> + use<> {
        (0..self.services.len() as u32).map(ServiceId)
    }

    pub fn channel_ids(&self) -> impl Iterator<Item = ChannelId> + use<> {
        (0..self.channels.len() as u32).map(ChannelId)
    }

    pub fn package_ids(&self) -> impl Iterator<Item = PackageId> + use<> {
        (0..self.packages.len() as u32).map(PackageId)
    }

    /// `ftgo.order.Order`.
    pub fn qualified_decl_name(&self, id: DeclId) -> String {
        let decl = self.decl(id);
        dotted(&self.package(decl.package).name, &decl.name)
    }

    pub fn qualified_service_name(&self, id: ServiceId) -> String {
        let service = self.service(id);
        dotted(&self.package(service.package).name, &service.name)
    }

    pub fn qualified_channel_name(&self, id: ChannelId) -> String {
        let channel = self.channel(id);
        dotted(&self.package(channel.package).name, &channel.name)
    }

    /// Finds a declaration by its qualified name (for tests and tools; emitters follow ids).
    pub fn find_decl(&self, qualified: &str) -> Option<DeclId> {
        self.decl_ids()
            .find(|&id| self.qualified_decl_name(id) == qualified)
    }

    pub fn find_service(&self, qualified: &str) -> Option<ServiceId> {
        self.service_ids()
            .find(|&id| self.qualified_service_name(id) == qualified)
    }

    pub fn find_channel(&self, qualified: &str) -> Option<ChannelId> {
        self.channel_ids()
            .find(|&id| self.qualified_channel_name(id) == qualified)
    }

    /// The fields of a struct, error or event (empty for enums and unions).
    pub fn fields(&self, id: DeclId) -> &[Field] {
        self.decl(id).as_struct().map_or(&[], |s| &s.fields)
    }

    /// The `@link`s of a struct's fields (none for anything else).
    pub fn links(&self, id: DeclId) -> &[Link] {
        self.decl(id).as_struct().map_or(&[], |s| &s.links)
    }

    pub fn op(&self, op: OpRef) -> &Operation {
        &self.service(op.service).operations[op.op]
    }
}

/// Spans of the model's parts, kept beside the model (same indexes) for diagnostics and
/// `accord diff`. Emitters never need them.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    /// The `package` clause of the package's first file.
    pub packages: Vec<crate::Span>,
    pub decls: Vec<ItemSpans>,
    pub services: Vec<ServiceSpans>,
    pub channels: Vec<ItemSpans>,
}

#[derive(Clone, Debug)]
pub struct ItemSpans {
    /// The whole declaration, doc comment and annotations excluded.
    pub whole: crate::Span,
    pub name: crate::Span,
    /// Fields, enum values or union variants, in model order.
    pub members: Vec<crate::Span>,
}

#[derive(Clone, Debug)]
pub struct ServiceSpans {
    pub whole: crate::Span,
    pub name: crate::Span,
    pub operations: Vec<crate::Span>,
    /// `publishes x;` clauses, in model order.
    pub publishes: Vec<crate::Span>,
    pub subscribes: Vec<crate::Span>,
    /// The name of each used service as written in `uses`, in model order (like `Service::uses`).
    pub uses: Vec<crate::Span>,
}

/// `package.name`, allocated once at its final size: the emitters ask for qualified names tens
/// of thousands of times on a large API, and `format!` costs several times as much (measured
/// with callgrind on the benchmark API: about 880 instructions a call against about 150).
fn dotted(package: &str, name: &str) -> String {
    let mut out = String::with_capacity(package.len() + 1 + name.len());
    out.push_str(package);
    out.push('.');
    out.push_str(name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_names_round_trip() {
        for s in Scalar::ALL {
            assert_eq!(Scalar::from_name(s.name()), Some(s));
        }
        for other in ["String", "int", "", "i6", "uuids"] {
            assert_eq!(Scalar::from_name(other), None);
        }
    }
}
