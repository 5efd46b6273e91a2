//! The corpus is the test suite: every file under `corpus/` becomes a test case.
//!
//! - `valid/`: no error diagnostics from parsing or validation; the AST is snapshotted (insta,
//!   YAML).
//! - `invalid/`: the errors, as (code or rule id, line), equal the file's `# expect:` lines in
//!   order; the rendered diagnostics are snapshotted so message changes are reviewed.
//! - `foreign/`: the first error equals the single `# expect:` line.
//! - `validation/`: every diagnostic (errors and warnings), as (rule id, line, message), equals
//!   the file's `# expect:` lines in order; the JSON status of the real binary is checked in
//!   `tests/cli.rs`.
//! - every file: invariants (tokens ordered, in bounds, on char boundaries; every AST span
//!   inside its parent's; diagnostics in bounds).

use aether::lint::check::{check_text, Settings};
use aether::project::config::ConfigSource;
use aether::syntax::diagnostic::Severity;
use aether::syntax::parse;
mod common;
use common::check_invariants;
use std::path::Path;

fn read(path: &Path) -> String {
    String::from_utf8(std::fs::read(path).expect("corpus file readable")).expect("corpus is UTF-8")
}

/// One `# expect: <CODE_NAME|RULE_ID> line <N>[: <message>]` header line.
#[derive(Debug, PartialEq)]
struct Expect {
    code: String,
    line: usize,
    message: Option<String>,
}

fn expectations(src: &str) -> Vec<Expect> {
    src.lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(|rest| {
            let rest = rest.trim();
            let (head, message) = match rest.split_once(": ") {
                Some((h, m)) => (h, Some(m.to_string())),
                None => (rest, None),
            };
            let mut it = head.split_whitespace();
            let code = it.next().expect("code").to_string();
            assert_eq!(it.next(), Some("line"), "malformed expectation: {rest}");
            let line = it
                .next()
                .and_then(|n| n.trim_end_matches(':').parse().ok())
                .unwrap_or_else(|| panic!("malformed line number: {rest}"));
            Expect {
                code,
                line,
                message,
            }
        })
        .collect()
}

fn concise(path: &Path, src: &str) -> String {
    let parsed = parse(src);
    let mut out = Vec::new();
    let name = path.file_name().unwrap().to_string_lossy();
    aether::lint::render::concise(&mut out, &name, src, &parsed.lines, &parsed.diagnostics)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn valid_files_parse_cleanly() {
    let valid_settings = Settings::default()
        .with_config(ConfigSource::Discover)
        .expect("corpus/valid/aether.toml loads");
    insta::glob!("../corpus", "valid/**/*.aether", |path| {
        let src = read(path);
        check_invariants(&src);
        // The valid corpus is a project: its `aether.toml` (written by `aether init`)
        // declares the runtime names its scripts read.
        let outcome = check_text(src.clone(), Some(path), &valid_settings);
        let errors: Vec<String> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                format!(
                    "{}: {}",
                    outcome.lines.line(d.span.start as usize),
                    d.message
                )
            })
            .collect();
        assert!(
            errors.is_empty(),
            "{} has errors:\n{errors:#?}",
            path.display()
        );
        insta::assert_yaml_snapshot!(parse(&src).file);
    });
}

#[test]
fn invalid_files_report_exactly_the_expected_errors() {
    insta::glob!("../corpus", "invalid/*.aether", |path| {
        let src = read(path);
        check_invariants(&src);
        let expected = expectations(&src);
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` line",
            path.display()
        );
        let parsed = parse(&src);
        let got: Vec<Expect> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .enumerate()
            .map(|(i, d)| Expect {
                // An expectation names the structured code, or the rule id where the case is
                // about which error is reported (`# expect: P004 line 3`).
                code: match expected.get(i) {
                    Some(e) if e.code == d.rule.id => d.rule.id.to_string(),
                    _ => d.code().name().to_string(),
                },
                line: parsed.lines.line(d.span.start as usize),
                message: None,
            })
            .collect();
        assert_eq!(
            got,
            expected,
            "{}:\n{}",
            path.display(),
            concise(path, &src)
        );
        insta::assert_snapshot!(concise(path, &src));
    });
}

#[test]
fn foreign_files_fail_at_the_first_foreign_construct() {
    insta::glob!("../corpus", "foreign/*.aether", |path| {
        let src = read(path);
        check_invariants(&src);
        let expected = expectations(&src);
        assert_eq!(
            expected.len(),
            1,
            "{}: one `# expect:` line",
            path.display()
        );
        let parsed = parse(&src);
        let first = parsed
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .unwrap_or_else(|| panic!("{} parsed without errors", path.display()));
        let got = Expect {
            code: first.code().name().to_string(),
            line: parsed.lines.line(first.span.start as usize),
            message: None,
        };
        assert_eq!(
            got,
            expected[0],
            "{}:\n{}",
            path.display(),
            concise(path, &src)
        );
        insta::assert_snapshot!(concise(path, &src));
    });
}

#[test]
fn validation_cases_report_exactly_the_expected_diagnostics() {
    let settings = Settings::default();
    insta::glob!("../corpus", "validation/**/*.aether", |path| {
        let src = read(path);
        check_invariants(&src);
        let expected = expectations(&src);
        assert!(
            expected.iter().all(|e| e.message.is_some()),
            "{}: validation expectations carry the message",
            path.display()
        );
        let outcome = check_text(src, Some(path), &settings);
        let got: Vec<Expect> = outcome
            .diagnostics
            .iter()
            .map(|d| Expect {
                code: d.rule.id.to_string(),
                line: outcome.lines.line(d.span.start as usize),
                message: Some(d.message.clone()),
            })
            .collect();
        assert_eq!(got, expected, "{}", path.display());
    });
}
