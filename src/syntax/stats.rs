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
}

/// Node kinds that are generic fallbacks rather than specific forms.
pub const FALLBACK_KINDS: &[&str] = &["Command", "Phrase"];

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
        if let Ok(v) = serde_json::to_value(&parsed.file) {
            count(&v, &mut s.kinds);
        }
    }
    s
}

fn count(v: &Json, kinds: &mut BTreeMap<String, usize>) {
    match v {
        Json::Object(m) => {
            if let Some(Json::String(k)) = m.get("kind") {
                *kinds.entry(k.clone()).or_default() += 1;
            }
            m.values().for_each(|c| count(c, kinds));
        }
        Json::Array(a) => a.iter().for_each(|c| count(c, kinds)),
        _ => {}
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
