//! CLI behaviour, tested by running the real binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn aether(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

fn status_json(o: &Output) -> Value {
    let out = stdout(o);
    assert_eq!(
        out.lines().count(),
        1,
        "exactly one JSON line on stdout: {out:?}"
    );
    serde_json::from_str(out.trim_end()).expect("valid JSON")
}

const KEYS: [&str; 8] = [
    "ok",
    "code",
    "code_name",
    "file",
    "phase",
    "message",
    "line",
    "timestamp",
];

fn assert_key_order(v: &Value) {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(&keys[..8], &KEYS, "documented keys first, in order");
}

#[test]
fn check_valid_file_json_status_and_error_code() {
    let path = "corpus/valid/brace/loops_and_counters.aether";
    let o = aether(&[path, "--check", "--json-status", "--emit-error-code"]);
    assert_eq!(o.status.code(), Some(0));
    let v = status_json(&o);
    assert_key_order(&v);
    assert_eq!(v["ok"], true);
    assert_eq!(v["code"], 0);
    assert_eq!(v["code_name"], "SUCCESS");
    assert_eq!(v["file"], path);
    assert_eq!(v["phase"], "parse");
    assert_eq!(v["message"], "parse ok");
    assert!(v["line"].is_null());
    let ts = v["timestamp"].as_str().unwrap();
    assert!(ts.ends_with("+00:00") && ts.len() == 32, "{ts}");
    assert_eq!(stderr(&o).trim_end(), "AETHER_ERROR_CODE:0");
}

#[test]
fn check_invalid_file_reports_first_error() {
    let path = "corpus/invalid/unclosed_brace_at_eof.aether";
    let o = aether(&[
        path,
        "--check",
        "--json-status",
        "--emit-error-code",
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = status_json(&o);
    assert_key_order(&v);
    assert_eq!(v["ok"], false);
    assert_eq!(v["code"], 20);
    assert_eq!(v["code_name"], "PARSE_ERROR");
    assert_eq!(v["line"], 13);
    assert_eq!(
        v["message"],
        "expected '}' to close the block opened at line 3"
    );
    let err = stderr(&o);
    assert!(err.contains("P002 unclosed-delimiter"), "{err}");
    assert!(err.contains("opened here"), "{err}");
    assert!(err.trim_end().ends_with("AETHER_ERROR_CODE:20"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour with --color never");
}

#[test]
fn check_without_json_prints_nothing_on_stdout() {
    let o = aether(&["corpus/invalid/two_errors.aether", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert_eq!(
        err.matches("Error:").count(),
        2,
        "both errors reported: {err}"
    );
}

#[test]
fn colour_policy() {
    let path = "corpus/invalid/two_errors.aether";
    let always = aether(&[path, "--check", "--color", "always"]);
    assert!(stderr(&always).contains('\u{1b}'));
    let never = Command::new(env!("CARGO_BIN_EXE_aether"))
        .args([path, "--check", "--color", "auto"])
        .env("FORCE_COLOR", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !stderr(&never).contains('\u{1b}'),
        "NO_COLOR wins over FORCE_COLOR"
    );
}

#[test]
fn missing_file_is_io_error_in_read_phase() {
    let o = aether(&["does/not/exist.aether", "--check", "--json-status"]);
    assert_eq!(o.status.code(), Some(1));
    let v = status_json(&o);
    assert_eq!(v["code"], 26);
    assert_eq!(v["code_name"], "IO_ERROR");
    assert_eq!(v["phase"], "read");
    assert_eq!(v["file"], "does/not/exist.aether");
    assert!(
        v["line"].is_null(),
        "no line for a file that cannot be opened"
    );
}

#[test]
fn invalid_utf8_reports_byte_offset() {
    let dir = std::env::temp_dir().join(format!("aether-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.aether");
    std::fs::write(&file, b"goal: \"x\"\n\xc3\x28\n").unwrap();
    let o = aether(&[file.to_str().unwrap(), "--check", "--json-status"]);
    let v = status_json(&o);
    assert_eq!(v["code"], 26);
    assert_eq!(v["line"], 2);
    assert!(
        v["message"].as_str().unwrap().contains("byte offset 10"),
        "{v}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(aether(&[]).status.code(), Some(2));
    assert_eq!(aether(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(aether(&["explain", "Z999"]).status.code(), Some(2));
}

#[test]
fn explain_documents_every_rule_builtin_and_verb() {
    let all = stdout(&aether(&["explain"]));
    for rule in aether::syntax::diagnostic::rules::ALL {
        assert!(all.contains(rule.id), "{} listed", rule.id);
        let by_id = aether(&["explain", rule.id]);
        let by_name = aether(&["explain", rule.name]);
        assert_eq!(by_id.status.code(), Some(0), "{}", rule.id);
        assert_eq!(stdout(&by_id), stdout(&by_name), "{}", rule.id);
        let text = stdout(&by_id);
        assert!(text.contains(rule.code.name()), "{}", rule.id);
        assert!(text.contains(rule.doc), "{} has its doc", rule.id);
    }
    let builtins = stdout(&aether(&["explain", "builtins"]));
    for b in aether::registry::builtins::BUILTINS {
        assert!(builtins.contains(&b.signature()), "{} listed", b.name);
    }
    let verbs = stdout(&aether(&["explain", "verbs"]));
    assert_eq!(
        verbs.lines().count(),
        aether::registry::vocabulary::VERBS.len()
    );
    assert!(stdout(&aether(&["explain", "load_logs"])).contains("load_logs(source?, tag?"));
}

/// The rule id, line and message of the first `# expect:` line whose rule is an error.
fn first_expected_error(src: &str) -> Option<(usize, String)> {
    src.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .filter(|rest| rest.starts_with('V'))
        .map(|rest| {
            let (head, message) = rest.split_once(": ").expect("message");
            let line = head.split_whitespace().nth(2).unwrap().parse().unwrap();
            (line, message.to_string())
        })
        .next()
}

#[test]
fn validation_cases_json_status_carries_the_first_error() {
    let mut seen = 0;
    for entry in walkdir::WalkDir::new("corpus/validation") {
        let entry = entry.unwrap();
        if entry.path().extension() != Some(std::ffi::OsStr::new("aether")) {
            continue;
        }
        seen += 1;
        let path = entry.path().to_str().unwrap();
        let src = std::fs::read_to_string(path).unwrap();
        let o = aether(&[path, "--check", "--json-status"]);
        let v = status_json(&o);
        assert_key_order(&v);
        assert_eq!(v["phase"], "parse", "{path}");
        match first_expected_error(&src) {
            Some((line, message)) => {
                assert_eq!(o.status.code(), Some(1), "{path}");
                assert_eq!(v["code"], 25, "{path}");
                assert_eq!(v["code_name"], "VALIDATION_ERROR", "{path}");
                assert_eq!(v["line"], line, "{path}");
                assert_eq!(v["message"], message.as_str(), "{path}");
            }
            None => {
                // Warnings are shown but do not fail the check.
                assert_eq!(o.status.code(), Some(0), "{path}: {}", stderr(&o));
                assert_eq!(v["code_name"], "SUCCESS", "{path}");
                assert_eq!(v["message"], "parse ok", "{path}");
            }
        }
    }
    assert!(seen >= 20, "the validation corpus has {seen} files");
}

#[test]
fn deny_warnings_turns_warnings_into_failures() {
    // `intent:` is a legacy form: a warning, so the file passes...
    let path = "corpus/valid/line/directives.aether";
    let o = aether(&[path, "--check", "--json-status"]);
    assert_eq!(o.status.code(), Some(0));
    let v = status_json(&o);
    assert!(v["warnings"].as_u64().unwrap() > 0, "{v}");
    assert!(
        stderr(&o).contains("L001"),
        "warnings are shown: {}",
        stderr(&o)
    );
    // ...unless warnings are denied.
    let o = aether(&[path, "--check", "--json-status", "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1));
    let v = status_json(&o);
    assert_eq!(v["code_name"], "VALIDATION_ERROR");
    assert_eq!(v["message"], "'intent:' is the legacy spelling of 'goal:'");
    let bulk = aether(&["check", path, "--deny-warnings"]);
    assert_eq!(bulk.status.code(), Some(1));
}

#[test]
fn plugin_path_finds_modules_outside_the_file_tree() {
    let root = std::env::temp_dir().join(format!("aether-plugin-path-{}", std::process::id()));
    let lib = root.join("lib");
    let app = root.join("app");
    std::fs::create_dir_all(lib.join("net")).unwrap();
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        lib.join("net/http.aether"),
        "fn fetch(url) {\n    return url\n}\n",
    )
    .unwrap();
    let script = app.join("main.aether");
    std::fs::write(
        &script,
        "import \"net/http\" as http\nlet a = http.fetch(\"x\")\nlet b = http.fecth(\"y\")\n",
    )
    .unwrap();
    let script = script.to_str().unwrap();
    // Not found: a warning at the import; the calls are not checked.
    let o = aether(&[script, "--check", "--json-status"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("W005"), "{}", stderr(&o));
    // Found through --plugin-path: the misspelt call is an error, with a suggestion.
    let o = aether(&[
        script,
        "--check",
        "--json-status",
        "--color",
        "never",
        "--plugin-path",
        lib.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = status_json(&o);
    assert_eq!(v["message"], "module 'net/http' has no function 'fecth'");
    assert_eq!(v["line"], 3);
    assert!(
        stderr(&o).contains("did you mean `fetch`?"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn unknown_function_suggests_a_close_builtin() {
    let root = std::env::temp_dir().join(format!("aether-suggest-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let script = root.join("s.aether");
    std::fs::write(
        &script,
        "goal: \"digest\"\nreport: summarise(load_logs())\n",
    )
    .unwrap();
    let o = aether(&[
        script.to_str().unwrap(),
        "--check",
        "--json-status",
        "--emit-error-code",
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = status_json(&o);
    assert_eq!(v["message"], "unknown function 'summarise'");
    assert_eq!(v["line"], 2);
    assert_eq!(v["column"], 9);
    let err = stderr(&o);
    assert!(err.contains("did you mean `summarize`?"), "{err}");
    assert!(err.contains("AETHER_ERROR_CODE:25"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn parse_dumps_kinds_and_spans() {
    let o = aether(&["parse", "corpus/valid/neurocode/remember_recall.aether"]);
    assert_eq!(o.status.code(), Some(0));
    let tree: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let first = &tree["stmts"][0];
    assert!(first["kind"].is_string());
    assert!(first["span"].as_str().unwrap().contains(".."));
    let text = stdout(&o);
    assert!(text.contains("\"kind\": \"Remember\""));
    assert!(text.contains("\"kind\": \"Recall\""));
}

#[test]
fn parse_stats_separates_fallbacks_and_errors() {
    let o = aether(&["parse", "--stats", "corpus/valid", "corpus/invalid"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("generic fallbacks:"));
    assert!(out.contains("error nodes:"));
    assert!(out.lines().any(|l| l.trim_start().starts_with("Command")));
    let files: usize = out
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(files > 90, "{out}");
}

#[test]
fn tokens_include_layout_and_comments() {
    let o = aether(&["tokens", "corpus/valid/layout/end_closed_blocks.aether"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for kind in [
        "\tIndent\t",
        "\tDedent\t",
        "\tNewline\t",
        "\tComment\t",
        "\tIdent\t",
    ] {
        assert!(out.contains(kind), "{kind} missing");
    }
}

#[test]
fn bulk_check_exit_codes_and_deterministic_order() {
    let ok = aether(&["check", "corpus/valid", "--format", "concise"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let bad = aether(&["check", "corpus/invalid", "--format", "concise"]);
    assert_eq!(bad.status.code(), Some(1));
    let again = aether(&["check", "corpus/invalid", "--format", "concise"]);
    assert_eq!(stdout(&bad), stdout(&again));
    let lines: Vec<_> = stdout(&bad).lines().map(String::from).collect();
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| l.split(':').next().unwrap().to_string());
    assert_eq!(
        lines
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        sorted
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>()
    );
    let zero = aether(&["check", "corpus/invalid", "--exit-zero"]);
    assert_eq!(zero.status.code(), Some(0));
    assert!(Path::new("corpus/invalid").exists());
}

/// A file with more diagnostics than people can read shows the first `HUMAN_LIMIT` in the
/// human format and says how many more there are; the line-per-diagnostic and machine
/// formats list every one.
#[test]
fn human_output_caps_the_diagnostics_of_a_file() {
    let dir = std::env::temp_dir().join(format!("aether-cap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("closers.aether");
    let n = 1_000;
    std::fs::write(&path, ")\n".repeat(n)).unwrap();
    let p = path.to_str().unwrap();
    let limit = aether::lint::render::HUMAN_LIMIT;
    let headers = |text: &str| text.lines().filter(|l| l.contains("] Error:")).count();
    let more = format!("{} more diagnostics not shown", n - limit);

    let bulk = aether(&["check", p]);
    assert_eq!(bulk.status.code(), Some(1));
    let out = stdout(&bulk);
    assert_eq!(
        headers(&out),
        limit,
        "{}",
        &out[out.len().saturating_sub(500)..]
    );
    assert_eq!(out.matches(&more).count(), 1, "{}", &out[out.len() - 500..]);
    assert!(
        stderr(&bulk).contains(&format!("{n} errors")),
        "{}",
        stderr(&bulk)
    );

    let one = aether(&[p, "--check"]);
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(headers(&stderr(&one)), limit);
    assert!(stderr(&one).contains(&more));

    let concise = aether(&["check", p, "--format", "concise"]);
    assert_eq!(
        stdout(&concise)
            .lines()
            .filter(|l| l.contains("error["))
            .count(),
        n
    );
    let json = aether(&["check", p, "--format", "json"]);
    assert_eq!(stdout(&json).matches("\"severity\"").count(), n);
    let _ = std::fs::remove_dir_all(&dir);
}

fn aether_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// Exit 2 and exactly one line on stderr, starting `error: `.
fn assert_one_line_usage_error(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn several_files_at_top_level_are_checked_one_after_another() {
    let valid = "corpus/valid/brace/loops_and_counters.aether";
    let invalid = "corpus/invalid/two_errors.aether";
    let o = aether(&[valid, invalid, valid, "--check", "--json-status"]);
    assert_eq!(o.status.code(), Some(1), "the worst exit status");
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let files: Vec<&str> = lines.iter().map(|v| v["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [valid, invalid, valid],
        "one status line per file, in order"
    );
    assert_eq!(lines[1]["code_name"], "PARSE_ERROR");
    let clean = aether(&[valid, valid, "--check"]);
    assert_eq!(clean.status.code(), Some(0));

    // A run takes one file.
    let o = aether(&[valid, valid]);
    let err = assert_one_line_usage_error(&o);
    assert!(err.contains("one file") && err.contains("--check"), "{err}");
}

#[test]
fn a_mistyped_subcommand_is_not_read_as_a_file() {
    for args in [
        &["chek", "corpus/valid"][..],
        &["chek"],
        &["chekc", "--color", "never"],
    ] {
        let o = aether(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: unrecognized subcommand '{}'", args[0])),
            "{err}"
        );
        assert!(
            err.contains("tip: a similar subcommand exists: 'check'"),
            "{err}"
        );
        assert!(!err.contains("cannot read"), "{err}");
    }
    let o = aether(&["--color", "never", "clasify"]);
    assert!(stderr(&o).contains("'classify'"), "{}", stderr(&o));

    for fmt in ["fmt", "format"] {
        let err = assert_one_line_usage_error(&aether(&[fmt]));
        assert!(err.contains("no formatter"), "{err}");
        assert!(
            err.contains("aether migrate") && err.contains("aether check"),
            "{err}"
        );
    }

    // Neither a file nor close to a subcommand: the file cannot be read, said in one line.
    let o = aether(&["no-such-script.aether", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot read 'no-such-script.aether': no such file"),
        "{err}"
    );
}

#[test]
fn a_directory_at_top_level_points_at_aether_check() {
    for args in [&["corpus/valid"][..], &["corpus/valid", "--check"]] {
        let err = assert_one_line_usage_error(&aether(args));
        assert_eq!(
            err.trim_end(),
            "error: `corpus/valid` is a directory; use `aether check corpus/valid`"
        );
    }
}

#[test]
fn options_belong_to_the_commands_that_read_them() {
    let o = aether(&["explain", "V001", "--memory", "x", "--max-steps", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let help = |args: &[&str]| stdout(&aether(args));
    let tokens = help(&["tokens", "--help"]);
    assert!(
        !tokens.contains("--memory") && !tokens.contains("--isolated"),
        "{tokens}"
    );
    assert!(tokens.contains("--color"), "--color is global: {tokens}");
    let check = help(&["check", "--help"]);
    assert!(check.contains("--isolated") && check.contains("--deny-warnings"));
    assert!(
        !check.contains("--memory") && !check.contains("--timeout"),
        "{check}"
    );
    let run = help(&["run", "--help"]);
    for flag in [
        "--memory",
        "--until",
        "--effects",
        "--strict",
        "--plugin-path",
        "--config",
    ] {
        assert!(run.contains(flag), "run has {flag}");
    }
    let classify = help(&["classify", "--help"]);
    assert!(
        classify.contains("--timeout") && classify.contains("[default: 8]"),
        "{classify}"
    );
    assert!(
        !classify.contains("--deny-warnings"),
        "classify does not read it"
    );
    let baseline = help(&["baseline", "--help"]);
    assert!(baseline.contains("[default: 4]"), "{baseline}");
    let init = help(&["init", "--help"]);
    assert!(
        init.contains("--plugin-path") && !init.contains("--config"),
        "{init}"
    );
    // Where they belong, the options work as before.
    let o = aether(&[
        "check",
        "--isolated",
        "--quiet",
        "--format",
        "concise",
        "corpus/valid/brace",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
}

#[test]
fn stdin_is_checked_and_run_under_its_stdin_filename() {
    let text = "goal: \"x\"\nfrobnicate()\n";
    let o = aether_stdin(&["-", "--check", "--json-status", "--color", "never"], text);
    assert_eq!(o.status.code(), Some(1));
    let v = status_json(&o);
    assert_eq!(v["file"], "<stdin>");
    assert_eq!(v["message"], "unknown function 'frobnicate'");
    assert!(stderr(&o).contains("<stdin>:2:1"), "{}", stderr(&o));

    // The name is shown, and the configuration of that place applies: corpus/config/ignores
    // ignores V001 under legacy/.
    let check_as = |name: &str| {
        aether_stdin(
            &[
                "check",
                "-",
                "--stdin-filename",
                name,
                "--format",
                "concise",
            ],
            text,
        )
    };
    let o = check_as("corpus/config/ignores/legacy/piped.aether");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let name = "corpus/config/ignores/piped.aether";
    let o = check_as(name);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with(&format!("{name}:2:1: error[V001]")),
        "{}",
        stdout(&o)
    );
    let o = aether_stdin(&["check", "-", "corpus/valid"], text);
    assert_one_line_usage_error(&o);

    // `aether -` runs it.
    let o = aether_stdin(&["-", "--memory", ":memory:"], "print(6 * 7)\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "42\n");
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = aether(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        assert!(script.contains("aether"), "{shell}");
        assert!(script.contains("baseline"), "{shell} completes subcommands");
    }
    assert_eq!(aether(&["completions", "tcsh"]).status.code(), Some(2));
    let o = aether(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.starts_with(".TH") || page.starts_with(".ie"), "{page}");
    assert!(page.contains("completions"), "subcommands are listed");
}

#[test]
fn a_plugin_path_that_does_not_exist_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.aether");
    std::fs::write(&script, "print(1)\n").unwrap();
    let s = script.to_str().unwrap();
    let commands: [&[&str]; 9] = [
        &[s, "--check"],
        &[s],
        &["run", s],
        &["check", s],
        &["migrate", s],
        &["init", s],
        &["baseline"],
        &["classify"],
        &["gates"],
    ];
    for args in commands {
        let o = Command::new(env!("CARGO_BIN_EXE_aether"))
            .args(args)
            .args(["--plugin-path", "no-such-dir"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = assert_one_line_usage_error(&o);
        assert!(
            err.contains("'no-such-dir' does not exist"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing was written"
    );
}

#[test]
fn a_run_shows_the_warnings_the_check_shows() {
    let path = "corpus/valid/line/directives.aether";
    let checked = aether(&[path, "--check", "--json-status", "--color", "never"]);
    let run = aether(&[
        path,
        "--json-status",
        "--memory",
        ":memory:",
        "--deterministic",
        "--color",
        "never",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let (c, r) = (status_json(&checked), last_json(&run));
    assert!(c["warnings"].as_u64().unwrap() > 0);
    assert_eq!(r["warnings"], c["warnings"], "{r}");
    assert_eq!(r["phase"], "execute");
    let warnings = |o: &Output| {
        stderr(o)
            .lines()
            .filter(|l| l.contains("] Warning:"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(warnings(&run), warnings(&checked));
}

fn last_json(o: &Output) -> Value {
    serde_json::from_str(stdout(o).lines().last().expect("a status line")).unwrap()
}

#[test]
fn explain_lists_rules_in_aligned_columns_with_severity() {
    let all = stdout(&aether(&["explain"]));
    let mut lines = all.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ID"), "{header}");
    let col = |name: &str| header.find(name).unwrap();
    let (severity, code) = (col("SEVERITY"), col("CODE"));
    let rows: Vec<&str> = lines
        .take(aether::syntax::diagnostic::rules::ALL.len())
        .collect();
    for (rule, row) in aether::syntax::diagnostic::rules::ALL.iter().zip(&rows) {
        assert!(row.starts_with(rule.id), "{row}");
        let sev = row[severity..].split_whitespace().next().unwrap();
        let code_cell = &row[code..];
        match rule.severity {
            aether::syntax::diagnostic::Severity::Error => {
                assert_eq!(sev, "error", "{row}");
                assert!(code_cell.starts_with(rule.code.name()), "{row}");
            }
            aether::syntax::diagnostic::Severity::Warning => {
                assert_eq!(sev, "warning", "{row}");
                // A warning does not decide a file's code unless warnings are denied.
                assert!(
                    code_cell.starts_with(&format!("{} if denied", rule.code.name())),
                    "{row}"
                );
            }
        }
    }
}

#[test]
fn explain_suggests_the_nearest_entry() {
    let out = aether(&["explain", "summarise"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `summarize`?"), "{err}");
    let out = aether(&["explain", "unknown-functoin"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean `unknown-function`?"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = aether(&["explain", "zzzzzzzzzzzz"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did you mean"));
}
