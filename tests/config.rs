//! Project configuration (`aether.toml`) and inline suppressions.
//!
//! - `corpus/config/`: every `.aether` file is checked with discovery on (the nearest
//!   `aether.toml` above it applies) and its diagnostics, as (rule id, line, message), must
//!   equal its `# expect:` lines, as in `corpus/validation/`.
//! - The real binary: `--config`, `--isolated`, broken configurations (exit 2 with the
//!   place), per-file ignores, suppressions, and every command that checks.

use aether::lint::check::{check_path, Settings};
use aether::project::config::ConfigSource;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[derive(Debug, PartialEq)]
struct Expect {
    rule: String,
    line: usize,
    message: String,
}

fn expectations(src: &str) -> Vec<Expect> {
    src.lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(|rest| {
            let (head, message) = rest
                .trim()
                .split_once(": ")
                .unwrap_or_else(|| panic!("expectation without a message: {rest}"));
            let mut it = head.split_whitespace();
            let rule = it.next().expect("rule id").to_string();
            assert_eq!(it.next(), Some("line"), "malformed expectation: {rest}");
            let line = it
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("malformed line number: {rest}"));
            Expect {
                rule,
                line,
                message: message.to_string(),
            }
        })
        .collect()
}

fn aether_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("corpus/config readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            aether_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "aether") {
            out.push(path);
        }
    }
}

#[test]
fn config_corpus_reports_exactly_the_expected_diagnostics() {
    let settings = Settings::new(Vec::new(), false)
        .with_config(ConfigSource::Discover)
        .expect("discovery needs no file up front");
    let mut files = Vec::new();
    aether_files(Path::new("corpus/config"), &mut files);
    files.sort();
    assert!(files.len() >= 12, "corpus/config has {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).expect("UTF-8 corpus file");
        let outcome = check_path(path, &settings);
        let got: Vec<Expect> = outcome
            .diagnostics
            .iter()
            .map(|d| Expect {
                rule: d.rule.id.to_string(),
                line: outcome.lines.line(d.span.start as usize),
                message: d.message.clone(),
            })
            .collect();
        let expected = expectations(&src);
        if got != expected {
            failures.push(format!(
                "{}:\n  expected {expected:#?}\n  got {got:#?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(settings.config_error(), None);
}

fn aether(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env("AETHER_MEMORY", ":memory:")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `aether check --format concise --quiet ARGS`: the diagnostic lines.
fn concise(args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["check", "--format", "concise", "--quiet"];
    all.extend_from_slice(args);
    let o = aether(&all);
    (
        o.status.code(),
        stdout(&o).lines().map(String::from).collect(),
    )
}

#[test]
fn ignore_and_per_file_ignores_apply_by_discovery() {
    let (code, lines) = concise(&["corpus/config/ignores"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines,
        [
            "corpus/config/ignores/daily_digest.aether:8:1: error[V001]: unknown function 'frobnicate'",
            "corpus/config/ignores/legacy/old_runtime.aether:7:5: warning[W002]: unreachable code",
            "corpus/config/ignores/plugins/cache_draft.aether:7:9: error[V001]: unknown function 'frobnicate'",
        ]
    );
}

#[test]
fn isolated_ignores_every_configuration_file() {
    let (code, lines) = concise(&["--isolated", "corpus/config/ignores"]);
    assert_eq!(code, Some(1));
    let has = |file: &str, rule: &str, line: usize| {
        let prefix = format!("corpus/config/ignores/{file}:{line}:");
        lines
            .iter()
            .any(|l| l.starts_with(&prefix) && l.contains(&format!("[{rule}]")))
    };
    assert!(has("daily_digest.aether", "L002", 4), "{lines:#?}");
    // Line 5 carries `# aether: ignore[L002]`, which now suppresses it.
    assert!(!has("daily_digest.aether", "L002", 5), "{lines:#?}");
    assert!(has("legacy/old_runtime.aether", "V001", 5), "{lines:#?}");
    assert!(has("plugins/cache_draft.aether", "W002", 9), "{lines:#?}");
    // Without configuration the end-of-line suppression of L002 is used, not reported.
    assert!(!lines.iter().any(|l| l.contains("W007")), "{lines:#?}");
}

#[test]
fn explicit_config_is_used_for_every_file() {
    // The strict folder's own aether.toml is not read: the outer one ignores L002.
    let strict = "corpus/config/nested/strict/release_goals.aether";
    let o = aether(&[
        strict,
        "--check",
        "--config",
        "corpus/config/nested/aether.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Per-file ignores of an explicit file are relative to its directory.
    let (code, lines) = concise(&[
        "--config",
        "corpus/config/ignores/aether.toml",
        "corpus/config/ignores/legacy",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("[W002]"), "{lines:#?}");
}

#[test]
fn deny_warnings_from_the_configuration() {
    let strict = "corpus/config/nested/strict/release_goals.aether";
    let o = aether(&[strict, "--check", "--json-status"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["code_name"], "VALIDATION_ERROR");
    assert_eq!(v["message"], "goal text is not quoted");
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(1), Some(0))
    );
    let o = aether(&[strict, "--check", "--isolated"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning only, without the configuration"
    );
}

#[test]
fn broken_explicit_configurations_exit_2_with_the_place() {
    let cases = [
        (
            "unknown_key",
            "3:1: unknown field `plugin_path`, expected `plugin-path` or `deny-warnings`",
        ),
        (
            "wrong_type",
            "2:10: invalid type: string \"L002\", expected a sequence",
        ),
        (
            "unignorable",
            "2:19: rule `P001` (syntax-error) cannot be ignored: parse errors are always reported",
        ),
    ];
    for (name, tail) in cases {
        let config = format!("corpus/config/broken/{name}.toml");
        let expected = format!("aether: error: {config}:{tail}");
        for args in [
            vec!["check", "corpus/config/broken", "--config", &config],
            vec![
                "corpus/config/broken/status_report.aether",
                "--check",
                "--json-status",
                "--config",
                &config,
            ],
        ] {
            let o = aether(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert_eq!(stderr(&o).trim_end(), expected, "{args:?}");
            assert_eq!(stdout(&o), "", "nothing is checked: {args:?}");
        }
    }
    let o = aether(&["check", "--config", "corpus/config/broken/missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(
        "aether: error: corpus/config/broken/missing.toml: cannot read the configuration"
    ));
}

#[test]
fn broken_discovered_configuration_stops_every_checking_command() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("jobs")).unwrap();
    std::fs::write(
        root.join("aether.toml"),
        "[lint]\nignore = [\"L002\", \"V999\"]\n",
    )
    .unwrap();
    let script = root.join("jobs/nightly.aether");
    std::fs::write(&script, "goal: \"Nightly run\"\nprint(\"ok\")\n").unwrap();
    let dir = root.to_str().unwrap();
    let file = script.to_str().unwrap();
    let out = root.join("out.json");
    let out = out.to_str().unwrap();
    let md = root.join("out.md");
    let hist = root.join("history");
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", dir],
        vec![file, "--check", "--json-status"],
        vec![file],
        vec!["run", file],
        vec!["baseline", "--root", dir, "--output", out],
        vec![
            "classify",
            "--root",
            dir,
            "--output",
            out,
            "--markdown",
            md.to_str().unwrap(),
            "--history-dir",
            hist.to_str().unwrap(),
        ],
    ];
    for args in &commands {
        let o = aether(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("aether: error: ")
                && err.contains("aether.toml:2:19: unknown rule `V999` in `ignore`"),
            "{args:?}: {err}"
        );
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(!Path::new(out).exists(), "{args:?} wrote its output");
    }
    // `--isolated` does not read it.
    let o = aether(&["check", "--isolated", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = aether(&[file, "--isolated"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "goal: Nightly run\nok\n");
}

#[test]
fn inline_suppressions_and_unused_ones() {
    let (code, lines) = concise(&["corpus/config/suppressions"]);
    assert_eq!(code, Some(1));
    let d = "corpus/config/suppressions";
    assert_eq!(
        lines,
        [
            format!("{d}/brace_plugin.aether:13:9: error[V001]: unknown function 'rotate_logs'"),
            format!("{d}/brace_plugin.aether:14:42: warning[W007]: unused suppression of 'W002'"),
            format!("{d}/neurocode_file_wide.aether:3:29: warning[W007]: unused suppression of 'legacy-intent'"),
            format!("{d}/neurocode_file_wide.aether:11:1: error[V001]: unknown function 'page_oncall'"),
            format!("{d}/parse_error_no_noise.aether:7:27: error[P002]: expected '}}' to close the block opened at line 6"),
            format!("{d}/python_like.aether:11:5: error[V001]: unknown function 'compress_session'"),
            format!("{d}/python_like.aether:11:49: warning[W007]: unknown rule 'V01' in suppression"),
            format!("{d}/python_like.aether:20:5: warning[W002]: unreachable code"),
            format!("{d}/string_is_not_a_suppression.aether:4:1: error[V001]: unknown function 'frobnicate'"),
        ]
    );
    // Ignoring W007 in configuration silences unused suppressions.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("aether.toml"),
        "[lint]\nignore = [\"unused-suppression\"]\n",
    )
    .unwrap();
    let file = tmp.path().join("a.aether");
    std::fs::write(&file, "x = 1  # aether: ignore[V001]\nprint(x)\n").unwrap();
    let o = aether(&[file.to_str().unwrap(), "--check"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    let o = aether(&[file.to_str().unwrap(), "--check", "--isolated"]);
    assert!(
        stderr(&o).contains("unused suppression of 'V001'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn runs_find_modules_through_the_configured_plugin_path() {
    let greet = "corpus/config/plugin_path/scripts/greet.aether";
    let o = aether(&[greet]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "HELLO world\n");
    let o = aether(&["run", greet, "--isolated"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("module 'shared/text_tools' was not found"));
}
