//! The functions imported modules define, for checking calls through an import.
//!
//! Module files are found by `crate::project::modules` (the same lookup the interpreter uses).
//! Each module file is parsed once per run; the cache is shared by the threads of a bulk check.

use crate::project::modules::find_module;
use crate::syntax::ast::StmtKind;
use crate::syntax::source::{self, Loaded};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The functions a module defines: top-level declarations and the functions of its plugins.
#[derive(Debug, Default)]
pub struct Exports {
    pub path: PathBuf,
    pub functions: BTreeSet<String>,
}

impl Exports {
    pub fn has(&self, name: &str) -> bool {
        self.functions.contains(name)
    }
}

/// Where the module a directory's files import by one path was found (`None`: nowhere).
type Found = HashMap<(PathBuf, String), Option<PathBuf>>;

#[derive(Default)]
pub struct ModuleCache {
    plugin_paths: Vec<PathBuf>,
    /// The lookup depends only on the importing file's directory: remembered per directory,
    /// it costs a bulk check a few system calls per directory instead of a dozen per import.
    found: Mutex<Found>,
    parsed: Mutex<HashMap<PathBuf, Arc<Exports>>>,
}

impl ModuleCache {
    pub fn new(plugin_paths: Vec<PathBuf>) -> Self {
        ModuleCache {
            plugin_paths,
            found: Mutex::default(),
            parsed: Mutex::default(),
        }
    }

    /// The exports of the module `module` imported from `from` (the checked file), if its file
    /// can be found and read.
    pub fn resolve(&self, module: &str, from: Option<&Path>) -> Option<Arc<Exports>> {
        let key = match from.and_then(Path::parent) {
            Some(dir) => {
                let lookup = (dir.to_path_buf(), module.to_string());
                let known = lock(&self.found).get(&lookup).cloned();
                known.unwrap_or_else(|| {
                    let found = self.find(module, from);
                    lock(&self.found).insert(lookup, found.clone());
                    found
                })
            }
            None => self.find(module, from),
        }?;
        if let Some(found) = lock(&self.parsed).get(&key) {
            return Some(found.clone());
        }
        let exports = Arc::new(read_exports(&key)?);
        lock(&self.parsed).insert(key, exports.clone());
        Some(exports)
    }

    /// The module's file, by its canonical path (one file reached by two paths is read once).
    fn find(&self, module: &str, from: Option<&Path>) -> Option<PathBuf> {
        let file = find_module(module, from, &self.plugin_paths)?;
        Some(file.canonicalize().unwrap_or(file))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a map that is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_exports(path: &Path) -> Option<Exports> {
    let Loaded::Text(text) = source::load(path) else {
        return None;
    };
    let parsed = crate::syntax::parse(&text);
    let mut functions = BTreeSet::new();
    for stmt in &parsed.file.stmts {
        match &stmt.node {
            StmtKind::Function { name, .. } => {
                functions.insert(name.node.to_string());
            }
            StmtKind::Plugin { body, .. } => {
                for s in &body.stmts {
                    if let StmtKind::Function { name, .. } = &s.node {
                        functions.insert(name.node.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Some(Exports {
        path: path.to_path_buf(),
        functions,
    })
}
