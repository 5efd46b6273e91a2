//! `aether parse --stats`: node kinds counted over files, so grammar coverage can be measured
//! on any corpus. Generic fallbacks (free text, the generic command) and `Error` nodes are
//! counted on their own lines.

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Default)]
pub struct Stats {
    pub files: usize,
    pub files_with_errors: usize,
    pub unreadable: usize,
    pub kinds: BTreeMap<String, usize>,
    /// Command lines by dialect: (lines, generic ones).
    pub commands: BTreeMap<&'static str, (usize, usize)>,
}

/// Node kinds that are generic fallbacks rather than specific forms. A command whose verb
/// has a frame (`syntax::frames`) is counted as `FramedCommand`, a specific form.
pub const FALLBACK_KINDS: &[&str] = &["Command", "Phrase"];

/// Statements that are command lines (NeuroCode, English and `$var` dialects).
const COMMAND_LINES: &[&str] = &["Command", "Remember", "Recall", "Think"];

pub fn collect(files: &[PathBuf]) -> Stats {
    let mut s = Stats::default();
    for f in files {
        let crate::syntax::source::Loaded::Text(text) = crate::syntax::source::load(f) else {
            s.unreadable += 1;
            continue;
        };
        s.files += 1;
        let parsed = crate::syntax::parse(&text);
        if parsed.has_errors() {
            s.files_with_errors += 1;
        }
        // One top-level statement at a time: the file node itself has no kind, and the JSON
        // of a whole large file took many times its size (1.41 GB for 10.5 MB).
        for stmt in &parsed.file.stmts {
            if let Ok(v) = serde_json::to_value(stmt) {
                count(&v, &mut s.kinds);
                command_lines(&v, &mut s.commands);
            }
        }
    }
    s
}

fn count(v: &Json, kinds: &mut BTreeMap<String, usize>) {
    match v {
        Json::Object(m) => {
            if let Some(Json::String(k)) = m.get("kind") {
                let k = if k == "Command" && m.contains_key("frame") {
                    "FramedCommand"
                } else {
                    k.as_str()
                };
                *kinds.entry(k.to_string()).or_default() += 1;
            }
            m.values().for_each(|c| count(c, kinds));
        }
        Json::Array(a) => a.iter().for_each(|c| count(c, kinds)),
        _ => {}
    }
}

/// Counts command lines and the generic ones among them, by dialect: a line that uses a
/// `$var` is of the `$var` dialect, any other of NeuroCode (with the English lines).
fn command_lines(v: &Json, out: &mut BTreeMap<&'static str, (usize, usize)>) {
    match v {
        Json::Object(m) => {
            if let Some(Json::String(k)) = m.get("kind") {
                if COMMAND_LINES.contains(&k.as_str()) {
                    let dialect = if has_kind(v, "Var") {
                        "$var"
                    } else {
                        "NeuroCode"
                    };
                    let generic = k == "Command" && !m.contains_key("frame");
                    let e = out.entry(dialect).or_default();
                    e.0 += 1;
                    e.1 += usize::from(generic);
                }
            }
            m.values().for_each(|c| command_lines(c, out));
        }
        Json::Array(a) => a.iter().for_each(|c| command_lines(c, out)),
        _ => {}
    }
}

fn has_kind(v: &Json, kind: &str) -> bool {
    match v {
        Json::Object(m) => {
            m.get("kind").and_then(Json::as_str) == Some(kind)
                || m.values().any(|c| has_kind(c, kind))
        }
        Json::Array(a) => a.iter().any(|c| has_kind(c, kind)),
        _ => false,
    }
}

impl Stats {
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "files: {} ({} with errors, {} unreadable)",
            self.files, self.files_with_errors, self.unreadable
        )?;
        let total: usize = self.kinds.values().sum();
        writeln!(out, "nodes: {total}")?;
        writeln!(out, "\nspecific node kinds:")?;
        for (k, n) in &self.kinds {
            if !FALLBACK_KINDS.contains(&k.as_str()) && k != "Error" {
                writeln!(out, "  {k:<20} {n}")?;
            }
        }
        writeln!(out, "\ngeneric fallbacks:")?;
        for k in FALLBACK_KINDS {
            writeln!(
                out,
                "  {k:<20} {}",
                self.kinds.get(*k).copied().unwrap_or(0)
            )?;
        }
        writeln!(out, "\ncommand lines by dialect (generic share):")?;
        for (dialect, (lines, generic)) in &self.commands {
            let share = if *lines == 0 {
                0.0
            } else {
                100.0 * *generic as f64 / *lines as f64
            };
            writeln!(
                out,
                "  {dialect:<20} {lines} lines, {generic} generic ({share:.1}%)"
            )?;
        }
        writeln!(out, "\nerror nodes:")?;
        writeln!(
            out,
            "  {:<20} {}",
            "Error",
            self.kinds.get("Error").copied().unwrap_or(0)
        )?;
        Ok(())
    }
}
