//! Generates the Rust code of every FTGO service into `OUT_DIR` (included by
//! `accord::include_api!`): types, traits, and the REST, messaging and gRPC skeletons and
//! proxies (with the gRPC reflection descriptors, compiled from the emitted `.proto` in Rust).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use accord_codegen::rust::Transport;
    accord_codegen::Builder::new()
        .transports([Transport::Rest, Transport::Messaging, Transport::Grpc])
        // The services' tests run participants as fakes (`saga_fakes.rs`).
        .fakes(true)
        .compile(&[
            "../api/order.accord",
            "../api/consumer.accord",
            "../api/kitchen.accord",
            "../api/accounting.accord",
        ])?;
    Ok(())
}
