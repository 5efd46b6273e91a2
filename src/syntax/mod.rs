//! Stage `syntax`: the front end. Source text in, a typed, spanned tree out, with every
//! diagnostic; `parse` does it in one call and always yields a tree.
//!
//! Takes in: text (`source` decodes files). Gives out: tokens (`lexer`, then `layout` adds
//! `Newline`/`Indent`/`Dedent` and checks brackets), the AST (`parser` -> `ast`, walked with
//! `visit`; `reuse` keeps one parser per thread), spans and line positions (`span`), and node
//! statistics (`stats`).
//! Depends on: nothing of ours. It also owns the one `Diagnostic` type and rule table
//! (`diagnostic`) that every later stage reports with, because the parser is the first to report
//! and every stage below another must not import from above it.

pub mod ast;
pub mod diagnostic;
pub mod edit;
pub mod frames;
pub mod layout;
pub mod lexer;
pub mod parser;
pub mod position;
pub mod reuse;
pub mod source;
pub mod span;
pub mod stats;
pub mod token;
pub mod visit;

use ast::File;
use chumsky::error::{RichPattern, RichReason};
use diagnostic::{rules, Diagnostic};
use layout::layout_source;
use parser::{decode_rule, Error, ParserState};
use span::{LineIndex, Span};
use token::Token;

pub struct Parsed<'s> {
    /// The text that was parsed: comments are read from it (inline suppressions).
    pub source: &'s str,
    pub file: File<'s>,
    /// The parser's token stream (layout tokens included), for `aether tokens` and tools.
    pub tokens: Vec<(Token<'s>, Span)>,
    pub comments: Vec<Span>,
    pub diagnostics: Vec<Diagnostic>,
    pub lines: LineIndex,
}

impl Parsed<'_> {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

pub fn parse(src: &str) -> Parsed<'_> {
    parse_with(src, Pass::FastFirst)
}

/// Which parser passes to run. `ErrorPassOnly` exists so tests can check that both passes
/// build the same tree, and that re-parsing only the failing statements reports what the
/// error pass over the whole file reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pass {
    /// The cheap error type first; the message-building pass only when it fails, and then
    /// only over the top-level statements that failed.
    FastFirst,
    /// The message-building pass over the whole file.
    ErrorPassOnly,
}

pub fn parse_with(src: &str, pass: Pass) -> Parsed<'_> {
    let lines = LineIndex::new(src);
    // The layout pass takes the raw tokens one at a time as they are lexed: no vector of
    // them is built (on one large file it was the largest allocation alive).
    let out = layout_source(src, &lines);
    let mut diagnostics = out.diagnostics;
    let tokens = out.tokens.as_slice();
    let closers = parser::closers(tokens);
    // Most files are valid: parse with the cheap error type first (CRAFT.md; measured in
    // benches/parse.rs). When that pass reports anything, the error pass builds the messages:
    // for the top-level statements that had errors only, or, if the fast pass could not say
    // which, for the whole file.
    let fast = (pass == Pass::FastFirst).then(|| reuse::fast(src, tokens, &closers));
    let outcome = match fast {
        Some(fast) if fast.error_count == 0 => fast,
        Some(fast) => reparse_failed(src, tokens, &closers, fast)
            .unwrap_or_else(|| reuse::whole_file(src, tokens, &closers)),
        None => reuse::whole_file(src, tokens, &closers),
    };
    let reuse::Outcome {
        stmts,
        mut errors,
        record,
        ..
    } = outcome;
    if !out.truncated {
        diagnostics.append(&mut errors);
    }
    diagnostics.extend(record.warnings);
    diagnostic::normalize(&mut diagnostics);
    drop_cascades(&mut diagnostics, &lines);
    let file = File {
        stmts: stmts.unwrap_or_default(),
        span: Span::new(0, src.len()),
    };
    Parsed {
        source: src,
        file,
        tokens: out.tokens,
        comments: out.comments,
        diagnostics,
        lines,
    }
}

/// The error pass over only the top-level statements in which the fast pass reported errors:
/// they are parsed again with `Rich` errors (`Parsers::statements`, one pass that skips the
/// tokens between them) and replace the fast pass's statements and warnings. This gives what
/// the error pass over the whole file gives, and `tests/robustness.rs` compares the two on
/// the corpus and on mutated files. `None` when the fast pass's record does not account for
/// its errors or a statement ends elsewhere than in the fast pass: the caller then runs the
/// error pass over the whole file.
fn reparse_failed<'s>(
    src: &'s str,
    tokens: &[(Token<'s>, Span)],
    closers: &[u32],
    fast: reuse::Outcome<'s>,
) -> Option<reuse::Outcome<'s>> {
    let fast_record = fast.record;
    let mut stmts = fast.stmts?;
    let items = &fast_record.items;
    // Every error the fast pass reported must have marked its statement (marks made in
    // alternatives that were abandoned later are counted too).
    if fast.error_count > fast_record.reported {
        return None;
    }
    // A mark after the last statement comes from an attempt at one more that failed and was
    // abandoned, and with it anything it reported (the file parsed).
    let failed = &fast_record.failed[..fast_record.failed.partition_point(|&i| i < items.len())];
    if failed.is_empty() || items.len() != stmts.len() {
        return None;
    }
    let again = reuse::statements(
        src,
        tokens,
        closers,
        failed.iter().map(|&i| items[i].start).collect(),
    );
    let rich_record = again.record;
    let again_stmts = again.stmts?;
    if again_stmts.len() != failed.len() {
        return None;
    }
    let mut warnings = Vec::with_capacity(fast_record.warnings.len());
    let mut next = 0; // the first statement whose fast-pass warnings are not copied yet
    let mut rich_warnings = 0; // the same in the error pass's warnings
    for ((&i, stmt), &(end, warnings_end)) in failed.iter().zip(again_stmts).zip(&again.ends) {
        let item = items[i];
        if end != item.end {
            return None;
        }
        stmts[i] = stmt;
        warnings.extend_from_slice(&fast_record.warnings[items[next].warnings..item.warnings]);
        warnings.extend_from_slice(&rich_record.warnings[rich_warnings..warnings_end]);
        next = i + 1;
        rich_warnings = warnings_end;
    }
    if let Some(rest) = items.get(next) {
        warnings.extend_from_slice(&fast_record.warnings[rest.warnings..]);
    }
    let mut record = ParserState::default();
    record.warnings = warnings;
    Some(reuse::Outcome {
        stmts: Some(stmts),
        ends: Vec::new(),
        error_count: again.error_count,
        errors: again.errors,
        record,
    })
}

/// Labels that name a class of thing rather than a word to type.
const GENERIC_LABELS: &[&str] = &[
    "expression",
    "name",
    "statement",
    "string",
    "type",
    "block",
    "indented block",
    "map",
    "text",
    "arguments",
    "parameter list",
    "module path",
    "end of line",
];

/// Keep only the first error of each line: after recovery, a second error on the same line
/// is nearly always a consequence of the first (a dropped `}` leaves an orphan `catch`).
fn drop_cascades(diags: &mut Vec<Diagnostic>, lines: &LineIndex) {
    let mut last_error_line = 0;
    diags.retain(|d| {
        if !d.is_error() {
            return true;
        }
        let line = lines.line(d.span.start as usize);
        let keep = line != last_error_line;
        last_error_line = line;
        keep
    });
}

fn describe_pattern(p: &RichPattern<'_, Token<'_>>) -> Option<String> {
    Some(match p {
        RichPattern::Token(t) => t.describe(),
        RichPattern::Label(l) if GENERIC_LABELS.contains(&l.as_ref()) => l.to_string(),
        // Keyword labels (`kw("in")`) read as code.
        RichPattern::Label(l) => format!("'{l}'"),
        RichPattern::Identifier(i) => format!("'{i}'"),
        RichPattern::Any => "something".into(),
        RichPattern::SomethingElse => return None,
        RichPattern::EndOfInput => "end of file".into(),
        _ => return None,
    })
}

fn to_diagnostic(e: &Error<'_, '_>, src: &str) -> Diagnostic {
    let span = *e.span();
    match e.reason() {
        RichReason::Custom(msg) => match decode_rule(msg) {
            Some((rule, rest)) => {
                let (msg, help) = match rest.split_once('\u{1}') {
                    Some((m, h)) => (m, Some(h)),
                    None => (rest, None),
                };
                let mut d = Diagnostic::new(rule, span, msg);
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                d
            }
            None => Diagnostic::new(&rules::SYNTAX, span, msg.clone()),
        },
        RichReason::ExpectedFound { expected, found } => {
            let found_text = match found {
                Some(t) => match **t {
                    Token::Newline if span.is_empty() || src[span.range()].trim().is_empty() => {
                        "end of line".to_string()
                    }
                    t => t.describe(),
                },
                None => "end of file".to_string(),
            };
            let mut exp: Vec<String> = expected.iter().filter_map(describe_pattern).collect();
            exp.sort();
            exp.dedup();
            let mut msg = format!("unexpected {found_text}");
            if exp.iter().any(|e| e == "statement") {
                // At the start of a line the alternatives are every statement form.
                msg.push_str(", expected a statement");
            } else if !exp.is_empty() && exp.len() <= 6 {
                let list = match exp.len() {
                    1 => exp[0].clone(),
                    n => format!("{} or {}", exp[..n - 1].join(", "), exp[n - 1]),
                };
                msg.push_str(&format!(", expected {list}"));
            }
            Diagnostic::new(&rules::SYNTAX, span, msg)
        }
    }
}

/// Stack size for threads that parse and walk trees: the depth limits of the layout pass
/// keep trees within what this holds (pages are only committed when touched).
pub const STACK_SIZE: usize = 256 << 20;

/// Run `f` on a thread with a `STACK_SIZE` stack.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match std::thread::Builder::new().stack_size(STACK_SIZE).spawn(f) {
        Ok(handle) => match handle.join() {
            Ok(v) => v,
            Err(payload) => std::panic::resume_unwind(payload),
        },
        Err(e) => panic!("cannot start a thread: {e}"),
    }
}
