//! The rules of the language, one file per rule family, and the one registry of their codes.
//!
//! Each rule family is a set of functions that the lowering calls at the point where it has the
//! data the rule needs (resolved types, the input struct of an operation, ...). Every function
//! pushes its findings and returns; none stops the run, so one compilation reports every
//! independent problem. Every code is listed in [`REGISTRY`], documented in `docs/errors.md`
//! and has a fixture under `tests/fixtures/` (a test enforces both).

pub mod annotations;
pub mod auth;
pub mod channels;
pub mod constraints;
pub mod files;
pub mod http;
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

use crate::diagnostic::Severity;

/// One registered diagnostic code.
#[derive(Clone, Copy, Debug)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

/// Stable codes. Never renumber: users search for them and `docs/errors.md` anchors them.
pub mod codes {
    pub const SYNTAX: &str = "A0001";
    pub const DUPLICATE_DECL: &str = "A0101";
    pub const DUPLICATE_MEMBER: &str = "A0102";
    pub const NAME_COLLISION: &str = "A0103";
    pub const NAME_TOO_LONG: &str = "A0104";
    pub const FIELD_NUMBER_RANGE: &str = "A0201";
    pub const FIELD_NUMBER_RESERVED_RANGE: &str = "A0202";
    pub const NUMBER_RESERVED: &str = "A0203";
    pub const NUMBER_DUPLICATE: &str = "A0204";
    pub const ENUM_NUMBER_RANGE: &str = "A0205";
    pub const UNKNOWN_TYPE: &str = "A0301";
    pub const AMBIGUOUS_NAME: &str = "A0302";
    pub const MAP_KEY: &str = "A0303";
    pub const NOT_STRUCT_LIKE: &str = "A0304";
    pub const THROWS_NOT_ERROR: &str = "A0305";
    pub const UNION_OPTIONAL: &str = "A0306";
    pub const IMPORT_MISSING: &str = "A0401";
    pub const IMPORT_CYCLE: &str = "A0402";
    pub const PACKAGE_MISSING: &str = "A0403";
    pub const VERSION_INVALID: &str = "A0404";
    pub const VERSION_MISMATCH: &str = "A0405";
    pub const IMPORT_REFUSED: &str = "A0406";
    pub const UNKNOWN_ANNOTATION: &str = "A0501";
    pub const ANNOTATION_TARGET: &str = "A0502";
    pub const ANNOTATION_ARGS: &str = "A0503";
    pub const ANNOTATION_REPEATED: &str = "A0504";
    pub const BOUNDS_ORDER: &str = "A0601";
    pub const CONSTRAINT_TYPE: &str = "A0602";
    pub const PATTERN_INVALID: &str = "A0603";
    pub const DEFAULT_REQUIRED: &str = "A0604";
    pub const DEFAULT_TYPE: &str = "A0605";
    pub const STATUS_RANGE: &str = "A0606";
    pub const HTTP_METHOD: &str = "A0701";
    pub const HTTP_PATH: &str = "A0702";
    pub const HTTP_PARAM: &str = "A0703";
    pub const HTTP_ROUTE_DUPLICATE: &str = "A0704";
    pub const HTTP_PARAM_TYPE: &str = "A0705";
    pub const HTTP_AND_CHANNEL: &str = "A0706";
    pub const HTTP_NAME: &str = "A0707";
    pub const CHANNEL_KIND: &str = "A0801";
    pub const CHANNEL_CLAUSE_MISSING: &str = "A0802";
    pub const CHANNEL_CLAUSE_REPEATED: &str = "A0803";
    pub const CHANNEL_MESSAGE: &str = "A0804";
    pub const CHANNEL_KEY: &str = "A0805";
    pub const UNKNOWN_CHANNEL: &str = "A0806";
    pub const CHANNEL_INPUT: &str = "A0807";
    pub const CHANNEL_INTERACTION: &str = "A0808";
    pub const CHANNEL_FORMAT: &str = "A0809";
    pub const AUTH_FORM: &str = "A0901";
    pub const SCOPES_WITHOUT_BEARER: &str = "A0902";
    pub const SCOPE_INVALID: &str = "A0903";
    pub const AUTH_ON_CHANNEL: &str = "A0904";
    pub const UNKNOWN_SERVICE: &str = "A1001";
    pub const USES_SELF: &str = "A1002";
    pub const NAMING: &str = "W0101";
    pub const UNUSED: &str = "W0102";
    pub const BIDI_CONTROL: &str = "W0103";
    pub const USES_REPEATED: &str = "W0104";
}

const fn e(code: &'static str, summary: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Error,
        summary,
    }
}

const fn w(code: &'static str, summary: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Warning,
        summary,
    }
}

/// Every code the front end can emit.
pub const REGISTRY: &[Code] = {
    use codes::*;
    &[
        e(SYNTAX, "syntax error"),
        e(
            DUPLICATE_DECL,
            "two declarations with one name in one package",
        ),
        e(
            DUPLICATE_MEMBER,
            "two fields, variants, enum values or operations with one name",
        ),
        e(
            NAME_COLLISION,
            "names whose output files collide on a case-insensitive disk",
        ),
        e(
            NAME_TOO_LONG,
            "qualified name too long for output file names",
        ),
        e(
            FIELD_NUMBER_RANGE,
            "field number outside 1..=536870911 or not an integer",
        ),
        e(
            FIELD_NUMBER_RESERVED_RANGE,
            "field number in 19000..=19999 (reserved by protobuf)",
        ),
        e(NUMBER_RESERVED, "number listed by `reserved`"),
        e(
            NUMBER_DUPLICATE,
            "two fields, variants or enum values with one number",
        ),
        e(ENUM_NUMBER_RANGE, "enum value number not an i32"),
        e(UNKNOWN_TYPE, "unknown name"),
        e(
            AMBIGUOUS_NAME,
            "short name declared in two visible packages",
        ),
        e(MAP_KEY, "map key not a string or integer scalar"),
        e(
            NOT_STRUCT_LIKE,
            "input, output or channel message not a struct, event or error",
        ),
        e(
            THROWS_NOT_ERROR,
            "`throws` names something that is not an `error`",
        ),
        e(UNION_OPTIONAL, "union variant marked optional"),
        e(IMPORT_MISSING, "imported file cannot be read"),
        e(IMPORT_CYCLE, "files import each other in a cycle"),
        e(PACKAGE_MISSING, "file without a `package` clause"),
        e(
            VERSION_INVALID,
            "`version` missing or not a semantic version",
        ),
        e(
            VERSION_MISMATCH,
            "files of one package state different versions",
        ),
        e(
            IMPORT_REFUSED,
            "import absolute, outside the include folders or not a `.accord` file",
        ),
        e(UNKNOWN_ANNOTATION, "unknown annotation"),
        e(ANNOTATION_TARGET, "annotation on the wrong kind of thing"),
        e(ANNOTATION_ARGS, "annotation with wrong arguments"),
        e(ANNOTATION_REPEATED, "annotation given twice"),
        e(BOUNDS_ORDER, "`@range`/`@length` with min greater than max"),
        e(
            CONSTRAINT_TYPE,
            "constraint not applicable to the field's type",
        ),
        e(
            PATTERN_INVALID,
            "`@pattern` does not compile as a regex, or not as ECMA-262 too",
        ),
        e(DEFAULT_REQUIRED, "`@default` on a required field"),
        e(DEFAULT_TYPE, "`@default` value not of the field's type"),
        e(STATUS_RANGE, "`@status` outside 400..=599"),
        e(HTTP_METHOD, "unknown HTTP method"),
        e(HTTP_PATH, "malformed HTTP path"),
        e(
            HTTP_PARAM,
            "path placeholder not a required scalar or enum input field",
        ),
        e(
            HTTP_ROUTE_DUPLICATE,
            "two operations of a service on one method and path",
        ),
        e(
            HTTP_PARAM_TYPE,
            "field in path, query or header not a scalar or enum",
        ),
        e(
            HTTP_AND_CHANNEL,
            "operation with both `@http` and `@channel`",
        ),
        e(HTTP_NAME, "`@header` or `@query` name not a legal token"),
        e(CHANNEL_KIND, "channel `kind` missing or unknown"),
        e(
            CHANNEL_CLAUSE_MISSING,
            "channel without `address` or `messages`",
        ),
        e(CHANNEL_CLAUSE_REPEATED, "channel clause given twice"),
        e(
            CHANNEL_MESSAGE,
            "channel message not a struct, event or error",
        ),
        e(CHANNEL_KEY, "channel `key` not a field of every message"),
        e(UNKNOWN_CHANNEL, "name used as a channel is not a channel"),
        e(
            CHANNEL_INPUT,
            "operation input not one of its channel's messages",
        ),
        e(
            CHANNEL_INTERACTION,
            "operation shape does not fit its channel's kind",
        ),
        e(CHANNEL_FORMAT, "channel `format` not `json` or `protobuf`"),
        e(
            AUTH_FORM,
            "`@auth` names no known scheme, or a bad API key header",
        ),
        e(SCOPES_WITHOUT_BEARER, "`@scopes` without `@auth(bearer)`"),
        e(SCOPE_INVALID, "a scope that is not a scope token"),
        e(
            AUTH_ON_CHANNEL,
            "`@auth` or `@scopes` on a channel-bound operation",
        ),
        e(UNKNOWN_SERVICE, "name in `uses` is not a known service"),
        e(USES_SELF, "service lists itself in `uses`"),
        w(NAMING, "name does not follow the naming convention"),
        w(
            UNUSED,
            "declaration used by no service, channel or other declaration",
        ),
        w(
            BIDI_CONTROL,
            "bidirectional control character in the source",
        ),
        w(USES_REPEATED, "service listed twice in `uses`"),
    ]
};

/// The registry entry of a code.
pub fn lookup(code: &str) -> Option<&'static Code> {
    REGISTRY.iter().find(|c| c.code == code)
}
