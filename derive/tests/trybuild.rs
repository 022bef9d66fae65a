//! The derive and `#[accord::shared]` as a user writes them: types that compile, and mistakes
//! that must be compile errors pointing at the attribute (`TRYBUILD=overwrite` refreshes the
//! `.stderr` files).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
