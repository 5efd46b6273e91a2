//! Stage `project`: what a file means in its surroundings: where the modules it imports live
//! on disk.
//!
//! Takes in: paths and module names. Gives out: resolved files.
//! Depends on: nothing of ours today, and at most `syntax` (never `lint`, `run`, `bulk` or the
//! CLI), so that the validator and the interpreter resolve names the same way.

pub mod modules;
pub mod host;
