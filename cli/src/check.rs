//! `accord check`: compile the sources and report every diagnostic.

use crate::inputs;
use crate::output::{DiagnosticFormat, report, usage_error};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// `.accord` files, or folders searched (recursively) for them. Imports are followed.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,

    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,

    /// Another folder imports may come from (repeatable). Imports always may come from the
    /// folders named in FILES and the folders of the files named there, and nowhere else.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub include: Vec<PathBuf>,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let mut inputs = match inputs::expand(&args.files, &args.include) {
        Ok(inputs) => inputs,
        Err(message) => return usage_error(&message, args.format),
    };
    let compilation = accord_idl::compile_in(&inputs.files, &inputs.include, &mut inputs.loader);
    report(&compilation.sources, &compilation.diagnostics, args.format);
    let warned = compilation.warnings().next().is_some();
    let failed = compilation.has_errors() || (args.deny_warnings && warned);
    // The process ends next: freeing a large API's model value by value takes longer than
    // letting the OS reclaim the pages at exit (rustc leaks its arenas for the same reason).
    std::mem::forget(compilation);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
