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

/// The known word `name` is most likely a misspelling of: within an edit distance of two,
/// and of a third of its length (so four-letter words allow one edit). Used where an
/// unknown word is legitimate on its own (open verb phrases) and only a near miss is wrong.
pub fn near_miss<'c>(name: &str, known: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 2);
    known
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = strsim::osa_distance(&lower, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .min()
        .map(|(_, c)| c)
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
    fn near_misses_are_close_typos_only() {
        use super::near_miss;
        let verbs = ["status", "summarize", "learn", "store", "scan"];
        assert_eq!(near_miss("statsu", verbs), Some("status"));
        assert_eq!(near_miss("sumarize", verbs), Some("summarize"));
        assert_eq!(near_miss("adapt_strategy", verbs), None);
        assert_eq!(
            near_miss("plan", verbs),
            None,
            "two edits are too many for 4 letters"
        );
        assert_eq!(near_miss("contribute", verbs), None);
    }
}
