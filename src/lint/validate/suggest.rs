//! "Did you mean ...?": the closest candidate by edit distance, if it is close enough.

/// The candidate closest to `name`, compared case-insensitively, within an edit distance of a
/// third of the name's length (at least 1, so `summarise` finds `summarize` and `True` finds
/// `true`). Ties go to the alphabetically first candidate, so the hint is deterministic.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = strsim::osa_distance(&lower, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .min()
        .map(|(_, c)| c)
}

/// The known word `name` is most likely a misspelling of, where an unknown word is
/// legitimate on its own (open verb phrases, capabilities of the host) and only a slip of the
/// fingers is wrong: exactly one dropped or doubled letter in a word of six letters or more
/// (`sumarize`, `remeber`), or two neighbouring letters swapped in a word of four or more
/// (`statsu`, `stroe`). A changed letter is not a slip here: `clean`, `score`, `adopt` and
/// `analyse` are words of their own, not typos of `clear`, `store`, `adapt` and `analyze`.
pub fn near_miss<'c>(name: &str, known: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_lowercase();
    let len = lower.chars().count();
    known.into_iter().filter(|c| *c != name).find(|c| {
        let c = c.to_lowercase();
        let clen = c.chars().count();
        if clen.abs_diff(len) == 1 {
            len.max(clen) >= 6 && strsim::osa_distance(&lower, &c) == 1
        } else {
            clen == len && len >= 4 && is_transposition(&lower, &c)
        }
    })
}

/// Whether `a` and `b` differ only by two neighbouring characters swapped.
fn is_transposition(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diff.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_close_names_only() {
        let names = ["summarize", "reflect", "narrate", "now"];
        assert_eq!(closest("summarise", names), Some("summarize"));
        assert_eq!(closest("reflct", names), Some("reflect"));
        assert_eq!(
            closest("fecth", ["fetch"]),
            Some("fetch"),
            "a transposition is one edit"
        );
        assert_eq!(closest("frobnicate", names), None);
        assert_eq!(closest("True", ["true", "tree"]), Some("true"));
        assert_eq!(
            closest("now", names),
            None,
            "an exact match is not a suggestion"
        );
    }

    #[test]
    fn near_misses_are_slips_of_the_fingers_only() {
        use super::near_miss;
        let verbs = [
            "status",
            "summarize",
            "learn",
            "store",
            "scan",
            "clear",
            "adapt",
            "analyze",
            "show",
            "remember",
            "plan",
        ];
        assert_eq!(near_miss("statsu", verbs), Some("status"));
        assert_eq!(near_miss("sumarize", verbs), Some("summarize"));
        assert_eq!(near_miss("remeber", verbs), Some("remember"));
        assert_eq!(near_miss("stroe", verbs), Some("store"));
        assert_eq!(near_miss("shwo", verbs), Some("show"));
        // Words of their own: a changed letter, or a short word with one letter more.
        for word in [
            "clean",
            "score",
            "adopt",
            "analyse",
            "plant",
            "adapt_strategy",
            "contribute",
        ] {
            assert_eq!(near_miss(word, verbs), None, "{word}");
        }
    }
}
