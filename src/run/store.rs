//! The run's memory store, opened when the script first touches it.
//!
//! Opening up front made every run depend on the store: a read-only or unwritable store path
//! failed even `print(1)`. Here nothing happens until the first memory operation. A read opens
//! the file read-only (a file that does not exist yet reads as an empty store, and nothing is
//! created); the first write reopens it for writing, creating the file and its folders. So a
//! script that never touches memory runs whatever the store path is, and one that only reads
//! runs on a store it cannot write.
//!
//! Opening for writing may create folders; each is reported as a note, which the CLI prints on
//! stderr, so a mistyped `--memory` path does not quietly grow a directory tree.

use super::memory::{Entry, Memory, OpenOptions, Query, Result};
use super::MemorySpec;
use std::cell::RefCell;
use std::path::Path;

pub(super) struct Store {
    spec: MemorySpec,
    quota: u64,
    open: RefCell<Option<Memory>>,
    notes: RefCell<Vec<String>>,
}

impl Store {
    pub(super) fn new(spec: MemorySpec, quota: u64) -> Store {
        Store {
            spec,
            quota,
            open: RefCell::new(None),
            notes: RefCell::new(Vec::new()),
        }
    }

    /// What opening the store did that the user should know (folders it created).
    pub(super) fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut self.notes.borrow_mut())
    }

    /// Runs `f` on the store, opened (or reopened for writing) as `write` needs.
    fn with<T>(&self, write: bool, f: impl FnOnce(&Memory) -> Result<T>) -> Result<T> {
        let mut open = self.open.borrow_mut();
        let memory = match open.take() {
            Some(memory) if !write || !memory.is_read_only() => memory,
            // A read-only connection is closed (dropped here) before the file is opened again
            // for writing.
            _ => self.open_now(write)?,
        };
        let result = f(&memory);
        *open = Some(memory);
        result
    }

    fn open_now(&self, write: bool) -> Result<Memory> {
        let options = OpenOptions {
            read_only: !write,
            quota: self.quota,
        };
        let memory = match &self.spec {
            // Private to this run: there is nothing to protect by opening it read-only.
            MemorySpec::InMemory => Memory::open_with(
                Path::new(super::memory::IN_MEMORY_PATH),
                &OpenOptions {
                    read_only: false,
                    ..options
                },
            )?,
            MemorySpec::File(path) => Memory::open_with(path, &options)?,
        };
        if let (Some(path), [first, ..]) = (memory.path(), memory.created_dirs()) {
            let all: Vec<String> = memory
                .created_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            let what = if all.len() == 1 {
                format!("the folder {}", first.display())
            } else {
                format!("the folders {}", all.join(", "))
            };
            self.notes.borrow_mut().push(format!(
                "created {what} for the memory store {}",
                path.display()
            ));
        }
        Ok(memory)
    }

    pub(super) fn store(
        &self,
        category: &str,
        content: &serde_json::Value,
        tags: &[String],
        ts: f64,
    ) -> Result<i64> {
        self.with(true, |m| m.store(category, content, tags, ts))
    }

    pub(super) fn get(&self, id: i64) -> Result<Option<Entry>> {
        self.with(false, |m| m.get(id))
    }

    pub(super) fn search(&self, query: &Query) -> Result<Vec<Entry>> {
        self.with(false, |m| m.search(query))
    }

    pub(super) fn count(&self, category: Option<&str>) -> Result<usize> {
        self.with(false, |m| m.count(category))
    }

    pub(super) fn update(
        &self,
        id: i64,
        fields: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<bool> {
        self.with(true, |m| m.update(id, fields))
    }

    pub(super) fn replace(&self, id: i64, content: &serde_json::Value) -> Result<bool> {
        self.with(true, |m| m.replace(id, content))
    }

    pub(super) fn delete(&self, id: i64) -> Result<bool> {
        self.with(true, |m| m.delete(id))
    }

    pub(super) fn get_global(&self, key: &str) -> Result<Option<serde_json::Value>> {
        self.with(false, |m| m.get_global(key))
    }

    pub(super) fn set_global(&self, key: &str, value: &serde_json::Value) -> Result<()> {
        self.with(true, |m| m.set_global(key, value))
    }

    pub(super) fn begin(&self) -> Result<()> {
        self.with(true, |m| m.begin())
    }

    /// `commit` and `rollback` use the store as it is: a transaction that was begun made it
    /// writable, and without one the store reports that no transaction is open.
    pub(super) fn commit(&self) -> Result<()> {
        self.with(false, |m| m.commit())
    }

    pub(super) fn rollback(&self) -> Result<()> {
        self.with(false, |m| m.rollback())
    }
}
