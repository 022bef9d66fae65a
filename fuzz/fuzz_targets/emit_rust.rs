//! Arbitrary UTF-8 that checks clean through the rust emitter: a checked model must always emit
//! (no panic), and every output path stays inside the output folder.
#![no_main]

use accord_codegen::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let c = accord_idl::compile_str(text);
    if c.has_errors() {
        return;
    }
    for file in accord_codegen::emit(&c.model, Target::Rust) {
        assert!(
            file.path
                .components()
                .all(|p| matches!(p, std::path::Component::Normal(_))),
            "output path leaves the folder: {:?}",
            file.path
        );
    }
});
