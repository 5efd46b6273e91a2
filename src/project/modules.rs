//! Finding module files: the lookup that `import`, `use`, `call path.fn()` and plugin calls
//! share between the validator and the interpreter.
//!
//! A module path (`sys/util`, `sys/util.aether`) names the file `<dir>/sys/util.aether` in
//! one of the search directories: each `--plugin-path DIR` in order, then the checked file's
//! directory and its parents up to the repository root (the first directory holding `.git`).

use std::path::{Path, PathBuf};

/// How many parent directories are searched above the checked file at most.
const MAX_PARENTS: usize = 32;

/// The file a module path names, shared by the validator and the interpreter: each
/// `--plugin-path` directory in order, then the directory of the file `from` and its parents up
/// to the repository root (the first directory holding `.git`).
pub fn find_module(module: &str, from: Option<&Path>, plugin_paths: &[PathBuf]) -> Option<PathBuf> {
    let relative = relative_path(module)?;
    let mut dirs = plugin_paths.to_vec();
    let start = from.and_then(Path::parent).map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    });
    if let Some(start) = start {
        let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
        for dir in start.ancestors().take(MAX_PARENTS) {
            dirs.push(dir.to_path_buf());
            if dir.join(".git").exists() {
                break;
            }
        }
    }
    dirs.into_iter()
        .map(|d| d.join(&relative))
        .find(|p| p.is_file())
}

/// `sys/util` -> `sys/util.aether`; rejects absolute paths and `..` so a module path cannot
/// name files outside the search directories.
fn relative_path(module: &str) -> Option<PathBuf> {
    let module = module.trim();
    if module.is_empty() || module.starts_with('/') || module.split('/').any(|c| c == "..") {
        return None;
    }
    let mut path = PathBuf::from(module);
    if path.extension() != Some(std::ffi::OsStr::new("aether")) {
        path.set_extension("aether");
    }
    Some(path)
}

/// The name an import binds when it has no alias: the last path segment without extension
/// (`sys/logger` -> `logger`, `"sys/util.aether"` -> `util`).
pub fn default_binding(module: &str) -> &str {
    let last = module.rsplit('/').next().unwrap_or(module);
    last.strip_suffix(".aether").unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        assert_eq!(
            relative_path("sys/util"),
            Some(PathBuf::from("sys/util.aether"))
        );
        assert_eq!(
            relative_path("sys/util.aether"),
            Some(PathBuf::from("sys/util.aether"))
        );
        assert_eq!(relative_path("../etc/passwd"), None);
        assert_eq!(relative_path("/abs"), None);
        assert_eq!(default_binding("sys/logger"), "logger");
        assert_eq!(default_binding("sys/util.aether"), "util");
    }
}
