//! Verb frames: the structure of a command line whose verb is known.
//!
//! A generic command is a verb and a bag of parts. For the verbs below the parts have
//! structure: an object, then slots opened by prepositions (`store VALUE in TARGET as NAME`,
//! `run agent NAME with ARGS`, `learn from SOURCE`, `update FIELD in TARGET to VALUE`). The
//! parser reads a command's parts generically; `frame` then turns the prepositions into slot
//! keywords: the `in` of `store $out in memory` is a slot keyword, never a membership test,
//! and no preposition is a variable read. Verbs without a frame keep the generic node.
//!
//! The table is grammar: which words open slots after which verb. What each verb does is
//! in `registry::vocabulary` (a test checks every framed verb is a known verb).

use crate::syntax::ast::{BinOp, Expr, ExprKind, Frame, Leaf, Part, Slot};
use crate::syntax::span::Span;

/// Each framed verb and the words that open its slots. A verb with no slot words takes one
/// object phrase (`narrate "done"`, `verify result == "ok"`).
pub static FRAMES: &[(&str, &[&str])] = &[
    ("adapt", &["to", "for"]),
    ("align", &["with"]),
    ("analyze", &["for", "in", "with", "from"]),
    ("append", &["to"]),
    ("apply", &["to", "if"]),
    ("autonomous", &[]),
    ("backup", &["to"]),
    ("check", &["for", "in"]),
    ("clear", &[]),
    ("collaborate", &["with", "on"]),
    ("connect", &["to", "with"]),
    ("coordinate", &["with"]),
    ("create", &["in", "with", "for"]),
    ("decide", &["between", "on"]),
    ("detect", &["in", "from"]),
    ("develop", &["for"]),
    ("emit", &["with"]),
    ("ensure", &[]),
    ("establish", &["before", "for", "as"]),
    ("evaluate", &["for", "against"]),
    ("evolve", &["to"]),
    ("execute", &["with", "on"]),
    ("expose_command", &[]),
    ("goal", &[]),
    ("implement", &["for", "in"]),
    ("learn", &["from", "about"]),
    ("load", &["from", "into"]),
    ("maintain", &[]),
    ("measure", &["in", "for"]),
    ("memory", &[]),
    ("monitor", &["for", "in"]),
    ("narrate", &[]),
    ("notify", &["about", "of", "via"]),
    ("observe", &["for", "in"]),
    ("optimize", &["for"]),
    ("pattern", &["in"]),
    ("plan", &["for"]),
    ("plugin", &[]),
    ("reason", &["from", "about"]),
    ("recall", &["from", "where", "into", "as", "->", "\u{2192}"]),
    ("refactor", &["for"]),
    ("reflect", &["on", "about"]),
    ("reflective", &[]),
    ("remove", &["from"]),
    ("repair", &[]),
    ("retry", &["if", "with", "after"]),
    ("run", &["with", "for", "on"]),
    ("schedule", &["at", "for", "every"]),
    ("set_goal", &[]),
    ("share", &["with"]),
    ("show", &[]),
    ("simulate", &["for"]),
    ("speak", &["to"]),
    ("status", &[]),
    ("store", &["in", "as", "with"]),
    ("suggest", &["for", "to"]),
    ("summarize", &["into", "for", "from"]),
    ("sync", &["with", "to", "from"]),
    ("tag", &["with", "as"]),
    ("think", &["about", "on"]),
    ("trigger", &["with"]),
    ("update", &["in", "to", "with"]),
    ("use", &["to", "for"]),
    ("validate", &["against", "with"]),
    ("verify", &["against", "with"]),
    ("write", &["to", "at"]),
];

/// The slot keywords of a framed verb.
pub fn keywords(verb: &str) -> Option<&'static [&'static str]> {
    FRAMES
        .binary_search_by(|(v, _)| v.cmp(&verb))
        .ok()
        .map(|i| FRAMES[i].1)
}

/// Gives a command of a framed verb its frame, rewriting the parts where the generic reading
/// took a preposition for an operator (`$out in memory` is `$out`, `in`, `memory`). `src` is
/// the file's text, for the spans of the words taken out of expressions.
pub fn frame<'s>(verb: &str, parts: &mut Vec<Part<'s>>, src: &'s str) -> Option<Frame<'s>> {
    let keywords = keywords(verb)?;
    if keywords.contains(&"in") && parts.iter().any(is_membership) {
        let generic = std::mem::take(parts);
        for part in generic {
            match part {
                Part::Expr { expr } if is_membership_expr(&expr) => flatten_in(expr, src, parts),
                other => parts.push(other),
            }
        }
    }
    let mut slots = vec![Slot {
        keyword: None,
        start: 0,
        end: 0,
    }];
    for (i, part) in parts.iter().enumerate() {
        let i = i as u32;
        match word_of(part) {
            Some((word, span)) if keywords.contains(&word) => {
                slots.push(Slot {
                    keyword: Some(Leaf::new(word, span)),
                    start: i + 1,
                    end: i + 1,
                });
            }
            _ => {
                if let Some(last) = slots.last_mut() {
                    last.end = i + 1;
                }
            }
        }
    }
    Some(Frame { slots })
}

fn is_membership(part: &Part<'_>) -> bool {
    matches!(part, Part::Expr { expr } if is_membership_expr(expr))
}

fn is_membership_expr(expr: &Expr<'_>) -> bool {
    matches!(expr.node, ExprKind::Binary { op: BinOp::In, .. })
}

/// `a in b` (left-nested for `a in b in c`) as the parts `a`, `in`, `b`.
fn flatten_in<'s>(expr: Expr<'s>, src: &'s str, out: &mut Vec<Part<'s>>) {
    match expr.node {
        ExprKind::Binary {
            op: BinOp::In,
            lhs,
            rhs,
        } => {
            let gap = Span {
                start: lhs.span.end,
                end: rhs.span.start,
            };
            flatten_in(*lhs, src, out);
            let text = src.get(gap.range()).unwrap_or("");
            let span = match text.find("in") {
                Some(at) => Span {
                    start: gap.start + at as u32,
                    end: gap.start + at as u32 + 2,
                },
                None => gap,
            };
            out.push(Part::Word { word: "in", span });
            out.push(Part::Expr { expr: *rhs });
        }
        _ => out.push(Part::Expr { expr }),
    }
}

/// A part that is one word: a keyword or operator, or a bare name.
fn word_of<'s>(part: &Part<'s>) -> Option<(&'s str, Span)> {
    match part {
        Part::Word { word, span } => Some((word, *span)),
        Part::Expr {
            expr:
                Expr {
                    node: ExprKind::Name { name },
                    span,
                },
        } => Some((name, *span)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_lookup() {
        for w in FRAMES.windows(2) {
            assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
        }
        assert_eq!(keywords("store"), Some(&["in", "as", "with"][..]));
        assert_eq!(keywords("contribute"), None);
    }
}
