//! Stage `bulk`: many files at once, and the artifacts CI keeps.
//!
//! Takes in: paths (`discover` finds the `.aether` files). Gives out: checks of whole trees in
//! parallel, streamed in path order (`runner`), the machine formats (`formats`: JSON, NDJSON,
//! SARIF, JUnit, GitHub), the parse baseline and its merge (`baseline`), the regression gate
//! (`gate`), the workflow failure classifier (`classify`), signature and risk verification
//! (`verify`), the release gates (`gates`), and atomic artifact writes
//! (`artifact`) with their timestamps (`timestamp`), and the `plural` of the counts that
//! summaries print.
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

pub use runner::{check_all, FileResult, Options, Progress, Shard};

/// `n` and the noun, in the plural unless `n` is 1: "1 file", "2 files", "0 errors",
/// "3 unsafe fixes", "2 entries". Every count the commands print goes through it.
pub fn plural(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        return format!("1 {noun}");
    }
    let consonant_y = noun.len() > 1
        && noun.ends_with('y')
        && !noun[..noun.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if consonant_y {
        format!("{n} {}ies", &noun[..noun.len() - 1])
    } else if noun.ends_with(['s', 'x', 'z']) || noun.ends_with("ch") || noun.ends_with("sh") {
        format!("{n} {noun}es")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "file"), "1 file");
        assert_eq!(plural(0, "file"), "0 files");
        assert_eq!(plural(2, "unsafe fix"), "2 unsafe fixes");
        assert_eq!(plural(1, "unsafe fix"), "1 unsafe fix");
        assert_eq!(plural(3, "entry"), "3 entries");
        assert_eq!(plural(3, "key"), "3 keys");
        assert_eq!(plural(2, "signature failure"), "2 signature failures");
        assert_eq!(plural(1u64, "baseline"), "1 baseline");
    }
}
