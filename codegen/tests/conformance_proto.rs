//! Conformance: `protoc` (Debian's protobuf-compiler, which ships the well-known types) builds a
//! descriptor set from every `.proto` file generated for the FTGO examples, the stress API and a
//! fixture of names protobuf finds hard.
//!
//! A missing protoc fails the test when `CI` is set; otherwise it prints a visible
//! `SKIPPED: protoc not installed` and passes. Install: `apt-get install -y protobuf-compiler`.

mod common;

use accord_codegen::proto;
use accord_idl::Model;

use common::protoc_available;

/// Runs protoc over every file of a model and returns the descriptor set's size.
fn descriptor_set(model: &Model) -> usize {
    let files = proto::emit(model);
    assert!(!files.is_empty());
    match common::protoc_descriptor_set(&files) {
        Ok(size) => size,
        Err(problem) => panic!("{problem}"),
    }
}

#[test]
fn ftgo_protos_build_a_descriptor_set() {
    if protoc_available() {
        assert!(descriptor_set(&common::ftgo()) > 0);
    }
}

#[test]
fn stress_protos_build_a_descriptor_set() {
    if protoc_available() {
        assert!(descriptor_set(&common::stress()) > 0);
    }
}

#[test]
fn hand_built_protos_build_a_descriptor_set() {
    if protoc_available() {
        assert!(descriptor_set(&common::hand_built()) > 0);
    }
}

/// Names that are protobuf keywords or collide once escaped, prefixed or camel-cased.
const HARD_NAMES: &str = r#"
package tricky.message;
version 0.2.0;

struct message { option: string = 1; repeated: bool = 2; }
struct message_ { to: i32 = 1; max: i32 = 2; }
struct double { a_b: i32 = 1; aB: i32 = 2; }
enum Color { UNSPECIFIED = 1; RED = 2; }
enum Color_ { RED = 3; }
struct ListOfI32 { x: i32 = 1; }
struct Uses {
    m: list<list<i32>> = 1;
    c: Color = 2;
    d: Color_ = 3;
    x: map<string, map<string, list<double>>> = 4;
    y?: map<i64, message> = 5;
    stream: list<map<string, i32>> = 6;
}
union shape { shape: i32 = 1; kind: list<message_> = 2; }
service rpc {
    op returns(message) -> message_;
    op Returns(message) -> ();
}
"#;

#[test]
fn hard_names_build_a_descriptor_set() {
    if protoc_available() {
        let compilation = accord_idl::compile_str(HARD_NAMES);
        assert!(
            !compilation.has_errors(),
            "{}",
            accord_idl::render::human(&compilation.sources, &compilation.diagnostics)
        );
        assert!(descriptor_set(&compilation.model) > 0);
    }
}
