//! Generates the mini order service the tests run against, as a user's build script would.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new().compile(&["api/shop.accord"])?;
    Ok(())
}
