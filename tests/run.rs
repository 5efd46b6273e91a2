//! `corpus/run/`: scripts executed by the real binary, each checked against its expectations.
//!
//! A case is `NAME.aether` with `NAME.stdout` beside it (the exact output of the run, without
//! the JSON status line) and optional header lines:
//!
//! ```text
//! # expect-code: RUNTIME_ERROR        (default SUCCESS)
//! # expect-line: 12                   (the line of the first error)
//! # expect-message: division by zero  (the first error's message)
//! # expect-memory: goal 1             (entries of a category in the store after the run)
//! # args: --max-steps 5000            (extra command-line flags)
//!
//! Every run writes its effect trace (`--effects`); `NAME.effects` beside the case holds the
//! exact JSON lines expected, and must exist when the run records any.
//! ```
//!
//! Every case runs with `--deterministic` and a fresh memory file in a temporary directory.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    code: String,
    line: Option<u64>,
    message: Option<String>,
    memory: Vec<(String, usize)>,
    args: Vec<String>,
}

fn header(src: &str) -> Case {
    let mut case = Case {
        code: "SUCCESS".into(),
        line: None,
        message: None,
        memory: Vec::new(),
        args: Vec::new(),
    };
    for l in src.lines() {
        let Some(rest) = l.strip_prefix("# ") else {
            continue;
        };
        if let Some(v) = rest.strip_prefix("expect-code: ") {
            case.code = v.trim().to_string();
        } else if let Some(v) = rest.strip_prefix("expect-line: ") {
            case.line = Some(v.trim().parse().expect("line number"));
        } else if let Some(v) = rest.strip_prefix("expect-message: ") {
            case.message = Some(v.trim().to_string());
        } else if let Some(v) = rest.strip_prefix("expect-memory: ") {
            let (cat, n) = v.trim().rsplit_once(' ').expect("category and count");
            case.memory
                .push((cat.to_string(), n.parse().expect("count")));
        } else if let Some(v) = rest.strip_prefix("args: ") {
            case.args = v.split_whitespace().map(String::from).collect();
        }
    }
    case
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aether-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_case(path: &Path) -> Result<(), String> {
    let src = std::fs::read_to_string(path).unwrap();
    let case = header(&src);
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = temp_dir(&name);
    let db = dir.join("memory.db");
    let trace = dir.join("effects.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg("run")
        .arg(path)
        .args([
            "--deterministic",
            "--json-status",
            "--color",
            "never",
            "--memory",
        ])
        .arg(&db)
        .arg("--effects")
        .arg(&trace)
        .args(&case.args)
        .env_remove("AETHER_MEMORY")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let (output, status) = match stdout.trim_end_matches('\n').rsplit_once('\n') {
        Some((o, s)) => (format!("{o}\n"), s.to_string()),
        None => (String::new(), stdout.trim_end().to_string()),
    };
    let status: Value = serde_json::from_str(&status)
        .map_err(|e| format!("no JSON status ({e}); stdout:\n{stdout}\nstderr:\n{stderr}"))?;
    let mut problems = Vec::new();
    if status["code_name"] != case.code.as_str() {
        problems.push(format!(
            "code {} (expected {})\n{stderr}",
            status["code_name"], case.code
        ));
    }
    let expected_exit = if case.code == "SUCCESS" { 0 } else { 1 };
    if out.status.code() != Some(expected_exit) {
        problems.push(format!("exit status {:?}", out.status.code()));
    }
    if let Some(line) = case.line {
        if status["line"] != line {
            problems.push(format!("line {} (expected {line})", status["line"]));
        }
    }
    if let Some(m) = &case.message {
        if status["message"] != m.as_str() {
            problems.push(format!("message {} (expected {m:?})", status["message"]));
        }
    }
    let expected_path = path.with_extension("stdout");
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|_| format!("{} is missing", expected_path.display()))?;
    if output != expected {
        problems.push(format!(
            "stdout differs:\n--- expected\n{expected}--- got\n{output}"
        ));
    }
    // What the script asked of the host: `NAME.effects` holds the exact trace (JSON lines);
    // a case that records effects must have one.
    let effects = std::fs::read_to_string(&trace).unwrap_or_default();
    let effects_path = path.with_extension("effects");
    match std::fs::read_to_string(&effects_path) {
        Ok(expected) if expected != effects => problems.push(format!(
            "effects differ:\n--- expected\n{expected}--- got\n{effects}"
        )),
        Ok(_) => {}
        Err(_) if !effects.is_empty() => problems.push(format!(
            "{} is missing; the run recorded:\n{effects}",
            effects_path.display()
        )),
        Err(_) => {}
    }
    if !case.memory.is_empty() {
        let memory = aether::run::memory::Memory::open(&db).map_err(|e| e.to_string())?;
        for (category, n) in &case.memory {
            let got = memory.count(Some(category)).map_err(|e| e.to_string())?;
            if got != *n {
                problems.push(format!("memory '{category}': {got} entries (expected {n})"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn run_corpus() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("corpus/run")
        .expect("corpus/run exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "aether"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "corpus/run has {} cases", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| run_case(p).err().map(|e| format!("{}:\n{e}", p.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn memory_persists_across_runs() {
    let dir = temp_dir("persist");
    let db = dir.join("nested/memory.db");
    let script = dir.join("note.aether");
    std::fs::write(
        &script,
        "let seen = search_memory({ kind: \"visit\" })\nprint(\"visits before:\", len(seen))\nstore_memory({ kind: \"visit\" }, \"visit\")\n",
    )
    .unwrap();
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_aether"))
            .arg(&script)
            .arg("--memory")
            .arg(&db)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(), "visits before: 0\n");
    assert_eq!(run(), "visits before: 1\n");
    assert_eq!(run(), "visits before: 2\n");
    // The store is a real SQLite file.
    let bytes = std::fs::read(&db).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn aether_memory_env_and_in_memory_store() {
    let dir = temp_dir("env");
    let db = dir.join("env.db");
    let script = dir.join("s.aether");
    std::fs::write(
        &script,
        "store(\"x\", tag=\"t\")\nprint(summarize(\"t\"))\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg(&script)
        .env("AETHER_MEMORY", &db)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 entries about t\n");
    assert!(db.exists(), "AETHER_MEMORY chooses the file");
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg(&script)
        .args(["--memory", ":memory:"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 entries about t\n");
    assert!(!dir.join(".aetherra").exists(), ":memory: writes no file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeout_reports_the_running_line() {
    let dir = temp_dir("timeout");
    let script = dir.join("spin.aether");
    std::fs::write(&script, "let n = 0\nwhile true {\n    n += 1\n}\n").unwrap();
    let start = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg(&script)
        .args([
            "--timeout",
            "0.5",
            "--memory",
            ":memory:",
            "--json-status",
            "--emit-error-code",
        ])
        .output()
        .unwrap();
    assert!(start.elapsed().as_secs_f64() < 5.0);
    assert_eq!(out.status.code(), Some(1));
    let status: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(status["code"], 23);
    assert_eq!(status["code_name"], "TIMEOUT_ERROR");
    assert_eq!(status["phase"], "execute");
    assert!(matches!(status["line"].as_u64(), Some(2 | 3)), "{status}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("AETHER_ERROR_CODE:23"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_does_not_check_does_not_run() {
    let dir = temp_dir("nocheck");
    let script = dir.join("bad.aether");
    std::fs::write(&script, "print(\"side effect\")\nfrobnicate(1)\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg(&script)
        .args(["--memory", ":memory:", "--json-status"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("side effect"), "{stdout}");
    let status: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(status["code_name"], "VALIDATION_ERROR");
    assert_eq!(status["phase"], "parse");
    assert_eq!(status["line"], 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every builtin of the registry runs (none falls through to UNSUPPORTED_FEATURE): the
/// registry is a promise the interpreter keeps. A new builtin needs a sample call here.
#[test]
fn every_registered_builtin_is_implemented() {
    let samples: &[(&str, &str)] = &[
        ("abs", "abs(-3)"),
        ("all", "all([true, 1])"),
        ("any", "any([false, 1])"),
        ("available_plugins", "available_plugins()"),
        ("average", "average([1, 2, 3])"),
        ("call_plugin", "call_plugin(\"probe\", \"ping\", 1)"),
        ("check_confidence", "check_confidence(0.7)"),
        ("count", "count([1, 2, 3], x => x > 1)"),
        ("delete_memory", "delete_memory(store(\"a\"))"),
        ("delete_memory_entry", "delete_memory_entry(store(\"b\"))"),
        (
            "detect_anomalies",
            "detect_anomalies([{ level: \"error\" }, { level: \"info\" }])",
        ),
        ("escalate_to", "escalate_to(\"ops\", \"disk full\")"),
        ("evaluate_confidence", "evaluate_confidence(0.4)"),
        ("float", "float(\"2.5\")"),
        ("generate_uuid", "generate_uuid()"),
        ("get_global", "get_global(\"k\", 0)"),
        ("get_memory", "get_memory(store(\"c\"))"),
        ("int", "int(\"42\")"),
        ("len", "len([1, 2])"),
        ("load_feature_index", "load_feature_index()"),
        ("load_logs", "load_logs()"),
        ("log", "log(\"a\", 1)"),
        ("max", "max(1, 5, 3)"),
        ("metrics", "metrics(\"latency\", 12)"),
        ("min", "min([4, 2])"),
        ("narrate", "narrate(\"hello\")"),
        ("notify", "notify(\"ops\", \"done\")"),
        ("now", "now()"),
        ("setInterval", "setInterval(() => clearInterval(1), 10)"),
        ("setTimeout", "setTimeout(() => print(\"later\"), 5)"),
        ("clearInterval", "clearInterval(99)"),
        ("clearTimeout", "clearTimeout(98)"),
        ("plugin", "plugin(\"probe\")"),
        ("print", "print(\"p\")"),
        ("random", "random()"),
        ("range", "range(1, 4)"),
        ("reflect", "reflect(\"cache\")"),
        ("round", "round(2.567, 2)"),
        ("run_plugin", "run_plugin(\"probe\")"),
        ("search_memory", "search_memory(\"a\")"),
        ("search_memory_one", "search_memory_one({ kind: \"x\" })"),
        ("self_heal", "self_heal(\"cache\")"),
        ("set_global", "set_global(\"k\", 1)"),
        ("sleep", "sleep(1)"),
        ("sorted", "sorted([3, 1, 2])"),
        ("store", "store(\"d\", tag=\"t\")"),
        ("store_memory", "store_memory({ kind: \"x\" }, \"t\")"),
        ("str", "str(5)"),
        ("sum", "sum([1, 2])"),
        ("summarize", "summarize([1, 2])"),
        ("trace", "trace(\"step\")"),
        ("typeof", "typeof(1)"),
        (
            "update_memory",
            "update_memory(store_memory({ a: 1 }), { a: 2 })",
        ),
    ];
    let mut script = String::from(
        "plugin probe {\n    fn ping(x) { return x }\n    on_run { log \"probe ran\" }\n}\n",
    );
    for b in aether::registry::builtins::BUILTINS {
        let call = samples
            .iter()
            .find(|(n, _)| *n == b.name)
            .unwrap_or_else(|| panic!("no sample call for the builtin '{}'", b.name))
            .1;
        script.push_str(&format!("let r_{} = {call}\n", b.name));
    }
    let dir = temp_dir("builtins");
    let path = dir.join("all.aether");
    std::fs::write(&path, &script).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg(&path)
        .args(["--deterministic", "--memory", ":memory:", "--json-status"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let status: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(
        status["code_name"],
        "SUCCESS",
        "{status}\n{}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_store_is_created_only_by_a_write() {
    // No `--memory`, no AETHER_MEMORY: the store would be `.aetherra/memory.db` in the
    // current folder, and only a script that writes to memory may create it.
    let dir = temp_dir("lazy-store");
    let run = |script: &str| {
        let path = dir.join("s.aether");
        std::fs::write(&path, script).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_aether"))
            .arg(&path)
            .current_dir(&dir)
            .env_remove("AETHER_MEMORY")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(run("print(1 + 1)\n"), "2\n");
    assert!(
        !dir.join(".aetherra").exists(),
        "a run without memory creates nothing"
    );
    // A read of the missing store sees an empty one, and creates nothing either.
    assert_eq!(run("print(summarize(\"t\"))\n"), "0 entries about t\n");
    assert!(!dir.join(".aetherra").exists(), "a read creates nothing");
    assert_eq!(
        run("store(\"x\", tag=\"t\")\nprint(summarize(\"t\"))\n"),
        "1 entries about t\n"
    );
    assert!(
        dir.join(".aetherra/memory.db").is_file(),
        "a write creates the store"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
