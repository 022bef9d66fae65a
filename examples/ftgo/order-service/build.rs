//! Generates the Rust code of the order API into `OUT_DIR` (included by `accord::include_api!`).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new()
        .services(["ftgo.order.OrderService"])
        // The services the order service `uses` are named by qualified name without an import
        // (their files import this one), so their files are roots too.
        .compile(&[
            "../api/order.accord",
            "../api/consumer.accord",
            "../api/kitchen.accord",
            "../api/accounting.accord",
        ])?;
    Ok(())
}
