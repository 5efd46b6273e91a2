//! Finding `.aether` files for the bulk commands: the walk itself is `project::files`
//! (shared with the language server); here, how artifacts show the paths it found.

pub use crate::project::files::{discover, Found, SKIP_DIRS};
use std::path::Path;

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
