//! The tree-walking evaluator.

use super::host::{Effect, EffectKind, MockHost};
use super::store::Store;
use super::value::Env;
use super::value::MAX_SIZE;
use super::value::{Body, Fields, Function, Module, Plugin, Value};
use super::{RunOptions, MAX_CALL_DEPTH};
use crate::syntax::ast::*;
use crate::syntax::diagnostic::{rules, Diagnostic, Rule};
use crate::syntax::position::{self, Block as BlockRole, Position};
use crate::syntax::span::{LineIndex, Span};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// Why evaluation stopped early.
pub enum Unwind<'a> {
    /// `throw value`: catchable. The failure records where it was thrown.
    Throw(Value<'a>, Box<Failure>),
    /// A runtime error: catchable by `try`, reported with its span and trace otherwise.
    Error(Box<Failure>),
    /// Timeout, unsupported feature, recursion limit: not catchable.
    Fatal(Box<Failure>),
}

pub struct Failure {
    pub rule: &'static Rule,
    pub message: String,
    pub span: Span,
    pub file: usize,
    pub trace: Vec<String>,
    /// For a failure inside an imported module: the line of the script's call into it.
    pub call_line: Option<usize>,
}

/// What a failed run reports: the diagnostic, the module file it points into (when not the
/// script), and the script line that led there.
pub type Reported = (Vec<Diagnostic>, Option<PathBuf>, Option<usize>);

/// A handler of a named event: its parameters (`when build_failed(job):` binds `job`), its
/// body and the scope it was declared in.
pub struct Handler<'a> {
    pub event: String,
    pub params: &'a [Arg<'a>],
    pub body: &'a Block<'a>,
    pub env: Env<'a>,
}

/// `when load > 80%:`: fires its body each time the condition turns from false to true.
pub(super) struct Watch<'a> {
    pub cond: &'a Expr<'a>,
    pub body: &'a Block<'a>,
    pub env: Env<'a>,
    pub was: bool,
}

pub type R<'a, T> = Result<T, Unwind<'a>>;

pub enum Flow<'a> {
    Next,
    Return(Value<'a>),
    Break,
    Continue,
}

struct Source<'a> {
    path: PathBuf,
    text: &'a str,
    lines: LineIndex,
}

pub struct Interp<'a, 'o> {
    pub(super) out: &'o mut dyn Write,
    pub(super) globals: Env<'a>,
    /// The frame of the builtins, under the globals of the script and of every module.
    builtins: Env<'a>,
    pub(super) memory: Store,
    pub(super) opts: &'o RunOptions,
    steps: u64,
    deadline: Option<Instant>,
    /// Set by operations that did a lot of work at once (a large string built): the next
    /// step looks at the clock instead of waiting for the next 4,096th step.
    pub(super) clock_due: bool,
    depth: usize,
    /// `--deterministic`, or a `policy:` with `deterministic: true` seen.
    pub(super) deterministic: bool,
    /// Seconds since the Unix epoch; fixed under `--deterministic` and advanced by `wait`.
    pub(super) virtual_clock: f64,
    rng: u64,
    sources: Vec<Source<'a>>,
    /// The file being executed (index into `sources`).
    pub(super) file: usize,
    pub(super) plugins: Vec<Rc<Plugin<'a>>>,
    modules: Vec<(PathBuf, Rc<Module<'a>>)>,
    loading: Vec<PathBuf>,
    trace: Vec<(String, usize, usize)>,
    /// Event handlers (`on event "x":`, `when disk_full:`, `when build_failed(job):`), fired
    /// by `emit` / `trigger` or a call of the event's name.
    pub(super) handlers: Vec<Handler<'a>>,
    /// `when COND:` watches, polled after each top-level statement and each scheduled job.
    pub(super) watches: Vec<Watch<'a>>,
    /// Names a watch reads that nothing binds (`when backlog > 100:`): the host's to
    /// signal, so they are host values wherever they are read.
    pub(super) watched: Vec<&'a str>,
    /// Plugins loaded from files because `require: plugins:` names them: their lifecycle
    /// runs after the script's own plugins'.
    required: Vec<Rc<Plugin<'a>>>,
    /// What a position of the tree means (`syntax::position`), as the validator reads it:
    /// where the evaluator is, and what kind of block it is in.
    pub(super) position: Position,
    pub(super) block: BlockRole,
    /// Everything the script asks of the world outside goes to this host.
    pub(super) host: MockHost,
    /// Seconds of script time since the run started (`wait`, the scheduler).
    pub(super) elapsed: f64,
    /// A `policy:` section's `risk_budget` and `token_budget`.
    pub(super) budgets: (Option<f64>, Option<f64>),
    /// The last confidence computed by `evaluate_confidence`.
    pub(super) confidence: f64,
    /// `on_error:` handlers: (the error kind they match, the `do:` value, their scope).
    on_error: Vec<(String, &'a crate::syntax::ast::Value<'a>, Env<'a>)>,
    /// `setTimeout` / `setInterval` timers, run after the body (see `timers.rs`).
    pub(super) timers: super::timers::Timers<'a>,
}

/// Run one file. Returns the diagnostics of a failed run (empty on success) and, when the
/// failure is inside an imported module, that module's path.
pub fn run<'a>(
    path: &Path,
    text: &'a str,
    parsed: &'a crate::syntax::Parsed<'a>,
    opts: &RunOptions,
    started: Instant,
    out: &mut dyn Write,
) -> (Reported, Vec<Effect>, Vec<String>) {
    // Opened when the script first touches memory (see `store.rs`).
    let memory = Store::new(opts.memory.clone(), opts.memory_quota);
    // Builtins live in a frame of their own under the globals: a script may shadow them, and
    // a call finds them with the same hash lookup as any other name.
    let builtins = Env::root();
    for b in crate::registry::builtins::BUILTINS {
        builtins.define(b.name, Value::Builtin(b));
    }
    // Assignments never reach the builtins: `sum = 0` in a function makes a local.
    builtins.freeze();
    let mut interp = Interp {
        out,
        globals: builtins.child(),
        builtins,
        memory,
        opts,
        steps: 0,
        // Reading and parsing the file counted against the time budget too.
        deadline: opts.timeout.map(|t| started + t),
        clock_due: false,
        depth: 0,
        deterministic: opts.deterministic,
        virtual_clock: if opts.deterministic {
            DETERMINISTIC_EPOCH
        } else {
            0.0
        },
        rng: if opts.deterministic {
            DETERMINISTIC_SEED
        } else {
            seed_from_time()
        },
        sources: vec![Source {
            path: path.to_path_buf(),
            text,
            lines: parsed.lines.clone(),
        }],
        file: 0,
        plugins: Vec::new(),
        modules: Vec::new(),
        loading: vec![canonical(path)],
        trace: Vec::new(),
        handlers: Vec::new(),
        watches: Vec::new(),
        watched: Vec::new(),
        required: Vec::new(),
        position: Position::Code,
        block: BlockRole::Code,
        host: MockHost::new(opts.host.clone()),
        elapsed: 0.0,
        budgets: (None, None),
        confidence: 0.0,
        on_error: Vec::new(),
        timers: Default::default(),
    };
    let globals = interp.globals.clone();
    let result = interp
        .run_top_level(&parsed.file.stmts, &globals)
        .and_then(|_| interp.run_plugins_of(0))
        .and_then(|_| interp.run_required_plugins())
        .and_then(|_| interp.run_timers());
    let _ = interp.out.flush();
    let reported = match result {
        Ok(()) => (Vec::new(), None, None),
        Err(unwind) => {
            interp.run_error_handlers(&unwind);
            let _ = interp.out.flush();
            interp.report(unwind)
        }
    };
    let notes = interp.memory.take_notes();
    (
        reported,
        std::mem::take(&mut interp.host).into_effects(),
        notes,
    )
}

/// The clock of a deterministic run starts here (2023-11-14T22:13:20Z).
const DETERMINISTIC_EPOCH: f64 = 1_700_000_000.0;
const DETERMINISTIC_SEED: u64 = 0x2545_F491_4F6C_DD1D;

fn seed_from_time() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos | 1
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

impl<'a, 'o> Interp<'a, 'o> {
    // ----- errors --------------------------------------------------------------------------

    pub(super) fn fail<T>(&self, span: Span, message: impl Into<String>) -> R<'a, T> {
        Err(Unwind::Error(Box::new(self.failure(
            &rules::RUNTIME_ERROR,
            span,
            message.into(),
        ))))
    }

    pub(super) fn unsupported<T>(&self, span: Span, what: impl Into<String>) -> R<'a, T> {
        Err(Unwind::Fatal(Box::new(self.failure(
            &rules::UNSUPPORTED,
            span,
            format!("{} is not supported by the interpreter", what.into()),
        ))))
    }

    fn failure(&self, rule: &'static Rule, span: Span, message: String) -> Failure {
        Failure {
            rule,
            message,
            span,
            file: self.file,
            trace: self
                .trace
                .iter()
                .rev()
                .map(|(name, file, line)| {
                    format!(
                        "in '{name}' called at {}:{line}",
                        self.sources[*file].path.display()
                    )
                })
                .collect(),
            call_line: if self.file == 0 {
                None
            } else {
                self.trace
                    .iter()
                    .find(|(_, file, _)| *file == 0)
                    .map(|(_, _, line)| *line)
            },
        }
    }

    /// After the run failed: the `on_error:` handlers that match the failure run once, with a
    /// fresh step budget and no deadline. The run still fails with its original error.
    fn run_error_handlers(&mut self, unwind: &Unwind<'a>) {
        let kind = match unwind {
            Unwind::Fatal(f) if std::ptr::eq(f.rule, &rules::TIMEOUT) => "Timeout",
            Unwind::Fatal(f) if std::ptr::eq(f.rule, &rules::UNSUPPORTED) => return,
            Unwind::Fatal(f) if std::ptr::eq(f.rule, &rules::MEMORY_STORE_IO) => "IoError",
            _ => "RuntimeError",
        };
        let handlers: Vec<_> = self
            .on_error
            .iter()
            .filter(|(when, _, _)| {
                when == kind || matches!(when.as_str(), "Error" | "Exception" | "any" | "*")
            })
            .map(|(_, action, env)| (*action, env.clone()))
            .collect();
        self.steps = 0;
        self.deadline = None;
        self.file = 0;
        for (action, env) in handlers {
            // A failing handler cannot make the failure worse; its own error is dropped.
            let _ = self.value(action, &env);
        }
    }

    fn report(&mut self, unwind: Unwind<'a>) -> Reported {
        let f = match unwind {
            Unwind::Error(f) | Unwind::Fatal(f) => *f,
            Unwind::Throw(value, f) => Failure {
                message: format!("uncaught error: {}", value.display()),
                ..*f
            },
        };
        let call_line = f.call_line;
        let mut d = Diagnostic::new(f.rule, f.span, f.message);
        for t in &f.trace {
            d = d.with_note(t.clone());
        }
        let file = (f.file != 0).then(|| self.sources[f.file].path.clone());
        if let Some(p) = &file {
            let line = self.sources[f.file].lines.line(f.span.start as usize);
            d = d.with_note(format!("the error is in {}:{line}", p.display()));
        }
        (vec![d], file, call_line)
    }

    /// The text of a span in the running file.
    pub(super) fn source_text(&self, span: Span) -> &'a str {
        let text = self.sources[self.file].text;
        text.get(span.range()).unwrap_or_default()
    }

    /// The running file's name without extension (the `source` of its log entries).
    pub(super) fn source_name(&self) -> String {
        self.sources[self.file]
            .path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    }

    pub(super) fn line_of(&self, span: Span) -> usize {
        self.sources[self.file].lines.line(span.start as usize)
    }

    // ----- budget ----------------------------------------------------------------------------

    /// An operation built `size` bytes or items at once; past 64 KiB the next step checks
    /// the deadline, so `--timeout` holds even when each step is slow.
    pub(super) fn did_work(&mut self, size: usize) {
        if size >= 1 << 16 {
            self.clock_due = true;
        }
    }

    #[inline]
    fn tick(&mut self, span: Span) -> R<'a, ()> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(Unwind::Fatal(Box::new(self.failure(
                &rules::TIMEOUT,
                span,
                format!(
                    "the step budget of {} was exhausted at line {}",
                    self.opts.max_steps,
                    self.line_of(span)
                ),
            ))));
        }
        if self.steps % 4096 == 0 || self.clock_due {
            self.clock_due = false;
            if let Some(deadline) = self.deadline {
                if Instant::now() >= deadline {
                    let secs = self.opts.timeout.map_or(0.0, |t| t.as_secs_f64());
                    return Err(Unwind::Fatal(Box::new(self.failure(
                        &rules::TIMEOUT,
                        span,
                        format!(
                            "timed out after {secs} s while executing line {}",
                            self.line_of(span)
                        ),
                    ))));
                }
            }
        }
        Ok(())
    }

    pub(super) fn now(&self) -> f64 {
        if self.deterministic {
            self.virtual_clock
        } else {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
                + self.virtual_clock
        }
    }

    pub(super) fn random(&mut self) -> f64 {
        // xorshift64*: small, fast, and reproducible under a fixed seed.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `wait 2s` / `sleep(2)`: virtual under `--deterministic`, else real (bounded by the
    /// timeout, which it reports as such).
    /// Fires the pending timers and schedules in order of due time, advancing the virtual
    /// clock to each, until none is left or `--until` is reached (an interval that is never
    /// cleared would otherwise run forever, as in a browser). Watches are polled after each.
    fn run_timers(&mut self) -> R<'a, ()> {
        while let Some(timer) = self.timers.next() {
            self.tick(timer.span)?;
            let wait = (timer.due - self.now()).max(0.0);
            if self.elapsed + wait > self.opts.until {
                // `--until`: the virtual day (or what was asked) is over.
                break;
            }
            // The scheduler's clock is always virtual: a nightly job runs in milliseconds.
            self.virtual_clock += wait;
            self.elapsed += wait;
            self.call_value(&timer.callback, timer.args.clone(), Vec::new(), timer.span)?;
            self.poll_watches()?;
            self.timers.again(timer);
        }
        Ok(())
    }

    pub(super) fn wait(&mut self, seconds: f64, span: Span) -> R<'a, ()> {
        let seconds = seconds.max(0.0);
        self.elapsed += seconds;
        if self.deterministic {
            self.virtual_clock += seconds;
            return Ok(());
        }
        let wanted = std::time::Duration::from_secs_f64(seconds.min(1e9));
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if wanted >= left {
                std::thread::sleep(left);
                let secs = self.opts.timeout.map_or(0.0, |t| t.as_secs_f64());
                return Err(Unwind::Fatal(Box::new(self.failure(
                    &rules::TIMEOUT,
                    span,
                    format!(
                        "timed out after {secs} s while waiting at line {}",
                        self.line_of(span)
                    ),
                ))));
            }
        }
        std::thread::sleep(wanted);
        Ok(())
    }

    pub(super) fn print(&mut self, span: Span, text: &str) -> R<'a, ()> {
        match writeln!(self.out, "{text}") {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => self.fail(span, format!("cannot write output: {e}")),
        }
    }

    pub(super) fn mem<T>(
        &self,
        span: Span,
        r: Result<T, crate::run::memory::MemoryError>,
    ) -> R<'a, T> {
        r.or_else(|e| {
            if e.is_io() {
                // The file cannot serve as a store (corrupt, another program's, unreadable,
                // unwritable): not something the script did, and not something it can fix by
                // catching, so the run stops with IO_ERROR.
                Err(Unwind::Fatal(Box::new(self.failure(
                    &rules::MEMORY_STORE_IO,
                    span,
                    e.to_string(),
                ))))
            } else {
                self.fail(span, e.to_string())
            }
        })
    }

    /// The JSON that `v` is kept as in the memory store. NaN, Infinity and values nested past
    /// the store's limit are refused with an error naming them: storing them as `null`, as
    /// plain JSON conversion would, loses data without a word.
    pub(super) fn kept(&self, v: &Value<'a>, span: Span) -> R<'a, serde_json::Value> {
        match v.to_json_exact(crate::run::memory::MAX_NESTING) {
            Ok(json) => Ok(json),
            Err(what) => self.fail(span, format!("memory store: cannot keep {what}")),
        }
    }

    // ----- statements ------------------------------------------------------------------------

    /// Run statements in `env`, with the block's function declarations hoisted first.
    /// The file's top level: statements in order, the watches polled after each.
    fn run_top_level(&mut self, stmts: &'a [Stmt<'a>], env: &Env<'a>) -> R<'a, ()> {
        self.hoist(stmts, env);
        for s in stmts {
            let flow = self.exec(s, env)?;
            self.poll_watches()?;
            if !matches!(flow, Flow::Next) {
                break;
            }
        }
        Ok(())
    }

    fn hoist(&mut self, stmts: &'a [Stmt<'a>], env: &Env<'a>) {
        for s in stmts {
            if let StmtKind::Function {
                name, params, body, ..
            } = &s.node
            {
                let f = self.function(name.node, params, Body::Block(body), env, s.span);
                env.define(name.node, f);
            }
        }
    }

    pub(super) fn exec_block_stmts(&mut self, stmts: &'a [Stmt<'a>], env: &Env<'a>) -> R<'a, ()> {
        match self.exec_stmts(stmts, env)? {
            Flow::Next => Ok(()),
            Flow::Return(_) => Ok(()),
            Flow::Break | Flow::Continue => Ok(()),
        }
    }

    pub(super) fn exec_stmts(&mut self, stmts: &'a [Stmt<'a>], env: &Env<'a>) -> R<'a, Flow<'a>> {
        self.hoist(stmts, env);
        for s in stmts {
            match self.exec(s, env)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    fn block(&mut self, block: &'a Block<'a>, env: &Env<'a>) -> R<'a, Flow<'a>> {
        self.exec_stmts(&block.stmts, env)
    }

    pub(super) fn function(
        &self,
        name: &'a str,
        params: &'a [Param<'a>],
        body: Body<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> Value<'a> {
        Value::Func(Rc::new(Function {
            name,
            params,
            body,
            env: env.clone(),
            line: self.line_of(span),
            file: self.file,
        }))
    }

    fn exec(&mut self, stmt: &'a Stmt<'a>, env: &Env<'a>) -> R<'a, Flow<'a>> {
        self.tick(stmt.span)?;
        match &stmt.node {
            StmtKind::Expr { expr, body } => {
                if let ExprKind::Name { name } = expr.node {
                    // A bare word line: a call without arguments (`status`, `step`).
                    if env.get(name).is_none() {
                        return self.command_word(name, expr.span, env).map(|_| Flow::Next);
                    }
                }
                let v = self.eval(expr, env)?;
                if let (Some(b), Value::Func(_) | Value::Builtin(_)) = (body, &v) {
                    let _ = b;
                }
                if let Some(b) = body {
                    return self.unsupported(b.span, "a block attached to an expression statement");
                }
                Ok(Flow::Next)
            }
            StmtKind::Let {
                name,
                value,
                let_kind,
                ..
            } => {
                let v = match value {
                    Some(v) => {
                        self.at(position::let_value(*let_kind), |s| s.assign_value(v, env))?
                    }
                    None => Value::Null,
                };
                env.define(name.node, v);
                Ok(Flow::Next)
            }
            StmtKind::Assign { target, op, value } => {
                let v = self.assign_value(value, env)?;
                self.assign(target, *op, v, env, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::TypedAssign { name, value, .. } => {
                let v = self.eval(value, env)?;
                env.assign(name.node, v);
                Ok(Flow::Next)
            }
            StmtKind::Directive { directive, kv } => {
                let at = position::directive_value(*directive);
                self.at(at, |s| s.directive(*directive, kv, env, stmt.span))?;
                Ok(Flow::Next)
            }
            StmtKind::Entry { kv } => {
                let (key, name) = match &kv.key.node {
                    Key::Word { name } => (*name, Some(*name)),
                    Key::Str { .. } => ("", None),
                };
                let at = position::entry_value(self.block, key);
                let value = self.at(at, |s| s.entry_value(kv, env))?;
                match name {
                    Some(name) => env.assign(name, value),
                    // `"display name": "Archivist"` in a container: metadata under its text.
                    None => {
                        if let Key::Str { value: k } = &kv.key.node {
                            let k: &'a str = k.as_str();
                            env.assign(k, value);
                        }
                    }
                }
                Ok(Flow::Next)
            }
            StmtKind::Section { section, key, body } => self.section(*section, *key, body, env),
            StmtKind::Await { names } => {
                for n in names {
                    self.eval(n, env)?;
                }
                Ok(Flow::Next)
            }
            StmtKind::ListItem { item: step } | StmtKind::Step { stmt: step, .. } => {
                // In a code block a step runs; elsewhere it names a step for the host.
                let inner = match self.block {
                    BlockRole::Code => Position::Words,
                    _ => position::STEP,
                };
                self.in_block(BlockRole::Mapping, inner, |s| s.exec(step, env))
            }
            StmtKind::If {
                branches,
                else_body,
            } => {
                for b in branches {
                    if self.eval(&b.cond, env)?.truthy() {
                        return self.block(&b.body, env);
                    }
                }
                match else_body {
                    Some(b) => self.block(b, env),
                    None => Ok(Flow::Next),
                }
            }
            StmtKind::For {
                vars, iter, body, ..
            } => self.for_loop(vars, iter, body, env),
            StmtKind::While { cond, body } => {
                while self.eval(cond, env)?.truthy() {
                    self.tick(stmt.span)?;
                    match self.block(body, env)? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Next | Flow::Continue => {}
                    }
                }
                Ok(Flow::Next)
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => self.try_stmt(body, catches, finally.as_ref(), env),
            StmtKind::Match { subject, cases } => {
                let v = self.eval(subject, env)?;
                for c in cases {
                    if c.patterns.is_empty() {
                        return self.block(&c.body, env);
                    }
                    for p in &c.patterns {
                        if self.eval(p, env)?.equals(&v) {
                            return self.block(&c.body, env);
                        }
                    }
                }
                Ok(Flow::Next)
            }
            StmtKind::Return { value } => {
                let v = match value {
                    Some(e) => self.eval(e, env)?,
                    None => Value::Null,
                };
                Ok(Flow::Return(v))
            }
            StmtKind::Break => Ok(Flow::Break),
            StmtKind::Continue => Ok(Flow::Continue),
            StmtKind::Throw { value } => {
                let v = self.eval(value, env)?;
                let at = self.failure(&rules::RUNTIME_ERROR, stmt.span, String::new());
                Err(Unwind::Throw(v, Box::new(at)))
            }
            StmtKind::Wait { duration } => {
                let v = self.eval(duration, env)?;
                let Some(secs) = v.as_f64() else {
                    return self.fail(duration.span, format!("cannot wait for {}", v.a_type()));
                };
                self.wait(secs, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Use { path, alias: None }
                if self.plugins.iter().any(|p| *p.name == *path.node)
                    || (self.host.declared().has_plugin(&path.node)
                        && self.find_module_file(&path.node).is_none()) =>
            {
                // `use indexer` selects a plugin the file declares.
                let p = self.plugin_value(&path.node, path.span)?;
                env.assign("active_plugin", p);
                Ok(Flow::Next)
            }
            StmtKind::Import { path, alias } | StmtKind::Use { path, alias } => {
                let name = alias.as_ref().map_or_else(
                    || crate::project::modules::default_binding(&path.node),
                    |a| a.node,
                );
                // A module the host provides (`[host] plugins = ["sys/util"]`) and no file
                // of the run defines: its functions are requests.
                let declared = path.node.strip_suffix(".aether").unwrap_or(&path.node);
                if self.find_module_file(&path.node).is_none()
                    && self.host.declared().has_plugin(declared)
                {
                    env.define(name, Value::Host(Rc::from(name)));
                    return Ok(Flow::Next);
                }
                let module = self.load_module(&path.node, path.span)?;
                env.define(name, Value::Module(module));
                Ok(Flow::Next)
            }
            StmtKind::Log { value } => {
                // `log("queue depth", 12)` reads as a tuple: its items joined, like the builtin.
                let text = match &value.node {
                    ExprKind::Tuple { items } => {
                        let mut parts = Vec::with_capacity(items.len());
                        for i in items {
                            parts.push(self.eval(i, env)?.display());
                        }
                        parts.join(" ")
                    }
                    _ => self.eval(value, env)?.display(),
                };
                self.log_line(&text, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Think { value } => {
                let v = self.eval(value, env)?;
                let ts = self.now();
                let json = self.kept(&v, stmt.span)?;
                let r = self.memory.store("thought", &json, &[], ts);
                self.mem(stmt.span, r)?;
                self.print(stmt.span, &format!("think: {}", v.display()))?;
                Ok(Flow::Next)
            }
            // Declared when their block was entered.
            StmtKind::Function { .. } => Ok(Flow::Next),
            StmtKind::Plugin { name, body } => {
                self.register_plugin(name, body, env)?;
                Ok(Flow::Next)
            }
            StmtKind::NamedBlock { name, body, .. } => {
                let data = self.in_block(BlockRole::Container, Position::Data, |s| {
                    s.block_data(body, env)
                })?;
                env.assign(name.node, data);
                Ok(Flow::Next)
            }
            StmtKind::When { cond, body } => {
                self.register_when(cond, body, env)?;
                Ok(Flow::Next)
            }
            StmtKind::Trigger {
                trigger: TriggerKind::On,
                head,
                body,
            } => {
                self.register_on(head, body, env, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Trigger {
                trigger: TriggerKind::Every,
                head,
                body,
            } => {
                self.register_every(head, body, env, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Trigger {
                trigger: TriggerKind::Monitor,
                head,
                body,
            } => {
                // `monitor changes:`: the host reports the changes; `trigger changes` (or a
                // call of the name) fires the block in a run.
                let event = self.head_text(head, stmt.span).to_string();
                self.handlers.push(Handler {
                    event,
                    params: &[],
                    body,
                    env: env.clone(),
                });
                Ok(Flow::Next)
            }
            StmtKind::Trigger {
                trigger: TriggerKind::Simulate,
                body,
                ..
            } => {
                // `simulate agent for 12h:`: one pass of the body, as a rehearsal.
                let scope = env.child();
                self.as_code(BlockRole::Code, |s| s.exec_stmts(&body.stmts, &scope))?;
                Ok(Flow::Next)
            }
            StmtKind::Behavior { name, body } => {
                // `behavior: curious`: a named reaction, fired like an event.
                self.handlers.push(Handler {
                    event: name.node.to_string(),
                    params: &[],
                    body,
                    env: env.clone(),
                });
                Ok(Flow::Next)
            }
            StmtKind::Remember { value, tags, body } => {
                let v = self.at(Position::Words, |s| s.eval(value, env))?;
                // `remember x as "t" { source: "ops" }`: the block's entries are stored
                // with the value.
                let v = match body {
                    Some(b) => {
                        let extra = self.in_block(BlockRole::Arguments, Position::Words, |s| {
                            s.block_data(b, env)
                        })?;
                        let mut m = super::value::Fields::default();
                        m.insert(Rc::from("value"), v);
                        if let Value::Map(extra) = extra {
                            for (k, x) in extra.borrow().iter() {
                                m.insert(k.clone(), x.clone());
                            }
                        }
                        Value::map(m)
                    }
                    None => v,
                };
                let tags = match tags {
                    Some(t) => split_tags(&self.eval(t, env)?.display()),
                    None => Vec::new(),
                };
                let ts = self.now();
                let json = self.kept(&v, stmt.span)?;
                let r = self.memory.store("memory", &json, &tags, ts);
                self.mem(stmt.span, r)?;
                Ok(Flow::Next)
            }
            StmtKind::Recall { key, value, into } => {
                let found = self.recall(key.as_ref().map(|k| k.node), value, env, stmt.span)?;
                match into {
                    Some(target) => self.assign(target, AssignOp::Set, found, env, stmt.span)?,
                    None => {
                        let text = found.display();
                        self.print(stmt.span, &text)?;
                    }
                }
                Ok(Flow::Next)
            }
            StmtKind::Phrase { text, body } => {
                // A free-text line (`- check the logs`) asks for what it says.
                let text = text.trim();
                let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
                let mut args = vec![Value::str(rest.trim())];
                if let Some(b) = body {
                    args.push(
                        self.in_block(BlockRole::Mapping, Position::Declaration, |s| {
                            s.block_data(b, env)
                        })?,
                    );
                }
                self.request(EffectKind::Verb, verb, &args, &[], stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Command { command } => {
                let at = position::command_parts(self.verb_kind(command.verb.node, env));
                self.at(at, |s| s.command(command, env, stmt.span))?;
                Ok(Flow::Next)
            }
            // `if inbox.has("new")` under `trigger:`: a condition for the host's trigger.
            StmtKind::Guard { .. } => Ok(Flow::Next),
            StmtKind::Foreign { .. } | StmtKind::Error => {
                self.unsupported(stmt.span, "a statement that did not parse")
            }
        }
    }

    /// What a command's verb is, as the validator decides it: a function or builtin used as
    /// a verb, a verb of the vocabulary or the host, or an open verb.
    pub(super) fn verb_kind(&self, verb: &str, env: &Env<'a>) -> position::Verb {
        if env.get(verb).is_some_and(|v| v.is_callable())
            || crate::registry::builtins::lookup(verb).is_some()
        {
            position::Verb::Call
        } else if crate::registry::vocabulary::lookup(verb).is_some()
            || self.host.declared().has_verb(verb)
        {
            position::Verb::Known
        } else {
            position::Verb::Open
        }
    }

    fn assign_value(&mut self, v: &'a AssignValue<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match v {
            AssignValue::Expr { expr } => self.eval(expr, env),
            AssignValue::Stmt { stmt } => match &stmt.node {
                StmtKind::Command { command } => {
                    let at = position::command_parts(self.verb_kind(command.verb.node, env));
                    self.at(at, |s| s.command(command, env, stmt.span))
                }
                StmtKind::Recall { key, value, .. } => {
                    self.recall(key.as_ref().map(|k| k.node), value, env, stmt.span)
                }
                StmtKind::Remember { value, tags, .. } => {
                    let v = self.at(Position::Words, |s| s.eval(value, env))?;
                    let tags = match tags {
                        Some(t) => split_tags(&self.eval(t, env)?.display()),
                        None => Vec::new(),
                    };
                    let ts = self.now();
                    let json = self.kept(&v, stmt.span)?;
                    let r = self.memory.store("memory", &json, &tags, ts);
                    Ok(Value::Int(self.mem(stmt.span, r)?))
                }
                _ => self.unsupported(stmt.span, "this statement as a value"),
            },
        }
    }

    pub(super) fn assign(
        &mut self,
        target: &'a Expr<'a>,
        op: AssignOp,
        value: Value<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, ()> {
        // `x op= v` reads the target's old value; the target's object and index are evaluated
        // once, so `counts[next_key()] += 1` calls `next_key` once.
        let bin = match op {
            AssignOp::Set => None,
            AssignOp::Add => Some(BinOp::Add),
            AssignOp::Sub => Some(BinOp::Sub),
            AssignOp::Mul => Some(BinOp::Mul),
            AssignOp::Div => Some(BinOp::Div),
            AssignOp::Rem => Some(BinOp::Rem),
        };
        match &target.node {
            ExprKind::Name { name } | ExprKind::Var { name } => {
                let value = match bin {
                    None => value,
                    Some(b) => {
                        let old = self.eval(target, env)?;
                        self.binary(b, old, value, span)?
                    }
                };
                env.assign(name, value);
                Ok(())
            }
            ExprKind::Member { object, name, .. } => {
                let obj = self.eval(object, env)?;
                let value = match bin {
                    None => value,
                    Some(b) => {
                        let old = self.member(obj.clone(), name.node, name.span)?;
                        self.binary(b, old, value, span)?
                    }
                };
                match obj {
                    Value::Map(m) => {
                        let mut m = m.borrow_mut();
                        if m.len() >= MAX_SIZE && !m.contains_key(name.node) {
                            return self
                                .fail(span, format!("a map of more than {MAX_SIZE} entries"));
                        }
                        m.insert(Rc::from(name.node), value);
                        Ok(())
                    }
                    Value::Plugin(p) => {
                        p.env.assign(name.node, value);
                        Ok(())
                    }
                    other => self.fail(
                        target.span,
                        format!("cannot set field '{}' on {}", name.node, other.a_type()),
                    ),
                }
            }
            ExprKind::Index { object, index } => {
                let obj = self.eval(object, env)?;
                let idx = self.eval(index, env)?;
                let value = match bin {
                    None => value,
                    Some(b) => {
                        let old = self.index(obj.clone(), idx.clone(), index.span)?;
                        self.binary(b, old, value, span)?
                    }
                };
                match (obj, idx) {
                    (Value::List(l), Value::Int(i)) => {
                        let mut l = l.borrow_mut();
                        let len = l.len() as i64;
                        let i = if i < 0 { i + len } else { i };
                        match l.get_mut(i as usize) {
                            Some(slot) if i >= 0 => {
                                *slot = value;
                                Ok(())
                            }
                            _ => {
                                drop(l);
                                self.fail(
                                    index.span,
                                    format!("index {i} is out of range for a list of {len}"),
                                )
                            }
                        }
                    }
                    (Value::Map(m), k) => {
                        let key = k.key();
                        let mut m = m.borrow_mut();
                        if m.len() >= MAX_SIZE && !m.contains_key(&key) {
                            return self.fail(
                                target.span,
                                format!("a map of more than {MAX_SIZE} entries"),
                            );
                        }
                        m.insert(key, value);
                        Ok(())
                    }
                    (o, _) => self.fail(target.span, format!("cannot index into {}", o.a_type())),
                }
            }
            _ => self.unsupported(target.span, "this assignment target"),
        }
    }

    fn for_loop(
        &mut self,
        vars: &'a [Name<'a>],
        iter: &'a Expr<'a>,
        body: &'a Block<'a>,
        env: &Env<'a>,
    ) -> R<'a, Flow<'a>> {
        // `for i in range(n)` counts without building the list (as CPython's range does).
        if let Some((start, stop, step)) = self.lazy_range(iter, env)? {
            return self.count_loop(vars, iter, body, env, start, stop, step);
        }
        let it = self.eval(iter, env)?;
        let items: Vec<Value<'a>> = match &it {
            // A list is read by index each round, so the loop sees appends as they happen.
            Value::List(_) => Vec::new(),
            Value::Map(m) => {
                if vars.len() == 2 {
                    m.borrow()
                        .iter()
                        .map(|(k, v)| Value::list(vec![Value::Str(k.clone()), v.clone()]))
                        .collect()
                } else {
                    m.borrow().keys().map(|k| Value::Str(k.clone())).collect()
                }
            }
            Value::Str(s) => s.chars().map(|c| Value::str(&c.to_string())).collect(),
            Value::Int(n) => {
                // `for i in 5` counts like `range(5)`, without building the list.
                let n = *n;
                return self.count_loop(vars, iter, body, env, 0, n, 1);
            }
            other => return self.fail(iter.span, format!("cannot loop over {}", other.a_type())),
        };
        let mut index = 0;
        loop {
            let item = match &it {
                Value::List(l) => match l.borrow().get(index) {
                    Some(v) => v.clone(),
                    None => break,
                },
                _ => match items.get(index) {
                    Some(v) => v.clone(),
                    None => break,
                },
            };
            index += 1;
            self.tick(iter.span)?;
            match vars {
                [one] => env.define(one.node, item),
                many => {
                    let parts: Vec<Value<'a>> = match &item {
                        Value::List(l) => l.borrow().clone(),
                        _ => {
                            return self
                                .fail(iter.span, "cannot unpack a loop item into several names")
                        }
                    };
                    for (i, v) in many.iter().enumerate() {
                        env.define(v.node, parts.get(i).cloned().unwrap_or(Value::Null));
                    }
                }
            }
            match self.block(body, env)? {
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Next | Flow::Continue => {}
            }
        }
        Ok(Flow::Next)
    }

    /// A loop over integers from `start` towards `stop` (exclusive) by `step`.
    #[allow(clippy::too_many_arguments)]
    fn count_loop(
        &mut self,
        vars: &'a [Name<'a>],
        iter: &'a Expr<'a>,
        body: &'a Block<'a>,
        env: &Env<'a>,
        start: i64,
        stop: i64,
        step: i64,
    ) -> R<'a, Flow<'a>> {
        let [var] = vars else {
            return self.fail(iter.span, "cannot unpack an integer into several names");
        };
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            self.tick(iter.span)?;
            env.define(var.node, Value::Int(i));
            match self.block(body, env)? {
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Next | Flow::Continue => {}
            }
            match i.checked_add(step) {
                Some(next) => i = next,
                None => break,
            }
        }
        Ok(Flow::Next)
    }

    /// The bounds of `range(...)` when the loop's iterable is a call of the builtin.
    fn lazy_range(&mut self, iter: &'a Expr<'a>, env: &Env<'a>) -> R<'a, Option<(i64, i64, i64)>> {
        let ExprKind::Call { callee, args } = &iter.node else {
            return Ok(None);
        };
        let ExprKind::Name { name: "range" } = callee.node else {
            return Ok(None);
        };
        if !matches!(env.get("range"), Some(Value::Builtin(_)))
            || !args.iter().all(|a| matches!(a, Arg::Positional { .. }))
        {
            return Ok(None);
        }
        let mut n = Vec::with_capacity(3);
        for a in args {
            if let Arg::Positional { value } = a {
                match self.eval(value, env)? {
                    Value::Int(i) => n.push(i),
                    other => {
                        return self.fail(
                            value.span,
                            format!("range needs integers, not {}", other.a_type()),
                        )
                    }
                }
            }
        }
        let bounds = match n.as_slice() {
            [stop] => (0, *stop, 1),
            [start, stop] => (*start, *stop, 1),
            [start, stop, step] if *step != 0 => (*start, *stop, *step),
            [_, _, _] => return self.fail(iter.span, "range step cannot be zero"),
            _ => return Ok(None),
        };
        Ok(Some(bounds))
    }

    fn try_stmt(
        &mut self,
        body: &'a Block<'a>,
        catches: &'a [Catch<'a>],
        finally: Option<&'a Block<'a>>,
        env: &Env<'a>,
    ) -> R<'a, Flow<'a>> {
        let result = self.block(body, env);
        // A timeout or unsupported construct ends the run: no handler and no `finally` runs.
        if let Err(Unwind::Fatal(_)) = result {
            return result;
        }
        let result = match result {
            Err(Unwind::Throw(value, _)) if !catches.is_empty() => {
                self.catch(&catches[0], value, env)
            }
            Err(Unwind::Error(f)) if !catches.is_empty() => {
                let mut m = Fields::default();
                m.insert(Rc::from("message"), Value::str(&f.message));
                m.insert(Rc::from("kind"), Value::str("RuntimeError"));
                m.insert(
                    Rc::from("line"),
                    Value::Int(self.sources[f.file].lines.line(f.span.start as usize) as i64),
                );
                self.catch(&catches[0], Value::map(m), env)
            }
            other => other,
        };
        if let Some(f) = finally {
            match self.block(f, env)? {
                Flow::Next => {}
                flow => return Ok(flow),
            }
        }
        result
    }

    fn catch(&mut self, c: &'a Catch<'a>, value: Value<'a>, env: &Env<'a>) -> R<'a, Flow<'a>> {
        if let Some(b) = &c.binding {
            env.define(b.node, value);
        }
        self.block(&c.body, env)
    }

    /// The value of an entry: its expression, its text, or the data of its suite.
    fn entry_value(&mut self, kv: &'a KeyValue<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match (&kv.value, &kv.body) {
            (Some(v), None) => self.value(v, env),
            // An entry's suite is a mapping: what it holds is declared, not run.
            (None, Some(b)) => self.in_block(BlockRole::Mapping, Position::Declaration, |s| {
                s.block_data(b, env)
            }),
            (None, None) => Ok(Value::Null),
            // `command: "search"` + an indented suite: the value and the suite's entries
            // together, the value under `value`.
            (Some(v), Some(b)) => {
                let first = self.value(v, env)?;
                let rest = self.in_block(BlockRole::Mapping, Position::Declaration, |s| {
                    s.block_data(b, env)
                })?;
                let mut m = Fields::default();
                m.insert(Rc::from("value"), first);
                match rest {
                    Value::Map(rest) => {
                        for (k, x) in rest.borrow().iter() {
                            m.insert(k.clone(), x.clone());
                        }
                    }
                    other => {
                        m.insert(Rc::from("items"), other);
                    }
                }
                Ok(Value::map(m))
            }
        }
    }

    pub(super) fn value(
        &mut self,
        v: &'a crate::syntax::ast::Value<'a>,
        env: &Env<'a>,
    ) -> R<'a, Value<'a>> {
        match v {
            crate::syntax::ast::Value::Expr { expr } => self.data(expr, env),
            crate::syntax::ast::Value::Text { text, .. } => Ok(Value::str(text.trim())),
            crate::syntax::ast::Value::BlockScalar { text, .. } => Ok(Value::str(text)),
            crate::syntax::ast::Value::Invoke { invoke, span } => self.invoke(invoke, env, *span),
            // A schedule held as a value reads as its text, as written (running what it
            // schedules is the host's).
            crate::syntax::ast::Value::Schedule { span, .. } => {
                let text = &self.sources[self.file].text[span.range()];
                Ok(Value::str(text.trim()))
            }
        }
    }

    /// `plugin: sysmon.status "disk"`: a plugin of the run (a file on the plugin path or a
    /// `plugin` block) is called; any other goes to the host.
    fn invoke(&mut self, invoke: &'a Invoke<'a>, env: &Env<'a>, span: Span) -> R<'a, Value<'a>> {
        let target = invoke.target.node;
        let (args, kwargs) =
            self.at(Position::Words, |s| s.phrase_args(&invoke.args, None, env))?;
        let (plugin, function) = match target.split_once('.') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        if self.plugin_available(plugin) {
            let p = self.find_plugin(plugin, invoke.target.span)?;
            return match function {
                Some(f) => match p.env.get(f) {
                    Some(func) if func.is_callable() => self.call_value(&func, args, kwargs, span),
                    _ => self.run_plugin_blocks(&p, &[f], args),
                },
                None => self.run_plugin_blocks(&p, &["on_run"], args),
            };
        }
        self.request(EffectKind::Plugin, target, &args, &kwargs, span)
    }

    /// An expression in a data position (an entry or option value): words made of names
    /// the script never assigned (`priority: high`, `model: small-local`) are their text.
    pub(super) fn data(&mut self, expr: &'a Expr<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        // `[sre-oncall, platform]`: each item of a list of words is data too.
        if let ExprKind::List { items } = &expr.node {
            let plain = items.iter().all(|i| {
                !matches!(
                    i.node,
                    ExprKind::ListPair { .. }
                        | ExprKind::Comprehension(_)
                        | ExprKind::Unary {
                            op: UnOp::Spread,
                            ..
                        }
                )
            });
            if !plain {
                return self.eval(expr, env);
            }
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(self.data(i, env)?);
            }
            return Ok(Value::list(out));
        }
        if word_like(expr) && has_unbound_name(expr, env) {
            let text = &self.sources[self.file].text[expr.span.range()];
            return Ok(Value::str(text.trim()));
        }
        self.eval(expr, env)
    }

    /// A YAML-like suite as data: entries make a map, `- item` lines a list.
    pub(super) fn block_data(&mut self, block: &'a Block<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        let stmts = &block.stmts;
        if !stmts.is_empty()
            && stmts
                .iter()
                .all(|s| matches!(s.node, StmtKind::ListItem { .. }))
        {
            let mut items = Vec::new();
            for s in stmts {
                if let StmtKind::ListItem { item } = &s.node {
                    items.push(self.item_data(item, env)?);
                }
            }
            return Ok(Value::list(items));
        }
        let mut map = Fields::default();
        let mut steps = Vec::new();
        for s in stmts {
            match &s.node {
                StmtKind::Entry { kv } | StmtKind::Directive { kv, .. } => {
                    let (key, word): (Rc<str>, &str) = match &kv.key.node {
                        Key::Word { name } => (Rc::from(*name), name),
                        Key::Str { value } => (Rc::from(value.as_str()), ""),
                    };
                    let at = position::entry_value(self.block, word);
                    let v = self.at(at, |s| s.entry_value(kv, env))?;
                    map.insert(key, v);
                }
                // `1. mount_memory()`, `- scan`: the steps, in order.
                StmtKind::Step { stmt, .. } | StmtKind::ListItem { item: stmt } => {
                    let v = self.at(position::STEP, |s| s.item_data(stmt, env))?;
                    steps.push(v);
                }
                // `if memory.has("fresh_logs")` under `trigger:`: the host's condition, as
                // written.
                StmtKind::Guard { cond } => {
                    let text = self.source_text(cond.span).trim();
                    map.insert(Rc::from("if"), Value::str(text));
                }
                StmtKind::Function {
                    name, params, body, ..
                } => {
                    let f = self.function(name.node, params, Body::Block(body), env, s.span);
                    map.insert(Rc::from(name.node), f);
                }
                // `identity { limits { cpu: 80% } }`: a nested block is a nested map.
                StmtKind::NamedBlock {
                    name,
                    args: None,
                    label: None,
                    body,
                } => {
                    let v = self.block_data(body, env)?;
                    map.insert(Rc::from(name.node), v);
                }
                // Handlers and schedules in a configuration block (`consciousness { every
                // 1h: reflect() }`) are registered as anywhere.
                StmtKind::When { .. }
                | StmtKind::Trigger { .. }
                | StmtKind::Behavior { .. }
                | StmtKind::Plugin { .. } => {
                    self.exec(s, env)?;
                }
                // Other statements in a declaration (`command: "forget"` + `input:` +
                // `delete_memory(id)`, `where:` + `cpu > 90`) are what the host runs when
                // it uses the declaration: they are kept as written, under `do`, not run.
                _ => {
                    let text = Value::str(self.source_text(s.span).trim());
                    match map.get("do") {
                        Some(Value::List(l)) => l.borrow_mut().push(text),
                        _ => {
                            map.insert(Rc::from("do"), Value::list(vec![text]));
                        }
                    }
                }
            }
        }
        if map.is_empty() && !steps.is_empty() {
            return Ok(Value::list(steps));
        }
        if !steps.is_empty() {
            map.insert(Rc::from("steps"), Value::list(steps));
        }
        Ok(Value::map(map))
    }

    /// One item of a YAML-like list of steps (`- collect: load_logs(tag="app")` + `output:
    /// raw`, `- if: len(anomalies) > 5` + `then: ...` + `else: ...`). Its entries are
    /// evaluated in order into a map, as a workflow runner takes a step: `if:` decides which
    /// one of `then:` and `else:` is evaluated (the other is not), and `output: NAME` binds
    /// the value of the step's first entry to NAME for the steps after it.
    fn step_item(&mut self, kv: &'a KeyValue<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        let key = |kv: &KeyValue<'_>| Rc::<str>::from(kv.key.node.text());
        let mut map = Fields::default();
        // `- check:` + an indented suite: the suite is the value of the one key.
        let (Some(first), rest) = (&kv.value, kv.body.as_ref()) else {
            let v = self.entry_value(kv, env)?;
            map.insert(key(kv), v);
            return Ok(Value::map(map));
        };
        let first_value = self.value(first, env)?;
        map.insert(key(kv), first_value.clone());
        let mut cond: Option<bool> = (&*key(kv) == "if").then(|| first_value.truthy());
        let mut others = false;
        for s in rest.map_or(&[][..], |b| &b.stmts[..]) {
            let (StmtKind::Entry { kv: e } | StmtKind::Directive { kv: e, .. }) = &s.node else {
                others = true;
                continue;
            };
            let k = key(e);
            match (&*k, cond) {
                ("then", Some(false)) | ("else", Some(true)) => continue,
                ("output", _) => {
                    if let Some(crate::syntax::ast::Value::Expr {
                        expr:
                            Expr {
                                node: ExprKind::Name { name },
                                ..
                            },
                    }) = &e.value
                    {
                        env.assign(name, first_value.clone());
                        map.insert(k, Value::str(name));
                        continue;
                    }
                }
                _ => {}
            }
            let v = self.entry_value(e, env)?;
            if &*k == "if" {
                cond = Some(v.truthy());
            }
            map.insert(k, v);
        }
        // Lines of the item that are not entries: kept as the host's, as in any declaration.
        if let (true, Some(b)) = (others, rest) {
            if let Value::Map(extra) = self.block_data(b, env)? {
                for (k, v) in extra.borrow().iter() {
                    if !map.contains_key(k) {
                        map.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Ok(Value::map(map))
    }

    fn item_data(&mut self, item: &'a Stmt<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match &item.node {
            StmtKind::Expr { expr, body: None } => match expr.node {
                // `- cache`: a word in a list is its text.
                ExprKind::Name { name } if env.get(name).is_none() => Ok(Value::str(name)),
                _ => self.data(expr, env),
            },
            StmtKind::Phrase { text, body: None } => Ok(Value::str(text.trim())),
            StmtKind::Entry { kv } => self.step_item(kv, env),
            // `- run_checks(level: 2)`, `1. restore()`: a step's value.
            StmtKind::Expr {
                expr,
                body: Some(b),
            } => {
                let v = self.eval(expr, env)?;
                let rest = self.in_block(BlockRole::Mapping, Position::Declaration, |s| {
                    s.block_data(b, env)
                })?;
                let mut m = Fields::default();
                m.insert(Rc::from("value"), v);
                m.insert(Rc::from("with"), rest);
                Ok(Value::map(m))
            }
            StmtKind::Phrase {
                text,
                body: Some(b),
            } => {
                let rest = self.in_block(BlockRole::Mapping, Position::Declaration, |s| {
                    s.block_data(b, env)
                })?;
                let mut m = Fields::default();
                m.insert(Rc::from(text.trim()), rest);
                Ok(Value::map(m))
            }
            // Any other statement as a step (`- notify ops "done"`): it runs where it is,
            // and the step's value is null.
            _ => match self.exec(item, env)? {
                Flow::Return(v) => Ok(v),
                _ => Ok(Value::Null),
            },
        }
    }

    fn directive(
        &mut self,
        directive: DirectiveKind,
        kv: &'a KeyValue<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, ()> {
        let value = match &kv.value {
            Some(v) => self.value(v, env)?,
            None => match &kv.body {
                Some(b) => self.block_data(b, env)?,
                None => Value::Null,
            },
        };
        let mut options: Fields<'a> = Fields::default();
        for o in &kv.options {
            let v = self.value(&o.value, env)?;
            options.insert(Rc::from(o.key.node), v);
        }
        match directive {
            DirectiveKind::Goal | DirectiveKind::Intent => {
                let text = value.display();
                let mut content = Fields::default();
                content.insert(Rc::from("goal"), Value::str(&text));
                for (k, v) in &options {
                    content.insert(k.clone(), v.clone());
                }
                let ts = self.now();
                let json = self.kept(&Value::map(content), span)?;
                let r = self.memory.store("goal", &json, &[], ts);
                self.mem(span, r)?;
                self.globals.define("goal", Value::str(&text));
                let opts: Vec<String> = options
                    .iter()
                    .map(|(k, v)| format!(" [{k}: {}]", v.display()))
                    .collect();
                self.print(span, &format!("goal: {text}{}", opts.concat()))
            }
            // `memory: load_feature_index()`: the value is the operation.
            DirectiveKind::Memory | DirectiveKind::Remember => Ok(()),
            // The value was the invocation itself (`Value::Invoke`), already made.
            DirectiveKind::Plugin => Ok(()),
            other => {
                let key = match &kv.key.node {
                    Key::Word { name } => *name,
                    Key::Str { .. } => "directive",
                };
                let _ = other;
                let json = self.kept(&value, span)?;
                let r = self.memory.set_global(key, &json);
                self.mem(span, r)?;
                env.assign(key, value);
                Ok(())
            }
        }
    }

    fn section(
        &mut self,
        section: SectionKind,
        key: Span,
        body: &'a Block<'a>,
        env: &Env<'a>,
    ) -> R<'a, Flow<'a>> {
        // `return`/`break` inside `parallel:` or `transaction:` leave the section too; the
        // other sections are data and end normally.
        match section {
            SectionKind::Meta => {
                let data = self.in_block(BlockRole::Mapping, Position::Data, |s| {
                    s.block_data(body, env)
                })?;
                env.assign("meta", data);
                Ok(Flow::Next)
            }
            SectionKind::Policy => {
                let data = self.in_block(BlockRole::Mapping, Position::Data, |s| {
                    s.block_data(body, env)
                })?;
                if let Value::Map(m) = &data {
                    let m = m.borrow();
                    // `mock_io: false` asks for the real world; a run has only the mock host.
                    if m.get("mock_io")
                        .is_some_and(|v| matches!(v, Value::Bool(false)))
                    {
                        let at = body
                            .stmts
                            .iter()
                            .find(|s| {
                                matches!(&s.node, StmtKind::Entry { kv }
                                    if matches!(kv.key.node, Key::Word { name: "mock_io" }))
                            })
                            .map_or(key, |s| s.span);
                        return self.fail(
                            at,
                            "the policy sets 'mock_io: false', but this run has only the mock \
                             host (aether runs scripts against a recorded, simulated host; set \
                             'mock_io: true' or remove the line)",
                        );
                    }
                    let budget = |k: &str| m.get(k).and_then(Value::as_f64);
                    self.budgets = (budget("risk_budget"), budget("token_budget"));
                    // `deterministic: true` switches the run to the fixed clock and seed from
                    // here on, as `--deterministic` does from the start.
                    if m.get("deterministic").is_some_and(Value::truthy) && !self.deterministic {
                        self.deterministic = true;
                        self.virtual_clock = DETERMINISTIC_EPOCH;
                        self.rng = DETERMINISTIC_SEED;
                    }
                    if let Some(Value::Int(seed)) = m.get("seed") {
                        self.rng = (*seed as u64) | 1;
                    }
                }
                env.assign("policy", data);
                Ok(Flow::Next)
            }
            SectionKind::Require => {
                // Each `plugins:` entry is checked where it is written, so an error points at
                // the missing plugin's line.
                for s in &body.stmts {
                    let StmtKind::Entry { kv } = &s.node else {
                        continue;
                    };
                    if !matches!(kv.key.node, Key::Word { name: "plugins" }) {
                        continue;
                    }
                    let mut specs: Vec<(Value<'a>, Span)> = Vec::new();
                    if let Some(b) = &kv.body {
                        for item in &b.stmts {
                            if let StmtKind::ListItem { item: inner } = &item.node {
                                let v = self.at(Position::Data, |s| s.item_data(inner, env))?;
                                specs.push((v, inner.span));
                            }
                        }
                    }
                    if let Some(v) = &kv.value {
                        if let Value::List(l) = self.at(Position::Data, |s| s.value(v, env))? {
                            let span = v.span();
                            specs.extend(l.borrow().iter().map(|x| (x.clone(), span)));
                        }
                    }
                    for (p, span) in specs {
                        let spec = p.display();
                        let name = crate::project::host::required_plugin(&spec).to_string();
                        // A plugin file on the plugin path is loaded now, and the plugins it
                        // declares run their lifecycle after the body, as the file's own do;
                        // any other required plugin is the host's to provide (the mock's).
                        if !self.plugins.iter().any(|p| *p.name == name)
                            && self.find_module_file(&name).is_some()
                        {
                            let before = self.plugins.len();
                            self.load_module(&name, span)?;
                            let loaded: Vec<_> = self.plugins[before..].to_vec();
                            self.required.extend(loaded);
                        } else if !self.plugin_available(&name) {
                            self.host.provide_plugin(&name);
                        }
                    }
                }
                let _ = key;
                Ok(Flow::Next)
            }
            SectionKind::Parallel => {
                // Branches run one after the other: the result is the same as a parallel run
                // for branches that do not share state, and deterministic.
                for s in &body.stmts {
                    match self.exec(s, env)? {
                        Flow::Next => {}
                        flow => return Ok(flow),
                    }
                }
                Ok(Flow::Next)
            }
            SectionKind::OnError => {
                for s in &body.stmts {
                    let handler = match &s.node {
                        StmtKind::ListItem { item } => match &item.node {
                            StmtKind::Entry { kv } => on_error_handler(kv),
                            _ => None,
                        },
                        _ => None,
                    };
                    let Some((when, action)) = handler else {
                        return self.unsupported(
                            s.span,
                            "an 'on_error:' item that is not '- when: KIND' with 'do: ACTION'",
                        );
                    };
                    let when = match when {
                        Some(v) => self.value(v, env)?.display(),
                        None => "Error".into(),
                    };
                    self.on_error.push((when, action, env.clone()));
                }
                Ok(Flow::Next)
            }
            SectionKind::Transaction => {
                let r = self.memory.begin();
                self.mem(key, r)?;
                let result = self.block(body, env);
                match result {
                    Ok(flow) => {
                        let r = self.memory.commit();
                        self.mem(key, r)?;
                        Ok(flow)
                    }
                    Err(e) => {
                        let r = self.memory.rollback();
                        self.mem(key, r)?;
                        Err(e)
                    }
                }
            }
        }
    }

    // ----- plugins and modules ---------------------------------------------------------------

    fn register_plugin(
        &mut self,
        name: &'a Spanned<Key<'a>>,
        body: &'a Block<'a>,
        env: &Env<'a>,
    ) -> R<'a, ()> {
        let pname: Rc<str> = Rc::from(name.node.text());
        let penv = env.child();
        // Every plugin has a `state` of its own (`state.index = open_index(...)`).
        penv.define("state", Value::map(Fields::default()));
        let mut blocks = Vec::new();
        for s in &body.stmts {
            if let StmtKind::Function {
                name, params, body, ..
            } = &s.node
            {
                let f = self.function(name.node, params, Body::Block(body), &penv, s.span);
                penv.define(name.node, f);
            }
        }
        for s in &body.stmts {
            match &s.node {
                // `on_run { }`, `init() { }`: lifecycle code, also callable by name inside
                // the plugin (`return on_run()`); `vector_config { }`: data.
                StmtKind::NamedBlock {
                    name, args, body, ..
                } if args.is_some() || LIFECYCLE.contains(&name.node) => {
                    blocks.push((name.node, body));
                    let f = self.function(name.node, &[], Body::Block(body), &penv, s.span);
                    penv.define(name.node, f);
                }
                StmtKind::Function { .. } => {}
                _ => {
                    self.as_code(BlockRole::Container, |i| i.exec(s, &penv))?;
                }
            }
        }
        let plugin = Rc::new(Plugin {
            name: pname.clone(),
            env: penv,
            blocks,
            file: self.file,
            schedule: find_schedule(&body.stmts),
        });
        if let Key::Word { name } = name.node {
            env.assign(name, Value::Plugin(plugin.clone()));
        }
        self.plugins.push(plugin);
        Ok(())
    }

    /// After a file's top level ran: each plugin it declared runs `init`, `on_run`,
    /// `cleanup` (those it has), in order.
    fn run_plugins_of(&mut self, file: usize) -> R<'a, ()> {
        let plugins: Vec<_> = self
            .plugins
            .iter()
            .filter(|p| p.file == file)
            .cloned()
            .collect();
        for p in plugins {
            self.run_plugin_blocks(&p, &["init", "on_run", "cleanup"], Vec::new())?;
            self.schedule_plugin(&p)?;
        }
        Ok(())
    }

    /// A plugin with a `schedule:` runs `on_run` again at each scheduled time, on the
    /// virtual clock, after the body (as the host's scheduler would call it).
    fn schedule_plugin(&mut self, p: &Rc<Plugin<'a>>) -> R<'a, ()> {
        let (Some(schedule), Some(on_run)) = (p.schedule, p.env.get("on_run")) else {
            return Ok(());
        };
        let saved = self.file;
        self.file = p.file;
        let timing = self.schedule_timing(schedule, &p.env);
        self.file = saved;
        if let Some((first, period)) = timing? {
            let now = self.now();
            self.timers
                .set_at(now + first, period, on_run, Vec::new(), Span::empty(0));
        }
        Ok(())
    }

    fn run_required_plugins(&mut self) -> R<'a, ()> {
        for p in std::mem::take(&mut self.required) {
            self.run_plugin_blocks(&p, &["init", "on_run", "cleanup"], Vec::new())?;
            self.schedule_plugin(&p)?;
        }
        Ok(())
    }

    pub(super) fn run_plugin_blocks(
        &mut self,
        p: &Rc<Plugin<'a>>,
        names: &[&str],
        args: Vec<Value<'a>>,
    ) -> R<'a, Value<'a>> {
        let saved = self.file;
        self.file = p.file;
        let env = p.env.child();
        env.define("args", Value::list(args));
        let mut result = Ok(Value::Null);
        for wanted in names {
            if let Some((_, block)) = p.blocks.iter().find(|(n, _)| n == wanted) {
                self.enter(&p.name, block.span)?;
                let r = self.as_code(BlockRole::Code, |s| s.block(block, &env));
                self.leave();
                match r {
                    Ok(Flow::Return(v)) => result = Ok(v),
                    Ok(_) => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        self.file = saved;
        result
    }

    pub(super) fn plugin_available(&mut self, name: &str) -> bool {
        self.plugins.iter().any(|p| &*p.name == name) || self.find_module_file(name).is_some()
    }

    /// A plugin as a value: one of the run (a block or a file on the plugin path), else one
    /// the host provides (`[host] plugins`, `require: plugins:`), as a handle whose calls are
    /// requests.
    pub(super) fn plugin_value(&mut self, name: &str, span: Span) -> R<'a, Value<'a>> {
        if !self.plugin_available(name) && self.host.declared().has_plugin(name) {
            return Ok(Value::Host(Rc::from(name)));
        }
        Ok(Value::Plugin(self.find_plugin(name, span)?))
    }

    pub(super) fn find_plugin(&mut self, name: &str, span: Span) -> R<'a, Rc<Plugin<'a>>> {
        if let Some(p) = self.plugins.iter().find(|p| &*p.name == name) {
            return Ok(p.clone());
        }
        // A plugin file on the plugin path: load it like a module; it registers its plugins.
        if self.find_module_file(name).is_some() {
            self.load_module(name, span)?;
            if let Some(p) = self.plugins.iter().find(|p| &*p.name == name) {
                return Ok(p.clone());
            }
            let last = crate::project::modules::default_binding(name);
            if let Some(p) = self.plugins.iter().find(|p| &*p.name == last) {
                return Ok(p.clone());
            }
        }
        self.fail(
            span,
            format!("no plugin named '{name}' is loaded or on the plugin path"),
        )
    }

    fn find_module_file(&self, module: &str) -> Option<PathBuf> {
        crate::project::modules::find_module(
            module,
            Some(&self.sources[self.file].path),
            &self.opts.plugin_paths,
        )
    }

    pub(super) fn load_module(&mut self, module: &str, span: Span) -> R<'a, Rc<Module<'a>>> {
        let Some(file) = self.find_module_file(module) else {
            let dirs = crate::project::modules::search_dirs(
                Some(&self.sources[self.file].path),
                &self.opts.plugin_paths,
            );
            return self.fail(
                span,
                format!(
                    "module '{module}' was not found; modules are looked up in {} (the \
                     --plugin-path directories, then this file's folder up to its project \
                     root)",
                    crate::project::modules::describe_dirs(&dirs)
                ),
            );
        };
        let key = canonical(&file);
        if let Some((_, m)) = self.modules.iter().find(|(p, _)| *p == key) {
            return Ok(m.clone());
        }
        if self.loading.contains(&key) {
            return self.fail(
                span,
                format!("import cycle: '{module}' is already being loaded"),
            );
        }
        let text = match crate::syntax::source::load(&key) {
            crate::syntax::source::Loaded::Text(t) => t,
            crate::syntax::source::Loaded::Failed { diagnostic, .. } => {
                return self.fail(
                    span,
                    format!("cannot load module '{module}': {}", diagnostic.message),
                )
            }
        };
        // Modules live for the whole run: their trees are referenced by the functions they
        // define, so their source and tree are leaked on purpose (one per module, once).
        let text: &'a str = Box::leak(text.into_boxed_str());
        let parsed: &'a crate::syntax::Parsed<'a> = Box::leak(Box::new(crate::syntax::parse(text)));
        if let Some(d) = parsed.diagnostics.iter().find(|d| d.is_error()) {
            let line = parsed.lines.line(d.span.start as usize);
            return self.fail(
                span,
                format!(
                    "module '{module}' does not parse: line {line}: {}",
                    d.message
                ),
            );
        }
        self.sources.push(Source {
            path: key.clone(),
            text,
            lines: parsed.lines.clone(),
        });
        let index = self.sources.len() - 1;
        let _ = self.sources[index].text;
        // A module has globals of its own: it sees the builtins, not the importer's names.
        let env = self.builtins.child();
        self.loading.push(key.clone());
        self.enter(&format!("import '{module}'"), span)?;
        let saved = self.file;
        self.file = index;
        let result = self.exec_block_stmts(&parsed.file.stmts, &env);
        self.file = saved;
        self.leave();
        self.loading.pop();
        result?;
        let m = Rc::new(Module {
            path: Rc::from(module),
            env,
        });
        self.modules.push((key, m.clone()));
        Ok(m)
    }

    // ----- calls -----------------------------------------------------------------------------

    pub(super) fn enter(&mut self, name: &str, span: Span) -> R<'a, ()> {
        if self.depth >= MAX_CALL_DEPTH {
            // Not the 2,000-line trace: the message says where the recursion is.
            let mut f = self.failure(
                &rules::RUNTIME_ERROR,
                span,
                format!("maximum call depth ({MAX_CALL_DEPTH}) exceeded in '{name}'"),
            );
            f.trace.clear();
            return Err(Unwind::Fatal(Box::new(f)));
        }
        self.depth += 1;
        let line = self.line_of(span);
        self.trace.push((name.to_string(), self.file, line));
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
        self.trace.pop();
    }

    pub(super) fn call_value(
        &mut self,
        f: &Value<'a>,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        match f {
            Value::Func(func) => self.call_function(func, args, kwargs, span),
            Value::Builtin(b) => self.call_builtin(b, args, kwargs, span),
            Value::Method(m) => {
                let (recv, name) = (&m.0, m.1.clone());
                self.call_method(recv.clone(), &name, args, span)
            }
            Value::Plugin(p) => {
                let p = p.clone();
                self.run_plugin_blocks(&p, &["on_run"], args)
            }
            Value::Host(path) => {
                let path = path.clone();
                self.call_host(&path, args, kwargs, span)
            }
            other => self.fail(span, format!("{} is not callable", other.a_type())),
        }
    }

    pub(super) fn call_function(
        &mut self,
        func: &Rc<Function<'a>>,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        // Positional arguments fill the parameters in order; a keyword names one of the rest,
        // as in Python (`g(1, a=2)` gives 'a' twice and is an error).
        let positional = args.len();
        for (i, (k, _)) in kwargs.iter().enumerate() {
            let index = func
                .params
                .iter()
                .filter(|p| !p.rest)
                .position(|p| p.name.node == *k);
            let twice = kwargs[..i].iter().any(|(other, _)| other == k);
            match index {
                Some(i) if i < positional || twice => {
                    return self.fail(span, format!("'{}' got two values for '{k}'", func.name))
                }
                None if !func.params.iter().any(|p| p.rest) => {
                    return self.fail(span, format!("'{}' has no parameter '{k}'", func.name))
                }
                _ => {}
            }
        }
        self.enter(func.name, span)?;
        let env = func.env.child();
        let mut args = args.into_iter();
        for p in func.params {
            let v = if p.rest {
                Value::list(args.by_ref().collect())
            } else if let Some(v) = args.next() {
                v
            } else if let Some((_, v)) = kwargs.iter().find(|(k, _)| *k == p.name.node) {
                v.clone()
            } else if let Some(d) = &p.default {
                let saved = self.file;
                self.file = func.file;
                let r = self.eval(d, &env);
                self.file = saved;
                match r {
                    Ok(v) => v,
                    Err(e) => {
                        self.leave();
                        return Err(e);
                    }
                }
            } else {
                Value::Null
            };
            if p.pattern.is_empty() {
                env.define(p.name.node, v);
            } else {
                for (i, n) in p.pattern.iter().enumerate() {
                    let part = match &v {
                        Value::List(l) => l.borrow().get(i).cloned().unwrap_or(Value::Null),
                        Value::Map(m) => m.borrow().get(n.node).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                    env.define(n.node, part);
                }
            }
        }
        let saved = self.file;
        self.file = func.file;
        let result = self.as_code(BlockRole::Code, |s| match &func.body {
            Body::Block(b) => s.block(b, &env).map(|flow| match flow {
                Flow::Return(v) => v,
                _ => Value::Null,
            }),
            Body::Expr(e) => s.eval(e, &env),
        });
        self.file = saved;
        self.leave();
        result
    }
}

/// Named blocks of a plugin that are code run by the lifecycle (or called by name), not data.
const LIFECYCLE: &[&str] = &[
    "init",
    "on_run",
    "cleanup",
    "on_start",
    "on_stop",
    "on_load",
    "on_unload",
    "on_error",
    "run",
    "main",
    "setup",
    "teardown",
];

/// `schedule: every 2 hours` among a plugin's entries, or under its `trigger:`.
fn find_schedule<'a>(stmts: &'a [Stmt<'a>]) -> Option<&'a Schedule<'a>> {
    stmts.iter().find_map(|s| {
        let StmtKind::Entry { kv } = &s.node else {
            return None;
        };
        match (&kv.key.node, &kv.value, &kv.body) {
            (
                Key::Word { name: "schedule" },
                Some(crate::syntax::ast::Value::Schedule { schedule, .. }),
                _,
            ) => Some(&**schedule),
            (Key::Word { name: "trigger" }, _, Some(b)) => find_schedule(&b.stmts),
            _ => None,
        }
    })
}

/// `- when: Timeout` + `do: escalate_to("ops")` (the `do:` may also be the item's own line).
fn on_error_handler<'a>(
    kv: &'a KeyValue<'a>,
) -> Option<(
    Option<&'a crate::syntax::ast::Value<'a>>,
    &'a crate::syntax::ast::Value<'a>,
)> {
    fn key<'k>(kv: &KeyValue<'k>) -> Option<&'k str> {
        match kv.key.node {
            Key::Word { name } => Some(name),
            Key::Str { .. } => None,
        }
    }
    let mut when = None;
    let mut action = None;
    let rest = kv.body.as_ref().map_or(&[][..], |b| &b.stmts[..]);
    let first = std::iter::once(kv);
    let others = rest.iter().filter_map(|s| match &s.node {
        StmtKind::Entry { kv } => Some(&**kv),
        _ => None,
    });
    for kv in first.chain(others) {
        match key(kv) {
            Some("when") => when = kv.value.as_ref(),
            Some("do") => action = kv.value.as_ref(),
            _ => return None,
        }
    }
    Some((when, action?))
}

/// Names joined by operators and members only: what a bare word value parses as.
fn word_like(e: &Expr<'_>) -> bool {
    match &e.node {
        ExprKind::Name { .. } | ExprKind::Int { .. } | ExprKind::Float { .. } => true,
        ExprKind::Percent { .. } | ExprKind::Duration { .. } => true,
        ExprKind::Binary { lhs, rhs, .. } => word_like(lhs) && word_like(rhs),
        ExprKind::Member { object, .. } => word_like(object),
        ExprKind::Unary { expr, .. } | ExprKind::Paren { expr } => word_like(expr),
        _ => false,
    }
}

fn has_unbound_name(e: &Expr<'_>, env: &Env<'_>) -> bool {
    match &e.node {
        // A builtin's name in a data value is a word too (`- call: notify.ops`).
        ExprKind::Name { name } => {
            matches!(env.get(name), None | Some(Value::Builtin(_)))
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            has_unbound_name(lhs, env) || has_unbound_name(rhs, env)
        }
        ExprKind::Member { object, .. } => has_unbound_name(object, env),
        ExprKind::Unary { expr, .. } | ExprKind::Paren { expr } => has_unbound_name(expr, env),
        _ => false,
    }
}

/// `"cache,boot"` -> `["cache", "boot"]`
pub(super) fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}
