//! `aether verify`: every workflow under a root, its signature verified and its syntax tree
//! scanned for risk; the Markdown report `aether_static_report.md` of REFERENCE.md.
//!
//! A file fails when its signature fails (unsigned only in strict mode; a present signature
//! that does not verify always), when its risk score is above the threshold, or, with
//! `fail_on_any_risk`, when it has any finding.

use crate::bulk::discover::{discover, shown};
use crate::trust::risk::{self, Finding};
use crate::trust::sign::{Trust, Verdict};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Config {
    pub root: PathBuf,
    pub strict: bool,
    /// A file scoring above it fails (default 5).
    pub risk_threshold: u32,
    pub fail_on_any_risk: bool,
    /// Globs over the path relative to the root (or the file name) of files to skip.
    pub exclude: Vec<String>,
    /// How many findings per file the report lists (the score counts all of them).
    pub max_findings_per_file: usize,
}

pub struct FileResult {
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub score: u32,
}

pub struct Report {
    pub strict: bool,
    pub risk_threshold: u32,
    pub fail_on_any_risk: bool,
    pub max_findings_per_file: usize,
    pub files: Vec<FileResult>,
}

pub fn compile_excludes(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| format!("bad --exclude glob `{g}`: {}", e.kind()))?);
    }
    b.build().map_err(|e| e.to_string())
}

/// Verifies and scans every file. Unreadable files fail with their reason.
pub fn run(cfg: &Config, trust: &Trust) -> Result<Report, String> {
    let excludes = compile_excludes(&cfg.exclude)?;
    let found = discover(std::slice::from_ref(&cfg.root));
    let files: Vec<&PathBuf> = found
        .files
        .iter()
        .filter(|p| {
            let rel = p.strip_prefix(&cfg.root).unwrap_or(p);
            !(excludes.is_match(rel) || p.file_name().is_some_and(|n| excludes.is_match(n)))
        })
        .collect();
    let mut results: Vec<FileResult> = files
        .par_iter()
        .map(|p| verify_file(p, &cfg.root, trust))
        .collect();
    for (p, why) in &found.problems {
        results.push(FileResult {
            path: shown(p, &cfg.root),
            verdict: Verdict::Unreadable(why.clone()),
            findings: Vec::new(),
            score: 0,
        });
    }
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Report {
        strict: cfg.strict,
        risk_threshold: cfg.risk_threshold,
        fail_on_any_risk: cfg.fail_on_any_risk,
        max_findings_per_file: cfg.max_findings_per_file,
        files: results,
    })
}

pub fn verify_file(path: &Path, root: &Path, trust: &Trust) -> FileResult {
    let shown = shown(path, root);
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            return FileResult {
                path: shown,
                verdict: Verdict::Unreadable("not valid UTF-8".into()),
                findings: Vec::new(),
                score: 0,
            }
        }
        Err(e) => {
            return FileResult {
                path: shown,
                verdict: Verdict::Unreadable(e.to_string()),
                findings: Vec::new(),
                score: 0,
            }
        }
    };
    let verdict = trust.verify_text(&text);
    let parsed = crate::syntax::parse(text.strip_prefix('\u{feff}').unwrap_or(&text));
    let findings = risk::analyse(&parsed);
    let score = risk::score(&findings);
    FileResult {
        path: shown,
        verdict,
        findings,
        score,
    }
}

impl Report {
    pub fn signature_failures(&self) -> impl Iterator<Item = &FileResult> {
        self.files.iter().filter(|f| f.verdict.fails(self.strict))
    }

    /// Files that fail the risk rule.
    pub fn risky(&self) -> impl Iterator<Item = &FileResult> {
        self.files.iter().filter(|f| {
            f.score > self.risk_threshold || (self.fail_on_any_risk && !f.findings.is_empty())
        })
    }

    pub fn total_score(&self) -> u64 {
        self.files.iter().map(|f| u64::from(f.score)).sum()
    }

    /// A signed HMAC file and no secret: the run cannot judge it (a usage error, exit 2).
    pub fn needs_secret(&self) -> bool {
        self.files.iter().any(|f| f.verdict == Verdict::NoSecret)
    }

    pub fn ok(&self) -> bool {
        self.signature_failures().next().is_none() && self.risky().next().is_none()
    }

    pub fn markdown(&self) -> String {
        let mut md = String::from("# Aether Static Verification Report\n\n");
        let sig_failed = self.signature_failures().count();
        let risky = self.risky().count();
        let _ = writeln!(
            md,
            "Files: {}  Signature failures: {sig_failed}  Risky files: {risky}  Result: {}\n",
            self.files.len(),
            if self.ok() { "PASS" } else { "FAIL" }
        );
        md += if self.strict {
            "## Signature Verification (strict)\n\n"
        } else {
            "## Signature Verification\n\n"
        };
        for f in &self.files {
            let status = match &f.verdict {
                Verdict::Valid { .. } => "OK".to_string(),
                Verdict::Unsigned if !self.strict => "UNSIGNED".to_string(),
                v => format!("FAIL ({})", v.reason()),
            };
            let _ = writeln!(md, "- {}: {status}", f.path);
        }
        md += "\n## Static Risk Analysis\n\n";
        let _ = writeln!(
            md,
            "Total risk score: {} (a file scoring above {} fails{})\n",
            self.total_score(),
            self.risk_threshold,
            if self.fail_on_any_risk {
                "; any finding fails"
            } else {
                ""
            }
        );
        let mut ranked: Vec<&FileResult> = self.files.iter().filter(|f| f.score > 0).collect();
        ranked.sort_by(|a, b| b.score.cmp(&a.score).then(a.path.cmp(&b.path)));
        md += "### Top risky files\n\n";
        if ranked.is_empty() {
            md += "None.\n";
        }
        for (i, f) in ranked.iter().take(5).enumerate() {
            let _ = writeln!(md, "{}. {}: {}", i + 1, f.path, f.score);
        }
        md += "\n### Findings\n";
        for f in self.files.iter().filter(|f| !f.findings.is_empty()) {
            let _ = writeln!(md, "\n#### {} (score {})\n", f.path, f.score);
            for finding in f.findings.iter().take(self.max_findings_per_file) {
                let _ = writeln!(
                    md,
                    "- L{}: [{}] {}",
                    finding.line,
                    finding.kind.name(),
                    finding.snippet.replace('`', "'")
                );
            }
            let more = f.findings.len().saturating_sub(self.max_findings_per_file);
            if more > 0 {
                let _ = writeln!(md, "- ... and {more} more");
            }
        }
        md
    }
}
