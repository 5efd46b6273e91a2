//! Stage `lint`: checking one file. A parsed tree in, diagnostics out.
//!
//! Takes in: the `syntax` stage's tree and diagnostics. Gives out: the validator's
//! diagnostics (`validate`: names, calls, commands, legacy forms), the outcome of checking one
//! file with panics caught as INTERNAL_ERROR and the project's `aether.toml` applied
//! (`check`), inline `# aether: ignore[...]` comments (`suppress`), and diagnostics rendered
//! for people (ariadne) and machines (`render`).
//! Depends on: `syntax`, `registry` and `project`; never on `run`, `bulk` or the CLI.

pub mod check;
pub mod render;
pub mod suppress;
pub mod validate;
