//! `aether classify`: check every workflow, run the ones that pass, and classify the failures
//! into the artifacts of the original `classify_aether_workflow_failures.py` (REFERENCE.md):
//! `workflow_failures.json`, `workflow_failures.md`, history snapshots and `trends.json`, plus
//! `trends.svg`.
//!
//! Fingerprints are the first 16 hex digits of SHA-256 over
//! `"<category>|<line or ->|<first line of the error text>"`, where the error text starts with
//! the first error's message, so a fingerprint can be recomputed from the artifact. A timeout's
//! text starts with `Timeout executing workflow` and has no line, so the same workflow timing
//! out at different places keeps one fingerprint.

use crate::bulk::{artifact, discover};
use crate::lint::check::{self, Outcome, Settings};
use crate::project::config::ConfigSource;
use crate::run::{self, MemorySpec, RunOptions};
use crate::syntax::diagnostic::{Code, Diagnostic};
use crate::trust::risk;
use crate::trust::sign::{Trust, Verdict};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Config {
    pub root: PathBuf,
    pub output: PathBuf,
    pub markdown: PathBuf,
    /// 0 = all files; else the first N in sorted order.
    pub limit: usize,
    pub jobs: usize,
    pub timeout: Duration,
    pub history_dir: PathBuf,
    pub suppressions: PathBuf,
    pub plugin_paths: Vec<PathBuf>,
    /// Where `aether.toml` comes from (`--config`, `--isolated`, else discovery).
    pub config: ConfigSource,
}

#[derive(Serialize, Clone)]
pub struct Workflow {
    pub path: String,
    pub ok: bool,
    pub category: String,
    pub error: Option<String>,
    /// `true` for a valid signature, `false` for none or one that fails (as `aether verify`
    /// judges it, with the `[trust]` of the root's `aether.toml`); `null` when the file
    /// cannot be read, or it is HMAC-signed and there is no secret to check it with.
    pub signature_verified: Option<bool>,
    /// The static risk score of `aether verify`; `null` when the file cannot be read.
    pub risk_score: Option<u32>,
    pub code: i32,
    pub code_name: &'static str,
    pub phase: &'static str,
    pub line: Option<usize>,
    pub fingerprint: Option<String>,
    pub suppressed: bool,
}

#[derive(Serialize)]
pub struct Category {
    pub count: usize,
    pub examples: Vec<String>,
}

#[derive(Serialize)]
pub struct Summary {
    pub total: usize,
    pub failed: usize,
    pub failure_rate: f64,
    pub suppressed_failures: usize,
    pub categories: BTreeMap<String, Category>,
    pub timestamp: String,
}

#[derive(Serialize)]
pub struct Report {
    pub workflows: Vec<Workflow>,
    pub summary: Summary,
}

/// `sha256("<category>|<line or ->|<message>")[..16]`
pub fn fingerprint(category: &str, line: Option<usize>, message: &str) -> String {
    let line = line.map_or_else(|| "-".to_string(), |l| l.to_string());
    let digest = Sha256::digest(format!("{category}|{line}|{message}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The suppression file: per line, strip; skip blank and `#` lines; the first
/// whitespace-separated token, kept when it has at least 8 characters.
pub fn parse_suppressions(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|t| t.chars().count() >= 8)
        .map(String::from)
        .collect()
}

/// Round to 4 decimals exactly as the original's `round(x, 4)` (ties to even), shared with
/// the baseline so both artifacts agree.
pub fn round4(x: f64) -> f64 {
    crate::bulk::baseline::round4(x)
}

/// The diagnostics as plain text: `line:col: severity[ID]: message` lines, first error first.
fn error_text(o: &Outcome, first: &Diagnostic, path: &str) -> String {
    let mut out = first.message.clone();
    for d in &o.diagnostics {
        let (l, c) = o.lines.line_col(&o.text, d.span.start as usize);
        let sev = if d.is_error() { "error" } else { "warning" };
        out.push_str(&format!(
            "\n{path}:{l}:{c}: {sev}[{}]: {}",
            d.rule.id, d.message
        ));
    }
    out
}

fn line_of(o: &Outcome, d: &Diagnostic) -> Option<usize> {
    d.has_location()
        .then(|| o.lines.line(d.span.start as usize))
}

/// Check one file and, when it passes, run it with the timeout and a store that is not kept;
/// verify its signature and score its risk.
pub fn classify_file(
    path: &Path,
    shown: &str,
    settings: &Settings,
    cfg: &Config,
    trust: &Trust,
) -> Workflow {
    let opts = RunOptions {
        timeout: Some(cfg.timeout),
        max_steps: run::DEFAULT_MAX_STEPS,
        deterministic: false,
        plugin_paths: settings.plugin_paths_for(Some(path)),
        memory: MemorySpec::InMemory,
        memory_quota: run::memory::DEFAULT_QUOTA,
        host: settings.host_for(Some(path)),
        until: run::DEFAULT_UNTIL,
    };
    // One read and one parse: a file that does not check is reported with phase `read` or
    // `parse`, one that does is run. The risk is scored on the tree the check sees.
    let validate = check::before_run(path, settings);
    let risk_score = Cell::new(None);
    let check_and_score = |parsed: &crate::syntax::Parsed<'_>| {
        risk_score.set(Some(risk::score(&risk::analyse(parsed))));
        validate(parsed)
    };
    let ran = run::run_file(path, &opts, &check_and_score, &mut std::io::sink());
    let phase = ran.phase;
    let signature_verified = match phase {
        "read" => None,
        _ => match trust.verify_text(&ran.text) {
            Verdict::Valid { .. } => Some(true),
            Verdict::NoSecret | Verdict::Unreadable(_) => None,
            _ => Some(false),
        },
    };
    let outcome = Outcome {
        code: ran.code,
        diagnostics: ran.diagnostics,
        text: ran.text,
        lines: ran.lines,
    };
    let code = outcome.code;
    let mut w = Workflow {
        path: shown.to_string(),
        ok: code == Code::Success,
        category: code.name().to_string(),
        error: None,
        signature_verified,
        risk_score: risk_score.get(),
        code: code.number(),
        code_name: code.name(),
        phase,
        line: None,
        fingerprint: None,
        suppressed: false,
    };
    if code == Code::Success {
        return w;
    }
    let first = outcome
        .diagnostics
        .iter()
        .find(|d| d.is_error() && d.code() == code)
        .or_else(|| outcome.diagnostics.first());
    let Some(first) = first else {
        w.error = Some(code.name().to_string());
        w.fingerprint = Some(fingerprint(&w.category, None, code.name()));
        return w;
    };
    let mut text = error_text(&outcome, first, shown);
    let mut line = line_of(&outcome, first);
    if code == Code::TimeoutError && phase == "execute" {
        w.category = "Timeout".into();
        text = format!("Timeout executing workflow\n{text}");
        line = None;
    }
    let first_line = text.lines().next().unwrap_or_default().to_string();
    w.fingerprint = Some(fingerprint(&w.category, line, &first_line));
    w.line = line;
    w.error = Some(text);
    w
}

pub fn classify(cfg: &Config) -> std::io::Result<Report> {
    use rayon::prelude::*;
    let found = discover::discover(std::slice::from_ref(&cfg.root));
    let mut files = found.files;
    if cfg.limit > 0 {
        files.truncate(cfg.limit);
    }
    let config_error = |e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let settings = Settings::new(cfg.plugin_paths.clone(), false)
        .with_config(cfg.config.clone())
        .map_err(config_error)?;
    settings
        .load_configs(files.iter().map(PathBuf::as_path))
        .map_err(config_error)?;
    // One trust policy for the tree, as `aether verify --root` takes it.
    let trust_settings = settings
        .config_for_dir(&cfg.root)
        .map_err(config_error)?
        .map(|c| c.trust.clone())
        .unwrap_or_default();
    let trust = Trust::load(
        trust_settings.trusted_keys.as_deref(),
        trust_settings.revoked.as_deref(),
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .stack_size(crate::syntax::STACK_SIZE)
        .build()
        .map_err(std::io::Error::other)?;
    let mut workflows: Vec<Workflow> = pool.install(|| {
        files
            .par_iter()
            .map(|p| classify_file(p, &discover::shown(p, &cfg.root), &settings, cfg, &trust))
            .collect()
    });
    // Paths the walk could not read are failures too, never silently dropped.
    for (p, reason) in found.problems {
        let shown = discover::shown(&p, &cfg.root);
        let message = format!("cannot read '{shown}': {reason}");
        workflows.push(Workflow {
            fingerprint: Some(fingerprint("IO_ERROR", None, &message)),
            path: shown,
            ok: false,
            category: "IO_ERROR".into(),
            error: Some(message),
            signature_verified: None,
            risk_score: None,
            code: Code::IoError.number(),
            code_name: Code::IoError.name(),
            phase: "read",
            line: None,
            suppressed: false,
        });
    }
    workflows.sort_by(|a, b| a.path.cmp(&b.path));
    let suppressions = match std::fs::read_to_string(&cfg.suppressions) {
        Ok(t) => parse_suppressions(&t),
        Err(_) => HashSet::new(),
    };
    for w in &mut workflows {
        if let Some(f) = &w.fingerprint {
            if suppressions.contains(f) {
                w.suppressed = true;
                w.category = format!("Suppressed-{}", w.category);
            }
        }
    }
    Ok(Report {
        summary: summarize(&workflows),
        workflows,
    })
}

fn summarize(workflows: &[Workflow]) -> Summary {
    let total = workflows.len();
    let failed = workflows.iter().filter(|w| !w.ok).count();
    let mut categories: BTreeMap<String, Category> = BTreeMap::new();
    for w in workflows {
        let c = categories.entry(w.category.clone()).or_insert(Category {
            count: 0,
            examples: Vec::new(),
        });
        c.count += 1;
        if c.examples.len() < 5 {
            c.examples.push(w.path.clone());
        }
    }
    Summary {
        total,
        failed,
        failure_rate: if total == 0 {
            0.0
        } else {
            round4(failed as f64 / total as f64)
        },
        suppressed_failures: workflows.iter().filter(|w| w.suppressed).count(),
        categories,
        timestamp: crate::bulk::timestamp::now_utc(),
    }
}

pub fn markdown(report: &Report, trends_svg: Option<&str>) -> String {
    let s = &report.summary;
    let mut out = String::from("# Workflow Failure Classification\n\n");
    out.push_str(&format!(
        "Total: {}  Failures: {}  Failure Rate: {:.2}%\n\n",
        s.total,
        s.failed,
        s.failure_rate * 100.0
    ));
    out.push_str("| Category | Count | Example(s) |\n|---|---|---|\n");
    for (name, c) in &s.categories {
        let examples: Vec<String> = c.examples.iter().map(|e| e.replace('|', "\\|")).collect();
        out.push_str(&format!(
            "| {name} | {} | {} |\n",
            c.count,
            examples.join(", ")
        ));
    }
    if s.suppressed_failures > 0 {
        out.push_str(&format!(
            "\nSuppressed failures: {} (still counted as failures)\n",
            s.suppressed_failures
        ));
    }
    if let Some(svg) = trends_svg {
        out.push_str(&format!("\n![Failures over time]({svg})\n"));
    }
    out
}

/// One point of `trends.json`.
#[derive(Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct TrendPoint {
    pub file: String,
    pub timestamp: String,
    pub failed: usize,
    pub total: usize,
}

/// `2026-11-26T17:40:01.123456+00:00` -> `20261126T174001`
pub fn snapshot_stamp(timestamp: &str) -> String {
    timestamp
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect()
}

/// The lock file of a history folder (see [`write_history`]).
pub const HISTORY_LOCK: &str = ".aether-history.lock";

/// Write the snapshot, update `trends.json` (last 20) and draw `trends.svg`.
///
/// Several runs may write into one folder at once (CI jobs sharing a workspace). Snapshot names
/// have one-second resolution, so a name is taken only if no file has it, atomically
/// (`_2`, `_3`, ... otherwise): no run overwrites another's snapshot. The trends are a
/// read-modify-write of `trends.json`, done under the folder's lock ([`HISTORY_LOCK`]) so
/// that no run's point is lost.
pub fn write_history(dir: &Path, report: &Report, json: &[u8]) -> std::io::Result<Vec<TrendPoint>> {
    let stamp = snapshot_stamp(&report.summary.timestamp);
    std::fs::create_dir_all(dir)?;
    let _lock = artifact::lock_dir(dir, HISTORY_LOCK)?;
    let mut n = 1;
    let name = loop {
        let name = if n == 1 {
            format!("{stamp}_classification.json")
        } else {
            format!("{stamp}_{n}_classification.json")
        };
        match artifact::write_new_atomic(&dir.join(&name), json) {
            Ok(()) => break name,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("cannot write {}: {e}", dir.join(&name).display()),
                ))
            }
        }
    };
    let trends_path = dir.join("trends.json");
    let mut points: Vec<TrendPoint> = match std::fs::read(&trends_path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(p) => p,
            Err(_) => {
                // Never lose history: an unreadable trends file is kept beside the new one.
                let aside = dir.join(format!("trends.json.unreadable-{stamp}"));
                std::fs::rename(&trends_path, &aside)?;
                Vec::new()
            }
        },
        Err(_) => Vec::new(),
    };
    points.push(TrendPoint {
        file: name,
        timestamp: report.summary.timestamp.clone(),
        failed: report.summary.failed,
        total: report.summary.total,
    });
    let keep = points.len().saturating_sub(20);
    points.drain(..keep);
    let mut text = serde_json::to_vec_pretty(&points).map_err(std::io::Error::other)?;
    text.push(b'\n');
    artifact::write_atomic(&trends_path, &text)?;
    artifact::write_atomic(&dir.join("trends.svg"), trends_svg(&points).as_bytes())?;
    Ok(points)
}

/// A small line chart of failed and total workflows over the snapshots.
pub fn trends_svg(points: &[TrendPoint]) -> String {
    let (w, h, pad) = (640.0_f64, 240.0_f64, 40.0_f64);
    let max = points.iter().map(|p| p.total).max().unwrap_or(0).max(1) as f64;
    let n = points.len();
    let x = |i: usize| {
        if n <= 1 {
            w / 2.0
        } else {
            pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: usize| h - pad - (h - 2.0 * pad) * v as f64 / max;
    let line = |pick: &dyn Fn(&TrendPoint) -> usize| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(pick(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    svg.push_str("<title>aether classify: failed and total workflows per snapshot</title>\n");
    svg.push_str(&format!(
        "<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"#999\"/>\n",
        h - pad,
        w - pad,
        h - pad,
        h - pad
    ));
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
        pad - 4.0,
        pad + 4.0,
        max as usize,
        pad - 4.0,
        h - pad + 4.0
    ));
    for (label, color, pick) in [
        (
            "total",
            "#4a7ebb",
            &(|p: &TrendPoint| p.total) as &dyn Fn(&TrendPoint) -> usize,
        ),
        ("failed", "#c0392b", &|p: &TrendPoint| p.failed),
    ] {
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
            line(pick)
        ));
        for (i, p) in points.iter().enumerate() {
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{label}: {} ({})</title></circle>\n",
                x(i),
                y(pick(p)),
                pick(p),
                p.timestamp
            ));
        }
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"20\" fill=\"#4a7ebb\">total</text>\n<text x=\"{}\" y=\"20\" fill=\"#c0392b\">failed</text>\n</svg>\n",
        w - 120.0,
        w - 70.0
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_fingerprint_vectors() {
        assert_eq!(
            fingerprint("VALIDATION_ERROR", Some(3), "unknown function 'frobnicate'"),
            "0fc06892209fea06"
        );
        assert_eq!(
            fingerprint(
                "PARSE_ERROR",
                Some(12),
                "expected '}' to close the block opened at line 4"
            ),
            "822d8e1b481505d6"
        );
        assert_eq!(
            fingerprint("Timeout", None, "Timeout executing workflow"),
            "6615fd027765e22e"
        );
    }

    #[test]
    fn suppression_file_rules() {
        let s = parse_suppressions(
            "# comment\n\n  0fc06892209fea06  # deprecated goal syntax\nshort\n822d8e1b extra words\n\t6615fd027765e22e\n",
        );
        let mut v: Vec<_> = s.into_iter().collect();
        v.sort();
        assert_eq!(v, ["0fc06892209fea06", "6615fd027765e22e", "822d8e1b"]);
    }

    #[test]
    fn snapshot_names_and_rounding() {
        assert_eq!(
            snapshot_stamp("2026-11-26T17:40:01.123456+00:00"),
            "20261126T174001"
        );
        assert_eq!(round4(1.0 / 3.0), 0.3333);
        assert_eq!(round4(2.0 / 3.0), 0.6667);
        assert_eq!(round4(1.0 / 32.0), 0.0312, "ties go to even, as in Python");
    }
}
