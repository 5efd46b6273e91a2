//! Writing artifacts (baselines, classifier reports, history, trends) atomically: readers see
//! the old file or the new one, never a torn one.
//!
//! A write goes through a temporary `.aether-tmp-*` file beside the target. A run killed
//! between creating it and renaming it leaves it behind, and nothing would ever remove it: so
//! the first write into a directory, in each process, removes the temporary files there that
//! are older than [`STALE_AFTER`]. A live write holds its temporary file for the time of one
//! write and sync, far less than that, so only litter is removed.

use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The name every temporary file of an atomic write starts with.
pub const TEMP_PREFIX: &str = ".aether-tmp-";

/// How old a temporary file must be to count as left by a killed run.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// The directories this process already swept (see the module docs).
static SWEPT: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Write a temporary file in the target's directory, flush it to disk, then rename it over the
/// target. An existing file keeps its permissions; a new one is readable by others (temporary
/// files start as 0600). The directory must exist; the error names the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write(path, bytes, true)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))
}

/// [`write_atomic`] of pretty JSON with a final newline.
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Removes the temporary files of atomic writes in `dir` that are older than `age` (see the
/// module docs); returns how many it removed. Files it cannot inspect or remove are left.
pub fn remove_stale_temp_files(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|elapsed| elapsed > age);
        if meta.is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// [`remove_stale_temp_files`] with [`STALE_AFTER`], once per directory per process.
fn sweep_once(dir: &Path) {
    let key = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let first = SWEPT.lock().unwrap_or_else(|e| e.into_inner()).insert(key);
    if first {
        remove_stale_temp_files(dir, STALE_AFTER);
    }
}

fn write(path: &Path, bytes: &[u8], replace: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sweep_once(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.as_file_mut().write_all(bytes)?;
    let existing = replace
        .then(|| std::fs::metadata(path).ok())
        .flatten()
        .map(|m| m.permissions());
    if let Some(perms) = existing.or_else(new_file_permissions) {
        tmp.as_file().set_permissions(perms)?;
    }
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    Ok(())
}

/// Like [`write_atomic`], but never replaces a file: when `path` exists (or appears while
/// writing), nothing is written and the error is [`io::ErrorKind::AlreadyExists`]. Two runs
/// that pick the same name cannot overwrite each other's file.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write(path, bytes, false)
}

/// An exclusive lock on a directory's lock file, held until it is dropped. Runs that update
/// the same files (the trends of a classify history folder) take it so that their
/// read-modify-write steps do not interleave.
pub struct DirLock {
    _file: std::fs::File,
    /// Without `flock`, the lock is the file's existence, removed on drop.
    #[cfg(not(unix))]
    path: PathBuf,
}

/// Takes the lock `dir/name`, waiting while another run holds it. On Unix it is an `flock`,
/// released by the kernel when the holder exits or is killed, so no run can leave it stale.
#[cfg(unix)]
pub fn lock_dir(dir: &Path, name: &str) -> io::Result<DirLock> {
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open the lock {}: {e}", path.display()),
            )
        })?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).map_err(|e| {
        io::Error::new(
            io::Error::from(e).kind(),
            format!("cannot lock {}: {e}", path.display()),
        )
    })?;
    Ok(DirLock { _file: file })
}

/// Takes the lock `dir/name`: the file is created exclusively and removed when the lock is
/// dropped. A run that waited a minute gives up with an error naming the file, which a killed
/// run may have left.
#[cfg(not(unix))]
pub fn lock_dir(dir: &Path, name: &str) -> io::Result<DirLock> {
    let path = dir.join(name);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok(DirLock { _file: file, path }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if std::time::Instant::now() > deadline {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "{} is held by another run; if none is running, a killed one left \
                             it: remove it",
                            path.display()
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(not(unix))]
impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}
