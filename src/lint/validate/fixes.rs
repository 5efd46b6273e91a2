//! The fixes of the legacy rules (L001-L005): the edits that write a legacy form in its
//! modern spelling. Each is computed from spans of the tree, never by reprinting a line.

use crate::syntax::ast::{ExprKind, StmtKind, StrPart, Value};
use crate::syntax::edit::{Applicability, Edit, Fix};
use crate::syntax::span::Span;

/// Replace the word at `span` (a key, a callee, a literal) with `new`.
pub fn rename(span: Span, old: &str, new: &str, applicability: Applicability) -> Fix {
    Fix::new(
        format!("replace `{old}` with `{new}`"),
        applicability,
        vec![Edit::replace(span, new)],
    )
}

/// Trailing options of a goal directive, as they appear after free text.
const OPTIONS: &[&str] = &[" priority:", " deadline:", " metrics:"];

/// L002: quote a goal's free text. Only text the runtime reads as its own words gets a fix:
/// a phrase or a single bare word (`goal: reduce_latency`). An expression's value is computed,
/// so quoting its source would change the goal.
pub fn quote_goal(value: &Value<'_>) -> Option<Fix> {
    let (text, span) = match value {
        Value::Text { text, span } => (*text, *span),
        Value::Expr { expr } => match &expr.node {
            ExprKind::Name { name } => (*name, expr.span),
            _ => return None,
        },
        _ => return None,
    };
    // `goal: fix yesterday's bug priority: high`: the apostrophe opened a string that ran to
    // the end of the line, so the option is inside the text. Quoting would make that final;
    // the author has to decide.
    if OPTIONS.iter().any(|o| text.contains(o)) {
        return None;
    }
    let quoted = quote(text)?;
    Some(Fix::safe(
        "quote the goal text",
        vec![Edit::replace(span, quoted)],
    ))
}

/// `text` as a double-quoted string literal whose value is exactly `text`: `\` and `"`
/// escaped, and a lone `{` or `}` escaped so that it cannot open an interpolation
/// (`{{placeholders}}` are text in plain strings and stay as written). The result is lexed
/// and parsed back; when its value is not `text`, there is no fix rather than a wrong one.
pub fn quote(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let b = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next()?;
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '{' | '}' if b.get(i + 1) == Some(&(c as u8)) => {
                out.push(c);
                out.push(c);
                i += 2;
                continue;
            }
            '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => return None,
            c => out.push(c),
        }
        i += c.len_utf8();
    }
    out.push('"');
    (string_value(&out).as_deref() == Some(text)).then_some(out)
}

/// The value of `literal` when it parses as one plain string literal.
fn string_value(literal: &str) -> Option<String> {
    let src = format!("{literal}\n");
    let parsed = crate::syntax::parse(&src);
    if parsed.has_errors() || parsed.file.stmts.len() != 1 {
        return None;
    }
    let StmtKind::Expr { expr, body: None } = &parsed.file.stmts[0].node else {
        return None;
    };
    let ExprKind::Str { parts, .. } = &expr.node else {
        return None;
    };
    let mut out = String::new();
    for p in parts {
        match p {
            StrPart::Text { text } => out.push_str(text),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_keeps_the_text() {
        assert_eq!(
            quote("cut p99 latency").as_deref(),
            Some("\"cut p99 latency\"")
        );
        assert_eq!(
            quote(r#"say "hi" to C:\tmp"#).as_deref(),
            Some(r#""say \"hi\" to C:\\tmp""#)
        );
        assert_eq!(
            quote("fix {x} for {{team}}").as_deref(),
            Some(r#""fix \{x\} for {{team}}""#)
        );
        assert_eq!(
            quote("naïve café 20%").as_deref(),
            Some("\"naïve café 20%\"")
        );
    }
}
