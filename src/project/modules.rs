//! Finding module files: the lookup that `import`, `use`, `call path.fn()` and plugin calls
//! share between the validator and the interpreter.
//!
//! A module path (`sys/util`, `sys/util.aether`) names the file `<dir>/sys/util.aether` in
//! one of the search directories: each `--plugin-path DIR` in order, then the checked file's
//! directory and its parents up to the project root, and never above it. The project root is
//! the nearest directory holding `aether.toml`, else the nearest holding `.git`, else the
//! file's own directory: a script outside any project cannot reach files elsewhere on the
//! machine (`import "tmp/x/secret"` from a script in `/home/u/` does not find `/tmp/x/`).

use std::path::{Path, PathBuf};

/// How many parent directories are searched above the checked file at most.
const MAX_PARENTS: usize = 32;

/// The directories a module of the file `from` is looked up in, in order.
pub fn search_dirs(from: Option<&Path>, plugin_paths: &[PathBuf]) -> Vec<PathBuf> {
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
        let ancestors: Vec<&Path> = start.ancestors().take(MAX_PARENTS).collect();
        let root = ancestors
            .iter()
            .position(|d| d.join("aether.toml").is_file())
            .or_else(|| ancestors.iter().position(|d| d.join(".git").exists()))
            .unwrap_or(0);
        dirs.extend(ancestors[..=root].iter().map(|d| d.to_path_buf()));
    }
    dirs
}

/// The file a module path names, shared by the validator and the interpreter: the first
/// of [`search_dirs`] that holds it.
pub fn find_module(module: &str, from: Option<&Path>, plugin_paths: &[PathBuf]) -> Option<PathBuf> {
    let relative = relative_path(module)?;
    search_dirs(from, plugin_paths)
        .into_iter()
        .map(|d| d.join(&relative))
        .find(|p| p.is_file())
}

/// "a, b and c" for messages that name the search directories.
pub fn describe_dirs(dirs: &[PathBuf]) -> String {
    let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    match names.as_slice() {
        [] => "no directory".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
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
