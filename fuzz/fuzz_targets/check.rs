//! Arbitrary UTF-8 through `accord check`'s path: the whole front end, then both renderers
//! (human and JSON) on whatever it reports. Nothing may panic, and human output never carries a
//! control character other than a newline (it goes to terminals).
#![no_main]

use accord_idl::{compile_str, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let c = compile_str(text);
    let human = render::human(&c.sources, &c.diagnostics);
    assert!(
        !human.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\t'),
        "raw control character in human output"
    );
    let _ = render::json(&c.sources, &c.diagnostics);
});
