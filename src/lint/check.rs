//! Checking one file: read, parse, validate, apply the project's configuration and inline
//! suppressions, with panics caught as INTERNAL_ERROR.

use crate::lint::suppress;
use crate::lint::validate::{self, ModuleCache};
use crate::project::config::{Config, ConfigError, ConfigSource, Discovery, RuleSet};
use crate::project::host::Host;
use crate::syntax::diagnostic::{self, internal_error, Code, Diagnostic, Severity};
use crate::syntax::source::{self, Loaded};
use crate::syntax::span::LineIndex;
use crate::syntax::Parsed;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How files are checked. One value serves a whole run (and all its threads): the module
/// cache parses each imported module once, and each `aether.toml` is read once.
///
/// `Settings::default()` and `Settings::new` use no configuration file (`--isolated`);
/// `with_config` chooses discovery or an explicit file.
#[derive(Default)]
pub struct Settings {
    /// Modules for files without a `plugin-path` of their own.
    pub modules: ModuleCache,
    /// Treat warnings as errors (`--deny-warnings`; `deny-warnings = true` in a file's
    /// configuration has the same effect for that file).
    pub deny_warnings: bool,
    /// `--plugin-path`, searched before any configuration's `plugin-path`.
    plugin_paths: Vec<PathBuf>,
    discovery: Discovery,
    /// Per configuration file: what checking needs from it, built once.
    projects: Mutex<HashMap<PathBuf, Arc<Project>>>,
    /// The first configuration that failed to load while checking (see `config_error`).
    config_error: Mutex<Option<ConfigError>>,
}

/// One loaded configuration, with the module lookup its `plugin-path` makes.
pub struct Project {
    pub config: Arc<Config>,
    /// `None` when the configuration adds no directory: the run's shared cache serves.
    modules: Option<ModuleCache>,
}

impl Settings {
    pub fn new(plugin_paths: Vec<PathBuf>, deny_warnings: bool) -> Self {
        Settings {
            modules: ModuleCache::new(plugin_paths.clone()),
            deny_warnings,
            plugin_paths,
            ..Settings::default()
        }
    }

    /// Where configuration comes from. An explicit file is read now, so a broken one stops
    /// the run before any file is checked.
    pub fn with_config(mut self, source: ConfigSource) -> Result<Self, ConfigError> {
        self.discovery = Discovery::new(source)?;
        Ok(self)
    }

    pub fn config_source(&self) -> &ConfigSource {
        self.discovery.source()
    }

    /// The same settings with nothing cached: every `aether.toml` and module is read again
    /// when next needed. A long-lived process (the language server) calls this when a
    /// configuration file changes.
    pub fn fresh(&self) -> Result<Self, ConfigError> {
        Settings::new(self.plugin_paths.clone(), self.deny_warnings)
            .with_config(self.config_source().clone())
    }

    /// The configuration that applies to `file`.
    pub fn project(&self, file: Option<&Path>) -> Result<Option<Arc<Project>>, ConfigError> {
        let Some(config) = self.discovery.for_file(file)? else {
            return Ok(None);
        };
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let project = projects.entry(config.path.clone()).or_insert_with(|| {
            let modules = (!config.plugin_paths.is_empty()).then(|| {
                let mut dirs = self.plugin_paths.clone();
                dirs.extend(config.plugin_paths.iter().cloned());
                ModuleCache::new(dirs)
            });
            Arc::new(Project {
                config: config.clone(),
                modules,
            })
        });
        Ok(Some(project.clone()))
    }

    /// The configuration of the files directly in `dir`, for commands that apply one policy
    /// to a whole tree (`aether verify --root DIR`, `aether gates`).
    pub fn config_for_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        self.discovery.for_directory(dir)
    }

    /// Loads the configuration of every file before any is checked, so that a broken one
    /// stops the run (exit 2) instead of leaving some files checked without it. The first
    /// error in the given order is returned.
    pub fn load_configs<'p>(
        &self,
        files: impl IntoIterator<Item = &'p Path>,
    ) -> Result<(), ConfigError> {
        if *self.config_source() != ConfigSource::Discover {
            return Ok(());
        }
        files
            .into_iter()
            .try_for_each(|f| self.project(Some(f)).map(drop))
    }

    /// Where a run of `file` finds modules: `--plugin-path`, then its configuration's
    /// `plugin-path` (the interpreter searches the file's directory and parents after these).
    pub fn plugin_paths_for(&self, file: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = self.plugin_paths.clone();
        if let Some(project) = self.project_or_record(file) {
            dirs.extend(project.config.plugin_paths.iter().cloned());
        }
        dirs
    }

    /// What the host provides to a run of `file` (`[host]` of its configuration).
    pub fn host_for(&self, file: Option<&Path>) -> Host {
        self.project_or_record(file)
            .map(|p| p.config.host.clone())
            .unwrap_or_default()
    }

    /// The memory quota of `file`'s configuration (`[memory] quota`), if it sets one.
    pub fn memory_quota_for(&self, file: Option<&Path>) -> Option<u64> {
        self.project_or_record(file)
            .and_then(|p| p.config.memory_quota)
    }

    /// The first configuration that failed to load during checks that did not call
    /// `load_configs` first; those files were checked without configuration.
    pub fn config_error(&self) -> Option<ConfigError> {
        self.config_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn project_or_record(&self, file: Option<&Path>) -> Option<Arc<Project>> {
        self.project(file).unwrap_or_else(|e| {
            let mut first = self.config_error.lock().unwrap_or_else(|e| e.into_inner());
            first.get_or_insert(e);
            None
        })
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
    check_loaded(source::load(path), Some(path), settings)
}

/// `check_path` of source read elsewhere (stdin), as if it were the file `path`.
pub fn check_loaded(loaded: Loaded, path: Option<&Path>, settings: &Settings) -> Outcome {
    match loaded {
        Loaded::Text(text) => check_text(text, path, settings),
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
/// errors) the validator's, in order, without the rules its configuration ignores and those
/// its comments suppress; warnings become errors under `--deny-warnings` (or the
/// configuration's `deny-warnings`).
pub fn diagnose(parsed: &Parsed<'_>, path: Option<&Path>, settings: &Settings) -> Vec<Diagnostic> {
    let project = settings.project_or_record(path);
    let no_host = Host::default();
    let config = project.as_ref().map(|p| &p.config);
    let mut diagnostics = parsed.diagnostics.clone();
    let validated = !diagnostics.iter().any(Diagnostic::is_error);
    if validated {
        let cx = validate::Context {
            file: path,
            modules: project
                .as_ref()
                .and_then(|p| p.modules.as_ref())
                .unwrap_or(&settings.modules),
            host: config.map_or(&no_host, |c| &c.host),
        };
        diagnostics.extend(validate::validate(&parsed.file, &cx));
        diagnostic::normalize(&mut diagnostics);
    }
    let ignored = config.map_or_else(RuleSet::default, |c| c.ignored_rules(path));
    // Config cannot name parse, I/O or internal rules, so this never hides a parse error.
    diagnostics.retain(|d| !ignored.contains(d.rule));
    suppress::apply(parsed, &mut diagnostics, validated, &ignored);
    // W007s are appended; put them in position order.
    diagnostic::normalize(&mut diagnostics);
    let deny = settings.deny_warnings || config.is_some_and(|c| c.deny_warnings == Some(true));
    if deny {
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
