mod build;
mod diff;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "accord")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Build(build::BuildArgs),
    Openapi(build::DocumentArgs),
    Proto(build::DocumentArgs),
    Asyncapi(build::DocumentArgs),
    Diff(diff::DiffArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build(a) => build::run(&a),
        Command::Openapi(a) => build::run_openapi(&a),
        Command::Proto(a) => build::run_proto(&a),
        Command::Asyncapi(a) => build::run_asyncapi(&a),
        Command::Diff(a) => diff::run(&a),
    }
}
