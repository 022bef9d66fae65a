//! OpenAPI 3.0.3: one document per service with HTTP-bound operations, built as `openapiv3`
//! values and written as YAML and JSON (`<package>.<Service>.yaml` / `.json`). Schemas come
//! from the one mapping of [`crate::schema`], in its OpenAPI form.
//!
//! Component schemas are named by qualified name (`ftgo.order.Order`, allowed by the
//! component-name pattern and collision-free across packages); the built-in problem schemas live
//! under `accord-problem.*`, a name no IDL package can take because identifiers have no `-`.

mod hal;

use crate::schema::{self, Kind, NO_LENGTH, SchemaBuilder};
use crate::{OutputFile, parallel};
use accord_idl::Model;
use accord_idl::model::{
    AuthScheme, DeclId, Field, HttpBinding, HttpMethod, Operation, Output, ParamLocation, Scalar,
    ServiceId, StructRole,
};
use indexmap::IndexMap;
use openapiv3::{
    APIKeyLocation, Components, Header, HeaderStyle, Info, MediaType, OpenAPI, Parameter,
    ParameterData, ParameterSchemaOrContent, PathItem, PathStyle, Paths, QueryStyle, ReferenceOr,
    RequestBody, Response, Responses, Schema, SchemaData, SchemaKind, SecurityRequirement,
    SecurityScheme, Server, StatusCode, StringType, Tag, Type,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub const VERSION: &str = "3.0.3";
const PROBLEM: &str = "accord-problem.Problem";
const VIOLATION: &str = "accord-problem.Violation";
/// The security scheme of `@auth(bearer)`.
const BEARER_SCHEME: &str = "bearer";
/// Media type of the RFC 9457 problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";
const JSON: &str = "application/json";
/// Response header naming the declared error in the body.
pub const ACCORD_ERROR: &str = "Accord-Error";

/// What the documents say beyond the model.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The `servers` of every document (`https://api.example.com/v1`); none gives one server,
    /// `/`: the host that serves the document.
    pub servers: Vec<String>,
}

/// Every service document, YAML and JSON, in service order (services on every core).
pub fn emit(model: &Model) -> Vec<OutputFile> {
    emit_with(model, &Options::default())
}

/// [`emit`] with options.
pub fn emit_with(model: &Model, options: &Options) -> Vec<OutputFile> {
    let ids: Vec<ServiceId> = model
        .service_ids()
        .filter(|&id| has_http(model, id))
        .collect();
    let docs = parallel::map(&ids, |&id| {
        let doc = document_with(model, id, options);
        let base = model.qualified_service_name(id);
        let yaml = schema::to_yaml(&doc);
        // The JSON of a document is about half as long again as its YAML.
        let json = schema::to_json_sized(&doc, yaml.len() * 3 / 2);
        [
            OutputFile::new(format!("{base}.yaml"), yaml),
            OutputFile::new(format!("{base}.json"), json),
        ]
    });
    docs.into_iter().flatten().collect()
}

/// Whether a service gets an OpenAPI document.
pub fn has_http(model: &Model, id: ServiceId) -> bool {
    model
        .service(id)
        .operations
        .iter()
        .any(|op| op.http.is_some())
}

fn component_ref(model: &Model, id: DeclId) -> String {
    format!("#/components/schemas/{}", model.qualified_decl_name(id))
}

/// The document of one service.
pub fn document(model: &Model, id: ServiceId) -> OpenAPI {
    document_with(model, id, &Options::default())
}

/// [`document`] with options.
pub fn document_with(model: &Model, id: ServiceId, options: &Options) -> OpenAPI {
    let refs = |target: DeclId| component_ref(model, target);
    let doc = Doc {
        model,
        service: id,
        options,
        operation_ids: hal::operation_ids(&model.service(id).operations),
        api_keys: api_key_headers(model, id),
        schemas: SchemaBuilder { model, refs: &refs },
    };
    doc.build()
}

/// The API key headers the service's HTTP operations use, in first-use order.
fn api_key_headers(model: &Model, id: ServiceId) -> Vec<String> {
    let service = model.service(id);
    let mut headers: Vec<String> = Vec::new();
    for op in service.operations.iter().filter(|op| op.http.is_some()) {
        if let AuthScheme::ApiKey { header } = op.effective_auth(service).scheme
            && !headers.contains(&header)
        {
            headers.push(header);
        }
    }
    headers
}

struct Doc<'a> {
    model: &'a Model,
    service: ServiceId,
    options: &'a Options,
    /// Each operation's `operationId`, by index.
    operation_ids: Vec<String>,
    /// The API key headers the operations use, in first-use order (see `api_key_scheme`).
    api_keys: Vec<String>,
    schemas: SchemaBuilder<'a, 'a>,
}

impl Doc<'_> {
    fn build(&self) -> OpenAPI {
        let service = self.model.service(self.service);
        let package = self.model.package(service.package);
        let mut extensions = IndexMap::new();
        extensions.insert(
            "x-accord-service".into(),
            json!(self.model.qualified_service_name(self.service)),
        );
        OpenAPI {
            openapi: VERSION.into(),
            info: Info {
                title: service.name.clone(),
                description: schema::description(service.docs.as_deref(), &service.lifecycle),
                version: package.version.to_string(),
                ..Info::default()
            },
            tags: vec![Tag {
                name: service.name.clone(),
                description: service.docs.clone(),
                ..Tag::default()
            }],
            servers: self.servers(),
            paths: self.paths(),
            components: Some(self.components()),
            extensions,
            ..OpenAPI::default()
        }
    }

    fn servers(&self) -> Vec<Server> {
        let urls = match self.options.servers.as_slice() {
            [] => vec!["/".to_owned()],
            given => given.to_vec(),
        };
        urls.into_iter()
            .map(|url| Server {
                url,
                ..Server::default()
            })
            .collect()
    }

    fn http_ops(&self) -> impl Iterator<Item = (&Operation, &HttpBinding)> {
        let ops = &self.model.service(self.service).operations;
        ops.iter()
            .filter_map(|op| op.http.as_ref().map(|http| (op, http)))
    }

    fn paths(&self) -> Paths {
        // Sized once: a path item is large, and regrowing the map would copy them all.
        let mut paths = IndexMap::with_capacity(self.http_ops().count());
        let ops = &self.model.service(self.service).operations;
        for (index, (op, http)) in ops
            .iter()
            .enumerate()
            .filter_map(|(i, op)| Some((i, (op, op.http.as_ref()?))))
        {
            let entry = paths
                .entry(http.path.clone())
                .or_insert_with(|| ReferenceOr::Item(PathItem::default()));
            if let ReferenceOr::Item(item) = entry {
                let slot = match http.method {
                    HttpMethod::Get => &mut item.get,
                    HttpMethod::Post => &mut item.post,
                    HttpMethod::Put => &mut item.put,
                    HttpMethod::Patch => &mut item.patch,
                    HttpMethod::Delete => &mut item.delete,
                };
                *slot = Some(self.operation(index, op, http));
            }
        }
        Paths {
            paths,
            ..Paths::default()
        }
    }

    /// Operation `index` of the service, `op`, bound to `http`.
    fn operation(&self, index: usize, op: &Operation, http: &HttpBinding) -> openapiv3::Operation {
        let service = self.model.service(self.service);
        let mut extensions = IndexMap::new();
        if let Some(timeout) = op.effective_timeout(service) {
            extensions.insert("x-accord-timeout".into(), json!(schema::duration(timeout)));
        }
        if op.idempotent && !http.method.is_idempotent() {
            extensions.insert("x-accord-idempotent".into(), json!(true));
        }
        let scopes = op.effective_auth(service).scopes;
        if !scopes.is_empty() {
            extensions.insert("x-accord-scopes".into(), json!(scopes));
        }
        openapiv3::Operation {
            tags: vec![service.name.clone()],
            summary: Some(
                op.docs
                    .as_deref()
                    .and_then(|d| d.lines().next())
                    .map_or_else(|| hal::summary_of(&op.name), str::to_string),
            ),
            description: schema::description(op.docs.as_deref(), &op.lifecycle),
            operation_id: Some(self.operation_ids[index].clone()),
            parameters: self.parameters(op, http),
            request_body: self.request_body(op, http).map(ReferenceOr::Item),
            responses: self.responses(op),
            deprecated: op.lifecycle.deprecated.is_some(),
            security: Some(self.security(op)),
            extensions,
            ..openapiv3::Operation::default()
        }
    }

    /// The operation's security requirement: the scheme in force, or none at all
    /// (`security: []`, said explicitly, so an open operation reads as meant). OpenAPI 3.0 lets
    /// only OAuth2 and OpenID Connect requirements list scopes, so a bearer token's scopes
    /// travel in `x-accord-scopes` beside it.
    fn security(&self, op: &Operation) -> Vec<SecurityRequirement> {
        let auth = op.effective_auth(self.model.service(self.service));
        let name = match &auth.scheme {
            AuthScheme::None => return Vec::new(),
            AuthScheme::Bearer => BEARER_SCHEME.to_owned(),
            AuthScheme::ApiKey { header } => self.api_key_scheme(header),
        };
        vec![IndexMap::from([(name, Vec::new())])]
    }

    /// `apiKey` for the first header, `apiKey2`… for others (header names may hold characters
    /// a component name may not).
    fn api_key_scheme(&self, header: &str) -> String {
        let index = self.api_keys.iter().position(|h| h == header);
        match index {
            Some(0) | None => "apiKey".to_owned(),
            Some(i) => format!("apiKey{}", i + 1),
        }
    }

    /// The security schemes the operations use.
    fn security_schemes(&self) -> IndexMap<String, ReferenceOr<SecurityScheme>> {
        let service = self.model.service(self.service);
        let mut schemes = IndexMap::new();
        let bearer = self
            .http_ops()
            .any(|(op, _)| op.effective_auth(service).scheme == AuthScheme::Bearer);
        if bearer {
            let scheme = SecurityScheme::HTTP {
                scheme: "bearer".into(),
                bearer_format: Some("JWT".into()),
                description: Some("A bearer token (JWT) in `Authorization: Bearer …`; scopes in its `scope` claim.".into()),
                extensions: IndexMap::new(),
            };
            schemes.insert(BEARER_SCHEME.to_owned(), ReferenceOr::Item(scheme));
        }
        for header in &self.api_keys {
            let scheme = SecurityScheme::APIKey {
                location: APIKeyLocation::Header,
                name: header.clone(),
                description: Some(format!("An API key in the `{header}` header.")),
                extensions: IndexMap::new(),
            };
            schemes.insert(self.api_key_scheme(header), ReferenceOr::Item(scheme));
        }
        schemes
    }

    fn input_fields(&self, op: &Operation) -> &[Field] {
        op.input.map_or(&[], |id| self.model.fields(id))
    }

    fn parameters(&self, op: &Operation, http: &HttpBinding) -> Vec<ReferenceOr<Parameter>> {
        let fields = self.input_fields(op);
        let params = http.params.iter().filter_map(|p| {
            let field = fields.get(p.field)?;
            self.parameter(field, &p.location)
        });
        let expand = (self.model.service(self.service).hypermedia
            && http.method == HttpMethod::Get)
            .then(|| hal::expand_parameter(self.model, op))
            .flatten();
        params.chain(expand).map(ReferenceOr::Item).collect()
    }

    fn parameter(&self, field: &Field, location: &ParamLocation) -> Option<Parameter> {
        let data = |name: &str, required: bool, explode: Option<bool>| ParameterData {
            name: name.to_string(),
            description: field.docs.clone(),
            required,
            deprecated: field.lifecycle.deprecated.as_ref().map(|_| true),
            format: ParameterSchemaOrContent::Schema(self.schemas.field(field).into_openapi()),
            example: None,
            examples: IndexMap::new(),
            explode,
            extensions: IndexMap::new(),
        };
        Some(match location {
            ParamLocation::Path => Parameter::Path {
                parameter_data: data(&field.name, true, None),
                style: PathStyle::Simple,
            },
            ParamLocation::Query(name) => {
                // Lists repeat the parameter: `?tag=a&tag=b`.
                let explode = matches!(field.ty, accord_idl::model::Type::List(_)).then_some(true);
                Parameter::Query {
                    parameter_data: data(name, !field.optional, explode),
                    allow_reserved: false,
                    style: QueryStyle::Form,
                    allow_empty_value: None,
                }
            }
            ParamLocation::Header(name) => Parameter::Header {
                parameter_data: data(name, !field.optional, None),
                style: HeaderStyle::Simple,
            },
            ParamLocation::Body => return None,
        })
    }

    /// The JSON body: the input itself when every field travels in it, else an object of just
    /// the body fields.
    fn request_body(&self, op: &Operation, http: &HttpBinding) -> Option<RequestBody> {
        if !http.has_body() {
            return None;
        }
        let fields = self.input_fields(op);
        let body: Vec<&Field> = http
            .params_in(|l| *l == ParamLocation::Body)
            .filter_map(|p| fields.get(p.field))
            .collect();
        let schema = match op.input {
            Some(input) if body.len() == fields.len() => {
                ReferenceOr::ref_(&component_ref(self.model, input))
            }
            _ => self.inline_object(&body),
        };
        Some(RequestBody {
            content: content(JSON, schema),
            // A body whose every field may be left out may be left out.
            required: body.iter().any(|f| !f.optional && f.default.is_none()),
            ..RequestBody::default()
        })
    }

    fn inline_object(&self, fields: &[&Field]) -> ReferenceOr<Schema> {
        self.schemas.object(fields.iter().copied()).into_openapi()
    }

    fn responses(&self, op: &Operation) -> Responses {
        let mut responses = IndexMap::new();
        let (status, response) = self.success(op);
        responses.insert(StatusCode::Code(status), response);
        for (status, errors) in self.errors_by_status(op) {
            responses.insert(
                StatusCode::Code(status),
                ReferenceOr::Item(self.error_response(&errors)),
            );
        }
        // Every problem the skeleton itself can answer with; at a status a declared error
        // takes too, the response says both.
        for &(status, name, _) in self.problems(op) {
            let problem = ReferenceOr::ref_(&format!("#/components/responses/{name}"));
            match responses.get_mut(&StatusCode::Code(status)) {
                Some(ReferenceOr::Item(declared)) => {
                    declared
                        .content
                        .insert(PROBLEM_JSON.into(), problem_media());
                    declared.description.push_str(&format!(
                        "\n\nOtherwise an RFC 9457 problem: {}.",
                        problem_text(name)
                    ));
                    // A problem body comes without the header.
                    if let Some(ReferenceOr::Item(header)) = declared.headers.get_mut(ACCORD_ERROR)
                    {
                        header.required = false;
                    }
                }
                _ => {
                    responses.insert(StatusCode::Code(status), problem);
                }
            }
        }
        responses.sort_keys();
        Responses {
            responses,
            // A handler may fail with any status (`CallError::Status`): always as a problem.
            default: Some(ReferenceOr::ref_(&format!(
                "#/components/responses/{}",
                PROBLEM_RESPONSES[PROBLEM_RESPONSES.len() - 1].1
            ))),
            ..Responses::default()
        }
    }

    /// The problem responses the skeleton answers operation `op` with: bad input, a refused
    /// credential, a body too large or not JSON, a handler's failure, a deadline.
    fn problems(
        &self,
        op: &Operation,
    ) -> impl Iterator<Item = &'static (u16, &'static str, &'static str)> {
        let auth = op.effective_auth(self.model.service(self.service));
        let body = op.http.as_ref().is_some_and(HttpBinding::has_body);
        PROBLEM_RESPONSES
            .iter()
            .filter(move |(status, _, _)| match status {
                401 => auth.scheme != AuthScheme::None,
                403 => !auth.scopes.is_empty(),
                413 | 415 => body,
                0 => false,
                _ => true,
            })
    }

    /// The success response: for a struct output a `$ref` to its response component (see
    /// [`Doc::resource_response`]), else written in place.
    fn success(&self, op: &Operation) -> (u16, ReferenceOr<Response>) {
        let model = self.model;
        let status = op.success_status();
        let response = match &op.output {
            Output::None => described("Accepted: a one-way notification, no reply is sent."),
            Output::Unit => described("Done; the reply is empty."),
            Output::Single(id) if model.decl(*id).as_struct().is_some() => {
                let name = resource_response_name(model, *id, status == 201);
                return (
                    status,
                    ReferenceOr::ref_(&format!("#/components/responses/{name}")),
                );
            }
            Output::Single(id) => {
                let mut response = described(&format!("A `{}`.", model.qualified_decl_name(*id)));
                response.content = content(JSON, ReferenceOr::ref_(&component_ref(model, *id)));
                response
            }
            Output::Stream(id) => {
                let mut response = described(&format!(
                    "A stream of `{}`: one server-sent event per item (`data: <json>`); a final \
                     `event: error` carries a problem object if the stream fails.",
                    model.qualified_decl_name(*id)
                ));
                response.content = content(
                    "text/event-stream",
                    ReferenceOr::ref_(&component_ref(model, *id)),
                );
                response
            }
        };
        (status, ReferenceOr::Item(response))
    }

    /// The response whose body is struct `id` (`created`: answered with `201`), once per
    /// document however many operations answer with it: its `links` (`$ref`s to the
    /// `components.links` of [`hal::response_links`]) lead to every operation the body
    /// reaches, so one copy per operation would grow with the square of them.
    fn resource_response(&self, id: DeclId, created: bool, links: &[hal::NamedLink]) -> Response {
        let model = self.model;
        let what = format!("`{}`", model.qualified_decl_name(id));
        let mut response = described(&match created {
            true => format!("Created: a {what}."),
            false => format!("A {what}."),
        });
        let resource = model.service(self.service).hypermedia;
        let schema = if resource {
            hal::resource_schema(model, id)
        } else {
            ReferenceOr::ref_(&component_ref(model, id))
        };
        response.content = content(JSON, schema);
        response.links = links
            .iter()
            .map(|l| {
                let link = ReferenceOr::ref_(&format!("#/components/links/{}", l.component));
                (l.name.clone(), link)
            })
            .collect();
        if resource && created {
            response
                .headers
                .insert("Location".into(), ReferenceOr::Item(location()));
        }
        response
    }

    /// The struct outputs of the HTTP operations, each with whether it is answered with `201`,
    /// each pair once, in the order the operations name them.
    fn resource_responses(&self) -> Vec<(DeclId, bool)> {
        let mut out = Vec::new();
        for (op, _) in self.http_ops() {
            if let Output::Single(id) = op.output
                && self.model.decl(id).as_struct().is_some()
            {
                let key = (id, op.success_status() == 201);
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        out
    }

    /// Declared errors grouped by `@status`, in the order thrown.
    fn errors_by_status(&self, op: &Operation) -> BTreeMap<u16, Vec<DeclId>> {
        let mut by_status: BTreeMap<u16, Vec<DeclId>> = BTreeMap::new();
        for &id in &op.throws {
            by_status
                .entry(error_status(self.model, id))
                .or_default()
                .push(id);
        }
        by_status
    }

    fn error_response(&self, errors: &[DeclId]) -> Response {
        let model = self.model;
        let names: Vec<String> = errors
            .iter()
            .map(|&id| model.qualified_decl_name(id))
            .collect();
        let schema = match errors {
            [one] => ReferenceOr::ref_(&component_ref(model, *one)),
            many => ReferenceOr::Item(Schema {
                schema_data: SchemaData::default(),
                schema_kind: SchemaKind::OneOf {
                    one_of: many
                        .iter()
                        .map(|&id| ReferenceOr::ref_(&component_ref(model, id)))
                        .collect(),
                },
            }),
        };
        let header = Header {
            description: Some("The qualified name of the declared error in the body.".into()),
            style: HeaderStyle::Simple,
            required: true,
            deprecated: None,
            format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(Schema {
                schema_data: SchemaData::default(),
                schema_kind: SchemaKind::Type(Type::String(StringType {
                    enumeration: names.into_iter().map(Some).collect(),
                    ..StringType::default()
                })),
            })),
            example: None,
            examples: IndexMap::new(),
            extensions: IndexMap::new(),
        };
        let mut response = described(&error_description(model, errors));
        response
            .headers
            .insert(ACCORD_ERROR.into(), ReferenceOr::Item(header));
        response.content = content(JSON, schema);
        response
    }

    fn components(&self) -> Components {
        let mut schemas = IndexMap::new();
        for id in schema::reachable(self.model, self.roots()) {
            let schema = self.schemas.decl(id).into_openapi();
            schemas.insert(self.model.qualified_decl_name(id), schema);
        }
        // The same two schemas in every document: built once per process, then cloned.
        static BUILT_IN: LazyLock<[ReferenceOr<Schema>; 2]> =
            LazyLock::new(|| [problem_schema(), violation_schema()]);
        let [problem_schema, violation_schema] = BUILT_IN.clone();
        schemas.insert(PROBLEM.into(), problem_schema);
        schemas.insert(VIOLATION.into(), violation_schema);
        if self.model.service(self.service).hypermedia {
            for (name, schema) in hal::components() {
                schemas.insert(name.into(), schema);
            }
        }
        let mut responses = IndexMap::new();
        let used = |name: &str| {
            name == PROBLEM_RESPONSES[PROBLEM_RESPONSES.len() - 1].1
                || self
                    .http_ops()
                    .any(|(op, _)| self.problems(op).any(|p| p.1 == name))
        };
        for &(_, name, text) in PROBLEM_RESPONSES.iter().filter(|p| used(p.1)) {
            let mut problem = described(&format!("{text} (RFC 9457 problem)."));
            problem.content.insert(PROBLEM_JSON.into(), problem_media());
            responses.insert(name.into(), ReferenceOr::Item(problem));
        }
        let mut links = IndexMap::new();
        for (id, created) in self.resource_responses() {
            let found = hal::response_links(self.model, self.service, &self.operation_ids, id);
            let name = resource_response_name(self.model, id, created);
            let response = self.resource_response(id, created, &found);
            responses.insert(name, ReferenceOr::Item(response));
            for l in found {
                links
                    .entry(l.component)
                    .or_insert(ReferenceOr::Item(l.link));
            }
        }
        Components {
            schemas,
            responses,
            links,
            security_schemes: self.security_schemes(),
            ..Components::default()
        }
    }

    /// Declarations the operations mention directly: input field types, outputs and errors.
    fn roots(&self) -> Vec<DeclId> {
        let mut roots = Vec::new();
        let hypermedia = self.model.service(self.service).hypermedia;
        for (op, http) in self.http_ops() {
            // The input is a component when the body is all of it; else its fields' types are.
            let fields = self.input_fields(op);
            let whole = http.params_in(|l| *l == ParamLocation::Body).count() == fields.len();
            match op.input {
                Some(input) if whole => roots.push(input),
                _ => fields.iter().for_each(|f| named(&f.ty, &mut roots)),
            }
            roots.extend(op.output.decl());
            if let (true, Output::Single(output)) = (hypermedia, &op.output) {
                roots.extend(hal::embedded_decls(self.model, *output));
            }
            roots.extend(op.throws.iter().copied());
        }
        roots
    }
}

/// The component name of the response whose body is struct `id`: its qualified name, with
/// `-created` for a `201` (no declaration's name has a `-`, and the problem responses' names
/// have no `.`, so none of them can meet).
fn resource_response_name(model: &Model, id: DeclId, created: bool) -> String {
    let name = model.qualified_decl_name(id);
    match created {
        true => format!("{name}-created"),
        false => name,
    }
}

/// The declarations a type names.
fn named(ty: &accord_idl::model::Type, into: &mut Vec<DeclId>) {
    use accord_idl::model::Type;
    match ty {
        Type::Named(id) => into.push(*id),
        Type::List(item) | Type::Map(_, item) => named(item, into),
        Type::Scalar(_) => {}
    }
}

/// The problem responses a skeleton answers with: status (0 for `default` only), component
/// name, what it means. The last one is every operation's `default`.
const PROBLEM_RESPONSES: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "The request was malformed or broke a constraint",
    ),
    (
        401,
        "Unauthorized",
        "No valid credential came with the request",
    ),
    (
        403,
        "Forbidden",
        "The credential lacks a scope the operation requires",
    ),
    (
        413,
        "PayloadTooLarge",
        "The body is larger than the server accepts",
    ),
    (415, "UnsupportedMediaType", "The body is not JSON"),
    (500, "InternalError", "The server failed"),
    (
        503,
        "Unavailable",
        "The service, or one it depends on, is unavailable",
    ),
    (504, "Timeout", "The deadline passed before the answer"),
    (0, "Problem", "Any other failure"),
];

/// The meaning of problem response `name`, in lower case.
fn problem_text(name: &str) -> String {
    let text = PROBLEM_RESPONSES
        .iter()
        .find(|(_, n, _)| *n == name)
        .map_or("a failure", |(_, _, t)| t);
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `Location` of a created resource.
fn location() -> Header {
    Header {
        description: Some(
            "Where the created resource is (its `self` link, or the first GET link).".into(),
        ),
        style: HeaderStyle::Simple,
        required: true,
        deprecated: None,
        format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(Schema {
            schema_data: SchemaData::default(),
            schema_kind: SchemaKind::Type(Type::String(StringType::default())),
        })),
        example: None,
        examples: IndexMap::new(),
        extensions: IndexMap::new(),
    }
}

fn error_status(model: &Model, id: DeclId) -> u16 {
    match model.decl(id).as_struct().map(|s| s.role) {
        Some(StructRole::Error { status }) => status,
        _ => 500,
    }
}

fn error_description(model: &Model, errors: &[DeclId]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|&id| {
            let name = model.qualified_decl_name(id);
            match model.decl(id).docs.as_deref().map(str::trim) {
                Some(docs) if !docs.is_empty() => format!("`{name}`: {docs}"),
                _ => format!("`{name}`"),
            }
        })
        .collect();
    lines.join("\n\n")
}

fn problem_media() -> MediaType {
    MediaType {
        schema: Some(ReferenceOr::ref_(&format!(
            "#/components/schemas/{PROBLEM}"
        ))),
        ..MediaType::default()
    }
}

/// An RFC 9457 problem body.
fn problem_schema() -> ReferenceOr<Schema> {
    let violation = schema::Schema::new(Kind::Ref(format!("#/components/schemas/{VIOLATION}")));
    let violations = Kind::Array {
        items: Box::new(violation),
        length: NO_LENGTH,
    };
    let mut problem = schema::Schema::new(Kind::Object(vec![
        property("type", true, schema::scalar(Scalar::String), None),
        property("title", true, schema::scalar(Scalar::String), None),
        property("status", true, schema::scalar(Scalar::I32), None),
        property("detail", false, schema::scalar(Scalar::String), None),
        property("instance", false, schema::scalar(Scalar::String), None),
        property("violations", false, violations, None),
    ]));
    problem.docs = Some("An RFC 9457 problem; `violations` lists each field that broke a rule.");
    problem.into_openapi()
}

/// One broken rule of a problem.
fn violation_schema() -> ReferenceOr<Schema> {
    let field = Some("Path of the field: `line_items[0].quantity`.");
    let violation = schema::Schema::new(Kind::Object(vec![
        property("field", true, schema::scalar(Scalar::String), field),
        property("message", true, schema::scalar(Scalar::String), None),
    ]));
    violation.into_openapi()
}

fn property(
    name: &'static str,
    required: bool,
    kind: Kind<'static>,
    docs: Option<&'static str>,
) -> schema::Property<'static> {
    let mut schema = schema::Schema::new(kind);
    schema.docs = docs;
    schema::Property {
        name,
        schema,
        required,
    }
}

fn described(text: &str) -> Response {
    Response {
        description: text.into(),
        ..Response::default()
    }
}

fn content(media: &str, schema: ReferenceOr<Schema>) -> IndexMap<String, MediaType> {
    let mut map = IndexMap::new();
    map.insert(
        media.to_string(),
        MediaType {
            schema: Some(schema),
            ..MediaType::default()
        },
    );
    map
}
