//! `aether baseline`: write the parse baseline of a tree, or merge shard baselines.

use aether::bulk::plural;
use aether::lint::check::Settings;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn cmd_baseline(
    root: &Path,
    output: &Path,
    limit: usize,
    timeout: f64,
    opts: &aether::bulk::Options,
    settings: &Settings,
) -> io::Result<ExitCode> {
    use aether::bulk::baseline::{self, FileEntry};
    if !root.exists() {
        eprintln!("error: the root {} does not exist", root.display());
        return Ok(ExitCode::from(2));
    }
    let start = std::time::Instant::now();
    let mut entries = Vec::new();
    let roots = [root.to_path_buf()];
    aether::bulk::check_all(&roots, settings, opts, &|_| {}, |r| {
        if limit == 0 || entries.len() < limit {
            let shown = aether::bulk::discover::shown(&r.path, root);
            // A check is linear in the file's size and cannot hang, so it is not interrupted;
            // one that took longer than `--timeout` is reported as the original reports a
            // timed-out check.
            entries.push(if r.elapsed.as_secs_f64() > timeout {
                FileEntry::timeout(shown)
            } else {
                FileEntry::from_outcome(shown, &r.outcome)
            });
        }
        Ok(())
    })?;
    let b = baseline::Baseline::from_entries(entries);
    baseline::write_atomic(output, &b)?;
    eprintln!(
        "baseline of {} ({:.2}% failing) written to {} in {:.2}s",
        plural(b.total, "file"),
        b.failure_rate * 100.0,
        output.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn cmd_baseline_merge(parts: &[PathBuf], output: &Path) -> io::Result<ExitCode> {
    use aether::bulk::baseline;
    let mut read = Vec::new();
    for p in parts {
        match baseline::read(p) {
            Ok(b) => read.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    match baseline::merge(read) {
        Ok(b) => {
            baseline::write_atomic(output, &b)?;
            eprintln!(
                "merged {} ({}) into {}",
                plural(parts.len(), "baseline"),
                plural(b.total, "file"),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(baseline::MergeError::DuplicatePath {
            path,
            first,
            second,
        }) => {
            eprintln!(
                "error: '{path}' is in both {} and {}; shards must not overlap",
                parts[first].display(),
                parts[second].display()
            );
            Ok(ExitCode::from(2))
        }
    }
}
