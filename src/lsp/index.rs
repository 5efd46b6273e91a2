//! What the server knows about one file's names, built from the parser's tree in one walk:
//! the definitions (functions, parameters, variables, imports, plugins, named blocks, events)
//! with the part of the file where each is visible, the places that use a name, and the
//! outline (document symbols).
//!
//! Definition and references are one mechanism: a name at an offset means what
//! [`Index::resolve`] gives there, so the references of a definition are the uses (and
//! re-bindings) that resolve to it.
//!
//! Scopes follow the validator's (`lint::validate::scope`): a function, lambda, plugin, named
//! block or event handler is a scope, and bindings are function-scoped, so a variable
//! assigned inside an `if` is visible after it.

use crate::project::modules::default_binding;
use crate::syntax::ast::*;
use crate::syntax::span::Span;
use crate::syntax::visit::{self, Visitor};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefKind {
    /// `fn name(a, b = 1)`: the header as written (keyword, name, parameters).
    Function {
        signature: String,
        /// Parameter names in order (for keyword-argument completion).
        params: Vec<String>,
        /// Top level or directly in a top-level plugin: what a module exports
        /// (`lint::validate::modules`), so other files can call it through an import.
        exported: bool,
    },
    /// A parameter of the named function (or of a lambda: `None`).
    Parameter {
        of: Option<String>,
    },
    Variable,
    Import {
        module: String,
        /// The module path as written (string or slash path), which leads into the module.
        path: Span,
    },
    Plugin,
    /// A named or lifecycle block (`on_run { }`, `workflow Nightly { }`), or a behavior.
    Block,
    /// `when build_failed(job):` declares the event `build_failed` in the enclosing scope,
    /// as the validator binds it.
    Event,
}

/// A place that names something: resolved at its own offset, like a definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseKind {
    /// A plain name (`x`, `$x`, `f` in `f()`).
    Name,
    /// `object.name` where `object` is a plain name (an import's alias, when it resolves to
    /// one).
    Member { object: String },
    /// `call sys/util.name(...)`: a module path or an alias, then the function.
    Path { module: String },
}

#[derive(Clone, Debug)]
pub struct Use {
    pub name: String,
    pub span: Span,
    pub kind: UseKind,
}

#[derive(Clone, Debug)]
pub struct Def {
    pub name: String,
    pub kind: DefKind,
    /// The name where it is bound.
    pub span: Span,
    /// Where the name is visible.
    pub scope: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Plugin,
    Function,
    Block,
    Handler,
    Goal,
    Section,
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    pub span: Span,
    /// The part to select (the name), inside `span`.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Debug, Default)]
pub struct Index {
    pub defs: Vec<Def>,
    pub uses: Vec<Use>,
    pub symbols: Vec<Symbol>,
}

impl Index {
    pub fn build(src: &str, file: &File<'_>) -> Index {
        let mut b = Builder {
            src,
            defs: Vec::new(),
            uses: Vec::new(),
            binding: None,
            // The file's scope has no end: a cursor at the very end of the text is in it.
            scopes: vec![Scope {
                span: Span {
                    start: 0,
                    end: u32::MAX,
                },
                plugin: false,
                code: true,
            }],
            mapping_depth: 0,
            symbols: vec![Vec::new()],
        };
        visit::walk_file(&mut b, file);
        Index {
            defs: b.defs,
            uses: b.uses,
            symbols: b.symbols.pop().unwrap_or_default(),
        }
    }

    /// The definition `name` refers to at `offset`: the one of the innermost scope that
    /// holds the offset; a function before other bindings of its name (declarations are
    /// hoisted), then the earliest.
    pub fn resolve(&self, name: &str, offset: usize) -> Option<&Def> {
        self.visible(offset)
            .filter(|d| d.name == name)
            .min_by_key(|d| rank(d))
    }

    /// Every definition visible at `offset` (a scope's end belongs to what follows it).
    pub fn visible(&self, offset: usize) -> impl Iterator<Item = &Def> {
        let at = offset as u32;
        self.defs
            .iter()
            .filter(move |d| d.scope.start <= at && at < d.scope.end)
    }

    /// The definition a name at `offset` denotes: the binding itself when the offset is on a
    /// definition's name, else what the name resolves to there.
    pub fn def_at(&self, name: &str, offset: usize) -> Option<&Def> {
        let at = offset as u32;
        let own = self
            .defs
            .iter()
            .find(|d| d.name == name && d.span.start <= at && at <= d.span.end);
        match own {
            // A re-assignment (`x = 2` after `x = 1`) denotes the first binding.
            Some(d) if matches!(d.kind, DefKind::Variable) => self.resolve(name, offset),
            Some(d) => Some(d),
            None => self.resolve(name, offset),
        }
    }

    /// The use (plain, member or path) under `offset`, if any.
    pub fn use_at(&self, offset: usize) -> Option<&Use> {
        let at = offset as u32;
        self.uses
            .iter()
            .find(|u| u.span.start <= at && at <= u.span.end)
    }

    /// Where `def` is named in this file: its binding (when `declaration`), re-bindings,
    /// and every plain use that resolves to it.
    pub fn references(&self, def: &Def, declaration: bool) -> Vec<Span> {
        let same = |d: Option<&Def>| d.is_some_and(|d| d.span == def.span);
        let mut out: Vec<Span> = Vec::new();
        for d in self.defs.iter().filter(|d| d.name == def.name) {
            if d.span == def.span {
                if declaration {
                    out.push(d.span);
                }
            } else if matches!(d.kind, DefKind::Variable)
                && same(self.resolve(&d.name, d.span.start as usize))
            {
                out.push(d.span);
            }
        }
        for u in self.uses.iter().filter(|u| u.name == def.name) {
            if u.kind == UseKind::Name && same(self.resolve(&u.name, u.span.start as usize)) {
                out.push(u.span);
            }
        }
        out.sort_by_key(|s| s.start);
        out.dedup();
        out
    }

    /// The function `name` this file exports (top level, or in a top-level plugin).
    pub fn export(&self, name: &str) -> Option<&Def> {
        self.defs
            .iter()
            .find(|d| d.name == name && matches!(d.kind, DefKind::Function { exported: true, .. }))
    }
}

/// Innermost scope first, functions first, then the earliest binding.
pub fn rank(d: &Def) -> (u32, bool, u32) {
    (
        d.scope.end - d.scope.start,
        !matches!(d.kind, DefKind::Function { .. }),
        d.span.start,
    )
}

struct Scope {
    span: Span,
    /// A plugin's body: functions directly in it are exported with the file's.
    plugin: bool,
    /// Whether statement-level `key: value` entries here are assignments (code blocks), not
    /// metadata (plugin bodies, named configuration blocks).
    code: bool,
}

struct Builder<'t> {
    src: &'t str,
    defs: Vec<Def>,
    uses: Vec<Use>,
    /// The target of the assignment being walked, which the walk reaches first.
    binding: Option<Span>,
    scopes: Vec<Scope>,
    /// How many entry suites (`steps:` + indented lines) we are inside: entries there are
    /// mappings, not assignments.
    mapping_depth: u32,
    /// The children of each outline symbol being built; the first is the file's.
    symbols: Vec<Vec<Symbol>>,
}

impl Builder<'_> {
    fn scope_span(&self) -> Span {
        self.scopes.last().map_or(Span::default(), |s| s.span)
    }

    fn def(&mut self, name: &str, kind: DefKind, span: Span) {
        let scope = self.scope_span();
        self.def_in(name, kind, span, scope);
    }

    fn def_in(&mut self, name: &str, kind: DefKind, span: Span, scope: Span) {
        if name.is_empty() {
            return;
        }
        self.defs.push(Def {
            name: name.to_string(),
            kind,
            span,
            scope,
        });
    }

    fn use_name(&mut self, name: &str, span: Span, kind: UseKind) {
        if !name.is_empty() {
            self.uses.push(Use {
                name: name.to_string(),
                span,
                kind,
            });
        }
    }

    /// Top level or directly in a top-level plugin.
    fn exports_here(&self) -> bool {
        match self.scopes.as_slice() {
            [_] => true,
            [_, p] => p.plugin,
            _ => false,
        }
    }

    fn params(&mut self, params: &[Param<'_>], of: Option<&str>, scope: Span) {
        for p in params {
            let kind = DefKind::Parameter {
                of: of.map(str::to_string),
            };
            if p.pattern.is_empty() {
                self.def_in(p.name.node, kind, p.name.span, scope);
            } else {
                for n in &p.pattern {
                    self.def_in(n.node, kind.clone(), n.span, scope);
                }
            }
        }
    }

    /// Walk `f` inside a new scope.
    fn scoped(&mut self, span: Span, code: bool, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Scope {
            span,
            code,
            plugin: false,
        });
        let depth = std::mem::take(&mut self.mapping_depth);
        f(self);
        self.mapping_depth = depth;
        self.scopes.pop();
    }

    /// Walk `f` with a new outline symbol open; its children are what `f` finds.
    fn symbol(
        &mut self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
        selection: Span,
        f: impl FnOnce(&mut Self),
    ) {
        self.symbols.push(Vec::new());
        f(self);
        let children = self.symbols.pop().unwrap_or_default();
        if let Some(parent) = self.symbols.last_mut() {
            parent.push(Symbol {
                name,
                detail,
                kind,
                span,
                selection,
                children,
            });
        }
    }

    /// An event handler (`when ready:`, `on event "x":`, `every 5 minutes:`): an outline symbol
    /// named by its first line, around a code scope that `f` walks.
    fn handler(&mut self, span: Span, f: impl FnOnce(&mut Self)) {
        let (head, selection) = self.head(span);
        self.symbol(
            head,
            Some("handler".into()),
            SymbolKind::Handler,
            span,
            selection,
            |b| b.scoped(span, true, f),
        );
    }

    /// The first line of a statement, without a trailing `{` or `:`, at most 80 characters:
    /// the outline's name for statements that have no name of their own.
    fn head(&self, span: Span) -> (String, Span) {
        let text = self.src.get(span.range()).unwrap_or("");
        let line = text.lines().next().unwrap_or("");
        let selection = Span::new(span.start as usize, span.start as usize + line.len());
        let mut head = line
            .trim()
            .trim_end_matches('{')
            .trim_end()
            .trim_end_matches(':')
            .trim_end()
            .to_string();
        if head.chars().count() > 80 {
            head = head.chars().take(79).collect::<String>() + "…";
        }
        (head, selection)
    }

    fn signature(&self, spelling: FnSpelling, name: &str, params: &[Param<'_>]) -> String {
        let keyword = match spelling {
            FnSpelling::Fn => "fn ",
            FnSpelling::Function => "function ",
            FnSpelling::Define => "define ",
            FnSpelling::Bare => "",
        };
        let params: Vec<String> = params
            .iter()
            .map(|p| {
                let mut s = String::new();
                if p.rest {
                    s.push_str("...");
                }
                s.push_str(p.name.node);
                if let Some(ty) = &p.ty {
                    if let Some(t) = self.src.get(ty.span.range()) {
                        s.push_str(": ");
                        s.push_str(t);
                    }
                }
                if let Some(d) = &p.default {
                    let text = self.src.get(d.span.range()).unwrap_or("…");
                    let text = if text.chars().count() > 30 || text.contains('\n') {
                        "…"
                    } else {
                        text
                    };
                    s.push_str(" = ");
                    s.push_str(text);
                }
                s
            })
            .collect();
        format!("{keyword}{name}({})", params.join(", "))
    }
}

impl<'a> Visitor<'a> for Builder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        match &stmt.node {
            StmtKind::Function {
                spelling,
                name,
                params,
                ..
            } => {
                let signature = self.signature(*spelling, name.node, params);
                let detail = signature
                    .find('(')
                    .map(|i| signature[i..].to_string())
                    .filter(|d| !d.is_empty());
                let kind = DefKind::Function {
                    signature,
                    params: params.iter().map(|p| p.name.node.to_string()).collect(),
                    exported: self.exports_here(),
                };
                self.def(name.node, kind, name.span);
                self.symbol(
                    name.node.to_string(),
                    detail,
                    SymbolKind::Function,
                    stmt.span,
                    name.span,
                    |b| {
                        b.scoped(stmt.span, true, |b| {
                            b.params(params, Some(name.node), stmt.span);
                            visit::walk_stmt(b, stmt);
                        })
                    },
                );
            }
            StmtKind::Plugin { name, .. } => {
                if let Key::Word { name: n } = name.node {
                    self.def(n, DefKind::Plugin, name.span);
                }
                self.symbol(
                    name.node.text().to_string(),
                    Some("plugin".into()),
                    SymbolKind::Plugin,
                    stmt.span,
                    name.span,
                    |b| {
                        b.scoped(stmt.span, false, |b| {
                            if let Some(s) = b.scopes.last_mut() {
                                s.plugin = true;
                            }
                            visit::walk_stmt(b, stmt)
                        })
                    },
                );
            }
            StmtKind::NamedBlock { name, label, .. } => {
                self.def(name.node, DefKind::Block, name.span);
                let shown = match label {
                    Some(l) => format!("{} {}", name.node, l.node),
                    None => name.node.to_string(),
                };
                self.symbol(shown, None, SymbolKind::Block, stmt.span, name.span, |b| {
                    b.scoped(stmt.span, false, |b| visit::walk_stmt(b, stmt))
                });
            }
            StmtKind::Behavior { name, .. } => {
                self.def(name.node, DefKind::Block, name.span);
                self.symbol(
                    name.node.to_string(),
                    Some("behavior".into()),
                    SymbolKind::Handler,
                    stmt.span,
                    name.span,
                    |b| b.scoped(stmt.span, true, |b| visit::walk_stmt(b, stmt)),
                );
            }
            StmtKind::When { cond, body } => {
                // `when build_failed(job):` declares the event and binds its payload in the
                // handler, as the validator does (`event_handler`).
                let (event, args) = match &cond.node {
                    ExprKind::Name { name } => (Some((*name, cond.span)), &[][..]),
                    ExprKind::Call { callee, args } => match callee.node {
                        ExprKind::Name { name } => (Some((name, callee.span)), &args[..]),
                        _ => (None, &[][..]),
                    },
                    _ => (None, &[][..]),
                };
                if let Some((name, span)) = event {
                    self.def(name, DefKind::Event, span);
                }
                self.handler(stmt.span, |b| {
                    if event.is_none() {
                        b.visit_expr(cond);
                    }
                    for a in args {
                        match a {
                            Arg::Keyword { name, value } => {
                                b.def(name.node, DefKind::Variable, name.span);
                                b.visit_expr(value);
                            }
                            Arg::Positional { value } => match value.node {
                                ExprKind::Name { name } => {
                                    b.def(name, DefKind::Variable, value.span)
                                }
                                _ => b.visit_expr(value),
                            },
                            Arg::Spread { value } => b.visit_expr(value),
                        }
                    }
                    b.visit_block(body);
                });
            }
            StmtKind::Trigger { .. } => self.handler(stmt.span, |b| visit::walk_stmt(b, stmt)),
            StmtKind::Section { key, .. } => {
                let name = self.src.get(key.range()).unwrap_or("section").to_string();
                self.symbol(
                    name,
                    Some("section".into()),
                    SymbolKind::Section,
                    stmt.span,
                    *key,
                    |b| visit::walk_stmt(b, stmt),
                );
            }
            StmtKind::Directive {
                directive: DirectiveKind::Goal | DirectiveKind::Intent,
                kv,
            } => {
                let (head, _) = self.head(stmt.span);
                self.symbol(
                    head,
                    Some("goal".into()),
                    SymbolKind::Goal,
                    stmt.span,
                    kv.key.span,
                    |b| visit::walk_stmt(b, stmt),
                );
            }
            StmtKind::Let { name, .. } | StmtKind::TypedAssign { name, .. } => {
                self.def(name.node, DefKind::Variable, name.span);
                visit::walk_stmt(self, stmt);
            }
            StmtKind::Assign { target, .. } => {
                if let ExprKind::Name { name } | ExprKind::Var { name } = target.node {
                    self.def(name, DefKind::Variable, target.span);
                    // The target is a binding, not a use.
                    self.binding = Some(target.span);
                }
                visit::walk_stmt(self, stmt);
            }
            StmtKind::For { vars, .. } => {
                for v in vars {
                    self.def(v.node, DefKind::Variable, v.span);
                }
                visit::walk_stmt(self, stmt);
            }
            StmtKind::Try { catches, .. } => {
                for c in catches {
                    if let Some(n) = &c.binding {
                        self.def(n.node, DefKind::Variable, n.span);
                    }
                }
                visit::walk_stmt(self, stmt);
            }
            StmtKind::Import { path, alias } | StmtKind::Use { path, alias } => {
                let (name, span) = match alias {
                    Some(a) => (a.node, a.span),
                    None => (default_binding(&path.node), path.span),
                };
                self.def(
                    name,
                    DefKind::Import {
                        module: path.node.clone(),
                        path: path.span,
                    },
                    span,
                );
            }
            StmtKind::Entry { kv } => {
                let code = self.scopes.last().is_some_and(|s| s.code);
                if let (true, 0, Key::Word { name }) = (code, self.mapping_depth, &kv.key.node) {
                    self.def(name, DefKind::Variable, kv.key.span);
                }
                visit::walk_stmt(self, stmt);
            }
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_key_value(&mut self, kv: &'a KeyValue<'a>) {
        self.mapping_depth += 1;
        visit::walk_key_value(self, kv);
        self.mapping_depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Lambda { params, .. } | ExprKind::FnExpr { params, .. } => {
                self.scoped(expr.span, true, |b| {
                    b.params(params, None, expr.span);
                    visit::walk_expr(b, expr);
                });
            }
            ExprKind::Comprehension(c) => self.scoped(expr.span, true, |b| {
                for v in &c.vars {
                    b.def(v.node, DefKind::Variable, v.span);
                }
                visit::walk_expr(b, expr);
            }),
            ExprKind::Name { name } | ExprKind::Var { name } => {
                if self.binding.take() != Some(expr.span) {
                    self.use_name(name, expr.span, UseKind::Name)
                }
            }
            ExprKind::Member { object, name, .. } => {
                if let ExprKind::Name { name: o } = object.node {
                    let kind = UseKind::Member {
                        object: o.to_string(),
                    };
                    self.use_name(name.node, name.span, kind);
                }
                visit::walk_expr(self, expr);
            }
            ExprKind::CallPath(call) => {
                // `sys/util.name`: the module, then the function's name at the end.
                let path = &call.path;
                if let Some((module, name)) = path.node.rsplit_once('.') {
                    let end = path.span.end as usize;
                    let span = Span::new(end.saturating_sub(name.len()), end);
                    let kind = UseKind::Path {
                        module: module.to_string(),
                    };
                    self.use_name(name, span, kind);
                } else {
                    self.use_name(&path.node, path.span, UseKind::Name);
                }
                visit::walk_expr(self, expr);
            }
            // A bare-word key names a field, not the variable of that name.
            ExprKind::Map { entries } => visit::walk_map_reads(self, entries, |b, name| {
                b.use_name(name.node, name.span, UseKind::Name)
            }),
            _ => visit::walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(src: &str) -> Index {
        let parsed = crate::syntax::parse(src);
        Index::build(src, &parsed.file)
    }

    #[test]
    fn functions_and_parameters_resolve_by_scope() {
        let src =
            "fn rule(name, level = \"warn\") {\n    return name\n}\nname = \"x\"\nrule(name)\n";
        let ix = index(src);
        let inside = src.find("return name").unwrap() + 8;
        let d = ix.resolve("name", inside).unwrap();
        assert_eq!(
            d.kind,
            DefKind::Parameter {
                of: Some("rule".into())
            }
        );
        let outside = src.rfind("name)").unwrap();
        let d = ix.resolve("name", outside).unwrap();
        assert_eq!(d.kind, DefKind::Variable);
        let f = ix.resolve("rule", outside).unwrap();
        assert_eq!(
            f.kind,
            DefKind::Function {
                signature: "fn rule(name, level = \"warn\")".into(),
                params: vec!["name".into(), "level".into()],
                exported: true,
            }
        );
        assert_eq!(&src[f.span.range()], "rule");
    }

    #[test]
    fn loop_catch_import_plugin_and_block_names_resolve() {
        let src = "import \"sys/util\" as util\nplugin cache {\n    on_run {\n        for item in util.list() {\n            log item\n        }\n        try {\n            util.go()\n        } catch (err) {\n            log err\n        }\n    }\n}\non_run()\n";
        let ix = index(src);
        let kind = |name: &str, at: &str| {
            let offset = src.rfind(at).unwrap();
            let d = ix.resolve(name, offset).unwrap_or_else(|| panic!("{name}"));
            (d.kind.clone(), &src[d.span.range()])
        };
        let (util, at) = kind("util", "util.go");
        assert!(
            matches!(&util, DefKind::Import { module, .. } if module == "sys/util"),
            "{util:?}"
        );
        assert_eq!(at, "util");
        assert_eq!(kind("item", "log item"), (DefKind::Variable, "item"));
        assert_eq!(kind("err", "log err"), (DefKind::Variable, "err"));
        assert_eq!(kind("cache", "on_run()"), (DefKind::Plugin, "cache"));
        assert!(ix
            .resolve("on_run", src.rfind("on_run()").unwrap())
            .is_none());
        let inside = src.find("for item").unwrap();
        assert_eq!(ix.resolve("on_run", inside).unwrap().kind, DefKind::Block);
    }

    #[test]
    fn outline_nests_plugin_members() {
        let src = "goal: \"ship\"\nplugin cache {\n    fn warm(x) {\n        log x\n    }\n    on_run {\n        warm(1)\n    }\n}\n";
        let ix = index(src);
        let names: Vec<_> = ix.symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["goal: \"ship\"", "cache"]);
        let kids: Vec<_> = ix.symbols[1]
            .children
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(kids, ["warm", "on_run"]);
        for s in &ix.symbols {
            assert!(s.span.start <= s.selection.start && s.selection.end <= s.span.end);
        }
        // A plugin's functions are exported with the file's; a block's are not.
        assert!(ix.export("warm").is_some());
    }

    #[test]
    fn references_are_the_uses_that_resolve_to_a_definition() {
        let src = "x = 1\nfn f(x) {\n    return x + 1\n}\nx = f(x)\nwhen done(job):\n    log job\n";
        let ix = index(src);
        let spans = |name: &str, at: usize, decl: bool| -> Vec<usize> {
            let d = ix.def_at(name, at).unwrap();
            ix.references(d, decl)
                .iter()
                .map(|s| s.start as usize)
                .collect()
        };
        // The global `x`: its binding, the re-binding on line 5 and the argument; not the
        // parameter or its use.
        let global = [
            0,
            src.rfind("x = f").unwrap(),
            src.rfind("f(x)").unwrap() + 2,
        ];
        assert_eq!(spans("x", 0, true), global);
        assert_eq!(spans("x", 0, false), global[1..]);
        let param = src.find("f(x)").unwrap() + 2;
        assert_eq!(spans("x", param, true), [param, src.find("x + 1").unwrap()]);
        let job = src.find("job)").unwrap();
        assert_eq!(spans("job", job, true), [job, src.rfind("job").unwrap()]);
        assert_eq!(
            ix.def_at("done", src.find("done").unwrap()).unwrap().kind,
            DefKind::Event
        );
    }

    #[test]
    fn a_bare_word_map_key_is_not_a_reference() {
        // `x` as a key names a field; `x` as a value and `{ x }` read the variable.
        let src = "x = 1\ncfg = { x: 2, y: x, z: [x] }\nshort = { x }\n";
        let ix = index(src);
        let d = ix.def_at("x", 0).unwrap();
        let refs: Vec<usize> = ix
            .references(d, false)
            .iter()
            .map(|s| s.start as usize)
            .collect();
        assert_eq!(
            refs,
            [
                src.find("y: x").unwrap() + 3,
                src.find("[x]").unwrap() + 1,
                src.find("{ x }").unwrap() + 2,
            ]
        );
    }
}
