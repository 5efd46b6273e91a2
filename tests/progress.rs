//! The progress bar of `aether check` on a real terminal (issue 14).
//!
//! The binary runs under a pseudo-terminal made by util-linux `script`, so stdout and stderr are
//! one terminal, as for a person. The captured bytes are replayed on a small terminal model
//! (cursor moves, carriage returns, line clears), and the screen that is left must hold exactly
//! the diagnostics and the summary, nothing of the bar: a bar line overwritten by a `\r` and
//! shorter text, or drawn between two writes of a buffered diagnostic, stays visible on the
//! model as it would on a screen. The raw bytes must also show the bar with its `N/M` count,
//! drawn between diagnostics, so the test cannot pass because no bar was drawn.

use std::path::Path;
use std::process::{Command, Stdio};

const VALID: usize = 40;
const BROKEN: usize = 5;

fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tree(dir: &Path) {
    for i in 0..VALID {
        std::fs::write(
            dir.join(format!("ok_{i:02}.aether")),
            format!("x = {i}\nprint(x)\n"),
        )
        .unwrap();
    }
    // Sorted among the valid files, so diagnostics come between bar redraws.
    for i in 0..BROKEN {
        std::fs::write(
            dir.join(format!("m_broken_{i}.aether")),
            "total = compute(\nlog \"done\"\n",
        )
        .unwrap();
    }
}

/// The screen a terminal shows after `bytes`: text overwrites at the cursor, `\r` returns to
/// the first column, `\n` moves down, `ESC [ n A|B` move up and down, `ESC [ 2K` / `ESC [ K`
/// clear the line (or its rest). Colours and cursor visibility change nothing. Any other
/// control sequence fails the test, so the model never silently misreads the output.
fn screen(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                if rows.len() <= row {
                    rows.push(Vec::new());
                }
            }
            '\x1b' => {
                assert_eq!(chars.next(), Some('['), "unexpected escape in {text:?}");
                let mut params = String::new();
                let fin = loop {
                    match chars.next() {
                        Some(p @ ('0'..='9' | ';' | '?')) => params.push(p),
                        Some(f) => break f,
                        None => panic!("truncated escape sequence"),
                    }
                };
                let n = params.parse::<usize>().unwrap_or(1);
                let line = &mut rows[row];
                match fin {
                    'm' | 'h' | 'l' => {}
                    'K' if params == "2" => line.clear(),
                    'K' if params.is_empty() || params == "0" => line.truncate(col),
                    'A' => row = row.saturating_sub(n),
                    'B' => {
                        row += n;
                        while rows.len() <= row {
                            rows.push(Vec::new());
                        }
                    }
                    _ => panic!("the terminal model does not know ESC[{params}{fin}"),
                }
            }
            c => {
                let line = &mut rows[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    let mut lines: Vec<String> = rows
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_string())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// The text of `bytes` without escape sequences.
fn strip_ansi(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for f in chars.by_ref() {
                if f.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every `N/M files` the bar printed, in order, with its byte offset in `plain`.
fn bar_counts(plain: &str) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    for (at, _) in plain.match_indices(" files, ") {
        let head = &plain[..at];
        let start = head
            .rfind(|c: char| !(c.is_ascii_digit() || c == '/'))
            .map_or(0, |i| i + 1);
        if let Some((n, m)) = head[start..].split_once('/') {
            if let (Ok(n), Ok(m)) = (n.parse(), m.parse()) {
                found.push((start, n, m));
            }
        }
    }
    found
}

#[test]
fn the_bar_counts_files_and_leaves_nothing_among_the_diagnostics() {
    if !script_available() {
        eprintln!(
            "SKIPPED: util-linux `script` is not installed; this test needs it to run \
             `aether check` under a pseudo-terminal"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let bin = env!("CARGO_BIN_EXE_aether");
    // The same run with stdout and stderr piped: no bar, the reference text.
    let piped = Command::new(bin)
        .args(["check", "--color", "never", "--jobs", "1", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(1));
    let expected_out = String::from_utf8(piped.stdout).unwrap();
    let summary = String::from_utf8(piped.stderr).unwrap();
    assert!(
        summary.starts_with(&format!(
            "checked {} files: {BROKEN} failed, {BROKEN} errors, 0 warnings",
            VALID + BROKEN
        )),
        "{summary}"
    );
    assert!(!summary.contains("files/s"), "no bar when stderr is a pipe");

    let command = format!("'{bin}' check --color never --jobs 1 .");
    let run = under_pty(&command, dir.path());
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let raw = run.stdout;
    let plain = strip_ansi(&raw);

    // The bar was drawn, with the total known from the start, and between diagnostics.
    let counts = bar_counts(&plain);
    let total = VALID + BROKEN;
    assert!(!counts.is_empty(), "no `N/M files` bar in {plain:?}");
    assert!(
        counts.iter().all(|&(_, n, m)| m == total && n <= m),
        "{counts:?}"
    );
    let first = plain.find("Error:").expect("a diagnostic");
    let last = plain.rfind("Error:").unwrap();
    assert!(
        counts.iter().any(|&(at, _, _)| first < at && at < last),
        "the bar is redrawn between diagnostics, so clearing it is tested: {plain:?}"
    );
    assert!(plain.contains(" files/s, ETA "), "{plain:?}");

    // What is left on the screen: the diagnostics, as when piped, then the summary.
    let shown = screen(&raw);
    let mut expected: Vec<String> = expected_out
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect();
    while expected.last().is_some_and(String::is_empty) {
        expected.pop();
    }
    let (summary_line, body) = shown.split_last().expect("output on the screen");
    assert_eq!(
        body.join("\n"),
        expected.join("\n"),
        "the screen differs from the piped output (raw bytes: {plain:?})"
    );
    assert!(
        summary_line.starts_with(&format!("checked {total} files: {BROKEN} failed")),
        "{summary_line:?}"
    );
}

#[test]
fn quiet_hides_the_bar_on_a_terminal() {
    if !script_available() {
        eprintln!("SKIPPED: util-linux `script` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let command = format!(
        "'{}' check --quiet --color never .",
        env!("CARGO_BIN_EXE_aether")
    );
    let run = under_pty(&command, dir.path());
    assert_eq!(run.status.code(), Some(1));
    let plain = strip_ansi(&run.stdout);
    assert!(bar_counts(&plain).is_empty(), "{plain:?}");
    assert!(!plain.contains("files/s"), "{plain:?}");
    assert!(plain.contains("Error:"), "the diagnostics are still shown");
}

/// Run a shell command under a pseudo-terminal (util-linux `script`), its output captured.
fn under_pty(command: &str, dir: &std::path::Path) -> std::process::Output {
    Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}
