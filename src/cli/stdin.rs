//! `-` in place of a file: source read from stdin, named by `--stdin-filename` (as in ruff).

use aether::syntax::diagnostic::{rules, Diagnostic};
use aether::syntax::source::{self, Loaded, MAX_SOURCE_BYTES};
use aether::syntax::span::Span;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What source read from stdin is called without `--stdin-filename`. It is taken to be a
/// file in the current directory: configuration and modules are looked up from there.
pub const STDIN_NAME: &str = "<stdin>";

pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Source read from stdin.
pub struct Stdin {
    /// Where it is taken to be (`--stdin-filename`, else `<stdin>`): shown in diagnostics,
    /// and where its `aether.toml` and modules are looked up from.
    pub path: PathBuf,
    pub loaded: Loaded,
}

impl Stdin {
    pub fn shown(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The text, when it was read and is UTF-8.
    pub fn text(&self) -> Option<&str> {
        match &self.loaded {
            Loaded::Text(t) => Some(t),
            Loaded::Failed { .. } => None,
        }
    }
}

/// Read all of stdin (at most `MAX_SOURCE_BYTES`, as for a file).
pub fn read(name: Option<&Path>) -> Stdin {
    let path = name.map_or_else(|| PathBuf::from(STDIN_NAME), Path::to_path_buf);
    let mut bytes = Vec::new();
    let failed = |reason: String| Loaded::Failed {
        diagnostic: Diagnostic::new(
            &rules::IO_ERROR,
            Span::empty(0),
            format!("cannot read stdin: {reason}"),
        ),
        text: String::new(),
    };
    let loaded = match io::stdin()
        .lock()
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
    {
        Err(e) => failed(e.to_string()),
        Ok(_) if bytes.len() as u64 > MAX_SOURCE_BYTES => failed(format!(
            "larger than {} MiB, the most a source file may hold",
            MAX_SOURCE_BYTES >> 20
        )),
        Ok(_) => source::decode(bytes),
    };
    Stdin { path, loaded }
}
