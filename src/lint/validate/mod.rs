//! Semantic validation: name resolution over the whole AST, call checks, command verbs, and
//! warnings for legacy forms, dead code, duplicate map keys and read-before-assignment.
//!
//! The walk keeps a stack of scopes. Entering a function, lambda, plugin, named block or
//! event handler pushes a scope whose bindings are collected first (declarations are hoisted,
//! variables remember where they are first assigned), then its statements are checked in order.
//!
//! Values of `key: value` entries, directive values, command words, list items and YAML-like
//! suites are *data*: a bare word there is a word (`model: small-local`, `- cite the logs`), not
//! a variable read, so only calls are checked in them. Code (function bodies, conditions,
//! assignments, arguments) gets every check.

pub mod modules;
mod scope;
mod suggest;

use crate::project::host::Host;
use crate::registry::builtins;
use crate::registry::vocabulary;
use crate::syntax::ast::*;
use crate::syntax::diagnostic::{rules, Diagnostic};
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
    let mut v = Validator {
        cx,
        scopes: Vec::new(),
        diags: Vec::new(),
        data: 0,
        unresolved: HashSet::new(),
        brace_depth: 0,
    };
    v.scoped(ScopeKind::Function, |v| {
        v.collect(&file.stmts);
        v.stmts(&file.stmts);
    });
    v.diags
}

struct Validator<'a, 'c> {
    cx: &'c Context<'c>,
    scopes: Vec<Scope<'a>>,
    diags: Vec<Diagnostic>,
    /// Above zero while visiting data (see the module doc).
    data: u32,
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

    fn as_data(&mut self, f: impl FnOnce(&mut Self)) {
        self.data += 1;
        f(self);
        self.data -= 1;
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
            StmtKind::Assign { target, .. } => {
                if let ExprKind::Name { name } = target.node {
                    self.scope()
                        .bind(name, BindingKind::Variable, end, target.span);
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
            StmtKind::Remember { body, .. } => self.collect_opt(body),
            StmtKind::Command { command } => self.collect_opt(&command.body),
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
            StmtKind::Directive { .. }
            | StmtKind::Section { .. }
            | StmtKind::ListItem { .. }
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
            | StmtKind::NamedBlock { .. }
            | StmtKind::When { .. }
            | StmtKind::Trigger { .. }
            | StmtKind::Behavior { .. }
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
        self.scoped(ScopeKind::Function, |v| {
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
        });
    }

    /// A plugin, named block or event handler: its own scope, no parameters.
    fn handler_body(&mut self, block: &'a Block<'a>) {
        self.scoped(ScopeKind::Function, |v| {
            v.collect(&block.stmts);
            v.visit_block(block);
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

    fn check_directive(&mut self, directive: DirectiveKind, kv: &KeyValue<'a>) {
        match directive {
            DirectiveKind::Intent => self.emit(
                Diagnostic::new(
                    &rules::LEGACY_INTENT,
                    kv.key.span,
                    "'intent:' is the legacy spelling of 'goal:'",
                )
                .with_help("write `goal:`"),
            ),
            DirectiveKind::Remember => self.emit(
                Diagnostic::new(
                    &rules::LEGACY_REMEMBER_DIRECTIVE,
                    kv.key.span,
                    "'remember:' is the legacy spelling of 'memory:'",
                )
                .with_help("write `memory:`"),
            ),
            DirectiveKind::Goal => {
                let quoted = matches!(
                    &kv.value,
                    Some(Value::Expr {
                        expr: Expr {
                            node: ExprKind::Str { .. },
                            ..
                        }
                    })
                );
                if let (false, Some(value)) = (quoted, &kv.value) {
                    self.emit(
                        Diagnostic::new(
                            &rules::UNQUOTED_GOAL,
                            value.span(),
                            "goal text is not quoted",
                        )
                        .with_label("free text")
                        .with_help("write the goal as a string: `goal: \"...\"`"),
                    );
                }
            }
            _ => {}
        }
    }

    /// A command's verb, or a bare word on a line of its own.
    fn check_verb(&mut self, verb: &str, span: Span) {
        if self.lookup(verb).is_some()
            || vocabulary::lookup(verb).is_some()
            || builtins::lookup(verb).is_some()
        {
            return;
        }
        if let Some(new) = builtins::renamed(verb) {
            self.renamed_builtin(verb, new, span);
            return;
        }
        let mut candidates: Vec<&str> = vocabulary::VERBS.iter().map(|v| v.name).collect();
        candidates.extend(builtins::BUILTINS.iter().map(|b| b.name));
        candidates.extend(self.visible_names());
        let mut d = Diagnostic::new(
            &rules::UNKNOWN_COMMAND,
            span,
            format!("unknown command '{verb}'"),
        )
        .with_label("not a command verb, builtin or defined name");
        if let Some(s) = suggest::closest(verb, candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.emit(d);
    }

    fn renamed_builtin(&mut self, old: &str, new: &str, span: Span) {
        self.emit(
            Diagnostic::new(
                &rules::RENAMED_BUILTIN,
                span,
                format!("'{old}' is the old name of '{new}'"),
            )
            .with_help(format!("write `{new}`")),
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

    /// A variable read in code: warn when the same function assigns it only later.
    fn check_read(&mut self, name: &str, span: Span) {
        if let ("True" | "False" | "None", None) = (name, self.lookup(name)) {
            let fix = match name {
                "True" => "true",
                "False" => "false",
                _ => "null",
            };
            self.emit(
                Diagnostic::new(
                    &rules::PYTHON_LITERAL,
                    span,
                    format!("'{name}' is Python; Aether writes '{fix}'"),
                )
                .with_help(format!("write `{fix}`")),
            );
            return;
        }
        if self.data > 0 || is_ambient(name) {
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
            Some(_) => {
                self.check_read(name, span);
                return;
            }
            None => {}
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
        let mut candidates: Vec<&str> = builtins::BUILTINS.iter().map(|b| b.name).collect();
        candidates.extend(self.visible_names());
        let mut d = Diagnostic::new(
            &rules::UNKNOWN_FUNCTION,
            span,
            format!("unknown function '{name}'"),
        )
        .with_label("not a builtin, and not defined or imported in this file");
        if let Some(s) = suggest::closest(name, candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
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
        let signature = builtins::signature(name, params, required, variadic);
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
                        .with_secondary(span, signature.clone()),
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
                    .with_secondary(span, signature.clone());
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
                .with_label(signature),
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
                    .with_label(signature),
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
                        [StrPart::Text { text }] => Some((text.clone(), key.span)),
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
            } if self.data == 0 => {
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
                self.as_data(|v| v.visit_key_value(kv));
            }
            StmtKind::Entry { kv } => self.as_data(|v| v.visit_key_value(kv)),
            StmtKind::Section { body, .. } => self.as_data(|v| v.visit_block(body)),
            StmtKind::ListItem { item } => self.as_data(|v| v.visit_stmt(item)),
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
                        self.as_data(|v| v.visit_expr(x));
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
                    self.as_data(|v| c.patterns.iter().for_each(|p| v.visit_expr(p)));
                    self.visit_block(&c.body);
                }
            }
            StmtKind::Break => self.check_loop_control(stmt, "break"),
            StmtKind::Continue => self.check_loop_control(stmt, "continue"),
            StmtKind::Function { params, body, .. } => {
                self.function_body(params, FnBody::Block(body))
            }
            StmtKind::Plugin { body, .. } | StmtKind::Behavior { body, .. } => {
                self.handler_body(body)
            }
            StmtKind::NamedBlock { args, body, .. } => {
                if let Some(args) = args {
                    self.as_data(|v| args.iter().for_each(|a| v.visit_arg(a)));
                }
                self.handler_body(body);
            }
            StmtKind::When { cond, body } => {
                // `when archive_requested(scope="all"):` names an event, not a function.
                self.as_data(|v| match &cond.node {
                    ExprKind::Call { args, .. } => args.iter().for_each(|a| v.visit_arg(a)),
                    _ => v.visit_expr(cond),
                });
                self.handler_body(body);
            }
            StmtKind::Trigger { head, body, .. } => {
                self.as_data(|v| {
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
                self.handler_body(body);
            }
            StmtKind::Remember { value, tags, body } => self.as_data(|v| {
                v.visit_expr(value);
                if let Some(t) = tags {
                    v.visit_expr(t);
                }
                if let Some(b) = body {
                    v.visit_block(b);
                }
            }),
            StmtKind::Recall { value, into, .. } => self.as_data(|v| {
                v.visit_expr(value);
                if let Some(x) = into {
                    v.visit_expr(x);
                }
            }),
            StmtKind::Phrase { body: Some(b), .. } => self.as_data(|v| v.visit_block(b)),
            StmtKind::Command { command } => {
                if self.data == 0 {
                    self.check_verb(command.verb.node, command.verb.span);
                }
                self.as_data(|v| command.parts.iter().for_each(|p| v.visit_part(p)));
                if let Some(b) = &command.body {
                    self.visit_block(b);
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
                for e in entries {
                    match e {
                        MapEntry::Pair { key, value } => {
                            // `{ error: x }`: a bare word key is the key's text, not a read.
                            if !matches!(key.node, ExprKind::Name { .. }) {
                                self.visit_expr(key);
                            }
                            self.visit_expr(value);
                        }
                        MapEntry::Spread { value } => self.visit_expr(value),
                        MapEntry::Shorthand { name } => self.check_read(name.node, name.span),
                    }
                }
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
