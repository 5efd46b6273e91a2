//! The bulk commands (`check` formats and options, `baseline`, `gate`, `classify`) run as
//! users run them: the real binary on real directories.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aether(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .current_dir(dir)
        .env_remove("AETHER_MEMORY")
        .output()
        .expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small tree: clean, broken, failing-at-run-time and looping workflows, a skipped
/// directory, a hidden file, and a nested directory.
fn tree(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("aether-bulk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let w = |p: &str, s: &str| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, s).unwrap();
    };
    w("flows/ok.aether", "goal: \"tidy\"\nnarrate(\"done\")\n");
    w("flows/parse.aether", "fn f( {\n");
    w("flows/unknown.aether", "goal: \"x\"\n\nfrobnicate(1)\n");
    w("flows/runtime.aether", "let x = 1\nlet y = x - \"a\"\n");
    w(
        "flows/loop.aether",
        "let n = 0\nwhile true {\n    n += 1\n}\n",
    );
    w("flows/nested/deeper/warn.aether", "intent: \"legacy\"\n");
    w(".hidden/h.aether", "narrate(\"hidden\")\n");
    w("build/skipped.aether", "fn broken( {\n");
    w("notes.txt", "not aether\n");
    root
}

#[test]
fn check_output_is_the_same_whatever_the_thread_count() {
    let root = tree("jobs");
    let one = aether(&["check", ".", "--format", "concise", "--jobs", "1"], &root);
    let two = aether(&["check", ".", "--format", "concise", "--jobs", "2"], &root);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.status.code(), Some(1));
    let out = text(&one.stdout);
    assert!(out.contains("./flows/parse.aether:"), "{out}");
    assert!(
        !out.contains("build/skipped"),
        "build/ is skipped below the root: {out}"
    );
    // The summary goes to stderr; --quiet drops it.
    assert!(
        text(&one.stderr).contains("checked 7 files"),
        "{}",
        text(&one.stderr)
    );
    let quiet = aether(&["check", ".", "--format", "concise", "--quiet"], &root);
    assert!(text(&quiet.stderr).is_empty());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn check_machine_formats() {
    let root = tree("formats");
    let nd = aether(&["check", "flows", "--format", "ndjson"], &root);
    let lines: Vec<Value> = text(&nd.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["path"], "flows/loop.aether");
    let sarif: Value =
        serde_json::from_slice(&aether(&["check", "flows", "--format", "sarif"], &root).stdout)
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "V001"));
    let junit = text(&aether(&["check", "flows", "--format", "junit"], &root).stdout);
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), 6);
    let gh = text(&aether(&["check", "flows", "--format", "github"], &root).stdout);
    assert!(
        gh.contains("::error file=flows/unknown.aether,line=3,"),
        "{gh}"
    );
    assert!(
        gh.contains("::warning file=flows/nested/deeper/warn.aether,line=1,"),
        "{gh}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn shards_split_the_tree_and_baselines_merge_back() {
    let root = tree("shards");
    let all = aether(&["baseline", "--root", ".", "--output", "all.json"], &root);
    assert_eq!(all.status.code(), Some(0), "{}", text(&all.stderr));
    for k in 1..=3 {
        let o = aether(
            &[
                "baseline",
                "--root",
                ".",
                "--shard",
                &format!("{k}/3"),
                "--output",
                &format!("s{k}.json"),
            ],
            &root,
        );
        assert_eq!(o.status.code(), Some(0));
    }
    let merged = aether(
        &[
            "baseline", "merge", "s1.json", "s2.json", "s3.json", "--output", "m.json",
        ],
        &root,
    );
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(root.join(f)).unwrap()).unwrap()
    };
    let (a, m) = (read("all.json"), read("m.json"));
    assert_eq!(a["files"], m["files"]);
    assert_eq!(a["by_code"], m["by_code"]);
    assert_eq!(a["total"], 7);
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["timestamp", "total", "by_code", "failure_rate", "files"]
    );
    // Overlapping shards are an input error.
    let dup = aether(&["baseline", "merge", "s1.json", "s1.json"], &root);
    assert_eq!(dup.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn gate_exit_codes() {
    let root = tree("gate");
    let write = |f: &str, parse: u64, validation: u64| {
        let b = serde_json::json!({"by_code": {"PARSE_ERROR": parse, "VALIDATION_ERROR": validation, "SUCCESS": 10}});
        std::fs::write(root.join(f), b.to_string()).unwrap();
    };
    write("ref.json", 10, 0);
    write("same.json", 10, 0);
    write("worse.json", 20, 0);
    write("edge.json", 15, 0);
    let gate = |new: &str, extra: &[&str]| {
        let mut args = vec!["gate", "--new", new, "--ref", "ref.json"];
        args.extend_from_slice(extra);
        aether(&args, &root)
    };
    assert_eq!(gate("same.json", &[]).status.code(), Some(0));
    let worse = gate("worse.json", &[]);
    assert_eq!(worse.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&worse.stdout).unwrap();
    assert_eq!(report["regressions"][0]["code"], "PARSE_ERROR");
    assert_eq!(report["regressions"][0]["delta"], 10);
    // delta 5 is not above --abs-threshold 5.
    assert_eq!(gate("edge.json", &[]).status.code(), Some(0));
    assert_eq!(
        gate("edge.json", &["--abs-threshold", "4"]).status.code(),
        Some(1)
    );
    std::fs::write(root.join("bad.json"), "{not json").unwrap();
    assert_eq!(gate("bad.json", &[]).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn classify_writes_artifacts_history_and_honours_suppressions() {
    let root = tree("classify");
    let run = || {
        let o = aether(
            &["classify", "--root", ".", "--timeout", "1", "--jobs", "2"],
            &root,
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let v: Value =
            serde_json::from_slice(&std::fs::read(root.join("workflow_failures.json")).unwrap())
                .unwrap();
        v
    };
    let v = run();
    let flows = v["workflows"].as_array().unwrap();
    let by_path = |p: &str| flows.iter().find(|w| w["path"] == p).unwrap().clone();
    assert_eq!(by_path("flows/ok.aether")["category"], "SUCCESS");
    assert_eq!(by_path(".hidden/h.aether")["ok"], true);
    assert_eq!(by_path("flows/parse.aether")["category"], "PARSE_ERROR");
    assert_eq!(by_path("flows/runtime.aether")["category"], "RUNTIME_ERROR");
    assert_eq!(by_path("flows/runtime.aether")["phase"], "execute");
    let unknown = by_path("flows/unknown.aether");
    assert_eq!(unknown["category"], "VALIDATION_ERROR");
    assert_eq!(unknown["line"], 3);
    // The fingerprint is the documented formula over the artifact's own fields.
    assert_eq!(
        unknown["fingerprint"],
        aether::bulk::classify::fingerprint(
            "VALIDATION_ERROR",
            Some(3),
            "unknown function 'frobnicate'"
        )
    );
    let looping = by_path("flows/loop.aether");
    assert_eq!(looping["category"], "Timeout");
    assert_eq!(looping["fingerprint"], "6615fd027765e22e");
    assert_eq!(v["summary"]["total"], 7);
    assert_eq!(v["summary"]["failed"], 4);
    assert_eq!(v["summary"]["failure_rate"], 0.5714);
    let keys: Vec<&str> = flows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "path",
            "ok",
            "category",
            "error",
            "signature_verified",
            "risk_score",
            "code",
            "code_name",
            "phase",
            "line",
            "fingerprint",
            "suppressed"
        ]
    );
    let md = std::fs::read_to_string(root.join("workflow_failures.md")).unwrap();
    assert!(md.starts_with("# Workflow Failure Classification\n"));
    assert!(
        md.contains("Total: 7  Failures: 4  Failure Rate: 57.14%"),
        "{md}"
    );
    assert!(md.contains("| Category | Count | Example(s) |"));
    assert!(
        md.contains("(.aetherra/workflow_history/trends.svg)"),
        "{md}"
    );

    // Suppress the unknown function: it keeps failing, under its own category.
    std::fs::create_dir_all(root.join(".aetherra")).unwrap();
    std::fs::write(
        root.join(".aetherra/workflow_suppressions.txt"),
        format!(
            "# known\n{}  # awaiting plugin\nshort\n",
            unknown["fingerprint"].as_str().unwrap()
        ),
    )
    .unwrap();
    let v = run();
    let w = v["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["path"] == "flows/unknown.aether")
        .unwrap()
        .clone();
    assert_eq!(w["category"], "Suppressed-VALIDATION_ERROR");
    assert_eq!(w["suppressed"], true);
    assert_eq!(v["summary"]["suppressed_failures"], 1);
    assert_eq!(v["summary"]["failed"], 4);

    let trends: Vec<Value> = serde_json::from_slice(
        &std::fs::read(root.join(".aetherra/workflow_history/trends.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(trends.len(), 2);
    assert_eq!(trends[1]["failed"], 4);
    let svg = std::fs::read_to_string(root.join(".aetherra/workflow_history/trends.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let snapshots = std::fs::read_dir(root.join(".aetherra/workflow_history"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("_classification.json")
        })
        .count();
    assert_eq!(snapshots, 2);
    let _ = std::fs::remove_dir_all(&root);
}

#[cfg(unix)]
#[test]
fn unreadable_entries_become_io_errors_and_the_run_goes_on() {
    let root = tree("robust");
    // A symlink loop and a dangling link: reported per path, the rest is still checked.
    std::os::unix::fs::symlink(&root, root.join("flows/loop_link")).unwrap();
    std::os::unix::fs::symlink(root.join("gone.aether"), root.join("flows/dangling.aether"))
        .unwrap();
    // A file name that is not UTF-8 is checked and shown lossily.
    use std::os::unix::ffi::OsStrExt;
    let odd = root.join(std::ffi::OsStr::from_bytes(b"flows/caf\xe9.aether"));
    std::fs::write(&odd, "narrate(\"ok\")\n").unwrap();
    let o = aether(&["check", ".", "--format", "ndjson"], &root);
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let io: Vec<&Value> = lines
        .iter()
        .filter(|l| l["code_name"] == "IO_ERROR")
        .collect();
    assert!(io.len() >= 2, "{lines:#?}");
    assert!(lines
        .iter()
        .any(|l| l["path"] == "./flows/ok.aether" && l["ok"] == true));
    assert!(
        lines
            .iter()
            .any(|l| l["path"] == "./flows/caf\u{FFFD}.aether" && l["ok"] == true),
        "{lines:#?}"
    );
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&root);
}

/// Puts a temporary file of an atomic write in `dir`, last modified `age` ago.
fn temp_file(dir: &Path, name: &str, age: std::time::Duration) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
    path
}

#[test]
fn temporary_files_left_by_killed_runs_are_removed() {
    let root = tree("stale");
    let hours = |h: u64| std::time::Duration::from_secs(h * 3600);
    let history = root.join(".aetherra/workflow_history");
    let out = root.join("out");
    let stale = [
        temp_file(&root, ".aether-tmp-killed1", hours(2)),
        temp_file(&history, ".aether-tmp-killed2", hours(30)),
        temp_file(&out, ".aether-tmp-killed3", hours(2)),
    ];
    // A write in progress (recent), a file of another name, and a directory are left alone.
    let kept = [
        temp_file(&root, ".aether-tmp-live", std::time::Duration::ZERO),
        temp_file(&history, "aether-tmp-not-ours", hours(5)),
    ];
    std::fs::create_dir_all(root.join(".aether-tmp-dir")).unwrap();

    let o = aether(&["classify", "--root", ".", "--timeout", "1"], &root);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!stale[0].exists() && !stale[1].exists());
    // `classify` does not write into `out/`: what is there is not its business.
    assert!(stale[2].exists());
    let o = aether(
        &["baseline", "--root", "flows", "--output", "out/b.json"],
        &root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!stale[2].exists());
    for path in &kept {
        assert!(path.exists(), "{} was removed", path.display());
    }
    assert!(root.join(".aether-tmp-dir").is_dir());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn concurrent_classify_runs_into_one_folder_lose_no_history() {
    let root = std::env::temp_dir().join(format!("aether-bulk-{}-concurrent", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("flows")).unwrap();
    std::fs::write(root.join("flows/ok.aether"), "narrate(\"done\")\n").unwrap();
    std::fs::write(root.join("flows/bad.aether"), "frobnicate(1)\n").unwrap();
    const PROCESSES: usize = 4;
    const RUNS: usize = 4;
    // Runs finish within the same second, so their snapshot names collide: each must still
    // get a file of its own and a point in the trends.
    let threads: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                for _ in 0..RUNS {
                    let o = aether(&["classify", "--root", "flows", "--jobs", "1"], &root);
                    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let history = root.join(".aetherra/workflow_history");
    let mut snapshots: Vec<String> = std::fs::read_dir(&history)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_classification.json"))
        .collect();
    snapshots.sort();
    assert_eq!(snapshots.len(), PROCESSES * RUNS, "{snapshots:?}");
    let trends: Vec<Value> =
        serde_json::from_slice(&std::fs::read(history.join("trends.json")).unwrap()).unwrap();
    assert_eq!(trends.len(), PROCESSES * RUNS);
    let mut files: Vec<&str> = trends.iter().map(|p| p["file"].as_str().unwrap()).collect();
    files.sort();
    assert_eq!(files, snapshots);
    for name in &snapshots {
        let v: Value = serde_json::from_slice(&std::fs::read(history.join(name)).unwrap()).unwrap();
        assert_eq!(v["summary"]["total"], 2, "{name}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn gate_and_merge_accept_baselines_that_start_with_a_byte_order_mark() {
    let root = tree("bom");
    let o = aether(
        &["baseline", "--root", "flows", "--output", "plain.json"],
        &root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The same baseline as Windows tools save it: a BOM and CRLF line ends.
    let plain = std::fs::read_to_string(root.join("plain.json")).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(plain.replace('\n', "\r\n").as_bytes());
    std::fs::write(root.join("bom.json"), &bom).unwrap();

    for (new, reference) in [("bom.json", "plain.json"), ("plain.json", "bom.json")] {
        let o = aether(&["gate", "--new", new, "--ref", reference], &root);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{new} vs {reference}: {}",
            text(&o.stderr)
        );
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(report["new_counts"], report["ref_counts"]);
        assert!(report["new_counts"]["PARSE_ERROR"].as_u64().unwrap() > 0);
    }
    let o = aether(
        &["baseline", "merge", "bom.json", "--output", "merged.json"],
        &root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A BOM anywhere else is still malformed JSON.
    std::fs::write(root.join("late.json"), "{\u{feff}\"by_code\": {}}").unwrap();
    let o = aether(
        &["gate", "--new", "late.json", "--ref", "plain.json"],
        &root,
    );
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn check_of_a_tree_without_aether_files_warns_and_exits_0() {
    let root = std::env::temp_dir().join(format!("aether-bulk-{}-empty", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("node_modules/pkg")).unwrap();
    std::fs::create_dir_all(root.join("target/debug")).unwrap();
    std::fs::write(root.join("README.md"), "no scripts here\n").unwrap();
    // Only skipped directories hold scripts.
    std::fs::write(root.join("node_modules/pkg/x.aether"), "fn broken( {\n").unwrap();
    std::fs::write(root.join("target/debug/y.aether"), "fn broken( {\n").unwrap();
    let out = aether(&["check", "."], &root);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        "warning: no .aether files found under the given paths\n"
    );
    let quiet = aether(&["check", ".", "--quiet"], &root);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stderr.is_empty());
    // One file: the summary says "file", "error", "warning" in the singular.
    std::fs::write(
        root.join("one.aether"),
        "intent: \"legacy\"\nfrobnicate(1)\n",
    )
    .unwrap();
    let one = aether(&["check", "."], &root);
    assert_eq!(one.status.code(), Some(1));
    assert!(
        text(&one.stderr).starts_with("checked 1 file: 1 failed, 1 error, 1 warning"),
        "{}",
        text(&one.stderr)
    );
    let _ = std::fs::remove_dir_all(&root);
}
