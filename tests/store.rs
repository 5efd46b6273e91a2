//! The memory store as a run sees it, through the real binary: opened only when a script
//! touches memory, read-only until it writes, never another program's database, file problems
//! reported as IO_ERROR, folders created with a note, and the quota from the flag or
//! `aether.toml`.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `script` (written to DIR/s.aether) in `dir` with `args`; returns the output and the
/// JSON status.
fn run(dir: &Path, script: &str, args: &[&str]) -> (Output, Value) {
    let path = dir.join("s.aether");
    std::fs::write(&path, script).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg("run")
        .arg(&path)
        .args(["--json-status", "--color", "never"])
        .args(args)
        .current_dir(dir)
        .env_remove("AETHER_MEMORY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let status = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no status:\n{stdout}\n{}", stderr(&out)));
    (out, status)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The path of a store that can never be created, for root too: its folder would have to be
/// made inside a regular file.
fn impossible_store(dir: &Path) -> String {
    std::fs::write(dir.join("plain-file"), "not a folder").unwrap();
    "plain-file/sub/memory.db".to_string()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_script_that_never_touches_memory_runs_whatever_the_store_path() {
    let dir = tempfile::tempdir().unwrap();
    let store = impossible_store(dir.path());
    let (out, status) = run(dir.path(), "print(1)\n", &["--memory", &store]);
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next(),
        Some("1")
    );

    // Nor does it create the default store.
    let (_, status) = run(dir.path(), "print(2)\n", &[]);
    assert_eq!(status["code_name"], "SUCCESS");
    assert_eq!(listing(dir.path()), ["plain-file", "s.aether"]);
}

#[test]
fn reading_needs_no_write_access_and_writing_an_impossible_store_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = impossible_store(dir.path());
    let (out, status) = run(
        dir.path(),
        "print(search_memory(\"x\"), get_global(\"g\", \"unset\"))\n",
        &["--memory", &store],
    );
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("[] unset\n"));

    let (out, status) = run(
        dir.path(),
        "print(\"before\")\nstore_memory(\"x\")\nprint(\"after\")\n",
        &["--memory", &store],
    );
    assert_eq!(status["code"], 26, "{status}");
    assert_eq!(status["code_name"], "IO_ERROR");
    assert_eq!(status["line"], 2);
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("cannot create its directory"),
        "{status}"
    );
    assert!(stderr(&out).contains("I003"), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("before\n") && !stdout.contains("after"));
}

#[test]
fn a_script_that_only_reads_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (_, status) = run(
        dir.path(),
        "store_memory({ n: 1 }, [\"t\"])\nset_global(\"g\", 2)\n",
        &["--memory", "m.db"],
    );
    assert_eq!(status["code_name"], "SUCCESS");
    let before = std::fs::read(dir.path().join("m.db")).unwrap();
    let (out, status) = run(
        dir.path(),
        "print(search_memory({ n: 1 }).length, get_global(\"g\"), summarize(\"t\"))\n",
        &["--memory", "m.db"],
    );
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1 2 1 entries about t\n"));
    assert_eq!(std::fs::read(dir.path().join("m.db")).unwrap(), before);
    // Nor does it leave SQLite's side files behind.
    assert_eq!(listing(dir.path()), ["m.db", "s.aether"]);

    // Reading first and writing afterwards reopens the store for writing.
    let (out, status) = run(
        dir.path(),
        "let n = len(search_memory({ n: 1 }))\nstore_memory({ n: 1 })\nprint(n, len(search_memory({ n: 1 })))\n",
        &["--memory", "m.db"],
    );
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1 2\n"));
    // The run checkpointed its log into the file and removed it.
    assert!(!dir.path().join("m.db-wal").exists());
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ana');")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    for script in ["store_memory(\"x\")\n", "print(search_memory(\"x\"))\n"] {
        let (out, status) = run(dir.path(), script, &["--memory", "app.db"]);
        assert_eq!(status["code_name"], "IO_ERROR", "{}", stderr(&out));
        let message = status["message"].as_str().unwrap();
        assert!(message.contains("not an aether memory store"), "{message}");
        assert!(message.contains("users"), "{message}");
        assert_eq!(std::fs::read(&db).unwrap(), before);
    }
    // An empty file is a new store.
    std::fs::write(dir.path().join("empty.db"), b"").unwrap();
    let (out, status) = run(
        dir.path(),
        "store_memory(\"x\")\n",
        &["--memory", "empty.db"],
    );
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
}

#[test]
fn a_damaged_store_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all.
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("noise.db"), &noise).unwrap();
    let (out, status) = run(
        dir.path(),
        "print(0)\nstore_memory(1)\n",
        &["--memory", "noise.db"],
    );
    assert_eq!(status["code"], 26, "{}", stderr(&out));
    assert_eq!(status["line"], 2);
    assert_eq!(std::fs::read(dir.path().join("noise.db")).unwrap(), noise);

    // A real store whose pages after the first were overwritten.
    let (_, status) = run(
        dir.path(),
        "for i in range(300) {\n    store_memory({ i: i, pad: \"z\".repeat(2000) })\n}\n",
        &["--memory", "bad.db"],
    );
    assert_eq!(status["code_name"], "SUCCESS");
    let path = dir.path().join("bad.db");
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192);
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (out, status) = run(
        dir.path(),
        "print(len(search_memory(\"z\")))\n",
        &["--memory", "bad.db"],
    );
    assert_eq!(
        status["code_name"],
        "IO_ERROR",
        "{status}\n{}",
        stderr(&out)
    );
    assert!(
        status["message"].as_str().unwrap().contains("corrupt"),
        "{status}"
    );
}

#[test]
fn folders_for_a_new_store_are_created_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (out, status) = run(dir.path(), "store_memory(1)\n", &["--memory", "a/b/m.db"]);
    assert_eq!(status["code_name"], "SUCCESS", "{}", stderr(&out));
    assert!(dir.path().join("a/b/m.db").is_file());
    let err = stderr(&out);
    assert!(
        err.contains("note: created the folders a, a/b for the memory store a/b/m.db"),
        "{err}"
    );
    // Existing folders: no note.
    let (out, _) = run(dir.path(), "store_memory(2)\n", &["--memory", "a/b/m.db"]);
    assert!(!stderr(&out).contains("created"), "{}", stderr(&out));
    let (out, _) = run(dir.path(), "store_memory(3)\n", &["--memory", "a/c/m.db"]);
    assert!(
        stderr(&out).contains("note: created the folder a/c for the memory store a/c/m.db"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_quota_comes_from_the_flag_or_aether_toml() {
    let dir = tempfile::tempdir().unwrap();
    let fill = "let pad = \"q\".repeat(10000)\nwhile true {\n    store_memory(pad)\n}\n";
    let full = |status: &Value, quota: &str| {
        assert_eq!(status["code_name"], "RUNTIME_ERROR", "{status}");
        let message = status["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("past its quota of {quota}")),
            "{message}"
        );
    };
    let (_, status) = run(
        dir.path(),
        fill,
        &["--memory", "flag.db", "--memory-quota", "200KiB"],
    );
    full(&status, "200 KiB");
    let size = std::fs::metadata(dir.path().join("flag.db")).unwrap().len();
    assert!(size <= 200 * 1024 + 16 * 1024, "{size}");

    std::fs::write(
        dir.path().join("aether.toml"),
        "[memory]\nquota = \"100 KiB\"\n",
    )
    .unwrap();
    let (_, status) = run(dir.path(), fill, &["--memory", "toml.db"]);
    full(&status, "100 KiB");
    // The flag wins over the file.
    let (_, status) = run(
        dir.path(),
        fill,
        &["--memory", "both.db", "--memory-quota", "300KiB"],
    );
    full(&status, "300 KiB");

    // Bad sizes are usage errors, before anything runs.
    std::fs::remove_file(dir.path().join("aether.toml")).unwrap();
    let path = dir.path().join("s.aether");
    for bad in ["12 parsecs", "1KiB"] {
        let out = Command::new(env!("CARGO_BIN_EXE_aether"))
            .arg("run")
            .arg(&path)
            .args(["--memory-quota", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("--memory-quota"), "{}", stderr(&out));
    }
    std::fs::write(
        dir.path().join("aether.toml"),
        "[memory]\nquota = \"lots\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .arg("run")
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`[memory] quota`"),
        "{}",
        stderr(&out)
    );
}
