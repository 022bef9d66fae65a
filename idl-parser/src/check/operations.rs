//! Operation and union shapes: inputs and outputs are struct-like (struct, event, error; A0304),
//! `throws` names only `error` declarations (A0305), union variants are never optional (A0306).
//!
//! Why: every transport sends an operation's input and output as one message object, and a
//! declared error needs a status and an error identity on the wire; a union always has exactly
//! one variant set, so "optional" has no meaning there.
//!
//! ```accord
//! service S { op get(Color) -> Order throws Order; }   // A0304 (enum input), A0305
//! union U { a?: string = 1; }                          // A0306
//! ```
//!
//! Called by: `lower::services` (inputs, outputs, `throws`) and `lower::decls` (union variants).

use super::{Code, codes};
use crate::diagnostic::Diagnostic;
use crate::model::{DeclId, Model, StructRole};
use crate::source::Span;

/// Whether `id` is a struct, event or error; otherwise reports it (`role`: "input", ...).
pub(crate) fn struct_like(
    model: &Model,
    id: DeclId,
    role: &str,
    span: Span,
    code: &'static Code,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let decl = model.decl(id);
    if decl.as_struct().is_some() {
        return true;
    }
    diags.push(
        Diagnostic::new(
            code,
            format!(
                "{role} `{}` is {} {}, not a struct",
                decl.name,
                article(decl.keyword()),
                decl.keyword()
            ),
            span,
        )
        .with_help(format!(
            "wrap it in a struct: `struct Wrapper {{ value: {} = 1; }}`",
            decl.name
        )),
    );
    false
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A container type where a declaration is expected.
pub(crate) fn not_a_decl(role: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::NOT_STRUCT_LIKE,
            format!("the {role} must name a struct, event or error"),
            span,
        )
        .with_help("wrap lists, maps and scalars in a struct"),
    );
}

/// `throws` names errors only.
pub(crate) fn throws(model: &Model, id: DeclId, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
    let decl = model.decl(id);
    if let Some(s) = decl.as_struct()
        && matches!(s.role, StructRole::Error { .. })
    {
        return true;
    }
    diags.push(
        Diagnostic::new(
            &codes::THROWS_NOT_ERROR,
            format!(
                "`{}` is {} {}, not an error",
                decl.name,
                article(decl.keyword()),
                decl.keyword()
            ),
            span,
        )
        .with_label("thrown here")
        .with_help(format!("declare it with `error {} {{ ... }}`", decl.name)),
    );
    false
}

pub(crate) fn union_optional(name: &str, question: Span, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            &codes::UNION_OPTIONAL,
            format!("union variant `{name}` cannot be optional"),
            question,
        )
        .with_help("exactly one variant of a union is always set; remove the `?`"),
    );
}
