//! Generates the Rust code of every FTGO service into `OUT_DIR` (included by
//! `accord::include_api!`): types, traits, REST and messaging skeletons and proxies.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new().compile(&[
        "../api/order.accord",
        "../api/consumer.accord",
        "../api/kitchen.accord",
        "../api/accounting.accord",
    ])?;
    Ok(())
}
