//! Stage `lsp`: the language server (`aether lsp`), over stdio with JSON-RPC.
//!
//! Takes in: the editor's open documents (full text on every change). Gives out: the CLI's
//! diagnostics for each document (the same parse and `lint::check::diagnose`, with the
//! `aether.toml` the CLI would find for the file), the fixes of `aether check --fix` as code
//! actions (one per diagnostic, "fix all" through `fix::migrate`, and declaring an unknown
//! function in `aether.toml`), hover from the registry behind `aether explain`, the file's own
//! names and the host's, the outline, go to definition and find references (within the file
//! by its scopes, and into and out of modules through imports), workspace symbols, semantic
//! tokens, and completion (keyword arguments inside a call).
//! Depends on: `syntax`, `registry`, `project`, `lint` and `fix`; never on `run`, `bulk` or
//! the CLI.
//!
//! One thread handles every message in order (CRAFT.md, "Language servers"): a check of a
//! 5,000-line file takes milliseconds, so there is nothing to gain from a worker pool yet.
//! A change is applied at once but checked only when no message is waiting (or before the
//! next request), so a burst of keystrokes costs one check of the latest text, not one per
//! keystroke. Semantic tokens and everything about other files are computed on request.
//! Every handler runs under `catch_unwind`: a panic becomes an error response (or, for a
//! notification, a log message) and the server keeps serving.

pub mod document;
mod features;
mod host;
pub mod index;
pub mod semantic;
mod workspace;

use crate::lint::check::{diagnose, Settings};
use crate::syntax::diagnostic::{internal_error, Diagnostic};
use document::{Document, Encoding};
use index::Index;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification as notif, request as req, InitializeParams, Uri};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

/// What one check of a document found: the CLI's diagnostics (fixes included) and the
/// names and outline of the tree.
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    pub index: Index,
}

/// Parse and check `text` as the CLI checks the file at `path` (`lint::check::check_text`
/// does the same two calls), and index its tree. A panic is an X001 diagnostic, as in the
/// CLI.
pub fn analyse(text: &str, path: Option<&std::path::Path>, settings: &Settings) -> Analysis {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let parsed = crate::syntax::parse(text);
        let diagnostics = diagnose(&parsed, path, settings);
        let index = Index::build(text, &parsed.file);
        (diagnostics, index)
    }));
    match result {
        Ok((diagnostics, index)) => Analysis { diagnostics, index },
        Err(payload) => Analysis {
            diagnostics: vec![internal_error(payload)],
            index: Index::default(),
        },
    }
}

/// The names and outline of a file that is not open (a module, a file of the project), with
/// no check: what cross-file navigation needs.
pub fn analyse_names(text: &str) -> Index {
    catch_unwind(AssertUnwindSafe(|| {
        let parsed = crate::syntax::parse(text);
        Index::build(text, &parsed.file)
    }))
    .unwrap_or_default()
}

/// The folders of the workspace: its folders, else its root.
fn workspace_roots(init: &InitializeParams) -> Vec<std::path::PathBuf> {
    let mut roots: Vec<_> = (init.workspace_folders.iter().flatten())
        .filter_map(|f| document::uri_to_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty() {
        roots.extend(init.root_uri.as_ref().and_then(document::uri_to_path));
    }
    roots
}

/// Serve one client on stdin/stdout until it says `exit`: exit status 0 after a `shutdown`,
/// 1 without one (as the protocol asks).
pub fn serve(settings: Settings) -> io::Result<ExitCode> {
    let (connection, io_threads) = Connection::stdio();
    let code = serve_on(&connection, settings)?;
    drop(connection);
    io_threads.join()?;
    Ok(code)
}

fn protocol(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("language server protocol: {e}"))
}

pub fn serve_on(connection: &Connection, settings: Settings) -> io::Result<ExitCode> {
    let (id, params) = connection.initialize_start().map_err(protocol)?;
    let init: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = features::negotiate_encoding(&init);
    let docs_url = features::docs_url(init.initialization_options.as_ref());
    let result = serde_json::json!({
        "capabilities": features::capabilities(encoding),
        "serverInfo": { "name": "aether", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result).map_err(protocol)?;
    // `lsp-server` hands messages over one at a time (a rendezvous channel), so its reader
    // parses the next one only once the last is taken. Taking them at once into a queue of
    // our own lets the reader run ahead while a check runs, so the changes that arrive meanwhile
    // are waiting when it ends and only the latest text is checked.
    let (ahead, incoming) = std::sync::mpsc::channel();
    let receiver = connection.receiver.clone();
    std::thread::spawn(move || {
        while let Ok(m) = receiver.recv() {
            if ahead.send(m).is_err() {
                break;
            }
        }
    });
    let mut server = Server {
        incoming,
        connection,
        settings,
        encoding,
        docs_url,
        workspace: RefCell::new(workspace::Workspace::new(workspace_roots(&init))),
        docs: HashMap::new(),
        dirty: HashSet::new(),
        shutdown: false,
        config_error_shown: false,
    };
    server.log(
        lsp_types::MessageType::INFO,
        format!(
            "aether {} language server started",
            env!("CARGO_PKG_VERSION")
        ),
    );
    Ok(server.main_loop())
}

pub struct Server<'c> {
    connection: &'c Connection,
    /// The client's messages, read ahead of the one being handled.
    incoming: std::sync::mpsc::Receiver<Message>,
    settings: Settings,
    encoding: Encoding,
    /// Where diagnostic codes link to: `docs/diagnostics.md`, `None` when not found.
    docs_url: Option<String>,
    docs: HashMap<Uri, (Document, Analysis)>,
    /// Files on disk, read and indexed on request (definitions in modules, references,
    /// workspace symbols).
    workspace: RefCell<workspace::Workspace>,
    /// Open documents changed since their last check.
    dirty: HashSet<Uri>,
    shutdown: bool,
    /// A broken `aether.toml` is logged once per refresh, not on every keystroke.
    config_error_shown: bool,
}

impl Server<'_> {
    /// The next message; when none is waiting, the changed documents are checked before
    /// blocking (so a burst of changes is checked once, on its last text).
    fn next(&mut self) -> Option<Message> {
        if let Ok(m) = self.incoming.try_recv() {
            return Some(m);
        }
        self.check_dirty();
        self.incoming.recv().ok()
    }

    fn check_dirty(&mut self) {
        let mut dirty: Vec<Uri> = self.dirty.drain().collect();
        dirty.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        for uri in dirty {
            if let Some((doc, _)) = self.docs.remove(&uri) {
                self.check(doc);
            }
        }
    }

    fn main_loop(&mut self) -> ExitCode {
        while let Some(msg) = self.next() {
            match msg {
                Message::Request(r) => {
                    // A request answers about the latest text.
                    self.check_dirty();
                    self.on_request(r)
                }
                Message::Notification(n) if n.method == notif::Exit::METHOD => {
                    return if self.shutdown {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    };
                }
                Message::Notification(n) => self.on_notification(n),
                Message::Response(_) => {}
            }
        }
        // The client went away without `exit`.
        ExitCode::from(1)
    }

    fn send(&self, msg: impl Into<Message>) {
        // The writer thread only stops when the client is gone; nothing is left to tell.
        let _ = self.connection.sender.send(msg.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn log(&self, typ: lsp_types::MessageType, message: String) {
        self.notify::<notif::LogMessage>(lsp_types::LogMessageParams { typ, message });
    }

    fn on_request(&mut self, r: Request) {
        let id = r.id.clone();
        let method = r.method.clone();
        if self.shutdown {
            self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
            return;
        }
        match catch_unwind(AssertUnwindSafe(|| self.handle_request(r))) {
            Ok(resp) => self.send(resp),
            Err(payload) => {
                let what = panic_message(payload);
                let message = format!("internal error while handling {method}: {what}");
                eprintln!("aether lsp: {message}");
                self.log(lsp_types::MessageType::ERROR, message.clone());
                self.send(Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    message,
                ));
            }
        }
    }

    fn on_notification(&mut self, n: Notification) {
        let method = n.method.clone();
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| self.handle_notification(n))) {
            let message = format!(
                "internal error while handling {method}: {}",
                panic_message(payload)
            );
            eprintln!("aether lsp: {message}");
            self.log(lsp_types::MessageType::ERROR, message);
        }
    }

    fn handle_request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Response::new_ok(id, ())
            }
            req::HoverRequest::METHOD => self.answer::<req::HoverRequest>(r, |s, p| {
                let at = &p.text_document_position_params;
                let (d, a) = s.doc(&at.text_document.uri)?;
                let host = host::HostNames::of(&s.settings, d.path.as_deref());
                features::hover(d, a, at.position, s.encoding, &host)
            }),
            req::Completion::METHOD => self.answer::<req::Completion>(r, |s, p| {
                let at = &p.text_document_position;
                let (d, a) = s.doc(&at.text_document.uri)?;
                let host = host::HostNames::of(&s.settings, d.path.as_deref());
                Some(features::completion(d, a, at.position, s.encoding, &host))
            }),
            req::GotoDefinition::METHOD => self.answer::<req::GotoDefinition>(r, |s, p| {
                let at = &p.text_document_position_params;
                let (d, a) = s.doc(&at.text_document.uri)?;
                let offset = d.offset(at.position, s.encoding);
                let mut ws = s.workspace.borrow_mut();
                workspace::definition(
                    &mut ws,
                    &s.docs,
                    &s.settings,
                    d,
                    &a.index,
                    offset,
                    s.encoding,
                )
                .map(lsp_types::GotoDefinitionResponse::Scalar)
            }),
            req::References::METHOD => self.answer::<req::References>(r, |s, p| {
                let at = &p.text_document_position;
                let (d, a) = s.doc(&at.text_document.uri)?;
                let offset = d.offset(at.position, s.encoding);
                let mut ws = s.workspace.borrow_mut();
                let found = workspace::references(
                    &mut ws,
                    &s.docs,
                    &s.settings,
                    d,
                    &a.index,
                    offset,
                    p.context.include_declaration,
                    s.encoding,
                );
                Some(found)
            }),
            req::WorkspaceSymbolRequest::METHOD => {
                self.answer::<req::WorkspaceSymbolRequest>(r, |s, p| {
                    let mut ws = s.workspace.borrow_mut();
                    let found = workspace::symbols(&mut ws, &s.docs, &p.query, s.encoding);
                    Some(lsp_types::WorkspaceSymbolResponse::Flat(found))
                })
            }
            req::SemanticTokensFullRequest::METHOD => self
                .answer::<req::SemanticTokensFullRequest>(r, |s, p| {
                    let (d, _) = s.doc(&p.text_document.uri)?;
                    let tokens = semantic::tokens(d, s.encoding, None);
                    Some(lsp_types::SemanticTokensResult::Tokens(tokens))
                }),
            req::SemanticTokensRangeRequest::METHOD => self
                .answer::<req::SemanticTokensRangeRequest>(r, |s, p| {
                    let (d, _) = s.doc(&p.text_document.uri)?;
                    let tokens = semantic::tokens(d, s.encoding, Some(p.range));
                    Some(lsp_types::SemanticTokensRangeResult::Tokens(tokens))
                }),
            req::DocumentSymbolRequest::METHOD => {
                self.answer::<req::DocumentSymbolRequest>(r, |s, p| {
                    s.doc(&p.text_document.uri)
                        .map(|(d, a)| features::symbols(d, a, s.encoding))
                })
            }
            req::CodeActionRequest::METHOD => self.answer::<req::CodeActionRequest>(r, |s, p| {
                s.doc(&p.text_document.uri).map(|(d, a)| {
                    let ws = s.workspace.borrow();
                    let cx = features::ActionContext {
                        settings: &s.settings,
                        workspace_root: ws.roots.first().map(|p| p.as_path()),
                        encoding: s.encoding,
                        docs_url: s.docs_url.as_deref(),
                    };
                    features::code_actions(d, a, &p, &cx)
                })
            }),
            // A request that panics on purpose, so tests can show that a panic is an error
            // response and not a dead server. Only with AETHER_LSP_TEST_PANIC set.
            "aether/panic" if std::env::var_os("AETHER_LSP_TEST_PANIC").is_some() => {
                panic!("panic requested by aether/panic")
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unsupported request {}", r.method),
            ),
        }
    }

    /// Decode the parameters of `R`, answer with `f`'s result.
    fn answer<R: lsp_types::request::Request>(
        &mut self,
        r: Request,
        f: impl FnOnce(&Self, R::Params) -> R::Result,
    ) -> Response {
        match serde_json::from_value::<R::Params>(r.params) {
            Ok(params) => Response::new_ok(r.id, f(self, params)),
            Err(e) => Response::new_err(
                r.id,
                ErrorCode::InvalidParams as i32,
                format!("invalid parameters for {}: {e}", R::METHOD),
            ),
        }
    }

    fn doc(&self, uri: &Uri) -> Option<(&Document, &Analysis)> {
        self.docs.get(uri).map(|(d, a)| (d, a))
    }

    fn params<N: lsp_types::notification::Notification>(
        &self,
        n: Notification,
    ) -> Option<N::Params> {
        match serde_json::from_value(n.params) {
            Ok(p) => Some(p),
            Err(e) => {
                self.log(
                    lsp_types::MessageType::ERROR,
                    format!("invalid parameters for {}: {e}", N::METHOD),
                );
                None
            }
        }
    }

    fn handle_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Some(p) = self.params::<notif::DidOpenTextDocument>(n) else {
                    return;
                };
                let d = p.text_document;
                let doc = Document::new(d.uri.clone(), d.version, d.text);
                self.check(doc);
            }
            notif::DidChangeTextDocument::METHOD => {
                let Some(p) = self.params::<notif::DidChangeTextDocument>(n) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some((doc, _)) = self.docs.get_mut(&uri) else {
                    return;
                };
                doc.apply(p.text_document.version, p.content_changes, self.encoding);
                self.dirty.insert(uri);
            }
            notif::DidSaveTextDocument::METHOD => {
                // A save may have changed a module or an `aether.toml` that other open
                // files use: read configuration and modules again, check every open file.
                self.refresh();
            }
            notif::DidChangeWatchedFiles::METHOD => self.refresh(),
            notif::DidCloseTextDocument::METHOD => {
                let Some(p) = self.params::<notif::DidCloseTextDocument>(n) else {
                    return;
                };
                let uri = p.text_document.uri;
                self.docs.remove(&uri);
                self.dirty.remove(&uri);
                self.notify::<notif::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
            _ => {}
        }
    }

    /// New settings (nothing cached), then every open document checked again.
    fn refresh(&mut self) {
        self.workspace.borrow_mut().forget();
        self.dirty.clear();
        match self.settings.fresh() {
            Ok(s) => {
                self.settings = s;
                self.config_error_shown = false;
            }
            Err(e) => self.log(lsp_types::MessageType::ERROR, format!("aether: {e}")),
        }
        let docs: Vec<Document> = self.docs.drain().map(|(_, (d, _))| d).collect();
        for doc in docs {
            self.check(doc);
        }
    }

    /// Check a document, keep it, publish its diagnostics.
    fn check(&mut self, doc: Document) {
        let analysis = analyse(&doc.text, doc.path.as_deref(), &self.settings);
        if let (false, Some(e)) = (self.config_error_shown, self.settings.config_error()) {
            // The file was checked without its configuration, as `aether check` does; say
            // why (the CLI stops with exit 2 instead).
            self.config_error_shown = true;
            self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message: format!("aether: {e}"),
            });
        }
        let diagnostics = analysis
            .diagnostics
            .iter()
            .map(|d| features::to_lsp(d, &doc, self.encoding, self.docs_url.as_deref()))
            .collect();
        self.notify::<notif::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
            uri: doc.uri.clone(),
            diagnostics,
            version: Some(doc.version),
        });
        self.docs.insert(doc.uri.clone(), (doc, analysis));
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
