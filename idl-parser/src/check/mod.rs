//! The rules of the language, one file per rule family, and the one registry of their codes.
//!
//! Each rule family is a set of functions that the lowering calls at the point where it has the
//! data the rule needs (resolved types, the input struct of an operation, ...). Every function
//! pushes its findings and returns; none stops the run, so one compilation reports every
//! independent problem. Rules judge and lowering builds: a rule answers with a verdict (or a
//! number), never with a piece of the model (`tests/layers.rs` checks every signature), and
//! lowering builds the model from what the rules accepted. Every code is declared once, in `codes!` below (its severity and
//! summary with it), which puts it in [`REGISTRY`]; it is documented in `docs/errors.md` and
//! has a fixture under `tests/fixtures/` that emits it (tests enforce both).

pub mod annotations;
pub mod auth;
pub mod channels;
pub mod constraints;
pub mod files;
pub mod http;
pub mod links;
pub mod names;
pub mod numbers;
pub mod operations;
pub mod regex_dialect;
pub mod style;
pub mod targets;
pub mod text;
pub mod types;
pub mod unused;
pub mod uses;

pub use crate::diagnostic::Code;

/// Declares every code once, as a `static` of [`codes`] and an entry of [`REGISTRY`]: a code
/// cannot exist unregistered.
macro_rules! codes {
    ($($name:ident = $severity:ident $code:literal, $summary:literal;)*) => {
        /// Stable codes. Never renumber or reuse one: users search for them and
        /// `docs/errors.md` has a section per code (`accord explain CODE` prints it).
        pub mod codes {
            use super::Code;
            $(
                #[doc = $summary]
                pub static $name: Code = Code {
                    code: $code,
                    severity: codes!(@severity $severity),
                    summary: $summary,
                };
            )*
        }

        /// Every code the front end can emit, in number order.
        pub static REGISTRY: &[&Code] = &[$(&codes::$name),*];
    };
    (@severity error) => { crate::diagnostic::Severity::Error };
    (@severity warning) => { crate::diagnostic::Severity::Warning };
}

// W0102 (unused declaration) is retired: a type is API surface, and the files that use it may
// simply not be loaded. Its number is not reused.
codes! {
    SYNTAX = error "A0001", "syntax error";
    DUPLICATE_DECL = error "A0101", "two declarations with one name in one package";
    DUPLICATE_MEMBER = error "A0102", "two fields, variants, enum values or operations with one name";
    NAME_COLLISION = error "A0103", "names whose output files collide on a case-insensitive disk";
    NAME_TOO_LONG = error "A0104", "qualified name too long for output file names";
    FIELD_NUMBER_RANGE = error "A0201", "field number outside 1..=536870911 or not an integer";
    FIELD_NUMBER_RESERVED_RANGE = error "A0202", "field number in 19000..=19999 (reserved by protobuf)";
    NUMBER_RESERVED = error "A0203", "number listed by `reserved`";
    NUMBER_DUPLICATE = error "A0204", "two fields, variants or enum values with one number";
    ENUM_NUMBER_RANGE = error "A0205", "enum value number not an i32";
    UNKNOWN_TYPE = error "A0301", "unknown name";
    AMBIGUOUS_NAME = error "A0302", "short name declared in two visible packages";
    MAP_KEY = error "A0303", "map key not a string or integer scalar";
    NOT_STRUCT_LIKE = error "A0304", "input, output or channel message not a struct, event or error";
    THROWS_NOT_ERROR = error "A0305", "`throws` names something that is not an `error`";
    UNION_OPTIONAL = error "A0306", "union variant marked optional";
    IMPORT_MISSING = error "A0401", "imported file cannot be read";
    IMPORT_CYCLE = error "A0402", "files import each other in a cycle";
    PACKAGE_MISSING = error "A0403", "file without a `package` clause";
    VERSION_INVALID = error "A0404", "`version` missing or not a semantic version";
    VERSION_MISMATCH = error "A0405", "files of one package state different versions";
    IMPORT_REFUSED = error "A0406", "import absolute, outside the include folders or not a `.accord` file";
    UNKNOWN_ANNOTATION = error "A0501", "unknown annotation";
    ANNOTATION_TARGET = error "A0502", "annotation on the wrong kind of thing";
    ANNOTATION_ARGS = error "A0503", "annotation with wrong arguments";
    ANNOTATION_REPEATED = error "A0504", "annotation given twice";
    BOUNDS_ORDER = error "A0601", "`@range`/`@length` with min greater than max";
    CONSTRAINT_TYPE = error "A0602", "constraint not applicable to the field's type";
    PATTERN_INVALID = error "A0603", "`@pattern` does not compile as a regex, or not as ECMA-262 too";
    DEFAULT_REQUIRED = error "A0604", "`@default` on a required field";
    DEFAULT_TYPE = error "A0605", "`@default` value not of the field's type";
    STATUS_RANGE = error "A0606", "`@status` outside 400..=599";
    HTTP_METHOD = error "A0701", "unknown HTTP method";
    HTTP_PATH = error "A0702", "malformed HTTP path";
    HTTP_PARAM = error "A0703", "path placeholder not a required scalar or enum input field";
    HTTP_ROUTE_DUPLICATE = error "A0704", "two operations of a service on one method and path";
    HTTP_PARAM_TYPE = error "A0705", "field in path, query or header not a scalar or enum";
    HTTP_AND_CHANNEL = error "A0706", "operation with both `@http` and `@channel`";
    HTTP_NAME = error "A0707", "`@header` or `@query` name not a legal token";
    HTTP_STATUS = error "A0708", "`@http` success status not 2xx, or not fitting the output";
    HEADER_RESERVED = error "A0709", "`@header` or API key header that HTTP, gRPC or Accord's wire reserves";
    HTTP_EXPAND = error "A0710", "query parameter `expand` on a GET of a `@hypermedia` service";
    HTTP_PATH_RESERVED = error "A0711", "HTTP path the runtime serves itself (health, metrics)";
    CHANNEL_KIND = error "A0801", "channel `kind` missing or unknown";
    CHANNEL_CLAUSE_MISSING = error "A0802", "channel without `address` or `messages`";
    CHANNEL_CLAUSE_REPEATED = error "A0803", "channel clause given twice";
    CHANNEL_MESSAGE = error "A0804", "channel message not a struct, event or error";
    CHANNEL_KEY = error "A0805", "channel `key` not a field of every message";
    UNKNOWN_CHANNEL = error "A0806", "name used as a channel is not a channel";
    CHANNEL_INPUT = error "A0807", "operation input not one of its channel's messages";
    CHANNEL_INTERACTION = error "A0808", "operation shape does not fit its channel's kind";
    CHANNEL_FORMAT = error "A0809", "channel `format` not `json` or `protobuf`";
    AUTH_FORM = error "A0901", "`@auth` names no known scheme, or a bad API key header";
    SCOPES_WITHOUT_BEARER = error "A0902", "`@scopes` without `@auth(bearer)`";
    SCOPE_INVALID = error "A0903", "a scope that is not a scope token";
    AUTH_ON_CHANNEL = error "A0904", "`@auth` or `@scopes` on a channel-bound operation";
    AUTH_HEADER_TAKEN = error "A0905", "credential header (an API key's, or `Authorization`) also an input field's `@header`";
    UNKNOWN_SERVICE = error "A1001", "name in `uses` is not a known service";
    USES_SELF = error "A1002", "service lists itself in `uses`";
    LINK_TARGET = error "A1101", "`@link` names no operation, or one that is not `@http(GET)`";
    LINK_INPUT = error "A1102", "`@link` operation's input is not one required field of the field's type";
    LINK_RELATION = error "A1103", "`@link` relation given twice in a struct, or named `self`";
    NAMING = warning "W0101", "name does not follow the naming convention";
    BIDI_CONTROL = warning "W0103", "bidirectional control character in the source";
    USES_REPEATED = warning "W0104", "service listed twice in `uses`";
    UNUSED_IMPORT = warning "W0105", "import through which the file reaches nothing it refers to";
}

/// The registry entry of a code.
pub fn lookup(code: &str) -> Option<&'static Code> {
    REGISTRY.iter().copied().find(|c| c.code == code)
}
