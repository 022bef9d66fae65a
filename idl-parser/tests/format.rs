//! Formatter tests: the FTGO examples are stable, comments survive, a messy file gets the
//! canonical layout.

use accord_idl::FileId;
use accord_idl::format::format;
use accord_idl::parser::parse;

fn fmt(text: &str) -> String {
    let (file, errors) = parse(FileId(0), text);
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    format(&file, text)
}

/// Formats, checks the result parses and formats to itself, and returns it.
fn stable(text: &str) -> String {
    let once = fmt(text);
    let twice = fmt(&once);
    assert_eq!(once, twice, "formatting is not idempotent");
    once
}

fn comments(text: &str) -> Vec<String> {
    parse(FileId(0), text)
        .0
        .comments
        .into_iter()
        .map(|c| c.text.trim_end().to_string())
        .collect()
}

#[test]
fn ftgo_examples_are_stable_and_keep_their_comments() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ftgo/api");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "accord") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let out = stable(&text);
        assert_eq!(comments(&out), comments(&text), "{}", path.display());
        let docs = |t: &str| {
            t.lines()
                .filter(|l| l.trim_start().starts_with("///"))
                .count()
        };
        assert_eq!(docs(&out), docs(&text), "{}", path.display());
    }
}

#[test]
fn trailing_comments_stay_on_their_line() {
    let out = stable(
        "package p; // the package\nstruct S {\n    a: i32 = 1;   // first\n    // before b\n    b: i32 = 2;\n} // after\n",
    );
    assert_eq!(
        out,
        "package p; // the package\n\nstruct S {\n    a: i32 = 1; // first\n    // before b\n    b: i32 = 2;\n} // after\n"
    );
}

#[test]
fn channel_clauses_are_reordered_with_their_comments() {
    let out = stable(
        "channel c {\n  key id; // k\n  // the messages\n  messages A,B;\n  format json;\n  address \"x\";\n  kind point_to_point;\n}\n",
    );
    let expected = "channel c {\n    kind point_to_point;\n    address \"x\";\n    // the messages\n    messages A, B;\n    key id; // k\n    format json;\n}\n";
    assert_eq!(out, expected);
}

#[test]
fn literals_are_printed_as_written() {
    let out = stable(
        "@range(min=0x1F,max=-2e3) @pattern(r\"^\\d$\") @d(\"a\\n\") struct S{a?:i32=0x10;}",
    );
    assert_eq!(
        out,
        "@range(min = 0x1F, max = -2e3)\n@pattern(r\"^\\d$\")\n@d(\"a\\n\")\nstruct S {\n    a?: i32 = 0x10;\n}\n"
    );
}

#[test]
fn a_messy_file_gets_the_canonical_layout() {
    let messy = r#"// Messy.
package   demo.messy ;version 1.0.0-rc.1;
import "a.accord";   import "b.accord";
/// Docs
///   kept.
@deprecated  (  "old" )struct   Thing{
  id :i64=1;tags? : list< string >=2; /* inline */
     attrs:map<string,list<Thing>> = 3;


  reserved 4,5 to 7;}
enum   Color{RED=1;GREEN=2;}
union U {a:string=1;b:i32=2;}
event E{}
error Oops{ code:i32=1; }
channel   things{messages Thing;kind publish_subscribe;address "demo.things";}
service   Things{
/// Gets one.
@http(GET,"/things/{id}") @timeout(2s)
op get(Thing)->Thing throws Oops,demo.messy.Oops;
op none()->();
op s(stream Thing)->stream Thing;
notify   n(Thing);publishes things;
subscribes things;
}
"#;
    let out = stable(messy);
    insta::assert_snapshot!(out);
}

#[test]
fn uses_lists_stay_on_one_line_until_too_wide() {
    let out = stable("service S {\n  uses A,b.B ;\n op x() -> ();\n}\n");
    assert_eq!(out, "service S {\n    uses A, b.B;\n    op x() -> ();\n}\n");
    let wide = "service OrderService { uses ftgo.consumer.ConsumerService, ftgo.kitchen.KitchenService, ftgo.accounting.AccountingService; // deps\n}";
    let out = stable(wide);
    assert_eq!(
        out,
        "service OrderService {\n    uses\n        ftgo.consumer.ConsumerService,\n        ftgo.kitchen.KitchenService,\n        ftgo.accounting.AccountingService; // deps\n}\n"
    );
}
