//! The interpreter's persistent memory store (`aether::run::memory`) on real SQLite files in
//! temporary directories.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;

use aether::run::memory::{
    Entry, Memory, MemoryError, MemoryErrorKind, OpenOptions, Query, APPLICATION_ID, SCHEMA_VERSION,
};
use serde_json::{json, Map, Value};

fn tags(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn ids(entries: &[Entry]) -> Vec<i64> {
    entries.iter().map(|entry| entry.id).collect()
}

/// A plain SQLite connection on the file, to look at or tamper with it behind the store's back.
fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn round_trip() {
    let memory = Memory::open_in_memory().unwrap();
    let content = json!({"text": "café ☕", "n": 3, "nested": {"list": [1, 2.5, null, true]}});
    let id = memory
        .store("notes", &content, &tags(&["a", "b"]), 1_700_000_000.25)
        .unwrap();
    let entry = memory.get(id).unwrap().unwrap();
    assert_eq!(
        entry,
        Entry {
            id,
            ts: 1_700_000_000.25,
            category: "notes".into(),
            content,
            tags: tags(&["a", "b"]),
        }
    );
    assert_eq!(memory.get(id + 1).unwrap(), None);

    // Any JSON value is a content, not only objects.
    for value in [json!("plain"), json!(42), json!([1, "two"]), json!(null)] {
        let id = memory.store("misc", &value, &[], 0.0).unwrap();
        assert_eq!(memory.get(id).unwrap().unwrap().content, value);
    }
    assert_eq!(memory.count(None).unwrap(), 5);
    assert_eq!(memory.path(), None);

    let serialized = serde_json::to_value(&entry).unwrap();
    assert_eq!(serialized["category"], "notes");
    assert_eq!(serialized["tags"], json!(["a", "b"]));
}

#[test]
fn memory_path_literal_is_in_memory_and_private() {
    let first = Memory::open(Path::new(":memory:")).unwrap();
    let second = Memory::open(Path::new(":memory:")).unwrap();
    first.store("c", &json!(1), &[], 1.0).unwrap();
    assert_eq!(first.count(None).unwrap(), 1);
    assert_eq!(second.count(None).unwrap(), 0);
    assert_eq!(first.path(), None);
}

#[test]
fn persists_across_opens_and_creates_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/memory.db");
    let id = {
        let memory = Memory::open(&path).unwrap();
        assert_eq!(memory.path(), Some(path.as_path()));
        assert_eq!(
            memory.created_dirs(),
            [dir.path().join("deep"), dir.path().join("deep/er")]
        );
        memory.set_global("mood", &json!({"level": 3})).unwrap();
        memory
            .store("goals", &json!({"goal": "ship"}), &tags(&["q4"]), 10.0)
            .unwrap()
    };
    let memory = Memory::open(&path).unwrap();
    assert!(memory.created_dirs().is_empty());
    let all = memory.all().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
    assert_eq!(all[0].content, json!({"goal": "ship"}));
    assert_eq!(all[0].tags, tags(&["q4"]));
    assert_eq!(
        memory.get_global("mood").unwrap(),
        Some(json!({"level": 3}))
    );

    // The file is in WAL mode (a persistent setting) and at the current schema version.
    let conn = raw(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn concurrent_writers_lose_nothing() {
    const PER_THREAD: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    // Both threads open the brand-new file at the same moment, so they also race through the
    // WAL switch and the schema creation.
    let barrier = Arc::new(Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|worker| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                let memory = Memory::open(&path).unwrap();
                let mut ids = Vec::new();
                for i in 0..PER_THREAD {
                    let content = json!({"worker": worker, "i": i});
                    ids.push(
                        memory
                            .store(&format!("w{worker}"), &content, &[], i as f64)
                            .unwrap(),
                    );
                }
                ids
            })
        })
        .collect();
    let mut all_ids: Vec<i64> = workers
        .into_iter()
        .flat_map(|worker| worker.join().unwrap())
        .collect();
    all_ids.sort_unstable();
    all_ids.dedup();
    assert_eq!(all_ids.len(), 2 * PER_THREAD);

    let memory = Memory::open(&path).unwrap();
    assert_eq!(memory.count(None).unwrap(), 2 * PER_THREAD);
    assert_eq!(memory.count(Some("w0")).unwrap(), PER_THREAD);
    assert_eq!(memory.count(Some("w1")).unwrap(), PER_THREAD);
    assert_eq!(ids(&memory.all().unwrap()).len(), 2 * PER_THREAD);
}

#[test]
fn many_runs_opening_a_new_file_at_once() {
    // Simultaneous first opens race through the schema creation and the switch to WAL; before
    // the switch was ordered after the migration and retried, this failed within a few rounds.
    const RUNS: usize = 8;
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let barrier = Arc::new(Barrier::new(RUNS));
        let runs: Vec<_> = (0..RUNS)
            .map(|run| {
                let path = path.clone();
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    let memory = Memory::open(&path)
                        .unwrap_or_else(|error| panic!("round {round}, run {run}: {error}"));
                    memory
                        .store("c", &json!(run), &[], 1.0)
                        .unwrap_or_else(|error| panic!("round {round}, run {run}: {error}"));
                })
            })
            .collect();
        for run in runs {
            run.join().unwrap();
        }
        assert_eq!(Memory::open(&path).unwrap().count(None).unwrap(), RUNS);
    }
}

#[test]
fn concurrent_read_modify_write_transactions_do_not_fail_or_lose_updates() {
    const PER_THREAD: i64 = 50;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counter.db");
    let id = Memory::open(&path)
        .unwrap()
        .store("counter", &json!({"n": 0}), &[], 0.0)
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let memory = Memory::open(&path).unwrap();
                barrier.wait();
                for _ in 0..PER_THREAD {
                    // Read, then write: the pattern a deferred transaction fails on when the
                    // other connection commits in between.
                    memory
                        .transaction(|memory| {
                            let n = memory.get(id)?.unwrap().content["n"].as_i64().unwrap();
                            memory.update(id, &object(json!({"n": n + 1})))?;
                            Ok::<_, MemoryError>(())
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let memory = Memory::open(&path).unwrap();
    assert_eq!(
        memory.get(id).unwrap().unwrap().content,
        json!({"n": 2 * PER_THREAD})
    );
}

#[test]
fn uncommitted_writes_are_invisible_to_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let writer = Memory::open(&path).unwrap();
    let reader = Memory::open(&path).unwrap();
    writer.begin().unwrap();
    writer.store("c", &json!(1), &[], 1.0).unwrap();
    // WAL: the reader is not blocked by the open write transaction, and sees the last commit.
    assert_eq!(reader.count(None).unwrap(), 0);
    writer.commit().unwrap();
    assert_eq!(reader.count(None).unwrap(), 1);
}

#[test]
fn a_writer_blocked_past_the_busy_timeout_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let holder = Memory::open(&path).unwrap();
    let other = Memory::open(&path).unwrap();
    holder.begin().unwrap();
    let error = other.store("c", &json!(1), &[], 1.0).unwrap_err();
    assert!(matches!(error.kind(), MemoryErrorKind::Sqlite(_)));
    let message = error.to_string();
    assert!(message.contains("locked by another run"), "{message}");
    assert!(message.contains("5 s"), "{message}");
    assert!(message.contains("storing an entry"), "{message}");
    holder.rollback().unwrap();
    other.store("c", &json!(1), &[], 1.0).unwrap();
}

#[test]
fn newer_schema_is_refused_without_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    Memory::open(&path)
        .unwrap()
        .store("c", &json!(1), &[], 1.0)
        .unwrap();
    raw(&path)
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();

    let error = Memory::open(&path).unwrap_err();
    assert!(
        matches!(error.kind(), MemoryErrorKind::SchemaTooNew { found, supported }
            if *found == SCHEMA_VERSION + 1 && *supported == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("future.db"), "{message}");
    assert!(message.contains("newer"), "{message}");
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
}

#[test]
fn a_failed_migration_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("half.db");
    // Stamped as ours at version 0 (never migrated), but a table of ours already exists with
    // another shape: the migration fails part-way, and its transaction must undo the steps
    // before the failure.
    raw(&path)
        .execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; CREATE TABLE globals (whatever INTEGER);"
        ))
        .unwrap();
    let error = Memory::open(&path).unwrap_err();
    assert!(
        error.to_string().contains("migrating the schema"),
        "{error}"
    );
    let conn = raw(&path);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 0);
    let entries_tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'entries'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(entries_tables, 0);
}

fn application_id(path: &Path) -> i32 {
    raw(path)
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .unwrap()
}

fn read_only() -> OpenOptions {
    OpenOptions {
        read_only: true,
        ..OpenOptions::default()
    }
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // An unrelated schema, no stamp.
        (
            "tables.db",
            "CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (1);",
            "unrelated",
        ),
        // Our table names, but someone else's stamp.
        (
            "stamped.db",
            "PRAGMA application_id = 1234; PRAGMA user_version = 1; \
             CREATE TABLE entries (x); CREATE TABLE globals (y);",
            "0x000004d2",
        ),
        // A version but no tables.
        (
            "versioned.db",
            "PRAGMA user_version = 7;",
            "schema version 7",
        ),
        // Our tables plus one of its own: not a file aether wrote.
        (
            "extra.db",
            "PRAGMA user_version = 1; CREATE TABLE entries (x); CREATE TABLE globals (y); \
             CREATE TABLE extra (z);",
            "extra",
        ),
    ];
    for (name, sql, mentioned) in cases {
        let path = dir.path().join(name);
        raw(&path).execute_batch(sql).unwrap();
        let before = std::fs::read(&path).unwrap();
        for options in [OpenOptions::default(), read_only()] {
            let error = Memory::open_with(&path, &options).unwrap_err();
            assert!(
                matches!(error.kind(), MemoryErrorKind::NotAStore(_)),
                "{name}: {error:?}"
            );
            assert!(error.is_io(), "{name}");
            let message = error.to_string();
            assert!(message.contains("not an aether memory store"), "{message}");
            assert!(message.contains(mentioned), "{message}");
            assert_eq!(std::fs::read(&path).unwrap(), before, "{name} was changed");
        }
    }
}

#[test]
fn empty_files_are_initialised_and_stamped() {
    let dir = tempfile::tempdir().unwrap();
    // A zero-length file, and an SQLite database with nothing in it.
    let zero = dir.path().join("zero.db");
    std::fs::write(&zero, b"").unwrap();
    let blank = dir.path().join("blank.db");
    raw(&blank).execute_batch("VACUUM;").unwrap();
    for path in [zero, blank] {
        // Read-only, an empty file reads as an empty store, and stays as it was.
        let before = std::fs::read(&path).unwrap();
        let reader = Memory::open_with(&path, &read_only()).unwrap();
        assert_eq!(reader.count(None).unwrap(), 0);
        assert!(reader.store("c", &json!(1), &[], 1.0).is_err());
        drop(reader);
        assert_eq!(std::fs::read(&path).unwrap(), before);

        let memory = Memory::open(&path).unwrap();
        memory.store("c", &json!(1), &[], 1.0).unwrap();
        drop(memory);
        assert_eq!(application_id(&path), APPLICATION_ID);
        assert_eq!(Memory::open(&path).unwrap().count(None).unwrap(), 1);
    }
}

#[test]
fn a_store_written_before_the_stamp_is_kept_and_stamped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    // What an aether without the stamp wrote: the first schema, version 1, application_id 0.
    let conn = raw(&path);
    conn.execute_batch(aether::run::memory::MIGRATIONS[0])
        .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO entries (ts, category, content, tags) VALUES (5, 'old', '\"kept\"', '[]');",
    )
    .unwrap();
    drop(conn);
    assert_eq!(application_id(&path), 0);

    // Read-only it is readable and stays unstamped; for writing it is stamped.
    let reader = Memory::open_with(&path, &read_only()).unwrap();
    assert_eq!(reader.all().unwrap()[0].content, json!("kept"));
    drop(reader);
    assert_eq!(application_id(&path), 0);
    let memory = Memory::open(&path).unwrap();
    assert_eq!(memory.all().unwrap()[0].content, json!("kept"));
    assert_eq!(application_id(&path), APPLICATION_ID);
}

#[test]
fn rollback_discards_and_commit_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tx.db");
    let memory = Memory::open(&path).unwrap();
    let kept_before = memory.store("c", &json!("before"), &[], 1.0).unwrap();

    memory.begin().unwrap();
    assert_eq!(memory.transaction_depth(), 1);
    memory.store("c", &json!("discarded"), &[], 2.0).unwrap();
    memory
        .update(kept_before, &object(json!({"x": 1})))
        .unwrap();
    assert!(memory.delete(kept_before).unwrap());
    memory.set_global("g", &json!("discarded")).unwrap();
    assert_eq!(memory.count(None).unwrap(), 1); // its own writes are visible inside
    memory.rollback().unwrap();
    assert_eq!(memory.transaction_depth(), 0);
    assert_eq!(ids(&memory.all().unwrap()), vec![kept_before]);
    assert_eq!(
        memory.get(kept_before).unwrap().unwrap().content,
        json!("before")
    );
    assert_eq!(memory.get_global("g").unwrap(), None);

    memory.begin().unwrap();
    let kept = memory.store("c", &json!("kept"), &[], 3.0).unwrap();
    memory.set_global("g", &json!("kept")).unwrap();
    memory.commit().unwrap();
    drop(memory);

    let memory = Memory::open(&path).unwrap();
    assert_eq!(ids(&memory.all().unwrap()), vec![kept_before, kept]);
    assert_eq!(memory.get_global("g").unwrap(), Some(json!("kept")));
}

#[test]
fn an_error_inside_a_transaction_closure_rolls_back_its_writes() {
    let memory = Memory::open_in_memory().unwrap();
    // The interpreter's own error type, which memory errors convert into.
    #[derive(Debug)]
    enum ScriptError {
        Memory(MemoryError),
        Raised(&'static str),
    }
    impl From<MemoryError> for ScriptError {
        fn from(error: MemoryError) -> Self {
            ScriptError::Memory(error)
        }
    }
    let result: Result<(), ScriptError> = memory.transaction(|memory| {
        memory.store("c", &json!(1), &[], 1.0)?;
        Err(ScriptError::Raised("script error"))
    });
    match result {
        Err(ScriptError::Raised(message)) => assert_eq!(message, "script error"),
        Err(ScriptError::Memory(error)) => panic!("{error}"),
        Ok(()) => panic!("the body's error was lost"),
    }
    assert_eq!(memory.count(None).unwrap(), 0);
    assert_eq!(memory.transaction_depth(), 0);

    let id = memory
        .transaction(|memory| memory.store("c", &json!(2), &[], 2.0))
        .unwrap();
    assert_eq!(memory.get(id).unwrap().unwrap().content, json!(2));
}

#[test]
fn nested_transactions_are_savepoints() {
    let memory = Memory::open_in_memory().unwrap();
    memory.begin().unwrap();
    let a = memory.store("c", &json!("a"), &[], 1.0).unwrap();
    memory.begin().unwrap();
    memory.store("c", &json!("b"), &[], 2.0).unwrap();
    memory.begin().unwrap();
    memory.store("c", &json!("b-inner"), &[], 2.5).unwrap();
    memory.commit().unwrap(); // into b's level, which is then rolled back with it
    memory.rollback().unwrap();
    assert_eq!(memory.transaction_depth(), 1);
    memory.begin().unwrap();
    let c = memory.store("c", &json!("c"), &[], 3.0).unwrap();
    memory.commit().unwrap();
    memory.commit().unwrap();
    assert_eq!(memory.transaction_depth(), 0);
    let contents: Vec<Value> = memory
        .all()
        .unwrap()
        .into_iter()
        .map(|e| e.content)
        .collect();
    assert_eq!(contents, vec![json!("a"), json!("c")]);
    assert_eq!(ids(&memory.all().unwrap()), vec![a, c]);

    // Rolling back the outer level discards an inner level that committed.
    memory.begin().unwrap();
    memory.begin().unwrap();
    memory.store("c", &json!("d"), &[], 4.0).unwrap();
    memory.commit().unwrap();
    memory.rollback().unwrap();
    assert_eq!(memory.count(None).unwrap(), 2);

    // An update inside a transaction that fails part-way leaves the transaction usable.
    memory.begin().unwrap();
    assert!(!memory.update(999, &object(json!({"x": 1}))).unwrap());
    assert!(memory.update(a, &object(json!({"x": 1}))).unwrap());
    memory.commit().unwrap();
    assert_eq!(
        memory.get(a).unwrap().unwrap().content,
        json!({"content": "a", "x": 1})
    );
}

#[test]
fn commit_or_rollback_without_begin_is_an_error() {
    let memory = Memory::open_in_memory().unwrap();
    for result in [memory.commit(), memory.rollback()] {
        let error = result.unwrap_err();
        assert!(matches!(error.kind(), MemoryErrorKind::NoTransaction));
        assert!(error.to_string().contains("no transaction is open"));
    }
    memory.begin().unwrap();
    memory.commit().unwrap();
    assert!(memory.commit().is_err());
}

fn search_fixture() -> (Memory, [i64; 4]) {
    let memory = Memory::open_in_memory().unwrap();
    let ids = [
        memory
            .store(
                "goals",
                &json!({"title": "Ship the Parser", "priority": 1}),
                &tags(&["work", "q4"]),
                100.0,
            )
            .unwrap(),
        memory
            .store(
                "notes",
                &json!({"title": "Café opening", "priority": 2}),
                &tags(&["life"]),
                200.0,
            )
            .unwrap(),
        memory
            .store(
                "goals",
                &json!({"title": "write docs", "priority": 2.0}),
                &tags(&["work"]),
                300.0,
            )
            .unwrap(),
        // Same time as the previous one: the higher id is the newer.
        memory
            .store(
                "goals",
                &json!("parser benchmarks"),
                &tags(&["work", "q4"]),
                300.0,
            )
            .unwrap(),
    ];
    (memory, ids)
}

#[test]
fn search_orders_newest_first_and_filters() {
    let (memory, [a, b, c, d]) = search_fixture();
    let search = |query: Query| ids(&memory.search(&query).unwrap());

    assert_eq!(search(Query::default()), vec![d, c, b, a]);
    assert_eq!(
        search(Query {
            category: Some("goals".into()),
            ..Query::default()
        }),
        vec![d, c, a]
    );
    assert_eq!(
        search(Query {
            category: Some("nothing".into()),
            ..Query::default()
        }),
        Vec::<i64>::new()
    );
    // Text: case-insensitive (Unicode too), anywhere in the content's JSON text.
    assert_eq!(
        search(Query {
            text: Some("PARSER".into()),
            ..Query::default()
        }),
        vec![d, a]
    );
    assert_eq!(
        search(Query {
            text: Some("CAFÉ".into()),
            ..Query::default()
        }),
        vec![b]
    );
    assert_eq!(
        search(Query {
            text: Some("priority".into()),
            ..Query::default()
        }),
        vec![c, b, a]
    );
    // Tags: all of them.
    assert_eq!(
        search(Query {
            tags: tags(&["work"]),
            ..Query::default()
        }),
        vec![d, c, a]
    );
    assert_eq!(
        search(Query {
            tags: tags(&["work", "q4"]),
            ..Query::default()
        }),
        vec![d, a]
    );
    assert_eq!(
        search(Query {
            tags: tags(&["work", "life"]),
            ..Query::default()
        }),
        Vec::<i64>::new()
    );
    // Fields: an object content with equal fields; 2 matches 2.0; a string content never.
    assert_eq!(
        search(Query {
            fields: object(json!({"priority": 2})),
            ..Query::default()
        }),
        vec![c, b]
    );
    assert_eq!(
        search(Query {
            fields: object(json!({"priority": 2, "title": "write docs"})),
            ..Query::default()
        }),
        vec![c]
    );
    assert_eq!(
        search(Query {
            fields: object(json!({"missing": null})),
            ..Query::default()
        }),
        Vec::<i64>::new()
    );
    // Since: inclusive.
    assert_eq!(
        search(Query {
            since: Some(200.0),
            ..Query::default()
        }),
        vec![d, c, b]
    );
    // Limit keeps the newest, with and without filters applied in Rust.
    assert_eq!(
        search(Query {
            limit: Some(2),
            ..Query::default()
        }),
        vec![d, c]
    );
    assert_eq!(
        search(Query {
            tags: tags(&["q4"]),
            limit: Some(1),
            ..Query::default()
        }),
        vec![d]
    );
    assert_eq!(
        search(Query {
            limit: Some(0),
            ..Query::default()
        }),
        Vec::<i64>::new()
    );
    // Everything at once.
    assert_eq!(
        search(Query {
            text: Some("ship".into()),
            category: Some("goals".into()),
            tags: tags(&["q4"]),
            fields: object(json!({"priority": 1})),
            since: Some(50.0),
            limit: Some(10),
        }),
        vec![a]
    );
}

#[test]
fn update_merges_and_delete_removes() {
    let memory = Memory::open_in_memory().unwrap();
    let obj = memory
        .store("c", &json!({"a": 1, "b": 2}), &tags(&["t"]), 1.0)
        .unwrap();
    let scalar = memory.store("c", &json!("text"), &[], 2.0).unwrap();
    let other = memory.store("d", &json!(null), &[], 3.0).unwrap();

    assert!(memory
        .update(obj, &object(json!({"b": 20, "c": [3]})))
        .unwrap());
    let updated = memory.get(obj).unwrap().unwrap();
    assert_eq!(updated.content, json!({"a": 1, "b": 20, "c": [3]}));
    // Key order: existing keys stay in place, new ones follow.
    let keys: Vec<&String> = updated.content.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(updated.tags, tags(&["t"]));
    assert_eq!(updated.ts, 1.0);

    // A content that is not an object is kept under `content`, never dropped.
    assert!(memory.update(scalar, &object(json!({"x": true}))).unwrap());
    assert_eq!(
        memory.get(scalar).unwrap().unwrap().content,
        json!({"content": "text", "x": true})
    );
    // A second merge is an ordinary one; a `content` field overwrites the kept value.
    assert!(memory
        .update(scalar, &object(json!({"content": "new text"})))
        .unwrap());
    assert_eq!(
        memory.get(scalar).unwrap().unwrap().content,
        json!({"content": "new text", "x": true})
    );
    assert!(!memory.update(12345, &object(json!({"x": 1}))).unwrap());

    // Replacing is separate, and keeps everything but the content.
    assert!(memory.replace(obj, &json!("only this")).unwrap());
    let replaced = memory.get(obj).unwrap().unwrap();
    assert_eq!(replaced.content, json!("only this"));
    assert_eq!((replaced.tags, replaced.ts), (tags(&["t"]), 1.0));
    assert!(!memory.replace(12345, &json!(1)).unwrap());

    assert_eq!(memory.count(Some("c")).unwrap(), 2);
    assert!(memory.delete(scalar).unwrap());
    assert!(!memory.delete(scalar).unwrap());
    assert_eq!(memory.get(scalar).unwrap(), None);
    assert_eq!(memory.count(Some("c")).unwrap(), 1);
    assert_eq!(memory.count(Some("d")).unwrap(), 1);
    assert_eq!(memory.count(None).unwrap(), 2);
    assert_eq!(ids(&memory.all().unwrap()), vec![obj, other]);

    // A deleted id is never handed out again, not even the newest one.
    assert!(memory.delete(other).unwrap());
    let next = memory.store("d", &json!(null), &[], 4.0).unwrap();
    assert!(next > other, "{next} reuses {other}");
}

#[test]
fn globals() {
    let memory = Memory::open_in_memory().unwrap();
    assert_eq!(memory.get_global("x").unwrap(), None);
    memory.set_global("x", &json!(1)).unwrap();
    memory.set_global("x", &json!({"now": [2]})).unwrap();
    memory.set_global("a", &json!("first")).unwrap();
    assert_eq!(memory.get_global("x").unwrap(), Some(json!({"now": [2]})));
    assert_eq!(
        memory.globals().unwrap(),
        vec![
            ("a".to_string(), json!("first")),
            ("x".to_string(), json!({"now": [2]}))
        ]
    );
    assert!(memory.delete_global("x").unwrap());
    assert!(!memory.delete_global("x").unwrap());
    assert_eq!(memory.get_global("x").unwrap(), None);
}

#[test]
fn all_is_oldest_first() {
    let memory = Memory::open_in_memory().unwrap();
    let late = memory.store("c", &json!(1), &[], 50.0).unwrap();
    let early = memory.store("c", &json!(2), &[], 10.0).unwrap();
    let tie = memory.store("c", &json!(3), &[], 50.0).unwrap();
    assert_eq!(ids(&memory.all().unwrap()), vec![early, late, tie]);
}

#[test]
fn garbage_file_is_a_clean_error_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();

    let error = Memory::open(&path).unwrap_err();
    assert!(
        matches!(error.kind(), MemoryErrorKind::Sqlite(_)),
        "{error:?}"
    );
    assert_eq!(error.operation(), "opening");
    assert!(error.is_io());
    let message = error.to_string();
    assert!(message.contains("garbage.db"), "{message}");
    assert!(message.contains("not an aether memory"), "{message}");
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn damaged_database_gives_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    {
        let memory = Memory::open(&path).unwrap();
        let big = "x".repeat(2000);
        for i in 0..200 {
            memory
                .store("c", &json!({"i": i, "pad": big}), &[], f64::from(i))
                .unwrap();
        }
    }
    // Everything is checkpointed into the main file when the last connection closes; now
    // overwrite all pages after the first with noise, keeping the valid header.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192, "{}", bytes.len());
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    match Memory::open(&path) {
        Err(error) => assert!(!error.to_string().is_empty()),
        Ok(memory) => {
            assert!(memory.all().is_err());
            assert!(memory.search(&Query::default()).is_err());
        }
    }
}

#[test]
fn a_directory_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = Memory::open(dir.path()).unwrap_err();
    assert_eq!(error.operation(), "opening");
}

#[test]
fn data_written_behind_our_back_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let memory = Memory::open(&path).unwrap();
    let good = memory.store("good", &json!(1), &[], 1.0).unwrap();
    let conn = raw(&path);
    conn.execute_batch(
        "INSERT INTO entries (id, ts, category, content, tags) VALUES (100, 2, 'c', '{oops', '[]');
         INSERT INTO entries (id, ts, category, content, tags) VALUES (101, 3, 'c', '1', '[1]');
         INSERT INTO entries (id, ts, category, content, tags) VALUES (102, 'late', 'c', '1', '[]');
         INSERT INTO globals (key, value) VALUES ('bad', 'not json');",
    )
    .unwrap();
    for id in [100, 101, 102] {
        let error = memory.get(id).unwrap_err();
        assert_eq!(error.operation(), "reading an entry", "{error}");
    }
    let error = memory.get(100).unwrap_err();
    assert!(matches!(error.kind(), MemoryErrorKind::BadData(_)));
    assert!(error.to_string().contains("entry 100"), "{error}");
    assert!(memory.all().is_err());
    assert!(memory.search(&Query::default()).is_err());
    assert!(memory.update(100, &object(json!({"a": 1}))).is_err());
    assert!(memory.get_global("bad").is_err());
    assert!(memory.globals().is_err());
    // The good rows still work.
    assert_eq!(memory.get(good).unwrap().unwrap().content, json!(1));
    let good_ones = memory
        .search(&Query {
            category: Some("good".into()),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(ids(&good_ones), vec![good]);
}

#[test]
fn invalid_input_is_refused() {
    let memory = Memory::open_in_memory().unwrap();
    for ts in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let error = memory.store("c", &json!(1), &[], ts).unwrap_err();
        assert!(
            matches!(error.kind(), MemoryErrorKind::InvalidInput(_)),
            "{error:?}"
        );
    }
    let error = memory
        .search(&Query {
            since: Some(f64::NAN),
            ..Query::default()
        })
        .unwrap_err();
    assert!(matches!(error.kind(), MemoryErrorKind::InvalidInput(_)));

    // Values nested deeper than serde_json reads back are refused up front, everywhere.
    let mut deep = json!(0);
    for _ in 0..=aether::run::memory::MAX_NESTING {
        deep = json!([deep]);
    }
    assert!(memory.store("c", &deep, &[], 1.0).is_err());
    assert!(memory.set_global("g", &deep).is_err());
    let id = memory.store("c", &json!({}), &[], 1.0).unwrap();
    assert!(memory.update(id, &object(json!({"d": deep}))).is_err());
    assert_eq!(memory.get(id).unwrap().unwrap().content, json!({}));
    assert_eq!(memory.count(None).unwrap(), 1);
}

#[test]
fn writes_past_the_quota_are_refused_and_deletes_make_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.db");
    let quota = aether::run::memory::MIN_QUOTA;
    let memory = Memory::open_with(
        &path,
        &OpenOptions {
            quota,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let pad = "x".repeat(1000);
    let mut ids = Vec::new();
    let error = loop {
        match memory.store("c", &json!({"pad": pad}), &[], 1.0) {
            Ok(id) => ids.push(id),
            Err(error) => break error,
        }
        assert!(ids.len() < 1000, "the quota never stopped the writes");
    };
    assert!(
        matches!(error.kind(), MemoryErrorKind::QuotaExceeded { quota: q, .. } if *q == quota),
        "{error:?}"
    );
    assert!(!error.is_io());
    let message = error.to_string();
    assert!(message.contains("quota of 64 KiB"), "{message}");
    assert!(message.contains("--memory-quota"), "{message}");
    assert!(ids.len() > 10, "{} entries fit", ids.len());
    // Globals and updates count too.
    assert!(memory.set_global("big", &json!(pad)).is_err());
    assert!(memory
        .update(
            ids[0],
            &serde_json::from_value(json!({"more": pad})).unwrap()
        )
        .is_err());
    // The data stays within one write (plus index pages) of the quota.
    let used = memory.used_bytes().unwrap();
    assert!(used <= quota + 8 * 1024, "{used} bytes used");

    // Deleting frees pages, which later writes reuse.
    for id in &ids[..10] {
        memory.delete(*id).unwrap();
    }
    memory.store("c", &json!({"pad": pad}), &[], 2.0).unwrap();
}

/// Not a test: the other process of `the_write_ahead_log_is_truncated_when_a_writer_closes`.
/// It opens the store named by `AETHER_HOLD_STORE`, says so, and keeps it open until its
/// standard input closes.
#[test]
#[ignore = "a helper process, started by another test"]
fn hold_a_store_open() {
    let Some(path) = std::env::var_os("AETHER_HOLD_STORE") else {
        return;
    };
    let memory = Memory::open(Path::new(&path)).unwrap();
    memory.count(None).unwrap();
    println!("holding");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut rest);
    drop(memory);
}

#[test]
fn the_write_ahead_log_is_truncated_when_a_writer_closes() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let wal = dir.path().join("wal.db-wal");
    Memory::open(&path).unwrap();
    // Another process keeps the store open, so closing the writer is not the last close (which
    // deletes the log whatever the writer did).
    let mut holder = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "hold_a_store_open", "--nocapture"])
        .env("AETHER_HOLD_STORE", &path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut lines = std::io::BufReader::new(holder.stdout.take().unwrap());
    while !said.contains("holding") {
        said.clear();
        assert!(lines.read_line(&mut said).unwrap() > 0, "the holder ended");
    }

    let writer = Memory::open(&path).unwrap();
    let pad = "y".repeat(20_000);
    writer
        .transaction(|m| {
            for i in 0..200 {
                m.store("c", &json!({"i": i, "pad": pad}), &[], 1.0)?;
            }
            Ok::<_, MemoryError>(())
        })
        .unwrap();
    let during = std::fs::metadata(&wal).unwrap().len();
    assert!(during > 1_000_000, "{during}");
    drop(writer);
    let after = std::fs::metadata(&wal).map_or(0, |m| m.len());
    drop(holder.stdin.take());
    holder.wait().unwrap();
    assert_eq!(after, 0, "the log was left at {after} bytes");
    assert_eq!(Memory::open(&path).unwrap().count(None).unwrap(), 200);
}

#[test]
fn a_read_only_store_reads_and_refuses_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let id = Memory::open(&path)
        .unwrap()
        .store("c", &json!({"a": 1}), &tags(&["t"]), 1.0)
        .unwrap();
    Memory::open(&path)
        .unwrap()
        .set_global("g", &json!(2))
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let reader = Memory::open_with(&path, &read_only()).unwrap();
    assert!(reader.is_read_only());
    assert_eq!(reader.get(id).unwrap().unwrap().content, json!({"a": 1}));
    assert_eq!(reader.get_global("g").unwrap(), Some(json!(2)));
    let map = serde_json::from_value::<Map<String, Value>>(json!({"b": 2})).unwrap();
    let errors = [
        reader.store("c", &json!(1), &[], 1.0).unwrap_err(),
        reader.update(id, &map).unwrap_err(),
        reader.replace(id, &json!(1)).unwrap_err(),
        reader.delete(id).unwrap_err(),
        reader.set_global("g", &json!(3)).unwrap_err(),
        reader.delete_global("g").unwrap_err(),
        reader.begin().unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(error.kind(), MemoryErrorKind::ReadOnly(_)),
            "{error:?}"
        );
        assert!(error.is_io());
    }
    drop(reader);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
