//! A realistic workflow repository (corpus/project, with its aether.toml) checks with exactly
//! the mistakes its MISTAKES.md lists: every genuine mistake is an error, nothing else is.

use std::process::Command;

#[test]
fn the_project_reports_exactly_its_listed_mistakes() {
    let listed = std::fs::read_to_string("corpus/project/MISTAKES.md").unwrap();
    // Table rows: | n | `file:line` | kind | `RULE` `message` |
    let mut expected: Vec<String> = listed
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("` `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let place = cells[2].trim_matches('`');
            let rule = cells[4].split('`').nth(1).unwrap();
            format!("corpus/project/{place} {rule}")
        })
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 6, "{expected:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(["check", "corpus/project", "--format", "concise", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut errors: Vec<String> = stdout
        .lines()
        .filter(|l| l.contains(": error["))
        .map(|l| {
            // path:line:col: error[RULE]: message
            let mut it = l.splitn(4, ':');
            let (path, line) = (it.next().unwrap(), it.next().unwrap());
            let rule = l.split("error[").nth(1).unwrap().split(']').next().unwrap();
            format!("{path}:{line} {rule}")
        })
        .collect();
    errors.sort();
    assert_eq!(errors, expected, "{stdout}");
}
