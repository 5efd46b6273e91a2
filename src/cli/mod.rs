//! The `aether` command line: argument definitions (`args`) and one file per command. Each
//! command turns parsed arguments into calls on the library stages and prints their results;
//! `main.rs` only parses and dispatches. Depends on every stage of the library.

pub mod args;
pub mod baseline;
pub mod check;
pub mod classify;
pub mod explain;
pub mod gate;
pub mod init;
pub mod inspect;
pub mod migrate;
pub mod run;
pub mod shell;
pub mod status;
pub mod stdin;
pub mod trust;
pub mod usage;
