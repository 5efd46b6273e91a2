//! Static risk analysis on the syntax tree: calls, command verbs and string literals that
//! evaluate code, reach the network, run a shell or write files. The original matched
//! regexes on raw lines, comments included; a comment is not in the tree, so it is never a
//! finding here.
//!
//! | kind | weight | found in |
//! |---|---|---|
//! | `dynamic-eval` | 5 | calls and verbs `exec`, `eval`; strings containing `eval(` or `exec(` |
//! | `network-call` | 2 | calls and verbs `curl`, `wget`; strings with `http://`, `https://`, `curl `, `wget ` |
//! | `shell-exec` | 4 | calls `os.system`, `os.popen`, `subprocess.*`; strings containing those names |
//! | `file-write` | 2 | `open(..., "w"/"a"/"x"/"+")`, `write(...)`, `x.write(...)`, `writelines` |
//!
//! One finding per line and kind: `os.system("curl http://x")` is a `shell-exec` and a
//! `network-call`, but two URLs on one line are one `network-call`.

use crate::syntax::ast::{Arg, Command, Expr, ExprKind, Stmt, StmtKind, StrPart};
use crate::syntax::visit::{walk_expr, walk_file, walk_stmt, Visitor};
use crate::syntax::Parsed;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Kind {
    #[serde(rename = "dynamic-eval")]
    DynamicEval,
    #[serde(rename = "network-call")]
    NetworkCall,
    #[serde(rename = "shell-exec")]
    ShellExec,
    #[serde(rename = "file-write")]
    FileWrite,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::DynamicEval => "dynamic-eval",
            Kind::NetworkCall => "network-call",
            Kind::ShellExec => "shell-exec",
            Kind::FileWrite => "file-write",
        }
    }

    pub fn weight(self) -> u32 {
        match self {
            Kind::DynamicEval => 5,
            Kind::NetworkCall => 2,
            Kind::ShellExec => 4,
            Kind::FileWrite => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based, counted from the file's first byte.
    pub line: usize,
    pub kind: Kind,
    /// The line's text, trimmed, at most 120 characters.
    pub snippet: String,
}

/// Findings sorted by line, then kind.
pub fn analyse(parsed: &Parsed<'_>) -> Vec<Finding> {
    let mut finder = Finder {
        parsed,
        seen: BTreeSet::new(),
    };
    walk_file(&mut finder, &parsed.file);
    finder
        .seen
        .into_iter()
        .map(|(line, kind)| Finding {
            line,
            kind,
            snippet: snippet(parsed.source, line),
        })
        .collect()
}

/// The total weight of some findings.
pub fn score(findings: &[Finding]) -> u32 {
    findings.iter().map(|f| f.kind.weight()).sum()
}

fn snippet(src: &str, line: usize) -> String {
    let text = src.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    let text = text.trim();
    match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

struct Finder<'p, 's> {
    parsed: &'p Parsed<'s>,
    seen: BTreeSet<(usize, Kind)>,
}

impl Finder<'_, '_> {
    fn add(&mut self, offset: u32, kind: Kind) {
        let (line, _) = self
            .parsed
            .lines
            .line_col(self.parsed.source, offset as usize);
        self.seen.insert((line, kind));
    }
}

/// `a.b.c` of a callee made of names and members; `None` for anything else.
fn dotted(e: &Expr<'_>) -> Option<String> {
    match &e.node {
        ExprKind::Name { name } => Some((*name).to_string()),
        ExprKind::Member { object, name, .. } => Some(format!("{}.{}", dotted(object)?, name.node)),
        _ => None,
    }
}

/// The kind of a call by its dotted name, and whether its last part is a method name.
fn call_kind(path: &str, args: &[Arg<'_>]) -> Option<Kind> {
    let last = path.rsplit('.').next().unwrap_or(path);
    if matches!(last, "exec" | "eval") {
        return Some(Kind::DynamicEval);
    }
    if path == "os.system"
        || path == "os.popen"
        || path == "subprocess"
        || path.starts_with("subprocess.")
    {
        return Some(Kind::ShellExec);
    }
    if matches!(last, "curl" | "wget") {
        return Some(Kind::NetworkCall);
    }
    if matches!(last, "write" | "writelines") {
        return Some(Kind::FileWrite);
    }
    if last == "open" && opens_for_writing(args) {
        return Some(Kind::FileWrite);
    }
    None
}

/// `open(path, "w")`, `open(path, mode="a")`: a literal mode with `w`, `a`, `x` or `+`.
fn opens_for_writing(args: &[Arg<'_>]) -> bool {
    let mode = args.iter().enumerate().find_map(|(i, a)| match a {
        Arg::Positional { value } if i == 1 => Some(value),
        Arg::Keyword { name, value } if name.node == "mode" => Some(value),
        _ => None,
    });
    mode.and_then(literal_text)
        .is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
}

fn literal_text(e: &Expr<'_>) -> Option<String> {
    match &e.node {
        ExprKind::Str { parts, .. } => Some(
            parts
                .iter()
                .filter_map(|p| match p {
                    StrPart::Text { text } => Some(text.as_ref()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The kinds a string literal's text suggests.
fn string_kinds(text: &str) -> Vec<Kind> {
    let lower = text.to_ascii_lowercase();
    let mut kinds = Vec::new();
    if lower.contains("eval(") || lower.contains("exec(") {
        kinds.push(Kind::DynamicEval);
    }
    if lower.contains("http://")
        || lower.contains("https://")
        || lower.starts_with("curl ")
        || lower.starts_with("wget ")
        || lower.contains(" curl ")
        || lower.contains(" wget ")
    {
        kinds.push(Kind::NetworkCall);
    }
    if lower.contains("os.system") || lower.contains("os.popen") || lower.contains("subprocess") {
        kinds.push(Kind::ShellExec);
    }
    kinds
}

impl<'a> Visitor<'a> for Finder<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        if let StmtKind::Command { command, .. } = &stmt.node {
            self.command(command);
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Call { callee, args } => {
                if let Some(kind) = dotted(callee).and_then(|p| call_kind(&p, args)) {
                    self.add(expr.span.start, kind);
                }
            }
            ExprKind::CallPath(cp) => {
                let path = cp.path.node.replace('/', ".");
                if let Some(kind) = call_kind(&path, cp.args.as_deref().unwrap_or(&[])) {
                    self.add(expr.span.start, kind);
                }
            }
            ExprKind::Str { parts, .. } => {
                for part in parts {
                    if let StrPart::Text { text } = part {
                        for kind in string_kinds(text) {
                            self.add(expr.span.start, kind);
                        }
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

impl Finder<'_, '_> {
    /// A command phrase whose verb runs code or fetches: `exec "..."`, `curl URL`.
    fn command(&mut self, command: &Command<'_>) {
        let kind = match command.verb.node {
            "exec" | "eval" => Some(Kind::DynamicEval),
            "curl" | "wget" => Some(Kind::NetworkCall),
            _ => None,
        };
        if let Some(kind) = kind {
            self.add(command.verb.span.start, kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(usize, &'static str)> {
        let parsed = crate::syntax::parse(src);
        analyse(&parsed)
            .into_iter()
            .map(|f| (f.line, f.kind.name()))
            .collect()
    }

    #[test]
    fn calls_and_strings_not_comments() {
        assert_eq!(kinds("# eval(x) and curl http://x\nreflect()\n"), vec![]);
        assert_eq!(kinds("x = eval(\"1+1\")\n"), vec![(1, "dynamic-eval")]);
        assert_eq!(kinds("os.system(\"ls\")\n"), vec![(1, "shell-exec")]);
        assert_eq!(
            kinds("r = fetch(\"https://example.com\")\n"),
            vec![(1, "network-call")]
        );
        assert_eq!(
            kinds("f = open(\"o.txt\", \"w\")\nf.write(\"x\")\n"),
            vec![(1, "file-write"), (2, "file-write")]
        );
        assert_eq!(kinds("f = open(\"o.txt\")\n"), vec![]);
    }
}
