//! `aether parse --stats`: node kinds counted over files, so grammar coverage can be measured
//! on any corpus. Generic fallbacks (free text, the generic command) and `Error` nodes are
//! counted on their own lines.

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
        // One top-level statement at a time, written as JSON text into one buffer and read
        // back in a single pass: building a `serde_json::Value` of each statement took three
        // quarters of `aether parse --stats` on one large file.
        let mut json = Vec::new();
        for stmt in &parsed.file.stmts {
            json.clear();
            if serde_json::to_writer(&mut json, stmt).is_ok() {
                scan(&json, &mut s.kinds, &mut s.commands);
            }
        }
    }
    s
}

/// An object or array open in `scan`.
#[derive(Default)]
struct Open<'j> {
    object: bool,
    /// The object's `"kind"`, if its value is a string.
    kind: Option<std::borrow::Cow<'j, str>>,
    /// Whether the object has a `"frame"` key.
    frame: bool,
    /// Whether a node of kind `Var` is inside (or is this object).
    var: bool,
}

/// Counts, in the JSON text of one statement, every object's `"kind"` (a `Command` with a
/// `"frame"` key as `FramedCommand`) and, for command lines, their dialect: a line with a
/// `Var` node anywhere inside it is of the `$var` dialect.
fn scan<'j>(
    json: &'j [u8],
    kinds: &mut BTreeMap<String, usize>,
    commands: &mut BTreeMap<&'static str, (usize, usize)>,
) {
    let mut open: Vec<Open<'j>> = Vec::new();
    let mut expect_key = false;
    // The value being read is that of a `"kind"` key.
    let mut kind_value = false;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        // A value other than a string after `"kind":` leaves the object without a kind.
        if kind_value && !matches!(b, b'"' | b':' | b' ') {
            if let Some(o) = open.last_mut() {
                o.kind = None;
            }
            kind_value = false;
        }
        match b {
            b'{' | b'[' => {
                open.push(Open {
                    object: b == b'{',
                    ..Open::default()
                });
                expect_key = b == b'{';
                i += 1;
            }
            b'}' | b']' => {
                let Some(done) = open.pop() else { return };
                let var = done.var || done.kind.as_deref() == Some("Var");
                if let Some(k) = &done.kind {
                    let k: &str = if k == "Command" && done.frame {
                        "FramedCommand"
                    } else {
                        k
                    };
                    match kinds.get_mut(k) {
                        Some(n) => *n += 1,
                        None => {
                            kinds.insert(k.to_string(), 1);
                        }
                    }
                    if COMMAND_LINES.contains(&k) || k == "FramedCommand" {
                        let dialect = if var { "$var" } else { "NeuroCode" };
                        let generic = k == "Command";
                        let e = commands.entry(dialect).or_default();
                        e.0 += 1;
                        e.1 += usize::from(generic);
                    }
                }
                if let Some(outer) = open.last_mut() {
                    outer.var |= var;
                }
                expect_key = false;
                i += 1;
            }
            b',' => {
                expect_key = open.last().is_some_and(|o| o.object);
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut end = start;
                let mut escaped = false;
                while end < json.len() && json[end] != b'"' {
                    escaped |= json[end] == b'\\';
                    end += if json[end] == b'\\' { 2 } else { 1 };
                }
                let raw = &json[start..end.min(json.len())];
                i = end + 1;
                let text: std::borrow::Cow<'j, str> = if escaped {
                    let quoted = &json[start - 1..(end + 1).min(json.len())];
                    serde_json::from_slice::<String>(quoted)
                        .unwrap_or_default()
                        .into()
                } else {
                    String::from_utf8_lossy(raw)
                };
                let Some(o) = open.last_mut() else { continue };
                if expect_key {
                    expect_key = false;
                    match &*text {
                        "kind" => kind_value = true,
                        "frame" => o.frame = true,
                        _ => {}
                    }
                } else if kind_value {
                    o.kind = Some(text);
                    kind_value = false;
                }
            }
            _ => i += 1,
        }
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
