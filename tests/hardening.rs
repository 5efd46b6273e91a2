//! Issue 11 regressions that need the real binary: files that are not files, limits that
//! must hold, and flags that must not stall the machine. Every child process runs under a
//! deadline, so a regression fails the test instead of hanging it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `aether ARGS`, failing the test if it takes longer than `limit`.
fn run_within(args: &[&str], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn aether");
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("aether {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    (child.wait_with_output().expect("output"), elapsed)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn special_files_are_io_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.aether");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    for args in [
        vec![fifo, "--check", "--json-status"],
        vec!["run", fifo, "--json-status", "--memory", ":memory:"],
        vec!["/dev/zero", "--check", "--json-status"],
        // Strict mode reads the file for its signature before the check does.
        vec![fifo, "--check", "--json-status", "--strict"],
        vec![
            "run",
            fifo,
            "--json-status",
            "--memory",
            ":memory:",
            "--strict",
        ],
    ] {
        let (out, _) = run_within(&args, Duration::from_secs(20));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("\"code\":26"), "{args:?}: {stdout}");
        assert!(stdout.contains("not a regular file"), "{args:?}: {stdout}");
    }
    // In a directory walk the special file is reported, and the real file still checked.
    std::fs::write(dir.path().join("ok.aether"), "goal: \"x\"\n").unwrap();
    let root = dir.path().to_str().unwrap();
    let (out, _) = run_within(
        &["check", root, "--format", "concise"],
        Duration::from_secs(20),
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("pipe.aether") && stdout.contains("not a regular file"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("checked 2 files"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn oversized_sources_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.aether");
    // Sparse: no disk or memory is used unless something reads it.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(aether::syntax::source::MAX_SOURCE_BYTES + 1)
        .unwrap();
    let (out, took) = run_within(
        &[big.to_str().unwrap(), "--check", "--json-status"],
        Duration::from_secs(20),
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"code\":26") && stdout.contains("MiB"),
        "{stdout}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn huge_jobs_are_clamped_with_a_note() {
    let (out, _) = run_within(
        &["check", "corpus/valid", "--jobs", "10000", "-q"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("using 256 worker threads"));
}

#[test]
fn timeout_holds_when_each_step_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("slow.aether");
    std::fs::write(
        &script,
        "s = \"x\".repeat(1000000)\nwhile true {\n    t = \"{s}{s}{s}{s}{s}{s}{s}{s}{s}{s}\"\n}\n",
    )
    .unwrap();
    let (out, took) = run_within(
        &[
            "run",
            script.to_str().unwrap(),
            "--timeout",
            "1",
            "--memory",
            ":memory:",
            "--json-status",
        ],
        Duration::from_secs(30),
    );
    assert!(
        text(&out.stdout).contains("\"code\":23"),
        "{}",
        text(&out.stdout)
    );
    // One step builds 10 MB; before the fix the deadline was read every 4,096 steps.
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn timeout_zero_means_no_limit_and_negative_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hello.aether");
    std::fs::write(&script, "print(\"hi\")\n").unwrap();
    let s = script.to_str().unwrap();
    let (out, _) = run_within(
        &["run", s, "--timeout", "0", "--memory", ":memory:"],
        Duration::from_secs(20),
    );
    assert_eq!(text(&out.stdout), "hi\n");
    let (out, _) = run_within(
        &["run", s, "--timeout", "-1", "--memory", ":memory:"],
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn modules_are_found_only_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        secret.join("keys.aether"),
        "fn leak() {\n    return \"top secret\"\n}\n",
    )
    .unwrap();
    let script = sub.join("main.aether");
    std::fs::write(&script, "import \"secret/keys\" as k\nprint(k.leak())\n").unwrap();
    let s = script.to_str().unwrap();
    let args = [
        "run",
        s,
        "--memory",
        ":memory:",
        "--json-status",
        "--isolated",
    ];
    // No aether.toml and no .git: only the script's own folder is searched.
    let (out, _) = run_within(&args, Duration::from_secs(20));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("top secret"), "{stdout}");
    assert!(stdout.contains("\"code\":21"), "{stdout}");
    assert!(stdout.contains("looked up in"), "{stdout}");
    // The folder holding aether.toml is the project root: the parent is now inside.
    std::fs::write(dir.path().join("aether.toml"), "").unwrap();
    let (out, _) = run_within(&args, Duration::from_secs(20));
    assert!(
        text(&out.stdout).contains("top secret"),
        "{}",
        text(&out.stdout)
    );
    // An explicit --plugin-path is always searched.
    std::fs::remove_file(dir.path().join("aether.toml")).unwrap();
    let root = dir.path().to_str().unwrap();
    let mut with_path = args.to_vec();
    with_path.extend(["--plugin-path", root]);
    let (out, _) = run_within(&with_path, Duration::from_secs(20));
    assert!(
        text(&out.stdout).contains("top secret"),
        "{}",
        text(&out.stdout)
    );
}

/// The security model of README "What a script can reach": every way out of the sandbox a
/// script might try becomes a recorded request to the host, answered `null` by the mock host.
#[test]
fn scripts_reach_no_environment_files_processes_or_network() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("aether.toml"),
        "[host]\nfunctions = [\"getenv\", \"fetch\", \"exec\", \"read_file\"]\n",
    )
    .unwrap();
    let pwned = |name: &str| d.join(name).to_string_lossy().into_owned();
    let script = format!(
        "home = getenv(\"HOME\")\nprint(\"home: {{home}}\")\n\
         page = fetch(\"http://127.0.0.1:9/\")\nprint(\"page: {{page}}\")\n\
         out = exec(\"touch {exec}\")\nprint(\"exec: {{out}}\")\n\
         text = read_file(\"/etc/hostname\")\nprint(\"file: {{text}}\")\n\
         write \"owned\" to \"{write}\"\n\
         run agent \"touch {agent}\"\n",
        exec = pwned("by_exec"),
        write = pwned("by_write"),
        agent = pwned("by_agent"),
    );
    let file = d.join("probe.aether");
    std::fs::write(&file, script).unwrap();
    let effects = d.join("effects.jsonl");
    let (out, _) = run_within(
        &[
            "run",
            file.to_str().unwrap(),
            "--memory",
            ":memory:",
            "--effects",
            effects.to_str().unwrap(),
        ],
        Duration::from_secs(20),
    );
    assert_eq!(
        text(&out.stdout),
        "home: null\npage: null\nexec: null\nfile: null\n",
        "{}",
        text(&out.stderr)
    );
    for name in ["by_exec", "by_write", "by_agent"] {
        assert!(!d.join(name).exists(), "{name} was created");
    }
    let trace = std::fs::read_to_string(&effects).unwrap();
    for name in ["getenv", "fetch", "exec", "read_file", "write", "run"] {
        assert!(
            trace.contains(&format!("\"name\":\"{name}\"")),
            "{name}: {trace}"
        );
    }
}
