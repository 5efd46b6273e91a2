//! `aether migrate`: the before/after cases of `corpus/migrate/` run through the real binary,
//! and properties of the migrator over every corpus file and many generated legacy files.
//!
//! Case format (corpus/migrate/README.md): `NAME.aether` is the input; `NAME.expected` the
//! exact bytes after `--apply`, or `NAME.refused` a text the refusal reason must contain (the
//! file then stays untouched); `NAME.args` optional extra flags.

mod common;

use aether::fix::{self, Options, RefusalKind};
use aether::lint::check::Settings;
use aether::syntax::diagnostic::Severity;
use aether::syntax::edit::apply_edits;
use common::{corpus_files, Rng};
use std::path::{Path, PathBuf};
use std::process::Command;

fn aether() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aether"));
    c.env("NO_COLOR", "1");
    c
}

struct Case {
    name: String,
    input: Vec<u8>,
    args: Vec<String>,
    expect: Expect,
}

enum Expect {
    Bytes(Vec<u8>),
    Refused(String),
}

fn cases() -> Vec<Case> {
    let dir = Path::new("corpus/migrate");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("corpus/migrate")
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".aether").map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}"))).ok();
            let expect = match (read("expected"), read("refused")) {
                (Some(b), None) => Expect::Bytes(b),
                (None, Some(r)) => Expect::Refused(String::from_utf8_lossy(&r).trim().to_string()),
                _ => panic!("{name}: needs exactly one of .expected and .refused"),
            };
            let args = read("args")
                .map(|a| {
                    String::from_utf8_lossy(&a)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Case {
                input: read("aether").expect("input"),
                name,
                args,
                expect,
            }
        })
        .collect()
}

/// A private copy of one case's input, so the binary can write it.
fn scratch(case: &Case) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("{}.aether", case.name));
    std::fs::write(&path, &case.input).expect("write case");
    (dir, path)
}

fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

#[test]
fn corpus_cases_migrate_exactly() {
    let cases = cases();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (_dir, path) = scratch(case);
        let out = aether()
            .args(["migrate", "--apply", "--isolated"])
            .args(&case.args)
            .arg(&path)
            .output()
            .expect("run aether");
        let after = std::fs::read(&path).expect("read back");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match &case.expect {
            Expect::Bytes(want) => {
                if &after != want {
                    failures.push(format!(
                        "{}: got\n{}\nwant\n{}\nstderr: {stderr}",
                        case.name,
                        show(&after),
                        show(want)
                    ));
                    continue;
                }
                if out.status.code() != Some(0) {
                    failures.push(format!("{}: exit {:?}: {stderr}", case.name, out.status));
                    continue;
                }
                // Applying twice changes nothing, and `--diff` agrees.
                let again = aether()
                    .args(["migrate", "--diff", "--isolated"])
                    .args(&case.args)
                    .arg(&path)
                    .output()
                    .expect("run aether");
                if again.status.code() != Some(0) || !again.stdout.is_empty() {
                    failures.push(format!(
                        "{}: not a fixed point: exit {:?}\n{}",
                        case.name,
                        again.status.code(),
                        String::from_utf8_lossy(&again.stdout)
                    ));
                }
            }
            Expect::Refused(reason) => {
                if after != case.input {
                    failures.push(format!("{}: a refused file was changed", case.name));
                } else if out.status.code() != Some(1)
                    || !stderr.to_lowercase().contains(&reason.to_lowercase())
                {
                    failures.push(format!(
                        "{}: want a refusal containing {reason:?} (exit 1), got exit {:?}: {stderr}",
                        case.name,
                        out.status.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every property a migration must have, for one text.
fn check_migration(path: &Path, text: &str, settings: &Settings, opts: &Options) -> Vec<String> {
    let mut bad = Vec::new();
    let m = fix::migrate(text, Some(path), settings, opts);
    let name = path.display();
    if let Some(why) = &m.refused {
        // Refused: a file that does not parse, a signed one, or one whose fixes would add
        // an error (corpus/migrate has such a case); never for anything else.
        let parses = !aether::syntax::parse(text).has_errors();
        let allowed = match why.kind {
            RefusalKind::DoesNotParse => !parses,
            RefusalKind::Signed => text.starts_with(fix::SIGNATURE_PREFIX),
            RefusalKind::WouldAddError => true,
            RefusalKind::Unreadable | RefusalKind::Internal => false,
        };
        if !allowed || m.text != text {
            bad.push(format!("{name}: refused: {why}"));
        }
        return bad;
    }
    if !m.changed() {
        if m.text != text {
            bad.push(format!("{name}: unchanged but the text differs"));
        }
        return bad;
    }
    // The reported edits of the original give the new text, so it differs only there.
    let edits: Vec<_> = m.edits.iter().map(|e| e.edit.clone()).collect();
    if edits.windows(2).any(|w| w[0].span.end > w[1].span.start) {
        bad.push(format!("{name}: edits overlap or are out of order"));
    }
    if apply_edits(text, &edits) != m.text {
        bad.push(format!("{name}: the edits do not give the new text"));
    }
    // No parse error, and no error the original did not have.
    let errors = |t: &str| -> Vec<&'static str> {
        let parsed = aether::syntax::parse(t);
        let mut ids: Vec<&'static str> =
            aether::lint::check::diagnose(&parsed, Some(path), settings)
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.rule.id)
                .collect();
        ids.sort_unstable();
        ids
    };
    let (before, after) = (errors(text), errors(&m.text));
    let mut left = before.clone();
    for id in &after {
        match left.iter().position(|x| x == id) {
            Some(i) => {
                left.remove(i);
            }
            None => bad.push(format!("{name}: migration added error {id}")),
        }
    }
    // A fixed point: a second migration finds nothing.
    let again = fix::migrate(&m.text, Some(path), settings, opts);
    if again.changed() || again.refused.is_some() {
        bad.push(format!(
            "{name}: second migration: {:?} {:?}",
            again.applied.iter().map(|a| a.rule.id).collect::<Vec<_>>(),
            again.refused
        ));
    }
    // Line endings, BOM and the final newline survive.
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        let bare_lf = m.text.replace("\r\n", "").contains('\n');
        if bare_lf {
            bad.push(format!("{name}: a CRLF file gained a bare LF"));
        }
    }
    if text.starts_with('\u{feff}') != m.text.starts_with('\u{feff}') {
        bad.push(format!("{name}: the byte-order mark changed"));
    }
    if text.ends_with('\n') != m.text.ends_with('\n') {
        bad.push(format!("{name}: the final newline changed"));
    }
    bad
}

fn options() -> Options {
    Options {
        hygiene: true,
        ..Options::default()
    }
}

#[test]
fn every_corpus_file_migrates_safely() {
    let settings = Settings::default();
    let mut bad = Vec::new();
    let mut changed = 0;
    for (path, text) in corpus_files() {
        bad.extend(check_migration(&path, &text, &settings, &options()));
        changed += fix::migrate(&text, Some(&path), &settings, &options()).changed() as usize;
    }
    assert!(
        changed >= 10,
        "only {changed} corpus files had something to migrate"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Legacy spellings and whitespace noise put into corpus files at random places.
fn legacify(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for line in &mut lines {
        match rng.below(12) {
            0 => line.push_str("   "),
            1 => line.push('\t'),
            2 => {
                if let Some(rest) = line.strip_prefix("goal: \"") {
                    if let Some(inner) = rest.strip_suffix('"') {
                        if !inner.contains(['"', '\\', '{', '#']) {
                            *line = format!("intent: {inner}");
                        }
                    }
                }
            }
            3 if line.contains(" true") && !line.contains('"') => {
                *line = line.replacen(" true", " True", 1);
            }
            4 if line.contains("available_plugins(") => {
                *line = line.replace("available_plugins(", "analyze_plugins(");
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for line in lines {
        if rng.below(15) == 0 {
            for _ in 0..(3 + rng.below(3)) {
                out.push(if rng.below(2) == 0 { "" } else { "  " }.to_string());
            }
        }
        out.push(line);
    }
    let mut text = out.join("\n");
    match rng.below(4) {
        0 => text = text.replace('\n', "\r\n"),
        1 => text = text.trim_end_matches('\n').to_string(),
        2 => text.insert(0, '\u{feff}'),
        _ => {}
    }
    text
}

#[test]
fn generated_legacy_files_migrate_safely() {
    let settings = Settings::default();
    let mut rng = Rng(0x005e_ed0f_a37e);
    let files = corpus_files();
    let mut bad = Vec::new();
    let mut fixed = 0;
    for round in 0..3 {
        for (path, text) in &files {
            let variant = legacify(text, &mut rng);
            let m = fix::migrate(&variant, Some(path), &settings, &options());
            fixed += m.applied.len();
            for b in check_migration(path, &variant, &settings, &options()) {
                bad.push(format!("round {round}: {b}"));
            }
        }
    }
    assert!(
        fixed > 1000,
        "only {fixed} fixes applied over the generated files"
    );
    assert!(bad.is_empty(), "{}", bad[..bad.len().min(20)].join("\n"));
}

#[test]
fn signed_files_are_refused_unless_stripped() {
    let settings = Settings::default();
    let text = format!(
        "{} {}\nintent: ship it\n",
        fix::SIGNATURE_PREFIX,
        "ab".repeat(32)
    );
    let m = fix::migrate(&text, None, &settings, &options());
    let refusal = m.refused.unwrap();
    assert_eq!(refusal.kind, RefusalKind::Signed);
    assert!(refusal.reason.contains("signed"));
    assert_eq!(m.text, text);
    let strip = Options {
        strip_signature: true,
        ..options()
    };
    let m = fix::migrate(&text, None, &settings, &strip);
    assert_eq!(m.text, "goal: \"ship it\"\n");
    assert!(m.stripped_signature);
    // A signed file with nothing to migrate is left alone, signature and all.
    let clean = format!(
        "{} {}\ngoal: \"x\"\n",
        fix::SIGNATURE_PREFIX,
        "cd".repeat(32)
    );
    let m = fix::migrate(&clean, None, &settings, &options());
    assert!(!m.changed() && m.refused.is_none());
}

#[test]
fn diff_mode_exit_codes_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("legacy.aether");
    std::fs::write(&legacy, "intent: ship it\n").unwrap();
    let out = aether()
        .args(["migrate", "--diff", "--isolated"])
        .arg(&legacy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("-intent: ship it\n+goal: \"ship it\"\n"),
        "{diff}"
    );
    // The dry run shows the same and writes nothing.
    let out = aether()
        .args(["migrate", "--isolated"])
        .arg(&legacy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("line 1    L001"));
    assert_eq!(
        std::fs::read_to_string(&legacy).unwrap(),
        "intent: ship it\n"
    );
    // An unknown rule and a missing path.
    let out = aether()
        .args(["migrate", "--select", "Z999", "--isolated"])
        .arg(&legacy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = aether()
        .args(["migrate", "--isolated"])
        .arg(dir.path().join("missing.aether"))
        .arg(&legacy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("would fix"));
    // Two modes at once is a usage error.
    let out = aether()
        .args(["migrate", "--apply", "--diff"])
        .arg(&legacy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn apply_keeps_permissions_and_writes_a_report() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.aether");
    std::fs::write(&file, "remember: load_index()  \n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o754)).unwrap();
    let report = dir.path().join("report.md");
    let out = aether()
        .args(["migrate", "--apply", "--isolated", "--report"])
        .arg(&report)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "memory: load_index()\n"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o754);
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.starts_with("# .aether Migration Report\n"), "{md}");
    assert!(md.contains("L003") && md.contains("```diff"), "{md}");
}

#[test]
fn check_fix_applies_safe_fixes_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plugin.aether");
    std::fs::write(
        &file,
        "intent: keep caches warm  \nplugin warm {\n    enabled: True\n}\nif None == null {\n    log \"x\"\n}\n",
    )
    .unwrap();
    let out = aether()
        .args(["check", "--fix", "--isolated"])
        .arg(&file)
        .output()
        .unwrap();
    // The trailing spaces stay (check does not report M001), and so does the unsafe fix.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "goal: \"keep caches warm\"  \nplugin warm {\n    enabled: True\n}\nif null == null {\n    log \"x\"\n}\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fixed 3 issues in 1 file"), "{stderr}");
    let out = aether()
        .args(["check", "--fix", "--unsafe-fixes", "--isolated"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("enabled: true"));
}

#[test]
fn json_format_reports_edits_of_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("legacy.aether");
    let original = "intent: ship it   \nx = analyze_plugins()\n";
    std::fs::write(&file, original).unwrap();
    let out = aether()
        .args(["migrate", "--format", "json", "--isolated"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["mode"], "dry-run");
    assert_eq!(doc["summary"]["changed"], 1);
    let f = &doc["files"][0];
    assert_eq!(f["status"], "would_fix");
    let rules: Vec<&str> = f["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["L001", "L002", "M001", "L004"]);
    // Applying the reported edits to the original gives what --apply writes.
    let mut text = original.to_string();
    let mut edits: Vec<(usize, usize, String)> = f["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
                e["replacement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort();
    for (s, e, r) in edits.into_iter().rev() {
        text.replace_range(s..e, &r);
    }
    assert_eq!(text, "goal: \"ship it\"\nx = available_plugins()\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
}
