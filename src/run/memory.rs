//! The interpreter's persistent memory: an embedded SQLite database (rusqlite, bundled SQLite).
//!
//! Scripts `remember` entries (a category, a JSON content, string tags and a timestamp), `recall`
//! them with filters, update and forget them, and keep named globals. The caller picks the file;
//! [`Memory::open_in_memory`] (or the path `:memory:`) gives a store that lives as long as the
//! value and writes nothing to disk.
//!
//! # Schema
//!
//! ```sql
//! CREATE TABLE entries (
//!     id       INTEGER PRIMARY KEY AUTOINCREMENT,
//!     ts       REAL    NOT NULL,     -- seconds since the Unix epoch, chosen by the caller
//!     category TEXT    NOT NULL,
//!     content  TEXT    NOT NULL,     -- JSON text of any value
//!     tags     TEXT    NOT NULL      -- JSON array of strings
//! );
//! CREATE INDEX entries_category_ts ON entries (category, ts);
//! CREATE INDEX entries_ts ON entries (ts);
//! CREATE TABLE globals (key TEXT PRIMARY KEY, value TEXT NOT NULL /* JSON */);
//! ```
//!
//! `AUTOINCREMENT` because scripts keep ids and `forget` or `update` them later: without it,
//! deleting the newest entry would let the next `remember` reuse its id, and a stale id would
//! silently reach a different entry.
//!
//! Contents are stored as JSON text rather than spread over columns because scripts put
//! arbitrary, schema-less values in memory; SQLite only has to filter on category and time, which
//! the two indexes serve in the order `recall` wants (newest first, the rowid breaking ties).
//! The other filters (case-insensitive text, tags, field equality) run in Rust on the rows as they
//! stream out of the cursor: Rust's Unicode case folding is right where SQLite's `lower()` and
//! `LIKE` fold ASCII only, and a `limit` still stops the scan early.
//!
//! The schema is versioned with `PRAGMA user_version`. [`MIGRATIONS`] is an ordered list: step
//! `i` takes a database from version `i` to `i + 1`, so a later version appends a step and older
//! files are brought forward, inside one write transaction, when they are opened. A file whose
//! version is newer than the list knows is refused rather than guessed at: an older `aether` must
//! not write rows a newer one would misread.
//!
//! # Whose file it is
//!
//! Every store carries [`APPLICATION_ID`] in its header (`PRAGMA application_id`). Opening
//! accepts a stamped file, an empty one (a new or zero-length file, or an SQLite database with
//! nothing in it: initialised and stamped), and a store written before the stamp existed
//! (version 1 or later, its tables exactly `entries` and `globals`: stamped when opened for
//! writing). Anything else is another program's database: it is refused with
//! [`MemoryErrorKind::NotAStore`] before anything is written, rather than gaining our tables.
//!
//! # Read-only stores
//!
//! [`OpenOptions::read_only`] opens the file without write access and refuses every write
//! before it reaches SQLite. A file with no store yet then reads as an empty store. A WAL store
//! in a folder nobody can write cannot get its `-shm` index created; it is then opened
//! `immutable` (no locks, no index), which is safe because nothing can write it either.
//!
//! # Quota and log size
//!
//! Each store has a quota ([`OpenOptions::quota`], default [`DEFAULT_QUOTA`]): before every
//! write that can grow the store, the pages in use plus the size of the new value are compared
//! with it, and a write that would pass it fails with [`MemoryErrorKind::QuotaExceeded`]. Free
//! pages left by deletes are reused, so forgetting entries makes room. The write-ahead log is
//! checkpointed every 1,000 pages and cut back to [`JOURNAL_SIZE_LIMIT`] after a checkpoint, and
//! a writer checkpoints and truncates it when it is dropped, so that no large `-wal` file
//! outlives a run even while other runs keep the store open.
//!
//! # Concurrency and durability
//!
//! Several `aether run` processes (and threads, each with its own [`Memory`]) may use one file at
//! once, so the connection is set up for that:
//!
//! * **WAL journal** (`journal_mode=WAL`, persistent in the file): readers never block the writer
//!   and the writer never blocks readers, so a long `recall` in one run does not stall a
//!   `remember` in another. With a rollback journal every write would wait for all readers.
//! * **`synchronous=NORMAL`**: in WAL mode a commit is then an append to the log, synced only at
//!   checkpoints. A power loss can lose the last commits but never corrupts the file; the
//!   default `FULL` would fsync on every `remember`, which a script doing thousands of them pays
//!   dearly for.
//! * **A 5-second busy timeout**: SQLite allows one writer at a time. Without a busy handler a
//!   second writer fails at once with `SQLITE_BUSY`; with it, SQLite sleeps and retries, so
//!   concurrent writers queue instead of failing.
//! * **`BEGIN IMMEDIATE` for every multi-statement write** (read-modify-write `update`,
//!   migrations, and the outermost level of a script's `transaction:` block): a deferred
//!   transaction that reads first and then writes cannot be retried by the busy handler when
//!   another connection committed in between (`SQLITE_BUSY_SNAPSHOT`, an immediate failure).
//!   Taking the write lock up front turns that into an ordinary wait. Single-statement writes
//!   run in autocommit mode, where SQLite already takes the write lock at the start of the
//!   statement and the busy handler applies.
//! * **The schema is created before the switch to WAL**, which is what lets several runs open
//!   a new file at the same moment (the reasoning is at the private `Memory::use_wal`).
//!
//! Script transactions nest: the outermost [`Memory::begin`] is `BEGIN IMMEDIATE` and each inner
//! one a `SAVEPOINT`, so an inner rollback undoes only its own writes. Because the outermost
//! level holds the write lock until it ends, other runs wait on it (up to the busy timeout):
//! transaction blocks should be short.

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row};
use serde_json::{Map, Value};

/// The schema steps, in order: step `i` upgrades a database from version `i` to `i + 1`.
/// Append new steps; never edit a released one, since files in the field already ran it.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    "CREATE TABLE entries (
         id       INTEGER PRIMARY KEY AUTOINCREMENT,
         ts       REAL    NOT NULL,
         category TEXT    NOT NULL,
         content  TEXT    NOT NULL,
         tags     TEXT    NOT NULL
     );
     CREATE INDEX entries_category_ts ON entries (category, ts);
     CREATE INDEX entries_ts ON entries (ts);
     CREATE TABLE globals (
         key   TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );",
];

/// The schema version this build writes and the newest it can open.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a write waits for another connection's write lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The deepest nesting of arrays and objects a stored value may have. `serde_json` refuses to
/// parse deeper text (its recursion limit protects the stack), so a deeper value would be
/// written but could never be read back: it is refused when stored instead.
pub const MAX_NESTING: usize = 127;

/// Stamped into every store's header (`PRAGMA application_id`, the bytes "AETH"), so that a
/// file can be told apart from another program's SQLite database. `aether` adds its tables only
/// to a file that carries it, to an empty database, or to a store written before the stamp
/// existed (its tables exactly `entries` and `globals`); anything else is refused, untouched.
pub const APPLICATION_ID: i32 = 0x4145_5448;

pub use crate::project::quota::{format_size, parse_quota, parse_size, DEFAULT_QUOTA, MIN_QUOTA};

/// The size the write-ahead log is cut back to after a checkpoint (`PRAGMA journal_size_limit`).
/// Without it the log keeps the size of the largest burst of writes it ever held.
pub const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The path that [`Memory::open`] treats as "no file", as SQLite does.
pub const IN_MEMORY_PATH: &str = ":memory:";

/// Results of this module.
pub type Result<T, E = MemoryError> = std::result::Result<T, E>;

/// One remembered entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    /// Assigned by the store, increasing; never reused within a file, even after a delete.
    pub id: i64,
    /// The caller's timestamp, seconds since the Unix epoch.
    pub ts: f64,
    pub category: String,
    pub content: Value,
    pub tags: Vec<String>,
}

/// Filters for [`Memory::search`]; the default matches every entry. All given filters must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Case-insensitive substring of the content's JSON text (keys and string values alike).
    pub text: Option<String>,
    /// Exact category.
    pub category: Option<String>,
    /// The entry must carry every one of these tags.
    pub tags: Vec<String>,
    /// The content must be an object whose fields equal these. Numbers compare by value when
    /// either side is a float (`1` equals `1.0`), exactly otherwise.
    pub fields: Map<String, Value>,
    /// Only entries with `ts >= since`.
    pub since: Option<f64>,
    /// At most this many entries (the newest ones).
    pub limit: Option<usize>,
}

/// How a store is opened: for writing (the default) or only for reading, and with which quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    /// Open without write access (see [`Memory::open_with`]). Every write is then refused.
    pub read_only: bool,
    /// The most bytes the store's data may take (see [`DEFAULT_QUOTA`]).
    pub quota: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            read_only: false,
            quota: DEFAULT_QUOTA,
        }
    }
}

/// A persistent memory store: one SQLite connection.
///
/// `Memory` is `Send` but not `Sync`: give each thread its own, opened on the same file.
/// Dropping it with a transaction still open rolls that transaction back.
#[derive(Debug)]
pub struct Memory {
    conn: Connection,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
    /// How many [`Memory::begin`] calls are open.
    depth: Cell<usize>,
    /// Opened with [`OpenOptions::read_only`]: writes are refused before they reach SQLite.
    read_only: bool,
    /// [`OpenOptions::quota`], in bytes.
    quota: u64,
    /// The directories [`Memory::open`] created for the file, outermost first.
    created: Vec<PathBuf>,
}

/// What [`Memory::identify`] found in a file.
enum Identity {
    /// Stamped with [`APPLICATION_ID`], at this schema version.
    Ours(i64),
    /// No schema at all (a new or zero-length file): safe to initialise.
    Empty,
    /// Written by an `aether` from before the stamp: exactly our tables, at this version.
    Unstamped(i64),
    /// Anything else: another program's database, described for the error message.
    Foreign(String),
}

impl Memory {
    /// Opens (creating it and its parent directories if needed) the memory file at `path` for
    /// writing, with the default quota, and brings its schema up to [`SCHEMA_VERSION`]. The
    /// path `:memory:` opens an in-memory store.
    ///
    /// Fails cleanly, without changing the file, when it is not an SQLite database, is corrupt,
    /// belongs to another program (see [`APPLICATION_ID`]), or has a newer schema than this
    /// build knows.
    pub fn open(path: &Path) -> Result<Memory> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// [`Memory::open`] with options. Read-only, nothing is created or written: a file that does
    /// not exist or has no store yet (an empty database) reads as an empty store, and a store
    /// in a folder nobody can write is still readable.
    pub fn open_with(path: &Path, options: &OpenOptions) -> Result<Memory> {
        if path.as_os_str() == IN_MEMORY_PATH {
            let mut memory = Self::open_in_memory_with(options.quota)?;
            memory.read_only = options.read_only;
            return Ok(memory);
        }
        if options.read_only {
            return Self::open_read_only(path, options.quota);
        }
        let fail = |kind| MemoryError::new(Some(path), "opening", kind);
        let created = create_parent_dirs(path).map_err(|e| fail(MemoryErrorKind::Io(e)))?;
        // No SQLITE_OPEN_URI: the caller's path is a file name, never a `file:` URI whose query
        // string could change how the file is opened.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| fail(MemoryErrorKind::Sqlite(e)))?;
        let memory = Memory {
            conn,
            path: Some(path.to_path_buf()),
            depth: Cell::new(0),
            read_only: false,
            quota: options.quota,
            created,
        };
        // The busy timeout before anything touches the file: two runs opening a new file at the
        // same moment both need the write lock below.
        memory
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(memory.sqlite("opening"))?;
        memory.migrate()?;
        memory.use_wal()?;
        Ok(memory)
    }

    /// Opens a fresh store that lives only as long as the returned value.
    pub fn open_in_memory() -> Result<Memory> {
        Self::open_in_memory_with(DEFAULT_QUOTA)
    }

    fn open_in_memory_with(quota: u64) -> Result<Memory> {
        let conn = Connection::open_in_memory()
            .map_err(|e| MemoryError::new(None, "opening", MemoryErrorKind::Sqlite(e)))?;
        let memory = Memory {
            conn,
            path: None,
            depth: Cell::new(0),
            read_only: false,
            quota,
            created: Vec::new(),
        };
        memory.migrate()?;
        Ok(memory)
    }

    fn open_read_only(path: &Path, quota: u64) -> Result<Memory> {
        const OP: &str = "opening";
        let fail = |kind| MemoryError::new(Some(path), OP, kind);
        if !path.exists() {
            // Nothing stored yet, and nothing may be created: an empty store stands in.
            let mut empty = Self::open_in_memory_with(quota)?;
            empty.path = Some(path.to_path_buf());
            empty.read_only = true;
            return Ok(empty);
        }
        // Three ways in, each tried when the one before cannot open or lock the file:
        // 1. For reading and writing, though nothing is written (the write methods refuse):
        //    only such a connection removes SQLite's `-wal` and `-shm` side files when it
        //    closes, so a read leaves the folder as it found it.
        // 2. Read-only, for a file that cannot be written.
        // 3. Read-only and `immutable`: a WAL store whose `-shm` index is gone (its last writer
        //    removed it) in a folder that cannot be written. SQLite cannot create the index,
        //    so it cannot open the file the usual ways; nothing can write such a store either,
        //    which is exactly when `immutable` (no locks, no index) is safe.
        let no_mutex = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut attempts = vec![
            (
                path.to_string_lossy().into_owned(),
                OpenFlags::SQLITE_OPEN_READ_WRITE | no_mutex,
            ),
            (
                path.to_string_lossy().into_owned(),
                OpenFlags::SQLITE_OPEN_READ_ONLY | no_mutex,
            ),
        ];
        if let Some(uri) = immutable_uri(path) {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | no_mutex;
            attempts.push((uri, flags));
        }
        let mut last = None;
        for (target, flags) in attempts {
            // A path that is not UTF-8 is opened by its own bytes, never through the lossy text.
            let conn = if flags.contains(OpenFlags::SQLITE_OPEN_URI) {
                Connection::open_with_flags(&target, flags)
            } else {
                Connection::open_with_flags(path, flags)
            };
            let attempt = conn
                .map_err(|e| fail(MemoryErrorKind::Sqlite(e)))
                .map(|conn| Memory {
                    conn,
                    path: Some(path.to_path_buf()),
                    depth: Cell::new(0),
                    read_only: true,
                    quota,
                    created: Vec::new(),
                })
                .and_then(|memory| {
                    memory
                        .conn
                        .busy_timeout(BUSY_TIMEOUT)
                        .map_err(memory.sqlite(OP))?;
                    let identity = memory.identify(OP)?;
                    Ok((memory, identity))
                });
            match attempt {
                Ok((memory, identity)) => return memory.read_only_view(identity),
                Err(error)
                    if matches!(
                        error.sqlite_code(),
                        Some(
                            ErrorCode::CannotOpen
                                | ErrorCode::ReadOnly
                                | ErrorCode::PermissionDenied
                        )
                    ) =>
                {
                    last = Some(error)
                }
                Err(error) => return Err(error),
            }
        }
        Err(last.unwrap_or_else(|| {
            fail(MemoryErrorKind::ReadOnly(
                "the file cannot be opened".to_string(),
            ))
        }))
    }

    /// The store a read-only connection shows, from what [`Memory::identify`] found.
    fn read_only_view(mut self, identity: Identity) -> Result<Memory> {
        match identity {
            Identity::Ours(version) | Identity::Unstamped(version) => {
                self.check_version(version)?;
                if version < SCHEMA_VERSION {
                    return Err(self.error(
                        "opening",
                        MemoryErrorKind::ReadOnly(format!(
                            "the file has schema version {version} and must be upgraded to \
                             {SCHEMA_VERSION} first, which needs write access"
                        )),
                    ));
                }
                Ok(self)
            }
            // Nothing stored yet: an empty store of the current schema stands in for it, so
            // that reads find nothing rather than failing on missing tables.
            Identity::Empty => {
                let mut empty = Self::open_in_memory_with(self.quota)?;
                empty.path = self.path.take();
                empty.read_only = true;
                Ok(empty)
            }
            Identity::Foreign(what) => Err(self.error("opening", MemoryErrorKind::NotAStore(what))),
        }
    }

    /// The directories opening the store created for its file, outermost first (empty when
    /// they all existed).
    pub fn created_dirs(&self) -> &[PathBuf] {
        &self.created
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The quota the store was opened with, in bytes.
    pub fn quota(&self) -> u64 {
        self.quota
    }

    /// How many bytes the store's data takes: its pages in use (free pages left by deletes
    /// are reused, so they do not count).
    pub fn used_bytes(&self) -> Result<u64> {
        const OP: &str = "measuring the store";
        let (pages, free, size): (i64, i64, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT page_count FROM pragma_page_count()), \
                        (SELECT freelist_count FROM pragma_freelist_count()), \
                        (SELECT page_size FROM pragma_page_size())",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .map_err(self.sqlite(OP))?;
        Ok(u64::try_from((pages - free).max(0) * size).unwrap_or(0))
    }

    /// The file behind the store; `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How many [`Memory::begin`] calls are open (0 outside any transaction).
    pub fn transaction_depth(&self) -> usize {
        self.depth.get()
    }

    /// Adds an entry and returns its id. `ts` must be finite.
    pub fn store(&self, category: &str, content: &Value, tags: &[String], ts: f64) -> Result<i64> {
        const OP: &str = "storing an entry";
        self.writable(OP)?;
        check_finite(ts, "timestamp").map_err(|k| self.error(OP, k))?;
        let content = self.to_json(OP, content)?;
        let tags = serde_json::to_string(tags)
            .map_err(|e| self.error(OP, MemoryErrorKind::InvalidInput(e.to_string())))?;
        self.check_quota(OP, content.len() + tags.len() + category.len())?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO entries (ts, category, content, tags) VALUES (?1, ?2, ?3, ?4) \
                 RETURNING id",
            )
            .map_err(self.sqlite(OP))?;
        stmt.query_row(params![ts, category, content, tags], |row| row.get(0))
            .map_err(self.sqlite(OP))
    }

    /// The entry with this id, if there is one.
    pub fn get(&self, id: i64) -> Result<Option<Entry>> {
        const OP: &str = "reading an entry";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, ts, category, content, tags FROM entries WHERE id = ?1")
            .map_err(self.sqlite(OP))?;
        let raw = stmt
            .query_row([id], RawEntry::from_row)
            .optional()
            .map_err(self.sqlite(OP))?;
        raw.map(|raw| raw.decode().map_err(|k| self.error(OP, k)))
            .transpose()
    }

    /// The entries matching `query`, newest first (by `ts`, then by id).
    pub fn search(&self, query: &Query) -> Result<Vec<Entry>> {
        const OP: &str = "searching entries";
        if let Some(since) = query.since {
            check_finite(since, "`since` time").map_err(|k| self.error(OP, k))?;
        }
        let limit = query.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }

        let mut sql = String::from("SELECT id, ts, category, content, tags FROM entries");
        let mut conditions = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(category) = &query.category {
            conditions.push("category = ?");
            args.push(category.clone().into());
        }
        if let Some(since) = query.since {
            conditions.push("ts >= ?");
            args.push(since.into());
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY ts DESC, id DESC");
        let filtered_in_rust =
            query.text.is_some() || !query.tags.is_empty() || !query.fields.is_empty();
        if !filtered_in_rust && query.limit.is_some() {
            sql.push_str(" LIMIT ?");
            args.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        }

        let needle = query.text.as_deref().map(str::to_lowercase);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.sqlite(OP))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args))
            .map_err(self.sqlite(OP))?;
        let mut found = Vec::new();
        while let Some(row) = rows.next().map_err(self.sqlite(OP))? {
            let raw = RawEntry::from_row(row).map_err(self.sqlite(OP))?;
            if let Some(needle) = &needle {
                if !raw.content.to_lowercase().contains(needle.as_str()) {
                    continue;
                }
            }
            let entry = raw.decode().map_err(|k| self.error(OP, k))?;
            if !query.tags.iter().all(|tag| entry.tags.contains(tag)) {
                continue;
            }
            if !query.fields.is_empty() && !has_fields(&entry.content, &query.fields) {
                continue;
            }
            found.push(entry);
            if found.len() >= limit {
                break;
            }
        }
        Ok(found)
    }

    /// Merges `fields` into the content of entry `id`: each field is added or overwritten, every
    /// other field is kept. A content that is not an object (a text note, a number, a list)
    /// becomes an object holding it under `content`, so that the merge never loses it
    /// (`"disk full"` updated with `{reviewed: true}` is `{content: "disk full", reviewed:
    /// true}`). Returns whether the entry existed. [`Memory::replace`] replaces instead.
    pub fn update(&self, id: i64, fields: &Map<String, Value>) -> Result<bool> {
        const OP: &str = "updating an entry";
        self.writable(OP)?;
        self.write(OP, || {
            let current: Option<String> = self
                .conn
                .prepare_cached("SELECT content FROM entries WHERE id = ?1")
                .and_then(|mut stmt| stmt.query_row([id], |row| row.get(0)).optional())
                .map_err(self.sqlite(OP))?;
            let Some(current) = current else {
                return Ok(false);
            };
            let mut content = parse_json(&current, id, "content").map_err(|k| self.error(OP, k))?;
            match &mut content {
                Value::Object(object) => {
                    for (key, value) in fields {
                        object.insert(key.clone(), value.clone());
                    }
                }
                other => {
                    let mut object = Map::new();
                    object.insert("content".to_string(), other.take());
                    for (key, value) in fields {
                        object.insert(key.clone(), value.clone());
                    }
                    *other = Value::Object(object);
                }
            }
            let content = self.to_json(OP, &content)?;
            self.check_quota(OP, content.len())?;
            self.conn
                .prepare_cached("UPDATE entries SET content = ?1 WHERE id = ?2")
                .and_then(|mut stmt| stmt.execute(params![content, id]))
                .map_err(self.sqlite(OP))?;
            Ok(true)
        })
    }

    /// Replaces the content of entry `id` with `content` (its id, time, category and tags stay).
    /// Returns whether the entry existed.
    pub fn replace(&self, id: i64, content: &Value) -> Result<bool> {
        const OP: &str = "replacing an entry";
        self.writable(OP)?;
        let content = self.to_json(OP, content)?;
        self.check_quota(OP, content.len())?;
        let changed = self
            .conn
            .prepare_cached("UPDATE entries SET content = ?1 WHERE id = ?2")
            .and_then(|mut stmt| stmt.execute(params![content, id]))
            .map_err(self.sqlite(OP))?;
        Ok(changed > 0)
    }

    /// Removes entry `id`; returns whether it existed.
    pub fn delete(&self, id: i64) -> Result<bool> {
        const OP: &str = "deleting an entry";
        self.writable(OP)?;
        let changed = self
            .conn
            .prepare_cached("DELETE FROM entries WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute([id]))
            .map_err(self.sqlite(OP))?;
        Ok(changed > 0)
    }

    /// How many entries there are, in one category or in all.
    pub fn count(&self, category: Option<&str>) -> Result<usize> {
        const OP: &str = "counting entries";
        let count: i64 = match category {
            Some(category) => self
                .conn
                .prepare_cached("SELECT COUNT(*) FROM entries WHERE category = ?1")
                .and_then(|mut stmt| stmt.query_row([category], |row| row.get(0))),
            None => self
                .conn
                .prepare_cached("SELECT COUNT(*) FROM entries")
                .and_then(|mut stmt| stmt.query_row([], |row| row.get(0))),
        }
        .map_err(self.sqlite(OP))?;
        usize::try_from(count).map_err(|_| {
            self.error(
                OP,
                MemoryErrorKind::BadData(format!("negative count {count}")),
            )
        })
    }

    /// Every entry, oldest first (by `ts`, then by id).
    pub fn all(&self) -> Result<Vec<Entry>> {
        const OP: &str = "listing entries";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, ts, category, content, tags FROM entries ORDER BY ts ASC, id ASC",
            )
            .map_err(self.sqlite(OP))?;
        let raws = stmt
            .query_map([], RawEntry::from_row)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.sqlite(OP))?;
        raws.into_iter()
            .map(|raw| raw.decode().map_err(|k| self.error(OP, k)))
            .collect()
    }

    /// Sets a global, replacing any previous value.
    pub fn set_global(&self, key: &str, value: &Value) -> Result<()> {
        const OP: &str = "setting a global";
        self.writable(OP)?;
        let value = self.to_json(OP, value)?;
        self.check_quota(OP, key.len() + value.len())?;
        self.conn
            .prepare_cached(
                "INSERT INTO globals (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut stmt| stmt.execute(params![key, value]))
            .map_err(self.sqlite(OP))?;
        Ok(())
    }

    /// The value of a global, if it is set.
    pub fn get_global(&self, key: &str) -> Result<Option<Value>> {
        const OP: &str = "reading a global";
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM globals WHERE key = ?1")
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
            .map_err(self.sqlite(OP))?;
        text.map(|text| parse_global(&text, key).map_err(|k| self.error(OP, k)))
            .transpose()
    }

    /// Removes a global; returns whether it was set.
    pub fn delete_global(&self, key: &str) -> Result<bool> {
        const OP: &str = "deleting a global";
        self.writable(OP)?;
        let changed = self
            .conn
            .prepare_cached("DELETE FROM globals WHERE key = ?1")
            .and_then(|mut stmt| stmt.execute([key]))
            .map_err(self.sqlite(OP))?;
        Ok(changed > 0)
    }

    /// Every global, sorted by key.
    pub fn globals(&self) -> Result<Vec<(String, Value)>> {
        const OP: &str = "listing globals";
        let rows = self
            .conn
            .prepare_cached("SELECT key, value FROM globals ORDER BY key")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.sqlite(OP))?;
        rows.into_iter()
            .map(|(key, text)| {
                let value = parse_global(&text, &key).map_err(|k| self.error(OP, k))?;
                Ok((key, value))
            })
            .collect()
    }

    /// Opens a transaction, nested in the open one if any. Until the matching [`Memory::commit`]
    /// or [`Memory::rollback`], writes are provisional. The outermost level holds the file's
    /// write lock (other runs' writes wait), so keep transactions short.
    pub fn begin(&self) -> Result<()> {
        const OP: &str = "beginning a transaction";
        self.writable(OP)?;
        let depth = self.depth.get();
        if depth == 0 {
            self.exec(OP, "BEGIN IMMEDIATE")?;
        } else {
            self.exec(OP, &format!("SAVEPOINT aether_tx_{depth}"))?;
        }
        self.depth.set(depth + 1);
        Ok(())
    }

    /// Ends the innermost open transaction, keeping its writes (they reach the file when the
    /// outermost one commits).
    pub fn commit(&self) -> Result<()> {
        const OP: &str = "committing a transaction";
        let depth = self.open_depth(OP)?;
        if depth == 1 {
            if let Err(error) = self.exec(OP, "COMMIT") {
                // A failed COMMIT can leave the transaction open; end it so that the store is
                // usable again and the outcome is definite: nothing was written.
                self.rollback_quietly();
                self.depth.set(0);
                return Err(error);
            }
        } else {
            self.exec(OP, &format!("RELEASE aether_tx_{}", depth - 1))?;
        }
        self.depth.set(depth - 1);
        Ok(())
    }

    /// Ends the innermost open transaction, discarding its writes (and those of any transaction
    /// nested in it).
    pub fn rollback(&self) -> Result<()> {
        const OP: &str = "rolling back a transaction";
        let depth = match self.open_depth(OP) {
            Ok(depth) => depth,
            // SQLite already rolled everything back: what was asked for has happened.
            Err(error) if matches!(error.kind, MemoryErrorKind::RolledBack) => return Ok(()),
            Err(error) => return Err(error),
        };
        if depth == 1 {
            let result = self.exec(OP, "ROLLBACK");
            // Whether or not ROLLBACK reported an error, SQLite has ended the transaction
            // (a failed ROLLBACK still rolls back); the level is gone either way.
            self.depth.set(0);
            result
        } else {
            let name = format!("aether_tx_{}", depth - 1);
            self.exec(OP, &format!("ROLLBACK TO {name}; RELEASE {name}"))?;
            self.depth.set(depth - 1);
            Ok(())
        }
    }

    /// Runs `body` in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err` (the body's error is returned; a failure to roll back is then ignored, since the
    /// body's error is the one worth reporting and the connection ends the transaction anyway).
    pub fn transaction<T, E: From<MemoryError>>(
        &self,
        body: impl FnOnce(&Memory) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin()?;
        match body(self) {
            Ok(value) => {
                self.commit()?;
                Ok(value)
            }
            Err(error) => {
                let _ = self.rollback();
                Err(error)
            }
        }
    }

    // --- internals -----------------------------------------------------------------------------

    /// Switches the file to WAL and relaxes syncing (see the module docs for why).
    ///
    /// This comes after the migration, never before: on a new, empty file a connection that
    /// switched to WAL holds a shared lock on the file for as long as it is open, while the
    /// header saying "WAL" is written only by its first commit. A second run opening the file
    /// in that window reads an empty, rollback-journal file, and its own switch to WAL needs an
    /// exclusive lock it can never get: it would wait out the busy timeout and fail. Migrating
    /// first means the file already has a header (written under ordinary rollback-journal
    /// locking, which the busy timeout serialises) by the time anyone switches, and a second
    /// switch just reads that the file is in WAL mode already.
    ///
    /// One race remains, and is retried here: when two runs convert the same file at the same
    /// moment, each statement holds a read lock on the file while it asks for the exclusive
    /// lock that the conversion needs. Waiting could deadlock, so SQLite fails one of them at
    /// once with `SQLITE_BUSY` without calling the busy handler; the other conversion then
    /// completes, and the retry finds the file in WAL mode already (a no-op). The concurrency
    /// tests hit this a few times per hundred simultaneous opens of a new file.
    fn use_wal(&self) -> Result<()> {
        const OP: &str = "opening";
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        loop {
            // The mode actually set is not checked: where WAL cannot work (some network file
            // systems) SQLite keeps a rollback journal, which is slower but still correct.
            match self.conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            }) {
                Ok(_mode) => break,
                Err(error)
                    if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(error) => return Err(self.error(OP, MemoryErrorKind::Sqlite(error))),
            }
        }
        // Checkpoints every 1,000 pages (SQLite's default, said here so it stays so), and the log
        // is cut back to JOURNAL_SIZE_LIMIT after each: a burst of writes leaves no lasting
        // giant `-wal` file.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 1000)
            .map_err(self.sqlite(OP))?;
        self.conn
            .query_row(
                &format!("PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}"),
                [],
                |_| Ok(()),
            )
            .map_err(self.sqlite(OP))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(self.sqlite(OP))
    }

    /// Brings the schema to [`SCHEMA_VERSION`] (stamping [`APPLICATION_ID`]), or refuses a
    /// newer schema or a file that is not a store.
    fn migrate(&self) -> Result<()> {
        const OP: &str = "migrating the schema";
        // The first statements that read the file: one that is not an SQLite database fails
        // here ("file is not a database"), before anything is written to it.
        if let Identity::Ours(SCHEMA_VERSION) = self.checked_identity("opening")? {
            return Ok(());
        }
        self.write(OP, || {
            // Again under the write lock: another run may have initialised or migrated the file
            // between the first look and now.
            let found = match self.checked_identity(OP)? {
                Identity::Ours(version) => version,
                Identity::Empty => 0,
                Identity::Unstamped(version) => version,
                Identity::Foreign(what) => {
                    return Err(self.error(OP, MemoryErrorKind::NotAStore(what)))
                }
            };
            self.conn
                .pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(self.sqlite(OP))?;
            // `found` is in 0..=SCHEMA_VERSION here, so the cast is exact.
            for (step, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
                self.conn.execute_batch(sql).map_err(self.sqlite(OP))?;
                self.conn
                    .pragma_update(None, "user_version", step as i64 + 1)
                    .map_err(self.sqlite(OP))?;
            }
            Ok(())
        })
    }

    /// [`Memory::identify`], with a foreign file or an unusable version turned into errors.
    fn checked_identity(&self, op: &'static str) -> Result<Identity> {
        let identity = self.identify(op)?;
        match &identity {
            Identity::Ours(version) | Identity::Unstamped(version) => {
                self.check_version(*version)?
            }
            Identity::Empty => {}
            Identity::Foreign(what) => {
                return Err(self.error("opening", MemoryErrorKind::NotAStore(what.clone())))
            }
        }
        Ok(identity)
    }

    /// Whose database the file is (see [`APPLICATION_ID`]). Reads only the header and the
    /// schema table.
    fn identify(&self, op: &'static str) -> Result<Identity> {
        // One statement, so one snapshot: another run may initialise the file at any moment,
        // and separate reads could see its header before and its tables after.
        let (application_id, version, objects, names): (i32, i64, i64, String) = self
            .conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id()), \
                        (SELECT user_version FROM pragma_user_version()), \
                        (SELECT COUNT(*) FROM sqlite_master), \
                        (SELECT json_group_array(name) FROM sqlite_master \
                         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!')",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .map_err(self.sqlite(op))?;
        if application_id == APPLICATION_ID {
            return Ok(Identity::Ours(version));
        }
        let mut tables: Vec<String> = serde_json::from_str(&names).unwrap_or_default();
        tables.sort();
        if application_id != 0 {
            return Ok(Identity::Foreign(format!(
                "its application_id is {application_id:#010x}, not aether's {APPLICATION_ID:#010x}"
            )));
        }
        if version == 0 && objects == 0 {
            return Ok(Identity::Empty);
        }
        if version > 0 && tables == ["entries", "globals"] {
            return Ok(Identity::Unstamped(version));
        }
        Ok(Identity::Foreign(if tables.is_empty() {
            format!("it has schema version {version} but no tables of aether's")
        } else {
            format!(
                "it holds tables aether did not create ({})",
                tables.join(", ")
            )
        }))
    }

    /// Refuses a write on a store opened read-only.
    fn writable(&self, op: &'static str) -> Result<()> {
        if self.read_only {
            return Err(self.error(
                op,
                MemoryErrorKind::ReadOnly("the store was opened read-only".to_string()),
            ));
        }
        Ok(())
    }

    /// Refuses a write of about `incoming` bytes that would take the store's data past its
    /// quota. Checked before every write that can grow the store, so the data never ends more
    /// than one write's worth (plus index pages) past the quota, and a script that writes in a
    /// loop gets an error instead of filling the disk.
    fn check_quota(&self, op: &'static str, incoming: usize) -> Result<()> {
        let used = self.used_bytes()?;
        let incoming = u64::try_from(incoming).unwrap_or(u64::MAX);
        if used.saturating_add(incoming) > self.quota {
            return Err(self.error(
                op,
                MemoryErrorKind::QuotaExceeded {
                    quota: self.quota,
                    used,
                    incoming,
                },
            ));
        }
        Ok(())
    }

    fn check_version(&self, found: i64) -> Result<()> {
        if found > SCHEMA_VERSION {
            return Err(self.error(
                "opening",
                MemoryErrorKind::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                },
            ));
        }
        if found < 0 {
            return Err(self.error(
                "opening",
                MemoryErrorKind::BadData(format!(
                    "schema version {found} (PRAGMA user_version) is not one aether ever wrote"
                )),
            ));
        }
        Ok(())
    }

    /// Runs a multi-statement write atomically. Outside a script transaction it takes the write
    /// lock up front (`BEGIN IMMEDIATE`, see the module docs); inside one, the lock is already
    /// held and a savepoint makes the step all-or-nothing without ending the script's
    /// transaction.
    fn write<T>(&self, op: &'static str, body: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.conn.is_autocommit() {
            self.exec(op, "BEGIN IMMEDIATE")?;
            match body() {
                Ok(value) => match self.exec(op, "COMMIT") {
                    Ok(()) => Ok(value),
                    Err(error) => {
                        self.rollback_quietly();
                        Err(error)
                    }
                },
                Err(error) => {
                    self.rollback_quietly();
                    Err(error)
                }
            }
        } else {
            self.exec(op, "SAVEPOINT aether_step")?;
            match body() {
                Ok(value) => {
                    self.exec(op, "RELEASE aether_step")?;
                    Ok(value)
                }
                Err(error) => {
                    let _ = self.exec(op, "ROLLBACK TO aether_step; RELEASE aether_step");
                    Err(error)
                }
            }
        }
    }

    /// Ends the open transaction, if any, when an error is already being reported.
    fn rollback_quietly(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// The depth of the open script transaction, or an error when there is none (never begun,
    /// or already rolled back by SQLite itself after an I/O or disk-full error).
    fn open_depth(&self, op: &'static str) -> Result<usize> {
        let depth = self.depth.get();
        if depth == 0 {
            return Err(self.error(op, MemoryErrorKind::NoTransaction));
        }
        if self.conn.is_autocommit() {
            self.depth.set(0);
            return Err(self.error(op, MemoryErrorKind::RolledBack));
        }
        Ok(depth)
    }

    fn exec(&self, op: &'static str, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(self.sqlite(op))
    }

    fn to_json(&self, op: &'static str, value: &Value) -> Result<String> {
        if nesting_exceeds(value, MAX_NESTING) {
            return Err(self.error(
                op,
                MemoryErrorKind::InvalidInput(format!(
                    "the value nests arrays and objects more than {MAX_NESTING} deep"
                )),
            ));
        }
        serde_json::to_string(value)
            .map_err(|e| self.error(op, MemoryErrorKind::InvalidInput(e.to_string())))
    }

    fn error(&self, op: &'static str, kind: MemoryErrorKind) -> MemoryError {
        MemoryError::new(self.path.as_deref(), op, kind)
    }

    fn sqlite(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> MemoryError + '_ {
        move |e| self.error(op, MemoryErrorKind::Sqlite(e))
    }
}

impl Drop for Memory {
    /// Checkpoints the write-ahead log into the file and truncates it, so that a run leaves no
    /// large `-wal` file behind even while other runs keep the store open (the last connection
    /// to close would do this anyway). Only a try: with the busy timeout off it gives up at
    /// once when another run is reading, rather than delaying this run's exit.
    fn drop(&mut self) {
        if self.read_only || self.path.is_none() {
            return;
        }
        if self.conn.busy_timeout(Duration::ZERO).is_ok() {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

/// Creates the missing directories above `path`; returns them, outermost first.
fn create_parent_dirs(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut missing: Vec<PathBuf> = parent
        .ancestors()
        .filter(|dir| !dir.as_os_str().is_empty())
        .take_while(|dir| !dir.exists())
        .map(Path::to_path_buf)
        .collect();
    if missing.is_empty() {
        return Ok(missing);
    }
    std::fs::create_dir_all(parent)?;
    missing.reverse();
    Ok(missing)
}

/// `file:PATH?immutable=1` with the path percent-encoded (so that `?`, `#` and `%` in a file
/// name stay part of the name); `None` when the path is not UTF-8 or cannot be made absolute.
fn immutable_uri(path: &Path) -> Option<String> {
    let absolute = std::path::absolute(path).ok()?;
    let text = absolute.to_str()?;
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte))
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    Some(uri)
}

/// A row as stored, before its JSON columns are parsed (parsing can fail, and a rusqlite row
/// callback can only return rusqlite errors).
struct RawEntry {
    id: i64,
    ts: f64,
    category: String,
    content: String,
    tags: String,
}

impl RawEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            id: row.get(0)?,
            ts: row.get(1)?,
            category: row.get(2)?,
            content: row.get(3)?,
            tags: row.get(4)?,
        })
    }

    fn decode(self) -> Result<Entry, MemoryErrorKind> {
        let content = parse_json(&self.content, self.id, "content")?;
        let tags = serde_json::from_str(&self.tags).map_err(|e| {
            MemoryErrorKind::BadData(format!(
                "entry {}: tags are not a JSON array of strings: {e}",
                self.id
            ))
        })?;
        Ok(Entry {
            id: self.id,
            ts: self.ts,
            category: self.category,
            content,
            tags,
        })
    }
}

fn parse_json(text: &str, id: i64, column: &str) -> Result<Value, MemoryErrorKind> {
    serde_json::from_str(text).map_err(|e| {
        MemoryErrorKind::BadData(format!("entry {id}: {column} is not valid JSON: {e}"))
    })
}

fn parse_global(text: &str, key: &str) -> Result<Value, MemoryErrorKind> {
    serde_json::from_str(text)
        .map_err(|e| MemoryErrorKind::BadData(format!("global {key:?} is not valid JSON: {e}")))
}

fn check_finite(value: f64, what: &str) -> Result<(), MemoryErrorKind> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(MemoryErrorKind::InvalidInput(format!(
            "the {what} must be a finite number, not {value}"
        )))
    }
}

/// Whether `value` nests arrays and objects more than `max` deep. Iterative, so that a value
/// too deep for recursion is measured without overflowing the stack, and it stops at `max`.
fn nesting_exceeds(value: &Value, max: usize) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let depth = depth + 1;
        match value {
            Value::Array(_) | Value::Object(_) if depth > max => return true,
            Value::Array(items) => stack.extend(items.iter().map(|child| (child, depth))),
            Value::Object(fields) => stack.extend(fields.values().map(|child| (child, depth))),
            _ => {}
        }
    }
    false
}

/// Whether `content` is an object holding every one of `fields` with an equal value.
fn has_fields(content: &Value, fields: &Map<String, Value>) -> bool {
    let Value::Object(object) = content else {
        return false;
    };
    fields
        .iter()
        .all(|(key, want)| object.get(key).is_some_and(|have| json_eq(have, want)))
}

/// JSON equality where an integer equals a float of the same value: the interpreter may hand
/// back `1.0` for a field stored as `1`. Integers are compared exactly, so large ones that a
/// float cannot tell apart stay distinct.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.as_f64() == y.as_f64()
            } else {
                x == y
            }
        }
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(key, x)| ys.get(key).is_some_and(|y| json_eq(x, y)))
        }
        _ => a == b,
    }
}

/// An error of the memory store: what went wrong, in which store, during which operation.
#[derive(Debug)]
pub struct MemoryError {
    location: String,
    operation: &'static str,
    kind: MemoryErrorKind,
}

/// What went wrong in a [`MemoryError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum MemoryErrorKind {
    /// SQLite reported an error (not a database, corrupt, locked for longer than the busy
    /// timeout, disk full, ...).
    Sqlite(rusqlite::Error),
    /// Creating the file's parent directories failed.
    Io(std::io::Error),
    /// The file was written by a newer `aether` with a schema this build does not know.
    SchemaTooNew { found: i64, supported: i64 },
    /// The file holds something this module never writes (invalid JSON, a negative version).
    BadData(String),
    /// The caller passed a value that cannot be stored (a non-finite time, too deep a value).
    InvalidInput(String),
    /// `commit` or `rollback` without an open transaction.
    NoTransaction,
    /// `commit` after SQLite had already rolled the transaction back (after an I/O error).
    RolledBack,
    /// The file is an SQLite database, but not an aether store (see [`APPLICATION_ID`]); the
    /// text says what it holds.
    NotAStore(String),
    /// A write on a store that cannot be written (opened read-only); the text says why.
    ReadOnly(String),
    /// A write would take the store's data past its quota.
    QuotaExceeded {
        quota: u64,
        used: u64,
        incoming: u64,
    },
}

impl MemoryError {
    fn new(path: Option<&Path>, operation: &'static str, kind: MemoryErrorKind) -> MemoryError {
        let location = match path {
            Some(path) => path.display().to_string(),
            None => IN_MEMORY_PATH.to_string(),
        };
        MemoryError {
            location,
            operation,
            kind,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &MemoryErrorKind {
        &self.kind
    }

    /// The store's file, or `:memory:`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// What the store was doing, e.g. "opening" or "storing an entry".
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// SQLite's primary error code, when SQLite reported the error.
    pub fn sqlite_code(&self) -> Option<ErrorCode> {
        match &self.kind {
            MemoryErrorKind::Sqlite(error) => error.sqlite_error_code(),
            _ => None,
        }
    }

    /// Whether the error is about the file rather than about what a script asked: it cannot
    /// be created, opened, read or written (missing permissions, a full disk, an I/O error),
    /// it is not an SQLite database or is corrupt, belongs to another program, or has a newer
    /// schema. A run reports these as IO_ERROR; the others (a value that cannot be stored, the
    /// quota, a lock held past the busy timeout, a damaged row) as RUNTIME_ERROR.
    pub fn is_io(&self) -> bool {
        match &self.kind {
            MemoryErrorKind::Io(_)
            | MemoryErrorKind::NotAStore(_)
            | MemoryErrorKind::ReadOnly(_)
            | MemoryErrorKind::SchemaTooNew { .. } => true,
            MemoryErrorKind::Sqlite(_) => matches!(
                self.sqlite_code(),
                Some(
                    ErrorCode::NotADatabase
                        | ErrorCode::DatabaseCorrupt
                        | ErrorCode::CannotOpen
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::DiskFull
                        | ErrorCode::ReadOnly
                        | ErrorCode::PermissionDenied
                        | ErrorCode::FileLockingProtocolFailed
                        | ErrorCode::NoLargeFileSupport
                )
            ),
            _ => false,
        }
    }
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "memory store '{}': {}: ", self.location, self.operation)?;
        match &self.kind {
            MemoryErrorKind::Sqlite(error) => {
                match error.sqlite_error_code() {
                    Some(ErrorCode::NotADatabase) => {
                        f.write_str("the file is not an aether memory (SQLite) database")?
                    }
                    Some(ErrorCode::DatabaseCorrupt) => f.write_str("the file is corrupt")?,
                    Some(ErrorCode::ReadOnly) => f.write_str(
                        "the file cannot be written (a read-only file, folder or file system)",
                    )?,
                    Some(ErrorCode::CannotOpen) => f.write_str("the file cannot be opened")?,
                    Some(ErrorCode::DiskFull) => f.write_str("the disk is full")?,
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => write!(
                        f,
                        "the file is locked by another run (writes wait for it at most {} s)",
                        BUSY_TIMEOUT.as_secs()
                    )?,
                    _ => return write!(f, "{error}"),
                }
                write!(f, " ({error})")
            }
            MemoryErrorKind::Io(error) => write!(f, "cannot create its directory: {error}"),
            MemoryErrorKind::SchemaTooNew { found, supported } => write!(
                f,
                "the file has schema version {found}, newer than the {supported} this aether \
                 supports; use a newer aether or another memory file"
            ),
            MemoryErrorKind::BadData(message) | MemoryErrorKind::InvalidInput(message) => {
                f.write_str(message)
            }
            MemoryErrorKind::NoTransaction => f.write_str("no transaction is open"),
            MemoryErrorKind::NotAStore(what) => write!(
                f,
                "the file is an SQLite database but not an aether memory store: {what}; aether \
                 leaves it untouched (point --memory at a file of its own)"
            ),
            MemoryErrorKind::ReadOnly(why) => f.write_str(why),
            MemoryErrorKind::QuotaExceeded {
                quota,
                used,
                incoming,
            } => write!(
                f,
                "the store is full: it holds {} and this write needs about {} more, past its \
                 quota of {} (forget old entries, or raise the quota with --memory-quota or \
                 `quota` under [memory] in aether.toml)",
                format_size(*used),
                format_size(*incoming),
                format_size(*quota)
            ),
            MemoryErrorKind::RolledBack => f.write_str(
                "SQLite already rolled the transaction back after an earlier error; \
                 its writes are lost",
            ),
        }
    }
}

impl std::error::Error for MemoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            MemoryErrorKind::Sqlite(error) => Some(error),
            MemoryErrorKind::Io(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value_only_across_int_and_float() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a": [1, 2.5]}), &json!({"a": [1.0, 2.5]})));
        assert!(!json_eq(&json!(1), &json!(2)));
        assert!(!json_eq(
            &json!(9007199254740993u64),
            &json!(9007199254740992u64)
        ));
        assert!(!json_eq(&json!(1), &json!("1")));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn nesting_limit_matches_what_serde_json_reads_back() {
        let nested = |levels: usize| {
            let mut value = json!(0);
            for _ in 0..levels {
                value = json!([value]);
            }
            value
        };
        let ok = nested(MAX_NESTING);
        assert!(!nesting_exceeds(&ok, MAX_NESTING));
        let text = serde_json::to_string(&ok).unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_ok());

        let deep = nested(MAX_NESTING + 1);
        assert!(nesting_exceeds(&deep, MAX_NESTING));
        let text = serde_json::to_string(&deep).unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err());
        assert!(!nesting_exceeds(&json!("scalar"), 0));
        assert!(nesting_exceeds(&json!({}), 0));
    }

    #[test]
    fn immutable_uris_escape_the_path() {
        let uri = immutable_uri(Path::new("/a b/x?y#z%.db")).unwrap();
        assert_eq!(uri, "file:/a%20b/x%3Fy%23z%25.db?immutable=1");
    }

    #[test]
    fn has_fields_needs_an_object() {
        let fields = json!({"a": 1}).as_object().cloned().unwrap();
        assert!(has_fields(&json!({"a": 1, "b": 2}), &fields));
        assert!(!has_fields(&json!({"a": 2}), &fields));
        assert!(!has_fields(&json!([1]), &fields));
        assert!(!has_fields(&json!({"b": 1}), &fields));
    }
}
