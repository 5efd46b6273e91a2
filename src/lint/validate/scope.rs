//! Scopes and bindings for name resolution.
//!
//! A scope belongs to a function, lambda, plugin, named block or event handler (or the file).
//! Bindings are function-scoped, as in the Python-like dialect: a variable assigned inside an
//! `if` is visible after it. That is lenient for the brace dialect's block-scoped `let`, on
//! purpose: the validator reports what is certainly wrong, not what might be.

use crate::lint::validate::modules::Exports;
use crate::syntax::ast::Param;
use crate::syntax::span::Span;
use rustc_hash::FxHashMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// A function, lambda, plugin, named block, event handler or the file.
    Function,
    /// The variables of a comprehension (`x for x in xs`): visible only inside it, and
    /// transparent for loop and read-order checks.
    Comprehension,
}

pub struct Scope<'a> {
    pub kind: ScopeKind,
    /// Fx hashing: names are short and hashed on every lookup; DoS resistance buys nothing
    /// for one file's identifiers.
    pub names: FxHashMap<&'a str, Binding<'a>>,
    /// `for`/`while` bodies entered in this scope (for `break`/`continue`).
    pub loops: u32,
}

impl Scope<'_> {
    pub fn new(kind: ScopeKind) -> Self {
        Scope {
            kind,
            names: FxHashMap::default(),
            loops: 0,
        }
    }
}

impl<'a> Scope<'a> {
    /// Record a binding. A name keeps its earliest position; a function declaration wins over
    /// other bindings of the same name, since it is hoisted.
    pub fn bind(&mut self, name: &'a str, kind: BindingKind<'a>, at: u32, span: Span) {
        match self.names.get_mut(name) {
            Some(b) => {
                if kind.outranks(&b.kind) {
                    *b = Binding { kind, at, span };
                } else if at < b.at {
                    b.at = at;
                    b.span = span;
                }
            }
            None => {
                self.names.insert(name, Binding { kind, at, span });
            }
        }
    }

    /// A `let` inside a nested brace block: the name exists in this scope (so calls through
    /// it resolve) but has no function-wide assignment to order reads against.
    pub fn bind_block_local(&mut self, name: &'a str, span: Span) {
        self.names.entry(name).or_insert(Binding {
            kind: BindingKind::Variable,
            at: NEVER,
            span,
        });
    }
}

/// `Binding::at` of a name with no function-wide assignment (only block-local `let`s).
pub const NEVER: u32 = u32::MAX;

pub struct Binding<'a> {
    pub kind: BindingKind<'a>,
    /// The byte offset from which the name has a value (0 for hoisted functions and
    /// parameters, the end of the statement for an assignment, `NEVER` for block-local only).
    pub at: u32,
    /// Where the name is bound (for secondary labels).
    pub span: Span,
}

pub enum BindingKind<'a> {
    Variable,
    /// The key of a statement-level `key: value` entry (a colon assignment). It reads like a
    /// variable but does not hide a builtin or function of the same name from calls:
    /// `notify:` as a setting does not make `notify(...)` a call of that setting.
    Key,
    Function(Signature<'a>),
    /// `import "path" as alias` / `use path`; `exports` is `None` when the module file was
    /// not found.
    Import {
        module: &'a str,
        exports: Option<Arc<Exports>>,
    },
    Plugin,
    /// A name the file declares without `fn` that may be called with any arguments: a
    /// lifecycle or named block (`on_run { }` called as `on_run()`), an event declared by a
    /// `when name(args):` head.
    Callable,
    /// A value of the runtime the file watches (`when load > 90%:` declares `load`).
    Runtime,
}

impl BindingKind<'_> {
    /// A function declaration is hoisted and wins over other bindings of its name; a real
    /// variable wins over an entry key.
    fn outranks(&self, other: &BindingKind<'_>) -> bool {
        match (self, other) {
            (BindingKind::Function(_), BindingKind::Function(_)) => false,
            (BindingKind::Function(_), _) => true,
            (BindingKind::Callable, BindingKind::Variable | BindingKind::Key) => true,
            (BindingKind::Variable, BindingKind::Key) => true,
            _ => false,
        }
    }
}

/// What a call must match: parameter names in order, how many are required, and whether a
/// rest parameter takes any further arguments.
pub struct Signature<'a> {
    pub params: Vec<&'a str>,
    pub required: usize,
    pub variadic: bool,
}

impl<'a> Signature<'a> {
    pub fn of(params: &'a [Param<'_>]) -> Self {
        let variadic = params.iter().any(|p| p.rest);
        let named: Vec<&'a str> = params
            .iter()
            .filter(|p| !p.rest)
            .map(|p| p.name.node)
            .collect();
        // Parameters up to the last one without a default are required.
        let required = params
            .iter()
            .filter(|p| !p.rest)
            .enumerate()
            .filter(|(_, p)| p.default.is_none())
            .last()
            .map_or(0, |(i, _)| i + 1);
        Signature {
            params: named,
            required,
            variadic,
        }
    }
}
