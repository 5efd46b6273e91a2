//! Inline suppressions, as ruff's `# noqa`:
//!
//! - `x = frobnicate(1)  # aether: ignore[V001]` suppresses the named rules on its own line;
//! - a comment alone on its line, `// aether: ignore[unknown-function, W004]`, suppresses them
//!   on the next line that holds code;
//! - `# aether: ignore-file[L002]` before the first statement suppresses them in the file.
//!
//! Directives are read from comment tokens only, so `"# aether: ignore[V001]"` inside a string
//! is text. Each code records whether it suppressed anything; those that did not, and codes
//! that name no rule, are warning W007 (a stale suppression would hide a future finding).

use crate::project::config::RuleSet;
use crate::syntax::diagnostic::{find_rule, rules, Diagnostic, Rule};
use crate::syntax::edit::{Edit, Fix};
use crate::syntax::span::Span;
use crate::syntax::token::Token;
use crate::syntax::Parsed;

#[derive(Debug)]
struct Directive {
    target: Target,
    codes: Vec<NamedRule>,
    /// What to delete to remove the directive, when the comment holds nothing else: its
    /// whole line when it stands alone, else the comment and the spaces before it.
    removal: Option<Span>,
}

#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A 1-based line.
    Line(usize),
    File,
    /// An own-line comment with no code below it.
    Nothing,
}

#[derive(Debug)]
struct NamedRule {
    /// As written in the comment.
    text: String,
    span: Span,
    rule: Option<&'static Rule>,
    used: bool,
}

/// What the comments of a file say, and the W007s of comments that say it wrongly.
#[derive(Debug, Default)]
struct Suppressions {
    directives: Vec<Directive>,
    problems: Vec<Diagnostic>,
}

/// Removes the diagnostics the file's comments suppress, then (when the validator ran, so
/// that "suppresses nothing" is known) adds W007 for suppressions that suppressed nothing,
/// except of rules the configuration switches off for this file anyway (`ignored`).
pub fn apply(
    parsed: &Parsed<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    validated: bool,
    ignored: &RuleSet,
) {
    if parsed.comments.is_empty() {
        return;
    }
    let mut s = Suppressions::find(parsed);
    if s.directives.is_empty() && s.problems.is_empty() {
        return;
    }
    s.suppress(parsed, diagnostics);
    if !validated {
        return;
    }
    let mut unused = std::mem::take(&mut s.problems);
    for d in &s.directives {
        // A directive none of whose rules suppressed anything can go: removing it changes
        // no diagnostic, so the fix is safe.
        let fix = d
            .removal
            .filter(|_| d.codes.iter().all(|c| !c.used))
            .map(|span| Fix::safe("remove the suppression comment", vec![Edit::delete(span)]));
        let start = unused.len();
        for code in d.codes.iter().filter(|c| !c.used) {
            match code.rule {
                None => unused.push(
                    Diagnostic::new(
                        &rules::UNUSED_SUPPRESSION,
                        code.span,
                        format!("unknown rule '{}' in suppression", code.text),
                    )
                    .with_help(match similar_rule(&code.text) {
                        Some(r) => format!("did you mean `{}` ({})?", r.id, r.name),
                        None => "`aether explain` lists the rule ids and names".to_string(),
                    }),
                ),
                Some(rule)
                    if !std::ptr::eq(rule, &rules::UNUSED_SUPPRESSION)
                        && !ignored.contains(rule) =>
                {
                    unused.push(
                        Diagnostic::new(
                            &rules::UNUSED_SUPPRESSION,
                            code.span,
                            format!("unused suppression of '{}'", code.text),
                        )
                        .with_help("remove it: nothing here is reported under this rule"),
                    )
                }
                Some(_) => {}
            }
        }
        if let Some(fix) = fix {
            for w in &mut unused[start..] {
                w.fix = Some(fix.clone());
            }
        }
    }
    if ignored.contains(&rules::UNUSED_SUPPRESSION) {
        return;
    }
    // `ignore-file[W007]` and `ignore[W007]` apply to these warnings too.
    s.suppress(parsed, &mut unused);
    diagnostics.append(&mut unused);
}

/// The span that removes a suppression comment at `start..end` whose text is only the
/// directive (`# aether: ignore[V001]`); `None` when it says more (`# legacy # aether: ...`).
fn removal(src: &str, start: usize, end: usize, own_line: bool) -> Option<Span> {
    let text = src.get(start..end)?.trim_end();
    let body = text.strip_prefix('#')?.trim_start();
    if !body.starts_with("aether:") || !body.ends_with(']') || body.contains('#') {
        return None;
    }
    if !own_line {
        // Keep a `\r` the comment token may have taken from a CRLF line ending.
        let before = src[..start].trim_end_matches([' ', '\t']).len();
        return Some(Span::new(before, start + text.len()));
    }
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    match src[end..].find('\n') {
        Some(i) => Some(Span::new(line_start, end + i + 1)),
        // The last line, without a newline: take the line break before it instead, so the
        // file still ends without one.
        None => {
            let from = src[..line_start]
                .strip_suffix('\n')
                .map_or(line_start, |p| p.strip_suffix('\r').unwrap_or(p).len());
            Some(Span::new(from, src.len()))
        }
    }
}

impl Suppressions {
    fn find(parsed: &Parsed<'_>) -> Suppressions {
        let src = parsed.source;
        let first_stmt = parsed
            .file
            .stmts
            .first()
            .map_or(src.len(), |s| s.span.start as usize);
        let mut out = Suppressions::default();
        for comment in &parsed.comments {
            let Some(text) = src.get(comment.range()) else {
                continue;
            };
            let base = comment.start as usize;
            let directive = match scan(text) {
                None => continue,
                Some(Err((at, len, message))) => {
                    out.problems.push(Diagnostic::new(
                        &rules::UNUSED_SUPPRESSION,
                        Span::new(base + at, base + at + len),
                        message,
                    ));
                    continue;
                }
                Some(Ok(d)) => d,
            };
            let line = parsed.lines.line(base);
            let line_start = src[..base].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let own_line = src[line_start..base].trim().is_empty();
            let target = if directive.whole_file {
                if base > first_stmt {
                    out.problems.push(Diagnostic::new(
                        &rules::UNUSED_SUPPRESSION,
                        Span::new(base + directive.at, base + directive.at + "ignore-file".len()),
                        "'ignore-file' after the first statement suppresses nothing; move it to the top of the file",
                    ));
                    continue;
                }
                Target::File
            } else if own_line {
                next_code_line(parsed, comment.end as usize).map_or(Target::Nothing, Target::Line)
            } else {
                Target::Line(line)
            };
            let codes = directive
                .codes
                .into_iter()
                .map(|(at, code)| NamedRule {
                    text: code.to_string(),
                    span: Span::new(base + at, base + at + code.len()),
                    rule: find_rule(code),
                    used: false,
                })
                .collect();
            let removal = removal(src, base, comment.end as usize, own_line);
            out.directives.push(Directive {
                target,
                codes,
                removal,
            });
        }
        out
    }

    /// Drops every diagnostic a directive covers and marks the codes that covered one.
    fn suppress(&mut self, parsed: &Parsed<'_>, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain(|d| {
            if !suppressible(d.rule) {
                return true;
            }
            let line = parsed.lines.line(d.span.start as usize);
            let mut suppressed = false;
            for directive in &mut self.directives {
                let applies = match directive.target {
                    Target::File => true,
                    Target::Line(l) => l == line,
                    Target::Nothing => false,
                };
                if !applies {
                    continue;
                }
                for code in &mut directive.codes {
                    if code.rule.is_some_and(|r| r.id == d.rule.id) {
                        code.used = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        });
    }
}

/// The rule a mistyped id or name most likely meant (`V01`, `unknown-functon`).
fn similar_rule(text: &str) -> Option<&'static Rule> {
    let limit = if text.len() <= 4 { 1 } else { 2 };
    rules::ALL
        .iter()
        .copied()
        .map(|r| {
            let id = strsim::levenshtein(&text.to_ascii_uppercase(), r.id);
            let name = strsim::levenshtein(&text.to_ascii_lowercase(), r.name);
            (id.min(name), r)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r)
}

/// Parse, I/O and internal errors stand whatever a comment says.
fn suppressible(rule: &Rule) -> bool {
    !matches!(rule.id.as_bytes().first(), Some(b'P' | b'I' | b'X'))
}

/// The line of the first code token after `offset`.
fn next_code_line(parsed: &Parsed<'_>, offset: usize) -> Option<usize> {
    let i = parsed
        .tokens
        .partition_point(|(_, span)| (span.start as usize) < offset);
    parsed.tokens[i..]
        .iter()
        .find(|(t, span)| {
            !matches!(t, Token::Newline | Token::Indent | Token::Dedent) && !span.is_empty()
        })
        .map(|(_, span)| parsed.lines.line(span.start as usize))
}

#[derive(Debug, PartialEq, Eq)]
struct Scanned<'t> {
    whole_file: bool,
    /// Offset of `ignore` / `ignore-file` in the comment.
    at: usize,
    /// Each code with its offset in the comment.
    codes: Vec<(usize, &'t str)>,
}

type Malformed = (usize, usize, String);

/// Reads the directive of one comment (with its `#` or `//`): `None` when the comment holds
/// none, an error (offset, length, message) when it starts one and gets it wrong. `aether:`
/// may follow other text after a second marker (`# TODO # aether: ignore[V001]`).
fn scan(comment: &str) -> Option<Result<Scanned<'_>, Malformed>> {
    const PREFIX: &str = "aether:";
    let mut from = 0;
    let start = loop {
        let at = from + comment.get(from..)?.find(PREFIX)?;
        let before = comment[..at].trim_end();
        if before.ends_with('#') || before.ends_with("//") {
            break at + PREFIX.len();
        }
        from = at + PREFIX.len();
    };
    let rest = &comment[start..];
    let at = start + (rest.len() - rest.trim_start().len());
    let rest = &comment[at..];
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let whole_file = match &rest[..word_len] {
        "ignore" => false,
        "ignore-file" => true,
        // `# aether: the scripting language` is prose, not a directive.
        _ => return None,
    };
    let malformed = |message: &str| Some(Err((at, word_len, message.to_string())));
    let after = &rest[word_len..];
    let Some(list) = after.trim_start().strip_prefix('[') else {
        return malformed("malformed suppression: expected a list of rules, as in `ignore[V001]`");
    };
    let list_at = comment.len() - list.len();
    let Some(close) = list.find(']') else {
        return malformed("malformed suppression: the list of rules has no closing `]`");
    };
    let mut codes = Vec::new();
    let mut offset = list_at;
    for item in list[..close].split(',') {
        let trimmed = item.trim_start();
        let code = trimmed.trim_end();
        if !code.is_empty() {
            codes.push((offset + (item.len() - trimmed.len()), code));
        }
        offset += item.len() + 1;
    }
    if codes.is_empty() {
        return malformed("malformed suppression: the list of rules is empty");
    }
    Some(Ok(Scanned {
        whole_file,
        at,
        codes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(comment: &str) -> Vec<&str> {
        let s = scan(comment).unwrap().unwrap();
        for &(at, code) in &s.codes {
            assert_eq!(&comment[at..at + code.len()], code);
        }
        s.codes.iter().map(|c| c.1).collect()
    }

    #[test]
    fn directives_are_read_from_comment_text() {
        assert_eq!(codes("# aether: ignore[V001]"), ["V001"]);
        assert_eq!(codes("//aether:ignore[ V001 ,W004,]"), ["V001", "W004"]);
        assert_eq!(
            codes("# aether: ignore [unknown-function] because"),
            ["unknown-function"]
        );
        assert_eq!(codes("# legacy # aether: ignore[L002]"), ["L002"]);
        assert!(
            scan("# aether: ignore-file[L002]")
                .unwrap()
                .unwrap()
                .whole_file
        );
        assert_eq!(scan("# plain comment"), None);
        assert_eq!(scan("# aether: the language"), None);
        assert_eq!(scan("# see aether: ignore[V001]"), None);
        assert_eq!(scan("# aether: ignored[V001]"), None);
        let (at, len, m) = scan("# aether: ignore V001").unwrap().unwrap_err();
        assert_eq!((at, len), (10, 6));
        assert!(m.contains("expected a list"), "{m}");
        assert!(scan("# aether: ignore[V001").unwrap().is_err());
        assert!(scan("# aether: ignore-file[ , ]").unwrap().is_err());
    }

    fn check(src: &str, diags: Vec<Diagnostic>, validated: bool) -> Vec<(String, usize, String)> {
        let parsed = crate::syntax::parse(src);
        let mut diags = diags;
        apply(&parsed, &mut diags, validated, &RuleSet::default());
        diags
            .iter()
            .map(|d| {
                (
                    d.rule.id.to_string(),
                    parsed.lines.line(d.span.start as usize),
                    d.message.clone(),
                )
            })
            .collect()
    }

    fn at_line(src: &str, line: usize, rule: &'static Rule) -> Diagnostic {
        let start: usize = src.split_inclusive('\n').take(line - 1).map(str::len).sum();
        Diagnostic::new(rule, Span::new(start, start + 1), "finding")
    }

    #[test]
    fn end_of_line_own_line_and_file_directives() {
        let src = "# aether: ignore-file[L002]\n\
                   goal: ship it\n\
                   x = frobnicate(1)  # aether: ignore[V001]\n\
                   // aether: ignore[V001]\n\
                   \n\
                   # a note\n\
                   y = frobnicate(2)\n\
                   z = frobnicate(3)\n";
        let diags = vec![
            at_line(src, 2, &rules::UNQUOTED_GOAL),
            at_line(src, 3, &rules::UNKNOWN_FUNCTION),
            at_line(src, 7, &rules::UNKNOWN_FUNCTION),
            at_line(src, 8, &rules::UNKNOWN_FUNCTION),
        ];
        assert_eq!(
            check(src, diags, true),
            [("V001".into(), 8, "finding".into())]
        );
    }

    #[test]
    fn unused_and_unknown_codes_are_w007_only_after_validation() {
        let src = "x = 1  # aether: ignore[V001, nonsense]\n";
        let got = check(src, vec![], true);
        assert_eq!(
            got,
            [
                ("W007".into(), 1, "unused suppression of 'V001'".into()),
                (
                    "W007".into(),
                    1,
                    "unknown rule 'nonsense' in suppression".into()
                ),
            ]
        );
        assert!(check(src, vec![], false).is_empty());
        // The file-wide W007 suppression silences the others.
        let src = "# aether: ignore-file[W007]\nx = 1  # aether: ignore[V001]\n";
        assert!(check(src, vec![], true).is_empty());
    }

    #[test]
    fn strings_are_not_comments_and_parse_errors_stand() {
        let src = "x = \"# aether: ignore[V001]\"\n";
        let d = at_line(src, 1, &rules::UNKNOWN_FUNCTION);
        assert_eq!(check(src, vec![d], true).len(), 1);
        let src = "x = (  # aether: ignore[P002]\n";
        let d = at_line(src, 1, &rules::UNCLOSED_DELIMITER);
        assert_eq!(check(src, vec![d], false).len(), 1);
    }

    #[test]
    fn mistyped_rules_get_a_suggestion() {
        assert_eq!(similar_rule("V01").map(|r| r.id), Some("V001"));
        assert_eq!(similar_rule("unknown-functon").map(|r| r.id), Some("V001"));
        assert!(similar_rule("nonsense").is_none());
    }

    #[test]
    fn misplaced_file_directive_is_reported() {
        let src = "x = 1\n# aether: ignore-file[V001]\n";
        let got = check(src, vec![], true);
        assert_eq!(got.len(), 1);
        assert!(got[0].2.contains("after the first statement"), "{got:?}");
    }
}
