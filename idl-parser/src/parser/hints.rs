//! The fix for the commonest mistakes, as the help of their syntax error: habits from other
//! languages that the grammar rejects with a message that alone would not say what to write.
//!
//! Each hint looks at what pest expected and the text around the error; none changes what is
//! parsed. A hint names the fix in this file's own words (the operation's name, the field's
//! type), so it can be copied.

use super::Rule;

/// The help for a syntax error at `text[pos..]` where pest expected `expected`, if the text is
/// one of the mistakes known here.
pub fn hint(text: &str, pos: usize, expected: &[Rule]) -> Option<String> {
    let rest = text.get(pos..)?;
    let wants = |rule| expected.contains(&rule);
    if wants(Rule::rparen) && rest.starts_with(':') {
        return named_parameters(text, pos);
    }
    if wants(Rule::eq) && rest.starts_with(';') {
        return field_number(text, pos);
    }
    if wants(Rule::eq) && rest.starts_with('<') {
        return foreign_generic(text, pos);
    }
    None
}

/// A doc comment before something that takes none (`subscribes`, `uses`, a channel clause,
/// `reserved`, the closing `}`): the grammar reads `///` as the start of a documented item,
/// then finds the keyword, and "expected an operation or a doc comment" would not say why. The
/// message and help that name the cause, when the error at `text[pos..]` is that.
pub fn misplaced_doc(text: &str, pos: usize) -> Option<(String, String)> {
    let is_doc = |line: &str| line.starts_with("///") && !line.starts_with("////");
    let mut rest = text.get(pos..)?;
    if is_doc(rest) {
        // Found at the doc comment itself (where no documented item may come): what follows.
        while is_doc(rest) {
            rest = rest
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        }
    } else {
        let before = text[..pos].trim_end();
        if !is_doc(before.rsplit('\n').next()?.trim_start()) {
            return None;
        }
    }
    let word = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    let what = match word {
        "publishes" | "subscribes" | "uses" | "reserved" | "kind" | "address" | "messages"
        | "key" | "format" => format!("`{word}`"),
        "" if rest.starts_with('}') => "the end of the body".to_owned(),
        _ => return None,
    };
    Some((
        format!("a doc comment cannot document {what}"),
        "doc comments (`///`) go before a declaration, a field, an enum value, a union variant \
         or an operation; make this one a plain comment (`//`)"
            .to_owned(),
    ))
}

/// `op f(a: i64, b: string)`: an operation takes one struct.
fn named_parameters(text: &str, pos: usize) -> Option<String> {
    let open = text[..pos].rfind('(')?;
    let head = text[..open].trim_end();
    let op = head.rsplit(|c: char| c.is_whitespace()).next()?;
    let keyword = head[..head.len() - op.len()].trim_end();
    let keyword = keyword.rsplit(|c: char| c.is_whitespace()).next()?;
    if !matches!(keyword, "op" | "notify") || !is_name(op) {
        return None;
    }
    let close = open + text[open..].find(')')?;
    let fields: Vec<String> = text[open + 1..close]
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
        .map(|(i, param)| match param.split_once(':') {
            Some((name, ty)) => format!("{}: {} = {};", name.trim(), ty.trim(), i + 1),
            None => format!("{} = {};", param.trim(), i + 1),
        })
        .collect();
    let input = format!("{}Request", upper_camel(op));
    Some(format!(
        "an operation takes one struct, not named parameters: declare \
         `struct {input} {{ {} }}` and write `{keyword} {op}({input})`",
        fields.join(" ")
    ))
}

/// `id: i64;`: every field has a number.
fn field_number(text: &str, pos: usize) -> Option<String> {
    let body = &text[..pos];
    let start = body.rfind(['{', ';', '}'])? + 1;
    let field = body[start..].trim();
    let (name, ty) = field.split_once(':')?;
    if !is_name(name.trim().trim_end_matches('?')) {
        return None;
    }
    let next = highest_number(&body[body.rfind('{')? + 1..start]) + 1;
    Some(format!(
        "every field has a number, its tag on the protobuf wire (never reuse one): \
         `{}: {} = {next};`",
        name.trim(),
        ty.trim()
    ))
}

/// The highest `= N` in the members before the error.
fn highest_number(members: &str) -> u64 {
    members
        .split(';')
        .filter_map(|m| m.rsplit_once('=')?.1.trim().parse().ok())
        .max()
        .unwrap_or(0)
}

/// `Option<T>`, `Vec<T>`, `HashMap<K, V>` as a field type.
fn foreign_generic(text: &str, pos: usize) -> Option<String> {
    let before = &text[..pos];
    let generic = before
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    let field = before[..before.len() - generic.len()]
        .trim_end()
        .strip_suffix(':')?;
    let name = field
        .rsplit(|c: char| c.is_whitespace() || c == '{' || c == ';')
        .next()?
        .trim_end_matches('?');
    let close = pos + text[pos..].find(['>', ';', '\n'])?;
    let inner = text[pos + 1..close].trim();
    let number = text[close..]
        .strip_prefix('>')
        .and_then(|after| after.trim_start().strip_prefix('='))
        .and_then(|after| after.split(';').next())
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("N");
    let written = match generic {
        "Option" => {
            return Some(format!(
                "a field is made optional by `?` after its name: `{name}?: {inner} = {number};`"
            ));
        }
        "Vec" | "VecDeque" | "List" | "Array" | "Set" | "HashSet" | "BTreeSet" => {
            format!("list<{inner}>")
        }
        "HashMap" | "BTreeMap" | "Map" | "Dict" | "Record" => format!("map<{inner}>"),
        _ => return None,
    };
    Some(format!(
        "Accord writes this type `{written}`: `{name}: {written} = {number};`"
    ))
}

/// `find_order` → `FindOrder`.
fn upper_camel(name: &str) -> String {
    name.split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::source::FileId;

    /// The help of the first syntax error of `text`.
    fn help(text: &str) -> String {
        let (_, errors) = crate::parser::parse(FileId(0), text);
        let first = errors.first().expect("a syntax error");
        first.help.clone().unwrap_or_default()
    }

    #[test]
    fn named_parameters_become_a_request_struct() {
        let text = "service S {\n    op find_order(id: i64, note: string) -> Order;\n}";
        assert_eq!(
            help(text),
            "an operation takes one struct, not named parameters: declare \
             `struct FindOrderRequest { id: i64 = 1; note: string = 2; }` and write \
             `op find_order(FindOrderRequest)`"
        );
    }

    #[test]
    fn a_field_without_number_gets_the_next_one() {
        let text = "struct S { a: i64 = 1; b: i32 = 7; note?: string; }";
        assert_eq!(
            help(text),
            "every field has a number, its tag on the protobuf wire (never reuse one): \
             `note?: string = 8;`"
        );
        assert!(help("struct S { id: i64; }").ends_with("`id: i64 = 1;`"));
    }

    #[test]
    fn rust_generics_are_translated() {
        let text = "struct S { note: Option<string> = 2; }";
        assert_eq!(
            help(text),
            "a field is made optional by `?` after its name: `note?: string = 2;`"
        );
        assert_eq!(
            help("struct S { tags: Vec<string> = 2; }"),
            "Accord writes this type `list<string>`: `tags: list<string> = 2;`"
        );
        assert_eq!(
            help("struct S { m: HashMap<string, i64>; }"),
            "Accord writes this type `map<string, i64>`: `m: map<string, i64> = N;`"
        );
    }

    #[test]
    fn a_clause_without_its_semicolon_keeps_the_next_declaration() {
        let text = "package demo;\nversion 1.0.0\n\nstruct Order { id: i64 = 1; }\n";
        let (file, errors) = crate::parser::parse(FileId(0), text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].message,
            "expected `;` after the `version` clause, found the end of the line"
        );
        assert_eq!(&text[errors[0].span.range()], "0");
        assert!(file.version.is_some(), "the version is read");
        assert_eq!(file.items.len(), 1, "the struct is not swallowed");
        let imports = "package demo;\nimport \"a.accord\"\nimport \"b.accord\";\nenum E { A = 1; }";
        let (file, errors) = crate::parser::parse(FileId(0), imports);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((file.imports.len(), file.items.len()), (2, 1));
    }

    /// The message of the first syntax error of `text`.
    fn message(text: &str) -> String {
        let (_, errors) = crate::parser::parse(FileId(0), text);
        errors.first().expect("a syntax error").message.clone()
    }

    #[test]
    fn a_doc_comment_before_what_takes_none_is_named_as_the_cause() {
        let service = "service S {\n    op a(A) -> B;\n    /// Events.\n    subscribes x;\n}";
        assert_eq!(
            message(service),
            "a doc comment cannot document `subscribes`"
        );
        assert!(help(service).contains("make this one a plain comment (`//`)"));
        let uses = "service S {\n    /// Needs it.\n    uses other.Service;\n}";
        assert_eq!(message(uses), "a doc comment cannot document `uses`");
        let end = "struct S {\n    a: i64 = 1;\n    /// Trailing.\n}";
        assert_eq!(
            message(end),
            "a doc comment cannot document the end of the body"
        );
        let channel = "channel c {\n    /// The kind.\n    kind point_to_point;\n}";
        assert_eq!(message(channel), "a doc comment cannot document `kind`");
        // A plain comment there is no error; another error after a doc comment keeps its words.
        let (_, errors) = crate::parser::parse(
            FileId(0),
            "service S {\n    // Events.\n    subscribes x;\n}",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(message("struct S {\n    /// A.\n    a: i64 = ;\n}").starts_with("expected"));
    }

    #[test]
    fn other_errors_get_no_hint() {
        assert_eq!(help("struct S { a: i64 = ; }"), "");
        assert_eq!(help("struct S { a: Foo<string> = 1; }"), "");
    }
}
