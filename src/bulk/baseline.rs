//! The parse baseline (REFERENCE.md, "Parse baseline"): a snapshot of how every file of a
//! tree checks, in the format of the original `generate_parse_baseline.py`:
//!
//! ```json
//! {"timestamp": "...", "total": 3, "by_code": {"PARSE_ERROR": 1, "SUCCESS": 2},
//!  "failure_rate": 0.3333,
//!  "files": [{"path": "a.aether", "ok": true, "code": 0, "code_name": "SUCCESS",
//!             "line": null, "message": "parse ok"}]}
//! ```
//!
//! Keys are written in exactly that order (struct field order, `preserve_order`). Files are
//! sorted by path, so a baseline built in one run equals the [`merge`] of CI shards that
//! checked the same files, apart from the timestamp.

use crate::lint::check::Outcome;
use crate::syntax::diagnostic::Code;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The code name counted as success in `by_code` and `failure_rate`.
const SUCCESS: &str = "SUCCESS";

/// A whole parse baseline, serialised with its keys in the order of the original tool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// When the baseline was made, UTC like `2025-09-13T10:15:22.123456+00:00`.
    pub timestamp: String,
    /// Number of files (`files.len()`).
    pub total: u64,
    /// Files per code name, sorted by name. Only codes that occur are listed (as the
    /// original's counter does); a reader must treat an absent code as 0.
    pub by_code: BTreeMap<String, u64>,
    /// `(total - by_code["SUCCESS"]) / total`, rounded to 4 decimals; 0 when `total` is 0.
    pub failure_rate: f64,
    /// One entry per file, sorted by path.
    pub files: Vec<FileEntry>,
}

/// How one file checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// The path as the caller gave it.
    pub path: String,
    /// `code == 0`.
    pub ok: bool,
    /// The structured code number (REFERENCE.md, "Structured codes").
    pub code: i32,
    /// The structured code name, e.g. `PARSE_ERROR`.
    pub code_name: String,
    /// 1-based line of the first error; `null` for clean files, IO errors (the file could not
    /// be opened), internal errors and timeouts.
    #[serde(default)]
    pub line: Option<usize>,
    /// The first error's message, `parse ok` for a clean file, `timeout` for a timeout.
    pub message: String,
}

impl FileEntry {
    /// The entry for a checked file: its code, and the line and message of its first error of
    /// the deciding code, exactly as `aether FILE --check --json-status` reports them.
    pub fn from_outcome(path: impl Into<String>, outcome: &Outcome) -> FileEntry {
        let first = outcome.first_error();
        let line = match first {
            // A file that cannot be opened, or a crash, has no line to point at.
            Some(d) if d.has_location() => Some(outcome.lines.line(d.span.start as usize)),
            _ => None,
        };
        FileEntry {
            path: path.into(),
            ok: outcome.code == Code::Success,
            code: outcome.code.number(),
            code_name: outcome.code.name().to_string(),
            line,
            message: first.map_or_else(|| "parse ok".to_string(), |d| d.message.clone()),
        }
    }

    /// The entry for a file whose check did not finish in time:
    /// `{ok: false, code: 23, code_name: "TIMEOUT_ERROR", line: null, message: "timeout"}`.
    pub fn timeout(path: impl Into<String>) -> FileEntry {
        FileEntry {
            path: path.into(),
            ok: false,
            code: Code::TimeoutError.number(),
            code_name: Code::TimeoutError.name().to_string(),
            line: None,
            message: "timeout".to_string(),
        }
    }
}

impl Baseline {
    /// A baseline of these entries, stamped now: entries sorted by path (stable), `total`,
    /// `by_code` and `failure_rate` computed from them. Duplicate paths are kept as given.
    pub fn from_entries(mut files: Vec<FileEntry>) -> Baseline {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut by_code = BTreeMap::new();
        for f in &files {
            *by_code.entry(f.code_name.clone()).or_insert(0u64) += 1;
        }
        let total = files.len() as u64;
        let ok = by_code.get(SUCCESS).copied().unwrap_or(0);
        let failure_rate = if total == 0 {
            0.0
        } else {
            round4((total - ok.min(total)) as f64 / total as f64)
        };
        Baseline {
            timestamp: crate::bulk::timestamp::now_utc(),
            total,
            by_code,
            failure_rate,
            files,
        }
    }
}

/// The baseline of checked files, given as (path, outcome) pairs; see
/// [`FileEntry::from_outcome`] and [`Baseline::from_entries`]. To mix in timed-out files,
/// build the entries with [`FileEntry::timeout`] and call [`Baseline::from_entries`].
pub fn from_outcomes(results: &[(String, &Outcome)]) -> Baseline {
    Baseline::from_entries(
        results
            .iter()
            .map(|(path, outcome)| FileEntry::from_outcome(path.clone(), outcome))
            .collect(),
    )
}

/// Why shards could not be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// The same path occurs twice: in parts `first` and `second` (0-based indices into the
    /// `parts` given to [`merge`]; equal when one part lists the path twice).
    DuplicatePath {
        path: String,
        first: usize,
        second: usize,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::DuplicatePath {
                path,
                first,
                second,
            } if first == second => {
                write!(f, "path '{path}' appears twice in baseline {}", first + 1)
            }
            MergeError::DuplicatePath {
                path,
                first,
                second,
            } => write!(
                f,
                "path '{path}' appears in more than one baseline ({} and {})",
                first + 1,
                second + 1
            ),
        }
    }
}

impl std::error::Error for MergeError {}

/// Merge the baselines of CI shards into one: files concatenated and sorted by path, `total`,
/// `by_code` and `failure_rate` recomputed from the files (the parts' own counts are not
/// trusted), timestamp now. A path listed more than once is an error. No parts give an empty
/// baseline.
pub fn merge(parts: Vec<Baseline>) -> Result<Baseline, MergeError> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut files = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        for entry in part.files {
            if let Some(&first) = seen.get(&entry.path) {
                return Err(MergeError::DuplicatePath {
                    path: entry.path,
                    first,
                    second: i,
                });
            }
            seen.insert(entry.path.clone(), i);
            files.push(entry);
        }
    }
    Ok(Baseline::from_entries(files))
}

/// Why a baseline (or any JSON input of the gate) could not be read. The message names the
/// file.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io { path: PathBuf, source: io::Error },
    /// The file is not JSON of the expected shape.
    Malformed { path: PathBuf, message: String },
}

impl ReadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. } | ReadError::Malformed { path, .. } => path,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ReadError::Malformed { path, message } => {
                write!(f, "{}: malformed baseline: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io { source, .. } => Some(source),
            ReadError::Malformed { .. } => None,
        }
    }
}

/// A JSON file's bytes without a leading UTF-8 byte-order mark. Editors on Windows and
/// PowerShell's `Out-File` write one; JSON parsers refuse it, but it is not part of the data.
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Read a baseline written by [`write_atomic`] (or by the original tool, whose keys may come
/// in any order; a missing `line` reads as `null`). A leading byte-order mark is skipped.
pub fn read(path: impl AsRef<Path>) -> Result<Baseline, ReadError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(without_bom(&bytes)).map_err(|e| ReadError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Write the baseline as pretty JSON (2-space indent, final newline) to a temporary file in
/// the same directory, then rename it over `path`, so readers never see a partial file. The
/// file keeps the permissions of the file it replaces; a new file gets mode 0644 on Unix.
/// Errors name the file.
pub fn write_atomic(path: impl AsRef<Path>, baseline: &Baseline) -> io::Result<()> {
    crate::bulk::artifact::write_json_atomic(path.as_ref(), baseline)
}

/// Round to 4 decimals as Python's `round(x, 4)` does: the exact decimal value of `x`,
/// ties to even (`{:.4}` formats exactly, with ties to even).
pub(crate) fn round4(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.4}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::round4;

    #[test]
    fn rounds_like_python() {
        // Values checked against CPython's round(x, 4).
        assert_eq!(round4(1.0 / 3.0), 0.3333);
        assert_eq!(round4(2.0 / 3.0), 0.6667);
        assert_eq!(round4(0.03125), 0.0312); // an exact tie: to even
        assert_eq!(round4(0.00625), 0.0063);
        assert_eq!(round4(0.0), 0.0);
        assert_eq!(round4(1.0), 1.0);
    }
}
