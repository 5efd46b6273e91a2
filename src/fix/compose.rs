//! Choosing one pass of fixes, and keeping track of what several passes did to the original.
//!
//! A pass takes fixes in order of position and skips (does not drop: the next pass sees the
//! diagnostic again) any fix that would overlap one already taken, as ruff does. Passes edit
//! the text the previous pass produced; `Composed` folds them into one list of edits of the
//! *original* text, which is what reports, JSON output and the "differs only inside reported
//! edits" property use.

use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::edit::Edit;
use crate::syntax::span::Span;
use std::collections::HashSet;

/// The fixes of one pass that do not overlap each other, in order, and their edits merged.
pub struct Pass<'d> {
    pub taken: Vec<&'d Diagnostic>,
    /// Sorted, each with the rule of the fix it came from.
    pub edits: Vec<(Edit, &'static str)>,
}

/// Take fixes left to right; a fix that overlaps an earlier one waits for the next pass.
/// An edit identical to one already taken is applied once (two diagnostics, one fix).
pub fn select<'d>(mut fixable: Vec<&'d Diagnostic>) -> Pass<'d> {
    fixable.sort_by(|a, b| {
        let (fa, fb) = (a.fix.as_ref(), b.fix.as_ref());
        (fa.map(|f| f.span()), a.rule.id).cmp(&(fb.map(|f| f.span()), b.rule.id))
    });
    let mut taken = Vec::new();
    let mut edits: Vec<(Edit, &'static str)> = Vec::new();
    let mut seen: HashSet<&Edit> = HashSet::new();
    let mut last_end = 0u32;
    for d in fixable {
        let Some(fix) = &d.fix else { continue };
        let fresh: Vec<&Edit> = fix.edits.iter().filter(|e| !seen.contains(e)).collect();
        if fresh.is_empty() {
            taken.push(d);
            continue;
        }
        if fresh.iter().any(|e| e.span.start < last_end) {
            continue;
        }
        for e in fresh {
            last_end = last_end.max(e.span.end);
            seen.insert(e);
            edits.push((e.clone(), d.rule.id));
        }
        taken.push(d);
    }
    edits.sort();
    Pass { taken, edits }
}

/// An edit of the original text, with the rules whose fixes made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposedEdit {
    pub edit: Edit,
    pub rules: Vec<&'static str>,
}

/// The edits that turn the original text into the current one, sorted and non-overlapping.
#[derive(Default, Debug)]
pub struct Composed {
    pub edits: Vec<ComposedEdit>,
}

/// A stretch of the current text that an edit touched, with where it lies in the original
/// and in the text after the pass being folded in.
struct Piece {
    cur: (u32, u32),
    orig: (u32, u32),
    new: (u32, u32),
    rules: Vec<&'static str>,
}

/// An interval of one text and the interval it became in another.
type Pair = ((u32, u32), (u32, u32));

/// Map a position through sorted, non-overlapping `from -> to` interval pairs; the text
/// between pairs is unchanged. A position inside a pair clamps to the start of its image, or
/// to the end when `end`; at an insertion point a start stays before the inserted text and an
/// end goes after it.
fn map(at: u32, pairs: &[Pair], end: bool) -> u32 {
    let mut delta: i64 = 0;
    for &((s, e), (ts, te)) in pairs {
        if s < at && at < e {
            return if end { te } else { ts };
        }
        if at < s || (at == s && (s < e || !end)) {
            break;
        }
        delta = te as i64 - e as i64;
    }
    (at as i64 + delta) as u32
}

/// Positions of the current text mapped back to the original (see [`Composed::mapping`]).
pub struct Mapping(Vec<Pair>);

impl Mapping {
    /// The start of the replaced text when `at` lies inside a replacement.
    pub fn position(&self, at: u32) -> u32 {
        map(at, &self.0, false)
    }
}

impl Composed {
    /// The earlier edits as (current interval, original interval) pairs.
    fn current_to_original(&self) -> Vec<Pair> {
        let mut delta: i64 = 0;
        self.edits
            .iter()
            .map(|c| {
                let span = c.edit.span;
                let start = (span.start as i64 + delta) as u32;
                delta += c.edit.replacement.len() as i64 - span.len() as i64;
                (
                    (start, start + c.edit.replacement.len() as u32),
                    (span.start, span.end),
                )
            })
            .collect()
    }

    /// Where positions of the current text come from in the original, built once for many
    /// lookups.
    pub fn mapping(&self) -> Mapping {
        Mapping(self.current_to_original())
    }

    /// Fold in one pass: `edits` (of the current text, sorted, non-overlapping; each with the
    /// rule that made it) turned the current text into `new_text`.
    pub fn add_pass(&mut self, edits: &[(Edit, &'static str)], new_text: &str) {
        let back = self.current_to_original();
        let mut shift: i64 = 0;
        let forward: Vec<Pair> = edits
            .iter()
            .map(|(e, _)| {
                let start = (e.span.start as i64 + shift) as u32;
                shift += e.replacement.len() as i64 - e.span.len() as i64;
                (
                    (e.span.start, e.span.end),
                    (start, start + e.replacement.len() as u32),
                )
            })
            .collect();
        let mut pieces: Vec<Piece> = Vec::new();
        for (c, &(cur, orig)) in self.edits.iter().zip(&back) {
            pieces.push(Piece {
                cur,
                orig,
                new: (map(cur.0, &forward, false), map(cur.1, &forward, true)),
                rules: c.rules.clone(),
            });
        }
        for ((_, rule), &(cur, new)) in edits.iter().zip(&forward) {
            pieces.push(Piece {
                cur,
                orig: (map(cur.0, &back, false), map(cur.1, &back, true)),
                new,
                rules: vec![rule],
            });
        }
        pieces.sort_by_key(|p| p.cur);
        // Pieces that overlap or touch become one edit of the original.
        let mut merged: Vec<Piece> = Vec::new();
        for p in pieces {
            match merged.last_mut() {
                Some(m) if p.cur.0 <= m.cur.1 => {
                    m.cur.1 = m.cur.1.max(p.cur.1);
                    m.orig = (m.orig.0.min(p.orig.0), m.orig.1.max(p.orig.1));
                    m.new = (m.new.0.min(p.new.0), m.new.1.max(p.new.1));
                    m.rules.extend(p.rules);
                }
                _ => merged.push(p),
            }
        }
        self.edits = merged
            .into_iter()
            .map(|mut m| {
                m.rules.sort_unstable();
                m.rules.dedup();
                ComposedEdit {
                    edit: Edit::replace(
                        Span {
                            start: m.orig.0,
                            end: m.orig.1,
                        },
                        &new_text[m.new.0 as usize..m.new.1 as usize],
                    ),
                    rules: m.rules,
                }
            })
            .collect();
    }

    pub fn edits(&self) -> Vec<Edit> {
        self.edits.iter().map(|c| c.edit.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::edit::apply_edits;

    /// Fold `passes` of edits over `text` and check that the composed edits, applied to the
    /// original, give the final text.
    fn fold(text: &str, passes: &[&[(u32, u32, &str)]]) -> (String, Composed) {
        let mut composed = Composed::default();
        let mut cur = text.to_string();
        for pass in passes {
            let edits: Vec<(Edit, &'static str)> = pass
                .iter()
                .map(|&(s, e, r)| (Edit::replace(Span { start: s, end: e }, r), "T"))
                .collect();
            let plain: Vec<Edit> = edits.iter().map(|(e, _)| e.clone()).collect();
            let next = apply_edits(&cur, &plain);
            composed.add_pass(&edits, &next);
            assert_eq!(apply_edits(text, &composed.edits()), next, "after {pass:?}");
            cur = next;
        }
        (cur, composed)
    }

    #[test]
    fn passes_fold_into_edits_of_the_original() {
        // intent -> goal, then the value quoted: two separate edits.
        let (out, c) = fold(
            "intent: fix it now\n",
            &[&[(0, 6, "goal")], &[(6, 16, "\"fix it now\"")]],
        );
        assert_eq!(out, "goal: \"fix it now\"\n");
        assert_eq!(c.edits.len(), 2);
        // A later edit inside an earlier replacement merges with it.
        let (out, c) = fold("ab cd", &[&[(0, 2, "xyz")], &[(1, 2, "Q")]]);
        assert_eq!(out, "xQz cd");
        assert_eq!(c.edits.len(), 1);
        assert_eq!(c.edits[0].edit.span, Span { start: 0, end: 2 });
        // Deletions, insertions at the same place, growing and shrinking text.
        fold(
            "a  \n\n\n\n\nb  \n",
            &[
                &[(1, 3, ""), (6, 8, ""), (9, 11, "")],
                &[(0, 0, "#"), (1, 2, "\n\n")],
            ],
        );
        fold(
            "0123456789",
            &[&[(2, 2, "ab"), (5, 7, "")], &[(2, 4, ""), (4, 5, "zz")]],
        );
    }

    #[test]
    fn positions_map_back() {
        let (_, c) = fold("intent: x\n", &[&[(0, 6, "goal")]]);
        assert_eq!(c.mapping().position(6), 8);
        assert_eq!(c.mapping().position(2), 0);
    }
}
