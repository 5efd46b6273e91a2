//! The raw lexer: logos tokens plus the few forms a regular lexer cannot decide alone.
//!
//! - A `/` where an operand is expected starts a regex literal (`.replace(/^_|_$/g, "")`);
//!   after an operand it is division.
//! - `"""` / `'''` strings are scanned to their closing quotes (they span lines and their
//!   `#` lines are text).
//! - `key: |` at the end of a line starts a block scalar: the indented lines below are one
//!   text token, ended by a line holding only `|` or by a line indented no deeper than the key.
//! - Double-quoted and f-strings containing `{expr}` are split into `StrStart`, `StrText`,
//!   `InterpStart` + the expression's tokens + `InterpEnd`, and `StrEnd`, so the parser parses
//!   interpolations with the ordinary expression grammar.
//!
//! Lexing never stops: bad input becomes `Error` / `Unterminated` tokens that the parser
//! reports (or keeps, inside free text).

use crate::syntax::span::Span;
use crate::syntax::token::Token;
use logos::Logos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawToken<'s> {
    pub token: Token<'s>,
    pub span: Span,
    /// Tokens inside a string literal's interpolation: the layout pass passes them through.
    pub in_string: bool,
}

/// All raw tokens of `src`. The parse does not build this vector: the layout pass takes the
/// tokens one at a time from a [`Lexer`].
pub fn lex(src: &str) -> Vec<RawToken<'_>> {
    let mut out = Vec::with_capacity(src.len() / 4 + 8);
    out.extend(Lexer::new(src));
    out
}

/// The raw tokens of a text, one at a time.
pub struct Lexer<'s> {
    src: &'s str,
    logos: logos::Lexer<'s, Token<'s>>,
    /// The last significant token, to tell regex from division and spot block scalars.
    prev: Option<Token<'s>>,
    /// The parts of a string literal with interpolations, handed out before lexing on.
    queue: Vec<RawToken<'s>>,
    queued: usize,
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str) -> Self {
        Lexer {
            src,
            logos: Token::lexer(src),
            prev: None,
            queue: Vec::new(),
            queued: 0,
        }
    }

    /// The first of the tokens `push_string` queued.
    fn dequeue(&mut self) -> Option<RawToken<'s>> {
        let t = self.queue.get(self.queued).copied();
        self.queued += 1;
        t
    }
}

fn raw(token: Token<'_>, start: usize, end: usize) -> RawToken<'_> {
    RawToken {
        token,
        span: Span::new(start, end),
        in_string: false,
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = RawToken<'s>;

    fn next(&mut self) -> Option<RawToken<'s>> {
        if self.queued < self.queue.len() {
            return self.dequeue();
        }
        let src = self.src;
        let result = self.logos.next()?;
        let range = self.logos.span();
        let token = match result {
            Ok(t) => t,
            Err(()) => Token::Error,
        };
        let (token, end) = match token {
            Token::Newline | Token::Comment => return Some(raw(token, range.start, range.end)),
            Token::Slash if !self.prev.is_some_and(|p| p.ends_operand()) => {
                match scan_regex(&src[range.start..]) {
                    Some(len) => {
                        self.logos.bump(len - 1);
                        let end = range.start + len;
                        self.prev = Some(Token::Regex(""));
                        (Token::Regex(&src[range.start..end]), end)
                    }
                    None => {
                        self.prev = Some(token);
                        (token, range.end)
                    }
                }
            }
            Token::Pipe
                if self.prev == Some(Token::Colon) && rest_of_line_blank(&src[range.end..]) =>
            {
                let end = scan_block_scalar(src, range.start);
                self.logos.bump(end - range.end);
                self.prev = Some(Token::BlockScalar(""));
                (Token::BlockScalar(&src[range.start..end]), end)
            }
            Token::TripleQuote(open) => {
                let quote = &open[open.len() - 3..];
                let body_start = range.end;
                self.prev = Some(Token::StrEnd);
                match src[body_start..].find(quote) {
                    Some(i) => {
                        let end = body_start + i + 3;
                        self.logos.bump(i + 3);
                        return self.string(range.start, end, open.len(), 3);
                    }
                    None => {
                        self.logos.bump(src.len() - body_start);
                        (Token::Unterminated(&src[range.start..]), src.len())
                    }
                }
            }
            Token::Str(text) => {
                self.prev = Some(token);
                let prefix = usize::from(text.starts_with('f'));
                return self.string(range.start, range.end, prefix + 1, 1);
            }
            _ => {
                self.prev = Some(token);
                (token, range.end)
            }
        };
        Some(raw(token, range.start, end))
    }
}

impl<'s> Lexer<'s> {
    /// A string literal `src[start..end]`: one `Str` token, or its interpolation parts queued.
    fn string(
        &mut self,
        start: usize,
        end: usize,
        open: usize,
        close: usize,
    ) -> Option<RawToken<'s>> {
        let text = &self.src[start..end];
        // `'...'` strings never interpolate (`'{"debug": true}'` is JSON text); f-strings do,
        // whatever their quotes.
        if (!text.starts_with('f') && text.starts_with('\''))
            || !text[open..text.len() - close].contains('{')
        {
            return Some(raw(Token::Str(text), start, end));
        }
        self.queue.clear();
        self.queued = 0;
        push_string(&mut self.queue, self.src, start, end, open, close);
        self.dequeue()
    }
}

fn push<'s>(out: &mut Vec<RawToken<'s>>, token: Token<'s>, start: usize, end: usize) {
    out.push(raw(token, start, end));
}

fn rest_of_line_blank(rest: &str) -> bool {
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Length of a regex literal starting at `/`, or None when the line holds no closing `/`.
fn scan_regex(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    let mut in_class = false;
    if b.get(1).is_some_and(|c| *c == b' ' || *c == b'=') {
        // `/ ` and `/=` are operators however they are placed.
        return None;
    }
    while i < b.len() {
        match b[i] {
            b'\n' | b'\r' => return None,
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => {
                if i == 1 {
                    return None;
                }
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Column width of leading whitespace (a tab advances to the next multiple of 8).
pub fn indent_width(line: &str) -> u32 {
    let mut col = 0u32;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 8 + 1) * 8,
            '\u{FEFF}' | '\x0C' => {}
            _ => break,
        }
    }
    col
}

fn line_start_of(src: &str, at: usize) -> usize {
    src[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// End offset of a block scalar whose `|` is at `pipe`.
fn scan_block_scalar(src: &str, pipe: usize) -> usize {
    let key_indent = indent_width(&src[line_start_of(src, pipe)..]);
    // Skip to the end of the `|` line.
    let mut end = pipe + 1;
    let mut pos = match src[pipe..].find(['\n', '\r']) {
        Some(i) => pipe + i,
        None => return src.len().min(pipe + 1).max(end),
    };
    end = end.max(pipe + 1);
    loop {
        // `pos` is at a line terminator; move past it.
        let next = if src[pos..].starts_with("\r\n") {
            pos + 2
        } else {
            pos + 1
        };
        if next >= src.len() {
            return end;
        }
        let line_end = src[next..]
            .find(['\n', '\r'])
            .map_or(src.len(), |i| next + i);
        let line = &src[next..line_end];
        let trimmed = line.trim();
        if trimmed == "|" {
            return line_end;
        }
        if !trimmed.is_empty() {
            if indent_width(line) <= key_indent {
                return end;
            }
            end = line_end;
        }
        if line_end >= src.len() {
            return end;
        }
        pos = line_end;
    }
}

/// Emit a string literal `src[start..end]`, split into interpolation parts when it has any.
/// `open` is the length of prefix + opening quote, `close` of the closing quote.
fn push_string<'s>(
    out: &mut Vec<RawToken<'s>>,
    src: &'s str,
    start: usize,
    end: usize,
    open: usize,
    close: usize,
) {
    let text = &src[start..end];
    let is_f = text.starts_with('f');
    // `'...'` strings never interpolate (`'{"debug": true}'` is JSON text); f-strings do,
    // whatever their quotes.
    let single = !is_f && text.starts_with('\'');
    let body = &text[open..text.len() - close];
    if single || !body.contains('{') {
        push(out, Token::Str(text), start, end);
        return;
    }
    let parts = split_interpolations(body, is_f);
    if !parts.iter().any(|p| matches!(p, Part::Interp { .. })) {
        push(out, Token::Str(text), start, end);
        return;
    }
    let base = start + open;
    push(out, Token::StrStart(&text[..open]), start, base);
    for part in parts {
        match part {
            Part::Text(a, b) => push(
                out,
                Token::StrText(&src[base + a..base + b]),
                base + a,
                base + b,
            ),
            Part::Interp {
                open: o,
                expr,
                spec,
                close: c,
            } => {
                push(out, Token::InterpStart, base + o, base + o + 1);
                let (ea, eb) = expr;
                let inner = &src[base + ea..base + eb];
                let mut lx = Token::lexer(inner);
                while let Some(r) = lx.next() {
                    let tok = match r {
                        Ok(Token::Newline | Token::Comment) => continue,
                        Ok(Token::TripleQuote(s)) => Token::Unterminated(s),
                        Ok(t) => t,
                        Err(()) => Token::Error,
                    };
                    let sp = lx.span();
                    out.push(RawToken {
                        token: tok,
                        span: Span::new(base + ea + sp.start, base + ea + sp.end),
                        in_string: true,
                    });
                }
                if let Some((sa, sb)) = spec {
                    out.push(RawToken {
                        token: Token::InterpSpec(&src[base + sa..base + sb]),
                        span: Span::new(base + sa, base + sb),
                        in_string: true,
                    });
                }
                out.push(RawToken {
                    token: Token::InterpEnd,
                    span: Span::new(base + c, base + c + 1),
                    in_string: true,
                });
            }
        }
    }
    // Everything between StrStart and StrEnd travels through the layout pass untouched.
    let first = out
        .iter()
        .rposition(|t| matches!(t.token, Token::StrStart(_)))
        .map_or(out.len(), |i| i + 1);
    for t in &mut out[first..] {
        t.in_string = true;
    }
    push(out, Token::StrEnd, end - close, end);
}

enum Part {
    Text(usize, usize),
    Interp {
        open: usize,
        expr: (usize, usize),
        spec: Option<(usize, usize)>,
        close: usize,
    },
}

/// Split a string body into text and `{expr[:spec]}` parts. In plain strings `{{name}}` is a
/// template placeholder and stays text; in f-strings `{{` and `}}` are literal braces.
fn split_interpolations(body: &str, is_f: bool) -> Vec<Part> {
    let b = body.as_bytes();
    let mut parts = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'{' if b.get(i + 1) == Some(&b'{') => {
                if is_f {
                    i += 2;
                } else {
                    // Placeholder: skip to the closing `}}` (or just past `{{`).
                    i = body[i..].find("}}").map_or(i + 2, |j| i + j + 2);
                }
            }
            b'}' if is_f && b.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => match matching_brace(b, i) {
                Some(close) if !body[i + 1..close].trim().is_empty() => {
                    if text_start < i {
                        parts.push(Part::Text(text_start, i));
                    }
                    let (expr_end, spec) = split_format_spec(body, i + 1, close);
                    parts.push(Part::Interp {
                        open: i,
                        expr: (i + 1, expr_end),
                        spec,
                        close,
                    });
                    i = close + 1;
                    text_start = i;
                }
                _ => i += 1,
            },
            _ => i += 1,
        }
    }
    if text_start < b.len() {
        parts.push(Part::Text(text_start, b.len()));
    }
    parts
}

fn matching_brace(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (b[i] == b'}').then_some(i);
                }
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\\' => i += 1,
            b'\n' | b'\r' if depth == 1 && open + 1 == i => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `{ratio:.2f}`: the text after the last top-level `:` is a format spec when it looks like
/// one (no spaces, Python spec shape); `{a ? b : c}` keeps its `:`.
fn split_format_spec(body: &str, start: usize, end: usize) -> (usize, Option<(usize, usize)>) {
    let inner = &body.as_bytes()[start..end];
    let mut depth = 0i32;
    let mut colon = None;
    let mut quote = false;
    let mut ternary = false;
    for (k, &c) in inner.iter().enumerate() {
        match c {
            b'\'' => quote = !quote,
            _ if quote => {}
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b':' if depth == 0 => colon = Some(k),
            // `{ok ? 1 : 0}`: a `?` that is not `?.` or `??` makes the `:` a ternary's.
            b'?' if depth == 0
                && !matches!(inner.get(k + 1), Some(b'.' | b'?'))
                && !(k > 0 && inner[k - 1] == b'?') =>
            {
                ternary = true
            }
            _ => {}
        }
    }
    if let (Some(k), false) = (colon, ternary) {
        let spec = &body[start + k + 1..end];
        if is_format_spec(spec) {
            return (start + k, Some((start + k + 1, end)));
        }
    }
    (end, None)
}

fn is_format_spec(spec: &str) -> bool {
    let b = spec.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    if b.len() > 1 && matches!(b[1], b'<' | b'>' | b'^' | b'=') {
        i = 2;
    } else if matches!(b[0], b'<' | b'>' | b'^' | b'=') {
        i = 1;
    }
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'#' {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && matches!(b[i], b',' | b'_') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let digits = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits {
            return false;
        }
    }
    if i < b.len() && b"bcdeEfFgGnosxX%".contains(&b[i]) {
        i += 1;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        lex(src)
            .iter()
            .filter(|t| !matches!(t.token, Token::Newline | Token::Comment))
            .map(|t| format!("{:?}", t.token))
            .collect()
    }

    #[test]
    fn regex_only_where_an_operand_is_expected() {
        assert_eq!(kinds("a / b / c").len(), 5);
        let k = kinds(r#"t.replace(/[^a-z]+/g, "-")"#);
        assert!(
            k.iter().any(|s| s.starts_with("Regex(\"/[^a-z]+/g\")")),
            "{k:?}"
        );
    }

    #[test]
    fn percent_and_duration_literals() {
        assert_eq!(
            kinds("85% 2h 7_days_ago 0x1F"),
            [
                "Percent(\"85%\")",
                "Duration(\"2h\")",
                "NumWord(\"7_days_ago\")",
                "Hex(\"0x1F\")"
            ]
        );
    }

    #[test]
    fn interpolation_is_split_and_spec_kept() {
        let k = kinds(r#""{ratio:.2f} and {a ? b : c} {{tpl}}""#);
        assert_eq!(k[0], "StrStart(\"\\\"\")");
        assert!(k.contains(&"InterpSpec(\".2f\")".to_string()), "{k:?}");
        assert!(k.contains(&"Ident(\"c\")".to_string()), "{k:?}");
        assert!(k.iter().any(|s| s.contains("{{tpl}}")), "{k:?}");
        let k = kinds(r#""{ok?1:0}""#);
        assert!(!k.iter().any(|t| t.starts_with("InterpSpec")), "{k:?}");
    }

    #[test]
    fn block_scalar_ends_at_pipe_line_or_dedent() {
        let src = "notes: |\n  line one\n  # not a comment\n|\nnext: 1\n";
        let toks = lex(src);
        let bs = toks
            .iter()
            .find(|t| matches!(t.token, Token::BlockScalar(_)))
            .unwrap();
        assert!(src[bs.span.range()].ends_with("comment\n|"));
        let src = "a:\n  notes: |\n    text\n  b: 2\n";
        let toks = lex(src);
        let bs = toks
            .iter()
            .find(|t| matches!(t.token, Token::BlockScalar(_)))
            .unwrap();
        assert!(src[bs.span.range()].ends_with("text"));
    }

    #[test]
    fn triple_quoted_fstring_spans_lines() {
        let src = "x = f\"\"\"a\n# {b}\n\"\"\"\ny";
        let k = kinds(src);
        assert!(k.contains(&"Ident(\"b\")".to_string()), "{k:?}");
        assert_eq!(k.last().unwrap(), "Ident(\"y\")");
    }
}
