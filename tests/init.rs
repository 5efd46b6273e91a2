//! `aether init` on a small tree of several files (corpus/init/tree): the written
//! `aether.toml` and the printed summary are golden files, and the promise of adoption holds:
//! after deleting the typo from the list, `aether check` reports exactly that typo.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn aether(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the aether binary runs")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/init"))
}

/// A copy of the tree in a fresh directory, so the test writes nothing in the repository.
fn tree() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    copy_tree(&corpus().join("tree"), &root);
    let root = root.to_str().unwrap().to_string();
    (dir, root)
}

#[test]
fn init_writes_the_golden_configuration_and_summary() {
    let (_dir, root) = tree();
    let out = aether(&["init", &root]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap().replace(&root, "DIR");
    let expected = fs::read_to_string(corpus().join("expected.stdout")).unwrap();
    assert_eq!(stdout, expected);
    let written = fs::read_to_string(Path::new(&root).join("aether.toml")).unwrap();
    let expected = fs::read_to_string(corpus().join("expected.aether.toml")).unwrap();
    assert_eq!(written, expected);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let (_dir, root) = tree();
    let config = Path::new(&root).join("aether.toml");
    fs::write(&config, "# mine\n").unwrap();
    let out = aether(&["init", &root]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(fs::read_to_string(&config).unwrap(), "# mine\n");
    let out = aether(&["init", "--force", &root]);
    assert!(out.status.success(), "{out:?}");
    assert_ne!(fs::read_to_string(&config).unwrap(), "# mine\n");
}

#[test]
fn adopting_the_written_file_leaves_exactly_the_typo() {
    let (_dir, root) = tree();
    let before = aether(&["check", &root, "--format", "concise", "-q"]);
    assert_eq!(before.status.code(), Some(1));
    assert!(aether(&["init", &root]).status.success());
    let config = Path::new(&root).join("aether.toml");
    let adopted = fs::read_to_string(&config).unwrap();
    // The typo is listed for the reviewer, commented out, so it is not declared.
    assert!(adopted.contains("  # \"sumarize\","), "{adopted}");
    let after = aether(&["check", &root, "--format", "concise", "-q"]);
    assert_eq!(after.status.code(), Some(1));
    let stdout = String::from_utf8(after.stdout).unwrap();
    let errors: Vec<&str> = stdout.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(
        errors[0]
            .ends_with("workflows/nightly.aether:9:12: error[V001]: unknown function 'sumarize'"),
        "{stdout}"
    );

    // A reviewer who decides a listed name is a typo deletes it; check reports it again.
    let reviewed: String = adopted
        .lines()
        .filter(|l| !l.contains("\"has_method\""))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&config, reviewed).unwrap();
    let after = aether(&["check", &root, "--format", "concise", "-q"]);
    let stdout = String::from_utf8(after.stdout).unwrap();
    assert!(stdout.contains("unknown function 'has_method'"), "{stdout}");
}
