//! The parse-baseline regression gate (REFERENCE.md, "Regression gate"): compare the
//! PARSE_ERROR and VALIDATION_ERROR counts of a new baseline with a reference baseline.
//!
//! A code regresses when `new > old`, `new - old > abs_threshold` **and**
//! `(new - old) / old > rel_threshold` (1.0 when `old` is 0); both comparisons are strict.
//! Only the `by_code` object of either file is read, so references written by the original
//! Python tool (keys in any order, extra keys) work. Exit status: 0 no regression,
//! 1 regression, 2 usage or input error (an unreadable or malformed file too, where the
//! original exits 1).

use crate::bulk::baseline::{round4, ReadError};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The codes the gate compares, in report order.
pub const GATED_CODES: [&str; 2] = ["PARSE_ERROR", "VALIDATION_ERROR"];

/// Exit status when no code regressed.
pub const EXIT_OK: u8 = 0;
/// Exit status when at least one code regressed.
pub const EXIT_REGRESSION: u8 = 1;
/// Exit status for usage and input errors (every [`GateError`]).
pub const EXIT_INPUT_ERROR: u8 = 2;

/// Counts per gated code name; a code absent from `by_code` counts 0.
pub type Counts = BTreeMap<String, u64>;

/// Thresholds and options, as the flags `--abs-threshold`, `--rel-threshold` and
/// `--fail-on-missing-ref`.
#[derive(Clone, Debug, PartialEq)]
pub struct GateConfig {
    /// Absolute increase a code may have without failing (default 5). An integer, as the
    /// original's flag and its output (`"abs_threshold": 5`).
    pub abs_threshold: u64,
    /// Relative increase a code may have without failing (default 0.10). Must be finite and
    /// not negative.
    pub rel_threshold: f64,
    /// A reference file that does not exist is an input error instead of all zeros.
    pub fail_on_missing_ref: bool,
}

impl Default for GateConfig {
    /// The original tool's defaults: 5, 0.10, missing reference counts as zeros.
    fn default() -> Self {
        GateConfig {
            abs_threshold: 5,
            rel_threshold: 0.10,
            fail_on_missing_ref: false,
        }
    }
}

/// One code that regressed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Regression {
    /// The code name, e.g. `PARSE_ERROR`.
    pub code: String,
    /// Count in the reference.
    pub old: u64,
    /// Count in the new baseline.
    pub new: u64,
    /// `new - old`.
    pub delta: u64,
    /// `delta / old` rounded to 4 decimals; 1.0 when `old` is 0.
    pub relative_increase: f64,
}

/// The gate's result, serialised with the keys in the original's order:
/// `ok, timestamp, new_counts, ref_counts, abs_threshold, rel_threshold, regressions`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateReport {
    /// No code regressed.
    pub ok: bool,
    /// When the gate ran, UTC like `2025-09-13T10:15:22.123456+00:00`.
    pub timestamp: String,
    /// The new baseline's counts of the gated codes (both always listed).
    pub new_counts: Counts,
    /// The reference's counts of the gated codes (zeros when the reference is missing).
    pub ref_counts: Counts,
    pub abs_threshold: u64,
    pub rel_threshold: f64,
    /// The codes that regressed, in [`GATED_CODES`] order.
    pub regressions: Vec<Regression>,
    /// The reference file did not exist and was counted as zeros (not serialised; the CLI
    /// may say so on stderr).
    #[serde(skip)]
    pub ref_missing: bool,
}

/// An input or usage error: the gate cannot decide (exit status 2). Messages name the file.
#[derive(Debug)]
pub enum GateError {
    /// A baseline could not be read or has no usable `by_code` object.
    Read(ReadError),
    /// The reference does not exist and `fail_on_missing_ref` is set.
    MissingRef(PathBuf),
    /// A threshold is out of range (the message says which).
    InvalidConfig(String),
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateError::Read(e) => e.fmt(f),
            GateError::MissingRef(p) => write!(
                f,
                "reference baseline {} does not exist (--fail-on-missing-ref)",
                p.display()
            ),
            GateError::InvalidConfig(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GateError::Read(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ReadError> for GateError {
    fn from(e: ReadError) -> Self {
        GateError::Read(e)
    }
}

/// Read both baselines and compare them ([`evaluate`]). A reference that does not exist
/// counts as all zeros unless `cfg.fail_on_missing_ref`; any other unreadable or malformed
/// input is a [`GateError`].
pub fn run(new: &Path, reference: &Path, cfg: &GateConfig) -> Result<GateReport, GateError> {
    check_config(cfg)?;
    let new_counts = read_counts(new)?;
    let (ref_counts, ref_missing) = match read_counts(reference) {
        Ok(c) => (c, false),
        Err(ReadError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            if cfg.fail_on_missing_ref {
                return Err(GateError::MissingRef(reference.to_path_buf()));
            }
            (zero_counts(), true)
        }
        Err(e) => return Err(e.into()),
    };
    let mut report = evaluate(&new_counts, &ref_counts, cfg);
    report.ref_missing = ref_missing;
    Ok(report)
}

/// Compare counts (absent codes count 0) and build the report, stamped now. The thresholds
/// are taken as given (see [`run`] for their validation).
pub fn evaluate(new_counts: &Counts, ref_counts: &Counts, cfg: &GateConfig) -> GateReport {
    let get = |c: &Counts, code: &str| c.get(code).copied().unwrap_or(0);
    let mut regressions = Vec::new();
    for code in GATED_CODES {
        let (old, new) = (get(ref_counts, code), get(new_counts, code));
        if new <= old {
            continue;
        }
        let delta = new - old;
        let relative = if old == 0 {
            1.0
        } else {
            delta as f64 / old as f64
        };
        if delta > cfg.abs_threshold && relative > cfg.rel_threshold {
            regressions.push(Regression {
                code: code.to_string(),
                old,
                new,
                delta,
                relative_increase: round4(relative),
            });
        }
    }
    let only_gated = |c: &Counts| -> Counts {
        GATED_CODES
            .iter()
            .map(|code| (code.to_string(), get(c, code)))
            .collect()
    };
    GateReport {
        ok: regressions.is_empty(),
        timestamp: crate::bulk::timestamp::now_utc(),
        new_counts: only_gated(new_counts),
        ref_counts: only_gated(ref_counts),
        abs_threshold: cfg.abs_threshold,
        rel_threshold: cfg.rel_threshold,
        regressions,
        ref_missing: false,
    }
}

/// The exit status for a report: [`EXIT_OK`] or [`EXIT_REGRESSION`]. Errors exit with
/// [`EXIT_INPUT_ERROR`].
pub fn exit_code(report: &GateReport) -> u8 {
    if report.ok {
        EXIT_OK
    } else {
        EXIT_REGRESSION
    }
}

/// The gated counts of a baseline file: its top-level `by_code` object must exist, and each
/// gated code in it, when present, must be a non-negative integer. Nothing else is read; a
/// leading UTF-8 byte-order mark is skipped.
pub fn read_counts(path: &Path) -> Result<Counts, ReadError> {
    let malformed = |message: String| ReadError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: Value = serde_json::from_slice(crate::bulk::baseline::without_bom(&bytes))
        .map_err(|e| malformed(e.to_string()))?;
    let by_code = value
        .get("by_code")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("no top-level 'by_code' object".to_string()))?;
    let mut counts = zero_counts();
    for code in GATED_CODES {
        if let Some(v) = by_code.get(code) {
            let n = v.as_u64().ok_or_else(|| {
                malformed(format!("by_code.{code} is {v}, not a non-negative integer"))
            })?;
            counts.insert(code.to_string(), n);
        }
    }
    Ok(counts)
}

fn zero_counts() -> Counts {
    GATED_CODES.iter().map(|c| (c.to_string(), 0)).collect()
}

fn check_config(cfg: &GateConfig) -> Result<(), GateError> {
    if !cfg.rel_threshold.is_finite() || cfg.rel_threshold < 0.0 {
        return Err(GateError::InvalidConfig(format!(
            "--rel-threshold must be a finite number >= 0, not {}",
            cfg.rel_threshold
        )));
    }
    Ok(())
}
