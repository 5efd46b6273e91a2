//! Semantic tokens (`textDocument/semanticTokens/full` and `range`): every token of the real
//! lexer, classified by the parser's tree and the index's scopes, so each dialect (braces,
//! indentation, `end`) is highlighted by what its words mean there, not by a regex.
//!
//! Only the protocol's standard token types and modifiers are used, so an editor needs no
//! map of its own. Computed on request, never on the didChange path.

use crate::lsp::document::{Document, Encoding};
use crate::lsp::index::{DefKind, Index};
use crate::registry::{builtins, vocabulary};
use crate::syntax::ast::*;
use crate::syntax::span::Span;
use crate::syntax::token::Token;
use crate::syntax::visit::{self, Visitor};
use lsp_types as lsp;
use std::collections::HashMap;

/// The legend, in index order: what the numbers in the answer mean.
pub const TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::METHOD,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::PROPERTY,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::OPERATOR,
    lsp::SemanticTokenType::NAMESPACE,
    lsp::SemanticTokenType::EVENT,
    lsp::SemanticTokenType::MACRO,
    lsp::SemanticTokenType::DECORATOR,
    lsp::SemanticTokenType::TYPE,
    lsp::SemanticTokenType::ENUM_MEMBER,
];

pub const MODIFIERS: &[lsp::SemanticTokenModifier] = &[
    lsp::SemanticTokenModifier::DECLARATION,
    lsp::SemanticTokenModifier::READONLY,
    lsp::SemanticTokenModifier::DEFAULT_LIBRARY,
    lsp::SemanticTokenModifier::DEPRECATED,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    Keyword,
    Function,
    Method,
    Parameter,
    Variable,
    Property,
    String,
    Number,
    Comment,
    Operator,
    Namespace,
    Event,
    /// Directives and v1.1 sections (`goal:`, `policy:`): the lines that configure a
    /// script rather than run.
    Macro,
    Decorator,
    Type,
    EnumMember,
}

pub const DECLARATION: u32 = 1;
pub const READONLY: u32 = 2;
pub const DEFAULT_LIBRARY: u32 = 4;

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// One highlighted piece of the text, on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified {
    pub span: Span,
    pub kind: Kind,
    pub modifiers: u32,
}

/// What the tree says about the words at given offsets, and about whole ranges (import
/// paths, module paths, type annotations) whose tokens all take one kind.
#[derive(Default)]
struct Names<'i> {
    index: Option<&'i Index>,
    at: HashMap<u32, (Kind, u32)>,
    ranges: Vec<(Span, Kind, u32)>,
}

impl Names<'_> {
    fn set(&mut self, span: Span, kind: Kind, modifiers: u32) {
        self.at.insert(span.start, (kind, modifiers));
    }

    /// A name read in code: what it resolves to by the scopes.
    fn name(&mut self, name: &str, span: Span, called: bool) {
        let resolved = self
            .index
            .and_then(|ix| ix.resolve(name, span.start as usize));
        let declared = |d: &crate::lsp::index::Def| if d.span == span { DECLARATION } else { 0 };
        let (kind, mods) = match resolved {
            Some(d) => match &d.kind {
                DefKind::Function { .. } => (Kind::Function, declared(d)),
                DefKind::Parameter { .. } => (Kind::Parameter, declared(d)),
                DefKind::Variable => (Kind::Variable, declared(d)),
                DefKind::Import { .. } | DefKind::Plugin => (Kind::Namespace, 0),
                DefKind::Block | DefKind::Event => (Kind::Event, 0),
            },
            None if called && builtins::lookup(name).is_some() => (Kind::Function, DEFAULT_LIBRARY),
            None if called && vocabulary::lookup(name).is_some() => {
                (Kind::Function, DEFAULT_LIBRARY)
            }
            None if called => (Kind::Function, 0),
            None if builtins::is_runtime_name(name) => (Kind::Variable, DEFAULT_LIBRARY | READONLY),
            None => (Kind::Variable, 0),
        };
        self.set(span, kind, mods);
    }

    fn key(&mut self, key: &Spanned<Key<'_>>, code_scope_def: bool) {
        if let Key::Word { .. } = key.node {
            let kind = if code_scope_def {
                (Kind::Variable, DECLARATION)
            } else {
                (Kind::Property, 0)
            };
            self.set(key.span, kind.0, kind.1);
        }
    }
}

impl<'a> Visitor<'a> for Names<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        match &stmt.node {
            StmtKind::Function { name, params, .. } => {
                self.set(name.span, Kind::Function, DECLARATION);
                self.params(params);
            }
            StmtKind::Plugin { name, .. } => self.set(name.span, Kind::Namespace, DECLARATION),
            StmtKind::NamedBlock { name, label, .. } => {
                self.set(name.span, Kind::Event, DECLARATION);
                if let Some(l) = label {
                    self.set(l.span, Kind::Event, DECLARATION);
                }
            }
            StmtKind::Behavior { name, .. } => self.set(name.span, Kind::Event, DECLARATION),
            StmtKind::When { cond, .. } => {
                let callee = match &cond.node {
                    ExprKind::Call { callee, .. } => callee,
                    _ => cond,
                };
                if let ExprKind::Name { .. } = callee.node {
                    self.set(callee.span, Kind::Event, DECLARATION);
                    // The payload names are bindings of the handler.
                    if let ExprKind::Call { args, .. } = &cond.node {
                        for a in args {
                            match a {
                                Arg::Positional { value } => {
                                    if let ExprKind::Name { .. } = value.node {
                                        self.set(value.span, Kind::Parameter, DECLARATION);
                                    }
                                }
                                Arg::Keyword { name, .. } => {
                                    self.set(name.span, Kind::Parameter, DECLARATION)
                                }
                                Arg::Spread { .. } => {}
                            }
                        }
                    }
                }
            }
            StmtKind::Directive { kv, .. } => {
                self.set(kv.key.span, Kind::Macro, 0);
            }
            StmtKind::Section { key, .. } => self.ranges.push((*key, Kind::Macro, 0)),
            StmtKind::Let { name, .. } | StmtKind::TypedAssign { name, .. } => {
                self.set(name.span, Kind::Variable, DECLARATION)
            }
            StmtKind::For { vars, .. } => {
                for v in vars {
                    self.set(v.span, Kind::Variable, DECLARATION);
                }
            }
            StmtKind::Try { catches, .. } => {
                for c in catches {
                    if let Some(n) = &c.binding {
                        self.set(n.span, Kind::Variable, DECLARATION);
                    }
                }
            }
            StmtKind::Import { path, alias } | StmtKind::Use { path, alias } => {
                self.ranges.push((path.span, Kind::Namespace, 0));
                if let Some(a) = alias {
                    self.set(a.span, Kind::Namespace, DECLARATION);
                }
            }
            StmtKind::Entry { kv } => {
                // An assignment in code is a binding the index knows; elsewhere a key.
                let binds = self.index.is_some_and(|ix| {
                    ix.defs
                        .iter()
                        .any(|d| d.span == kv.key.span && d.kind == DefKind::Variable)
                });
                self.key(&kv.key, binds);
            }
            StmtKind::Command { command } => {
                let known = vocabulary::lookup(command.verb.node).is_some();
                let mods = if known { DEFAULT_LIBRARY } else { 0 };
                self.set(command.verb.span, Kind::Function, mods);
                for p in &command.parts {
                    if let Part::Word { span, .. } = p {
                        self.set(*span, Kind::Keyword, 0);
                    }
                }
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_key_value(&mut self, kv: &'a KeyValue<'a>) {
        if !self.at.contains_key(&kv.key.span.start) {
            self.key(&kv.key, false);
        }
        for o in &kv.options {
            self.set(o.key.span, Kind::Property, 0);
        }
        visit::walk_key_value(self, kv);
    }

    fn visit_part(&mut self, part: &'a Part<'a>) {
        if let Part::Pair { pair } = part {
            self.set(pair.key.span, Kind::Parameter, 0);
        }
        visit::walk_part(self, part);
    }

    fn visit_value(&mut self, value: &'a Value<'a>) {
        if let Value::Invoke { invoke, .. } = value {
            self.ranges.push((invoke.target.span, Kind::Function, 0));
        }
        visit::walk_value(self, value);
    }

    fn visit_arg(&mut self, arg: &'a Arg<'a>) {
        if let Arg::Keyword { name, .. } = arg {
            self.set(name.span, Kind::Parameter, 0);
        }
        visit::walk_arg(self, arg);
    }

    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Name { name } | ExprKind::Var { name } => self.name(name, expr.span, false),
            ExprKind::Bool { .. } | ExprKind::Null => self.set(expr.span, Kind::Keyword, 0),
            ExprKind::Call { callee, .. } => {
                match &callee.node {
                    ExprKind::Name { name } => self.name(name, callee.span, true),
                    ExprKind::Member { name, .. } => self.set(name.span, Kind::Method, 0),
                    _ => {}
                }
                // The callee is classified; walk the rest (a member's object included).
                if let ExprKind::Member { object, .. } = &callee.node {
                    self.visit_expr(object);
                } else if !matches!(callee.node, ExprKind::Name { .. }) {
                    self.visit_expr(callee);
                }
                if let ExprKind::Call { args, .. } = &expr.node {
                    args.iter().for_each(|a| self.visit_arg(a));
                }
                return;
            }
            // A called member is already a method.
            ExprKind::Member { name, .. } if !self.at.contains_key(&name.span.start) => {
                self.set(name.span, Kind::Property, 0);
            }
            ExprKind::Map { entries } => {
                for e in entries {
                    match e {
                        MapEntry::Pair { key, .. } => {
                            if let ExprKind::Name { .. } = key.node {
                                self.set(key.span, Kind::Property, 0);
                                // Keys are not reads.
                            }
                        }
                        MapEntry::Shorthand { name } => self.name(name.node, name.span, false),
                        MapEntry::Spread { .. } => {}
                    }
                }
                // Shorthand names are classified above.
                visit::walk_map_reads(self, entries, |_, _| {});
                return;
            }
            ExprKind::ListPair { key, .. } => {
                if let ExprKind::Name { .. } = key.node {
                    self.set(key.span, Kind::Property, 0);
                }
            }
            ExprKind::CallPath(call) => {
                let path = &call.path;
                match path.node.rsplit_once('.') {
                    Some((_, name)) => {
                        let end = path.span.end as usize;
                        let fn_span = Span::new(end.saturating_sub(name.len()), end);
                        self.ranges.push((
                            Span::new(path.span.start as usize, fn_span.start as usize),
                            Kind::Namespace,
                            0,
                        ));
                        self.set(fn_span, Kind::Function, 0);
                    }
                    None => self.name(&path.node, path.span, true),
                }
            }
            ExprKind::Lambda { params, .. } | ExprKind::FnExpr { params, .. } => {
                self.params(params)
            }
            ExprKind::Comprehension(c) => {
                for v in &c.vars {
                    self.set(v.span, Kind::Variable, DECLARATION);
                }
            }
            _ => {}
        }
        if let ExprKind::Assign { target, .. } = &expr.node {
            if let ExprKind::Name { name } = target.node {
                self.name(name, target.span, false);
            }
        }
        visit::walk_expr(self, expr);
    }
}

impl Names<'_> {
    fn params(&mut self, params: &[Param<'_>]) {
        for p in params {
            if p.pattern.is_empty() {
                self.set(p.name.span, Kind::Parameter, DECLARATION);
            }
            for n in &p.pattern {
                self.set(n.span, Kind::Parameter, DECLARATION);
            }
            if let Some(ty) = &p.ty {
                self.ranges.push((ty.span, Kind::Type, 0));
            }
        }
    }
}

/// The class of a token the tree says nothing about.
fn lexical(token: Token<'_>) -> Option<Kind> {
    use Token as T;
    Some(match token {
        T::Comment => Kind::Comment,
        T::Int(_) | T::Float(_) | T::Hex(_) | T::Percent(_) | T::Duration(_) | T::NumWord(_) => {
            Kind::Number
        }
        T::Str(_)
        | T::TripleQuote(_)
        | T::Unterminated(_)
        | T::StrStart(_)
        | T::StrText(_)
        | T::StrEnd
        | T::InterpSpec(_)
        | T::Regex(_)
        | T::BlockScalar(_) => Kind::String,
        T::Ident(w) if crate::syntax::parser::is_keyword(w) => Kind::Keyword,
        T::DollarIdent(_) => Kind::Variable,
        T::Eq
        | T::EqEq
        | T::NotEq
        | T::Lt
        | T::Gt
        | T::LtEq
        | T::GtEq
        | T::Plus
        | T::Minus
        | T::Star
        | T::StarStar
        | T::Slash
        | T::Percent_
        | T::PlusEq
        | T::MinusEq
        | T::StarEq
        | T::SlashEq
        | T::PercentEq
        | T::PlusPlus
        | T::MinusMinus
        | T::Bang
        | T::AndAnd
        | T::OrOr
        | T::Amp
        | T::Pipe
        | T::Caret
        | T::Tilde
        | T::Shl
        | T::Shr
        | T::FatArrow
        | T::Arrow
        | T::UnicodeArrow
        | T::QuestionQuestion
        | T::DotDot
        | T::Ellipsis => Kind::Operator,
        _ => return None,
    })
}

/// Every classified token of `text`, in order, none spanning lines.
pub fn classify(text: &str) -> Vec<Classified> {
    let parsed = crate::syntax::parse(text);
    let index = Index::build(text, &parsed.file);
    let mut names = Names {
        index: Some(&index),
        ..Names::default()
    };
    visit::walk_file(&mut names, &parsed.file);
    let in_range = |at: u32| {
        names
            .ranges
            .iter()
            .rev()
            .find(|(s, _, _)| s.start <= at && at < s.end)
            .map(|&(_, k, m)| (k, m))
    };
    let mut out = Vec::new();
    for t in crate::syntax::lexer::lex(text) {
        let start = t.span.start;
        let class = match t.token {
            Token::Ident(_) | Token::DollarIdent(_) => names
                .at
                .get(&start)
                .copied()
                .or_else(|| in_range(start))
                .or_else(|| lexical(t.token).map(|k| (k, 0))),
            Token::Comment | Token::Newline => lexical(t.token).map(|k| (k, 0)),
            _ => in_range(start).or_else(|| lexical(t.token).map(|k| (k, 0))),
        };
        if let Some((kind, modifiers)) = class {
            split_lines(text, t.span, kind, modifiers, &mut out);
        }
    }
    out
}

/// Clients without `multilineTokenSupport` need one token per line.
fn split_lines(text: &str, span: Span, kind: Kind, modifiers: u32, out: &mut Vec<Classified>) {
    let Some(slice) = text.get(span.range()) else {
        return;
    };
    let mut start = span.start as usize;
    for line in slice.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !body.is_empty() {
            out.push(Classified {
                span: Span::new(start, start + body.len()),
                kind,
                modifiers,
            });
        }
        start += line.len();
    }
}

/// The protocol's encoding: each token relative to the one before, lengths in the
/// negotiated units; only those that meet `range` when one is given.
pub fn tokens(doc: &Document, enc: Encoding, range: Option<lsp::Range>) -> lsp::SemanticTokens {
    let (lo, hi) = match range {
        Some(r) => (doc.offset(r.start, enc), doc.offset(r.end, enc)),
        None => (0, usize::MAX),
    };
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for c in classify(&doc.text) {
        if (c.span.end as usize) < lo || (c.span.start as usize) > hi {
            continue;
        }
        let start = doc.lines.position(&doc.text, c.span.start as usize, enc);
        let end = doc.lines.position(&doc.text, c.span.end as usize, enc);
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - col
        } else {
            start.character
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character.saturating_sub(start.character),
            token_type: c.kind as u32,
            token_modifiers_bitset: c.modifiers,
        });
        (line, col) = (start.line, start.character);
    }
    lsp::SemanticTokens {
        result_id: None,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(&str, Kind, u32)> {
        classify(src)
            .into_iter()
            .map(|c| (&src[c.span.range()], c.kind, c.modifiers))
            .collect()
    }

    #[test]
    fn legend_matches_the_kinds() {
        assert_eq!(TYPES.len(), Kind::EnumMember as usize + 1);
        assert_eq!(TYPES[Kind::Macro as usize].as_str(), "macro");
        assert_eq!(TYPES[Kind::Parameter as usize].as_str(), "parameter");
    }

    #[test]
    fn brace_dialect() {
        let src = "# hi\nfn f(x, y = 2) {\n    return f(x, y=1) + 10%\n}\n";
        let k = kinds(src);
        assert_eq!(k[0], ("# hi", Kind::Comment, 0));
        assert!(k.contains(&("fn", Kind::Keyword, 0)), "{k:?}");
        assert!(k.contains(&("f", Kind::Function, DECLARATION)), "{k:?}");
        assert!(k.contains(&("x", Kind::Parameter, DECLARATION)), "{k:?}");
        assert!(k.contains(&("10%", Kind::Number, 0)), "{k:?}");
        assert!(k.contains(&("+", Kind::Operator, 0)), "{k:?}");
    }

    #[test]
    fn multi_line_tokens_are_split() {
        let src = "x = \"\"\"a\nb\"\"\"\n";
        let strings: Vec<_> = kinds(src)
            .into_iter()
            .filter(|(_, k, _)| *k == Kind::String)
            .map(|(t, _, _)| t)
            .collect();
        assert_eq!(strings, ["\"\"\"a", "b\"\"\""]);
    }
}
