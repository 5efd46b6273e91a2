//! The layout pass: turns raw tokens into the parser's stream with significant `Newline`s and
//! `Indent`/`Dedent`, so brace blocks, colon suites and `end`-closed blocks nest freely
//! (LANGUAGE.md section 2).
//!
//! It keeps a stack of open brackets, not a depth counter. Inside `( )`, `[ ]` and map
//! literals newlines are insignificant; a `{` that opens a statement block (even inside
//! parentheses, as in `xs.map(a => {`) turns them back on and starts a fresh indentation
//! context whose base is its first content line.
//!
//! Brackets are matched here, so the parser always sees a balanced stream: an unclosed
//! bracket gets an error and a synthetic closer, a stray closer an error and is dropped.

use crate::syntax::diagnostic::{rules, Diagnostic};
use crate::syntax::lexer::{indent_width, Lexer, RawToken};
use crate::syntax::span::{LineIndex, Span};
use crate::syntax::token::Token;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Paren,
    Bracket,
    Map,
    Block,
    File,
}

struct Frame {
    kind: Kind,
    open: Span,
    /// Indentation levels (columns) of a Block/File frame; empty until its first line.
    indents: Vec<u32>,
    /// For each level above the base: the first token of the line that opened it.
    headers: Vec<Span>,
}

impl Frame {
    fn new(kind: Kind, open: Span) -> Self {
        Frame {
            kind,
            open,
            indents: Vec::new(),
            headers: Vec::new(),
        }
    }

    fn significant(&self) -> bool {
        matches!(self.kind, Kind::Block | Kind::File)
    }
}

pub struct Layout<'s> {
    pub tokens: Vec<(Token<'s>, Span)>,
    pub comments: Vec<Span>,
    pub diagnostics: Vec<Diagnostic>,
    /// A depth limit was hit and the file was cut short there.
    pub truncated: bool,
}

struct State<'a, 's> {
    src: &'s str,
    lines: &'a LineIndex,
    out: Vec<(Token<'s>, Span)>,
    diags: Vec<Diagnostic>,
    stack: Vec<Frame>,
    /// Set by a raw newline in a significant frame; consumed by the next line's first token.
    pending_newline: Option<Span>,
    /// Byte offset where the current physical line starts.
    line_start: usize,
    /// First token of the current logical line (for `case X: {`).
    line_first: Option<Token<'s>>,
    line_first_span: Span,
    /// True when the last emitted `}` closed a block (so `} \n else` joins).
    last_closed_block: bool,
    /// Operator tokens in the current logical line (bounds expression depth).
    line_operators: usize,
    /// Set when a limit was hit: the rest of the file is not tokenized.
    stopped: bool,
}

/// Limits that keep the tree shallow enough for every later stage (LANGUAGE.md places none;
/// real files stay far below them). Beyond them the file gets an error, never a crash.
pub const MAX_NESTING: usize = 20_000;
pub const MAX_OPERATORS_PER_LINE: usize = 20_000;

/// The layout of `src`'s tokens, taken from the lexer one at a time as they are made, so
/// the raw tokens are never all in memory at once (what `syntax::parse` runs).
pub fn layout_source<'s>(src: &'s str, lines: &LineIndex) -> Layout<'s> {
    layout(src, Lexer::new(src), lines)
}

/// The layout of tokens lexed beforehand (`lexer::lex`).
///
/// These two entry points are not generic, so the pass is compiled inside this crate, with
/// its helpers inlined, whoever calls it (an instance of the generic `layout` made in a
/// bench or example crate took a third more instructions).
pub fn layout_lexed<'s>(src: &'s str, raw: &[RawToken<'s>], lines: &LineIndex) -> Layout<'s> {
    layout(src, raw.iter().copied(), lines)
}

/// Lays out `raw`, taken one at a time.
fn layout<'s>(
    src: &'s str,
    raw: impl IntoIterator<Item = RawToken<'s>>,
    lines: &LineIndex,
) -> Layout<'s> {
    let mut st = State {
        src,
        lines,
        // About one token per five bytes in the corpus: enough for most files without
        // growing, and the pages of a large file's unused tail are never touched.
        out: Vec::with_capacity(src.len() / 4 + 16),
        diags: Vec::new(),
        stack: vec![Frame::new(Kind::File, Span::empty(0))],
        pending_newline: None,
        line_start: 0,
        line_first: None,
        line_first_span: Span::empty(0),
        last_closed_block: false,
        line_operators: 0,
        stopped: false,
    };
    let mut comments = Vec::new();
    let mut first_line = true;
    let (mut interp_depth, mut interp_tokens) = (0usize, 0usize);
    for rt in raw {
        if rt.in_string {
            // Interpolation tokens bypass the layout, but not the depth limits.
            match rt.token {
                Token::LParen | Token::LBracket | Token::LBrace => interp_depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace => {
                    interp_depth = interp_depth.saturating_sub(1)
                }
                _ => interp_tokens += 1,
            }
            if interp_depth > MAX_NESTING || interp_tokens > MAX_OPERATORS_PER_LINE * 4 {
                st.stop(rt.span, "interpolation");
                break;
            }
            st.out.push((rt.token, rt.span));
            continue;
        }
        interp_tokens = 0;
        match rt.token {
            Token::Comment => comments.push(rt.span),
            Token::Newline => {
                st.line_start = rt.span.end as usize;
                if st.top().significant() && st.pending_newline.is_none() {
                    st.pending_newline = Some(rt.span);
                }
            }
            tok => {
                if st.stopped {
                    break;
                }
                if st.pending_newline.is_some() || first_line {
                    first_line = false;
                    st.line_start(tok, rt.span);
                }
                st.token(tok, rt.span);
            }
        }
    }
    st.finish();
    Layout {
        tokens: st.out,
        comments,
        diagnostics: st.diags,
        truncated: st.stopped,
    }
}

fn is_closer(t: Token) -> bool {
    matches!(t, Token::RParen | Token::RBracket | Token::RBrace)
}

/// A line ending in one of these continues on the next line.
fn continues_line(t: Token) -> bool {
    match t {
        Token::Ident(w) => matches!(w, "and" | "or"),
        Token::Plus
        | Token::Minus
        | Token::Star
        | Token::StarStar
        | Token::Slash
        | Token::Percent_
        | Token::EqEq
        | Token::NotEq
        | Token::JsEq(_)
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::AndAnd
        | Token::OrOr
        | Token::Amp
        | Token::Pipe
        | Token::Caret
        | Token::Shl
        | Token::Shr
        | Token::Eq
        | Token::PlusEq
        | Token::MinusEq
        | Token::StarEq
        | Token::SlashEq
        | Token::PercentEq
        | Token::QuestionQuestion
        | Token::Question
        | Token::FatArrow
        | Token::Arrow
        | Token::UnicodeArrow
        | Token::Dot
        | Token::QuestionDot
        | Token::Comma => true,
        _ => false,
    }
}

impl<'s> State<'_, 's> {
    fn top(&self) -> &Frame {
        // The File frame is never popped.
        &self.stack[self.stack.len() - 1]
    }

    fn last(&self) -> Option<Token<'s>> {
        self.out.last().map(|t| t.0)
    }

    /// True when a statement boundary already stands at the end of the output.
    fn at_boundary(&self) -> bool {
        match self.out.last() {
            None => true,
            Some((Token::Newline | Token::Indent | Token::Dedent | Token::Semi, _)) => true,
            Some((Token::LBrace, _)) => self.top().kind == Kind::Block,
            _ => false,
        }
    }

    fn emit_newline(&mut self, span: Span) {
        self.line_operators = 0;
        if !self.at_boundary() {
            self.out.push((Token::Newline, span));
        }
    }

    fn column(&self, span: Span) -> u32 {
        indent_width(&self.src[self.line_start..span.start as usize])
    }

    /// The first token of a new physical line in a significant frame.
    fn line_start(&mut self, tok: Token<'s>, span: Span) {
        let nl = self
            .pending_newline
            .take()
            .unwrap_or(Span::empty(span.start as usize));
        let last = self.last();
        let joins = match tok {
            Token::Dot | Token::QuestionDot => true,
            Token::Ident("or" | "and") => last.is_some() && !self.at_boundary(),
            Token::Ident("else" | "catch" | "finally") => {
                last == Some(Token::RBrace) && self.last_closed_block
            }
            _ => last.is_some_and(continues_line) && !self.at_boundary(),
        };
        if joins {
            return;
        }
        self.emit_newline(nl);
        self.line_first = Some(tok);
        self.line_first_span = span;
        if is_closer(tok) {
            // Lines starting with a closer are exempt from indentation checks.
            return;
        }
        let col = self.column(span);
        let depth = self.stack.len() - 1;
        let frame = &mut self.stack[depth];
        let Some(&top) = frame.indents.last() else {
            frame.indents.push(col);
            return;
        };
        if col > top {
            if frame.indents.len() + self.stack.len() > MAX_NESTING {
                self.stop(span, "indentation");
                return;
            }
            let frame = &mut self.stack[depth];
            frame.indents.push(col);
            let header = self.header_of_current_line();
            let frame = &mut self.stack[depth];
            frame.headers.push(header);
            self.out
                .push((Token::Indent, Span::empty(span.start as usize)));
            return;
        }
        let mut dedents = 0;
        while let Some(&level) = frame.indents.last() {
            if level <= col || frame.indents.len() == 1 {
                break;
            }
            let below = frame.indents[frame.indents.len() - 2];
            if below < col {
                // Between two levels: the line belongs to the inner one, whose column stays
                // as it was (so a later line back at that column is not a new block).
                break;
            }
            frame.indents.pop();
            frame.headers.pop();
            dedents += 1;
        }
        for _ in 0..dedents {
            self.out
                .push((Token::Dedent, Span::empty(span.start as usize)));
        }
    }

    /// The first token of the logical line that ends at the current output position.
    fn header_of_current_line(&self) -> Span {
        // The line before this one started at the previous `line_first_span`... which has
        // already been overwritten; search back for the last boundary instead.
        let mut i = self.out.len();
        while i > 0 {
            let (t, _) = self.out[i - 1];
            if matches!(t, Token::Newline) && i != self.out.len() {
                break;
            }
            if matches!(t, Token::Indent | Token::Dedent) {
                break;
            }
            i -= 1;
        }
        while i < self.out.len() && matches!(self.out[i].0, Token::Newline) {
            i += 1;
        }
        self.out.get(i).map_or(Span::empty(0), |t| t.1)
    }

    fn token(&mut self, tok: Token<'s>, span: Span) {
        match tok {
            Token::LParen => self.open(Kind::Paren, tok, span),
            Token::LBracket => self.open(Kind::Bracket, tok, span),
            Token::LBrace => {
                if self.brace_is_map() {
                    self.open(Kind::Map, Token::LMap, span);
                } else {
                    self.open(Kind::Block, tok, span);
                }
            }
            Token::RParen => self.close(&[Kind::Paren], tok, span),
            Token::RBracket => self.close(&[Kind::Bracket], tok, span),
            Token::RBrace => self.close(&[Kind::Map, Kind::Block], tok, span),
            Token::Semi => {
                self.out.push((tok, span));
                self.line_first = None;
            }
            Token::Unterminated(_) if !self.top().significant() => {
                self.last_closed_block = false;
                self.out.push((tok, span));
                self.unterminated_in_brackets(span);
            }
            _ => {
                if !tok.punct().is_empty()
                    && !matches!(tok, Token::Comma | Token::Colon | Token::Semi)
                {
                    self.line_operators += 1;
                    if self.line_operators > MAX_OPERATORS_PER_LINE {
                        self.stop(span, "expression");
                        return;
                    }
                }
                self.last_closed_block = false;
                self.out.push((tok, span));
            }
        }
    }

    /// LANGUAGE.md section 2, "Map or block?": a `{` opens a map literal only where an
    /// operand is expected.
    fn brace_is_map(&self) -> bool {
        let Some((prev, _)) = self.out.last() else {
            return false;
        };
        match prev {
            Token::Colon => !matches!(self.line_first, Some(Token::Ident("case" | "default"))),
            Token::FatArrow => false,
            Token::LMap => true,
            Token::LBrace => false,
            Token::Newline | Token::Indent | Token::Dedent | Token::Semi => false,
            Token::Ident(w) => crate::syntax::token::is_operator_word(w),
            t => !t.ends_operand(),
        }
    }

    fn stop(&mut self, span: Span, what: &str) {
        self.diags.push(
            Diagnostic::new(
                &rules::TOO_COMPLEX,
                span,
                format!("{what} too deep: the limit is {MAX_NESTING} levels and {MAX_OPERATORS_PER_LINE} operators per line"),
            )
            .with_note("the rest of the file was not checked"),
        );
        self.stopped = true;
    }

    fn open(&mut self, kind: Kind, tok: Token<'s>, span: Span) {
        if self.stack.len() >= MAX_NESTING {
            self.stop(span, "nesting");
            return;
        }
        self.last_closed_block = false;
        self.out.push((tok, span));
        self.stack.push(Frame::new(kind, span));
        if kind == Kind::Block {
            self.line_first = None;
        }
    }

    fn close(&mut self, kinds: &[Kind], tok: Token<'s>, span: Span) {
        let top = self.top().kind;
        if kinds.contains(&top) && top != Kind::File {
            self.pop_frame();
            self.out.push((tok, span));
            return;
        }
        // The nearest matching opener. From a bracket, the search stops at the enclosing
        // statement block (`foo(a, [1, 2)` closes the `[` and then the `(`); from inside a
        // block it may cross blocks (`xs.map(a => { ... )` closes the block, then the `(`).
        let mut index = None;
        for (i, f) in self.stack.iter().enumerate().skip(1).rev() {
            if kinds.contains(&f.kind) {
                index = Some(i);
                break;
            }
            if f.kind == Kind::Block && top != Kind::Block {
                break;
            }
        }
        if let Some(index) = index {
            while self.stack.len() - 1 > index {
                self.close_unclosed(span.start as usize, Some((tok, span)));
            }
            self.pop_frame();
            self.out.push((tok, span));
            return;
        }
        if matches!(top, Kind::Paren | Kind::Bracket | Kind::Map) {
            // A mismatched closer: take it as the closer of the innermost bracket.
            let frame = self.top();
            let (closer, what) = match frame.kind {
                Kind::Paren => (Token::RParen, "the '('"),
                Kind::Bracket => (Token::RBracket, "the '['"),
                _ => (Token::RBrace, "the map"),
            };
            let open = frame.open;
            let line = self.lines.line(open.start as usize);
            self.diags.push(
                Diagnostic::new(
                    &rules::UNEXPECTED_CLOSER,
                    span,
                    format!(
                        "mismatched '{}': expected '{}' to close {what} opened at line {line}",
                        tok.punct(),
                        closer.punct()
                    ),
                )
                .with_label(format!("expected '{}'", closer.punct()))
                .with_secondary(open, "opened here"),
            );
            self.pop_frame();
            self.out.push((closer, span));
            return;
        }
        let mut d = Diagnostic::new(
            &rules::UNEXPECTED_CLOSER,
            span,
            format!("unexpected '{}': no matching opener", tok.punct()),
        )
        .with_label("this closer has no opener");
        if let Some(&header) = self.top().headers.last() {
            if tok == Token::RBrace {
                d = d
                    .with_secondary(header, "the enclosing block is an indented suite opened here")
                    .with_help("write the whole statement in one block style: braces or `:` and indentation");
            }
        }
        self.diags.push(d);
    }

    /// A string inside brackets that runs to the end of its line (or, triple-quoted, to the end
    /// of the file) swallowed the closers written after it. It is reported here: the parser
    /// reports it too when the brackets' contents still parse, but loses that report when they
    /// do not (`foo("abc` followed by more lines), and the two reports are merged as
    /// duplicates. The brackets opened on the string's line are closed right after it, without
    /// an error of their own, so the next lines are read as statements again rather than as
    /// more of the brackets' contents.
    fn unterminated_in_brackets(&mut self, span: Span) {
        self.diags.push(Diagnostic::new(
            &rules::UNTERMINATED_STRING,
            span,
            "unterminated string literal",
        ));
        let at = Span::empty(span.end as usize);
        while !self.top().significant() && self.top().open.start as usize >= self.line_start {
            let closer = match self.top().kind {
                Kind::Paren => Token::RParen,
                Kind::Bracket => Token::RBracket,
                _ => Token::RBrace,
            };
            self.pop_frame();
            self.out.push((closer, at));
        }
    }

    /// Pop the top frame after emitting its pending dedents; remembers whether it was a block.
    fn pop_frame(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if frame.kind == Kind::Block {
            let at = self.out.last().map_or(0, |t| t.1.end as usize);
            let n = frame.indents.len().saturating_sub(1);
            if n > 0 {
                self.emit_newline(Span::empty(at));
            }
            for _ in 0..n {
                self.out.push((Token::Dedent, Span::empty(at)));
            }
        }
        self.last_closed_block = frame.kind == Kind::Block;
    }

    /// Report the top frame as unclosed and close it with a synthetic token at `at`.
    fn close_unclosed(&mut self, at: usize, found: Option<(Token<'s>, Span)>) {
        let frame = &self.stack[self.stack.len() - 1];
        let kind = frame.kind;
        let open = frame.open;
        let (closer, what) = match kind {
            Kind::Paren => (Token::RParen, "the '('"),
            Kind::Bracket => (Token::RBracket, "the '['"),
            Kind::Map => (Token::RBrace, "the map"),
            Kind::Block | Kind::File => (Token::RBrace, "the block"),
        };
        let open_line = self.lines.line(open.start as usize);
        let message = format!(
            "expected '{}' to close {what} opened at line {open_line}",
            closer.punct()
        );
        let span = match found {
            Some((_, s)) => s,
            None => Span::empty(at),
        };
        let label = match found {
            Some((t, _)) => format!("found '{}' here", t.punct()),
            None => "the file ends here".to_string(),
        };
        self.diags.push(
            Diagnostic::new(&rules::UNCLOSED_DELIMITER, span, message)
                .with_label(label)
                .with_secondary(open, "opened here"),
        );
        self.pop_frame();
        if kind == Kind::Block {
            self.emit_newline(Span::empty(at));
        }
        self.out.push((closer, Span::empty(at)));
        self.last_closed_block = kind == Kind::Block;
    }

    fn finish(&mut self) {
        let end = self.src.len();
        // Unclosed brackets are reported right after the last token.
        let at = self.out.last().map_or(0, |t| t.1.end as usize);
        if self.stack.len() > 1 {
            self.emit_newline(Span::empty(at));
        }
        let reported = self.diags.len();
        while self.stack.len() > 1 {
            self.close_unclosed(at, None);
        }
        if self.stopped {
            // Brackets left open by the cut are not the file's fault.
            self.diags.truncate(reported);
        }
        let nl = self.pending_newline.take().unwrap_or(Span::empty(end));
        self.emit_newline(nl);
        let n = self.stack[0].indents.len().saturating_sub(1);
        for _ in 0..n {
            self.out.push((Token::Dedent, Span::empty(end)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(src: &str) -> String {
        let lines = LineIndex::new(src);
        let l = layout_source(src, &lines);
        let mut s = String::new();
        for (t, sp) in &l.tokens {
            let text = match t {
                Token::Newline => "NL".to_string(),
                Token::Indent => "IN".to_string(),
                Token::Dedent => "DE".to_string(),
                _ => src[sp.range()].to_string(),
            };
            s.push_str(&text);
            s.push(' ');
        }
        for d in &l.diagnostics {
            s.push_str(&format!("| {}", d.message));
        }
        s.trim_end().to_string()
    }

    #[test]
    fn colon_suite_and_end() {
        assert_eq!(
            show("if x:\n    a()\nend\n"),
            "if x : NL IN a ( ) NL DE end NL"
        );
    }

    #[test]
    fn lambda_block_inside_parens_has_newlines() {
        assert_eq!(
            show("xs.map(a => {\n    let s = a\n    return s\n})\nnext"),
            "xs . map ( a => { let s = a NL return s NL } ) NL next NL"
        );
    }

    #[test]
    fn maps_ignore_newlines_and_else_joins_after_block() {
        assert_eq!(
            show("x = {\n  a: 1,\n  b: 2\n}\n"),
            "x = { a : 1 , b : 2 } NL"
        );
        assert_eq!(
            show("if a {\n  b()\n}\nelse {\n  c()\n}\n"),
            "if a { b ( ) NL } else { c ( ) NL } NL"
        );
    }

    #[test]
    fn continuation_rules() {
        assert_eq!(show("let t = a +\n    b\n"), "let t = a + b NL");
        assert_eq!(show("x\n  .y()\n"), "x . y ( ) NL");
        assert_eq!(
            show("where:\n  a > 1\n  or b\n"),
            "where : NL IN a > 1 or b NL DE"
        );
    }

    #[test]
    fn unclosed_and_stray() {
        let s = show("fn f() {\n  a(\n");
        assert!(
            s.contains("expected ')' to close the '(' opened at line 2"),
            "{s}"
        );
        assert!(
            s.contains("expected '}' to close the block opened at line 1"),
            "{s}"
        );
        let s = show("try:\n  a()\n} catch (e) {\n  b()\n}\n");
        assert!(s.contains("unexpected '}'"), "{s}");
    }

    #[test]
    fn unterminated_string_closes_the_brackets_of_its_line() {
        // The `[` and `(` of the string's line are closed after it: the next line is a
        // statement, and the only report is the string's.
        let s = show("x = foo(a, [\"b\ny = 1\n");
        assert!(s.contains("NL y = 1"), "{s}");
        assert!(s.ends_with("| unterminated string literal"), "{s}");
        assert_eq!(s.matches('|').count(), 1, "{s}");
        // A bracket opened on an earlier line stays open and closes where it is written.
        let s = show("x = foo(\n  \"b\n)\ny = 1\n");
        assert!(s.contains(") NL y = 1"), "{s}");
        assert_eq!(s.matches('|').count(), 1, "{s}");
    }

    #[test]
    fn block_inside_block_fresh_indent_context() {
        assert_eq!(
            show("plugin p {\n    every 10m:\n        tick()\n    x()\n}\n"),
            "plugin p { every 10m : NL IN tick ( ) NL DE x ( ) NL } NL"
        );
    }
}
