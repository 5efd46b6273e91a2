//! Checking many files: discovery, sharding, a parallel pool, and results handed back in sorted
//! path order whatever the number of threads.
//!
//! Worker threads take files from a shared counter; results are passed to the caller in
//! order as soon as they are ready and dropped, so memory stays flat as the corpus grows (a
//! result keeps its file's text only when it has diagnostics to render).

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
    let total = items.len();
    progress(Progress::Found(total));
    let jobs = match opts.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let check_one = |(path, problem): &(PathBuf, Option<String>)| {
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
    };
    in_order(&items, jobs, &check_one, &mut each)?;
    Ok(total)
}

/// How far the workers may run ahead of the file being handed to the caller: the results
/// in between wait in memory (each keeps its text only when it has diagnostics).
const WINDOW: usize = 2048;

/// How many items a worker takes at a time: the caller's thread wakes once per batch, not
/// once per file (a wake-up per file cost more system time than the barriers it replaced).
const BATCH: usize = 16;

/// Run `work` over `items` on `jobs` threads and hand each result to `each` in the items'
/// order, as soon as it and all before it are done. Workers take the next batch from a
/// shared counter, so none idles while another has work (a barrier per chunk of files left
/// one core idle at the end of every chunk and both idle while results were written), and
/// the caller writes results while later files are checked. A worker waits when it is
/// `WINDOW` items ahead of the caller, so memory stays flat whatever the corpus size. When
/// `each` fails, the workers stop taking items and the error is returned.
fn in_order<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: &(dyn Fn(&T) -> R + Sync),
    each: &mut dyn FnMut(R) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Condvar, Mutex};
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results the caller has been handed; the lock and condition variable are only
    // used by a worker that is a window ahead.
    let handed = AtomicUsize::new(0);
    let gate = (Mutex::new(()), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, Vec<R>)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let (next, stop, handed, gate) = (&next, &stop, &handed, &gate);
            let worker = move || loop {
                let start = next.fetch_add(BATCH, Ordering::Relaxed);
                if start >= items.len() || stop.load(Ordering::Relaxed) {
                    return;
                }
                if start >= handed.load(Ordering::Acquire) + WINDOW {
                    let (lock, cv) = gate;
                    let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while start >= handed.load(Ordering::Acquire) + WINDOW
                        && !stop.load(Ordering::Relaxed)
                    {
                        guard = cv.wait(guard).unwrap_or_else(|e| e.into_inner());
                    }
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
                let batch = &items[start..items.len().min(start + BATCH)];
                if tx.send((start, batch.iter().map(work).collect())).is_err() {
                    return;
                }
            };
            std::thread::Builder::new()
                .stack_size(crate::syntax::STACK_SIZE)
                .spawn_scoped(scope, worker)?;
        }
        drop(tx);
        let wake = || {
            // Taking the lock orders this with a worker between its check and its wait.
            drop(gate.0.lock().unwrap_or_else(|e| e.into_inner()));
            gate.1.notify_all();
        };
        // Batches that arrived before the one the caller needs next, by their first item.
        let mut waiting = std::collections::BTreeMap::new();
        let mut first = 0; // the first item not handed to the caller yet
        let result = (|| {
            for (start, results) in rx.iter() {
                waiting.insert(start, results);
                while let Some(results) = waiting.remove(&first) {
                    first += results.len();
                    for r in results {
                        each(r)?;
                    }
                }
                let before = handed.swap(first, Ordering::Release);
                // Only a worker a window ahead waits; wake it when it may go on.
                if next.load(Ordering::Relaxed) >= before + WINDOW {
                    wake();
                }
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
            wake();
        }
        // Dropping the receiver makes any worker still sending stop.
        drop(rx);
        result
    })
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
    fn results_come_in_item_order_whatever_the_threads() {
        // Items finish out of order (the slow ones sleep); more items than the window.
        let items: Vec<usize> = (0..super::WINDOW * 2 + 37).collect();
        for jobs in [1, 2, 5] {
            let mut seen = Vec::new();
            super::in_order(
                &items,
                jobs,
                &|&i: &usize| {
                    if i % 997 == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    i * 2
                },
                &mut |r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(
                seen,
                items.iter().map(|i| i * 2).collect::<Vec<_>>(),
                "jobs {jobs}"
            );
        }
    }

    #[test]
    fn a_failing_caller_stops_the_workers() {
        let items: Vec<usize> = (0..100_000).collect();
        let worked = std::sync::atomic::AtomicUsize::new(0);
        let mut handed = 0;
        let err = super::in_order(
            &items,
            2,
            &|&i: &usize| {
                worked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i
            },
            &mut |i| {
                handed += 1;
                if i == 10 {
                    Err(std::io::Error::other("disk full"))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(handed, 11);
        // The window bounds how far the workers got before they saw the stop: a window of
        // items, and at most the batch each worker had taken when the caller failed.
        let bound = super::WINDOW + 2 * super::BATCH;
        assert!(worked.load(std::sync::atomic::Ordering::Relaxed) <= bound);
    }

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
