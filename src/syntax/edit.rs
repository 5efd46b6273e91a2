//! Fixes as byte-range edits of the source, never reprints (CRAFT.md, after ruff's
//! `ruff_diagnostics` edit and fix types). A diagnostic may carry one `Fix`; the `fix` stage
//! applies them, checks the result and loops to a fixed point.

use crate::syntax::span::Span;
use serde::Serialize;

/// Replace the text at `span` by `replacement` (an empty span inserts, an empty replacement
/// deletes). Spans are byte offsets into the text the diagnostic was made from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }

    pub fn delete(span: Span) -> Self {
        Edit::replace(span, "")
    }
}

/// Whether a fix keeps the file's meaning exactly (safe: applied by default) or may change
/// what it does (unsafe: only with `--unsafe-fixes`). Ordered so that `>=` reads "at least".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Unsafe,
    Safe,
}

/// The edits that resolve one diagnostic, applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, for people: "replace `intent` with `goal`".
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by position, non-overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Safe, edits)
    }

    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort();
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }

    /// The smallest span covering every edit.
    pub fn span(&self) -> Span {
        let first = self.edits.first().map_or(Span::default(), |e| e.span);
        self.edits.iter().fold(first, |acc, e| acc.to(e.span))
    }
}

/// Apply sorted, non-overlapping edits to `text`. Callers guarantee the order (the `fix`
/// stage skips overlapping fixes before calling this).
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        let r = e.span.range();
        out.push_str(&text[at..r.start]);
        out.push_str(&e.replacement);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order() {
        let text = "intent: fix it\n";
        let edits = [
            Edit::replace(Span::new(0, 6), "goal"),
            Edit::replace(Span::new(8, 14), "\"fix it\""),
            Edit::replace(Span::new(15, 15), "# end\n"),
        ];
        assert_eq!(apply_edits(text, &edits), "goal: \"fix it\"\n# end\n");
    }

    #[test]
    fn fix_span_covers_its_edits() {
        let f = Fix::safe(
            "x",
            vec![
                Edit::delete(Span::new(9, 12)),
                Edit::replace(Span::new(2, 3), "y"),
            ],
        );
        assert_eq!(f.span(), Span::new(2, 12));
        assert_eq!(f.edits[0].span, Span::new(2, 3));
    }
}
