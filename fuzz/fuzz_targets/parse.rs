//! Arbitrary UTF-8 through the parser, the formatter (when it parsed cleanly) and the whole
//! front end over an in-memory loader: none of them may panic or hang.
#![no_main]

use accord_idl::{FileId, compile, format::format, parser::parse};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

fuzz_target!(|text: &str| {
    let (file, errors) = parse(FileId(0), text);
    if errors.is_empty() {
        let once = format(&file, text);
        let (again, errors) = parse(FileId(0), &once);
        assert!(errors.is_empty(), "formatted text must parse: {errors:?}");
        assert_eq!(format(&again, &once), once, "formatting must be idempotent");
    }
    // The same text as the root file; an import resolves to it as well, up to a few folders
    // deep. (Serving every path would be a file system of endless distinct folders, which
    // no disk is: `import "a/x.accord"` in x.accord would never run out of new files.)
    let source = text.to_string();
    let mut loader = move |path: &Path| -> std::io::Result<String> {
        if path.components().count() <= 4 {
            Ok(source.clone())
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    };
    let _ = compile(&[PathBuf::from("/fuzz.accord")], &mut loader);
});
