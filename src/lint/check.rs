//! Checking one file: read, parse, validate, with panics caught as INTERNAL_ERROR.

use crate::lint::validate::{self, ModuleCache};
use crate::syntax::diagnostic::{self, internal_error, Code, Diagnostic, Severity};
use crate::syntax::source::{self, Loaded};
use crate::syntax::span::LineIndex;
use crate::syntax::Parsed;
use std::path::{Path, PathBuf};

/// How files are checked. One value serves a whole run (and all its threads): the module
/// cache parses each imported module once.
#[derive(Default)]
pub struct Settings {
    pub modules: ModuleCache,
    /// Treat warnings as errors (`--deny-warnings`).
    pub deny_warnings: bool,
    /// Host declarations every checked file sees (until `aether.toml` is discovered per file).
    pub host: crate::project::host::Host,
}

impl Settings {
    pub fn new(plugin_paths: Vec<PathBuf>, deny_warnings: bool) -> Self {
        Settings {
            modules: ModuleCache::new(plugin_paths),
            deny_warnings,
            host: Default::default(),
        }
    }
}

pub struct Outcome {
    pub code: Code,
    pub diagnostics: Vec<Diagnostic>,
    /// The text the diagnostics point into (lossy for invalid UTF-8).
    pub text: String,
    pub lines: LineIndex,
}

impl Outcome {
    pub fn first_error(&self) -> Option<&Diagnostic> {
        // The first error of the deciding code, so the JSON message matches `code`.
        self.diagnostics
            .iter()
            .find(|d| d.is_error() && d.code() == self.code)
    }
}

pub fn check_path(path: &Path, settings: &Settings) -> Outcome {
    match source::load(path) {
        Loaded::Text(text) => check_text(text, Some(path), settings),
        Loaded::Failed { diagnostic, text } => Outcome {
            code: diagnostic.code(),
            lines: LineIndex::new(&text),
            diagnostics: vec![diagnostic],
            text,
        },
    }
}

/// Parse, then validate when the file parsed without errors (a tree with error nodes would
/// only produce follow-on noise).
pub fn check_text(text: String, path: Option<&Path>, settings: &Settings) -> Outcome {
    let result = std::panic::catch_unwind(|| {
        let parsed = crate::syntax::parse(&text);
        let diagnostics = diagnose(&parsed, path, settings);
        (diagnostics, parsed.lines)
    });
    let (diagnostics, lines) = match result {
        Ok(r) => r,
        Err(payload) => (vec![internal_error(payload)], LineIndex::new(&text)),
    };
    Outcome {
        code: diagnostic::overall_code(&diagnostics),
        lines,
        diagnostics,
        text,
    }
}

/// The diagnostics of a parsed file: its parse diagnostics, then (when it parsed without
/// errors) the validator's, in order; warnings become errors under `--deny-warnings`.
pub fn diagnose(parsed: &Parsed<'_>, path: Option<&Path>, settings: &Settings) -> Vec<Diagnostic> {
    let mut diagnostics = parsed.diagnostics.clone();
    if !diagnostics.iter().any(Diagnostic::is_error) {
        let cx = validate::Context {
            file: path,
            modules: &settings.modules,
            host: &settings.host,
        };
        diagnostics.extend(validate::validate(&parsed.file, &cx));
        diagnostic::normalize(&mut diagnostics);
    }
    if settings.deny_warnings {
        for d in &mut diagnostics {
            d.severity = Severity::Error;
        }
    }
    diagnostics
}

/// The check that must pass before `path` runs, in the shape `run::run_file` takes (the
/// interpreter does not depend on the validator; its callers hand the check in).
pub fn before_run<'c>(
    path: &'c Path,
    settings: &'c Settings,
) -> impl Fn(&Parsed<'_>) -> Vec<Diagnostic> + 'c {
    move |parsed| diagnose(parsed, Some(path), settings)
}
