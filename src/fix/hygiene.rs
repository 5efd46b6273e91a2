//! M001 whitespace hygiene: trailing spaces and tabs, and runs of more than two blank lines.
//!
//! It works on lines, but knows from the tokens which lines belong to a multi-line string or
//! a block scalar: there trailing spaces and blank lines are content, and every line such a
//! token touches is left alone. Only `\n` ends a line; a `\r` before it is part of the line
//! ending and is never touched, so CRLF files stay CRLF.

use crate::syntax::diagnostic::{rules, Diagnostic};
use crate::syntax::edit::{Edit, Fix};
use crate::syntax::span::Span;
use crate::syntax::token::Token;

struct Line {
    start: usize,
    /// End of the content: before trailing `\r\n` / `\n`, or the end of the file.
    content_end: usize,
    /// Start of the next line (after the line ending).
    next: usize,
    /// The whole line lies in a multi-line token (a blank line there is content).
    protected: bool,
    /// Where the line's trailing whitespace may start: after the end of a multi-line token
    /// that ends on this line, else the line start.
    free_from: usize,
}

impl Line {
    fn content<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.content_end]
    }

    fn is_blank(&self, text: &str) -> bool {
        self.content(text).bytes().all(|b| b == b' ' || b == b'\t')
    }

    fn terminated(&self) -> bool {
        self.next > self.content_end
    }
}

/// The spans of string and block-scalar tokens that run over more than one line.
fn multiline_tokens(text: &str, tokens: &[(Token<'_>, Span)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (tok, span) in tokens {
        let r = span.range();
        match tok {
            Token::StrStart(_) => open.push(r.start),
            Token::StrEnd => {
                if let Some(start) = open.pop() {
                    if open.is_empty() {
                        out.push((start, r.end));
                    }
                }
            }
            Token::Str(_) | Token::Unterminated(_) if open.is_empty() => out.push((r.start, r.end)),
            // A block scalar's last line is content to its end, whitespace included.
            Token::BlockScalar(_) if open.is_empty() => {
                let end = text[r.end..]
                    .find(['\r', '\n'])
                    .map_or(text.len(), |i| r.end + i);
                out.push((r.start, end))
            }
            _ => {}
        }
    }
    out.retain(|&(a, b)| text.get(a..b).is_some_and(|s| s.contains('\n')));
    out
}

fn lines(text: &str, tokens: &[(Token<'_>, Span)]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let (content_end, next) = match text[start..].find('\n') {
            Some(i) => {
                let nl = start + i;
                let end = if nl > start && text.as_bytes()[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (end, nl + 1)
            }
            None => (text.len(), text.len()),
        };
        out.push(Line {
            start,
            content_end,
            next,
            protected: false,
            free_from: start,
        });
        start = next;
    }
    // Mark the lines a multi-line token touches (tokens and lines are both in order). On the
    // line where the token ends, whitespace after its end is free.
    let mut i = 0;
    for (a, b) in multiline_tokens(text, tokens) {
        while i < out.len() && out[i].next <= a {
            i += 1;
        }
        let mut j = i;
        while j < out.len() && out[j].start < b {
            if out[j].content_end >= b && b > out[j].start {
                out[j].free_from = out[j].free_from.max(b);
            } else {
                out[j].protected = true;
            }
            j += 1;
        }
    }
    out
}

/// The M001 diagnostics of `text`, each with its fix: one per line with trailing
/// whitespace and one per run of blank lines longer than two.
pub fn check(text: &str, tokens: &[(Token<'_>, Span)]) -> Vec<Diagnostic> {
    let lines = lines(text, tokens);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        // A last line of only whitespace without a line ending stays: removing it would
        // change whether the file ends with a newline.
        let blank = !line.protected && line.is_blank(text) && line.terminated();
        if blank {
            let mut j = i;
            while j < lines.len()
                && !lines[j].protected
                && lines[j].is_blank(text)
                && lines[j].terminated()
            {
                j += 1;
            }
            // Lines i..j are blank: keep two (without their whitespace), delete the rest.
            let keep = (j - i).min(2);
            for l in &lines[i..i + keep] {
                trailing(text, l, &mut out);
            }
            if j - i > 2 {
                let span = Span::new(lines[i + 2].start, lines[j - 1].next);
                out.push(
                    Diagnostic::new(
                        &rules::WHITESPACE_HYGIENE,
                        span,
                        format!("{} blank lines in a row", j - i),
                    )
                    .with_help("two blank lines are enough")
                    .with_fix(Fix::safe(
                        "remove the extra blank lines",
                        vec![Edit::delete(span)],
                    )),
                );
            }
            i = j;
            continue;
        }
        if !line.protected && (line.terminated() || !line.is_blank(text)) {
            trailing(text, line, &mut out);
        }
        i += 1;
    }
    out
}

fn trailing(text: &str, line: &Line, out: &mut Vec<Diagnostic>) {
    let content = line.content(text);
    let kept = content.trim_end_matches([' ', '\t']).len();
    if kept == content.len() || line.start + kept < line.free_from {
        return;
    }
    let span = Span::new(line.start + kept, line.content_end);
    out.push(
        Diagnostic::new(&rules::WHITESPACE_HYGIENE, span, "trailing whitespace").with_fix(
            Fix::safe("remove trailing whitespace", vec![Edit::delete(span)]),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::edit::apply_edits;

    fn fixed(text: &str) -> String {
        let parsed = crate::syntax::parse(text);
        let edits: Vec<Edit> = check(text, &parsed.tokens)
            .into_iter()
            .flat_map(|d| d.fix.unwrap().edits)
            .collect();
        let mut edits = edits;
        edits.sort();
        apply_edits(text, &edits)
    }

    #[test]
    fn trailing_whitespace_and_blank_runs() {
        assert_eq!(fixed("a = 1  \t\nb = 2\n"), "a = 1\nb = 2\n");
        assert_eq!(
            fixed("a = 1\r\n\r\n  \r\n\r\n\r\nb = 2 \r\n"),
            "a = 1\r\n\r\n\r\nb = 2\r\n"
        );
        assert_eq!(fixed("a = 1   "), "a = 1");
        assert_eq!(fixed("a = 1\n\n\n\n   "), "a = 1\n\n\n   ");
        assert_eq!(fixed("\u{feff}a = 1 \n"), "\u{feff}a = 1\n");
        assert_eq!(fixed("\ta = 1\n"), "\ta = 1\n");
    }

    #[test]
    fn strings_and_block_scalars_are_content() {
        let text = "x = \"\"\"a  \n\n\n\nb\"\"\"  \nnotes: |\n  hi  \n\n\n\n  there  \ny = 2  \n";
        assert_eq!(
            fixed(text),
            "x = \"\"\"a  \n\n\n\nb\"\"\"\nnotes: |\n  hi  \n\n\n\n  there  \ny = 2\n"
        );
        let f = "y = f\"\"\"{x}  \n\n\n\n\"\"\"\n";
        assert_eq!(fixed(f), f);
    }
}
