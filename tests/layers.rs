//! The stages of `src/` depend on each other one way only. This test reads every module of the
//! library and fails when one names a stage it may not depend on, through `crate::stage`, or
//! through `super::` chains that climb out of its own stage.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each library stage and the stages it may import from. The CLI (`src/cli/`, `src/main.rs`)
/// sits on top and may use everything, so it is not listed.
const ALLOWED: &[(&str, &[&str])] = &[
    ("syntax", &[]),
    ("registry", &[]),
    ("project", &["syntax"]),
    ("lint", &["syntax", "registry", "project"]),
    ("fix", &["syntax", "registry", "project", "lint"]),
    ("run", &["syntax", "registry", "project"]),
    ("trust", &["syntax"]),
    ("lsp", &["syntax", "registry", "project", "lint", "fix"]),
    (
        "bulk",
        &[
            "syntax", "registry", "project", "lint", "fix", "run", "trust",
        ],
    ),
];

fn allowed(stage: &str) -> Option<&'static [&'static str]> {
    ALLOWED.iter().find(|(s, _)| *s == stage).map(|(_, a)| *a)
}

/// Removes `//` comments (including doc comments, which name stages in prose) and the
/// contents of string literals, so only code is scanned.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = '\0';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_str {
                if c == '"' && prev != '\\' {
                    in_str = false;
                    out.push('"');
                }
                prev = if prev == '\\' && c == '\\' { '\0' } else { c };
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\'' {
                in_str = true;
            }
            out.push(c);
            prev = c;
        }
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level names imported after a crate-root path prefix: `a` from `a::b`, and `a`, `b`
/// from `{a::x, b}`.
fn roots_after(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0usize;
        let mut names = Vec::new();
        let mut at_item_start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => at_item_start = true,
                c if c.is_whitespace() => {}
                _ if at_item_start && depth == 0 => {
                    names.push(ident_at(&group[i..]).to_string());
                    at_item_start = false;
                }
                _ => {}
            }
        }
        names
    } else {
        vec![ident_at(rest).to_string()]
    }
}

/// The stages a module's code names. `depth` is how many `super::` it takes to reach the
/// crate root from this module (1 for `stage/mod.rs`, 2 for `stage/file.rs`, ...).
fn stages_named(code: &str, depth: usize) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && code[i..].starts_with("crate::") {
            found.extend(roots_after(&code[i + "crate::".len()..]));
            i += "crate::".len();
            continue;
        }
        if boundary && code[i..].starts_with("super::") {
            let mut j = i;
            let mut ups = 0;
            while code[j..].starts_with("super::") {
                ups += 1;
                j += "super::".len();
            }
            if ups >= depth {
                found.extend(roots_after(&code[j..]));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Steps from a file's module to the crate root: `src/lint/mod.rs` is `crate::lint` (1),
/// `src/lint/check.rs` is `crate::lint::check` (2), `src/lint/validate/mod.rs` (2).
fn depth_of(relative: &Path) -> usize {
    let parts: Vec<_> = relative.components().collect();
    let is_mod = relative.file_name().is_some_and(|n| n == "mod.rs");
    if is_mod {
        parts.len() - 1
    } else {
        parts.len()
    }
}

fn violations(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let stages: BTreeSet<&str> = ALLOWED.iter().map(|(s, _)| *s).collect();
    for entry in fs::read_dir(src).unwrap() {
        let dir = entry.unwrap().path();
        let Some(stage) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        if !dir.is_dir() || stage == "cli" {
            continue;
        }
        let Some(may_use) = allowed(&stage) else {
            problems.push(format!(
                "src/{stage}/ is a folder that is not a known stage: add it to ALLOWED in tests/layers.rs"
            ));
            continue;
        };
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for file in files {
            let relative = file.strip_prefix(src).unwrap();
            let code = code_only(&fs::read_to_string(&file).unwrap());
            for named in stages_named(&code, depth_of(relative)) {
                if named != stage
                    && stages.contains(named.as_str())
                    && !may_use.contains(&named.as_str())
                {
                    problems.push(format!(
                        "src/{} imports `{named}`, but stage `{stage}` may depend only on {may_use:?}",
                        relative.display()
                    ));
                }
                if named == "cli" {
                    problems.push(format!("src/{} imports the CLI", relative.display()));
                }
            }
        }
    }
    problems
}

#[test]
fn lower_stages_never_import_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = violations(&src);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_library_stage_is_a_folder_with_a_stage_comment() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (stage, _) in ALLOWED {
        let head = fs::read_to_string(src.join(stage).join("mod.rs")).unwrap();
        assert!(
            head.starts_with("//! Stage `") && head.contains("Depends on:"),
            "src/{stage}/mod.rs must open with what the stage takes in, gives out and depends on"
        );
    }
}

#[test]
fn the_scanner_sees_every_way_of_naming_a_stage() {
    // `stage/file.rs` is two steps from the root.
    let seen = |code: &str| stages_named(&code_only(code), 2);
    assert_eq!(seen("use crate::lint::check;"), set(&["lint"]));
    assert_eq!(
        seen("use crate::{syntax::ast, bulk::runner};"),
        set(&["syntax", "bulk"])
    );
    assert_eq!(seen("let x = crate::run::Value::Nil;"), set(&["run"]));
    assert_eq!(seen("use super::super::bulk::gate;"), set(&["bulk"]));
    // Within the stage, and in comments or strings, nothing is named.
    assert_eq!(seen("use super::env::Env;"), set(&[]));
    assert_eq!(seen("// see crate::bulk for the runner"), set(&[]));
    assert_eq!(seen(r#"let s = "crate::bulk";"#), set(&[]));
    assert_eq!(seen("use my_crate::bulk;"), set(&[]));
    // From `stage/mod.rs` one `super::` reaches the root.
    assert_eq!(
        stages_named(&code_only("use super::lint::x;"), 1),
        set(&["lint"])
    );
}

#[test]
fn an_upward_import_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir_all(src.join("syntax")).unwrap();
    fs::create_dir_all(src.join("lint")).unwrap();
    fs::write(src.join("syntax/mod.rs"), "use crate::lint::check;\n").unwrap();
    fs::write(src.join("lint/mod.rs"), "use crate::syntax::ast;\n").unwrap();
    let problems = violations(src);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("src/syntax/mod.rs imports `lint`"));
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}
