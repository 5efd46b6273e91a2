//! `aether gates`: the go/no-go release gates of the seed (seed/GO_NO_GO_GATES.md) for a
//! workflow repository, with its two artifacts: `gate_results.json` (`_meta` with profile,
//! ts, all_passed; per gate ok, manual, duration_sec, details) and `gate_sign_off.md`.
//!
//! | gate | passes when |
//! |---|---|
//! | `parse_health` | no workflow has PARSE_ERROR |
//! | `baseline_regression` | the new parse baseline does not regress against the reference (the thresholds of `aether gate`); a missing reference fails |
//! | `strict_signatures` | every workflow carries a valid signature |
//! | `static_risk` | no workflow scores above the risk threshold |
//! | `migration_clean` | `aether migrate --diff` would change nothing |
//! | `memory_roundtrip` | a value stored by one interpreter run is read back by the next, through a SQLite store |
//! | `manual_review` | manual: the review flag file exists; missing, it is a manual follow-up (ok) unless `strict_manual` |

use crate::bulk::discover::shown;
use crate::bulk::{baseline, gate, verify};
use crate::lint::check::{Outcome, Settings};
use crate::syntax::diagnostic::Code;
use crate::trust::sign::Trust;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Every gate, in the order they run and are reported.
pub const GATES: &[&str] = &[
    "parse_health",
    "baseline_regression",
    "strict_signatures",
    "static_risk",
    "migration_clean",
    "memory_roundtrip",
    "manual_review",
];

const MANUAL: &[&str] = &["manual_review"];

pub struct Config {
    pub root: PathBuf,
    /// The gates to run (names of [`GATES`]), in any order; they run in table order.
    pub gates: Vec<String>,
    pub strict_manual: bool,
    /// The stored reference parse baseline.
    pub reference_baseline: PathBuf,
    /// The human review flag: a file whose presence (and first line) records the review.
    pub review_flag: PathBuf,
    pub risk_threshold: u32,
    pub gate: gate::GateConfig,
    pub profile: String,
}

pub struct GateResult {
    pub name: &'static str,
    pub ok: bool,
    pub manual: bool,
    pub duration_sec: f64,
    pub details: Value,
    /// One line for the sign-off.
    pub summary: String,
}

pub struct Results {
    pub profile: String,
    pub ts: f64,
    pub gates: Vec<GateResult>,
}

impl Results {
    pub fn all_passed(&self) -> bool {
        self.gates.iter().all(|g| g.ok)
    }

    /// The seed's `gate_results.json`.
    pub fn json(&self) -> Value {
        let mut top = Map::new();
        top.insert(
            "_meta".into(),
            json!({"profile": self.profile, "ts": self.ts, "all_passed": self.all_passed()}),
        );
        for g in &self.gates {
            top.insert(
                g.name.into(),
                json!({
                    "ok": g.ok,
                    "manual": g.manual,
                    "duration_sec": (g.duration_sec * 1000.0).round() / 1000.0,
                    "details": g.details,
                }),
            );
        }
        Value::Object(top)
    }

    fn mark(g: &GateResult) -> &'static str {
        let followup = g.details.get("manual_followup") == Some(&Value::Bool(true));
        match (g.ok, followup) {
            (true, true) => "🔧",
            (true, false) => "✅",
            (false, _) => "❌",
        }
    }

    /// The seed's `gate_sign_off.md`: a table, then one summary line per gate.
    pub fn sign_off(&self) -> String {
        let mut md = String::from("# Go / No-Go Sign-Off\n\n");
        let _ = writeln!(
            md,
            "Profile: {}  Result: {}\n",
            self.profile,
            if self.all_passed() {
                "all gates passed"
            } else {
                "FAILED"
            }
        );
        md += "| Gate | Result | Manual | Duration (s) | Summary |\n|---|---|---|---|---|\n";
        for g in &self.gates {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.3} | {} |",
                g.name,
                Self::mark(g),
                if g.manual { "yes" } else { "no" },
                g.duration_sec,
                g.summary.replace('|', "\\|")
            );
        }
        md += "\n";
        for g in &self.gates {
            let _ = writeln!(md, "{}: {} ({})", title(g.name), Self::mark(g), g.summary);
        }
        md
    }
}

fn title(name: &str) -> &'static str {
    match name {
        "parse_health" => "Parse health",
        "baseline_regression" => "Baseline regression",
        "strict_signatures" => "Security strict (signatures)",
        "static_risk" => "Static risk under threshold",
        "migration_clean" => "Migration clean",
        "memory_roundtrip" => "Memory store round trip",
        _ => "Manual review",
    }
}

/// Runs the selected gates. Unknown names are the caller's to reject (see [`GATES`]).
pub fn run(cfg: &Config, settings: &Settings, trust: &Trust) -> Results {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let wanted = |n: &str| cfg.gates.iter().any(|g| g == n);
    // The parse check and the verification scan are shared by the gates that need them.
    let mut checked: Option<Vec<(String, Outcome)>> = None;
    let mut scanned: Option<verify::Report> = None;
    let mut gates = Vec::new();
    for &name in GATES.iter().filter(|n| wanted(n)) {
        let start = Instant::now();
        let (ok, details, summary) = match name {
            "parse_health" | "baseline_regression" => {
                let outcomes = checked.get_or_insert_with(|| check_tree(&cfg.root, settings));
                if name == "parse_health" {
                    parse_health(outcomes)
                } else {
                    baseline_regression(cfg, outcomes)
                }
            }
            "strict_signatures" | "static_risk" => {
                let report = scanned.get_or_insert_with(|| scan(cfg, trust));
                if name == "strict_signatures" {
                    strict_signatures(report)
                } else {
                    static_risk(report)
                }
            }
            "migration_clean" => migration_clean(&cfg.root, settings),
            "memory_roundtrip" => memory_roundtrip(),
            _ => manual_review(cfg),
        };
        gates.push(GateResult {
            name,
            ok,
            manual: MANUAL.contains(&name),
            duration_sec: start.elapsed().as_secs_f64(),
            details,
            summary,
        });
    }
    Results {
        profile: cfg.profile.clone(),
        ts,
        gates,
    }
}

type Verdict = (bool, Value, String);

fn check_tree(root: &Path, settings: &Settings) -> Vec<(String, Outcome)> {
    let mut out = Vec::new();
    let opts = crate::bulk::Options {
        jobs: 0,
        shard: None,
    };
    let _ = crate::bulk::check_all(&[root.to_path_buf()], settings, &opts, &|_| {}, |r| {
        out.push((shown(&r.path, root), r.outcome));
        Ok(())
    });
    out
}

fn parse_health(outcomes: &[(String, Outcome)]) -> Verdict {
    let failing: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| o.code == Code::ParseError)
        .map(|(p, _)| p.as_str())
        .collect();
    let summary = format!(
        "{} of {} workflows with PARSE_ERROR",
        failing.len(),
        outcomes.len()
    );
    (
        failing.is_empty() && !outcomes.is_empty(),
        json!({"total": outcomes.len(), "parse_errors": failing.len(), "examples": failing.iter().take(5).collect::<Vec<_>>()}),
        if outcomes.is_empty() {
            "no workflows found".into()
        } else {
            summary
        },
    )
}

fn baseline_regression(cfg: &Config, outcomes: &[(String, Outcome)]) -> Verdict {
    let refs: Vec<(String, &Outcome)> = outcomes.iter().map(|(p, o)| (p.clone(), o)).collect();
    let new = baseline::from_outcomes(&refs);
    let reference = cfg.reference_baseline.display().to_string();
    let ref_counts = match gate::read_counts(&cfg.reference_baseline) {
        Ok(c) => c,
        Err(e) => {
            return (
                false,
                json!({"reference": reference, "error": e.to_string()}),
                format!(
                    "no usable reference baseline at {reference} (make one with `{}aether baseline --root {} --output {reference}`)",
                    match cfg.reference_baseline.parent() {
                        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() =>
                            format!("mkdir -p {} && ", dir.display()),
                        _ => String::new(),
                    },
                    cfg.root.display()
                ),
            )
        }
    };
    let report = gate::evaluate(&new.by_code, &ref_counts, &cfg.gate);
    let details = json!({
        "reference": reference,
        "new_counts": report.new_counts,
        "ref_counts": report.ref_counts,
        "regressions": report.regressions,
    });
    let summary = if report.ok {
        "no regression against the reference".to_string()
    } else {
        let codes: Vec<String> = report
            .regressions
            .iter()
            .map(|r| format!("{} {} -> {}", r.code, r.old, r.new))
            .collect();
        format!("regressed: {}", codes.join(", "))
    };
    (report.ok, details, summary)
}

fn scan(cfg: &Config, trust: &Trust) -> verify::Report {
    let vcfg = verify::Config {
        root: cfg.root.clone(),
        strict: true,
        risk_threshold: cfg.risk_threshold,
        fail_on_any_risk: false,
        exclude: Vec::new(),
        max_findings_per_file: 50,
    };
    verify::run(&vcfg, trust).unwrap_or_else(|_| verify::Report {
        strict: true,
        risk_threshold: cfg.risk_threshold,
        fail_on_any_risk: false,
        max_findings_per_file: 50,
        files: Vec::new(),
    })
}

fn strict_signatures(report: &verify::Report) -> Verdict {
    let failed: Vec<Value> = report
        .signature_failures()
        .map(|f| json!({"path": f.path, "reason": f.verdict.reason()}))
        .collect();
    let summary = format!(
        "{} of {} workflows fail strict verification",
        failed.len(),
        report.files.len()
    );
    (
        failed.is_empty(),
        json!({"total": report.files.len(), "failed": failed.len(), "failures": failed.iter().take(20).collect::<Vec<_>>()}),
        summary,
    )
}

fn static_risk(report: &verify::Report) -> Verdict {
    let risky: Vec<Value> = report
        .risky()
        .map(|f| json!({"path": f.path, "score": f.score}))
        .collect();
    let summary = format!(
        "{} above {} (total score {})",
        match risky.len() {
            1 => "1 workflow scores".to_string(),
            n => format!("{n} workflows score"),
        },
        report.risk_threshold,
        report.total_score()
    );
    (
        risky.is_empty(),
        json!({"threshold": report.risk_threshold, "total_score": report.total_score(), "over_threshold": risky}),
        summary,
    )
}

fn migration_clean(root: &Path, settings: &Settings) -> Verdict {
    use crate::fix::RefusalKind;
    let opts = crate::fix::Options {
        hygiene: true,
        ..Default::default()
    };
    let found = crate::bulk::discover::discover(&[root.to_path_buf()]);
    let mut pending = Vec::new();
    for path in &found.files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let m = crate::fix::migrate(&text, Some(path), settings, &opts);
        // A file that does not parse is the parse gate's; one that cannot be read too.
        let needs = m.changed()
            || m.refused.as_ref().is_some_and(|r| {
                !matches!(r.kind, RefusalKind::DoesNotParse | RefusalKind::Unreadable)
            });
        if needs {
            pending.push(shown(path, root));
        }
    }
    let summary = format!(
        "{} of {} workflows would change under `aether migrate`",
        pending.len(),
        found.files.len()
    );
    (
        pending.is_empty(),
        json!({"total": found.files.len(), "pending": pending.len(), "examples": pending.iter().take(5).collect::<Vec<_>>()}),
        summary,
    )
}

/// Two interpreter runs over one SQLite store in a temporary folder: the first stores a
/// value, the second must find it.
fn memory_roundtrip() -> Verdict {
    let fail = |why: String| (false, json!({"error": why}), why);
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return fail(format!("cannot make a temporary folder: {e}")),
    };
    let token = format!("gate-probe-{}", std::process::id());
    let store = dir.path().join("memory.db");
    let write = dir.path().join("store.aether");
    let read = dir.path().join("recall.aether");
    let scripts = [
        (
            &write,
            format!("remember(\"{token}\") as \"release-gate\"\n"),
        ),
        (
            &read,
            "let hits = recall tag: \"release-gate\"\nprint(hits)\n".to_string(),
        ),
    ];
    for (p, text) in &scripts {
        if let Err(e) = std::fs::write(p, text) {
            return fail(format!("cannot write the probe script: {e}"));
        }
    }
    let opts = crate::run::RunOptions {
        timeout: Some(std::time::Duration::from_secs(20)),
        memory: crate::run::MemorySpec::File(store.clone()),
        ..Default::default()
    };
    let no_check = |_: &crate::syntax::Parsed<'_>| Vec::new();
    let mut sink = Vec::new();
    let stored = crate::run::run_file(&write, &opts, &no_check, &mut sink);
    if stored.code != Code::Success {
        let why = stored
            .diagnostics
            .first()
            .map_or_else(|| stored.code.name().to_string(), |d| d.message.clone());
        return fail(format!("storing failed: {why}"));
    }
    let mut out = Vec::new();
    let recalled = crate::run::run_file(&read, &opts, &no_check, &mut out);
    let printed = String::from_utf8_lossy(&out);
    let ok = recalled.code == Code::Success && printed.contains(&token);
    (
        ok,
        json!({"stored": token, "retrieved": ok, "store": "sqlite (temporary)"}),
        if ok {
            "stored and retrieved across two runs".into()
        } else {
            format!(
                "the second run did not retrieve the value ({})",
                recalled.code.name()
            )
        },
    )
}

fn manual_review(cfg: &Config) -> Verdict {
    let flag = cfg.review_flag.display().to_string();
    match std::fs::read_to_string(&cfg.review_flag) {
        Ok(text) => {
            let by = text.lines().next().unwrap_or_default().trim().to_string();
            (
                true,
                json!({"manual_followup": false, "flag": flag, "note": by}),
                format!("reviewed: {by}"),
            )
        }
        Err(_) => (
            !cfg.strict_manual,
            json!({"manual_followup": true, "flag": flag, "reason": format!("no review flag at {flag}")}),
            format!("manual follow-up: no review flag at {flag}"),
        ),
    }
}
