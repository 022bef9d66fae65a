//! Names and types: unknown names (A0301, with "did you mean"), ambiguous short names (A0302),
//! map keys that are not string or integer scalars (A0303).
//!
//! Why: every reference must lead to exactly one declaration, and map keys must be something
//! every target (JSON object keys, protobuf map keys) can carry.
//!
//! ```accord
//! struct A { m: Mony = 1; k: map<f64, string> = 2; }   // A0301 (did you mean `Money`?), A0303
//! ```
//!
//! Called by: `lower` (name resolution in `lower/scope.rs`, map keys and wrong kinds of names in
//! `lower/mod.rs`).

use super::codes;
use crate::diagnostic::Diagnostic;
use crate::model::Scalar;
use crate::source::Span;

/// The closest candidate to `name`, if any is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    // Jaro-Winkler favours shared prefixes (`Mony` → `Money`); one edit or swap (`i46` → `i64`)
    // counts as close too, however short the name.
    candidates
        .map(|c| {
            let other = c.to_ascii_lowercase();
            let score = strsim::jaro_winkler(&lower, &other);
            (
                if strsim::osa_distance(&lower, &other) <= 1 {
                    score.max(0.95)
                } else {
                    score
                },
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn unknown_code(what: &str) -> &'static crate::diagnostic::Code {
    match what {
        "channel" => &codes::UNKNOWN_CHANNEL,
        "service" => &codes::UNKNOWN_SERVICE,
        _ => &codes::UNKNOWN_TYPE,
    }
}

pub(crate) fn unknown(what: &str, name: &str, span: Span, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(unknown_code(what), format!("unknown {what} `{name}`"), span)
        .with_label("not found");
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(
            "declare it, import the file that declares it, or qualify it with its package",
        ),
    }
}

/// A qualified name `package.name` that resolves to nothing: the help names the real cause,
/// either no loaded file declares `package` (`loaded` false: a file not passed to the compiler
/// nor imported) or the package has no such name; qualifying it again would not help.
pub(crate) fn unknown_qualified(
    what: &str,
    name: &str,
    package: &str,
    loaded: bool,
    span: Span,
    suggestion: Option<&str>,
) -> Diagnostic {
    let qualified = format!("{package}.{name}");
    let d = Diagnostic::new(
        unknown_code(what),
        format!("unknown {what} `{qualified}`"),
        span,
    );
    if !loaded {
        return d
            .with_label(format!("no loaded file declares the package `{package}`"))
            .with_help(format!(
                "import the file that declares `package {package};`, or pass it to the compiler \
                 with the others"
            ));
    }
    let d = d.with_label(format!(
        "the package `{package}` declares no {what} `{name}`"
    ));
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{package}.{s}`?")),
        None => d.with_help(format!(
            "declare `{name}` in `{package}`, or name one of the {what}s it declares"
        )),
    }
}

/// A short name found in more than one visible package.
pub(crate) fn ambiguous(name: &str, packages: &[&str], span: Span) -> Diagnostic {
    let mut list: Vec<String> = packages.iter().map(|p| format!("`{p}.{name}`")).collect();
    list.sort();
    Diagnostic::new(
        &codes::AMBIGUOUS_NAME,
        format!(
            "`{name}` is ambiguous: it is declared in {}",
            list.join(" and ")
        ),
        span,
    )
    .with_label("ambiguous")
    .with_help(format!("qualify it: {}", list.join(" or ")))
}

/// Map keys: strings and integers only.
pub(crate) fn map_key(key: Option<Scalar>, written: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if !key.is_some_and(|k| k == Scalar::String || k.is_integer()) {
        diags.push(
            Diagnostic::new(
                &codes::MAP_KEY,
                format!("`{written}` cannot be a map key"),
                span,
            )
            .with_help("map keys are `string` or an integer scalar (`i32`, `i64`, `u32`, `u64`)"),
        );
    }
}

/// A name that resolves to something of the wrong kind (`found`, as "a service"): `wanted` is
/// "a type" (A0301) or "a channel" (A0806).
pub(crate) fn not_a(
    name: &str,
    found: &str,
    wanted: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    let code = if wanted == "a channel" {
        &codes::UNKNOWN_CHANNEL
    } else {
        &codes::UNKNOWN_TYPE
    };
    let message = format!("`{name}` is {found}, not {wanted}");
    diags.push(Diagnostic::new(code, message, span).with_label(format!("expected {wanted}")));
}
