//! "Did you mean ...?": the closest candidate by edit distance, if it is close enough.

/// The candidate closest to `name`, compared case-insensitively, within an edit distance of a
/// third of the name's length (at least 1, so `summarise` finds `summarize` and `True` finds
/// `true`). Ties go to the alphabetically first candidate, so the hint is deterministic.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    closest_scored(name, candidates).map(|(_, c)| c)
}

/// `closest` over the builtins' names followed by `others`. The builtins' part depends only on
/// `name`, so it is computed once per name and thread; the closest of the union is the closer
/// of the two parts (ties to the alphabetically first, as `closest` breaks them).
pub fn closest_with_builtins<'c>(
    name: &str,
    others: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static BUILTIN_BEST: RefCell<HashMap<String, Option<(usize, &'static str)>>> =
            RefCell::new(HashMap::new());
    }
    let builtin = BUILTIN_BEST.with(|cache| {
        if let Some(hit) = cache.borrow().get(name) {
            return *hit;
        }
        let best = closest_scored(
            name,
            crate::registry::builtins::BUILTINS.iter().map(|b| b.name),
        );
        let mut cache = cache.borrow_mut();
        // Bounded: a run over many files with many distinct unknown names starts afresh.
        if cache.len() >= 4096 {
            cache.clear();
        }
        cache.insert(name.to_string(), best);
        best
    });
    match (builtin, closest_scored(name, others)) {
        (Some(b), Some(o)) => Some(b.min(o).1),
        (b, o) => b.or(o).map(|(_, c)| c),
    }
}

/// The closest candidate and its distance.
fn closest_scored<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<(usize, &'c str)> {
    let lower: Vec<char> = name.to_lowercase().chars().collect();
    let limit = (name.chars().count() / 3).max(1);
    let mut rows = Rows::default();
    let mut cand: Vec<char> = Vec::new();
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        cand.clear();
        if c.is_ascii() {
            // An edit changes the length by at most one: a candidate whose length differs
            // by more than the limit cannot be within it (lowercasing keeps ASCII lengths).
            if c.len().abs_diff(lower.len()) > limit {
                continue;
            }
            cand.extend(c.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            cand.extend(c.to_lowercase().chars());
            if cand.len().abs_diff(lower.len()) > limit {
                continue;
            }
        }
        // Within the best distance so far: a farther candidate cannot win the minimum.
        let bound = best.map_or(limit, |(d, _)| d.min(limit));
        if let Some(d) = rows.osa_within(&lower, &cand, bound) {
            if best.is_none_or(|b| (d, c) < b) {
                best = Some((d, c));
            }
        }
    }
    best
}

/// The rows of the optimal string alignment table, kept across candidates so one
/// suggestion allocates them once.
#[derive(Default)]
struct Rows {
    two_back: Vec<usize>,
    back: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    /// The optimal string alignment distance of `a` and `b` (what `strsim::osa_distance`
    /// computes) when it is at most `limit`; `None` when it is larger. Stops as soon as two
    /// consecutive rows exceed `limit` everywhere: a cell comes from the row above, its left
    /// neighbour, or two rows up plus one, so every later row exceeds it too.
    fn osa_within(&mut self, a: &[char], b: &[char], limit: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        let width = b.len() + 1;
        for row in [&mut self.two_back, &mut self.back, &mut self.cur] {
            row.clear();
            row.extend(0..width);
        }
        let mut back_min = 0;
        for (i, &ac) in a.iter().enumerate() {
            self.cur[0] = i + 1;
            let mut row_min = i + 1;
            for (j, &bc) in b.iter().enumerate() {
                let cost = usize::from(ac != bc);
                let mut d = (self.cur[j] + 1)
                    .min(self.back[j + 1] + 1)
                    .min(self.back[j] + cost);
                if i > 0 && j > 0 && ac != bc && ac == b[j - 1] && bc == a[i - 1] {
                    d = d.min(self.two_back[j - 1] + 1);
                }
                self.cur[j + 1] = d;
                row_min = row_min.min(d);
            }
            std::mem::swap(&mut self.two_back, &mut self.back);
            std::mem::swap(&mut self.back, &mut self.cur);
            if row_min > limit && back_min > limit {
                return None;
            }
            back_min = row_min;
        }
        let d = self.back[b.len()];
        (d <= limit).then_some(d)
    }
}

/// The known word `name` is most likely a misspelling of, where an unknown word is
/// legitimate on its own (open verb phrases, capabilities of the host) and only a slip of the
/// fingers is wrong: exactly one dropped or doubled letter in a word of six letters or more
/// (`sumarize`, `remeber`), or two neighbouring letters swapped in a word of four or more
/// (`statsu`, `stroe`). A changed letter is not a slip here: `clean`, `score`, `adopt` and
/// `analyse` are words of their own, not typos of `clear`, `store`, `adapt` and `analyze`.
pub fn near_miss<'c>(name: &str, known: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    // Most names and candidates are ASCII: compared byte by byte without lowercased copies
    // (this runs over every known verb for each unknown one: 8% of a check of a corpus with
    // many unknown names when every candidate was lowercased and measured with `strsim`).
    let mut lower = None;
    known.into_iter().filter(|c| *c != name).find(|c| {
        if name.is_ascii() && c.is_ascii() {
            return ascii_slip(name.as_bytes(), c.as_bytes());
        }
        let (lower, len) = lower.get_or_insert_with(|| {
            let lower = name.to_lowercase();
            let len = lower.chars().count();
            (lower, len)
        });
        slip(lower, *len, c)
    })
}

/// `near_miss`'s test for one candidate, on lowercased `name` of `len` characters, for any
/// text.
fn slip(lower: &str, len: usize, c: &str) -> bool {
    // Lowercasing keeps ASCII lengths: a length two or more away is neither a dropped or
    // doubled letter nor a swap.
    if c.is_ascii() && c.len().abs_diff(len) > 1 {
        return false;
    }
    let c = c.to_lowercase();
    let clen = c.chars().count();
    if clen.abs_diff(len) == 1 {
        len.max(clen) >= 6 && strsim::osa_distance(lower, &c) == 1
    } else {
        clen == len && len >= 4 && is_transposition(lower, &c)
    }
}

/// `slip` for ASCII text, ignoring case, without allocating.
fn ascii_slip(a: &[u8], b: &[u8]) -> bool {
    let eq = |x: &[u8], y: &[u8]| x.eq_ignore_ascii_case(y);
    // Where the two first differ (case aside).
    let first = a
        .iter()
        .zip(b)
        .position(|(x, y)| !x.eq_ignore_ascii_case(y))
        .unwrap_or(a.len().min(b.len()));
    if a.len().abs_diff(b.len()) == 1 {
        // One letter dropped or doubled: the longer without its letter at `first` is the
        // shorter (an edit distance of exactly 1 between lengths one apart).
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        long.len() >= 6 && eq(&long[first + 1..], &short[first..])
    } else {
        // Two neighbouring letters swapped, the rest equal.
        a.len() == b.len()
            && a.len() >= 4
            && first + 1 < a.len()
            && a[first].eq_ignore_ascii_case(&b[first + 1])
            && a[first + 1].eq_ignore_ascii_case(&b[first])
            && eq(&a[first + 2..], &b[first + 2..])
    }
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

    /// The reference: every candidate measured with `strsim`, as before the prefilter.
    fn closest_reference<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
        let lower = name.to_lowercase();
        let limit = (name.chars().count() / 3).max(1);
        candidates
            .iter()
            .copied()
            .filter(|c| *c != name)
            .filter_map(|c| {
                let d = strsim::osa_distance(&lower, &c.to_lowercase());
                (d <= limit).then_some((d, c))
            })
            .min()
            .map(|(_, c)| c)
    }

    #[test]
    fn bounded_distance_agrees_with_strsim() {
        // Deterministic pseudo-random words over a small alphabet (so distances are small
        // and ties frequent), with some non-ASCII and mixed case.
        let alphabet: Vec<char> = "abcAB_\u{e9}\u{130}".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut words: Vec<String> = Vec::new();
        for _ in 0..400 {
            let len = (next() % 9) as usize;
            words.push(
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect(),
            );
        }
        let pool: Vec<&str> = words.iter().map(String::as_str).collect();
        for (i, name) in pool.iter().enumerate() {
            let start = i % 300;
            let cands = &pool[start..start + 60];
            assert_eq!(
                closest(name, cands.iter().copied()),
                closest_reference(name, cands),
                "{name}"
            );
        }
        let builtins: Vec<&str> = crate::registry::builtins::BUILTINS
            .iter()
            .map(|b| b.name)
            .collect();
        for (i, name) in pool
            .iter()
            .chain(["lenght", "prnt", "Len", "sumarize"].iter())
            .enumerate()
        {
            let others = &pool[i % 300..i % 300 + 20];
            let mut all = builtins.clone();
            all.extend(others);
            for _ in 0..2 {
                // Twice: the second call is served by the cache.
                assert_eq!(
                    super::closest_with_builtins(name, others.iter().copied()),
                    closest_reference(name, &all),
                    "{name}"
                );
            }
        }
        let mut rows = super::Rows::default();
        for a in &pool[..120] {
            for b in &pool[..120] {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let d = strsim::osa_distance(a, b);
                for limit in 0..6 {
                    assert_eq!(
                        rows.osa_within(&ac, &bc, limit),
                        (d <= limit).then_some(d),
                        "{a} {b} {limit}"
                    );
                }
            }
        }
    }

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
    fn ascii_slips_agree_with_the_general_test() {
        let words = [
            "status",
            "statsu",
            "stauts",
            "summarize",
            "sumarize",
            "summarrize",
            "Summarize",
            "remember",
            "remeber",
            "rememberr",
            "store",
            "stroe",
            "sotre",
            "clear",
            "clean",
            "score",
            "abcd",
            "bacd",
            "abdc",
            "abc",
            "acb",
            "analyse",
            "analyze",
            "STATUS",
            "Statsu",
            "recall",
            "recal",
            "reccall",
            "aaaaaa",
            "aaaaa",
            "aaaaaaa",
            "abcdef",
            "abcdeg",
            "bacdef",
            "abcdfe",
            "abcde",
            "xabcdef",
            "abcdefx",
            "",
            "a",
            "ab",
            "ba",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    super::ascii_slip(a.as_bytes(), b.as_bytes()),
                    super::slip(&a.to_lowercase(), a.to_lowercase().chars().count(), b),
                    "{a} vs {b}"
                );
            }
        }
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
