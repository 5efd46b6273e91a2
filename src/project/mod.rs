//! Stage `project`: what a file means in its surroundings: where the modules it imports live
//! on disk, and the `aether.toml` that configures it (host names, plugin path, ignored rules,
//! the memory quota, whose sizes `quota` reads), and which `.aether` files a directory holds
//! (`files`).
//!
//! Takes in: paths and module names. Gives out: resolved files and per-file configuration.
//! Depends on: at most `syntax` (for rule ids and line positions; never `lint`, `run`, `bulk`
//! or the CLI), so that the validator and the interpreter resolve names the same way.

pub mod config;
pub mod files;
pub mod host;
pub mod modules;
pub mod quota;
