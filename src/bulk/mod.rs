//! Stage `bulk`: many files at once, and the artifacts CI keeps.
//!
//! Takes in: paths (`discover` finds the `.aether` files). Gives out: checks of whole trees in
//! parallel, streamed in path order (`runner`), the machine formats (`formats`: JSON, NDJSON,
//! SARIF, JUnit, GitHub), the parse baseline and its merge (`baseline`), the regression gate
//! (`gate`), the workflow failure classifier (`classify`), signature and risk verification
//! (`verify`), the release gates (`gates`), and atomic artifact writes
//! (`artifact`) with their timestamps (`timestamp`).
//! Depends on: every lower stage (`syntax`, `registry`, `project`, `lint`, `fix`, `run`,
//! `trust`); only the
//! CLI depends on it.

pub mod adopt;
pub mod artifact;
pub mod baseline;
pub mod classify;
pub mod discover;
pub mod formats;
pub mod gate;
pub mod gates;
pub mod plugin_refs;
pub mod runner;
pub mod timestamp;
pub mod verify;

pub use runner::{check_all, FileResult, Options, Shard};
