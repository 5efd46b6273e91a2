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

#[derive(Default)]
pub struct ModuleCache {
    plugin_paths: Vec<PathBuf>,
    parsed: Mutex<HashMap<PathBuf, Arc<Exports>>>,
}

impl ModuleCache {
    pub fn new(plugin_paths: Vec<PathBuf>) -> Self {
        ModuleCache {
            plugin_paths,
            parsed: Mutex::default(),
        }
    }

    /// The exports of the module `module` imported from `from` (the checked file), if its file
    /// can be found and read.
    pub fn resolve(&self, module: &str, from: Option<&Path>) -> Option<Arc<Exports>> {
        let file = find_module(module, from, &self.plugin_paths)?;
        let key = file.canonicalize().unwrap_or(file);
        if let Some(found) = self.lock().get(&key) {
            return Some(found.clone());
        }
        let exports = Arc::new(read_exports(&key)?);
        self.lock().insert(key, exports.clone());
        Some(exports)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Exports>>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.parsed.lock().unwrap_or_else(|e| e.into_inner())
    }
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
