//! The validator and the interpreter read every file the same way (issue "Run real
//! workflows", item 1): each file of the valid corpus and of the project corpus that checks
//! clean also runs to completion, deterministically, except the few listed in
//! `corpus/run-failures.txt`, which fail for a reason the script is to blame for. A run never
//! fails for a reason the validator rules out (an undefined name, an unknown function or
//! command), never reports UNSUPPORTED_FEATURE and never panics; and two runs of a file give
//! the same output and the same effect trace.

use aether::lint::check::{before_run, check_path, Settings};
use aether::project::config::ConfigSource;
use aether::run::{run_file, MemorySpec, RunOptions, RunOutcome};
use aether::syntax::diagnostic::Code;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in ["corpus/valid", "corpus/project"] {
        for e in walkdir::WalkDir::new(root).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "aether") {
                out.push(e.path().to_path_buf());
            }
        }
    }
    out
}

fn expected_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string("corpus/run-failures.txt").unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split(" | ");
            let path = cols.next().unwrap().trim().to_string();
            let message = cols.next().expect("a message column").trim().to_string();
            assert!(cols.next().is_some(), "{path}: say why it fails");
            (path, message)
        })
        .collect()
}

fn run(path: &Path, settings: &Settings) -> (RunOutcome, String) {
    let opts = RunOptions {
        deterministic: true,
        max_steps: 2_000_000,
        timeout: Some(std::time::Duration::from_secs(20)),
        memory: MemorySpec::InMemory,
        plugin_paths: settings.plugin_paths_for(Some(path)),
        host: settings.host_for(Some(path)),
        ..Default::default()
    };
    let mut out = Vec::new();
    let outcome = run_file(path, &opts, &before_run(path, settings), &mut out);
    (outcome, String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn files_that_check_clean_run_clean_and_the_same_twice() {
    let settings = Settings::default()
        .with_config(ConfigSource::Discover)
        .unwrap();
    let expected = expected_failures();
    let mut problems = Vec::new();
    let mut ran = 0;
    let mut failed_as_listed = Vec::new();
    for path in files() {
        let shown = path.to_string_lossy().replace('\\', "/");
        if check_path(&path, &settings).code != Code::Success {
            continue;
        }
        ran += 1;
        let (first, out1) = run(&path, &settings);
        let message = first
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| d.message.clone());
        match (first.code, expected.get(&shown)) {
            (Code::Success, None) => {}
            (Code::Success, Some(_)) => {
                problems.push(format!("{shown}: runs clean now; remove it from the list"))
            }
            (_, Some(want)) => {
                if message.as_deref() != Some(want.as_str()) {
                    problems.push(format!(
                        "{shown}: fails with {message:?}, listed as {want:?}"
                    ));
                }
                failed_as_listed.push(shown.clone());
            }
            (code, None) => problems.push(format!(
                "{shown}: checks clean but the run fails with {} {message:?}",
                code.name()
            )),
        }
        if let Some(m) = &message {
            for ruled_out in ["is not defined", "unknown function", "unknown command"] {
                if m.contains(ruled_out) && !expected.contains_key(&shown) {
                    problems.push(format!("{shown}: the validator ruled this out: {m}"));
                }
            }
        }
        assert_ne!(first.code, Code::InternalError, "{shown}: {message:?}");
        assert_ne!(first.code, Code::UnsupportedFeature, "{shown}: {message:?}");
        // Deterministic: the same output and the same effects, to the byte.
        let (second, out2) = run(&path, &settings);
        if out1 != out2 {
            problems.push(format!("{shown}: two runs print different output"));
        }
        let trace = |o: &RunOutcome| serde_json::to_string(&o.effects).unwrap();
        if trace(&first) != trace(&second) {
            problems.push(format!("{shown}: two runs record different effects"));
        }
    }
    for listed in expected.keys() {
        if !failed_as_listed.contains(listed) {
            problems.push(format!(
                "{listed}: listed as failing but did not fail (or did not check clean)"
            ));
        }
    }
    assert!(ran > 80, "only {ran} files checked clean");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
