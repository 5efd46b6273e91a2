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
    // `Path`'s order splits both paths into components at every comparison (2% of a bulk
    // check of 4,000 files); the same order from keys built once per path.
    found.files.sort_by_cached_key(|p| order_key(p));
    found.files.dedup();
    found.problems.sort();
    found
}

/// A byte string that sorts as `Path`'s `Ord` does: for each component, its kind in
/// `Component`'s declaration order, its bytes, and a 0 that ends it (so a component sorts
/// before every longer one it begins, and a path before the paths below it). A Windows
/// prefix sorts by its text, where `Path` compares its parsed parts.
fn order_key(p: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
    for c in p.components() {
        let (kind, bytes) = match c {
            Component::Prefix(x) => (1, x.as_os_str().as_encoded_bytes()),
            Component::RootDir => (2, &[][..]),
            Component::CurDir => (3, &[][..]),
            Component::ParentDir => (4, &[][..]),
            Component::Normal(x) => (5, x.as_encoded_bytes()),
        };
        key.push(kind);
        key.extend_from_slice(bytes);
        key.push(0);
    }
    key
}

fn is_aether(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "aether")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_as_paths_do() {
        let names = [
            "a",
            "a/b",
            "a-b",
            "a.b",
            "a/b/c",
            "a/-",
            "a/.x",
            "-x",
            "/a",
            "/",
            "./a",
            "../a",
            "..",
            ".",
            "a/../b",
            "b",
            "B",
            "a//b",
            "a/./b",
            "é/a",
            "z",
            "a b/c",
            "a/b.aether",
            "a/b-c.aether",
            "a/b/c.aether",
            "/-",
            "/a/b",
            ".hidden/x",
        ];
        let paths: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        for a in &paths {
            for b in &paths {
                assert_eq!(
                    order_key(a).cmp(&order_key(b)),
                    a.cmp(b),
                    "{} vs {}",
                    a.display(),
                    b.display()
                );
            }
        }
    }
}
