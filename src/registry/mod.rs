//! Stage `registry`: what the language knows by name, shared by the checker and the runtime.
//!
//! Takes in: nothing. Gives out: the builtin functions with their signatures and docs
//! (`builtins`) and the command verbs with their meanings (`vocabulary`).
//! Depends on: nothing of ours. The validator checks calls against these tables and the
//! interpreter implements every entry, so both stages read the one list.

pub mod builtins;
pub mod vocabulary;
