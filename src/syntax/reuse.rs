//! One parser per thread, reused across files.
//!
//! Building the chumsky parser (hundreds of boxed combinators and three recursive rules) and
//! dropping it cost 8-15 µs a file, more than parsing a small file. The parser reads nothing
//! of a file but its input and state (`parser::State`), so each thread builds one parser per
//! error type, on first use, and keeps it. Its type still names the lifetimes of what it
//! reads (`'t` for the tokens, `'s` for the text), so the kept parser is the one for
//! `'static`, and `lend` hands it each file's input as `'static` for the duration of one
//! call: the one unsafe function of the parser, with the argument for why it is sound.

use super::ast::Stmt;
use super::diagnostic::Diagnostic;
use super::parser::{file_parser, Error, ParserState, Parsers, State};
use super::span::Span;
use super::token::Token;
use chumsky::extra::SimpleState;
use chumsky::input::{Input, MappedInput};
use chumsky::prelude::{EmptyErr, Parser};

/// The input every kept parser reads: a token slice, split into tokens and spans.
type In = MappedInput<'static, Token<'static>, Span, &'static [(Token<'static>, Span)]>;

thread_local! {
    static FAST: Parsers<'static, 'static, In, EmptyErr> = file_parser();
    static RICH: Parsers<'static, 'static, In, Error<'static, 'static>> = file_parser();
}

/// What a parse gives back. Its only references are the tree's, into the text.
pub struct Outcome<'s> {
    pub stmts: Option<Vec<Stmt<'s>>>,
    /// `Parsers::statements`: for each statement, the position of the token after it and the
    /// number of warnings then.
    pub ends: Vec<(usize, usize)>,
    /// How many errors the parse reported.
    pub error_count: usize,
    /// The errors, for the `Rich` parses (the fast pass's errors say nothing).
    pub errors: Vec<Diagnostic>,
    pub record: ParserState,
}

/// The fast pass (`EmptyErr`) over the whole file.
pub fn fast<'s>(src: &'s str, tokens: &[(Token<'s>, Span)], closers: &[u32]) -> Outcome<'s> {
    lend(src, tokens, closers, |input, state| {
        let result = FAST.with(|p| p.file.parse_with_state(input, state));
        let error_count = result.errors().count();
        Outcome {
            stmts: result.into_output(),
            ends: Vec::new(),
            error_count,
            errors: Vec::new(),
            record: ParserState::default(),
        }
    })
}

/// The error pass (`Rich`) over the whole file.
pub fn whole_file<'s>(src: &'s str, tokens: &[(Token<'s>, Span)], closers: &[u32]) -> Outcome<'s> {
    lend(src, tokens, closers, |input, state| {
        let (stmts, errors) = RICH
            .with(|p| p.file.parse_with_state(input, state))
            .into_output_errors();
        rich_outcome(src, stmts, Vec::new(), &errors)
    })
}

/// The error pass (`Rich`) over the top-level statements that start at `revisit`
/// (`Parsers::statements`).
pub fn statements<'s>(
    src: &'s str,
    tokens: &[(Token<'s>, Span)],
    closers: &[u32],
    revisit: Vec<usize>,
) -> Outcome<'s> {
    lend(src, tokens, closers, |input, state| {
        state.0.revisit = revisit;
        let (out, errors) = RICH
            .with(|p| p.statements.parse_with_state(input, state))
            .into_output_errors();
        let (stmts, ends) = match out {
            Some(out) => {
                let (stmts, ends) = out.into_iter().map(|(s, end, w)| (s, (end, w))).unzip();
                (Some(stmts), ends)
            }
            None => (None, Vec::new()),
        };
        rich_outcome(src, stmts, ends, &errors)
    })
}

/// The outcome of a `Rich` pass: its errors become diagnostics.
fn rich_outcome<'s>(
    src: &str,
    stmts: Option<Vec<Stmt<'s>>>,
    ends: Vec<(usize, usize)>,
    errors: &[Error<'_, '_>],
) -> Outcome<'s> {
    Outcome {
        stmts,
        ends,
        error_count: errors.len(),
        errors: errors
            .iter()
            .map(|e| super::to_diagnostic(e, src))
            .collect(),
        record: ParserState::default(),
    }
}

/// Run `parse` with this file's text, tokens and `closers` lent as `'static`, for the
/// parsers kept by this thread, and give back its `Outcome` (with the state's record).
///
/// Why this is sound: the three references are used only while `parse` runs, and
/// `lend`'s caller keeps what they borrow alive until `lend` returns. Nothing keeps them
/// after: the input and state are made here and dropped here (only the state's record,
/// which borrows nothing, is given back); chumsky's parsers are not changed by parsing
/// (`Parser::go` takes `&self`; the only cell in them, `Recursive`'s, is set when the parser
/// is built), and a parse keeps its memo table and errors in its own `InputOwn`, dropped when
/// `parse_with_state` returns. `parse` must turn errors into `Diagnostic`s itself (`Rich`
/// errors borrow tokens); `Outcome` has no place for anything that borrows but the tree,
/// whose references point into the text: the parser's code is generic over `'t` and `'s`
/// (with `'s: 't`), so it cannot make a `&'s` reference into the tokens or `closers`, which
/// it only borrows for `'t`. Giving the `Outcome<'static>` back as an `Outcome<'s>` (a
/// covariant shortening, no cast) ties the tree to the text again. A panic in `parse`
/// unwinds through here and drops the same locals; the kept parsers stay as they were.
/// The test below parses with texts and tokens freed between files; run under valgrind it
/// reports no use of freed memory (`valgrind --error-exitcode=1` on the `--lib` test binary,
/// `syntax::reuse`).
fn lend<'s>(
    src: &'s str,
    tokens: &[(Token<'s>, Span)],
    closers: &[u32],
    parse: impl FnOnce(In, &mut SimpleState<State<'static, 'static>>) -> Outcome<'static>,
) -> Outcome<'s> {
    // SAFETY: see above: the references only lose their lifetimes, and do not outlive this call.
    let (src, tokens, closers) = unsafe {
        (
            std::mem::transmute::<&'s str, &'static str>(src),
            std::mem::transmute::<&[(Token<'s>, Span)], &'static [(Token<'static>, Span)]>(tokens),
            std::mem::transmute::<&[u32], &'static [u32]>(closers),
        )
    };
    let mut state = SimpleState(State::new(src, tokens, closers));
    let input = tokens.split_token_span(Span::empty(src.len()));
    let mut outcome = parse(input, &mut state);
    outcome.record = std::mem::take(&mut state.0.record);
    outcome
}

#[cfg(test)]
mod tests {
    fn shown(text: &str) -> String {
        let parsed = crate::syntax::parse(text);
        format!("{:?}\n{:?}", parsed.file, parsed.diagnostics)
    }

    /// Files parsed one after another on one thread, each text (and so its tokens) freed
    /// before the next, valid and failing ones mixed: the kept parsers hold nothing of an
    /// earlier file (Miri reports any use of freed memory), and each result is what a
    /// thread's first parse, with parsers built for it, gives.
    #[test]
    fn kept_parsers_hold_nothing_of_earlier_files() {
        let texts = [
            "x = 1\nif x > 0 {\n  log(\"{x}\")\n}\n",
            "y = (2\nz = 3\n",
            "fn f(a) {\n  return a + 1\n}\nprint(f(2)) else\n",
            "goal: \"ship it\"\nwhen x > 1:\n  notify \"{y}\"\n",
        ];
        let fresh: Vec<String> = texts
            .iter()
            .map(|t| {
                let t = t.to_string();
                std::thread::spawn(move || shown(&t)).join().unwrap()
            })
            .collect();
        assert!(fresh[1].contains("unexpected"), "{}", fresh[1]);
        for _ in 0..2 {
            for (text, fresh) in texts.iter().zip(&fresh) {
                // A new allocation each time, freed before the next file.
                let owned = text.to_string();
                assert_eq!(&shown(&owned), fresh);
                drop(owned);
            }
        }
    }
}
