//! Arbitrary UTF-8 through `accord fmt`'s path: a file that parses formats to text that parses,
//! is a fixed point (formatting again changes nothing) and keeps every line comment's text.
#![no_main]

use accord_idl::{FileId, format::format, parser::parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (file, errors) = parse(FileId(0), text);
    if !errors.is_empty() {
        return;
    }
    let once = format(&file, text);
    let (again, errors) = parse(FileId(0), &once);
    assert!(errors.is_empty(), "formatted text must parse: {errors:?}");
    assert_eq!(format(&again, &once), once, "formatting must be idempotent");
    // Line comments keep their text (block comments may be re-indented).
    for comment in file.comments.iter().filter(|c| c.text.starts_with("//")) {
        let body = comment.text.trim_end();
        assert!(once.contains(body), "comment lost: {body:?}");
    }
});
