//! Finding `.aether` files: the walk every bulk command shares.
//!
//! Every `*.aether` regular file under each root, hidden ones included, skipping directories
//! named `.git .hg .svn __pycache__ .venv venv node_modules target build dist` *below* the root
//! (the original tested the absolute path, so a checkout under `/x/build/` found nothing).
//! Explicit file arguments are always included. Entries the walk cannot read (permissions, symlink loops,
//! vanished files) are returned as problems, so callers report them per path and go on.

use std::path::{Path, PathBuf};

pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    "target",
    "build",
    "dist",
];

/// What a walk found: files to check, and paths it could not read (with the reason).
#[derive(Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub problems: Vec<(PathBuf, String)>,
}

pub fn discover(roots: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for root in roots {
        if !root.is_dir() {
            found.files.push(root.clone());
            continue;
        }
        // Symlinks are followed (a linked workflow is checked); a loop is reported by the walk.
        let walker = walkdir::WalkDir::new(root).follow_links(true).into_iter();
        for entry in walker.filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        }) {
            match entry {
                Ok(e) if e.file_type().is_file() && is_aether(e.path()) => {
                    found.files.push(e.into_path())
                }
                // A FIFO or device named `*.aether` would block or never end: report it
                // instead of reading it or skipping it silently.
                Ok(e) if !e.file_type().is_dir() && is_aether(e.path()) => found
                    .problems
                    .push((e.into_path(), "not a regular file; skipped".to_string())),
                Ok(_) => {}
                Err(err) => {
                    let path = err.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    found.problems.push((path, err.to_string()));
                }
            }
        }
    }
    found.files.sort();
    found.files.dedup();
    found.problems.sort();
    found
}

fn is_aether(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "aether")
}

/// `path` relative to `root` with `/` separators, as artifacts show it.
pub fn shown(path: &Path, root: &Path) -> String {
    // A file given as the root is shown as given, not as an empty path.
    let rel = match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel,
        _ => path,
    };
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_tool_directories_below_the_root_only() {
        let dir = tempfile::tempdir().unwrap();
        // The root itself may have a skipped name: a checkout under `target/` is still walked.
        let root = dir.path().join("target");
        for f in [
            "keep.aether",
            "src/keep.aether",
            "node_modules/pkg/skip.aether",
            "target/debug/skip.aether",
            "src/target/skip.aether",
            ".venv/skip.aether",
            "dist/skip.aether",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x = 1\n").unwrap();
        }
        let found = discover(std::slice::from_ref(&root));
        let shown: Vec<String> = found.files.iter().map(|p| shown(p, &root)).collect();
        assert_eq!(shown, ["keep.aether", "src/keep.aether"]);
        assert!(found.problems.is_empty());
    }
}
