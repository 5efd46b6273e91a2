//! Semantic validation: name resolution over the whole AST, call checks, command verbs, and
//! warnings for legacy forms, dead code, duplicate map keys and read-before-assignment.
//!
//! The walk keeps a stack of scopes. Entering a function, lambda, plugin, named block or
//! event handler pushes a scope whose bindings are collected first (declarations are hoisted,
//! variables remember where they are first assigned), then its statements are checked in order.
//!
//! What each position means (code, words, declaration, data) is decided by
//! `crate::syntax::position`, which the interpreter reads too. In code a bare name is a read
//! and must be bound (V009); elsewhere it is a word (`model: small-local`, `- cite the logs`).
//! A call that resolves nowhere is an error (V001) where calls run, and a capability
//! reference (W006) in declarations and data.

mod fixes;
pub mod modules;
mod scope;
pub mod suggest;

use crate::project::host::Host;
use crate::registry::builtins;
use crate::registry::vocabulary;
use crate::syntax::ast::*;
use crate::syntax::diagnostic::{rules, Diagnostic};
use crate::syntax::edit::Applicability;
use crate::syntax::position::{self, Block as BlockRole, Position};
use crate::syntax::span::Span;
use crate::syntax::visit::{self, Visitor};
pub use modules::ModuleCache;
use scope::{Binding, BindingKind, Scope, ScopeKind, Signature};
use std::collections::HashSet;
use std::path::Path;

/// What the validator needs to know besides the tree.
pub struct Context<'c> {
    /// The checked file, for finding modules beside it.
    pub file: Option<&'c Path>,
    pub modules: &'c ModuleCache,
    /// What the host runtime provides (`[host]` of the file's `aether.toml`).
    pub host: &'c Host,
}

/// All semantic diagnostics of a file that parsed without errors.
pub fn validate<'a>(file: &'a File<'a>, cx: &Context<'_>) -> Vec<Diagnostic> {
    run(file, cx, false).0
}

/// The names a file uses that nothing in it, the builtins or the host declarations defines:
/// what `aether init` proposes to declare under `[host]`.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Unknown callees.
    pub functions: Vec<Unresolved>,
    /// Command verbs outside the vocabulary.
    pub verbs: Vec<Unresolved>,
    /// Names read in code that are bound nowhere.
    pub names: Vec<Unresolved>,
}

/// One use of a name nothing defines.
#[derive(Debug)]
pub struct Unresolved {
    pub name: String,
    /// The number of arguments of a call.
    pub arity: Option<usize>,
    /// The closest known name (the "did you mean"), if any.
    pub close_to: Option<String>,
    /// Whether it is a slip of the fingers on `close_to` (`suggest::near_miss`): a typo,
    /// reported as an error wherever it is written.
    pub typo: bool,
}

/// The diagnostics of a file, and its inventory of unresolved names.
pub fn validate_with_inventory<'a>(
    file: &'a File<'a>,
    cx: &Context<'_>,
) -> (Vec<Diagnostic>, Inventory) {
    run(file, cx, true)
}

fn run<'a>(
    file: &'a File<'a>,
    cx: &Context<'_>,
    collect_inventory: bool,
) -> (Vec<Diagnostic>, Inventory) {
    let mut v = Validator {
        cx,
        collect_inventory,
        inventory: Inventory::default(),
        scopes: Vec::new(),
        diags: Vec::new(),
        position: Position::Code,
        block: BlockRole::Code,
        unresolved: HashSet::new(),
        brace_depth: 0,
    };
    v.scoped(ScopeKind::Function, |v| {
        v.collect(&file.stmts);
        v.stmts(&file.stmts);
    });
    (v.diags, v.inventory)
}

struct Validator<'a, 'c> {
    cx: &'c Context<'c>,
    /// Whether to record the inventory (`aether init`); a plain check skips the work.
    collect_inventory: bool,
    inventory: Inventory,
    scopes: Vec<Scope<'a>>,
    diags: Vec<Diagnostic>,
    /// What the node being visited means (see `crate::syntax::position`).
    position: Position,
    /// What kind of block the statement being visited sits in.
    block: BlockRole,
    /// Module paths already reported as not found (one warning each).
    unresolved: HashSet<String>,
    /// Brace blocks entered while collecting the current scope.
    brace_depth: u32,
}

/// A module's path relative to the working directory when it is below it, so messages read
/// the same on every machine.
fn shown_path(path: &Path) -> &Path {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd.canonicalize().unwrap_or(cwd)).ok())
        .unwrap_or(path)
}

/// Names that are never variable reads worth reporting.
fn is_ambient(name: &str) -> bool {
    matches!(name, "_" | "this" | "self" | "super" | "arguments")
}

/// The arity phrase for too many arguments: "1 argument", "at most 2 arguments".
fn takes(required: usize, max: Option<usize>, given: usize) -> String {
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    match max {
        Some(m) if m == required => format!("{m} {}", plural(m)),
        Some(m) if given > m => format!("at most {m} {}", plural(m)),
        _ => format!("at least {required} {}", plural(required)),
    }
}

impl<'a> Validator<'a, '_> {
    fn emit(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn scoped(&mut self, kind: ScopeKind, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Scope::new(kind));
        let depth = std::mem::take(&mut self.brace_depth);
        f(self);
        self.brace_depth = depth;
        self.scopes.pop();
    }

    /// Visit something that means `inner` where it is written; inside a declaration it
    /// stays a declaration (`Position::nest`).
    fn at(&mut self, inner: Position, f: impl FnOnce(&mut Self)) {
        let outer = self.position;
        self.position = outer.nest(inner);
        f(self);
        self.position = outer;
    }

    /// Visit a block of statements of the given kind, at the given position.
    fn in_block(&mut self, block: BlockRole, inner: Position, f: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.block, block);
        self.at(inner, f);
        self.block = outer;
    }

    /// A body that is code wherever it is written (functions, lambdas, handlers).
    fn as_code(&mut self, block: BlockRole, f: impl FnOnce(&mut Self)) {
        let outer = (self.position, self.block);
        self.position = Position::Code;
        self.block = block;
        f(self);
        (self.position, self.block) = outer;
    }

    fn scope(&mut self) -> &mut Scope<'a> {
        // `validate` pushes the file scope before any statement is visited.
        let n = self.scopes.len();
        &mut self.scopes[n - 1]
    }

    /// The nearest function-like scope (comprehension scopes are transparent).
    fn function_scope(&mut self) -> &mut Scope<'a> {
        let i = self
            .scopes
            .iter()
            .rposition(|s| s.kind == ScopeKind::Function)
            .unwrap_or(0);
        &mut self.scopes[i]
    }

    fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.scopes.iter().rev().find_map(|s| s.names.get(name))
    }

    /// Every name visible here, for suggestions.
    fn visible_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = self
            .scopes
            .iter()
            .flat_map(|s| s.names.keys().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The functions visible here (declared, lifecycle blocks, events), for typo checks of
    /// calls: a call is not a typo of a variable.
    fn visible_callables(&self) -> Vec<&'a str> {
        self.scopes
            .iter()
            .flat_map(|s| {
                s.names.iter().filter_map(|(n, b)| {
                    matches!(b.kind, BindingKind::Function(_) | BindingKind::Callable).then_some(*n)
                })
            })
            .collect()
    }

    // ----- collecting bindings -------------------------------------------------------------

    /// Bind the names a statement list declares in the current scope, descending into nested
    /// blocks of the same scope but not into functions, lambdas, plugins or handlers.
    fn collect(&mut self, stmts: &'a [Stmt<'a>]) {
        for s in stmts {
            self.collect_stmt(s);
        }
    }

    /// A nested block of the same scope. A brace block makes its `let`s block-local.
    fn collect_nested(&mut self, block: &'a Block<'a>) {
        let brace = block.style == BlockStyle::Brace;
        self.brace_depth += u32::from(brace);
        self.collect(&block.stmts);
        self.brace_depth -= u32::from(brace);
    }

    fn collect_opt(&mut self, block: &'a Option<Block<'a>>) {
        if let Some(b) = block {
            self.collect_nested(b);
        }
    }

    fn collect_stmt(&mut self, stmt: &'a Stmt<'a>) {
        let end = stmt.span.end;
        match &stmt.node {
            StmtKind::Let {
                name,
                let_kind: LetKind::Let | LetKind::Var,
                ..
            } if self.brace_depth > 0 => self.scope().bind_block_local(name.node, name.span),
            StmtKind::Let { name, .. } | StmtKind::TypedAssign { name, .. } => {
                self.scope()
                    .bind(name.node, BindingKind::Variable, end, name.span)
            }
            StmtKind::Assign { target, value, .. } => {
                if let ExprKind::Name { name } = target.node {
                    self.scope()
                        .bind(name, BindingKind::Variable, end, target.span);
                }
                // `a = c = 1` (and `key = remember x as "t"`): the value is a statement
                // that may bind names too.
                if let AssignValue::Stmt { stmt } = value {
                    self.collect_stmt(stmt);
                }
            }
            // A statement-level `key: value` is a colon assignment. The keys nested in its
            // suite, in sections and in list items are data, not variables.
            StmtKind::Entry { kv } => {
                if let Key::Word { name } = kv.key.node {
                    self.scope().bind(name, BindingKind::Key, end, kv.key.span);
                }
            }
            StmtKind::Step { stmt, .. } => self.collect_stmt(stmt),
            StmtKind::If {
                branches,
                else_body,
            } => {
                for b in branches {
                    self.collect_nested(&b.body);
                }
                self.collect_opt(else_body);
            }
            StmtKind::For { vars, body, .. } => {
                for v in vars {
                    self.scope()
                        .bind(v.node, BindingKind::Variable, v.span.end, v.span);
                }
                self.collect_nested(body);
            }
            StmtKind::While { body, .. } => self.collect_nested(body),
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                self.collect_nested(body);
                for c in catches {
                    if let Some(b) = &c.binding {
                        self.scope()
                            .bind(b.node, BindingKind::Variable, b.span.start, b.span);
                    }
                    self.collect_nested(&c.body);
                }
                self.collect_opt(finally);
            }
            StmtKind::Match { cases, .. } => {
                for c in cases {
                    self.collect_nested(&c.body);
                }
            }
            StmtKind::Expr { body, .. } | StmtKind::Phrase { body, .. } => self.collect_opt(body),
            // `remember s as "t" { owner: "x" }`: the block holds the entry's fields.
            StmtKind::Remember { .. } => {}
            StmtKind::Command { command } => {
                // `summarize "day" into digest`, `recall "today" -> log`: the name in the
                // `into` or arrow slot of a framed verb receives the command's result. A
                // command's trailing block holds its arguments, which bind nothing.
                for (keyword, parts) in command.slots() {
                    if let (
                        Some("into" | "->" | "\u{2192}"),
                        [Part::Expr {
                            expr:
                                Expr {
                                    node: ExprKind::Name { name },
                                    span,
                                },
                        }],
                    ) = (keyword.map(|k| k.node), parts)
                    {
                        self.scope().bind(name, BindingKind::Variable, end, *span);
                    }
                }
            }
            StmtKind::Recall {
                into: Some(into), ..
            } => {
                if let ExprKind::Name { name } = into.node {
                    self.scope()
                        .bind(name, BindingKind::Variable, end, into.span);
                }
            }
            StmtKind::Function { name, params, .. } => {
                let sig = Signature::of(params);
                self.scope()
                    .bind(name.node, BindingKind::Function(sig), 0, name.span);
            }
            StmtKind::Plugin { name, .. } => {
                if let Key::Word { name: n } = name.node {
                    self.scope().bind(n, BindingKind::Plugin, 0, name.span);
                }
            }
            StmtKind::Import { path, alias } | StmtKind::Use { path, alias } => {
                let exports = self.cx.modules.resolve(&path.node, self.cx.file);
                if exports.is_none() {
                    self.report_unresolved(&path.node, path.span);
                }
                let bound = alias.as_ref().map_or_else(
                    || crate::project::modules::default_binding(&path.node),
                    |a| a.node,
                );
                let span = alias.as_ref().map_or(path.span, |a| a.span);
                let kind = BindingKind::Import {
                    module: &path.node,
                    exports,
                };
                self.scope().bind(bound, kind, end, span);
            }
            StmtKind::NamedBlock { name, .. } | StmtKind::Behavior { name, .. } => self
                .scope()
                .bind(name.node, BindingKind::Callable, 0, name.span),
            // `on build_failed(job):` declares the event like a `when` head.
            StmtKind::Trigger {
                trigger: TriggerKind::On,
                head,
                ..
            } => {
                if let [Part::Expr {
                    expr:
                        Expr {
                            node: ExprKind::Call { callee, .. },
                            ..
                        },
                }] = head.as_slice()
                {
                    if let ExprKind::Name { name } = callee.node {
                        self.scope()
                            .bind(name, BindingKind::Callable, 0, callee.span);
                    }
                }
            }
            StmtKind::When { cond, .. } => {
                let event = match &cond.node {
                    ExprKind::Name { name } => Some((*name, cond.span)),
                    ExprKind::Call { callee, .. } => match callee.node {
                        ExprKind::Name { name } => Some((name, callee.span)),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((name, span)) = event {
                    self.scope().bind(name, BindingKind::Callable, 0, span);
                } else {
                    // `when load > 90%:` watches values of the runtime: the condition
                    // declares the names it reads.
                    let mut watched = Vec::new();
                    names_read(cond, &mut watched);
                    for (name, span) in watched {
                        // A slip on a name already bound (`queu` for `queue`) declares
                        // nothing: the read stays an error.
                        let bound: Vec<&str> = self.visible_names();
                        if self.lookup(name).is_none()
                            && suggest::near_miss(name, bound.iter().copied()).is_some()
                        {
                            continue;
                        }
                        self.scope().bind(name, BindingKind::Runtime, 0, span);
                    }
                }
            }
            StmtKind::Section { section, key, body } => {
                // The section is a map the script may read (`meta.version`).
                let name = match section {
                    SectionKind::Meta => "meta",
                    SectionKind::Policy => "policy",
                    SectionKind::Require => "require",
                    SectionKind::Parallel => "parallel",
                    SectionKind::OnError => "on_error",
                    SectionKind::Transaction => "transaction",
                };
                self.scope().bind(name, BindingKind::Key, end, *key);
                // `parallel:` entries are assignments: `await a, b` reads them.
                if position::section_body(*section).0 == BlockRole::Code {
                    self.collect_nested(body);
                }
            }
            // `goal: "x"` sets `goal` for the rest of the script (the reference interpreter).
            StmtKind::Directive { kv, .. } => {
                if let Key::Word { name } = kv.key.node {
                    self.scope().bind(name, BindingKind::Key, end, kv.key.span);
                }
            }
            StmtKind::ListItem { .. }
            | StmtKind::Recall { .. }
            | StmtKind::Await { .. }
            | StmtKind::Guard { .. }
            | StmtKind::Return { .. }
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Throw { .. }
            | StmtKind::Wait { .. }
            | StmtKind::Log { .. }
            | StmtKind::Think { .. }
            | StmtKind::Trigger { .. }
            | StmtKind::Foreign { .. }
            | StmtKind::Error => {}
        }
    }

    fn report_unresolved(&mut self, module: &str, span: Span) {
        if self.unresolved.insert(module.to_string()) {
            self.emit(
                Diagnostic::new(
                    &rules::UNRESOLVED_MODULE,
                    span,
                    format!("module '{module}' was not found; calls through it are not checked"),
                )
                .with_label("no such file on the plugin path")
                .with_help("pass its directory with `--plugin-path DIR`"),
            );
        }
    }

    // ----- scopes of functions and handlers -------------------------------------------------

    /// A function-like body: parameters bound from the start, then the body's own bindings.
    fn function_body(&mut self, params: &'a [Param<'a>], body: FnBody<'a>) {
        self.check_duplicate_params(params);
        self.as_code(BlockRole::Code, |v| {
            v.scoped(ScopeKind::Function, |v| {
                for p in params {
                    if p.pattern.is_empty() {
                        v.scope()
                            .bind(p.name.node, BindingKind::Variable, 0, p.name.span);
                    } else {
                        for n in &p.pattern {
                            v.scope().bind(n.node, BindingKind::Variable, 0, n.span);
                        }
                    }
                }
                for p in params {
                    v.visit_param(p);
                }
                match body {
                    FnBody::Block(b) => {
                        v.collect(&b.stmts);
                        v.visit_block(b);
                    }
                    FnBody::Expr(e) => v.visit_expr(e),
                }
            })
        });
    }

    /// A plugin, named block or event handler: its own scope, no parameters. `role` says
    /// whether its entries are metadata (plugins, named blocks) or assignments (handlers).
    fn handler_body(&mut self, block: &'a Block<'a>, role: BlockRole) {
        self.as_code(role, |v| {
            v.scoped(ScopeKind::Function, |v| {
                v.collect(&block.stmts);
                v.visit_block(block);
            })
        });
    }

    /// The body of `when NAME(args):` or `on NAME(args):`: the event's payload fields are
    /// the handler's parameters (`when digest_requested(scope="week"):` binds `scope`,
    /// `on failed(job):` binds `job`).
    fn event_handler(&mut self, head: Option<&'a Expr<'a>>, body: &'a Block<'a>) {
        let mut payload: Vec<(&'a str, Span)> = Vec::new();
        if let Some(Expr {
            node: ExprKind::Call { args, .. },
            ..
        }) = head
        {
            for a in args {
                match a {
                    Arg::Keyword { name, .. } => payload.push((name.node, name.span)),
                    Arg::Positional { value } => {
                        if let ExprKind::Name { name } = value.node {
                            payload.push((name, value.span));
                        }
                    }
                    Arg::Spread { .. } => {}
                }
            }
        }
        self.as_code(BlockRole::Code, |v| {
            v.scoped(ScopeKind::Function, |v| {
                for (name, span) in payload {
                    v.scope().bind(name, BindingKind::Variable, 0, span);
                }
                v.collect(&body.stmts);
                v.visit_block(body);
            })
        });
    }

    fn check_duplicate_params(&mut self, params: &[Param<'a>]) {
        let mut seen: Vec<&Name<'a>> = Vec::new();
        for p in params {
            let names: Vec<&Name<'a>> = if p.pattern.is_empty() {
                vec![&p.name]
            } else {
                p.pattern.iter().collect()
            };
            for n in names {
                if let Some(first) = seen.iter().find(|s| s.node == n.node) {
                    let first = first.span;
                    self.emit(
                        Diagnostic::new(
                            &rules::DUPLICATE_PARAMETER,
                            n.span,
                            format!("parameter '{}' is declared twice", n.node),
                        )
                        .with_label("second declaration")
                        .with_secondary(first, "first declared here"),
                    );
                } else {
                    seen.push(n);
                }
            }
        }
    }

    // ----- statements ------------------------------------------------------------------------

    fn stmts(&mut self, stmts: &'a [Stmt<'a>]) {
        self.check_unreachable(stmts);
        for s in stmts {
            self.visit_stmt(s);
        }
    }

    fn check_unreachable(&mut self, stmts: &[Stmt<'a>]) {
        let Some(i) = stmts.iter().position(|s| {
            matches!(
                s.node,
                StmtKind::Return { .. }
                    | StmtKind::Break
                    | StmtKind::Continue
                    | StmtKind::Throw { .. }
            )
        }) else {
            return;
        };
        // Declarations after the exit are hoisted, so they are not dead.
        let mut dead = stmts[i + 1..]
            .iter()
            .filter(|s| !matches!(s.node, StmtKind::Function { .. }));
        let Some(next) = dead.next() else {
            return;
        };
        let last = dead.next_back().unwrap_or(next);
        let exit = &stmts[i];
        let word = match exit.node {
            StmtKind::Return { .. } => "return",
            StmtKind::Break => "break",
            StmtKind::Continue => "continue",
            _ => "throw",
        };
        self.emit(
            Diagnostic::new(
                &rules::UNREACHABLE_CODE,
                Span {
                    start: next.span.start,
                    end: last.span.end,
                },
                "unreachable code",
            )
            .with_label("this never runs")
            .with_secondary(
                exit.span,
                format!("any code after this '{word}' is unreachable"),
            ),
        );
    }

    /// A `key: value` entry or directive: the value and trailing options at `value`, the
    /// indented suite below it as a mapping of declarations.
    fn entry(&mut self, kv: &'a KeyValue<'a>, value: Position) {
        self.at(value, |v| {
            if let Some(x) = &kv.value {
                v.visit_value(x);
            }
            for o in &kv.options {
                v.visit_value(&o.value);
            }
        });
        if let Some(b) = &kv.body {
            self.in_block(BlockRole::Mapping, Position::Declaration, |v| {
                v.visit_block(b)
            });
        }
    }

    fn check_directive(&mut self, directive: DirectiveKind, kv: &KeyValue<'a>) {
        match directive {
            DirectiveKind::Intent => self.emit(
                Diagnostic::new(
                    &rules::LEGACY_INTENT,
                    kv.key.span,
                    "'intent:' is the legacy spelling of 'goal:'",
                )
                .with_help("write `goal:`")
                .with_fix(fixes::rename(
                    kv.key.span,
                    "intent",
                    "goal",
                    Applicability::Safe,
                )),
            ),
            DirectiveKind::Remember => self.emit(
                Diagnostic::new(
                    &rules::LEGACY_REMEMBER_DIRECTIVE,
                    kv.key.span,
                    "'remember:' is the legacy spelling of 'memory:'",
                )
                .with_help("write `memory:`")
                .with_fix(fixes::rename(
                    kv.key.span,
                    "remember",
                    "memory",
                    Applicability::Safe,
                )),
            ),
            DirectiveKind::Goal => {
                // A string literal is quoted already; a block scalar is text already.
                let Some(value) = &kv.value else { return };
                if let Value::BlockScalar { .. }
                | Value::Expr {
                    expr:
                        Expr {
                            node: ExprKind::Str { .. },
                            ..
                        },
                } = value
                {
                    return;
                }
                let mut d = Diagnostic::new(
                    &rules::UNQUOTED_GOAL,
                    value.span(),
                    "goal text is not quoted",
                )
                .with_label("free text")
                .with_help("write the goal as a string: `goal: \"...\"`");
                if let Some(fix) = fixes::quote_goal(value) {
                    d = d.with_fix(fix);
                }
                self.emit(d);
            }
            _ => {}
        }
    }

    /// Whether a command verb (or a bare word on its own line) means something known: a
    /// verb of the vocabulary or of `[host] verbs`, a builtin, a host function or a name in
    /// scope (a call without parentheses).
    fn verb_is_known(&self, verb: &str) -> bool {
        self.lookup(verb).is_some()
            || vocabulary::lookup(verb).is_some()
            || builtins::lookup(verb).is_some()
            || self.cx.host.has_verb(verb)
            || self.cx.host.function(verb).is_some()
    }

    /// A command's verb. Verb phrases are open (`adapt_strategy to "new load"`), so an
    /// unknown verb is an error only when it is a near miss of a known or declared verb
    /// (`sumarize logs`), which is almost always a typo.
    fn check_verb(&mut self, verb: &str, span: Span) {
        if self.verb_is_known(verb) {
            return;
        }
        if let Some(new) = builtins::renamed(verb) {
            self.renamed_builtin(verb, new, span);
            return;
        }
        let verbs = vocabulary::VERBS
            .iter()
            .map(|v| v.name)
            .chain(self.cx.host.verbs.iter().map(String::as_str));
        let near = suggest::near_miss(verb, verbs);
        if self.collect_inventory {
            self.inventory.verbs.push(Unresolved {
                name: verb.to_string(),
                arity: None,
                close_to: near.map(str::to_string),
                typo: near.is_some(),
            });
        }
        let Some(near) = near else {
            return;
        };
        let d = Diagnostic::new(
            &rules::UNKNOWN_COMMAND,
            span,
            format!("unknown command '{verb}'"),
        )
        .with_label("not a known verb, but close to one")
        .with_help(format!(
            "did you mean `{near}`? (an open verb phrase with a new verb is fine; declare it \
             under `[host] verbs` in aether.toml to keep this spelling)"
        ));
        self.emit(d);
    }

    fn renamed_builtin(&mut self, old: &str, new: &str, span: Span) {
        self.emit(
            Diagnostic::new(
                &rules::RENAMED_BUILTIN,
                span,
                format!("'{old}' is the old name of '{new}'"),
            )
            .with_help(format!("write `{new}`"))
            .with_fix(fixes::rename(span, old, new, Applicability::Safe)),
        );
    }

    fn check_loop_control(&mut self, stmt: &Stmt<'a>, word: &str) {
        if self.function_scope().loops == 0 {
            self.emit(
                Diagnostic::new(
                    &rules::LOOP_CONTROL_OUTSIDE_LOOP,
                    stmt.span,
                    format!("'{word}' outside a loop"),
                )
                .with_label("no enclosing `for` or `while` in this function"),
            );
        }
    }

    fn loop_body(&mut self, body: &'a Block<'a>) {
        self.function_scope().loops += 1;
        self.visit_block(body);
        self.function_scope().loops -= 1;
    }

    // ----- expressions -----------------------------------------------------------------------

    /// L005 for `True`, `False` and `None` that the file does not bind itself; whether it
    /// was one. The fix is safe in code, where the old spelling cannot have worked, and unsafe
    /// in data, where it turns the word into a boolean or null.
    fn python_literal(&mut self, name: &str, span: Span, fixable: bool) -> bool {
        let new = match name {
            "True" => "true",
            "False" => "false",
            "None" => "null",
            _ => return false,
        };
        if self.lookup(name).is_some() {
            return false;
        }
        let mut d = Diagnostic::new(
            &rules::PYTHON_LITERAL,
            span,
            format!("'{name}' is Python; Aether writes '{new}'"),
        )
        .with_help(format!("write `{new}`"));
        if fixable {
            let applicability = if self.position.reads_names() {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            };
            d = d.with_fix(fixes::rename(span, name, new, applicability));
        }
        self.emit(d);
        true
    }

    /// A variable read in code: warn when the same function assigns it only later.
    fn check_read(&mut self, name: &str, span: Span) {
        if self.python_literal(name, span, true) {
            return;
        }
        if !self.position.reads_names() || is_ambient(name) {
            return;
        }
        if self.lookup(name).is_none() {
            if builtins::lookup(name).is_none()
                && self.cx.host.function(name).is_none()
                && !self.cx.host.has_name(name)
                && !self.cx.host.has_plugin(name)
                && !builtins::is_runtime_name(name)
            {
                self.undefined_name(name, span);
            }
            return;
        }
        let f = self
            .scopes
            .iter()
            .rposition(|s| s.kind == ScopeKind::Function)
            .unwrap_or(0);
        if self.scopes[f + 1..]
            .iter()
            .any(|s| s.names.contains_key(name))
        {
            return;
        }
        let Some(b) = self.scopes[f].names.get(name) else {
            return;
        };
        if b.at <= span.start
            || b.at == scope::NEVER
            || self.scopes[..f].iter().any(|s| s.names.contains_key(name))
        {
            return;
        }
        let assigned = b.span;
        self.emit(
            Diagnostic::new(
                &rules::READ_BEFORE_ASSIGNMENT,
                span,
                format!("'{name}' is read before it is assigned"),
            )
            .with_label("read here")
            .with_secondary(assigned, "first assigned here"),
        );
    }

    fn undefined_name(&mut self, name: &str, span: Span) {
        let visible = self.visible_names();
        let closest = suggest::closest_with_builtins(name, visible.iter().copied());
        if self.collect_inventory {
            let mut candidates: Vec<&str> = builtins::BUILTINS.iter().map(|b| b.name).collect();
            candidates.extend(visible.iter().copied());
            let near = suggest::near_miss(name, candidates.iter().copied());
            self.inventory.names.push(Unresolved {
                name: name.to_string(),
                arity: None,
                close_to: near.or(closest).map(str::to_string),
                typo: near.is_some(),
            });
        }
        let mut d = Diagnostic::new(
            &rules::UNDEFINED_NAME,
            span,
            format!("undefined name '{name}'"),
        )
        .with_label("not a variable, parameter, function, import or builtin");
        d = match closest {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(
                "if the host runtime provides it, declare it under `[host] functions` in aether.toml",
            ),
        };
        self.emit(d);
    }

    fn check_call(&mut self, name: &'a str, span: Span, args: &[Arg<'a>]) {
        let binding = self
            .scopes
            .iter()
            .rev()
            .filter_map(|s| s.names.get(name))
            .find(|b| !matches!(b.kind, BindingKind::Key) || builtins::lookup(name).is_none());
        match binding.map(|b| &b.kind) {
            Some(BindingKind::Function(sig)) => {
                Self::check_args(
                    &mut self.diags,
                    name,
                    span,
                    &sig.params,
                    sig.required,
                    sig.variadic,
                    args,
                );
                return;
            }
            Some(BindingKind::Callable) => return,
            Some(_) => {
                self.check_read(name, span);
                return;
            }
            None => {}
        }
        // A host declaration comes before the builtin of the same name: it may widen the
        // builtin's signature for this project.
        if let Some(f) = self.cx.host.function(name) {
            if let Some((params, required, variadic)) = f.signature() {
                Self::check_args(
                    &mut self.diags,
                    name,
                    span,
                    &params,
                    required,
                    variadic,
                    args,
                );
            }
            return;
        }
        if let Some(b) = builtins::lookup(name) {
            Self::check_args(
                &mut self.diags,
                name,
                span,
                b.params,
                b.required,
                b.variadic,
                args,
            );
            return;
        }
        if let Some(new) = builtins::renamed(name) {
            self.renamed_builtin(name, new, span);
            return;
        }
        // A command verb written as a call: `retry("api")`, `status()`.
        if vocabulary::lookup(name).is_some() || self.cx.host.has_verb(name) {
            return;
        }
        let mut candidates: Vec<&str> = self.visible_names();
        candidates.extend(self.cx.host.functions.iter().map(|f| f.name.as_str()));
        let suggestion = suggest::closest_with_builtins(name, candidates.iter().copied());
        // In a declaration an unknown name is a capability of the host, unless it is a near
        // miss of a function that exists (`sumarize`, not `mount_memory` beside
        // `get_memory`): then it is a typo, and an error everywhere.
        // Where calls run, an unknown call is an error either way; the typo check is only
        // needed to tell a capability from a typo, or for `aether init`.
        let typo_of = if self.position.runs_calls() && !self.collect_inventory {
            None
        } else {
            let mut callables: Vec<&str> = builtins::BUILTINS.iter().map(|b| b.name).collect();
            callables.extend(self.visible_callables());
            callables.extend(self.cx.host.functions.iter().map(|f| f.name.as_str()));
            suggest::near_miss(name, callables.iter().copied())
        };
        if self.collect_inventory {
            self.inventory.functions.push(Unresolved {
                name: name.to_string(),
                arity: Some(args.len()),
                close_to: typo_of.or(suggestion).map(str::to_string),
                typo: typo_of.is_some(),
            });
        }
        let mut d = if self.position.runs_calls() || typo_of.is_some() {
            Diagnostic::new(
                &rules::UNKNOWN_FUNCTION,
                span,
                format!("unknown function '{name}'"),
            )
            .with_label("not a builtin, and not defined or imported in this file")
        } else {
            Diagnostic::new(
                &rules::UNRESOLVED_CAPABILITY,
                span,
                format!("unresolved capability '{name}'"),
            )
            .with_label("a declarative position: this names something the host should provide")
        };
        d = match suggestion {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(
                "if the host runtime provides it, declare it under `[host] functions` in aether.toml",
            ),
        };
        self.emit(d);
    }

    /// Arity and keyword names of a call. A free function of the diagnostics list, so the
    /// signature can stay borrowed from the scope that declares it.
    fn check_args(
        diags: &mut Vec<Diagnostic>,
        name: &str,
        span: Span,
        params: &[&str],
        required: usize,
        variadic: bool,
        args: &[Arg<'a>],
    ) {
        if args.iter().any(|a| matches!(a, Arg::Spread { .. })) {
            return;
        }
        let positional = args
            .iter()
            .filter(|a| matches!(a, Arg::Positional { .. }))
            .count();
        let mut supplied: Vec<bool> = (0..params.len()).map(|i| i < positional).collect();
        let mut unknown_keyword = false;
        // Built only for a diagnostic: formatting it for every call was 5% of a clean check.
        let signature = || builtins::signature(name, params, required, variadic);
        for a in args {
            let Arg::Keyword { name: k, .. } = a else {
                continue;
            };
            match params.iter().position(|p| *p == k.node) {
                Some(i) if supplied[i] => {
                    unknown_keyword = true;
                    diags.push(
                        Diagnostic::new(
                            &rules::DUPLICATE_ARGUMENT,
                            k.span,
                            format!("'{name}' got two values for '{}'", k.node),
                        )
                        .with_label("given again here")
                        .with_secondary(span, signature()),
                    );
                }
                Some(i) => supplied[i] = true,
                None if variadic => {}
                None => {
                    unknown_keyword = true;
                    let mut d = Diagnostic::new(
                        &rules::UNKNOWN_KEYWORD_ARGUMENT,
                        k.span,
                        format!("'{name}' has no parameter '{}'", k.node),
                    )
                    .with_label("unknown keyword")
                    .with_secondary(span, signature());
                    if let Some(s) = suggest::closest(k.node, params.iter().copied()) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    diags.push(d);
                }
            }
        }
        let max = (!variadic).then_some(params.len());
        if max.is_some_and(|m| positional > m) {
            let were = if positional == 1 { "was" } else { "were" };
            diags.push(
                Diagnostic::new(
                    &rules::WRONG_ARGUMENT_COUNT,
                    span,
                    format!(
                        "'{name}' takes {} but {positional} {were} given",
                        takes(required, max, positional)
                    ),
                )
                .with_label(signature()),
            );
        } else if !unknown_keyword {
            // After an unknown keyword the missing parameter is most likely the misspelt one;
            // one diagnostic says it.
            let missing: Vec<&str> = (0..required)
                .filter(|&i| !supplied[i])
                .map(|i| params[i])
                .collect();
            if let Some(first) = missing.first() {
                diags.push(
                    Diagnostic::new(
                        &rules::WRONG_ARGUMENT_COUNT,
                        span,
                        format!("'{name}' is missing the argument '{first}'"),
                    )
                    .with_label(signature()),
                );
            }
        }
    }

    /// `alias.f()` where `alias` is an import whose module was found.
    fn check_member_call(&mut self, object: &str, member: &Name<'a>) {
        let Some(Binding {
            kind:
                BindingKind::Import {
                    module,
                    exports: Some(exports),
                },
            ..
        }) = self.lookup(object)
        else {
            return;
        };
        if exports.has(member.node) {
            return;
        }
        let (module, exports) = (*module, exports.clone());
        self.unknown_module_function(module, &exports, member.node, member.span);
    }

    fn unknown_module_function(
        &mut self,
        module: &str,
        exports: &modules::Exports,
        name: &str,
        span: Span,
    ) {
        let mut d = Diagnostic::new(
            &rules::UNKNOWN_MODULE_FUNCTION,
            span,
            format!("module '{module}' has no function '{name}'"),
        )
        .with_label(format!(
            "not defined in {}",
            shown_path(&exports.path).display()
        ));
        if let Some(s) = suggest::closest(name, exports.functions.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.emit(d);
    }

    /// `call sys/agents.spawn(x)`
    fn check_call_path(&mut self, call: &'a CallPath<'a>, span: Span) {
        let path = call.path.node.as_str();
        let Some((module, name)) = path.rsplit_once('.') else {
            self.check_call(path, span, call.args.as_deref().unwrap_or(&[]));
            return;
        };
        let exports = match self.lookup(module).map(|b| &b.kind) {
            Some(BindingKind::Import { exports, .. }) => exports.clone(),
            _ => {
                let found = self.cx.modules.resolve(module, self.cx.file);
                if found.is_none() {
                    self.report_unresolved(module, call.path.span);
                }
                found
            }
        };
        if let Some(exports) = exports {
            if !exports.has(name) {
                self.unknown_module_function(module, &exports, name, call.path.span);
            }
        }
    }

    fn check_map_keys(&mut self, entries: &[MapEntry<'a>]) {
        let mut seen: Vec<(String, Span)> = Vec::new();
        for e in entries {
            let key = match e {
                MapEntry::Pair { key, .. } => match &key.node {
                    ExprKind::Name { name } => Some(((*name).to_string(), key.span)),
                    ExprKind::Int { value } => Some((value.to_string(), key.span)),
                    ExprKind::Str { parts, .. } => match parts.as_slice() {
                        [] => Some((String::new(), key.span)),
                        [StrPart::Text { text }] => Some((text.to_string(), key.span)),
                        _ => None,
                    },
                    _ => None,
                },
                MapEntry::Shorthand { name } => Some((name.node.to_string(), name.span)),
                MapEntry::Spread { .. } => None,
            };
            let Some((key, span)) = key else { continue };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let first = *first;
                self.emit(
                    Diagnostic::new(
                        &rules::DUPLICATE_KEY,
                        span,
                        format!("key '{key}' appears twice in this map"),
                    )
                    .with_label("this value replaces the first")
                    .with_secondary(first, "first used here"),
                );
            } else {
                seen.push((key, span));
            }
        }
    }
}

/// The bare names an expression reads (not member names, not call arguments' keywords).
fn names_read<'a>(expr: &'a Expr<'a>, out: &mut Vec<(&'a str, Span)>) {
    struct Names<'o, 'a>(&'o mut Vec<(&'a str, Span)>);
    impl<'a> Visitor<'a> for Names<'_, 'a> {
        fn visit_expr(&mut self, e: &'a Expr<'a>) {
            match &e.node {
                ExprKind::Name { name } => self.0.push((name, e.span)),
                // `when len(queue) > 10:` watches `queue`, not the function `len`.
                ExprKind::Call { callee, args } if matches!(callee.node, ExprKind::Name { .. }) => {
                    args.iter().for_each(|a| self.visit_arg(a))
                }
                _ => visit::walk_expr(self, e),
            }
        }
    }
    Names(out).visit_expr(expr);
}

enum FnBody<'a> {
    Block(&'a Block<'a>),
    Expr(&'a Expr<'a>),
}

impl<'a> Visitor<'a> for Validator<'a, '_> {
    fn visit_block(&mut self, block: &'a Block<'a>) {
        self.stmts(&block.stmts);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        match &stmt.node {
            StmtKind::Expr {
                expr:
                    Expr {
                        node: ExprKind::Name { name },
                        span,
                    },
                body,
            } if self.position == Position::Code => {
                // A bare word on its own line is a command without arguments (`status`).
                self.check_verb(name, *span);
                if let Some(b) = body {
                    self.visit_block(b);
                }
            }
            StmtKind::Assign { target, op, value } => {
                match (&target.node, op) {
                    (ExprKind::Name { .. }, AssignOp::Set) | (ExprKind::Var { .. }, _) => {}
                    _ => self.visit_expr(target),
                }
                match value {
                    AssignValue::Expr { expr } => self.visit_expr(expr),
                    AssignValue::Stmt { stmt } => self.visit_stmt(stmt),
                }
            }
            StmtKind::Directive { directive, kv } => {
                self.check_directive(*directive, kv);
                self.entry(kv, position::directive_value(*directive));
            }
            StmtKind::Entry { kv } => {
                let key = match kv.key.node {
                    Key::Word { name } => name,
                    Key::Str { .. } => "",
                };
                self.entry(kv, position::entry_value(self.block, key))
            }
            StmtKind::Section { section, body, .. } => {
                let (block, inner) = position::section_body(*section);
                self.in_block(block, inner, |v| v.visit_block(body));
            }
            StmtKind::ListItem { item: step } | StmtKind::Step { stmt: step, .. } => {
                // In a code block (a `transaction:` list, a script's top level) a step runs;
                // in a mapping or a configuration block it names a step for the host.
                let inner = match self.block {
                    BlockRole::Code => Position::Words,
                    _ => position::STEP,
                };
                self.in_block(BlockRole::Mapping, inner, |v| v.visit_stmt(step));
            }
            StmtKind::Let {
                let_kind,
                value: Some(value),
                ..
            } => self.at(position::let_value(*let_kind), |v| match value {
                AssignValue::Expr { expr } => v.visit_expr(expr),
                AssignValue::Stmt { stmt } => v.visit_stmt(stmt),
            }),
            StmtKind::For { iter, body, .. } => {
                self.visit_expr(iter);
                self.loop_body(body);
            }
            StmtKind::While { cond, body } => {
                self.visit_expr(cond);
                self.loop_body(body);
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                self.visit_block(body);
                for c in catches {
                    if let Some(x) = &c.exception {
                        // `except Timeout`: an exception class name, not a variable.
                        self.at(Position::Words, |v| v.visit_expr(x));
                    }
                    self.visit_block(&c.body);
                }
                if let Some(f) = finally {
                    self.visit_block(f);
                }
            }
            StmtKind::Match { subject, cases } => {
                self.visit_expr(subject);
                for c in cases {
                    self.at(Position::Words, |v| {
                        c.patterns.iter().for_each(|p| v.visit_expr(p))
                    });
                    self.visit_block(&c.body);
                }
            }
            StmtKind::Break => self.check_loop_control(stmt, "break"),
            StmtKind::Continue => self.check_loop_control(stmt, "continue"),
            StmtKind::Function { params, body, .. } => {
                self.function_body(params, FnBody::Block(body))
            }
            StmtKind::Plugin { body, .. } | StmtKind::Behavior { body, .. } => {
                self.handler_body(body, BlockRole::Container)
            }
            StmtKind::NamedBlock { args, body, .. } => {
                if let Some(args) = args {
                    self.at(Position::Data, |v| args.iter().for_each(|a| v.visit_arg(a)));
                }
                self.handler_body(body, BlockRole::Container);
            }
            StmtKind::When { cond, body } => {
                // `when archive_requested(scope="all"):` names an event, not a function.
                self.at(Position::Data, |v| match &cond.node {
                    ExprKind::Call { args, .. } => args.iter().for_each(|a| v.visit_arg(a)),
                    _ => v.visit_expr(cond),
                });
                self.event_handler(Some(cond), body);
            }
            StmtKind::Trigger { head, body, .. } => {
                let event = match head.as_slice() {
                    [Part::Expr { expr }] if matches!(expr.node, ExprKind::Call { .. }) => {
                        Some(expr)
                    }
                    _ => None,
                };
                self.at(Position::Data, |v| {
                    for p in head {
                        match p {
                            Part::Expr {
                                expr:
                                    Expr {
                                        node: ExprKind::Call { args, .. },
                                        ..
                                    },
                            } => args.iter().for_each(|a| v.visit_arg(a)),
                            _ => v.visit_part(p),
                        }
                    }
                });
                self.event_handler(event, body);
            }
            StmtKind::Remember { value, tags, body } => {
                self.at(Position::Words, |v| {
                    v.visit_expr(value);
                    if let Some(t) = tags {
                        v.visit_expr(t);
                    }
                });
                if let Some(b) = body {
                    self.in_block(BlockRole::Arguments, Position::Words, |v| v.visit_block(b));
                }
            }
            StmtKind::Recall { value, into, .. } => self.at(Position::Words, |v| {
                v.visit_expr(value);
                if let Some(x) = into {
                    v.visit_expr(x);
                }
            }),
            StmtKind::Phrase { body: Some(b), .. } => {
                self.in_block(BlockRole::Mapping, Position::Declaration, |v| {
                    v.visit_block(b)
                })
            }
            StmtKind::Command { command } => {
                if self.position == Position::Code {
                    self.check_verb(command.verb.node, command.verb.span);
                }
                let verb = command.verb.node;
                let known = self.verb_is_known(verb);
                let kind = if !known {
                    position::Verb::Open
                } else if vocabulary::lookup(verb).is_none() && !self.cx.host.has_verb(verb) {
                    position::Verb::Call
                } else {
                    position::Verb::Known
                };
                self.at(position::command_parts(kind), |v| {
                    for (i, part) in command.parts.iter().enumerate() {
                        let Part::Expr { expr } = part else {
                            v.visit_part(part);
                            continue;
                        };
                        match &expr.node {
                            // `emit build_failed(job)`: an event name, then its payload.
                            ExprKind::Call { callee, args }
                                if i == 0
                                    && position::names_event(verb)
                                    && matches!(callee.node, ExprKind::Name { .. }) =>
                            {
                                args.iter().for_each(|a| v.visit_arg(a))
                            }
                            ExprKind::Name { .. } if kind == position::Verb::Call => {}
                            _ => v.visit_expr(expr),
                        }
                    }
                });
                // A command's trailing block holds its arguments (`remember s as "t" { k: v }`,
                // `recall notes where:` + a filter over the items): words, not reads; under
                // an open verb phrase it only names what should happen.
                if let Some(b) = &command.body {
                    let (block, inner) = if known {
                        (BlockRole::Arguments, Position::Words)
                    } else {
                        (BlockRole::Mapping, Position::Declaration)
                    };
                    self.in_block(block, inner, |v| v.visit_block(b));
                }
            }
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Name { name } => self.check_read(name, expr.span),
            ExprKind::Call { callee, args } => {
                match &callee.node {
                    ExprKind::Name { name } => self.check_call(name, callee.span, args),
                    ExprKind::Member { object, name, .. } => {
                        if let ExprKind::Name { name: o } = object.node {
                            self.check_member_call(o, name);
                        }
                        self.visit_expr(callee);
                    }
                    _ => self.visit_expr(callee),
                }
                let outer = self.position;
                self.position = outer.call_arguments();
                args.iter().for_each(|a| self.visit_arg(a));
                self.position = outer;
            }
            // `new FeedClient(x)`: a class of the host runtime or of JavaScript, not a read.
            ExprKind::New { callee, args } => {
                if !matches!(callee.node, ExprKind::Name { .. }) {
                    self.visit_expr(callee);
                }
                args.iter().for_each(|a| self.visit_arg(a));
            }
            ExprKind::CallPath(call) => {
                self.check_call_path(call, expr.span);
                visit::walk_expr(self, expr);
            }
            ExprKind::Lambda { params, body } => match body {
                LambdaBody::Expr { expr } => self.function_body(params, FnBody::Expr(expr)),
                LambdaBody::Block { block } => self.function_body(params, FnBody::Block(block)),
            },
            ExprKind::FnExpr { params, body } => self.function_body(params, FnBody::Block(body)),
            ExprKind::Comprehension(c) => {
                self.visit_expr(&c.iter);
                self.scoped(ScopeKind::Comprehension, |v| {
                    for n in &c.vars {
                        v.scope().bind(n.node, BindingKind::Variable, 0, n.span);
                    }
                    v.visit_expr(&c.element);
                    if let Some(cond) = &c.cond {
                        v.visit_expr(cond);
                    }
                });
            }
            ExprKind::Map { entries } => {
                self.check_map_keys(entries);
                // `{ error: x }`: a bare word key is the key's text, not a read.
                visit::walk_map_reads(self, entries, |v, name| {
                    // `{ True }` means `{ True: True }`: no spelling keeps both.
                    if !v.python_literal(name.node, name.span, false) {
                        v.check_read(name.node, name.span)
                    }
                });
            }
            ExprKind::ListPair { key, value } => {
                if !matches!(key.node, ExprKind::Name { .. }) {
                    self.visit_expr(key);
                }
                self.visit_expr(value);
            }
            ExprKind::Assign { target, value, .. } => {
                if !matches!(target.node, ExprKind::Name { .. }) {
                    self.visit_expr(target);
                }
                self.visit_expr(value);
            }
            _ => visit::walk_expr(self, expr),
        }
    }
}
