//! Generates the Rust code of the order API (REST and gRPC) into `OUT_DIR` (included by `accord::include_api!`).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use accord_codegen::rust::Transport;
    accord_codegen::Builder::new()
        .services(["ftgo.order.OrderService"])
        .transports([Transport::Rest, Transport::Grpc])
        .compile(&["../api/order.accord"])?;
    Ok(())
}
