//! The proto emitter on small fixtures compiled by the front end.

use super::emit;
use accord_idl::compile_str;

/// The single file emitted for a one-package fixture.
fn proto(source: &str) -> String {
    let compilation = compile_str(source);
    assert!(
        !compilation.has_errors(),
        "{}",
        accord_idl::render::human(&compilation.sources, &compilation.diagnostics)
    );
    let files = emit(&compilation.model);
    assert_eq!(files.len(), 1);
    files[0].contents.clone()
}

#[test]
fn file_path_and_package_carry_the_major_version() {
    let compilation = compile_str("package a.b;\nversion 3.1.0;\nstruct S { x: i32 = 1; }\n");
    let files = emit(&compilation.model);
    assert_eq!(files[0].path.to_str(), Some("a/b/v3/b.proto"));
    assert!(files[0].contents.contains("package a.b.v3;"));
}

#[test]
fn enums_gain_unspecified_and_a_prefix() {
    let out = proto(
        "package p;\nversion 1.0.0;\nenum OrderState { OPEN = 1; SHUT = 2; }\nstruct S { s: OrderState = 1; }\n",
    );
    assert!(
        out.contains("  ORDER_STATE_UNSPECIFIED = 0;\n  ORDER_STATE_OPEN = 1;"),
        "{out}"
    );
}

#[test]
fn a_zero_value_comes_first() {
    let out =
        proto("package p;\nversion 1.0.0;\nenum E { A = 1; Z = 0; }\nstruct S { e: E = 1; }\n");
    assert!(!out.contains("UNSPECIFIED"), "{out}");
    assert!(out.contains("  E_Z = 0;\n  E_A = 1;"), "{out}");
}

#[test]
fn containers_protobuf_lacks_get_shared_wrappers() {
    let out = proto(
        "package p;\nversion 1.0.0;\nstruct S {\n  m: list<list<i32>> = 1;\n  n: list<list<i32>> = 2;\n  g: map<string, list<string>> = 3;\n  o?: list<string> = 4;\n}\n",
    );
    assert!(out.contains("repeated ListOfI32 m = 1;"), "{out}");
    assert!(out.contains("repeated ListOfI32 n = 2;"), "{out}");
    assert!(out.contains("map<string, ListOfString> g = 3;"), "{out}");
    assert!(out.contains("  ListOfString o = 4;"), "{out}");
    assert_eq!(out.matches("message ListOfI32 {").count(), 1, "{out}");
    assert!(
        out.contains("message ListOfString {\n  repeated string values = 1;\n}"),
        "{out}"
    );
}

#[test]
fn unions_become_oneofs_with_wrapped_lists() {
    let out = proto(
        "package p;\nversion 1.0.0;\nunion Shape { side: f64 = 1; points: list<f64> = 2; }\nstruct S { s: Shape = 1; }\n",
    );
    assert!(out.contains("message Shape {\n  oneof shape {\n    double side = 1;\n    ListOfF64 points = 2;\n  }\n}"), "{out}");
}

#[test]
fn keywords_are_escaped_and_keep_their_json_name() {
    let out =
        proto("package p;\nversion 1.0.0;\nstruct S { message: string = 1; type: string = 2; }\n");
    assert!(
        out.contains("string message_ = 1 [json_name = \"message\"];"),
        "{out}"
    );
    assert!(out.contains("string type = 2;"), "{out}");
}

/// protoc compares JSON names lower-cased: `item` and `Item` collide (in a oneof too).
#[test]
fn fields_differing_only_in_case_get_distinct_json_names() {
    let out = proto(
        "package p;\nversion 1.0.0;\nunion U { server: bool = 1; Server: bool = 2; }\nstruct S { item: i32 = 1; Item: i32 = 2; }\n",
    );
    assert!(
        out.contains("bool server = 1;\n    bool Server_2 = 2;"),
        "{out}"
    );
    assert!(
        out.contains("int32 item = 1;\n  int32 Item_2 = 2;"),
        "{out}"
    );
}

#[test]
fn rpcs_follow_the_operation_shapes() {
    let out = proto(
        "package p;\nversion 1.0.0;\nstruct A { x: i32 = 1; }\nchannel c { kind point_to_point; address \"c\"; messages A; }\nservice S {\n  op ping() -> ();\n  op get(A) -> A;\n  op up(stream A) -> stream A;\n  notify tell(A);\n  @channel(c)\n  notify queued(A);\n}\n",
    );
    assert!(
        out.contains("import \"google/protobuf/empty.proto\";"),
        "{out}"
    );
    assert!(
        out.contains("rpc Ping(.google.protobuf.Empty) returns (.google.protobuf.Empty);"),
        "{out}"
    );
    assert!(out.contains("rpc Get(.p.v1.A) returns (.p.v1.A);"), "{out}");
    assert!(
        out.contains("rpc Up(stream .p.v1.A) returns (stream .p.v1.A);"),
        "{out}"
    );
    assert!(
        out.contains("rpc Tell(.p.v1.A) returns (.google.protobuf.Empty);"),
        "{out}"
    );
    assert!(!out.contains("Queued"), "{out}");
}

#[test]
fn reserved_ranges_and_docs_are_carried_over() {
    let out = proto(
        "package p;\nversion 1.0.0;\n/// A thing.\n/// Two lines.\nstruct S { x: i32 = 1; reserved 2, 10 to 12; }\n",
    );
    assert!(
        out.contains("// A thing.\n// Two lines.\nmessage S {\n  reserved 2, 10 to 12;"),
        "{out}"
    );
}

#[test]
fn other_packages_are_imported_only_when_used() {
    let compilation = compile_str(
        "//- /a.accord\npackage a;\nversion 1.0.0;\nimport \"b.accord\";\nstruct S { t: b.T = 1; at: timestamp = 2; }\n//- /b.accord\npackage b;\nversion 2.0.0;\nstruct T { x: i32 = 1; }\n",
    );
    assert!(!compilation.has_errors());
    let files = emit(&compilation.model);
    let a = files
        .iter()
        .find(|f| f.path.to_str() == Some("a/v1/a.proto"))
        .expect("a");
    assert!(
        a.contents
            .contains("import \"b/v2/b.proto\";\nimport \"google/protobuf/timestamp.proto\";"),
        "{}",
        a.contents
    );
    assert!(a.contents.contains(".b.v2.T t = 1;"), "{}", a.contents);
    let b = files
        .iter()
        .find(|f| f.path.to_str() == Some("b/v2/b.proto"))
        .expect("b");
    assert!(!b.contents.contains("import"), "{}", b.contents);
}

/// A line break in a deprecation reason or control characters in docs cannot end a comment
/// and inject declarations.
#[test]
fn comments_cannot_be_escaped() {
    let out = proto(
        "package a;\nversion 1.0.0;\n/// doc\u{1b}[2J \u{202e}x\r\n@deprecated(\"old\\nmessage Evil {}\")\nstruct S { x: i32 = 1; }\n",
    );
    assert!(!out.lines().any(|l| l.starts_with("message Evil")), "{out}");
    assert!(out.contains("// message Evil {}"), "{out}");
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    assert!(out.contains("\\u{1b}[2J \\u{202e}x"), "{out}");
}
