//! The server loop: one thread reads the connection in order, applies edits to the document
//! store, checks the workspace when the edits stop arriving (or before answering a request, so
//! every answer sees the latest text), publishes the diagnostics that changed, and answers
//! requests from the latest compilation.
//!
//! Edits are never reordered: notifications are handled in the order they arrive. A burst of
//! `didChange`s costs one check: the loop drains what is already queued before checking.

use crate::diagnostics::{self, Explainer};
use crate::workspace::{self, Workspace};
use crate::{Options, actions, complete, format, hover, navigate, rename, symbols, tokens};
use crossbeam_channel::TryRecvError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{PublishDiagnosticsParams, Url};
use std::collections::HashMap;
use std::path::PathBuf;

type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Server<'c> {
    connection: &'c Connection,
    workspace: Workspace,
    explainer: Explainer,
    /// What each file's diagnostics were when last published (absent: none).
    published: HashMap<Url, Vec<lsp_types::Diagnostic>>,
    /// An edit arrived since the last check.
    dirty: bool,
    /// `shutdown` was asked: only `exit` is expected now.
    shutdown: bool,
}

impl<'c> Server<'c> {
    pub fn new(connection: &'c Connection, folders: Vec<PathBuf>, options: Options) -> Server<'c> {
        Server {
            connection,
            workspace: Workspace::new(folders),
            explainer: Explainer::new(options.explain),
            published: HashMap::new(),
            dirty: true,
            shutdown: false,
        }
    }

    /// Until `shutdown` and `exit`, or the client hangs up.
    pub fn run(mut self) -> Result<(), Error> {
        loop {
            let message = if self.dirty {
                match self.connection.receiver.try_recv() {
                    Ok(m) => m,
                    Err(TryRecvError::Empty) => {
                        self.check()?;
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => return Ok(()),
                }
            } else {
                match self.connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                }
            };
            match message {
                Message::Request(request) if request.method == req::Shutdown::METHOD => {
                    // Clients may ask twice (Neovim does, when it quits after stopping the
                    // client): each is answered; `exit` ends the loop.
                    self.shutdown = true;
                    let response = Response::new_ok(request.id, ());
                    self.connection.sender.send(Message::Response(response))?;
                }
                Message::Request(request) if self.shutdown => {
                    let message = "the server is shutting down".to_string();
                    let code = ErrorCode::InvalidRequest as i32;
                    let response = Response::new_err(request.id, code, message);
                    self.connection.sender.send(Message::Response(response))?;
                }
                Message::Notification(n) if n.method == notif::Exit::METHOD => return Ok(()),
                Message::Request(request) => {
                    if self.dirty {
                        self.check()?;
                    }
                    let response = self.request(request);
                    self.connection.sender.send(Message::Response(response))?;
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(_) => {}
            }
        }
    }

    /// Checks the workspace and publishes the diagnostics that changed.
    fn check(&mut self) -> Result<(), Error> {
        self.dirty = false;
        let compiled = self.workspace.check();
        let mut now: HashMap<Url, Vec<lsp_types::Diagnostic>> = HashMap::new();
        for (file, found) in diagnostics::by_file(compiled, &mut self.explainer) {
            if let Some(uri) = compiled.uri(file) {
                now.insert(uri, found);
            }
        }
        let mut messages = Vec::new();
        for (uri, found) in &now {
            let before = self.published.get(uri).map_or(&[][..], Vec::as_slice);
            if before != found.as_slice() {
                messages.push((uri.clone(), found.clone()));
            }
        }
        for uri in self.published.keys() {
            if !now.contains_key(uri) {
                messages.push((uri.clone(), Vec::new()));
            }
        }
        now.retain(|_, found| !found.is_empty());
        self.published = now;
        for (uri, diagnostics) in messages {
            let version = workspace::path_of(&uri)
                .and_then(|p| self.workspace.documents.get(&p).map(|d| d.version));
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            let n = Notification::new(notif::PublishDiagnostics::METHOD.into(), params);
            self.connection.sender.send(Message::Notification(n))?;
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) {
        let docs = &mut self.workspace.documents;
        let changed = match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => parse::<notif::DidOpenTextDocument>(n.params)
                .is_some_and(|p| {
                    let doc = p.text_document;
                    workspace::path_of(&doc.uri)
                        .map(|path| docs.open(path, doc.text, doc.version))
                        .is_some()
                }),
            notif::DidChangeTextDocument::METHOD => parse::<notif::DidChangeTextDocument>(n.params)
                .is_some_and(|p| {
                    let doc = p.text_document;
                    workspace::path_of(&doc.uri)
                        .is_some_and(|path| docs.change(&path, doc.version, p.content_changes))
                }),
            notif::DidCloseTextDocument::METHOD => parse::<notif::DidCloseTextDocument>(n.params)
                .is_some_and(|p| {
                    workspace::path_of(&p.text_document.uri).is_some_and(|path| docs.close(&path))
                }),
            notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => {
                self.workspace.rescan();
                true
            }
            _ => false,
        };
        self.dirty |= changed;
    }

    fn request(&mut self, request: Request) -> Response {
        let Some(c) = self.workspace.compiled() else {
            let message = "the workspace has not been checked yet".to_string();
            return Response::new_err(request.id, ErrorCode::ContentModified as i32, message);
        };
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::Formatting::METHOD => answer::<req::Formatting>(request, |p| format::format(c, p)),
            req::DocumentSymbolRequest::METHOD => {
                answer::<req::DocumentSymbolRequest>(request, |p| Ok(symbols::document(c, p)))
            }
            req::WorkspaceSymbolRequest::METHOD => {
                answer::<req::WorkspaceSymbolRequest>(request, |p| Ok(symbols::workspace(c, p)))
            }
            req::FoldingRangeRequest::METHOD => {
                answer::<req::FoldingRangeRequest>(request, |p| Ok(symbols::folding(c, p)))
            }
            req::GotoDefinition::METHOD => {
                answer::<req::GotoDefinition>(request, |p| Ok(navigate::definition(c, p)))
            }
            req::References::METHOD => {
                answer::<req::References>(request, |p| Ok(navigate::references(c, p)))
            }
            req::PrepareRenameRequest::METHOD => {
                answer::<req::PrepareRenameRequest>(request, |p| rename::prepare(c, p))
            }
            req::Rename::METHOD => answer::<req::Rename>(request, |p| rename::rename(c, p)),
            req::HoverRequest::METHOD => {
                answer::<req::HoverRequest>(request, |p| Ok(hover::hover(c, p)))
            }
            req::Completion::METHOD => {
                answer::<req::Completion>(request, |p| Ok(complete::completion(c, p)))
            }
            req::SemanticTokensFullRequest::METHOD => {
                answer::<req::SemanticTokensFullRequest>(request, |p| Ok(tokens::full(c, p)))
            }
            req::CodeActionRequest::METHOD => {
                answer::<req::CodeActionRequest>(request, |p| Ok(actions::actions(c, p)))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request `{}`", request.method),
            )),
        };
        respond(id, result)
    }
}

fn parse<N: lsp_types::notification::Notification>(params: serde_json::Value) -> Option<N::Params> {
    serde_json::from_value(params).ok()
}

type Answer = Result<serde_json::Value, (ErrorCode, String)>;

/// Decodes the parameters of `R`, answers, encodes the result; a handler's `Err` is a request
/// the server refuses (a rename that would collide), reported to the user by the client.
fn answer<R: lsp_types::request::Request>(
    request: Request,
    handler: impl FnOnce(R::Params) -> Result<R::Result, String>,
) -> Answer {
    let params: R::Params = serde_json::from_value(request.params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))?;
    let result = handler(params).map_err(|message| (ErrorCode::RequestFailed, message))?;
    serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

fn respond(id: RequestId, result: Answer) -> Response {
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}
