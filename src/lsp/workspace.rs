//! What spans files: definitions in a module, references through imports, and workspace
//! symbols.
//!
//! The project's files are the `.aether` files `aether check DIR` finds under the workspace
//! folders (`project::files`), plus the open ones. An open file is read from the editor's
//! text, any other from disk; a file read from disk is indexed once and kept until a save or
//! a watched-file change (`Workspace::forget`), never on the didChange path. Modules are
//! found as the CLI finds them (`project::modules::find_module`, with the file's
//! `plugin-path`), so only inside the project root.

// `Uri` keys: their interior mutability is a cache of parsed parts; hashing and equality
// use the string, so the server's map of open documents is sound.
#![allow(clippy::mutable_key_type)]

use crate::lint::check::Settings;
use crate::lsp::document::{path_to_uri_string, Document, Encoding};
use crate::lsp::index::{Def, DefKind, Index, Symbol, SymbolKind, UseKind};
use crate::lsp::Analysis;
use crate::project::modules::find_module;
use crate::syntax::source::{self, Loaded};
use crate::syntax::span::Span;
use lsp_types as lsp;
use lsp_types::Uri;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

pub type OpenDocs = HashMap<Uri, (Document, Analysis)>;

/// A file read from disk and indexed.
pub struct Indexed {
    pub doc: Document,
    pub index: Index,
}

/// A file of the project: the editor's if open, else the one on disk.
pub enum View<'a> {
    Open(&'a Document, &'a Index),
    Disk(Rc<Indexed>),
}

impl View<'_> {
    pub fn doc(&self) -> &Document {
        match self {
            View::Open(d, _) => d,
            View::Disk(i) => &i.doc,
        }
    }

    pub fn index(&self) -> &Index {
        match self {
            View::Open(_, i) => i,
            View::Disk(i) => &i.index,
        }
    }

    fn location(&self, span: Span, enc: Encoding) -> lsp::Location {
        lsp::Location {
            uri: self.doc().uri.clone(),
            range: self.doc().range(span, enc),
        }
    }
}

#[derive(Default)]
pub struct Workspace {
    pub roots: Vec<PathBuf>,
    files: Option<Vec<PathBuf>>,
    disk: HashMap<PathBuf, Rc<Indexed>>,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

impl Workspace {
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Workspace {
            roots,
            ..Workspace::default()
        }
    }

    /// Files on disk may have changed: walk and read them again when next needed.
    pub fn forget(&mut self) {
        self.files = None;
        self.disk.clear();
    }

    /// The project's files: those under the workspace folders, then the open ones outside
    /// them.
    pub fn files(&mut self, open: &OpenDocs) -> Vec<PathBuf> {
        let roots = &self.roots;
        let found = self.files.get_or_insert_with(|| {
            crate::project::files::discover(roots)
                .files
                .into_iter()
                .map(|p| canonical(&p))
                .collect()
        });
        let mut files = found.clone();
        for (doc, _) in open.values() {
            if let Some(p) = &doc.path {
                let p = canonical(p);
                if !files.contains(&p) {
                    files.push(p);
                }
            }
        }
        files
    }

    pub fn view<'a>(&mut self, path: &Path, open: &'a OpenDocs) -> Option<View<'a>> {
        let path = canonical(path);
        let opened = open
            .values()
            .find(|(d, _)| d.path.as_deref().is_some_and(|p| canonical(p) == path));
        if let Some((d, a)) = opened {
            return Some(View::Open(d, &a.index));
        }
        if let Some(i) = self.disk.get(&path) {
            return Some(View::Disk(i.clone()));
        }
        let Loaded::Text(text) = source::load(&path) else {
            return None;
        };
        let uri = Uri::from_str(&path_to_uri_string(&path)).ok()?;
        let index = crate::lsp::analyse_names(&text);
        let indexed = Rc::new(Indexed {
            doc: Document::new(uri, 0, text),
            index,
        });
        self.disk.insert(path, indexed.clone());
        Some(View::Disk(indexed))
    }
}

/// The module file an import or module path of `file` names, as the CLI finds it.
fn module_file(settings: &Settings, file: Option<&Path>, module: &str) -> Option<PathBuf> {
    let dirs = settings.plugin_paths_for(file);
    find_module(module, file, &dirs).map(|p| canonical(&p))
}

/// The module a `Member` or `Path` use goes through, as written in `index`'s file: an
/// import's module, or (for `call`) the path itself.
fn module_of(index: &Index, kind: &UseKind, at: usize) -> Option<String> {
    match kind {
        UseKind::Name => None,
        UseKind::Member { object } => match &index.resolve(object, at)?.kind {
            DefKind::Import { module, .. } => Some(module.clone()),
            _ => None,
        },
        UseKind::Path { module } => match index.resolve(module, at).map(|d| &d.kind) {
            Some(DefKind::Import { module, .. }) => Some(module.clone()),
            _ => Some(module.clone()),
        },
    }
}

/// What a name at a place denotes: a definition in some file of the project.
pub struct Target {
    /// The file that defines it (`None`: the requesting document, not on disk).
    pub path: Option<PathBuf>,
    pub def: Def,
}

/// The definition under the cursor: a module function through an import (`util.f`, `call
/// util.f`), the module file of an import's path, or a name of this file by its scopes.
pub enum Found {
    Def(Target),
    /// The start of a module file.
    Module(PathBuf),
}

pub fn find(
    ws: &mut Workspace,
    open: &OpenDocs,
    settings: &Settings,
    doc: &Document,
    index: &Index,
    offset: usize,
) -> Option<Found> {
    let file = doc.path.as_deref();
    if let Some(u) = index.use_at(offset) {
        if u.kind != UseKind::Name {
            let module = module_of(index, &u.kind, u.span.start as usize)?;
            let path = module_file(settings, file, &module)?;
            let view = ws.view(&path, open)?;
            let def = view.index().export(&u.name)?.clone();
            return Some(Found::Def(Target {
                path: Some(path),
                def,
            }));
        }
    }
    let at = offset as u32;
    let import_path = index.defs.iter().find_map(|d| match &d.kind {
        DefKind::Import { module, path } if path.start <= at && at <= path.end => Some(module),
        _ => None,
    });
    if let Some(module) = import_path {
        return module_file(settings, file, module).map(Found::Module);
    }
    let word = crate::lsp::features::word_at(&doc.text, offset)?;
    let def = index.def_at(&doc.text[word.range()], offset)?.clone();
    Some(Found::Def(Target {
        path: file.map(canonical),
        def,
    }))
}

/// The file that defines `target`: the requesting document itself (its text and index as
/// the editor has them, and its own URI, even when it has no path on disk), else that file
/// as the project sees it.
fn defining<'a>(
    ws: &mut Workspace,
    open: &'a OpenDocs,
    doc: &'a Document,
    index: &'a Index,
    target: &Target,
) -> Option<View<'a>> {
    match &target.path {
        Some(p) if doc.path.as_deref().map(canonical).as_ref() != Some(p) => ws.view(p, open),
        _ => Some(View::Open(doc, index)),
    }
}

pub fn definition(
    ws: &mut Workspace,
    open: &OpenDocs,
    settings: &Settings,
    doc: &Document,
    index: &Index,
    offset: usize,
    enc: Encoding,
) -> Option<lsp::Location> {
    match find(ws, open, settings, doc, index, offset)? {
        Found::Module(path) => {
            let uri = Uri::from_str(&path_to_uri_string(&path)).ok()?;
            Some(lsp::Location {
                uri,
                range: lsp::Range::default(),
            })
        }
        Found::Def(t) => Some(defining(ws, open, doc, index, &t)?.location(t.def.span, enc)),
    }
}

/// Every place that names the definition under the cursor: in its own file by the scopes,
/// and, for a function a module exports, the calls through imports in every file of the
/// project.
#[allow(clippy::too_many_arguments)]
pub fn references(
    ws: &mut Workspace,
    open: &OpenDocs,
    settings: &Settings,
    doc: &Document,
    index: &Index,
    offset: usize,
    declaration: bool,
    enc: Encoding,
) -> Vec<lsp::Location> {
    let Some(Found::Def(target)) = find(ws, open, settings, doc, index, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(v) = defining(ws, open, doc, index, &target) {
        for s in v.index().references(&target.def, declaration) {
            out.push(v.location(s, enc));
        }
    }
    let (Some(defined_in), DefKind::Function { exported: true, .. }) =
        (&target.path, &target.def.kind)
    else {
        return out;
    };
    for file in ws.files(open) {
        let Some(v) = ws.view(&file, open) else {
            continue;
        };
        let uses = v.index().uses.iter().filter(|u| u.name == target.def.name);
        for u in uses {
            let Some(module) = module_of(v.index(), &u.kind, u.span.start as usize) else {
                continue;
            };
            if module_file(settings, Some(&file), &module).as_ref() == Some(defined_in) {
                out.push(v.location(u.span, enc));
            }
        }
    }
    out
}

/// rust-analyzer's matching, roughly: the query's characters in order, ignoring case;
/// names that hold the query as one piece first.
fn matches(name: &str, query: &str) -> Option<u8> {
    let (name, query) = (name.to_lowercase(), query.to_lowercase());
    if name.contains(&query) {
        return Some(0);
    }
    let mut chars = name.chars();
    query.chars().all(|q| chars.any(|c| c == q)).then_some(1)
}

/// How many symbols one answer holds at most (rust-analyzer's default is 128).
const MAX_SYMBOLS: usize = 256;

#[allow(deprecated)]
pub fn symbols(
    ws: &mut Workspace,
    open: &OpenDocs,
    query: &str,
    enc: Encoding,
) -> Vec<lsp::SymbolInformation> {
    fn walk(
        v: &View<'_>,
        s: &Symbol,
        container: Option<&str>,
        query: &str,
        enc: Encoding,
        out: &mut Vec<(u8, lsp::SymbolInformation)>,
    ) {
        if let Some(score) = matches(&s.name, query) {
            out.push((
                score,
                lsp::SymbolInformation {
                    name: s.name.clone(),
                    kind: protocol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    location: v.location(s.selection, enc),
                    container_name: container.map(str::to_string),
                },
            ));
        }
        for c in &s.children {
            walk(v, c, Some(&s.name), query, enc, out);
        }
    }
    let mut found = Vec::new();
    for file in ws.files(open) {
        if let Some(v) = ws.view(&file, open) {
            for s in &v.index().symbols {
                walk(&v, s, None, query, enc, &mut found);
            }
        }
    }
    // Stable: file order within a score.
    found.sort_by_key(|(score, _)| *score);
    found
        .into_iter()
        .take(MAX_SYMBOLS)
        .map(|(_, s)| s)
        .collect()
}

pub fn protocol_kind(kind: SymbolKind) -> lsp::SymbolKind {
    match kind {
        SymbolKind::Plugin => lsp::SymbolKind::MODULE,
        SymbolKind::Function => lsp::SymbolKind::FUNCTION,
        SymbolKind::Block => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Handler => lsp::SymbolKind::EVENT,
        SymbolKind::Goal => lsp::SymbolKind::STRING,
        SymbolKind::Section => lsp::SymbolKind::NAMESPACE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_queries_match_in_order_ignoring_case() {
        assert_eq!(matches("warm_cache", "cache"), Some(0));
        assert_eq!(matches("warm_cache", "wc"), Some(1));
        assert_eq!(matches("warm_cache", "WCH"), Some(1));
        assert_eq!(matches("warm_cache", "cw"), None);
        assert_eq!(matches("anything", ""), Some(0));
    }
}
