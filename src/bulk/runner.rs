//! Checking many files: discovery, sharding, a parallel pool, and results handed back in sorted
//! path order whatever the number of threads.
//!
//! Files are checked in chunks: each chunk runs in parallel, then its results are passed to
//! the caller in order and dropped, so memory stays flat as the corpus grows (a result keeps
//! its file's text only when it has diagnostics to render).

use crate::bulk::discover;
use crate::lint::check::{self, Outcome, Settings};
use crate::syntax::diagnostic::{rules, Diagnostic};
use crate::syntax::span::{LineIndex, Span};
use std::path::PathBuf;

/// `--shard K/N`: the files whose path hash falls in bucket K (1-based) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected K/N (like 2/8), not '{s}'"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index '{k}'"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count '{n}'"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard must be K/N with 1 <= K <= N, not '{s}'"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// FNV-1a over the path's bytes: stable across runs, machines and Rust versions, so a CI
    /// matrix always splits a tree the same way.
    pub fn contains(&self, path: &str) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in path.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h % self.count == self.index - 1
    }
}

pub struct Options {
    /// Worker threads; 0 = all cores.
    pub jobs: usize,
    pub shard: Option<Shard>,
}

/// What a bulk check hands back for each file, in path order.
pub struct FileResult {
    pub path: PathBuf,
    pub outcome: Outcome,
    /// How long the check of this file took.
    pub elapsed: std::time::Duration,
}

const CHUNK: usize = 2048;

/// What [`check_all`] tells a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Discovery is over and the configurations are loaded: this many files will be checked.
    Found(usize),
    /// One more file was checked (sent from the worker threads).
    Checked,
}

/// Discover, filter by shard, check in parallel, and call `each` in sorted path order.
/// `progress` hears the number of files once, before the first check, then once per file.
pub fn check_all(
    roots: &[PathBuf],
    settings: &Settings,
    opts: &Options,
    progress: &(dyn Fn(Progress) + Sync),
    mut each: impl FnMut(FileResult) -> std::io::Result<()>,
) -> std::io::Result<usize> {
    use rayon::prelude::*;
    let found = discover::discover(roots);
    let in_shard = |p: &PathBuf| match opts.shard {
        None => true,
        Some(s) => s.contains(&p.to_string_lossy()),
    };
    let mut items: Vec<(PathBuf, Option<String>)> = found
        .files
        .into_iter()
        .filter(in_shard)
        .map(|p| (p, None))
        .collect();
    items.extend(
        found
            .problems
            .into_iter()
            .filter(|(p, _)| in_shard(p))
            .map(|(p, why)| (p, Some(why))),
    );
    items.sort();
    // Every configuration is read before the first check: a broken one stops the run (the
    // CLI exits 2) instead of some files being checked without it.
    settings
        .load_configs(
            items
                .iter()
                .filter(|i| i.1.is_none())
                .map(|i| i.0.as_path()),
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .stack_size(crate::syntax::STACK_SIZE)
        .build()
        .map_err(std::io::Error::other)?;
    let total = items.len();
    progress(Progress::Found(total));
    for chunk in items.chunks(CHUNK) {
        let results: Vec<FileResult> = pool.install(|| {
            chunk
                .par_iter()
                .map(|(path, problem)| {
                    let started = std::time::Instant::now();
                    let mut outcome = match problem {
                        None => check::check_path(path, settings),
                        Some(why) => unreadable(path, why),
                    };
                    if outcome.diagnostics.is_empty() {
                        // Nothing will point into the text: do not keep it.
                        outcome.text = String::new();
                        outcome.lines = LineIndex::new("");
                    }
                    progress(Progress::Checked);
                    FileResult {
                        path: path.clone(),
                        outcome,
                        elapsed: started.elapsed(),
                    }
                })
                .collect()
        });
        for r in results {
            each(r)?;
        }
    }
    Ok(total)
}

/// A path the walk could not read (permissions, a symlink loop, a file deleted mid-run).
fn unreadable(path: &std::path::Path, why: &str) -> Outcome {
    let d = Diagnostic::new(
        &rules::IO_ERROR,
        Span::empty(0),
        format!("cannot read '{}': {why}", path.display()),
    );
    Outcome {
        code: d.code(),
        diagnostics: vec![d],
        text: String::new(),
        lines: LineIndex::new(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_paths() {
        let paths: Vec<String> = (0..1000)
            .map(|i| format!("dir{}/file{i}.aether", i % 7))
            .collect();
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        let mut seen = 0;
        for p in &paths {
            let n = shards.iter().filter(|s| s.contains(p)).count();
            assert_eq!(n, 1, "{p} is in exactly one shard");
            seen += n;
        }
        assert_eq!(seen, 1000);
        for s in &shards {
            let size = paths.iter().filter(|p| s.contains(p)).count();
            assert!((150..350).contains(&size), "shard {s:?} has {size} paths");
        }
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }
}
