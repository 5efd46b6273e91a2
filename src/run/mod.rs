//! Stage `run`: the interpreter. A checked file's tree in; its output, a result and the
//! persistent memory store's changes out.
//!
//! Takes in: a path, run options and the check to run first (passed in by the caller, so a
//! file that does not check does not run, without this stage importing `lint`). Executes
//! statements in order. Builtins come from the shared registry (`crate::registry::builtins`)
//! and are implemented in `builtins.rs`; methods on strings, lists and maps in `methods.rs`;
//! NeuroCode commands in `commands.rs`; the SQLite memory store in `memory.rs`. Errors carry
//! the span of the failing node, attached where the evaluator knows it, plus a call trace.
//! Depends on: `syntax`, `registry` and `project`; never on `lint`, `bulk` or the CLI.

mod builtins;
mod commands;
mod env;
mod eval;
mod events;
mod expr;
pub mod host;
pub mod memory;
mod methods;
mod requests;
mod store;
mod timers;
mod value;

use crate::syntax::diagnostic::{internal_error, Code, Diagnostic};
use crate::syntax::source::{self, Loaded};
use crate::syntax::span::LineIndex;
use crate::syntax::Parsed;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use eval::Interp;
pub use value::Value;

/// Default step budget: generous for real scripts (fib(25) takes about 2 million steps), but
/// a runaway loop still ends with TIMEOUT_ERROR instead of running forever.
pub const DEFAULT_MAX_STEPS: u64 = 200_000_000;

/// The deepest call nesting allowed before RUNTIME_ERROR (the interpreter recurses on the
/// native stack, which `syntax::with_big_stack` sizes for this).
pub const MAX_CALL_DEPTH: usize = 2_000;

#[derive(Clone, Debug)]
pub enum MemorySpec {
    File(PathBuf),
    InMemory,
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub timeout: Option<Duration>,
    pub max_steps: u64,
    pub deterministic: bool,
    pub plugin_paths: Vec<PathBuf>,
    pub memory: MemorySpec,
    /// The most bytes the memory store's data may take (`--memory-quota`, `[memory] quota`;
    /// default [`memory::DEFAULT_QUOTA`]).
    pub memory_quota: u64,
    /// What the host provides (`[host]` of the script's `aether.toml`): the mock host answers
    /// from it.
    pub host: crate::project::host::Host,
    /// How far the scheduler runs timers and `every` blocks after the body, in seconds of
    /// virtual time since the run started (`--until`, default 24 hours).
    pub until: f64,
}

/// The wall-time limit of `aether run` without `--timeout` (`--timeout 0` lifts it): long
/// enough for any real workflow (timers run on a virtual clock), short enough that an endless
/// loop does not hold a terminal or a CI job.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for `--until`: one virtual day, so a nightly workflow runs once.
pub const DEFAULT_UNTIL: f64 = 86_400.0;

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout: None,
            max_steps: DEFAULT_MAX_STEPS,
            deterministic: false,
            plugin_paths: Vec::new(),
            memory: MemorySpec::InMemory,
            memory_quota: memory::DEFAULT_QUOTA,
            host: Default::default(),
            until: DEFAULT_UNTIL,
        }
    }
}

/// The result of a run: the structured code, the diagnostics (with the text they point into)
/// and the phase (`parse` when the file did not check, else `execute`).
pub struct RunOutcome {
    pub code: Code,
    pub phase: &'static str,
    pub diagnostics: Vec<Diagnostic>,
    pub text: String,
    pub lines: LineIndex,
    /// The file the first diagnostic points into, when it is not the script itself (an error
    /// inside an imported module).
    pub error_file: Option<PathBuf>,
    /// With `error_file`: the script line whose call led into that module.
    pub call_line: Option<usize>,
    /// What the script asked of the host, in order (also when the run failed).
    pub effects: Vec<host::Effect>,
    /// Things the run did besides its output that the user should hear of (the folders it
    /// created for the memory store), for stderr.
    pub notes: Vec<String>,
}

/// Check, then run a script file, writing its output to `out`. The file is read and parsed
/// once: the check and the run share the tree. `check` gives the diagnostics of the parsed
/// file (the CLI passes the validator); the file runs only when none of them is an error.
pub fn run_file(
    path: &Path,
    opts: &RunOptions,
    check: &dyn Fn(&Parsed<'_>) -> Vec<Diagnostic>,
    out: &mut dyn Write,
) -> RunOutcome {
    let started = std::time::Instant::now();
    let loaded = source::load(path);
    run_loaded(path, loaded, started, opts, check, out)
}

/// `run_file` of source read elsewhere (stdin), as if it were the file `path`: modules are
/// found from there. The time budget starts now.
pub fn run_source(
    path: &Path,
    loaded: Loaded,
    opts: &RunOptions,
    check: &dyn Fn(&Parsed<'_>) -> Vec<Diagnostic>,
    out: &mut dyn Write,
) -> RunOutcome {
    run_loaded(path, loaded, std::time::Instant::now(), opts, check, out)
}

fn run_loaded(
    path: &Path,
    loaded: Loaded,
    started: std::time::Instant,
    opts: &RunOptions,
    check: &dyn Fn(&Parsed<'_>) -> Vec<Diagnostic>,
    out: &mut dyn Write,
) -> RunOutcome {
    let text = match loaded {
        Loaded::Text(t) => t,
        Loaded::Failed { diagnostic, text } => {
            return RunOutcome {
                code: diagnostic.code(),
                phase: "read",
                lines: LineIndex::new(&text),
                diagnostics: vec![diagnostic],
                text,
                error_file: None,
                call_line: None,
                effects: Vec::new(),
                notes: Vec::new(),
            }
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let parsed = crate::syntax::parse(&text);
        let lines = parsed.lines.clone();
        let checked = check(&parsed);
        let code = crate::syntax::diagnostic::overall_code(&checked);
        if code != Code::Success {
            return (
                "parse",
                code,
                (checked, None, None),
                lines,
                (Vec::new(), Vec::new()),
            );
        }
        // Warnings of the check are not repeated by a run.
        if let Some(t) = opts.timeout.filter(|t| started.elapsed() >= *t) {
            let d = Diagnostic::new(
                &crate::syntax::diagnostic::rules::TIMEOUT,
                crate::syntax::span::Span::empty(0),
                format!(
                    "timed out after {} s while reading and checking the file",
                    t.as_secs_f64()
                ),
            );
            return (
                "parse",
                d.code(),
                (vec![d], None, None),
                lines,
                (Vec::new(), Vec::new()),
            );
        }
        let (reported, effects, notes) = eval::run(path, &text, &parsed, opts, started, out);
        let code = reported.0.first().map_or(Code::Success, Diagnostic::code);
        ("execute", code, reported, lines, (effects, notes))
    }));
    let (phase, code, (diagnostics, error_file, call_line), lines, (effects, notes)) = match result
    {
        Ok(r) => r,
        Err(payload) => (
            "execute",
            Code::InternalError,
            (vec![internal_error(payload)], None, None),
            LineIndex::new(&text),
            (Vec::new(), Vec::new()),
        ),
    };
    RunOutcome {
        code,
        phase,
        lines,
        diagnostics,
        text,
        error_file,
        call_line,
        effects,
        notes,
    }
}

/// Open the memory store a run uses (`--memory`, `AETHER_MEMORY`, default
/// `.aetherra/memory.db` under the current directory).
pub fn memory_spec(flag: Option<&str>) -> MemorySpec {
    let chosen = flag.map(str::to_string).or_else(|| {
        std::env::var("AETHER_MEMORY")
            .ok()
            .filter(|s| !s.is_empty())
    });
    match chosen.as_deref() {
        Some(":memory:") => MemorySpec::InMemory,
        Some(p) => MemorySpec::File(PathBuf::from(p)),
        None => MemorySpec::File(PathBuf::from(".aetherra/memory.db")),
    }
}
