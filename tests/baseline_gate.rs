//! The parse baseline (`aether::bulk::baseline`) and the regression gate (`aether::bulk::gate`) as a
//! library: formats, counts, rounding, merging shards, atomic writes, gate thresholds.

use aether::bulk::baseline::{self, Baseline, FileEntry, MergeError, ReadError};
use aether::bulk::gate::{self, GateConfig, GateError};
use aether::lint::check::{check_text, Outcome, Settings};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const CLEAN: &str = "goal: \"Summarize logs\"\nreflect()\n";
const PARSE_ERROR: &str = "goal: \"x\"\nplugin cache {\n    reflect()\n";
const VALIDATION_ERROR: &str = "goal: \"x\"\n\nfrobnicate()\n";

fn outcome(src: &str) -> Outcome {
    check_text(
        src.to_string(),
        Some(Path::new("a.aether")),
        &Settings::default(),
    )
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The three outcomes, given out of path order on purpose.
fn three() -> Baseline {
    let (c, p, v) = (
        outcome(CLEAN),
        outcome(PARSE_ERROR),
        outcome(VALIDATION_ERROR),
    );
    baseline::from_outcomes(&[
        ("c/validation.aether".to_string(), &v),
        ("a/clean.aether".to_string(), &c),
        ("b/parse.aether".to_string(), &p),
    ])
}

fn without_timestamp(b: &Baseline) -> Value {
    let mut v = serde_json::to_value(b).unwrap();
    v.as_object_mut().unwrap().remove("timestamp");
    v
}

#[test]
fn baseline_from_real_outcomes() {
    let b = three();
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!(
        keys(&v),
        ["timestamp", "total", "by_code", "failure_rate", "files"]
    );
    assert_eq!(v["total"], json!(3));
    // Only the codes that occur, sorted by name.
    assert_eq!(
        v["by_code"],
        json!({"PARSE_ERROR": 1, "SUCCESS": 1, "VALIDATION_ERROR": 1})
    );
    assert_eq!(
        keys(&v["by_code"]),
        ["PARSE_ERROR", "SUCCESS", "VALIDATION_ERROR"]
    );
    assert_eq!(v["failure_rate"], json!(0.6667));
    let files = v["files"].as_array().unwrap();
    for f in files {
        assert_eq!(
            keys(f),
            ["path", "ok", "code", "code_name", "line", "message"]
        );
    }
    assert_eq!(
        files[0],
        json!({"path": "a/clean.aether", "ok": true, "code": 0, "code_name": "SUCCESS",
               "line": null, "message": "parse ok"})
    );
    assert_eq!(files[1]["path"], "b/parse.aether");
    assert_eq!(files[1]["ok"], false);
    assert_eq!(files[1]["code"], 20);
    assert_eq!(files[1]["code_name"], "PARSE_ERROR");
    assert!(files[1]["line"].is_u64(), "{}", files[1]);
    assert!(files[1]["message"].as_str().unwrap().contains('}'));
    assert_eq!(
        files[2],
        json!({"path": "c/validation.aether", "ok": false, "code": 25,
               "code_name": "VALIDATION_ERROR", "line": 3,
               "message": "unknown function 'frobnicate'"})
    );
    // The timestamp is the tools' UTC format.
    let ts = v["timestamp"].as_str().unwrap();
    assert!(ts.ends_with("+00:00") && ts.len() == 32, "{ts}");
}

#[test]
fn entry_matches_the_json_status_of_the_check() {
    let p = outcome(PARSE_ERROR);
    let e = FileEntry::from_outcome("p.aether", &p);
    let first = p.first_error().expect("an error");
    assert_eq!(e.message, first.message);
    assert_eq!(
        e.line,
        Some(p.lines.line_col(&p.text, first.span.start as usize).0)
    );
}

#[test]
fn failure_rate_rounds_to_four_decimals() {
    let (c, v) = (outcome(CLEAN), outcome(VALIDATION_ERROR));
    let b = baseline::from_outcomes(&[
        ("1.aether".to_string(), &c),
        ("2.aether".to_string(), &c),
        ("3.aether".to_string(), &v),
    ]);
    assert_eq!(b.failure_rate, 0.3333);
    let text = serde_json::to_string(&b).unwrap();
    assert!(text.contains("\"failure_rate\":0.3333,"), "{text}");
    assert_eq!(b.by_code.get("SUCCESS"), Some(&2));
    assert_eq!(b.by_code.get("PARSE_ERROR"), None);

    // An exact tie at the fifth decimal goes to even, like Python's round(x, 4):
    // 1/32 = 0.03125 -> 0.0312.
    let mut files: Vec<FileEntry> = (0..31)
        .map(|i| FileEntry::from_outcome(format!("{i:02}.aether"), &c))
        .collect();
    files.push(FileEntry::timeout("zz.aether"));
    assert_eq!(Baseline::from_entries(files).failure_rate, 0.0312);

    let all_clean = baseline::from_outcomes(&[("1.aether".to_string(), &c)]);
    assert_eq!(
        serde_json::to_value(&all_clean).unwrap()["failure_rate"],
        json!(0.0)
    );
}

#[test]
fn empty_baseline() {
    let b = baseline::from_outcomes(&[]);
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!(v["total"], json!(0));
    assert_eq!(v["by_code"], json!({}));
    assert!(v["failure_rate"].is_number());
    assert_eq!(v["failure_rate"].as_f64(), Some(0.0));
    assert_eq!(v["files"], json!([]));
}

#[test]
fn timeout_entry_shape() {
    let e = FileEntry::timeout("slow.aether");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(
        keys(&v),
        ["path", "ok", "code", "code_name", "line", "message"]
    );
    assert_eq!(
        v,
        json!({"path": "slow.aether", "ok": false, "code": 23, "code_name": "TIMEOUT_ERROR",
               "line": null, "message": "timeout"})
    );
    let c = outcome(CLEAN);
    let b = Baseline::from_entries(vec![
        FileEntry::timeout("slow.aether"),
        FileEntry::from_outcome("ok.aether", &c),
    ]);
    assert_eq!(b.total, 2);
    assert_eq!(b.failure_rate, 0.5);
    assert_eq!(b.by_code.get("TIMEOUT_ERROR"), Some(&1));
    assert_eq!(b.files[0].path, "ok.aether");
}

#[test]
fn merge_of_shards_equals_the_whole() {
    let (c, p, v) = (
        outcome(CLEAN),
        outcome(PARSE_ERROR),
        outcome(VALIDATION_ERROR),
    );
    let whole = three();
    let shard1 = baseline::from_outcomes(&[
        ("c/validation.aether".to_string(), &v),
        ("a/clean.aether".to_string(), &c),
    ]);
    let shard2 = baseline::from_outcomes(&[("b/parse.aether".to_string(), &p)]);
    let merged = baseline::merge(vec![shard2, shard1]).unwrap();
    assert_eq!(without_timestamp(&merged), without_timestamp(&whole));
    // Key order survives the merge.
    let m = serde_json::to_value(&merged).unwrap();
    assert_eq!(
        keys(&m),
        ["timestamp", "total", "by_code", "failure_rate", "files"]
    );

    // Counts are recomputed from the files, not added up from the parts.
    let mut lying = baseline::from_outcomes(&[("x.aether".to_string(), &c)]);
    lying.total = 99;
    lying.by_code.insert("PARSE_ERROR".into(), 42);
    lying.failure_rate = 0.9;
    let m = baseline::merge(vec![lying]).unwrap();
    assert_eq!(m.total, 1);
    assert_eq!(m.by_code.len(), 1);
    assert_eq!(m.failure_rate, 0.0);

    let empty = baseline::merge(Vec::new()).unwrap();
    assert_eq!(empty.total, 0);
}

#[test]
fn merge_rejects_a_duplicate_path() {
    let (c, p) = (outcome(CLEAN), outcome(PARSE_ERROR));
    let shard1 = baseline::from_outcomes(&[("a.aether".to_string(), &c)]);
    let shard2 =
        baseline::from_outcomes(&[("b.aether".to_string(), &c), ("a.aether".to_string(), &p)]);
    let err = baseline::merge(vec![shard1, shard2]).unwrap_err();
    assert_eq!(
        err,
        MergeError::DuplicatePath {
            path: "a.aether".into(),
            first: 0,
            second: 1
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("'a.aether'"), "{msg}");
}

#[test]
fn atomic_write_round_trips_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parse_baseline.json");
    let b = three();
    baseline::write_atomic(&path, &b).unwrap();
    // Overwriting works the same way.
    baseline::write_atomic(&path, &b).unwrap();

    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["parse_baseline.json"]);

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"timestamp\": "), "{text}");
    assert!(
        text.contains("\n  \"files\": [\n    {\n      \"path\": "),
        "{text}"
    );
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    let order: Vec<usize> = [
        "\"timestamp\"",
        "\"total\"",
        "\"by_code\"",
        "\"failure_rate\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");

    assert_eq!(baseline::read(&path).unwrap(), b);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn atomic_write_to_a_missing_directory_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/b.json");
    let err = baseline::write_atomic(&path, &three()).unwrap_err();
    assert!(err.to_string().contains("b.json"), "{err}");
}

#[test]
fn read_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let err = baseline::read(&missing).unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }));
    assert!(err.to_string().contains("missing.json"), "{err}");

    let bad = write(dir.path(), "bad.json", "{\"total\": 3,");
    let err = baseline::read(&bad).unwrap_err();
    assert!(matches!(err, ReadError::Malformed { .. }));
    assert!(err.to_string().contains("bad.json"), "{err}");

    let wrong_shape = write(dir.path(), "shape.json", "{\"by_code\": {}}");
    let err = baseline::read(&wrong_shape).unwrap_err();
    assert!(matches!(err, ReadError::Malformed { .. }), "{err}");
    assert_eq!(err.path(), wrong_shape.as_path());
}

#[test]
fn read_accepts_the_original_tools_format() {
    // Keys in another order, and a timeout entry without `line`.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "orig.json",
        r#"{"files": [{"message": "timeout", "code_name": "TIMEOUT_ERROR", "code": 23,
                       "ok": false, "path": "slow.aether"}],
            "failure_rate": 1.0, "by_code": {"TIMEOUT_ERROR": 1}, "total": 1,
            "timestamp": "2025-09-13T10:15:22.123456+00:00"}"#,
    );
    let b = baseline::read(&path).unwrap();
    assert_eq!(b.files, [FileEntry::timeout("slow.aether")]);
    assert_eq!(b.total, 1);
}

// ---- the gate ----

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn counts_file(dir: &Path, name: &str, parse: u64, validation: u64) -> PathBuf {
    write(
        dir,
        name,
        &json!({"timestamp": "t", "total": parse + validation,
                "by_code": {"PARSE_ERROR": parse, "VALIDATION_ERROR": validation},
                "failure_rate": 1.0, "files": []})
        .to_string(),
    )
}

/// Gate `new` against `old` counts (PARSE_ERROR only; VALIDATION_ERROR fixed at 0).
fn gate_parse(old: u64, new: u64, cfg: &GateConfig) -> gate::GateReport {
    let dir = tempfile::tempdir().unwrap();
    let r = counts_file(dir.path(), "ref.json", old, 0);
    let n = counts_file(dir.path(), "new.json", new, 0);
    gate::run(&n, &r, cfg).unwrap()
}

#[test]
fn gate_report_shape_and_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let r = counts_file(dir.path(), "ref.json", 1800, 30);
    let n = counts_file(dir.path(), "new.json", 1810, 42);
    let report = gate::run(&n, &r, &GateConfig::default()).unwrap();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(
        keys(&v),
        [
            "ok",
            "timestamp",
            "new_counts",
            "ref_counts",
            "abs_threshold",
            "rel_threshold",
            "regressions"
        ]
    );
    // The example of the seed document.
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["new_counts"],
        json!({"PARSE_ERROR": 1810, "VALIDATION_ERROR": 42})
    );
    assert_eq!(keys(&v["new_counts"]), ["PARSE_ERROR", "VALIDATION_ERROR"]);
    assert_eq!(
        v["ref_counts"],
        json!({"PARSE_ERROR": 1800, "VALIDATION_ERROR": 30})
    );
    assert_eq!(v["abs_threshold"], json!(5));
    assert_eq!(v["rel_threshold"], json!(0.1));
    assert_eq!(
        v["regressions"],
        json!([{"code": "VALIDATION_ERROR", "old": 30, "new": 42, "delta": 12,
                "relative_increase": 0.4}])
    );
    assert_eq!(
        keys(&v["regressions"][0]),
        ["code", "old", "new", "delta", "relative_increase"]
    );
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        text.contains("\"abs_threshold\":5,\"rel_threshold\":0.1,"),
        "{text}"
    );
    assert_eq!(gate::exit_code(&report), 1);
    assert!(!report.ref_missing);
}

#[test]
fn gate_absolute_threshold_is_strict() {
    let cfg = GateConfig::default();
    // delta 5 == abs 5: not a regression, although +50%.
    let r = gate_parse(10, 15, &cfg);
    assert!(r.ok && r.regressions.is_empty());
    assert_eq!(gate::exit_code(&r), 0);
    // delta 6 > 5 and 60% > 10%: a regression.
    let r = gate_parse(10, 16, &cfg);
    assert!(!r.ok);
    assert_eq!(r.regressions.len(), 1);
    let reg = &r.regressions[0];
    assert_eq!(
        (reg.code.as_str(), reg.old, reg.new, reg.delta),
        ("PARSE_ERROR", 10, 16, 6)
    );
    assert_eq!(reg.relative_increase, 0.6);
    assert_eq!(gate::exit_code(&r), 1);
}

#[test]
fn gate_needs_both_thresholds_exceeded() {
    let cfg = GateConfig::default();
    // delta 6 > 5 but only +6/1000: not a regression.
    assert!(gate_parse(1000, 1006, &cfg).ok);
    // Relative exactly at the threshold: 10/100 == 0.10, not a regression.
    assert!(gate_parse(100, 110, &cfg).ok);
    // Just above: 11/100.
    let r = gate_parse(100, 111, &cfg);
    assert!(!r.ok);
    assert_eq!(r.regressions[0].relative_increase, 0.11);
    // Relative increase rounded to 4 decimals: 7/30 = 0.2333...
    let r = gate_parse(30, 37, &cfg);
    assert_eq!(r.regressions[0].relative_increase, 0.2333);
}

#[test]
fn gate_old_zero_counts_as_relative_one() {
    let r = gate_parse(0, 6, &GateConfig::default());
    assert!(!r.ok);
    assert_eq!(r.regressions[0].relative_increase, 1.0);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["regressions"][0]["relative_increase"], json!(1.0));
    // With a relative threshold of 1.0, 1.0 is not above it.
    let cfg = GateConfig {
        rel_threshold: 1.0,
        ..GateConfig::default()
    };
    assert!(gate_parse(0, 100, &cfg).ok);
    // delta not above abs: fine even from zero.
    assert!(gate_parse(0, 5, &GateConfig::default()).ok);
}

#[test]
fn gate_fewer_errors_pass() {
    let r = gate_parse(100, 20, &GateConfig::default());
    assert!(r.ok && r.regressions.is_empty());
    let r = gate_parse(100, 100, &GateConfig::default());
    assert!(r.ok);
}

#[test]
fn gate_compares_both_codes() {
    let dir = tempfile::tempdir().unwrap();
    let r = counts_file(dir.path(), "ref.json", 10, 10);
    let n = counts_file(dir.path(), "new.json", 20, 20);
    let report = gate::run(&n, &r, &GateConfig::default()).unwrap();
    let codes: Vec<_> = report.regressions.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["PARSE_ERROR", "VALIDATION_ERROR"]);
    // Other codes are not gated.
    let r = write(dir.path(), "r2.json", r#"{"by_code": {"IO_ERROR": 0}}"#);
    let n = write(dir.path(), "n2.json", r#"{"by_code": {"IO_ERROR": 500}}"#);
    let report = gate::run(&n, &r, &GateConfig::default()).unwrap();
    assert!(report.ok);
    assert_eq!(
        serde_json::to_value(&report.new_counts).unwrap(),
        json!({"PARSE_ERROR": 0, "VALIDATION_ERROR": 0})
    );
}

#[test]
fn gate_missing_ref() {
    let dir = tempfile::tempdir().unwrap();
    let n = counts_file(dir.path(), "new.json", 3, 40);
    let missing = dir.path().join("nope.json");

    let report = gate::run(&n, &missing, &GateConfig::default()).unwrap();
    assert!(report.ref_missing);
    assert_eq!(
        serde_json::to_value(&report.ref_counts).unwrap(),
        json!({"PARSE_ERROR": 0, "VALIDATION_ERROR": 0})
    );
    // 3 from 0 is within abs 5; 40 from 0 is not.
    let codes: Vec<_> = report.regressions.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["VALIDATION_ERROR"]);
    // Not serialised.
    assert!(!serde_json::to_string(&report)
        .unwrap()
        .contains("ref_missing"));

    let cfg = GateConfig {
        fail_on_missing_ref: true,
        ..GateConfig::default()
    };
    let err = gate::run(&n, &missing, &cfg).unwrap_err();
    assert!(matches!(err, GateError::MissingRef(_)));
    assert!(err.to_string().contains("nope.json"), "{err}");

    // A missing *new* baseline is always an input error.
    let err = gate::run(&missing, &n, &GateConfig::default()).unwrap_err();
    assert!(
        matches!(err, GateError::Read(ReadError::Io { .. })),
        "{err}"
    );
}

#[test]
fn gate_malformed_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = counts_file(dir.path(), "good.json", 1, 1);
    let cases = [
        ("truncated.json", "{\"by_code\": {\"PARSE_ERROR\": 1"),
        ("empty.json", ""),
        ("no_by_code.json", "{\"total\": 3}"),
        ("list.json", "[1, 2]"),
        ("by_code_list.json", "{\"by_code\": [1]}"),
        ("negative.json", "{\"by_code\": {\"PARSE_ERROR\": -1}}"),
        (
            "string.json",
            "{\"by_code\": {\"VALIDATION_ERROR\": \"3\"}}",
        ),
    ];
    for (name, text) in cases {
        let bad = write(dir.path(), name, text);
        for (n, r) in [(&bad, &good), (&good, &bad)] {
            let err = gate::run(n, r, &GateConfig::default()).unwrap_err();
            assert!(
                matches!(err, GateError::Read(ReadError::Malformed { .. })),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}

#[test]
fn gate_reads_the_original_tools_reference() {
    // Keys in another order, extra keys, a code missing from by_code, no `files`.
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "main_parse_baseline.json",
        r#"{"failure_rate": 0.6667, "by_code": {"SUCCESS": 900, "PARSE_ERROR": 1800},
            "total": 2700, "timestamp": "2025-09-13T10:15:22Z", "extra": {"x": 1}}"#,
    );
    let n = counts_file(dir.path(), "new.json", 1790, 3);
    let report = gate::run(&n, &r, &GateConfig::default()).unwrap();
    assert!(report.ok);
    assert_eq!(
        serde_json::to_value(&report.ref_counts).unwrap(),
        json!({"PARSE_ERROR": 1800, "VALIDATION_ERROR": 0})
    );

    // A baseline written by `baseline::write_atomic` works as either side.
    let ours = dir.path().join("ours.json");
    baseline::write_atomic(&ours, &three()).unwrap();
    let report = gate::run(&ours, &r, &GateConfig::default()).unwrap();
    assert_eq!(
        serde_json::to_value(&report.new_counts).unwrap(),
        json!({"PARSE_ERROR": 1, "VALIDATION_ERROR": 1})
    );
}

#[test]
fn gate_rejects_bad_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let f = counts_file(dir.path(), "f.json", 1, 1);
    for rel in [f64::NAN, f64::INFINITY, -0.1] {
        let cfg = GateConfig {
            rel_threshold: rel,
            ..GateConfig::default()
        };
        let err = gate::run(&f, &f, &cfg).unwrap_err();
        assert!(matches!(err, GateError::InvalidConfig(_)), "{err}");
    }
    assert_eq!(gate::EXIT_INPUT_ERROR, 2);
}

#[test]
fn gate_evaluate_without_files() {
    let counts = |p: u64, v: u64| -> gate::Counts {
        [
            ("PARSE_ERROR".to_string(), p),
            ("VALIDATION_ERROR".to_string(), v),
        ]
        .into_iter()
        .collect()
    };
    let cfg = GateConfig {
        abs_threshold: 0,
        rel_threshold: 0.0,
        fail_on_missing_ref: false,
    };
    // With zero thresholds any increase regresses.
    let r = gate::evaluate(&counts(1, 1), &counts(0, 1), &cfg);
    assert_eq!(r.regressions.len(), 1);
    assert_eq!(gate::exit_code(&r), 1);
    // Absent codes count 0.
    let r = gate::evaluate(&gate::Counts::new(), &counts(3, 4), &cfg);
    assert!(r.ok);
}
