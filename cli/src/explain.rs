//! `accord explain CODE` (as `rustc --explain`): prints the section of `docs/errors.md` for a
//! diagnostic code, or the row of `docs/evolution.md` for an evolution rule id. Both files are
//! embedded in the binary, so a user without the repository has them. They are read through
//! `cli/docs/`, symbolic links to the repository's `docs/`: one source, and inside the crate, so
//! `cargo package` carries their text (it archives what a link points to).

use std::process::ExitCode;

/// `docs/errors.md`, as built into the binary.
pub const ERRORS: &str = include_str!("../docs/errors.md");
/// `docs/evolution.md`, as built into the binary.
pub const EVOLUTION: &str = include_str!("../docs/evolution.md");

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic code (`A0201`, `w0104`) or an evolution rule id of `accord diff`
    /// (`field-added`).
    #[arg(value_name = "CODE")]
    pub code: String,
}

pub fn run(args: &ExplainArgs) -> ExitCode {
    match explain(&args.code) {
        Some(text) => {
            println!("{}", text.trim_end());
            ExitCode::SUCCESS
        }
        None => {
            let message = format!(
                "no diagnostic code or evolution rule `{}` (codes look like A0201 or W0104; \
                 rules like field-added)",
                args.code
            );
            eprintln!("error: {}", crate::output::escaped(&message));
            ExitCode::from(2)
        }
    }
}

/// The documentation of `code`: the `## CODE` section of the errors page (case-insensitive),
/// else the evolution rule's table row, shown as a paragraph.
pub fn explain(code: &str) -> Option<String> {
    let code = code.trim();
    diagnostic(code).or_else(|| evolution_rule(code))
}

fn diagnostic(code: &str) -> Option<String> {
    let mut sections = ERRORS.split("\n## ").skip(1);
    let section = sections.find(|s| {
        s.lines()
            .next()
            .is_some_and(|title| title.trim().eq_ignore_ascii_case(code))
    })?;
    Some(format!("## {section}"))
}

fn evolution_rule(id: &str) -> Option<String> {
    let wanted = format!("| `{id}` |");
    let row = EVOLUTION.lines().find(|l| l.starts_with(&wanted))?;
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
    let [_, class, why, example, fix] = cells.as_slice() else {
        return None;
    };
    Some(format!(
        "## {id}\n\n**Evolution rule of `accord diff`** (needs a {class} version bump).\n\n\
         {why}\n\nExample: {example}\n\n**Fix:** {fix}\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_registry_is_explained() {
        for code in accord_idl::check::REGISTRY.iter().map(|c| c.code) {
            let text = explain(code).unwrap_or_else(|| panic!("no explanation of {code}"));
            assert!(text.starts_with(&format!("## {code}\n")), "{text}");
            assert!(!text.contains("\n## "), "one section only: {text}");
            assert!(text.contains("**Fix:**"), "{code} names its fix");
        }
        assert_eq!(explain("a0201"), explain("A0201"), "case does not matter");
        assert!(explain("A9999").is_none());
    }

    /// The embedded pages are the repository's (a checkout without symbolic links would embed
    /// the links' target paths instead).
    #[test]
    fn the_embedded_pages_are_the_docs() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
        let read = |name: &str| std::fs::read_to_string(docs.join(name)).expect("docs/ page");
        assert_eq!(ERRORS, read("errors.md"));
        assert_eq!(EVOLUTION, read("evolution.md"));
    }

    #[test]
    fn evolution_rules_are_explained() {
        let text = explain("field-added").expect("a rule");
        assert!(text.contains("MINOR"), "{text}");
        assert!(explain("field").is_none(), "whole ids only");
    }

    /// Every rule of `accord diff` is explained with a fix, as every diagnostic code is.
    #[test]
    fn every_evolution_rule_names_its_fix() {
        for rule in accord_idl::evolution::rules() {
            let text = explain(rule.id).unwrap_or_else(|| panic!("no explanation of {}", rule.id));
            let fix = text.split("**Fix:** ").nth(1).unwrap_or_default();
            assert!(fix.trim().len() > 10, "{} names its fix: {text}", rule.id);
        }
        let text = explain("field-added-required-request").unwrap();
        assert!(text.contains("**Fix:** Make the field optional"), "{text}");
    }
}
