//! Generates the Rust code of the order API into `OUT_DIR` (included by `accord::include_api!`).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    accord_codegen::Builder::new()
        .services(["ftgo.order.OrderService"])
        .compile(&["../api/order.accord"])?;
    Ok(())
}
