//! Generates the mini order service the tests run against, as a user's build script would,
//! with the services' own OpenAPI documents (`tests/documents.rs`).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new()
        .documents(true)
        .fakes(true)
        .compile(&["api/shop.accord"])?;
    Ok(())
}
