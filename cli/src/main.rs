//! The `accord` command. Each subcommand lives in its own module and only gathers options,
//! reads files and prints; the work happens in `accord-idl` and `accord-codegen`.

mod alloc;
mod build;
mod check;
mod diff;
mod dlq;
mod explain;
mod fmt;
mod inputs;
mod lsp;
mod output;
mod publish;
mod token;
mod watch;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// The front end and the emitters allocate many small, short-lived values on every core; mimalloc
// serves them with thread-local free lists where glibc's malloc contends and consolidates.
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

/// Accord: describe a service once, in a small `.accord` file, and generate the rest.
///
/// A `.accord` file declares a service's operations, the events it publishes and the message
/// channels they travel on. Accord checks it strictly, then emits OpenAPI 3, protobuf,
/// AsyncAPI 3, JSON Schema, a reference, and typed Rust clients and servers.
///
/// Exit codes: 0 success (warnings allowed), 1 errors in the sources or a failed check,
/// 2 usage or I/O problems.
#[derive(Parser, Debug)]
#[command(name = "accord", version, about, long_about, propagate_version = true)]
#[command(after_help = "\
Examples:
  accord check examples/ftgo/api              check every .accord file in a folder
  accord check api/order.accord --format json machine-readable diagnostics
  accord fmt api/                             rewrite files in the canonical layout
  accord fmt --check api/                     list files that are not formatted (exit 1)
  accord build api/ --out gen                 every target into gen/<target>/
  accord build api/ --out gen --target rust   only the Rust module tree
  accord build api/ --out gen --watch         build again on every change (Ctrl-C stops)
  accord openapi api/ --service OrderService  print one service's OpenAPI document
  accord openapi api/ --format json           every document, as one JSON array
  accord diff git:main:api api                is the declared version bump enough?
  accord explain A0301                        what a diagnostic code means, how to fix it
  accord lsp                                  the language server, for editors (stdio)
  accord dlq list ftgo.kitchen.commands --broker nats://localhost:4222
                                              a channel's dead letters, oldest first
  accord token --secret-env SECRET --scope orders:write --aud ftgo.order.OrderService
                                              a development JWT to call a secured service

The language: docs/language.md. Every diagnostic code: `accord explain CODE` (docs/errors.md).")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check sources and report every error and warning with its place.
    ///
    /// Follows imports, resolves every name and checks every rule of the language. All
    /// independent problems are reported in one run, syntax errors included.
    Check(check::CheckArgs),
    /// Format sources in place into the one canonical layout, keeping every comment.
    Fmt(fmt::FmtArgs),
    /// Generate targets (OpenAPI, protobuf, AsyncAPI, JSON Schema, docs, Rust) into a folder.
    ///
    /// Each target is written into `<out>/<target>/` and replaces what was there only once all
    /// of it is written, so a failed run never leaves half an output behind.
    Build(build::BuildArgs),
    /// Print the OpenAPI 3.0 documents (one per service with HTTP operations).
    Openapi(build::DocumentArgs),
    /// Print the protobuf files (one per package).
    Proto(build::DocumentArgs),
    /// Print the AsyncAPI 3 documents (one per service that uses channels).
    Asyncapi(build::DocumentArgs),
    /// Compare two versions of an API: which bump does each change need, and is the declared
    /// version bump enough?
    Diff(diff::DiffArgs),
    /// Explain a diagnostic code (`A0301`) or an evolution rule of `accord diff`
    /// (`field-added`): what it means and how to fix it.
    Explain(explain::ExplainArgs),
    /// Run the language server (Language Server Protocol over stdin and stdout) for editors:
    /// diagnostics as you type, formatting, go to definition, rename, hover, completion.
    Lsp(lsp::LspArgs),
    /// List, show and replay the dead letters of a channel on a running broker (NATS or
    /// RabbitMQ).
    Dlq(dlq::DlqArgs),
    /// Sign a development JWT (HS256 with a secret, RS256/ES256 with a PEM key) with the given
    /// subject, scopes, audience and issuer, to try a secured service by hand.
    Token(token::TokenArgs),
}

fn main() -> ExitCode {
    match &Cli::parse().command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Build(args) if args.watch => watch::run(args),
        Command::Build(args) => build::run(args),
        Command::Openapi(args) => build::run_openapi(args),
        Command::Proto(args) => build::run_proto(args),
        Command::Asyncapi(args) => build::run_asyncapi(args),
        Command::Diff(args) => diff::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Dlq(args) => dlq::run(args),
        Command::Token(args) => token::run(args),
    }
}
