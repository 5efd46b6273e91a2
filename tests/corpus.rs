//! The corpus is the test suite: every file under `corpus/` becomes a test case.
//!
//! - `valid/`: no error diagnostics; the AST is snapshotted (insta, YAML).
//! - `invalid/`: the errors, as (code, line), equal the file's `# expect:` lines in order;
//!   the rendered diagnostics are snapshotted so message changes are reviewed.
//! - `foreign/`: the first error equals the single `# expect:` line.
//! - every file: invariants (tokens ordered, in bounds, on char boundaries; every AST span
//!   inside its parent's; diagnostics in bounds).

use aether::diagnostic::Severity;
use aether::syntax::parse;
mod common;
use common::check_invariants;
use std::path::Path;

fn read(path: &Path) -> String {
    String::from_utf8(std::fs::read(path).expect("corpus file readable")).expect("corpus is UTF-8")
}

fn expectations(src: &str) -> Vec<(String, usize)> {
    src.lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(|rest| {
            let mut it = rest.split_whitespace();
            let code = it.next().expect("code").to_string();
            assert_eq!(it.next(), Some("line"), "malformed expectation: {rest}");
            let line = it
                .next()
                .expect("line number")
                .parse()
                .expect("line number");
            (code, line)
        })
        .collect()
}

fn concise(path: &Path, src: &str) -> String {
    let parsed = parse(src);
    let mut out = Vec::new();
    let name = path.file_name().unwrap().to_string_lossy();
    aether::render::concise(&mut out, &name, src, &parsed.lines, &parsed.diagnostics).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn valid_files_parse_cleanly() {
    insta::glob!("../corpus", "valid/**/*.aether", |path| {
        let src = read(path);
        check_invariants(&src);
        let parsed = parse(&src);
        let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(
            errors.is_empty(),
            "{} has errors:\n{}",
            path.display(),
            concise(path, &src)
        );
        insta::assert_yaml_snapshot!(parsed.file);
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
        let got: Vec<(String, usize)> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                (
                    d.code().name().to_string(),
                    parsed.lines.line(d.span.start as usize),
                )
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
        let got = (
            first.code().name().to_string(),
            parsed.lines.line(first.span.start as usize),
        );
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
