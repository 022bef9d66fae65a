//! Writes the benchmark API into a folder, for timing the `accord` binary against `protoc`:
//! `cargo run --release -p accord-idl --example synth -- target/bench-api`

use accord_idl::synth::{SynthConfig, large_api};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/bench-api".into()),
    );
    for (path, text) in large_api(SynthConfig::benchmark()) {
        let path = out.join(path);
        std::fs::create_dir_all(path.parent().expect("synth paths have a folder"))?;
        std::fs::write(&path, text)?;
    }
    println!("wrote the benchmark API to {}", out.display());
    Ok(())
}
