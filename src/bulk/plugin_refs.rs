//! The plugins and modules a file reaches for, for `aether init`: `use plugin "X"`,
//! `call_plugin("X", ...)`, `run_plugin("X")`, `plugin("X")`, `plugin: X.fn ...`, the
//! `require: plugins:` list, and `import` / `use` / `call path.fn()` of modules. Those that no
//! file of the tree defines (a `plugin X { }` block or a module file on the plugin path) are
//! the host's, and go under `[host] plugins`, so that a run gives them to the mock host.

use crate::syntax::ast::*;
use crate::syntax::visit::{walk_expr, walk_stmt, Visitor};

/// What one file declares and references.
#[derive(Debug, Default)]
pub struct PluginRefs {
    /// `plugin NAME { }` blocks of the file.
    pub defined: Vec<String>,
    /// Plugin names referenced by name (not module paths).
    pub plugins: Vec<String>,
    /// Module paths imported or called (`sys/util`); the caller looks each one up.
    pub modules: Vec<String>,
}

pub fn collect(file: &File<'_>, text: &str) -> PluginRefs {
    let mut v = Collector {
        refs: PluginRefs::default(),
        text,
        bound: Vec::new(),
    };
    for s in &file.stmts {
        v.visit_stmt(s);
    }
    // `call util.slugify()` after `import "lib/util" as util` names the import, not a module.
    let bound = v.bound;
    v.refs.modules.retain(|m| !bound.contains(m));
    v.refs
}

struct Collector<'t> {
    refs: PluginRefs,
    text: &'t str,
    /// Names imports bind (`util` of `import "lib/util"`).
    bound: Vec<String>,
}

/// `"cache_warden>=0.4"` -> `cache_warden`.
fn plugin_name(spec: &str) -> Option<String> {
    let name = crate::project::host::required_plugin(spec);
    (!name.is_empty()).then(|| name.to_string())
}

fn literal(e: &Expr<'_>) -> Option<String> {
    match &e.node {
        ExprKind::Str { parts, .. } => {
            let mut text = String::new();
            for p in parts {
                match p {
                    StrPart::Text { text: t } => text.push_str(t),
                    StrPart::Interp { .. } | StrPart::Raw { .. } => return None,
                }
            }
            Some(text)
        }
        _ => None,
    }
}

impl<'a> Visitor<'a> for Collector<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        match &stmt.node {
            StmtKind::Plugin { name, .. } => {
                if let Key::Word { name } = name.node {
                    self.refs.defined.push(name.to_string());
                }
            }
            StmtKind::Import { path, alias } | StmtKind::Use { path, alias } => {
                self.refs.modules.push(path.node.clone());
                let bound = alias.as_ref().map_or_else(
                    || crate::project::modules::default_binding(&path.node),
                    |a| a.node,
                );
                self.bound.push(bound.to_string());
            }
            StmtKind::Section {
                section: SectionKind::Require,
                body,
                ..
            } => {
                for s in &body.stmts {
                    let StmtKind::Entry { kv } = &s.node else {
                        continue;
                    };
                    if !matches!(kv.key.node, Key::Word { name: "plugins" }) {
                        continue;
                    }
                    for item in kv.body.iter().flat_map(|b| &b.stmts) {
                        if let StmtKind::ListItem { item } = &item.node {
                            let spec = match &item.node {
                                StmtKind::Expr { expr, .. } => literal(expr).or_else(|| {
                                    self.text.get(expr.span.range()).map(str::to_string)
                                }),
                                StmtKind::Phrase { text, .. } => Some(text.to_string()),
                                _ => None,
                            };
                            self.refs
                                .plugins
                                .extend(spec.as_deref().and_then(plugin_name));
                        }
                    }
                }
            }
            StmtKind::Directive {
                directive: DirectiveKind::Plugin,
                kv,
            } => {
                if let Some(Value::Invoke { invoke, .. }) = &kv.value {
                    let target = invoke.target.node;
                    let root = target.split('.').next().unwrap_or(target);
                    self.refs.plugins.push(root.to_string());
                }
            }
            // `use plugin "X"`, `use plugin: "X"`
            StmtKind::Command { command } if command.verb.node == "use" => {
                match command.parts.as_slice() {
                    [Part::Pair { pair }] if pair.key.node == "plugin" => {
                        if let Value::Expr { expr } = &pair.value {
                            self.refs.plugins.extend(literal(expr));
                        }
                    }
                    [Part::Expr { expr: first }, Part::Expr { expr }]
                        if matches!(first.node, ExprKind::Name { name: "plugin" }) =>
                    {
                        self.refs.plugins.extend(literal(expr));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Call { callee, args } => {
                if let ExprKind::Name {
                    name: "call_plugin" | "run_plugin" | "plugin",
                } = callee.node
                {
                    if let Some(Arg::Positional { value }) = args.first() {
                        self.refs.plugins.extend(literal(value));
                    }
                }
            }
            ExprKind::CallPath(call) => {
                if let Some((module, _)) = call.path.node.rsplit_once('.') {
                    self.refs.modules.push(module.to_string());
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_reaching_a_plugin_is_seen() {
        let text = r#"import "sys/util" as util
plugin local_one {
    on_run { log "hi" }
}
require:
  plugins:
    - "cache_warden>=0.4"
    - janitor
use plugin "Indexer"
plugin: sysmon.status "disk"
x = call_plugin("merger", "merge", 1)
run_plugin("local_one")
y = call util.slugify("a b")
z = call sys/storage.segments()
"#;
        let parsed = crate::syntax::parse(text);
        assert!(parsed.diagnostics.iter().all(|d| !d.is_error()));
        let refs = collect(&parsed.file, text);
        assert_eq!(refs.defined, vec!["local_one"]);
        assert_eq!(
            refs.plugins,
            vec![
                "cache_warden",
                "janitor",
                "Indexer",
                "sysmon",
                "merger",
                "local_one"
            ]
        );
        // `util` is the import's binding, not a module of its own.
        assert_eq!(refs.modules, vec!["sys/util", "sys/storage"]);
    }
}
