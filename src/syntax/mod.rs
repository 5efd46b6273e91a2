//! Stage `syntax`: the front end. Source text in, a typed, spanned tree out, with every
//! diagnostic; `parse` does it in one call and always yields a tree.
//!
//! Takes in: text (`source` decodes files). Gives out: tokens (`lexer`, then `layout` adds
//! `Newline`/`Indent`/`Dedent` and checks brackets), the AST (`parser` -> `ast`, walked with
//! `visit`), spans and line positions (`span`), and node statistics (`stats`).
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
pub mod source;
pub mod span;
pub mod stats;
pub mod token;
pub mod visit;

use ast::File;
use chumsky::error::{RichPattern, RichReason};
use chumsky::input::Input;
use chumsky::prelude::{EmptyErr, Parser};
use diagnostic::{rules, Diagnostic};
use layout::layout;
use lexer::lex;
use parser::{decode_rule, file_parser, Error, Warnings};
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
/// build the same tree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pass {
    /// The cheap error type first; the message-building pass only when it fails.
    FastFirst,
    ErrorPassOnly,
}

pub fn parse_with(src: &str, pass: Pass) -> Parsed<'_> {
    let lines = LineIndex::new(src);
    // The raw tokens are dropped once laid out: they are not needed while parsing, and on
    // one large file they were the largest allocation alive at the peak.
    let out = layout(src, &lex(src), &lines);
    let mut diagnostics = out.diagnostics;
    let input = out
        .tokens
        .as_slice()
        .split_token_span(Span::empty(src.len()));
    // Most files are valid: parse with the cheap error type first, and again with `Rich`
    // only when that pass reports anything (CRAFT.md; measured in benches/parse.rs).
    let mut warnings = Warnings::from(parser::ParserState::default());
    let fast = (pass == Pass::FastFirst)
        .then(|| {
            file_parser::<_, EmptyErr>(src, &out.tokens).parse_with_state(input, &mut warnings)
        })
        .filter(|fast| !fast.has_errors());
    let stmts = if let Some(fast) = fast {
        fast.into_output()
    } else {
        warnings.0 = parser::ParserState::default();
        let (stmts, errors) = file_parser::<_, Error>(src, &out.tokens)
            .parse_with_state(input, &mut warnings)
            .into_output_errors();
        if !out.truncated {
            diagnostics.extend(errors.iter().map(|e| to_diagnostic(e, src)));
        }
        stmts
    };
    diagnostics.append(&mut warnings.0.warnings);
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
