//! The documentation under `docs/` is part of the test suite, so it cannot drift from the code:
//!
//! - every ```` ```aether ```` block of every `docs/**/*.md` file is checked as a file of its
//!   own (parse, then validate, no configuration). A plain block must give no diagnostic at
//!   all, not even a warning; a block whose fence says `expect=ID,ID...` must give exactly
//!   those rule ids, in order (errors and warnings alike);
//! - `docs/diagnostics.md` and the rule table in `README.md` are generated from the rule
//!   registry (the table `aether explain` prints) and must equal what is committed;
//! - `console` sessions print what they show, the code table of `exit-codes.md` lists every
//!   structured code, and the JSON examples keep the key order of the real output;
//! - relative links in `README.md` and `docs/` point at files and headings that exist.
//!
//! After a deliberate change to a rule, regenerate the generated parts with
//!     AETHER_UPDATE_DOCS=1 cargo test --release --locked --test docs
//! and review `git diff`.

use aether::lint::check::{check_text, Settings};
use aether::syntax::diagnostic::{rules, Rule, Severity};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const UPDATE_HINT: &str =
    "regenerate with `AETHER_UPDATE_DOCS=1 cargo test --release --locked --test docs` and review `git diff`";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn updating() -> bool {
    std::env::var_os("AETHER_UPDATE_DOCS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Every Markdown file under `docs/`, sorted, so failures are reported in a stable order.
fn doc_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("docs"), &mut out);
    out.sort();
    out
}

/// One fenced code block: where it starts, its info string and its text.
struct Block {
    line: usize,
    info: String,
    text: String,
}

/// The fenced blocks of a Markdown file. Fences may be indented (inside list items); the
/// indentation of the opening fence is removed from every line of the block, as CommonMark
/// does, so an indented example is checked as the reader would copy it.
fn fenced_blocks(md: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = md.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - trimmed.len();
        let mut text = String::new();
        let mut closed = false;
        for (_, body) in lines.by_ref() {
            if body.trim_start().starts_with("```") && body.trim() == "```" {
                closed = true;
                break;
            }
            let cut = body.len() - body.trim_start().len();
            text.push_str(&body[cut.min(indent)..]);
            text.push('\n');
        }
        assert!(closed, "line {}: a code fence is never closed", i + 1);
        blocks.push(Block {
            line: i + 1,
            info: info.trim().to_string(),
            text,
        });
    }
    blocks
}

/// The rule ids an `aether` block must report, or `None` when the block is not Aether.
/// ```` ```aether ```` expects nothing; ```` ```aether expect=P002 ```` expects one P002.
fn expected_ids(info: &str) -> Option<Vec<String>> {
    let mut words = info.split_whitespace();
    if words.next() != Some("aether") {
        return None;
    }
    let mut ids = Vec::new();
    for word in words {
        let list = word
            .strip_prefix("expect=")
            .unwrap_or_else(|| panic!("unknown attribute `{word}` on an aether fence"));
        ids.extend(list.split(',').map(str::to_string));
    }
    Some(ids)
}

#[test]
fn every_aether_example_checks_as_documented() {
    let settings = Settings::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in doc_files() {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        for block in fenced_blocks(&read(&file)) {
            let Some(expected) = expected_ids(&block.info) else {
                continue;
            };
            for id in &expected {
                assert!(
                    rules::ALL.iter().any(|r| r.id == id),
                    "{rel}:{}: `expect={id}` is not a rule id",
                    block.line
                );
            }
            checked += 1;
            let outcome = check_text(block.text.clone(), None, &settings);
            let got: Vec<String> = outcome
                .diagnostics
                .iter()
                .map(|d| d.rule.id.to_string())
                .collect();
            if got != expected {
                let mut shown = Vec::new();
                aether::lint::render::concise(
                    &mut shown,
                    "example",
                    &outcome.text,
                    &outcome.lines,
                    &outcome.diagnostics,
                )
                .unwrap();
                failures.push(format!(
                    "{rel}:{}: expected {expected:?}, got {got:?}\n{}",
                    block.line,
                    String::from_utf8_lossy(&shown)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} documented examples do not check as their fence says:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A guard against the extractor silently finding nothing (a renamed folder, a changed
    // fence spelling): the guide has far more examples than this.
    assert!(
        checked >= 40,
        "only {checked} aether examples found under docs/"
    );
}

#[test]
fn the_fence_reader_sees_what_a_reader_sees() {
    let md = "text\n```aether\ngoal: \"x\"\n```\n- item\n\n  ```aether expect=V001,W004\n  a()\n  ```\n```text\nout\n```\n";
    let blocks = fenced_blocks(md);
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[0].text, "goal: \"x\"\n");
    assert_eq!(blocks[1].text, "a()\n");
    assert_eq!(expected_ids(&blocks[0].info), Some(vec![]));
    assert_eq!(
        expected_ids(&blocks[1].info),
        Some(vec!["V001".to_string(), "W004".to_string()])
    );
    assert_eq!(expected_ids(&blocks[2].info), None);
}

fn severity(rule: &Rule) -> &'static str {
    match rule.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Table cells cannot hold a raw `|` or a line break.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The short table: one row per rule. It is both the top of `docs/diagnostics.md` and the
/// table in `README.md`.
fn rule_table(link_prefix: &str) -> String {
    let mut out =
        String::from("| id | name | severity | code | summary |\n|---|---|---|---|---|\n");
    for r in rules::ALL {
        writeln!(
            out,
            "| [{id}]({link_prefix}#{anchor}) | `{name}` | {sev} | {code} | {summary} |",
            id = r.id,
            anchor = anchor(r),
            name = r.name,
            sev = severity(r),
            code = code_cell(r),
            summary = cell(r.summary),
        )
        .unwrap();
    }
    out
}

/// A warning does not decide a file's code; under `--deny-warnings` it becomes an error
/// with its rule's code, so the table says so rather than suggest warnings fail a check.
fn code_cell(r: &Rule) -> String {
    let code = format!("{} ({})", r.code.name(), r.code.number());
    match r.severity {
        Severity::Error => code,
        Severity::Warning => format!("{code} if denied"),
    }
}

/// The heading anchor GitHub makes of `## P001 syntax-error`: lower case, spaces to `-`.
fn anchor(r: &Rule) -> String {
    format!("{}-{}", r.id.to_lowercase(), r.name)
}

/// `docs/diagnostics.md`: the table, then per rule what `aether explain ID` prints.
fn diagnostics_md() -> String {
    let mut out = String::from(
        "<!-- Generated from the rule registry (src/syntax/diagnostic.rs) by tests/docs.rs.\n     \
         Do not edit: change the registry, then run\n     \
         AETHER_UPDATE_DOCS=1 cargo test --release --locked --test docs -->\n\n\
         # Diagnostics\n\n\
         Every diagnostic aether reports has a stable id and a kebab-case name. Either one \
         works with `aether explain` (`aether explain V001`, `aether explain unknown-function`), \
         in `[lint] ignore` of `aether.toml` and in inline suppressions \
         (`# aether: ignore[V001]`). This page holds the same text as `aether explain`.\n\n\
         The first letter of an id is its stage: **P** parse, **V** validation, **W** warning, \
         **L** legacy form (a warning with a fix), **M** migration only, **R**, **T** and **U** \
         a run, **I** input and output, **X** a bug in aether. The *code* column is the \
         structured code a file with that diagnostic gets (see [exit codes](exit-codes.md)). \
         A warning does not fail a check and does not decide the code, unless \
         `--deny-warnings` (or `deny-warnings = true` in `aether.toml`) turns it into an error \
         of that code.\n\n",
    );
    out.push_str(&rule_table(""));
    for r in rules::ALL {
        write!(
            out,
            "\n## {id} {name}\n\n{sev}, code {num} {code}.\n\n**{summary}**\n\n{doc}\n",
            id = r.id,
            name = r.name,
            sev = match r.severity {
                Severity::Error => "Error",
                Severity::Warning => "Warning; with `--deny-warnings` an error of",
            },
            num = r.code.number(),
            code = r.code.name(),
            summary = r.summary,
            doc = r.doc,
        )
        .unwrap();
        if let Some(fix) = r.fix {
            // The same wording as `aether explain` (src/cli/explain.rs): M001 is whitespace,
            // which `check` does not report, so only `migrate` applies it.
            let applied_by = if r.id == "M001" {
                "`aether migrate`"
            } else {
                "`aether migrate` and `aether check --fix`"
            };
            writeln!(out, "\nFix ({applied_by}): {fix}").unwrap();
        }
    }
    out
}

const README_START: &str = "<!-- rule table: generated by tests/docs.rs from the rule registry; AETHER_UPDATE_DOCS=1 cargo test --release --locked --test docs -->\n";
const README_END: &str = "<!-- end of rule table -->\n";

/// Compares `path` with `want`; rewrites it when updating, else fails with a diff hint.
fn compare_or_update(path: &Path, current: &str, want: &str) {
    if current == want {
        return;
    }
    if updating() {
        std::fs::write(path, want).unwrap();
        return;
    }
    let first = current
        .lines()
        .zip(want.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| current.lines().count().min(want.lines().count()));
    panic!(
        "{} is out of date with the rule registry (first difference at line {}):\n  committed: {:?}\n  generated: {:?}\n{UPDATE_HINT}",
        path.display(),
        first + 1,
        current.lines().nth(first).unwrap_or("<end of file>"),
        want.lines().nth(first).unwrap_or("<end of file>"),
    );
}

#[test]
fn diagnostics_reference_matches_the_registry() {
    let path = root().join("docs/diagnostics.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    compare_or_update(&path, &current, &diagnostics_md());
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let path = root().join("README.md");
    let current = read(&path);
    let start = current
        .find(README_START)
        .unwrap_or_else(|| panic!("README.md lost its marker line {README_START:?}"))
        + README_START.len();
    let end = start
        + current[start..]
            .find(README_END)
            .unwrap_or_else(|| panic!("README.md lost its marker line {README_END:?}"));
    let want = format!(
        "{}{}{}",
        &current[..start],
        rule_table("docs/diagnostics.md"),
        &current[end..]
    );
    compare_or_update(&path, &current, &want);
}

#[test]
fn the_generated_reference_covers_every_rule() {
    // The generator itself could drop rules (a filter, a wrong slice); the committed page
    // must name every id of the registry in a heading.
    let md = diagnostics_md();
    for r in rules::ALL {
        assert!(
            md.contains(&format!("\n## {} {}\n", r.id, r.name)),
            "{}",
            r.id
        );
    }
    assert!(rules::ALL.len() >= 30, "the registry shrank unexpectedly");
}

/// The prose of a Markdown text: code blocks are left out, since a Markdown example inside
/// one is text, not a link or a heading.
fn prose(md: &str) -> String {
    let mut out = String::new();
    let mut in_fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Relative link targets of a Markdown text, `](path#anchor)` with no scheme, as (path,
/// anchor); the path is empty for a link within the same page.
fn relative_links(md: &str) -> Vec<(String, Option<String>)> {
    let text = prose(md);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(close) = rest.find(')') else { break };
        let target = &rest[..close];
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (target, None),
        };
        out.push((path.to_string(), anchor));
    }
    out
}

/// The anchors GitHub gives the headings of a page: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn anchors(md: &str) -> Vec<String> {
    prose(md)
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|h| {
            h.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn links_point_at_files_and_headings_that_exist() {
    let mut files = doc_files();
    files.push(root().join("README.md"));
    let mut broken = Vec::new();
    for file in &files {
        let dir = file.parent().unwrap();
        for (path, anchor) in relative_links(&read(file)) {
            let target = if path.is_empty() {
                file.clone()
            } else {
                dir.join(&path)
            };
            if !target.exists() {
                broken.push(format!("{}: {path}", file.display()));
            } else if let Some(anchor) =
                anchor.filter(|_| target.extension().is_some_and(|e| e == "md"))
            {
                if !anchors(&read(&target)).contains(&anchor) {
                    broken.push(format!(
                        "{}: {path}#{anchor} (no such heading)",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_anchor_rule_matches_github() {
    let md = "# A `b`: c.json and d\n## --effects: what\n```\n# not a heading\n```\n";
    assert_eq!(anchors(md), ["a-b-cjson-and-d", "--effects-what"]);
}

#[test]
fn readme_cites_no_document_outside_the_repository() {
    // The README used to send readers to REFERENCE.md and LANGUAGE.md, which live outside the
    // repository; what they held is now in docs/.
    let readme = read(&root().join("README.md"));
    for name in ["REFERENCE.md", "LANGUAGE.md", "../shared"] {
        assert!(!readme.contains(name), "README.md still cites {name}");
    }
}

#[test]
fn the_license_files_cargo_declares_exist() {
    let manifest = read(&root().join("Cargo.toml"));
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = read(&root().join("LICENSE-MIT"));
    assert!(mit.starts_with("MIT License") && mit.contains("The aether authors"));
    let apache = read(&root().join("LICENSE-APACHE"));
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
}

/// The JSON values of every ```` ```json ```` block under `docs/`: a block is one document, or
/// JSON lines (one document per line) when it does not parse as one.
fn documented_json() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for file in doc_files() {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        for block in fenced_blocks(&read(&file)) {
            if block.info != "json" {
                continue;
            }
            let at = format!("{rel}:{}", block.line);
            match serde_json::from_str(&block.text) {
                Ok(v) => out.push((at, v)),
                Err(_) => {
                    for line in block.text.lines().filter(|l| !l.trim().is_empty()) {
                        let v = serde_json::from_str(line)
                            .unwrap_or_else(|e| panic!("{at}: not JSON nor JSON lines: {e}"));
                        out.push((at.clone(), v));
                    }
                }
            }
        }
    }
    out
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn aether(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn last_json_line(bytes: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(bytes);
    serde_json::from_str(text.lines().last().expect("output")).unwrap()
}

#[test]
fn documented_json_keeps_the_key_order_of_the_real_output() {
    // Key order is a contract (formats.md says so); the examples were pasted from real runs,
    // and this keeps them from drifting when a key is added or moved.
    let status = last_json_line(
        &aether(&[
            "corpus/valid/brace/loops_and_counters.aether",
            "--check",
            "--json-status",
        ])
        .stdout,
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.aether"),
        "report = summarise(load_logs())\nintent: \"x\"\n",
    )
    .unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let file = last_json_line(
        &aether(&[
            "check",
            "--isolated",
            "--quiet",
            "--format",
            "ndjson",
            dir_arg,
        ])
        .stdout,
    );
    let diagnostic = file["diagnostics"][0].clone();

    let effects_path = dir.path().join("effects.jsonl");
    let run = aether(&[
        "run",
        "corpus/run/overnight_runner.aether",
        "--deterministic",
        "--memory",
        ":memory:",
        "--until",
        "8h",
        "--effects",
        effects_path.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let effect: serde_json::Value = serde_json::from_str(
        read(&effects_path)
            .lines()
            .next()
            .expect("the run records effects"),
    )
    .unwrap();

    let mut compared = [0; 3];
    for (at, value) in documented_json() {
        let documented = keys(&value);
        if value.get("phase").is_some() && value.get("timestamp").is_some() {
            assert_eq!(documented, keys(&status), "{at}: the JSON status line");
            compared[0] += 1;
        } else if value.get("diagnostics").is_some() {
            assert_eq!(documented, keys(&file), "{at}: a checked file");
            for d in value["diagnostics"].as_array().unwrap() {
                assert_eq!(keys(d), keys(&diagnostic), "{at}: a diagnostic");
            }
            compared[1] += 1;
        } else if value.get("seq").is_some() {
            assert_eq!(documented, keys(&effect), "{at}: an effect");
            compared[2] += 1;
        }
    }
    assert!(
        compared.iter().all(|&n| n > 0),
        "formats.md lost an example of the status line, a checked file or an effect: {compared:?}"
    );
}

#[test]
fn the_structured_code_table_lists_every_code() {
    use aether::syntax::diagnostic::Code;
    // Rows of the first table of exit-codes.md: `| 20 | `PARSE_ERROR` | ...`.
    let md = read(&root().join("docs/exit-codes.md"));
    let rows: Vec<(i32, String)> = md
        .lines()
        .filter_map(|l| {
            let mut cells = l.split('|').map(str::trim).skip(1);
            let number = cells.next()?.parse().ok()?;
            let name = cells.next()?.trim_matches('`').to_string();
            Some((number, name))
        })
        .collect();
    let codes: Vec<(i32, String)> = Code::ALL
        .iter()
        .map(|c| (c.number(), c.name().to_string()))
        .collect();
    assert_eq!(rows, codes, "docs/exit-codes.md's code table");
}

/// The `$ aether ...` commands of ```` ```console ```` blocks and the output shown under each.
fn console_sessions(md: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for block in fenced_blocks(md) {
        if block.info != "console" {
            continue;
        }
        let mut current: Option<(String, String)> = None;
        for line in block.text.lines() {
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.extend(current.take().map(|(c, o)| (block.line, c, o)));
                current = Some((cmd.to_string(), String::new()));
            } else if let Some((_, output)) = current.as_mut() {
                output.push_str(line);
                output.push('\n');
            }
        }
        out.extend(current.map(|(c, o)| (block.line, c, o)));
    }
    out
}

#[test]
fn console_examples_print_what_they_show() {
    // Only the docs' console sessions whose output is stable (no timestamps, no timings) are
    // written as `console` blocks; the others are `text` or `json`.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_aether")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for file in doc_files() {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        for (line, cmd, shown) in console_sessions(&read(&file)) {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .current_dir(root())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                shown,
                "{rel}:{line}: `{cmd}`"
            );
            ran += 1;
        }
    }
    assert!(
        ran >= 2,
        "the console examples of exit-codes.md went missing"
    );
}

#[test]
fn the_index_lists_every_page() {
    let index = read(&root().join("docs/README.md"));
    let linked: Vec<String> = relative_links(&index).into_iter().map(|(p, _)| p).collect();
    for file in doc_files() {
        let name = file.strip_prefix(root().join("docs")).unwrap();
        if name != Path::new("README.md") {
            let name = name.display().to_string();
            assert!(
                linked.contains(&name),
                "docs/README.md does not link {name}"
            );
        }
    }
}

#[test]
fn the_reference_says_what_aether_explain_says() {
    // Both are built from the registry, but `aether explain` words a few things itself (the
    // header line, who applies a fix). Every paragraph it prints after its header must appear,
    // as is, in that rule's section of the committed page.
    let md = read(&root().join("docs/diagnostics.md"));
    let mut paragraphs = 0;
    for r in rules::ALL {
        let start = md
            .find(&format!("\n## {} {}\n", r.id, r.name))
            .unwrap_or_else(|| panic!("docs/diagnostics.md has no section for {}", r.id));
        let section = md[start + 1..]
            .find("\n## ")
            .map_or(&md[start..], |end| &md[start..start + 1 + end]);
        let out = aether(&["explain", r.id]);
        assert!(out.status.success(), "aether explain {}", r.id);
        let text = String::from_utf8(out.stdout).unwrap();
        for paragraph in text.split("\n\n").skip(1) {
            let paragraph = paragraph.trim();
            paragraphs += 1;
            assert!(
                section.contains(paragraph),
                "{}: `aether explain` prints a paragraph docs/diagnostics.md lacks:\n{paragraph}\n{UPDATE_HINT}",
                r.id
            );
        }
    }
    // At least the summary and the explanation of every rule.
    assert!(
        paragraphs >= 2 * rules::ALL.len(),
        "{paragraphs} paragraphs compared"
    );
}
