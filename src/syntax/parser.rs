//! The chumsky parser: layout tokens -> typed AST, with statement-level recovery.
//!
//! One production per function-like `let` binding below, named as in `grammar/aether.ebnf`.
//! Keywords are contextual: every word is an `Ident` token and each form checks the words it
//! needs, so `goal.done = true`, `for log in logs` and `plugin("a")` all work. Specific forms
//! are tried before the generic fallbacks (entry text, expression statement, command), and a
//! specific keyword form only applies when it consumes the whole line.

use crate::syntax::ast::*;
use crate::syntax::diagnostic::{rules, Diagnostic, Rule};
use crate::syntax::span::Span;
use crate::syntax::token::Token;
use chumsky::input::{InputRef, ValueInput};
use chumsky::label::LabelError;
use chumsky::prelude::{
    choice, custom, end, extra, just, none_of, one_of, recursive, via_parser, EmptyErr, IterParser,
    Parser, Recursive, Rich,
};
use chumsky::{select, Boxed};
use std::borrow::Cow;

pub type Error<'t, 's> = Rich<'t, Token<'s>, Span>;

/// What the parser keeps besides its output.
#[derive(Default)]
pub struct ParserState {
    /// Warnings found while parsing.
    pub warnings: Vec<Diagnostic>,
    /// The token position right after the last lambda with an expression body (see
    /// `file_parser`'s `closed_here`).
    closed: Option<usize>,
    /// The first tokens of the top-level statements `Parsers::statements` parses, in order.
    pub revisit: Vec<usize>,
    /// The fast pass's top-level statements, in order (one per statement of its output).
    pub items: Vec<Item>,
    /// Indexes into `items` of the top-level statements in which the fast pass reported an
    /// error (a recovered statement or an emitted error, possibly in an alternative that was
    /// abandoned later: a statement listed here may still be valid).
    pub failed: Vec<usize>,
    /// How many errors the fast pass reported, counting those of abandoned alternatives
    /// (at least as many as it returns, when every kind of error marks `failed`).
    pub reported: usize,
}

/// One top-level statement of the fast pass: its tokens `start..end` (the terminator it
/// consumed included) and where its warnings start in `ParserState::warnings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub start: usize,
    pub end: usize,
    pub warnings: usize,
}

impl ParserState {
    /// An error was reported: mark the top-level statement being parsed.
    fn mark_error(&mut self) {
        self.reported += 1;
        let item = self.items.len();
        if self.failed.last() != Some(&item) {
            self.failed.push(item);
        }
    }
}

/// The state the parser runs with: the file it reads and what it records.
pub struct State<'t, 's> {
    /// The text the tokens are slices of.
    pub src: &'s str,
    /// The whole token stream (the parser's input is made from it): rules that must know
    /// what follows a bracket group look ahead in it by position without parsing the group.
    pub tokens: &'t [(Token<'s>, Span)],
    /// `closers(tokens)`.
    pub closers: &'t [u32],
    pub record: ParserState,
}

impl<'t, 's> State<'t, 's> {
    pub fn new(src: &'s str, tokens: &'t [(Token<'s>, Span)], closers: &'t [u32]) -> Self {
        State {
            src,
            tokens,
            closers,
            record: ParserState::default(),
        }
    }

    /// The position of the token that closes the bracket at `at`, if it is an opener.
    fn closer(&self, at: usize) -> Option<usize> {
        let close = *self.closers.get(at)?;
        (close != u32::MAX).then_some(close as usize)
    }

    /// For the opening bracket at `at` that starts a block `{ ... }` not followed by `else`,
    /// the position of its `}`.
    fn no_else_after(&self, at: usize) -> Option<usize> {
        let close = self.closer(at)?;
        let ends_block = matches!(self.tokens.get(at), Some((Token::LBrace, _)))
            && matches!(self.tokens.get(close), Some((Token::RBrace, _)));
        let else_follows = matches!(self.tokens.get(close + 1), Some((Token::Ident("else"), _)));
        (ends_block && !else_follows).then_some(close)
    }
}

impl std::ops::Deref for State<'_, '_> {
    type Target = ParserState;
    fn deref(&self) -> &ParserState {
        &self.record
    }
}

impl std::ops::DerefMut for State<'_, '_> {
    fn deref_mut(&mut self) -> &mut ParserState {
        &mut self.record
    }
}

pub type Extra<'t, 's, E> = extra::Full<E, chumsky::extra::SimpleState<State<'t, 's>>, ()>;
type P<'t, 's, I, E, O> = Boxed<'t, 't, I, O, Extra<'t, 's, E>>;

/// The error types the parser runs with: `EmptyErr` for the fast first pass over (mostly
/// valid) files, `Rich` for the second pass that builds messages when the first one failed.
pub trait ParseError<'t, 's: 't, I>:
    chumsky::error::Error<'t, I>
    + LabelError<'t, I, chumsky::DefaultExpected<'t, Token<'s>>>
    + LabelError<'t, I, &'static str>
    + Clone
    + 't
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    /// Whether labels are worth their cost: only errors that are shown need them.
    const LABELS: bool;
    fn custom(span: Span, message: String) -> Self;
}

impl<'t, 's: 't, I> ParseError<'t, 's, I> for Error<'t, 's>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    const LABELS: bool = true;
    fn custom(span: Span, message: String) -> Self {
        Rich::custom(span, message)
    }
}

impl<'t, 's: 't, I> ParseError<'t, 's, I> for EmptyErr
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    const LABELS: bool = false;
    fn custom(_: Span, _: String) -> Self {
        EmptyErr::default()
    }
}

/// Errors raised with a specific rule carry it in their message behind this marker;
/// `decode_rule` takes it back out when the error becomes a `Diagnostic`.
const RULE_MARK: char = '\u{1}';

pub fn encode_rule(rule: &Rule, message: &str) -> String {
    format!("{RULE_MARK}{}{RULE_MARK}{message}", rule.id)
}

pub fn decode_rule(message: &str) -> Option<(&'static Rule, &str)> {
    let rest = message.strip_prefix(RULE_MARK)?;
    let (id, msg) = rest.split_once(RULE_MARK)?;
    crate::syntax::diagnostic::find_rule(id).map(|r| (r, msg))
}

/// Spans from chumsky are already ours; kept as a function for readability at call sites.
fn sp(s: Span) -> Span {
    s
}

/// Whether the parser treats `w` as a keyword where it is not a name: the words of the
/// keyword-led forms, the reserved words and the literals. The language server highlights
/// the words the tree does not name with this (`lsp::semantic`).
pub fn is_keyword(w: &str) -> bool {
    is_statement_keyword(w)
        || reserved_verb(w)
        || matches!(
            w,
            "true" | "false" | "null" | "None" | "True" | "False" | "as" | "is" | "new" | "do"
        )
}

/// First words of the keyword-led statement forms (and of foreign markers).
fn is_statement_keyword(w: &str) -> bool {
    matches!(
        w,
        "def"
            | "class"
            | "export"
            | "import"
            | "const"
            | "then"
            | "fi"
            | "done"
            | "esac"
            | "else"
            | "elif"
            | "catch"
            | "except"
            | "finally"
            | "let"
            | "var"
            | "define"
            | "async"
            | "fn"
            | "function"
            | "plugin"
            | "if"
            | "for"
            | "while"
            | "try"
            | "match"
            | "when"
            | "on"
            | "every"
            | "monitor"
            | "simulate"
            | "remember"
            | "recall"
            | "end"
            | "return"
            | "throw"
            | "raise"
            | "break"
            | "continue"
            | "wait"
            | "use"
            | "log"
            | "think"
            | "await"
    )
}

/// Words that cannot be expression names (they would make expressions ambiguous).
fn reserved_in_expr(w: &str) -> bool {
    matches!(
        w,
        "if" | "else"
            | "elif"
            | "for"
            | "in"
            | "and"
            | "or"
            | "not"
            | "while"
            | "return"
            | "break"
            | "continue"
            | "let"
            | "then"
            | "try"
            | "catch"
            | "finally"
            | "case"
            | "except"
    )
}

/// Words that cannot start a generic command or name a block: a failed `if ...` is an error
/// about the `if`, not a command called `if`.
fn reserved_verb(w: &str) -> bool {
    reserved_in_expr(w)
        || matches!(
            w,
            "var"
                | "const"
                | "fn"
                | "function"
                | "def"
                | "class"
                | "define"
                | "export"
                | "import"
                | "when"
                | "end"
                | "fi"
                | "done"
                | "do"
                | "esac"
                | "match"
                | "throw"
                | "raise"
        )
}

/// Whether `next`, after a one-token operand, can continue the expression: a postfix, an
/// operator or predicate, `?`, Python's `if` or (after a name) a lambda's `=>`.
fn continues_operand(next: Option<Token<'_>>) -> bool {
    next.is_some_and(|t| {
        infix_of(t).is_some()
            || matches!(
                t,
                Token::LParen
                    | Token::Dot
                    | Token::QuestionDot
                    | Token::LBracket
                    | Token::PlusPlus
                    | Token::MinusMinus
                    | Token::Question
                    | Token::FatArrow
                    | Token::Ident("exists" | "empty" | "not" | "is" | "if")
            )
    })
}

/// Words that start an expression form of their own (`keyword_form`).
fn is_expr_keyword(w: &str) -> bool {
    matches!(w, "lambda" | "function" | "fn" | "if" | "call" | "new")
}

/// Whether a line starting `first second` cannot be an expression statement: `first` is a
/// plain name (or a word no expression starts with) that `second` neither continues nor
/// ends (an expression statement ends at an assignment operator or the end of the line).
fn name_cannot_lead_expr_stmt(first: Option<Token<'_>>, second: Option<Token<'_>>) -> bool {
    let plain = match first {
        Some(Token::Ident(w)) => !is_expr_keyword(w) && w != "not",
        Some(Token::NumWord(_)) => true,
        _ => false,
    };
    let Some(next) = second else { return false };
    plain
        && !continues_operand(second)
        && !matches!(
            next,
            Token::Newline
                | Token::Semi
                | Token::RBrace
                | Token::Dedent
                | Token::InterpEnd
                | Token::Eq
                | Token::PlusEq
                | Token::MinusEq
                | Token::StarEq
                | Token::SlashEq
                | Token::PercentEq
        )
}

/// The token `k` places after the parser's position (the fast pass's lookahead).
fn token_ahead<'t, 's: 't, I, E>(
    inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>,
    k: usize,
) -> Option<Token<'s>>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    let at = I::cursor_location(inp.cursor().inner());
    inp.state().tokens.get(at + k).map(|(t, _)| *t)
}

/// The fast pass's ordered choice among the alternatives a lookahead kept: the first that
/// parses, each tried from the same place.
fn first_parse<'t, 's: 't, I, E, O>(
    inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>,
    alternatives: &[&P<'t, 's, I, E, O>],
) -> Result<O, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    let start = inp.cursor();
    for p in alternatives {
        let checkpoint = inp.save();
        match inp.parse(*p) {
            Ok(out) => return Ok(out),
            Err(_) => inp.rewind(checkpoint),
        }
    }
    Err(E::custom(inp.span_since(&start), String::new()))
}

/// "Unexpected `t`" with nothing expected: merges with the alternatives' expectations.
fn unexpected<'t, 's: 't, I, E>(t: Token<'s>, span: Span) -> E
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    <E as LabelError<'t, I, chumsky::DefaultExpected<'t, Token<'s>>>>::expected_found(
        [],
        Some(t.into()),
        span,
    )
}

/// `p.labelled(label)` for the error pass; the bare parser for the fast pass.
fn label<'t, 's: 't, I, E, O>(
    p: impl Parser<'t, I, O, Extra<'t, 's, E>> + 't,
    label: &'static str,
) -> P<'t, 's, I, E, O>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    if E::LABELS {
        p.labelled(label).boxed()
    } else {
        p.boxed()
    }
}

/// `.lab("x")`: `label` in method position.
trait Lab<'t, 's: 't, I, E, O>: Parser<'t, I, O, Extra<'t, 's, E>> + Sized + 't
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    fn lab(self, l: &'static str) -> P<'t, 's, I, E, O> {
        label(self, l)
    }

    /// Remember where this rule failed, so trying it again at the same place costs nothing
    /// (chumsky's `memoized`). Only in the fast pass: a remembered failure is reported at the
    /// place the rule started, not where it failed, which would move the error pass's
    /// messages; that pass relies on the grammar not trying a rule twice in one place.
    fn fast_memo(self) -> P<'t, 's, I, E, O> {
        if E::LABELS {
            self.boxed()
        } else {
            self.memoized().boxed()
        }
    }
}

impl<'t, 's: 't, I, E, O, T> Lab<'t, 's, I, E, O> for T
where
    T: Parser<'t, I, O, Extra<'t, 's, E>> + Sized + 't,
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
}

fn kw<'t, 's: 't, I, E: ParseError<'t, 's, I>>(w: &'static str) -> P<'t, 's, I, E, Span>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    label(select! { Token::Ident(s) = e if s == w => sp(e.span()) }, w)
}

/// Any word, keywords included (declaration names, keys, parameters).
fn word<'t, 's: 't, I, E: ParseError<'t, 's, I>>() -> P<'t, 's, I, E, Name<'s>>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    label(
        select! {
            Token::Ident(s) = e => Name::new(s, sp(e.span())),
            Token::NumWord(s) = e => Name::new(s, sp(e.span())),
        },
        "name",
    )
}

/// A string literal's text with its escapes resolved; the source text itself when it has
/// none (no allocation).
fn cook(text: &str, fstring: bool) -> Cow<'_, str> {
    let escaped = |b: &u8| *b == b'\\' || (fstring && (*b == b'{' || *b == b'}'));
    if !text.as_bytes().iter().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(c @ ('"' | '\'' | '\\' | '{' | '}')) => out.push(c),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '{' if fstring && chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if fstring && chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn str_kind(open: &str) -> StrKind {
    match (
        open.starts_with('f'),
        open.trim_start_matches('f').len() == 3,
    ) {
        (true, true) => StrKind::FTriple,
        (false, true) => StrKind::Triple,
        (true, false) => StrKind::FString,
        (false, false) if open.ends_with('\'') => StrKind::Single,
        _ => StrKind::Double,
    }
}

fn simple_string(lit: &str) -> ExprKind<'_> {
    let prefix = usize::from(lit.starts_with('f'));
    let rest = &lit[prefix..];
    // `"""..."""` and `'''...'''` open and close with three quotes (the lexer makes a
    // triple-quoted token only when both are there).
    let quotes = if rest.len() >= 6 && (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
        3
    } else {
        1
    };
    let open = &lit[..prefix + quotes];
    let body = &lit[prefix + quotes..lit.len() - quotes];
    let kind = str_kind(open);
    let f = matches!(kind, StrKind::FString | StrKind::FTriple);
    ExprKind::Str {
        str_kind: kind,
        parts: if body.is_empty() {
            vec![]
        } else {
            vec![StrPart::Text {
                text: cook(body, f),
            }]
        },
    }
}

fn number(tok: Token<'_>) -> ExprKind<'_> {
    match tok {
        Token::Int(s) => {
            let digits = s.replace('_', "");
            match digits.parse::<i64>() {
                Ok(v) => ExprKind::Int { value: v },
                Err(_) => ExprKind::Float {
                    value: digits.parse().unwrap_or(f64::INFINITY),
                },
            }
        }
        Token::Float(s) => ExprKind::Float {
            value: s.parse().unwrap_or(0.0),
        },
        Token::Hex(s) => ExprKind::Int {
            value: i64::from_str_radix(&s[2..], 16).unwrap_or(i64::MAX),
        },
        Token::Percent(s) => ExprKind::Percent {
            value: s[..s.len() - 1].parse().unwrap_or(0.0),
        },
        Token::Duration(s) => {
            let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
            ExprKind::Duration {
                value: s[..split].parse().unwrap_or(0.0),
                unit: &s[split..],
            }
        }
        _ => ExprKind::Error,
    }
}

fn block_scalar_text(raw: &str) -> String {
    // `raw` starts at the `|`; the text is the lines after it, dedented by their common
    // indentation, without a closing `|` line.
    let mut lines: Vec<&str> = raw.lines().skip(1).collect();
    if lines.last().is_some_and(|l| l.trim() == "|") {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(l.get(indent..).unwrap_or("").trim_end_matches('\r'));
    }
    out
}

fn boxed<'s>(e: Expr<'s>) -> Box<Expr<'s>> {
    Box::new(e)
}

/// The literal text of a string used as a key or module path (interpolations contribute
/// nothing: such keys and paths are not constant).
fn string_text(s: &Expr<'_>) -> String {
    match &s.node {
        ExprKind::Str { parts, .. } => parts
            .iter()
            .map(|p| match p {
                StrPart::Text { text } => text.as_ref(),
                _ => "",
            })
            .collect(),
        _ => String::new(),
    }
}

/// `c ? a : b` and `a if c else b` build the same node.
fn conditional<'s>(cond: Expr<'s>, then: Expr<'s>, otherwise: Expr<'s>, span: Span) -> Expr<'s> {
    Expr::new(
        ExprKind::Conditional {
            cond: boxed(cond),
            then: boxed(then),
            otherwise: boxed(otherwise),
        },
        span,
    )
}

/// Entries inside a mapping body are data: `goal:` there is a key, not a directive.
fn demote_directives<'s>(block: &mut Block<'s>) {
    for stmt in &mut block.stmts {
        if let StmtKind::Directive { kv, .. } = &mut stmt.node {
            let kv = std::mem::replace(
                kv,
                Box::new(KeyValue {
                    key: Spanned::new(Key::Word { name: "" }, Span::default()),
                    value: None,
                    options: vec![],
                    body: None,
                }),
            );
            stmt.node = StmtKind::Entry { kv };
        }
    }
}

/// What follows `key:`: value, trailing options, and the suite under the line.
type EntryRest<'s> = (Option<Value<'s>>, Vec<Pair<'s>>, Option<Block<'s>>);

fn key_value_of<'s>(
    key: Spanned<Key<'s>>,
    (value, options, mut body): EntryRest<'s>,
) -> Box<KeyValue<'s>> {
    if let Some(b) = &mut body {
        demote_directives(b);
    }
    Box::new(KeyValue {
        key,
        value,
        options,
        body,
    })
}

/// Unit words of a schedule period (`every 30 minutes`).
fn is_time_unit(s: &str) -> bool {
    matches!(
        s,
        "ms" | "millisecond"
            | "milliseconds"
            | "s"
            | "sec"
            | "secs"
            | "second"
            | "seconds"
            | "m"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "h"
            | "hr"
            | "hrs"
            | "hour"
            | "hours"
            | "d"
            | "day"
            | "days"
            | "w"
            | "week"
            | "weeks"
    )
}

fn classify_entry<'s>(kv: Box<KeyValue<'s>>) -> StmtKind<'s> {
    let Key::Word { name } = kv.key.node else {
        return StmtKind::Entry { kv };
    };
    match *kv {
        // `meta:` + suite with no value: a v1.1 section.
        KeyValue {
            key,
            value: None,
            options,
            body: Some(body),
        } if options.is_empty() && SectionKind::from_key(name).is_some() => StmtKind::Section {
            section: SectionKind::from_key(name).unwrap_or(SectionKind::Meta),
            key: key.span,
            body,
        },
        // `behavior: name` + suite
        KeyValue {
            value: Some(Value::Expr { expr }),
            body: Some(body),
            ..
        } if name == "behavior" && matches!(expr.node, ExprKind::Name { .. }) => {
            let bname = match expr.node {
                ExprKind::Name { name } => name,
                _ => "",
            };
            StmtKind::Behavior {
                name: Name::new(bname, expr.span),
                body,
            }
        }
        kv => match DirectiveKind::from_key(name) {
            Some(directive) => StmtKind::Directive {
                directive,
                kv: Box::new(kv),
            },
            None => StmtKind::Entry { kv: Box::new(kv) },
        },
    }
}

#[derive(Clone)]
struct Foreign {
    language: &'static str,
    what: String,
    help: &'static str,
}

/// One element of an operator chain, in source order; `fold_chain` builds the tree.
#[derive(Clone)]
enum Chain<'s> {
    Operand(Expr<'s>),
    Prefix(UnOp, u8, Span),
    Infix(BinOp, u8, bool),
    /// `exists`, `not empty`, `is empty`, `is not empty`
    Predicate(&'static str, u8, Span),
}

/// Precedence levels, loosest first (LANGUAGE.md section 1 lists the operators).
const PREC_NOT: u8 = 5;
const PREC_COMPARE: u8 = 6;
const PREC_PREFIX: u8 = 13;

fn infix_of(tok: Token<'_>) -> Option<(BinOp, u8, bool)> {
    let left = |op, prec| Some((op, prec, false));
    match tok {
        Token::Arrow | Token::UnicodeArrow => left(BinOp::Arrow, 1),
        Token::QuestionQuestion => left(BinOp::Coalesce, 2),
        Token::OrOr | Token::Ident("or") => left(BinOp::Or, 3),
        Token::AndAnd | Token::Ident("and") => left(BinOp::And, 4),
        Token::EqEq | Token::JsEq("===") => left(BinOp::Eq, PREC_COMPARE),
        Token::NotEq | Token::JsEq(_) => left(BinOp::NotEq, PREC_COMPARE),
        Token::Lt => left(BinOp::Lt, PREC_COMPARE),
        Token::Gt => left(BinOp::Gt, PREC_COMPARE),
        Token::LtEq => left(BinOp::LtEq, PREC_COMPARE),
        Token::GtEq => left(BinOp::GtEq, PREC_COMPARE),
        Token::Ident("in") => left(BinOp::In, PREC_COMPARE),
        Token::Ident("contains") => left(BinOp::Contains, PREC_COMPARE),
        Token::Pipe => left(BinOp::BitOr, 7),
        Token::Caret => left(BinOp::BitXor, 7),
        Token::Amp => left(BinOp::BitAnd, 7),
        Token::Shl => left(BinOp::Shl, 8),
        Token::Shr => left(BinOp::Shr, 8),
        Token::DotDot => left(BinOp::Range, 9),
        Token::Plus => left(BinOp::Add, 10),
        Token::Minus => left(BinOp::Sub, 10),
        Token::Star => left(BinOp::Mul, 11),
        Token::Slash => left(BinOp::Div, 11),
        Token::Percent_ => left(BinOp::Rem, 11),
        // Above the prefix operators, as in Python: `-a ** 2` is `-(a ** 2)`.
        Token::StarStar => Some((BinOp::Pow, 14, true)),
        _ => None,
    }
}

fn prefix_of(tok: Token<'_>) -> Option<(UnOp, u8)> {
    Some(match tok {
        Token::Ident("not") => (UnOp::Not, PREC_NOT),
        Token::Minus => (UnOp::Neg, PREC_PREFIX),
        Token::Plus => (UnOp::Plus, PREC_PREFIX),
        Token::Bang => (UnOp::Not, PREC_PREFIX),
        Token::Tilde => (UnOp::BitNot, PREC_PREFIX),
        Token::PlusPlus => (UnOp::PreInc, PREC_PREFIX),
        Token::MinusMinus => (UnOp::PreDec, PREC_PREFIX),
        _ => return None,
    })
}

/// Shunting-yard over a flat chain: iterative, so long chains cannot exhaust the stack.
fn fold_chain(chain: Vec<Chain<'_>>) -> Expr<'_> {
    enum Op {
        Prefix(UnOp, u8, Span),
        Infix(BinOp, u8),
    }
    fn prec(op: &Op) -> u8 {
        match op {
            Op::Prefix(_, p, _) | Op::Infix(_, p) => *p,
        }
    }
    fn apply<'s>(op: Op, out: &mut Vec<Expr<'s>>) {
        match op {
            Op::Prefix(op, _, span) => {
                if let Some(x) = out.pop() {
                    let span = span.to(x.span);
                    out.push(Expr::new(
                        ExprKind::Unary {
                            op,
                            expr: Box::new(x),
                        },
                        span,
                    ));
                }
            }
            Op::Infix(op, _) => {
                if let (Some(rhs), Some(lhs)) = (out.pop(), out.pop()) {
                    let span = lhs.span.to(rhs.span);
                    out.push(Expr::new(
                        ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span,
                    ));
                }
            }
        }
    }
    let mut out: Vec<Expr> = Vec::new();
    let mut ops: Vec<Op> = Vec::new();
    for item in chain {
        match item {
            Chain::Operand(x) => out.push(x),
            Chain::Prefix(op, p, span) => ops.push(Op::Prefix(op, p, span)),
            Chain::Infix(op, p, right) => {
                while let Some(top) = ops.last() {
                    let tp = prec(top);
                    if tp > p || (tp == p && !right) {
                        let Some(top) = ops.pop() else { break };
                        apply(top, &mut out);
                    } else {
                        break;
                    }
                }
                ops.push(Op::Infix(op, p));
            }
            Chain::Predicate(predicate, p, span) => {
                while ops.last().is_some_and(|top| prec(top) >= p) {
                    let Some(top) = ops.pop() else { break };
                    apply(top, &mut out);
                }
                if let Some(x) = out.pop() {
                    let span = x.span.to(span);
                    out.push(Expr::new(
                        ExprKind::Predicate {
                            expr: Box::new(x),
                            predicate,
                        },
                        span,
                    ));
                }
            }
        }
    }
    while let Some(top) = ops.pop() {
        apply(top, &mut out);
    }
    out.pop()
        .unwrap_or_else(|| Expr::new(ExprKind::Error, Span::default()))
}

/// Which parser a grammar rule uses before the rule is defined (statements and expressions
/// refer to each other), and how it is defined and kept alive.
struct Late<'t, I, E, O>
where
    I: ValueInput<'t>,
    E: chumsky::extra::ParserExtra<'t, I>,
{
    /// Define the rule through this (`Late::definition.define(...)`).
    definition: Recursive<chumsky::recursive::Indirect<'t, 't, I, O, E>>,
    /// Use the rule through this: it refers to the rule weakly.
    uses: Boxed<'t, 't, I, O, E>,
    /// The only strong reference; the file parser keeps it.
    keep: Boxed<'t, 't, I, O, E>,
}

/// A rule used before it is defined, without a reference cycle.
///
/// `Recursive::declare` alone hands out strong references, so the definition, which uses the
/// rule, owns itself and every parser built was leaked (about 28 KB a file, growing linearly in
/// a bulk run). Here the uses are the weak handle that `recursive` gives its closure; that
/// recursive parser strongly owns the declared definition, and only the file parser owns it.
fn late<'t, 's: 't, I, E: ParseError<'t, 's, I>, O: 't>() -> Late<'t, I, Extra<'t, 's, E>, O>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    let definition =
        Recursive::<chumsky::recursive::Indirect<'t, 't, I, O, Extra<'t, 's, E>>>::declare();
    let mut weak = None;
    let keep = recursive(|handle| {
        weak = Some(handle);
        definition.clone()
    });
    let uses = match weak {
        Some(handle) => handle.boxed(),
        // `recursive` always calls its closure; this arm only satisfies the types.
        None => keep.clone().boxed(),
    };
    Late {
        definition,
        uses,
        keep: keep.boxed(),
    }
}

/// For each token that opens a bracket group (`(`, `[`, `{`, a map's `{`), the position of
/// the token that closes it; `u32::MAX` for other tokens. The layout pass balances the
/// stream, so this is the group's closer (inside string interpolations brackets are counted
/// regardless of kind, as the lexer delimits them).
pub fn closers(tokens: &[(Token<'_>, Span)]) -> Vec<u32> {
    let mut out = vec![u32::MAX; tokens.len()];
    let mut open = Vec::new();
    for (i, (t, _)) in tokens.iter().enumerate() {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace | Token::LMap => open.push(i),
            Token::RParen | Token::RBracket | Token::RBrace => {
                if let Some(o) = open.pop() {
                    out[o] = i as u32;
                }
            }
            _ => {}
        }
    }
    out
}

/// The parsers for a file (`Parsers`).
///
/// `tokens` is the stream the parser reads (`I` is made from it): rules that must know what
/// follows a bracket group look ahead in it by token position without parsing the group.
pub fn file_parser<'t, 's: 't, I, E: ParseError<'t, 's, I>>() -> Parsers<'t, 's, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
{
    let Late {
        definition: mut expr_definition,
        uses: expr,
        keep: expr_keep,
    } = late::<I, E, Expr<'s>>();
    let Late {
        definition: mut stmt_definition,
        uses: stmt,
        keep: stmt_keep,
    } = late::<I, E, Stmt<'s>>();
    // An expression without Python's `a if c else b` (a comprehension's iterable).
    let Late {
        definition: mut ternary_definition,
        uses: ternary_expr,
        keep: ternary_keep,
    } = late::<I, E, Expr<'s>>();

    // ---- layout-level pieces -------------------------------------------------------------
    // The fast pass reads the layout-level pieces below by looking at the next token, in
    // `custom` parsers that accept exactly what the combinators of the error pass accept.
    let line_end: P<'t, 's, I, E, ()> = if E::LABELS {
        choice((
            one_of([
                Token::Newline,
                Token::Semi,
                Token::RBrace,
                Token::Dedent,
                Token::InterpEnd,
            ])
            .ignored()
            .rewind(),
            end(),
        ))
        .boxed()
    } else {
        custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let before = inp.cursor();
            match inp.peek() {
                None
                | Some(
                    Token::Newline | Token::Semi | Token::RBrace | Token::Dedent | Token::InterpEnd,
                ) => Ok(()),
                Some(_) => Err(E::custom(inp.span_since(&before), String::new())),
            }
        })
        .boxed()
    };
    let term: P<'t, 's, I, E, ()> = if E::LABELS {
        choice((
            just(Token::Semi)
                .repeated()
                .at_least(1)
                .then(just(Token::Newline).or_not())
                .ignored(),
            just(Token::Newline).ignored(),
            one_of([Token::RBrace, Token::Dedent]).ignored().rewind(),
            end(),
        ))
        .lab("end of line")
        .boxed()
    } else {
        custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let before = inp.cursor();
            match inp.peek() {
                Some(Token::Semi) => {
                    while inp.peek() == Some(Token::Semi) {
                        inp.skip();
                    }
                    if inp.peek() == Some(Token::Newline) {
                        inp.skip();
                    }
                    Ok(())
                }
                Some(Token::Newline) => {
                    inp.skip();
                    Ok(())
                }
                None | Some(Token::RBrace | Token::Dedent) => Ok(()),
                Some(_) => Err(E::custom(inp.span_since(&before), String::new())),
            }
        })
        .boxed()
    };

    let stmts: P<'t, 's, I, E, Vec<Stmt<'s>>> = if E::LABELS {
        choice((
            one_of([Token::Newline, Token::Semi]).to(None),
            stmt.clone().map(Some),
        ))
        .repeated()
        .collect::<Vec<_>>()
        .map(|v| v.into_iter().flatten().collect())
        .boxed()
    } else {
        // Statements straight into one vector (collecting `Option`s and then flattening them
        // built and copied a second one for every block).
        let stmt = stmt.clone();
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let mut out = Vec::new();
            loop {
                if let Some(Token::Newline | Token::Semi) = inp.peek() {
                    inp.skip();
                    continue;
                }
                let checkpoint = inp.save();
                match inp.parse(&stmt) {
                    Ok(s) => out.push(s),
                    Err(_) => {
                        inp.rewind(checkpoint);
                        break;
                    }
                }
            }
            Ok(out)
        })
        .boxed()
    };

    let brace_block: P<'t, 's, I, E, Block<'s>> = just(Token::LBrace)
        .ignore_then(stmts.clone())
        .then_ignore(just(Token::RBrace))
        .map_with(|stmts, e| Block::new(BlockStyle::Brace, stmts, sp(e.span())))
        .boxed();
    let end_line: P<'t, 's, I, E, Span> = kw("end").then_ignore(term.clone()).boxed();
    let indent_block: P<'t, 's, I, E, Block<'s>> = just(Token::Newline)
        .ignore_then(just(Token::Indent))
        .ignore_then(stmts.clone())
        .then_ignore(just(Token::Dedent))
        .map_with(|stmts, e| Block::new(BlockStyle::Indent, stmts, sp(e.span())))
        .then(end_line.clone().or_not())
        .map(|(mut b, end)| {
            b.end = end;
            b
        })
        .lab("indented block")
        .boxed();
    // The body of a compound statement: `{ }`, `:` or a header line + indented suite, or
    // `: stmt` on the same line.
    let body: P<'t, 's, I, E, Block<'s>> = choice((
        just(Token::Colon).or_not().ignore_then(brace_block.clone()),
        just(Token::Colon)
            .or_not()
            .ignore_then(indent_block.clone()),
        just(Token::Colon)
            .ignore_then(stmt.clone())
            .map_with(|s, e| Block::new(BlockStyle::Inline, vec![s], sp(e.span()))),
    ))
    .lab("block")
    .boxed();
    let after_compound: P<'t, 's, I, E, ()> = term.clone().or_not().ignored().boxed();

    // ---- expressions -----------------------------------------------------------------------
    let name_expr: P<'t, 's, I, E, Name<'s>> = select! {
        Token::Ident(s) = e if !reserved_in_expr(s) => Name::new(s, sp(e.span())),
        Token::NumWord(s) = e => Name::new(s, sp(e.span())),
    }
    .lab("name")
    .boxed();

    let type_expr: P<'t, 's, I, E, TypeExpr<'s>> = recursive(|ty| {
        word()
            .then(
                ty.separated_by(just(Token::Comma))
                    .collect::<Vec<_>>()
                    .delimited_by(just(Token::LBracket), just(Token::RBracket))
                    .or_not(),
            )
            .map_with(|(name, args), e| TypeExpr {
                name,
                args: args.unwrap_or_default(),
                span: sp(e.span()),
            })
    })
    .lab("type")
    .boxed();

    // A parameter is a name or a destructuring pattern: `([event, count]) => ...`,
    // `({ id, name }) => ...`; the pattern's text stands as its name.
    let destructure = choice((
        word()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LBracket), just(Token::RBracket)),
        word()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LMap), just(Token::RBrace)),
    ))
    .map_with(|names, e| {
        let span = sp(e.span());
        (Name::new(&e.state().src[span.range()], span), names)
    });
    let param: P<'t, 's, I, E, Param<'s>> = just(Token::Ellipsis)
        .or_not()
        .then(choice((word().map(|n| (n, Vec::new())), destructure)))
        .then(
            just(Token::Colon)
                .ignore_then(type_expr.clone().map(Box::new))
                .or_not(),
        )
        .then(just(Token::Eq).ignore_then(expr.clone()).or_not())
        .map(|(((rest, (name, pattern)), ty), default)| Param {
            name,
            pattern,
            ty,
            default,
            rest: rest.is_some(),
        })
        .boxed();
    let params: P<'t, 's, I, E, Vec<Param<'s>>> = param
        .clone()
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .lab("parameter list")
        .boxed();

    // `x for x in xs if c` after an element. As in Python, the iterable is not a conditional
    // expression: `xs if c` is the iterable and a condition, and parsing `if c` as the start
    // of `xs if c else ...` first parsed every nested condition twice.
    let comprehension_tail = kw("for")
        .ignore_then(
            word()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then_ignore(kw("in"))
        .then(ternary_expr.clone())
        .then(kw("if").ignore_then(expr.clone()).or_not())
        .boxed();
    let element: P<'t, 's, I, E, Expr<'s>> = expr
        .clone()
        .then(comprehension_tail.clone().or_not())
        .map_with(|(element, tail), e| match tail {
            None => element,
            Some(((vars, iter), cond)) => Expr::new(
                ExprKind::Comprehension(Box::new(Comprehension {
                    element,
                    vars,
                    iter,
                    cond,
                })),
                sp(e.span()),
            ),
        })
        .boxed();

    let arg_spread: P<'t, 's, I, E, Arg<'s>> = just(Token::Ellipsis)
        .ignore_then(expr.clone())
        .map(|value| Arg::Spread { value })
        .boxed();
    let arg_keyword: P<'t, 's, I, E, Arg<'s>> = word()
        .then_ignore(one_of([Token::Eq, Token::Colon]))
        .then(expr.clone())
        .map(|(name, value)| Arg::Keyword { name, value })
        .boxed();
    let arg_positional: P<'t, 's, I, E, Arg<'s>> = element
        .clone()
        .map(|value| Arg::Positional { value })
        .boxed();
    let arg: P<'t, 's, I, E, Arg<'s>> = if E::LABELS {
        choice((arg_spread, arg_keyword, arg_positional)).boxed()
    } else {
        // The fast pass: only the alternatives the next two tokens allow, in the same order.
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            match (token_ahead(inp, 0), token_ahead(inp, 1)) {
                (Some(Token::Ellipsis), _) => inp.parse(&arg_spread),
                (Some(Token::Ident(_) | Token::NumWord(_)), Some(Token::Eq | Token::Colon)) => {
                    first_parse(inp, &[&arg_keyword, &arg_positional])
                }
                _ => inp.parse(&arg_positional),
            }
        })
        .boxed()
    };
    let args: P<'t, 's, I, E, Vec<Arg<'s>>> = arg
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .lab("arguments")
        .boxed();

    let string: P<'t, 's, I, E, Expr<'s>> = {
        let text_part = select! { Token::StrText(t) => t };
        let interp = just(Token::InterpStart)
            .ignore_then(expr.clone())
            .then(select! { Token::InterpSpec(s) => s }.or_not())
            .then_ignore(just(Token::InterpEnd))
            .map(|(expr, spec)| StrPart::Interp { expr, spec });
        let raw = just(Token::InterpStart)
            .ignore_then(none_of([Token::InterpEnd]).repeated())
            .then_ignore(just(Token::InterpEnd))
            .map_with(
                move |_, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t, 's, E>>| {
                    let span = sp(e.span());
                    // A warning, not an error: it goes to the parser state, so it neither fails
                    // the fast pass nor is lost with a backtracked alternative (the string's
                    // parts are the same whichever statement form finally takes it).
                    e.state().warnings.push(
                        Diagnostic::new(
                            &rules::INVALID_INTERPOLATION,
                            span,
                            "this interpolation is not an expression; it is kept as text",
                        )
                        .with_help("use `{{name}}` for a template placeholder"),
                    );
                    StrPart::Raw {
                        text: &e.state().src[span.range()],
                        span,
                    }
                },
            );
        choice((
            select! { Token::Str(s) = e => Expr::new(simple_string(s), sp(e.span())) },
            select! { Token::StrStart(open) => open }
                .then(
                    choice((
                        text_part.map(|t| (Some(t), None)),
                        interp.map(|p| (None, Some(p))),
                        raw.map(|p| (None, Some(p))),
                    ))
                    .repeated()
                    .collect::<Vec<_>>(),
                )
                .then_ignore(just(Token::StrEnd))
                .map_with(|(open, parts), e| {
                    let kind = str_kind(open);
                    let f = matches!(kind, StrKind::FString | StrKind::FTriple);
                    let parts = parts
                        .into_iter()
                        .map(|p| match p {
                            (Some(t), _) => StrPart::Text { text: cook(t, f) },
                            (_, Some(p)) => p,
                            _ => StrPart::Text {
                                text: Cow::Borrowed(""),
                            },
                        })
                        .collect();
                    Expr::new(
                        ExprKind::Str {
                            str_kind: kind,
                            parts,
                        },
                        sp(e.span()),
                    )
                }),
        ))
        .lab("string")
        .boxed()
    };

    // `sys/agents.spawn`: a module path with `/` and `.` separators.
    let path: P<'t, 's, I, E, Leaf<String>> = word()
        .separated_by(one_of([Token::Slash, Token::Dot]))
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(|_, e| {
            let span = sp(e.span());
            Leaf::new(e.state().src[span.range()].to_string(), span)
        })
        .lab("module path")
        .boxed();

    // A lambda with an expression body ends where its body ends, and nothing continues it:
    // every postfix, operator, `?` or `if` that could follow was already tried, and failed,
    // at the end of the body (the body is a whole expression). Trying them again for each
    // enclosing lambda made nested lambdas (`xs.map(x => xs.map(x => ...` with a mistake
    // inside) take exponential time. So the position after such a body is marked
    // (`close_here`) and those continuations are not tried there (`open_here`). A mark left
    // by an abandoned parse changes nothing: the same continuations fail at that position
    // whatever precedes it.
    let close_here: P<'t, 's, I, E, ()> =
        custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let at = I::cursor_location(inp.cursor().inner());
            inp.state().closed = Some(at);
            Ok(())
        })
        .boxed();
    let open_here: P<'t, 's, I, E, ()> =
        custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let before = inp.cursor();
            if inp.state().closed != Some(I::cursor_location(before.inner())) {
                return Ok(());
            }
            let checkpoint = inp.save();
            let found = inp.next();
            let span = inp.span_since(&before);
            inp.rewind(checkpoint);
            Err(<E as LabelError<
                't,
                I,
                chumsky::DefaultExpected<'t, Token<'s>>,
            >>::expected_found(
                [], found.map(Into::into), span
            ))
        })
        .boxed();

    // `x => { ... }`, `x => e` or `x => y = e`: the expression is parsed once, and an
    // assignment operator after it makes it the target (trying `e = e` first and `e` after
    // it parsed every nested lambda body twice, so nesting took exponential time).
    let lambda_body: P<'t, 's, I, E, LambdaBody<'s>> = choice((
        brace_block.clone().map(|block| LambdaBody::Block { block }),
        expr.clone()
            .then(
                select! {
                    Token::Eq => AssignOp::Set, Token::PlusEq => AssignOp::Add,
                    Token::MinusEq => AssignOp::Sub,
                }
                .then(expr.clone())
                .or_not(),
            )
            .map_with(|(target, assign), e| match assign {
                None => LambdaBody::Expr {
                    expr: boxed(target),
                },
                Some((op, value)) => LambdaBody::Expr {
                    expr: boxed(Expr::new(
                        ExprKind::Assign {
                            target: boxed(target),
                            op,
                            value: boxed(value),
                        },
                        sp(e.span()),
                    )),
                },
            })
            .then_ignore(close_here.clone()),
    ))
    .boxed();

    // `if c { ... } else ...` is an expression only with its `else`; without one, the line is
    // an `if` statement (`x = if ok {` ... `}` assigns one). Parsing the block and then
    // finding no `else` parsed every such nested block twice (once here, once as the
    // statement), so whether `else` follows the block's `}` is looked up first. Without it,
    // the fast pass fails here at once; the error pass skips the block's tokens and fails at
    // the missing `else`, where the message has always pointed.
    let block_if_else_follows = {
        custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let before = inp.cursor();
            let at = I::cursor_location(before.inner());
            if inp.state().no_else_after(at).is_none() {
                return Ok(());
            }
            let found = inp.peek();
            let span = inp.span_since(&before);
            Err(<E as LabelError<
                't,
                I,
                chumsky::DefaultExpected<'t, Token<'s>>,
            >>::expected_found(
                [], found.map(Into::into), span
            ))
        })
    };
    let skip_block_without_else = custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
        let before = inp.cursor();
        let at = I::cursor_location(before.inner());
        match inp.state().no_else_after(at) {
            Some(close) if E::LABELS => {
                for _ in at..=close {
                    inp.skip();
                }
                Ok(())
            }
            _ => {
                let found = inp.peek();
                let span = inp.span_since(&before);
                Err(<E as LabelError<
                    't,
                    I,
                    chumsky::DefaultExpected<'t, Token<'s>>,
                >>::expected_found(
                    [], found.map(Into::into), span
                ))
            }
        }
    });
    let then_block: P<'t, 's, I, E, Block<'s>> = choice((
        block_if_else_follows.ignore_then(brace_block.clone()),
        // Never followed by `else`: only the error pass gets here, to fail at the `else`.
        skip_block_without_else
            .map_with(|_, e| Block::new(BlockStyle::Brace, Vec::new(), sp(e.span()))),
    ))
    .boxed();
    let if_expr = recursive(|if_expr| {
        kw("if")
            .ignore_then(expr.clone())
            .then(then_block.clone())
            .then_ignore(kw("else"))
            .then(choice((
                if_expr,
                brace_block
                    .clone()
                    .map_with(|block, e| Expr::new(ExprKind::BlockExpr { block }, sp(e.span()))),
            )))
            .map_with(|((cond, then), otherwise), e| {
                Expr::new(
                    ExprKind::IfExpr {
                        cond: boxed(cond),
                        then,
                        otherwise: boxed(otherwise),
                    },
                    sp(e.span()),
                )
            })
    })
    .boxed();

    let list_spread: P<'t, 's, I, E, Expr<'s>> = just(Token::Ellipsis)
        .ignore_then(expr.clone())
        .map_with(|x, e| {
            Expr::new(
                ExprKind::Unary {
                    op: UnOp::Spread,
                    expr: boxed(x),
                },
                sp(e.span()),
            )
        })
        .boxed();
    let list_pair: P<'t, 's, I, E, Expr<'s>> = choice((
        word().map(|n| Expr::new(ExprKind::Name { name: n.node }, n.span)),
        string.clone(),
    ))
    .then_ignore(just(Token::Colon))
    .then(expr.clone())
    .map_with(|(key, value), e| {
        Expr::new(
            ExprKind::ListPair {
                key: boxed(key),
                value: boxed(value),
            },
            sp(e.span()),
        )
    })
    .boxed();
    let list_item: P<'t, 's, I, E, Expr<'s>> = if E::LABELS {
        choice((list_spread, list_pair, element.clone())).boxed()
    } else {
        let element = element.clone();
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            match (token_ahead(inp, 0), token_ahead(inp, 1)) {
                (Some(Token::Ellipsis), _) => inp.parse(&list_spread),
                (Some(Token::Ident(_) | Token::NumWord(_) | Token::Str(_)), Some(Token::Colon))
                | (Some(Token::StrStart(_)), _) => first_parse(inp, &[&list_pair, &element]),
                _ => inp.parse(&element),
            }
        })
        .boxed()
    };

    let map_key: P<'t, 's, I, E, Expr<'s>> = choice((
        word().map(|n| Expr::new(ExprKind::Name { name: n.node }, n.span)),
        string.clone(),
        select! {
            Token::Int(s) = e => Expr::new(number(Token::Int(s)), sp(e.span())),
            Token::Float(s) = e => Expr::new(number(Token::Float(s)), sp(e.span())),
            Token::DollarIdent(s) = e => Expr::new(ExprKind::Var { name: s }, sp(e.span())),
        },
        expr.clone()
            .delimited_by(just(Token::LBracket), just(Token::RBracket)),
    ))
    .boxed();
    let map_spread: P<'t, 's, I, E, MapEntry<'s>> = just(Token::Ellipsis)
        .ignore_then(expr.clone())
        .map(|value| MapEntry::Spread { value })
        .boxed();
    let map_pair: P<'t, 's, I, E, MapEntry<'s>> = map_key
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .map(|(key, value)| MapEntry::Pair { key, value })
        .boxed();
    let map_shorthand: P<'t, 's, I, E, MapEntry<'s>> = word()
        .then_ignore(one_of([Token::Comma, Token::RBrace]).rewind())
        .map(|name| MapEntry::Shorthand { name })
        .boxed();
    let map_entry: P<'t, 's, I, E, MapEntry<'s>> = if E::LABELS {
        choice((map_spread, map_pair, map_shorthand)).boxed()
    } else {
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let (first, second) = (token_ahead(inp, 0), token_ahead(inp, 1));
            if first == Some(Token::Ellipsis) {
                return inp.parse(&map_spread);
            }
            let pair = matches!(first, Some(Token::StrStart(_) | Token::LBracket))
                || second == Some(Token::Colon)
                    && matches!(
                        first,
                        Some(
                            Token::Ident(_)
                                | Token::NumWord(_)
                                | Token::Int(_)
                                | Token::Float(_)
                                | Token::DollarIdent(_)
                                | Token::Str(_)
                        )
                    );
            let shorthand = matches!(first, Some(Token::Ident(_) | Token::NumWord(_)))
                && matches!(second, Some(Token::Comma | Token::RBrace));
            match (pair, shorthand) {
                (true, true) => first_parse(inp, &[&map_pair, &map_shorthand]),
                (true, false) => inp.parse(&map_pair),
                (false, true) => inp.parse(&map_shorthand),
                (false, false) => first_parse(inp, &[]),
            }
        })
        .boxed()
    };
    let map: P<'t, 's, I, E, Expr<'s>> = choice((
        // `{{name}}`: a template placeholder used as a value.
        just(Token::LMap)
            .ignore_then(just(Token::LMap))
            .ignore_then(word())
            .then_ignore(just(Token::RBrace))
            .then_ignore(just(Token::RBrace))
            .map_with(|n, e| Expr::new(ExprKind::Placeholder { name: n.node }, sp(e.span()))),
        map_entry
            .then_ignore(just(Token::Comma).repeated())
            .repeated()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LMap), just(Token::RBrace))
            .map_with(|entries, e| Expr::new(ExprKind::Map { entries }, sp(e.span()))),
    ))
    .lab("map")
    .boxed();

    // The arguments of `new X(...)` and `call p(...)`: after `(` they must parse (leaving the
    // `(` to a postfix call instead parsed a failing argument list twice per level).
    let args_if_open: P<'t, 's, I, E, Option<Vec<Arg<'s>>>> =
        choice((args.clone().map(Some), just(Token::LParen).not().to(None))).boxed();

    // Words that start an expression form of their own; checked once before trying them.
    let keyword_form: P<'t, 's, I, E, Expr<'s>> = select! {
        Token::Ident(w) if is_expr_keyword(w) => ()
    }
    .rewind()
    .ignore_then(choice((
        kw("lambda")
            .ignore_then(
                word()
                    .map(|name| Param {
                        name,
                        pattern: Vec::new(),
                        ty: None,
                        default: None,
                        rest: false,
                    })
                    .separated_by(just(Token::Comma))
                    .collect::<Vec<_>>(),
            )
            .then_ignore(just(Token::Colon))
            .then(expr.clone().then_ignore(close_here.clone()))
            .map_with(|(params, body), e| {
                Expr::new(
                    ExprKind::Lambda {
                        params,
                        body: LambdaBody::Expr { expr: boxed(body) },
                    },
                    sp(e.span()),
                )
            }),
        choice((kw("function"), kw("fn")))
            .ignore_then(params.clone())
            .then(brace_block.clone())
            .map_with(|(params, body), e| {
                Expr::new(ExprKind::FnExpr { params, body }, sp(e.span()))
            }),
        if_expr,
        kw("call")
            .ignore_then(path.clone())
            .then(args_if_open.clone())
            .map_with(|(path, args), e| {
                Expr::new(
                    ExprKind::CallPath(Box::new(CallPath { path, args })),
                    sp(e.span()),
                )
            }),
        kw("new")
            .ignore_then(name_expr.clone())
            .then(args_if_open.clone())
            .map_with(|(callee, args), e| {
                Expr::new(
                    ExprKind::New {
                        callee: boxed(Expr::new(ExprKind::Name { name: callee.node }, callee.span)),
                        args: args.unwrap_or_default(),
                    },
                    sp(e.span()),
                )
            }),
    )))
    .boxed();

    // `(`: a lambda's parameter list followed by `=>`, else a parenthesised expression or
    // tuple. The parameter list is tried first: it holds only names, patterns, types and
    // defaults, so on anything else (a call, an operator, a nested `(`) it fails within a
    // few tokens and the contents are parsed once, as expressions. (Scanning ahead to the
    // matching `)` instead made every bracket scan its whole contents: quadratic nesting.)
    let paren: P<'t, 's, I, E, Expr<'s>> = choice((
        params
            .clone()
            .then_ignore(just(Token::FatArrow))
            .then(lambda_body.clone())
            .map_with(|(params, body), e| {
                Expr::new(ExprKind::Lambda { params, body }, sp(e.span()))
            }),
        element
            .clone()
            .separated_by(just(Token::Comma))
            .collect::<Vec<_>>()
            .then(just(Token::Comma).or_not())
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map_with(|(mut items, trailing), e| {
                let span = sp(e.span());
                // `(a)` is a parenthesised expression, `(a,)` a one-element tuple.
                if items.len() == 1 && trailing.is_none() {
                    let only = items.remove(0);
                    Expr::new(ExprKind::Paren { expr: boxed(only) }, span)
                } else {
                    Expr::new(ExprKind::Tuple { items }, span)
                }
            }),
    ))
    .boxed();

    let a_literal: P<'t, 's, I, E, Expr<'s>> = select! {
            Token::Int(s) = e => Expr::new(number(Token::Int(s)), sp(e.span())),
            Token::Float(s) = e => Expr::new(number(Token::Float(s)), sp(e.span())),
            Token::Hex(s) = e => Expr::new(number(Token::Hex(s)), sp(e.span())),
            Token::Percent(s) = e => Expr::new(number(Token::Percent(s)), sp(e.span())),
            Token::Duration(s) = e => Expr::new(number(Token::Duration(s)), sp(e.span())),
            Token::Regex(s) = e => Expr::new(ExprKind::Regex { pattern: s }, sp(e.span())),
            Token::DollarIdent(s) = e => Expr::new(ExprKind::Var { name: s }, sp(e.span())),
            Token::Ident("true") = e => Expr::new(ExprKind::Bool { value: true }, sp(e.span())),
            Token::Ident("false") = e => Expr::new(ExprKind::Bool { value: false }, sp(e.span())),
            Token::Ident("null") = e => Expr::new(ExprKind::Null, sp(e.span())),
            Token::Ident("undefined") = e => Expr::new(ExprKind::Null, sp(e.span())),
    }
    .boxed();
    // A name, or a one-parameter lambda `x => e`.
    let a_name: P<'t, 's, I, E, Expr<'s>> = name_expr
        .clone()
        .then(
            just(Token::FatArrow)
                .ignore_then(lambda_body.clone())
                .or_not(),
        )
        .map_with(|(name, lambda), e| match lambda {
            None => Expr::new(ExprKind::Name { name: name.node }, name.span),
            Some(body) => Expr::new(
                ExprKind::Lambda {
                    params: vec![Param {
                        name,
                        pattern: Vec::new(),
                        ty: None,
                        default: None,
                        rest: false,
                    }],
                    body,
                },
                sp(e.span()),
            ),
        })
        .boxed();
    let a_list: P<'t, 's, I, E, Expr<'s>> = list_item
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LBracket), just(Token::RBracket))
        .map_with(|items, e| Expr::new(ExprKind::List { items }, sp(e.span())))
        .boxed();
    let a_error: P<'t, 's, I, E, Expr<'s>> = select! {
        Token::Error = e => e.span(),
        Token::Control = e => e.span(),
        Token::Unterminated(_) = e => e.span(),
    }
    .validate(
        |span, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t, 's, E>>, emitter| {
            let text = &e.state().src[sp(span).range()];
            let (rule, msg) = if text.starts_with(['"', '\'', 'f']) && !text.is_empty() {
                (
                    &rules::UNTERMINATED_STRING,
                    "unterminated string literal".to_string(),
                )
            } else {
                (
                    &rules::INVALID_CHARACTER,
                    format!("invalid character '{}'", text.escape_debug()),
                )
            };
            e.state().mark_error();
            emitter.emit(E::custom(span, encode_rule(rule, &msg)));
            Expr::new(ExprKind::Error, sp(e.span()))
        },
    )
    .boxed();
    // One-token operands, for the fast pass's shortcut in `expr` below.
    let lone = (a_literal.clone(), string.clone(), a_name.clone());
    let atom: P<'t, 's, I, E, Expr<'s>> = if E::LABELS {
        choice((
            a_literal,
            string.clone(),
            keyword_form,
            a_name,
            paren,
            a_list,
            map,
            a_error,
        ))
        .lab("expression")
    } else {
        // The fast pass: the alternatives above that can start with the next token, in the
        // same order (only a word of `keyword_form` starts two of them).
        let string = string.clone();
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let start = inp.cursor();
            let (first, second) = match inp.peek() {
                Some(
                    Token::Int(_)
                    | Token::Float(_)
                    | Token::Hex(_)
                    | Token::Percent(_)
                    | Token::Duration(_)
                    | Token::Regex(_)
                    | Token::DollarIdent(_)
                    | Token::Ident("true" | "false" | "null" | "undefined"),
                ) => (&a_literal, None),
                Some(Token::Str(_) | Token::StrStart(_)) => (&string, None),
                Some(Token::Ident("lambda" | "function" | "fn" | "if" | "call" | "new")) => {
                    (&keyword_form, Some(&a_name))
                }
                Some(Token::Ident(_) | Token::NumWord(_)) => (&a_name, None),
                Some(Token::LParen) => (&paren, None),
                Some(Token::LBracket) => (&a_list, None),
                Some(Token::LMap) => (&map, None),
                Some(Token::Error | Token::Control | Token::Unterminated(_)) => (&a_error, None),
                _ => return Err(E::custom(inp.span_since(&start), String::new())),
            };
            let Some(second) = second else {
                return inp.parse(first);
            };
            let checkpoint = inp.save();
            match inp.parse(first) {
                Ok(x) => Ok(x),
                Err(_) => {
                    inp.rewind(checkpoint);
                    inp.parse(second)
                }
            }
        })
        .boxed()
    };

    #[derive(Clone)]
    enum Post<'s> {
        Call(Vec<Arg<'s>>),
        Member(Name<'s>, bool),
        Index(Expr<'s>),
        Slice(Option<Expr<'s>>, Option<Expr<'s>>),
        Inc,
        Dec,
    }
    let postfix_op: P<'t, 's, I, E, Post<'s>> = choice((
        args.clone().map(Post::Call),
        just(Token::Dot)
            .ignore_then(choice((
                word(),
                select! { Token::Int(s) = e => Name::new(s, sp(e.span())) },
            )))
            .map(|n| Post::Member(n, false)),
        just(Token::QuestionDot)
            .ignore_then(word())
            .map(|n| Post::Member(n, true)),
        // `[i]`, `[a:b]`, `[:b]`, `[a:]`: the first expression is parsed once, and a `:`
        // after it makes a slice.
        choice((
            just(Token::Colon)
                .ignore_then(expr.clone().or_not())
                .map(|end| Post::Slice(None, end)),
            expr.clone()
                .then(
                    just(Token::Colon)
                        .ignore_then(expr.clone().or_not())
                        .or_not(),
                )
                .map(|(start, slice)| match slice {
                    None => Post::Index(start),
                    Some(end) => Post::Slice(Some(start), end),
                }),
        ))
        .delimited_by(just(Token::LBracket), just(Token::RBracket)),
        just(Token::PlusPlus).to(Post::Inc),
        just(Token::MinusMinus).to(Post::Dec),
    ))
    .boxed();
    // One token of lookahead before trying the postfix forms: most operands have none.
    let postfix_op = open_here
        .clone()
        .ignore_then(one_of([
            Token::LParen,
            Token::Dot,
            Token::QuestionDot,
            Token::LBracket,
            Token::PlusPlus,
            Token::MinusMinus,
        ]))
        .rewind()
        .ignore_then(postfix_op);
    let postfixed: P<'t, 's, I, E, Expr<'s>> = atom
        .foldl_with(postfix_op.repeated(), |object, op, e| {
            let span = sp(e.span());
            let node = match op {
                Post::Call(args) => ExprKind::Call {
                    callee: boxed(object),
                    args,
                },
                Post::Member(name, optional) => ExprKind::Member {
                    object: boxed(object),
                    name,
                    optional,
                },
                Post::Index(index) => ExprKind::Index {
                    object: boxed(object),
                    index: boxed(index),
                },
                Post::Slice(start, end) => ExprKind::Slice {
                    object: boxed(object),
                    start: start.map(boxed),
                    end: end.map(boxed),
                },
                Post::Inc => ExprKind::Postfix {
                    op: PostOp::Inc,
                    expr: boxed(object),
                },
                Post::Dec => ExprKind::Postfix {
                    op: PostOp::Dec,
                    expr: boxed(object),
                },
            };
            Expr::new(node, span)
        })
        .boxed();

    // Operators: the chain `prefix* operand (infix prefix* operand | predicate)*` is read
    // flat, one token of lookahead per operator, and folded by precedence in `fold_chain`.
    let prefix_op = select! { t = e => (t, e.span()) }.try_map(|(t, span), _| {
        prefix_of(t)
            .map(|(op, p)| Chain::Prefix(op, p, sp(span)))
            .ok_or_else(|| unexpected::<I, E>(t, span))
    });
    let predicate_op = select! { Token::Ident("exists" | "empty" | "not" | "is") => () }
        .rewind()
        .ignore_then(choice((
            kw("exists").to("exists"),
            kw("empty").to("empty"),
            kw("not").then(kw("empty")).to("not empty"),
            kw("is").then(kw("empty")).to("empty"),
            kw("is").then(kw("not")).then(kw("empty")).to("not empty"),
        )))
        .map_with(|p, e| Chain::Predicate(p, PREC_COMPARE, sp(e.span())));
    let infix_op = choice((
        select! { t = e => (t, e.span()) }
            .try_map(|(t, span), _| {
                infix_of(t)
                    .map(|op| (t, op))
                    .ok_or_else(|| unexpected::<I, E>(t, span))
            })
            .validate(
                |(t, op),
                 e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t, 's, E>>,
                 emitter| {
                    if let Token::JsEq(js) = t {
                        let aether = if js == "===" { "==" } else { "!=" };
                        e.state().mark_error();
                        emitter.emit(E::custom(
                            e.span(),
                            encode_rule(
                                &rules::FOREIGN_SYNTAX,
                                &format!("'{js}' is JavaScript, not Aether"),
                            ) + "\u{1}Aether compares with `"
                                + aether
                                + "`",
                        ));
                    }
                    op
                },
            ),
        kw("not")
            .then(kw("in"))
            .to((BinOp::NotIn, PREC_COMPARE, false)),
    ))
    .map(|(op, p, right)| Chain::Infix(op, p, right));
    let unit = prefix_op
        .repeated()
        .collect::<Vec<_>>()
        .then(postfixed.clone())
        .boxed();
    let link = choice((
        predicate_op.map(|p| (p, None)),
        infix_op
            .then(unit.clone())
            .map(|(op, rest)| (op, Some(rest))),
    ));
    // The fast pass looks at the next token once: most operands are followed by no operator.
    let link: P<'t, 's, I, E, _> = if E::LABELS {
        link.boxed()
    } else {
        select! {
            t if infix_of(t).is_some()
                || matches!(t, Token::Ident("exists" | "empty" | "not" | "is")) => ()
        }
        .rewind()
        .ignore_then(link)
        .boxed()
    };
    let operators: P<'t, 's, I, E, Expr<'s>> = unit
        .clone()
        .then(
            open_here
                .clone()
                .ignore_then(link)
                .repeated()
                .collect::<Vec<_>>(),
        )
        .map(|((prefixes, first), tail)| {
            // Most operands stand alone: no chain to build.
            if prefixes.is_empty() && tail.is_empty() {
                return first;
            }
            let mut chain = prefixes;
            chain.push(Chain::Operand(first));
            for (op, rest) in tail {
                chain.push(op);
                if let Some((prefixes, x)) = rest {
                    chain.extend(prefixes);
                    chain.push(Chain::Operand(x));
                }
            }
            fold_chain(chain)
        })
        .boxed();

    // `c ? a : b`, then Python's `a if c else b` (lowest precedence).
    let ternary: P<'t, 's, I, E, Expr<'s>> = operators
        .clone()
        .then(
            // The memo runs only where a `?` follows: it costs a hash lookup.
            just(Token::Question)
                .rewind()
                .ignore_then(
                    open_here
                        .clone()
                        .ignore_then(just(Token::Question))
                        .ignore_then(expr.clone())
                        .then_ignore(just(Token::Colon))
                        .then(expr.clone())
                        .fast_memo(),
                )
                .or_not(),
        )
        .map_with(|(cond, rest), e| match rest {
            None => cond,
            Some((then, otherwise)) => conditional(cond, then, otherwise, sp(e.span())),
        })
        .boxed();
    ternary_definition.define(ternary.clone().lab("expression"));
    let full_expr = ternary
        .clone()
        .then(
            select! { Token::Ident("if") => () }
                .rewind()
                .ignore_then(
                    open_here
                        .clone()
                        .ignore_then(kw("if"))
                        .ignore_then(ternary.clone())
                        .then_ignore(kw("else"))
                        .then(expr.clone())
                        .fast_memo(),
                )
                .or_not(),
        )
        .map_with(|(then, rest), e| match rest {
            None => then,
            Some((cond, otherwise)) => conditional(cond, then, otherwise, sp(e.span())),
        })
        .lab("expression");
    if E::LABELS {
        expr_definition.define(full_expr);
    } else {
        // The fast pass: a literal, simple string or name that nothing continues is the whole
        // expression (every prefix, postfix and operator layer above would only look at the
        // next token and fail), so it is parsed as that operand alone.
        let (literal, string, name) = lone;
        expr_definition.define(
            custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
                if !continues_operand(token_ahead(inp, 1)) {
                    let lone = match token_ahead(inp, 0) {
                        Some(
                            Token::Int(_)
                            | Token::Float(_)
                            | Token::Hex(_)
                            | Token::Percent(_)
                            | Token::Duration(_)
                            | Token::Regex(_)
                            | Token::DollarIdent(_)
                            | Token::Ident("true" | "false" | "null" | "undefined"),
                        ) => Some(&literal),
                        Some(Token::Str(_)) => Some(&string),
                        Some(Token::Ident(w)) if !reserved_in_expr(w) && !is_expr_keyword(w) => {
                            Some(&name)
                        }
                        Some(Token::NumWord(_)) => Some(&name),
                        _ => None,
                    };
                    if let Some(p) = lone {
                        return inp.parse(p);
                    }
                }
                inp.parse(&full_expr)
            })
            .boxed(),
        );
    }

    // ---- phrases, values and entries ------------------------------------------------------
    // One token or a balanced bracket group; phrases are sequences of these.
    let token_tree = recursive(|tt| {
        let group = |open: Token<'s>, close: Token<'s>| {
            just(open)
                .then(tt.clone().repeated())
                .then(just(close))
                .ignored()
        };
        choice((
            group(Token::LParen, Token::RParen),
            group(Token::LBracket, Token::RBracket),
            group(Token::LBrace, Token::RBrace),
            group(Token::LMap, Token::RBrace),
            group(Token::Indent, Token::Dedent),
            none_of([
                Token::LParen,
                Token::RParen,
                Token::LBracket,
                Token::RBracket,
                Token::LBrace,
                Token::LMap,
                Token::RBrace,
                Token::Indent,
                Token::Dedent,
            ])
            .ignored(),
        ))
    })
    .boxed();
    // ---- commands ---------------------------------------------------------------------------
    let pair_value: P<'t, 's, I, E, Value<'s>> =
        expr.clone().map(|expr| Value::Expr { expr }).boxed();
    // Operators and punctuation kept as words of a phrase; trigger heads leave out `:`, the
    // start of their body (`every 5m: tick()`).
    let command_part = |with_colon: bool| -> P<'t, 's, I, E, Part<'s>> {
        let puncts: &'static [Token<'static>] = &[
            Token::Comma,
            Token::Colon,
            Token::Arrow,
            Token::UnicodeArrow,
            Token::FatArrow,
            Token::Gt,
            Token::Lt,
            Token::GtEq,
            Token::LtEq,
            Token::EqEq,
            Token::NotEq,
            Token::Plus,
            Token::Minus,
            Token::Star,
            Token::Slash,
            Token::Eq,
            Token::Question,
            Token::Bang,
            Token::Dot,
            Token::DotDot,
            Token::Pipe,
            Token::Amp,
            Token::At,
            Token::Percent_,
        ];
        choice((
            word()
                .then_ignore(one_of([Token::Eq, Token::Colon]))
                .then(pair_value.clone())
                .map(|(key, value)| Part::Pair {
                    pair: Pair { key, value },
                }),
            expr.clone().map(|expr| Part::Expr { expr }),
            select! {
                Token::Ident(w) = e => Part::Word { word: w, span: sp(e.span()) },
            },
            select! { t = e if puncts.contains(&t) && (with_colon || t != Token::Colon) => e.span() }
                .map_with(
                    |span: Span, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t, 's, E>>| Part::Word {
                    word: &e.state().src[span.range()],
                    span,
                },
                ),
        ))
        .boxed()
    };
    let part = command_part(true);
    let head_part = command_part(false);
    // `every 30 minutes`, `every 24h`, `daily at "06:00"`, `weekly on "Friday"`: a schedule
    // phrase as a value. Only a whole value is one (`value_with_options` falls back).
    let schedule_value: P<'t, 's, I, E, Value<'s>> = {
        let period = select! {
            Token::Int(s) = e => Expr::new(number(Token::Int(s)), sp(e.span())),
            Token::Float(s) = e => Expr::new(number(Token::Float(s)), sp(e.span())),
            Token::Duration(s) = e => Expr::new(number(Token::Duration(s)), sp(e.span())),
        };
        let unit = select! {
            Token::Ident(s) = e if is_time_unit(s) => Name::new(s, sp(e.span())),
        };
        let cadence = select! {
            Token::Ident(s) = e if matches!(s, "hourly" | "daily" | "nightly" | "weekly" | "monthly") =>
                Name::new(s, sp(e.span())),
        };
        choice((
            just(Token::Ident("every"))
                .ignore_then(period)
                .then(unit.or_not())
                .map(|(every, unit)| (Some(Box::new(every)), unit, None)),
            cadence.map(|c| (None, None, Some(c))),
        ))
        .then(just(Token::Ident("at")).ignore_then(expr.clone()).or_not())
        .then(just(Token::Ident("on")).ignore_then(expr.clone()).or_not())
        .map_with(|(((every, unit, cadence), at), on), e| Value::Schedule {
            schedule: Box::new(Schedule {
                every,
                unit,
                cadence,
                at: at.map(Box::new),
                on: on.map(Box::new),
            }),
            span: sp(e.span()),
        })
        .boxed()
    };
    let option_start = word().then(just(Token::Colon)).ignored().boxed();
    let phrase_token = none_of([
        Token::Control,
        Token::Newline,
        Token::Semi,
        Token::Indent,
        Token::Dedent,
        Token::RBrace,
        Token::RParen,
        Token::RBracket,
    ])
    .rewind()
    .ignore_then(token_tree.clone())
    .boxed();
    let text = |src: &'s str, span: Span| {
        let span = sp(span);
        Value::Text {
            text: &src[span.range()],
            span,
        }
    };
    // Free text up to the end of the line or the first `key:` option.
    let phrase: P<'t, 's, I, E, Value<'s>> = phrase_token
        .clone()
        .and_is(option_start.clone().not())
        .repeated()
        .at_least(1)
        .map_with(move |_, e| text(e.state().src, e.span()))
        .lab("text")
        .boxed();
    let option_value: P<'t, 's, I, E, Value<'s>> = choice((
        expr.clone()
            .then_ignore(choice((line_end.clone(), option_start.clone().rewind())))
            .map(|expr| Value::Expr { expr }),
        phrase.clone(),
    ))
    .boxed();
    let options: P<'t, 's, I, E, Vec<Pair<'s>>> = word()
        .then_ignore(just(Token::Colon))
        .then(option_value.clone())
        .map(|(key, value)| Pair { key, value })
        .repeated()
        .collect::<Vec<_>>()
        .boxed();
    let block_scalar: P<'t, 's, I, E, Value<'s>> = select! {
        Token::BlockScalar(s) = e => Value::BlockScalar { text: block_scalar_text(s), span: sp(e.span()) }
    }
    .boxed();
    let value_with_options: P<'t, 's, I, E, (Value<'s>, Vec<Pair<'s>>)> = choice((
        block_scalar.clone().map(|v| (v, vec![])),
        schedule_value
            .clone()
            .then(options.clone())
            .then_ignore(line_end.clone()),
        expr.clone()
            .map(|expr| Value::Expr { expr })
            .then(options.clone())
            .then_ignore(line_end.clone()),
        phrase
            .clone()
            .then(options.clone())
            .then_ignore(line_end.clone()),
    ))
    .boxed();

    let key: P<'t, 's, I, E, Spanned<Key<'s>>> = choice((
        select! {
            Token::Ident(s) = e => Spanned::new(Key::Word { name: s }, sp(e.span())),
            Token::NumWord(s) = e => Spanned::new(Key::Word { name: s }, sp(e.span())),
            Token::DollarIdent(s) = e => Spanned::new(Key::Word { name: s }, sp(e.span())),
            Token::Int(s) = e => Spanned::new(Key::Word { name: s }, sp(e.span())),
        },
        string.clone().map(|s| {
            Spanned::new(
                Key::Str {
                    value: string_text(&s),
                },
                s.span,
            )
        }),
    ))
    .boxed();

    // After `key:` on the same line: a value (with trailing options, maybe a suite under it),
    // or nothing at all.
    let entry_tail: P<'t, 's, I, E, EntryRest<'s>> = choice((
        value_with_options
            .clone()
            .then(choice((
                indent_block.clone().map(Some),
                term.clone().to(None),
            )))
            .map(|((v, o), b)| (Some(v), o, b)),
        term.clone().to((None, vec![], None)),
    ))
    .boxed();

    // `- item` lines: an entry, an expression, or free text.
    let list_item_stmt: P<'t, 's, I, E, Stmt<'s>> = {
        let entry_line = key
            .clone()
            .then_ignore(just(Token::Colon))
            .then(choice((
                // `- key:` then `- b` at the same column: siblings, not a nested list.
                indent_block.clone().map(|b| (None, vec![], Some(b))),
                entry_tail.clone(),
            )))
            .map_with(|(key, rest), e| {
                Stmt::new(
                    StmtKind::Entry {
                        kv: key_value_of(key, rest),
                    },
                    sp(e.span()),
                )
            });
        let expr_line = expr
            .clone()
            .then_ignore(line_end.clone())
            .then(choice((
                indent_block.clone().map(Some),
                term.clone().to(None),
            )))
            .map_with(|(expr, body), e| Stmt::new(StmtKind::Expr { expr, body }, sp(e.span())));
        let text_line = phrase
            .clone()
            .then(choice((
                indent_block.clone().map(Some),
                term.clone().to(None),
            )))
            .map_with(|(v, body), e| {
                let text = match v {
                    Value::Text { text, .. } => text,
                    _ => "",
                };
                Stmt::new(StmtKind::Phrase { text, body }, sp(e.span()))
            });
        just(Token::Minus)
            .ignore_then(choice((entry_line, expr_line, text_line)))
            .map_with(|item, e| {
                Stmt::new(
                    StmtKind::ListItem {
                        item: Box::new(item),
                    },
                    sp(e.span()),
                )
            })
    }
    .boxed();

    // `key: value`, `key:` + suite, `key:` + list: entries, directives, sections.
    let key_value: P<'t, 's, I, E, Stmt<'s>> = key
        .clone()
        .then_ignore(just(Token::Colon))
        .then(choice((
            indent_block.clone().map(|b| (None, vec![], Some(b))),
            just(Token::Newline)
                .ignore_then(
                    list_item_stmt
                        .clone()
                        .repeated()
                        .at_least(1)
                        .collect::<Vec<_>>(),
                )
                .map_with(|stmts, e| {
                    (
                        None,
                        vec![],
                        Some(Block::new(BlockStyle::List, stmts, sp(e.span()))),
                    )
                }),
            entry_tail,
        )))
        .map_with(|(key, rest), e| Stmt::new(classify_entry(key_value_of(key, rest)), sp(e.span())))
        .boxed();

    let verb: P<'t, 's, I, E, Name<'s>> = select! {
        Token::Ident(s) = e if !reserved_verb(s) => Name::new(s, sp(e.span())),
    }
    .lab("statement")
    .boxed();
    let command: P<'t, 's, I, E, Stmt<'s>> = verb
        .clone()
        .then(part.clone().repeated().collect::<Vec<_>>())
        .then(choice((
            brace_block
                .clone()
                .then_ignore(after_compound.clone())
                .map(Some),
            indent_block.clone().map(Some),
            term.clone().to(None),
        )))
        .map_with(move |((verb, mut parts), body), e| {
            let frame = crate::syntax::frames::frame(verb.node, &mut parts, e.state().src);
            Stmt::new(
                StmtKind::Command {
                    command: Command {
                        verb,
                        parts,
                        frame,
                        body,
                    },
                },
                sp(e.span()),
            )
        })
        .boxed();

    // ---- statements ---------------------------------------------------------------------------
    let assign_op: P<'t, 's, I, E, AssignOp> = select! {
        Token::Eq => AssignOp::Set, Token::PlusEq => AssignOp::Add, Token::MinusEq => AssignOp::Sub,
        Token::StarEq => AssignOp::Mul, Token::SlashEq => AssignOp::Div, Token::PercentEq => AssignOp::Rem,
    }
    .boxed();
    let assign_value: P<'t, 's, I, E, AssignValue<'s>> = choice((
        expr.clone()
            .then_ignore(term.clone())
            .map(|expr| AssignValue::Expr { expr }),
        stmt.clone()
            .map(|s| AssignValue::Stmt { stmt: Box::new(s) }),
    ))
    .boxed();

    let let_stmt = choice((kw("let").to(LetKind::Let), kw("var").to(LetKind::Var)))
        .then(word())
        .then(
            just(Token::Colon)
                .ignore_then(type_expr.clone().map(Box::new))
                .or_not(),
        )
        .then(choice((
            just(Token::Eq).ignore_then(assign_value.clone()).map(Some),
            term.clone().to(None),
        )))
        .map(|(((let_kind, name), ty), value)| StmtKind::Let {
            let_kind,
            name,
            ty,
            value,
        });
    let define_as = kw("define")
        .ignore_then(word())
        .then_ignore(kw("as"))
        .then(assign_value.clone())
        .map(|(name, value)| StmtKind::Let {
            let_kind: LetKind::DefineAs,
            name,
            ty: None,
            value: Some(value),
        });
    let fn_decl = kw("export")
        .or_not()
        .then_ignore(kw("async").or_not())
        .then(choice((
            kw("fn").to(FnSpelling::Fn),
            kw("function").to(FnSpelling::Function),
            kw("define").to(FnSpelling::Define),
        )))
        .then(word())
        .then(params.clone())
        .then_ignore(
            choice((just(Token::Arrow), just(Token::Colon)))
                .then(type_expr.clone())
                .then(one_of([Token::LBrace, Token::Colon]).rewind())
                .or_not(),
        )
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(
            |((((export, spelling), name), params), body)| StmtKind::Function {
                spelling,
                export: export.is_some(),
                name,
                params,
                body,
            },
        );
    let export_bare = kw("export")
        .ignore_then(word())
        .then(params.clone())
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(|((name, params), body)| StmtKind::Function {
            spelling: FnSpelling::Bare,
            export: true,
            name,
            params,
            body,
        });
    let plugin_decl = kw("plugin")
        .ignore_then(key.clone())
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(|(name, mut body)| {
            if body.style != BlockStyle::Brace {
                demote_directives(&mut body);
            }
            StmtKind::Plugin { name, body }
        });
    let elif = choice((kw("elif").ignored(), kw("else").then(kw("if")).ignored()))
        .ignore_then(expr.clone())
        .then(body.clone())
        .map(|(cond, body)| IfBranch { cond, body });
    // `if c` + body (an if statement) or `if c` alone on its line (a guard): the condition is
    // parsed once and what follows it decides (parsing it for one form and again for the
    // other doubled the time per level of lambdas nested in conditions).
    let if_stmt = kw("if")
        .ignore_then(expr.clone())
        .then(choice((
            body.clone()
                .then(elif.repeated().collect::<Vec<_>>())
                .then(kw("else").ignore_then(body.clone()).or_not())
                .then_ignore(after_compound.clone())
                .map(Some),
            term.clone().to(None),
        )))
        .map(|(cond, rest)| match rest {
            Some(((body, mut rest), else_body)) => {
                rest.insert(0, IfBranch { cond, body });
                StmtKind::If {
                    branches: rest,
                    else_body,
                }
            }
            None => StmtKind::Guard { cond },
        });
    let for_stmt = kw("for")
        .ignore_then(kw("each").or_not())
        .then(
            word()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then_ignore(choice((kw("in"), kw("of"))))
        .then(expr.clone())
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(|(((each, vars), iter), body)| StmtKind::For {
            each: each.is_some(),
            vars,
            iter,
            body,
        });
    let while_stmt = kw("while")
        .ignore_then(expr.clone())
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(|(cond, body)| StmtKind::While { cond, body });
    let catch = choice((
        kw("catch")
            .ignore_then(
                choice((
                    word().delimited_by(just(Token::LParen), just(Token::RParen)),
                    word(),
                ))
                .or_not(),
            )
            .then(body.clone())
            .map_with(|(binding, body), e| Catch {
                exception: None,
                binding,
                body,
                span: sp(e.span()),
            }),
        kw("except")
            .ignore_then(
                expr.clone()
                    .then(kw("as").ignore_then(word()).or_not())
                    .or_not(),
            )
            .then(body.clone())
            .map_with(|(exc, body), e| {
                let (exception, binding) = match exc {
                    Some((x, b)) => (Some(x), b),
                    None => (None, None),
                };
                Catch {
                    exception,
                    binding,
                    body,
                    span: sp(e.span()),
                }
            }),
    ));
    let try_stmt = kw("try")
        .ignore_then(body.clone())
        .then(catch.repeated().collect::<Vec<_>>())
        .then(kw("finally").ignore_then(body.clone()).or_not())
        .then_ignore(after_compound.clone())
        .map(|((body, catches), finally)| StmtKind::Try {
            body,
            catches,
            finally,
        });
    let case_body = choice((
        body.clone().then_ignore(after_compound.clone()),
        just(Token::FatArrow)
            .ignore_then(stmt.clone())
            .map_with(|s, e| Block::new(BlockStyle::Inline, vec![s], sp(e.span()))),
    ));
    let case = choice((
        kw("case").ignore_then(
            expr.clone()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        ),
        choice((
            kw("default"),
            kw("else"),
            select! { Token::Ident("_") = e => sp(e.span()) },
        ))
        .to(Vec::new()),
    ))
    .then(case_body)
    .map_with(|(patterns, body), e| Case {
        patterns,
        body,
        span: sp(e.span()),
    });
    let cases = choice((
        case.map(Some),
        one_of([Token::Newline, Token::Semi]).to(None),
    ))
    .repeated()
    .collect::<Vec<_>>()
    .map(|v| v.into_iter().flatten().collect::<Vec<_>>());
    let match_stmt = kw("match")
        .ignore_then(expr.clone())
        .then(choice((
            cases
                .clone()
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
            just(Token::Colon)
                .or_not()
                .ignore_then(just(Token::Newline))
                .ignore_then(cases.delimited_by(just(Token::Indent), just(Token::Dedent))),
        )))
        .then_ignore(after_compound.clone())
        .map(|(subject, cases)| StmtKind::Match { subject, cases });

    // The text of a string used as a module path.
    let string_path: P<'t, 's, I, E, Leaf<String>> = string
        .clone()
        .map(|s| Leaf::new(string_text(&s), s.span))
        .boxed();

    let simple = choice((
        kw("return")
            .ignore_then(expr.clone().or_not())
            .then_ignore(term.clone())
            .map(|value| StmtKind::Return { value }),
        choice((kw("throw"), kw("raise")))
            .ignore_then(expr.clone())
            .then_ignore(term.clone())
            .map(|value| StmtKind::Throw { value }),
        kw("break").then_ignore(term.clone()).to(StmtKind::Break),
        kw("continue")
            .then_ignore(term.clone())
            .to(StmtKind::Continue),
        kw("wait")
            .ignore_then(expr.clone())
            .then_ignore(term.clone())
            .map(|duration| StmtKind::Wait { duration }),
        kw("import")
            .ignore_then(choice((string_path.clone(), path.clone())))
            .then(kw("as").ignore_then(word()).or_not())
            .then_ignore(term.clone())
            .map(|(path, alias)| StmtKind::Import { path, alias }),
        kw("use")
            .ignore_then(choice((string_path.clone(), path.clone())))
            .then(kw("as").ignore_then(word()).or_not())
            .then_ignore(term.clone())
            .map(|(path, alias)| StmtKind::Use { path, alias }),
        kw("log")
            .ignore_then(expr.clone())
            .then_ignore(term.clone())
            .map(|value| StmtKind::Log { value }),
        kw("think")
            .ignore_then(expr.clone())
            .then_ignore(term.clone())
            .map(|value| StmtKind::Think { value }),
        kw("await")
            .ignore_then(
                expr.clone()
                    .separated_by(just(Token::Comma))
                    .at_least(1)
                    .collect::<Vec<_>>(),
            )
            .then_ignore(term.clone())
            .map(|names| StmtKind::Await { names }),
    ))
    .boxed();

    let when_stmt = kw("when")
        .ignore_then(expr.clone())
        .then(body.clone())
        .then_ignore(after_compound.clone())
        .map(|(cond, body)| StmtKind::When { cond, body });
    let trigger_stmt = choice((
        kw("on").to(TriggerKind::On),
        kw("every").to(TriggerKind::Every),
        kw("monitor").to(TriggerKind::Monitor),
        kw("simulate").to(TriggerKind::Simulate),
    ))
    .then(head_part.clone().repeated().collect::<Vec<_>>())
    .then(body.clone())
    // `monitor: agent_coordination` is an entry, not a trigger with an inline body.
    .filter(|((_, head), body)| !(head.is_empty() && body.style == BlockStyle::Inline))
    .then_ignore(after_compound.clone())
    .map(|((trigger, head), body)| StmtKind::Trigger {
        trigger,
        head,
        body,
    });
    let remember_stmt = kw("remember")
        .ignore_then(expr.clone())
        .then(kw("as").ignore_then(expr.clone()).or_not())
        .then(choice((
            brace_block
                .clone()
                .then_ignore(after_compound.clone())
                .map(Some),
            indent_block.clone().map(Some),
            term.clone().to(None),
        )))
        .map(|((value, tags), body)| StmtKind::Remember { value, tags, body });
    let recall_stmt = kw("recall")
        .ignore_then(word().then_ignore(just(Token::Colon)).or_not())
        .then(expr.clone())
        .then_ignore(term.clone())
        .map(|(key, value)| match value.node {
            ExprKind::Binary {
                op: BinOp::Arrow,
                lhs,
                rhs,
            } => StmtKind::Recall {
                key,
                value: *lhs,
                into: Some(*rhs),
            },
            node => StmtKind::Recall {
                key,
                value: Expr::new(node, value.span),
                into: None,
            },
        });
    let stray_end = kw("end")
        .then_ignore(term.clone())
        .validate(|span, e, emitter| {
            e.state().mark_error();
            emitter.emit(E::custom(
                span,
                encode_rule(&rules::STRAY_END, "'end' closes nothing here"),
            ));
            StmtKind::Error
        });
    let step = select! { Token::Int(n) => n }
        .then_ignore(just(Token::Dot))
        .then(stmt.clone())
        .map(|(n, s)| StmtKind::Step {
            number: n.parse().unwrap_or(0),
            stmt: Box::new(s),
        });
    let typed_assign = word()
        .then_ignore(just(Token::Colon))
        .then(type_expr.clone().map(Box::new))
        .then_ignore(just(Token::Eq))
        .then(expr.clone())
        .then_ignore(term.clone())
        .map(|((name, ty), value)| StmtKind::TypedAssign { name, ty, value });
    let named_block = verb
        .clone()
        .then(
            choice((
                args.clone().map(|a| (Some(a), None)),
                word().map(|l| (None, Some(l))),
            ))
            .or_not(),
        )
        .then(brace_block.clone())
        .then_ignore(after_compound.clone())
        .map(|((name, head), body)| {
            let (args, label) = head.unwrap_or((None, None));
            StmtKind::NamedBlock {
                name,
                label,
                args,
                body,
            }
        });
    let expr_stmt = expr
        .clone()
        .then(choice((
            assign_op.clone().then(assign_value.clone()).map(Ok),
            line_end
                .clone()
                .ignore_then(choice((
                    indent_block.clone().map(Some),
                    term.clone().to(None),
                )))
                .map(Err),
        )))
        .map(|(target, rest)| match rest {
            Ok((op, value)) => StmtKind::Assign { target, op, value },
            Err(body) => StmtKind::Expr { expr: target, body },
        });

    // Foreign syntax: reported, then the rest of the line (and any block under it) skipped.
    let skip_rest = token_tree
        .clone()
        .and_is(one_of([Token::Newline, Token::Semi]).not())
        .repeated()
        .then(term.clone().or_not())
        .then(
            just(Token::Indent)
                .then(
                    token_tree
                        .clone()
                        .and_is(just(Token::Dedent).not())
                        .repeated(),
                )
                .then(just(Token::Dedent))
                .or_not(),
        )
        .ignored()
        .boxed();
    let foreign_head = choice((
        kw("def")
            .then(word())
            .then(just(Token::LParen).rewind())
            .to(Foreign {
                language: "Python",
                what: "'def' function definition".into(),
                help: "Aether functions are written `fn name(args) { }` or `function name(args):`",
            }),
        kw("class")
            .then(word())
            .then(one_of([Token::Colon, Token::LParen]).rewind())
            .to(Foreign {
                language: "Python",
                what: "'class' definition".into(),
                help: "Aether has no classes; use a plugin or functions",
            }),
        kw("export")
            .then(choice((
                one_of([Token::LBrace, Token::LMap]).ignored().rewind(),
                kw("default").ignored(),
            )))
            .to(Foreign {
                language: "JavaScript",
                what: "'export' list".into(),
                help: "Aether exports a function with `export name(args) { }`",
            }),
        kw("import")
            .then(one_of([Token::LBrace, Token::LMap, Token::Star]).rewind())
            .to(Foreign {
                language: "JavaScript",
                what: "'import { }' statement".into(),
                help: "Aether imports a module with `import \"path\" as name`",
            }),
        kw("const").then(word()).then(just(Token::Eq)).to(Foreign {
            language: "JavaScript",
            what: "'const' declaration".into(),
            help: "Aether declares variables with `let`",
        }),
        // `fi`, `done` ... alone (or `done < file`); `done = true` stays an assignment.
        select! { Token::Ident(w) if matches!(w, "then" | "fi" | "done" | "esac") => w }
            .then_ignore(
                choice((
                    one_of([
                        Token::Newline,
                        Token::Semi,
                        Token::Dedent,
                        Token::RBrace,
                        Token::Lt,
                        Token::Pipe,
                        Token::Amp,
                        Token::AndAnd,
                        Token::OrOr,
                    ])
                    .ignored(),
                    end(),
                ))
                .rewind(),
            )
            .map(|w| Foreign {
                language: "shell",
                what: format!("'{w}'"),
                help: "this looks like a shell script",
            }),
    ))
    .map_with(|f, e| (f, e.span()))
    .then_ignore(skip_rest.clone())
    .validate(|(f, span), e, emitter| {
        e.state().mark_error();
        emitter.emit(E::custom(
            span,
            encode_rule(
                &rules::FOREIGN_SYNTAX,
                &format!("{} is {} syntax, not Aether", f.what, f.language),
            ) + "\u{1}"
                + f.help,
        ));
        StmtKind::Foreign {
            language: f.language,
        }
    })
    .boxed();
    // A line with `[[ ... ]]` or `; then` / `; do` that no Aether form accepted.
    let foreign_line = custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
        let start = inp.cursor();
        let checkpoint = inp.save();
        let mut prev: Option<(Token<'s>, Span)> = None;
        let mut found: Option<(Span, &'static str)> = None;
        let mut depth = 0i32;
        loop {
            let before = inp.cursor();
            let Some(tok) = inp.peek() else { break };
            // A block's statements are lines of their own, checked when they are parsed:
            // scanning into it made every nested block scan everything inside it again.
            if tok == Token::LBrace
                || depth == 0
                    && matches!(
                        tok,
                        Token::Newline | Token::Indent | Token::Dedent | Token::RBrace
                    )
            {
                break;
            }
            inp.skip();
            let span: Span = inp.span_since(&before);
            match tok {
                Token::LParen | Token::LBracket | Token::LBrace | Token::LMap => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                Token::RBrace => depth -= 1,
                _ => {}
            }
            if found.is_none() {
                match (prev, tok) {
                    (Some((Token::LBracket, p)), Token::LBracket) if p.end == span.start => {
                        found = Some((
                            Span::new(p.start as usize, span.end as usize),
                            "'[[ ... ]]' test",
                        ));
                    }
                    (Some((Token::Semi, _)), Token::Ident(w @ ("then" | "do"))) => {
                        found = Some((span, if w == "then" { "'; then'" } else { "'; do'" }));
                    }
                    _ => {}
                }
            }
            prev = Some((tok, span));
        }
        match found {
            Some(f) => Ok(f),
            None => {
                // Fail where the line started, so this probe never outranks the real error.
                inp.rewind(checkpoint);
                let found = inp.peek();
                let span = inp.span_since(&start);
                Err(<E as LabelError<
                    't,
                    I,
                    chumsky::DefaultExpected<'t, Token<'s>>,
                >>::expected_found(
                    [], found.map(Into::into), span
                ))
            }
        }
    })
    .then_ignore(skip_rest.clone())
    .validate(|(span, what), e, emitter| {
        e.state().mark_error();
        emitter.emit(E::custom(
            span,
            encode_rule(
                &rules::FOREIGN_SYNTAX,
                &format!("{what} is shell syntax, not Aether"),
            ) + "\u{1}this looks like a shell script",
        ));
        StmtKind::Foreign { language: "shell" }
    })
    .boxed();

    // `else`, `catch` ... with no statement to continue (`else:` stays a mapping key).
    let orphan_clause = select! {
        Token::Ident(w) = e if matches!(w, "else" | "elif" | "catch" | "except" | "finally") => (w, e.span())
    }
    .then_ignore(just(Token::Colon).not())
    .then_ignore(skip_rest.clone())
    .validate(|(w, span), e, emitter| {
        let owner = match w {
            "else" | "elif" => "'if'",
            _ => "'try'",
        };
        e.state().mark_error();
            emitter.emit(E::custom(
            span,
            encode_rule(
                &rules::SYNTAX,
                &format!("'{w}' without a matching {owner} before it"),
            ) + "\u{1}the statement it continues must end right before it, at the same indentation",
        ));
        StmtKind::Error
    })
    .boxed();

    let with_span = |p: P<'t, 's, I, E, StmtKind<'s>>| -> P<'t, 's, I, E, Stmt<'s>> {
        p.map_with(|node, e| Stmt::new(node, sp(e.span()))).boxed()
    };

    // Recovery: skip the rest of the line and any block under it.
    let skip_line = custom(|inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
        let mut depth = 0i32;
        let mut n = 0usize;
        while let Some(tok) = inp.peek() {
            match tok {
                Token::LParen | Token::LBracket | Token::LBrace | Token::LMap | Token::Indent => {
                    depth += 1
                }
                Token::RParen | Token::RBracket | Token::RBrace | Token::Dedent => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    if depth == 0 && tok == Token::Dedent {
                        inp.skip();
                        n += 1;
                        break;
                    }
                }
                Token::Newline | Token::Semi if depth == 0 => {
                    inp.skip();
                    n += 1;
                    if inp.peek() != Some(Token::Indent) {
                        break;
                    }
                    continue;
                }
                _ => {}
            }
            inp.skip();
            n += 1;
        }
        if n == 0 {
            let before = inp.cursor();
            Err(E::custom(inp.span_since(&before), String::new()))
        } else {
            // A statement failed and is skipped: the fast pass remembers in which top-level
            // statement.
            inp.state().mark_error();
            Ok(StmtKind::Error)
        }
    })
    .map_with(|node, e| Stmt::new(node, sp(e.span())));

    // Keyword-led statements. Each keyword's forms, in the order the grammar tries them.
    let k_foreign = with_span(foreign_head);
    let k_orphan = with_span(orphan_clause);
    let k_let = with_span(let_stmt.boxed());
    let k_define_as = with_span(define_as.boxed());
    let k_fn = with_span(fn_decl.boxed());
    let k_export = with_span(export_bare.boxed());
    let k_plugin = with_span(plugin_decl.boxed());
    // `plugin: sysmon.status "disk"`: the directive names a capability by its dotted path
    // and passes it arguments; anything else after `plugin:` is an ordinary entry.
    let k_plugin_directive = with_span(
        select! { Token::Ident("plugin") = e => Spanned::new(Key::Word { name: "plugin" }, sp(e.span())) }
            .then_ignore(just(Token::Colon))
            .then(
                select! { Token::Ident(s) => s }
                    .separated_by(just(Token::Dot))
                    .at_least(1)
                    .map_with(|_, e: &mut chumsky::input::MapExtra<'t, '_, I, Extra<'t, 's, E>>| {
                        let span = sp(e.span());
                        Name::new(&e.state().src[span.range()], span)
                    })
                    // `plugin: warm(x)` is a call expression, an ordinary entry value.
                    .then_ignore(just(Token::LParen).not())
                    .then(part.clone().repeated().collect::<Vec<_>>())
                    .map_with(|(target, args), e| Value::Invoke {
                        invoke: Box::new(Invoke { target, args }),
                        span: sp(e.span()),
                    }),
            )
            .then_ignore(line_end.clone())
            .then(choice((indent_block.clone().map(Some), term.clone().to(None))))
            .map(|((key, value), body)| StmtKind::Directive {
                directive: DirectiveKind::Plugin,
                kv: key_value_of(key, (Some(value), vec![], body)),
            })
            .boxed(),
    );
    let k_if = with_span(if_stmt.boxed());
    let k_for = with_span(for_stmt.boxed());
    let k_while = with_span(while_stmt.boxed());
    let k_try = with_span(try_stmt.boxed());
    let k_match = with_span(match_stmt.boxed());
    let k_when = with_span(when_stmt.boxed());
    let k_trigger = with_span(trigger_stmt.boxed());
    let k_remember = with_span(remember_stmt.boxed());
    let k_recall = with_span(recall_stmt.boxed());
    let k_end = with_span(stray_end.boxed());
    let k_simple = with_span(simple);
    let g_step = with_span(step.boxed());
    let g_typed_assign = with_span(typed_assign.boxed());
    let g_expr = with_span(expr_stmt.boxed());
    let g_named_block = with_span(named_block.boxed());
    let g_foreign_line = with_span(foreign_line);
    let statement: P<'t, 's, I, E, Stmt<'s>> = if E::LABELS {
        // The error pass: an ordered choice, so errors keep their positions.
        choice((
            select! { Token::Ident(w) if is_statement_keyword(w) => () }
                .rewind()
                .ignore_then(choice((
                    k_foreign,
                    k_orphan,
                    choice((
                        k_let,
                        k_define_as,
                        k_fn,
                        k_export,
                        k_plugin,
                        k_plugin_directive,
                        k_if,
                        k_for,
                        k_while,
                        k_try,
                        k_match,
                    )),
                    choice((k_when, k_trigger, k_remember, k_recall, k_end, k_simple)),
                ))),
            list_item_stmt,
            g_step,
            g_typed_assign,
            key_value,
            g_expr,
            g_named_block,
            g_foreign_line,
            command,
        ))
        .boxed()
    } else {
        // The fast pass: the same alternatives in the same order, but only those that can
        // match the line's first tokens (the others would fail on them). Error positions do
        // not matter here: any failure sends the file to the error pass.
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let start = inp.cursor();
            let at = I::cursor_location(start.inner());
            let tokens = inp.state().tokens;
            let tok = |i: usize| tokens.get(at + i).map(|(t, _)| *t);
            let (first, second) = (tok(0), tok(1));
            let mut alternatives: [Option<&P<'t, 's, I, E, Stmt<'s>>>; 11] = [None; 11];
            let mut n = 0;
            let mut push = |p| {
                alternatives[n] = Some(p);
                n += 1;
            };
            // Keyword-led forms: at most three share a first word.
            if let Some(Token::Ident(w)) = first {
                match w {
                    "def" | "class" | "const" | "then" | "fi" | "done" | "esac" => push(&k_foreign),
                    "export" => {
                        push(&k_foreign);
                        push(&k_fn);
                        push(&k_export);
                    }
                    "import" => {
                        push(&k_foreign);
                        push(&k_simple);
                    }
                    "else" | "elif" | "catch" | "except" | "finally" => push(&k_orphan),
                    "let" | "var" => push(&k_let),
                    "define" => {
                        push(&k_define_as);
                        push(&k_fn);
                    }
                    "async" | "fn" | "function" => push(&k_fn),
                    "plugin" => {
                        push(&k_plugin);
                        push(&k_plugin_directive);
                    }
                    "if" => push(&k_if),
                    "for" => push(&k_for),
                    "while" => push(&k_while),
                    "try" => push(&k_try),
                    "match" => push(&k_match),
                    "when" => push(&k_when),
                    "on" | "every" | "monitor" | "simulate" => push(&k_trigger),
                    "remember" => push(&k_remember),
                    "recall" => push(&k_recall),
                    "end" => push(&k_end),
                    "return" | "throw" | "raise" | "break" | "continue" | "wait" | "use"
                    | "log" | "think" | "await" => push(&k_simple),
                    _ => {}
                }
            }
            // The generic forms, each only where its first tokens can start it.
            let word_first = matches!(first, Some(Token::Ident(_) | Token::NumWord(_)));
            let colon_second = second == Some(Token::Colon);
            if first == Some(Token::Minus) {
                push(&list_item_stmt);
            }
            if matches!(first, Some(Token::Int(_))) && second == Some(Token::Dot) {
                push(&g_step);
            }
            // `name: Type = value`: a type is a word.
            if word_first
                && colon_second
                && matches!(tok(2), Some(Token::Ident(_) | Token::NumWord(_)))
            {
                push(&g_typed_assign);
            }
            let key_first = matches!(
                first,
                Some(Token::Ident(_) | Token::NumWord(_) | Token::DollarIdent(_) | Token::Int(_))
            );
            if key_first && colon_second
                || matches!(first, Some(Token::Str(_) | Token::StrStart(_)))
            {
                push(&key_value);
            }
            if !name_cannot_lead_expr_stmt(first, second) {
                push(&g_expr);
            }
            // `name {`, `name label {`, `name(args) {`.
            let verb_first = matches!(first, Some(Token::Ident(w)) if !reserved_verb(w));
            if verb_first
                && match second {
                    Some(Token::LBrace) => true,
                    Some(Token::Ident(_) | Token::NumWord(_)) => tok(2) == Some(Token::LBrace),
                    Some(Token::LParen) => match inp.state().closer(at + 1) {
                        Some(close) => {
                            tokens.get(close + 1).map(|(t, _)| *t) == Some(Token::LBrace)
                        }
                        None => true,
                    },
                    _ => false,
                }
            {
                push(&g_named_block);
            }
            push(&g_foreign_line);
            if verb_first {
                push(&command);
            }
            for p in alternatives.into_iter().flatten() {
                let checkpoint = inp.save();
                match inp.parse(p) {
                    Ok(stmt) => return Ok(stmt),
                    Err(_) => inp.rewind(checkpoint),
                }
            }
            Err(E::custom(inp.span_since(&start), String::new()))
        })
        .boxed()
    };

    stmt_definition.define(
        statement
            .recover_with(via_parser(skip_line))
            .lab("statement")
            .boxed(),
    );

    // The top-level statements listed in `ParserState::revisit`, each parsed where it starts,
    // the tokens between them skipped (`Parsers::statements`).
    let stmt_again = stmt.clone();
    let revisit = custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
        let mut out = Vec::new();
        while let Some(&start) = inp.state().revisit.get(out.len()) {
            let before = inp.cursor();
            if I::cursor_location(before.inner()) > start {
                let span = inp.span_since(&before);
                return Err(E::custom(span, String::new()));
            }
            while I::cursor_location(inp.cursor().inner()) < start && inp.next().is_some() {}
            let stmt = inp.parse(&stmt_again)?;
            let end = I::cursor_location(inp.cursor().inner());
            out.push((stmt, end, inp.state().warnings.len()));
        }
        while inp.next().is_some() {}
        Ok(out)
    });
    // The whole file. The fast pass records where each top-level statement starts and ends
    // (`ParserState::items`), so that when it reports errors, the error pass can re-parse
    // only the statements that had them. The error pass keeps the combinators: a statement
    // parsed from a `custom` parser reports its error where the parse stopped, not where it
    // failed furthest (the fast pass's errors carry no position).
    let file = if E::LABELS {
        stmts
    } else {
        // `stmts` written out, recording each statement: blank lines and `;` between
        // statements, and statements until one fails (that one is left to `end`).
        let stmt = stmt.clone();
        custom(move |inp: &mut InputRef<'t, '_, I, Extra<'t, 's, E>>| {
            let mut out = Vec::new();
            loop {
                match inp.peek() {
                    None => break,
                    Some(Token::Newline | Token::Semi) => {
                        inp.skip();
                        continue;
                    }
                    Some(_) => {}
                }
                let start = I::cursor_location(inp.cursor().inner());
                let warnings = inp.state().warnings.len();
                let checkpoint = inp.save();
                match inp.parse(&stmt) {
                    Ok(mut s) => {
                        // Spare capacity given back while the next statement is parsed, in
                        // files large enough for it to matter: a small file's tree is
                        // dropped within microseconds, and compacting was 5% of a check of
                        // 4,000 small files.
                        if inp.state().src.len() >= crate::syntax::ast::COMPACT_FROM {
                            crate::syntax::ast::Compact::compact(&mut s);
                        }
                        out.push(s);
                        let end = I::cursor_location(inp.cursor().inner());
                        inp.state().items.push(Item {
                            start,
                            end,
                            warnings,
                        });
                    }
                    Err(_) => {
                        inp.rewind(checkpoint);
                        break;
                    }
                }
            }
            Ok(out)
        })
        .boxed()
    };

    // The parsers own the only strong handles of the three late rules.
    let keep = (expr_keep, stmt_keep, ternary_keep);
    let keep_too = keep.clone();
    Parsers {
        file: file
            .then_ignore(end())
            .map(move |file| {
                let _ = &keep;
                file
            })
            .boxed(),
        statements: revisit
            .map(move |out| {
                let _ = &keep_too;
                out
            })
            .boxed(),
    }
}

/// The parsers `file_parser` builds for a file.
pub struct Parsers<'t, 's: 't, I, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParseError<'t, 's, I>,
{
    /// The whole file.
    pub file: P<'t, 's, I, E, Vec<Stmt<'s>>>,
    /// The top-level statements that start at the tokens listed in `ParserState::revisit`,
    /// each with the position of the token after it and the number of warnings then; the
    /// tokens before, between and after them are skipped. Each statement is read as the file
    /// parser reads it at that place: a statement's parse, errors and recovery included,
    /// does not depend on the statements before it (chumsky's `labelled`, around every
    /// statement, sets aside the errors of earlier alternatives while it runs; the rest of
    /// the parser state is the same at the statement's start or does not change its parse).
    #[allow(clippy::type_complexity)]
    pub statements: P<'t, 's, I, E, Vec<(Stmt<'s>, usize, usize)>>,
}
