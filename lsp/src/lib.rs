//! The Accord language server (`accord lsp`): the Language Server Protocol over stdio, answered
//! from the compiler's own syntax trees, `Model` and diagnostics (`accord-idl`). There is no
//! second parser: what the editor shows is what `accord check` reports.
//!
//! ```text
//! client ──didOpen/didChange──> documents ──compile_again──> Compilation ──> diagnostics
//!        <──answers────────────  index (names → model items), built once per check, on demand
//! ```
//!
//! One file per concept: `server` (the loop), `documents` (open buffers), `workspace` (files,
//! the loader, the latest compilation), `disk` (the walk and the bounded reads), `index`
//! (where every name leads), `position` (offsets and UTF-16 positions), then one file per
//! request family.

mod actions;
mod complete;
mod diagnostics;
mod disk;
pub mod documents;
mod format;
mod hover;
mod index;
mod navigate;
pub mod position;
mod rename;
mod server;
mod symbols;
mod tokens;
mod workspace;

use lsp_server::Connection;
use std::path::PathBuf;

/// What the caller (the `accord` binary) lends the server.
#[derive(Clone, Copy)]
pub struct Options {
    /// The text `accord explain CODE` prints, linked from each diagnostic.
    pub explain: fn(&str) -> Option<String>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Serves one client on stdin and stdout until it exits.
pub fn stdio(options: Options) -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection, options)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// Serves one client on `connection`: the handshake, then the loop until `exit`.
pub fn serve(connection: &Connection, options: Options) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp_types::InitializeParams = serde_json::from_value(params)?;
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(lsp_types::ServerInfo {
            name: "accord".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    server::Server::new(connection, folders(&params), options).run()
}

/// The workspace folders the client names (else its root, else none: open files only).
#[allow(deprecated)] // `root_uri` and `root_path`: what older clients send instead of folders.
fn folders(params: &lsp_types::InitializeParams) -> Vec<PathBuf> {
    let folders = params.workspace_folders.iter().flatten().map(|f| &f.uri);
    let mut out: Vec<PathBuf> = folders.filter_map(workspace::path_of).collect();
    if out.is_empty() {
        out.extend(params.root_uri.as_ref().and_then(workspace::path_of));
    }
    if out.is_empty() {
        out.extend(params.root_path.as_ref().map(PathBuf::from));
    }
    out
}

fn capabilities() -> lsp_types::ServerCapabilities {
    use lsp_types::*;
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["@".into(), ".".into(), "\"".into()]),
            ..Default::default()
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}
