//! Finding `.aether` files: the walk `aether check DIR`, every bulk command and the language
//! server's workspace share (here, below `bulk` and `lsp`, so both can use it).
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
