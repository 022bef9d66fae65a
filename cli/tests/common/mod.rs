//! What every end-to-end test of the `accord` binary needs: running it, finding the workspace,
//! reading its output.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the built `accord` binary with `args` from `dir`.
pub fn accord_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the accord binary runs")
}

/// Runs the built `accord` binary with `args` from the crate's folder.
pub fn accord(args: &[&str]) -> Output {
    accord_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The FTGO example APIs' folder, as an argument.
pub fn ftgo() -> String {
    arg(&root().join("examples/ftgo/api"))
}

pub fn arg(path: &Path) -> String {
    path.display().to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}
