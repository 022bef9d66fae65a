//! `accord lsp`: the language server over stdin and stdout (the `accord-lsp` crate does the
//! work; this only lends it `accord explain`'s texts).

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it (VS Code's client does); stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_: &LspArgs) -> ExitCode {
    let options = accord_lsp::Options {
        explain: crate::explain::explain,
    };
    match accord_lsp::stdio(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: the language server stopped: {}",
                crate::output::escaped(&e.to_string())
            );
            ExitCode::from(2)
        }
    }
}
