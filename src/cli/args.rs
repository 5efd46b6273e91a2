//! The command line: every flag and subcommand, as clap derives them.

use aether::lint::check::Settings;
use aether::project::config::ConfigError;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "aether",
    version,
    about = "Parser, checker and toolchain for .aether files"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Cmd>,
    /// The scripts to check (`--check`), or the one script to run; `-` reads stdin.
    pub files: Vec<PathBuf>,
    /// Parse and validate only; do not run.
    #[arg(long)]
    pub check: bool,
    /// Print `AETHER_ERROR_CODE:<n>` on stderr.
    #[arg(long)]
    pub emit_error_code: bool,
    /// Print one JSON status line on stdout.
    #[arg(long)]
    pub json_status: bool,
    /// Fail an unsigned or mismatching script with SIGNATURE_ERROR before checking or
    /// running it (also AETHERRA_SCRIPT_VERIFY_STRICT=1, or `strict = true` under `[trust]`).
    #[arg(long)]
    pub strict: bool,
    /// The path that source read from stdin (`-`) has: shown in diagnostics, and where its
    /// `aether.toml` and imported modules are looked up.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub checks: CheckOpts,
    #[command(flatten)]
    pub run: RunOpts,
}

/// Where a check finds modules and configuration: the options of every command that checks
/// files with the project's settings.
#[derive(Args, Clone, Default)]
pub struct ProjectOpts {
    /// A directory to search for imported modules (repeatable); the checked file's directory
    /// and its parents up to the repository root are searched after these.
    #[arg(long, value_name = "DIR")]
    pub plugin_path: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigOpts,
}

/// Which `aether.toml` applies: the options of every command that reads the configuration.
#[derive(Args, Clone, Default)]
pub struct ConfigOpts {
    /// Use this configuration file for every file, instead of the nearest `aether.toml`
    /// above each.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file (`aether.toml`).
    #[arg(long)]
    pub isolated: bool,
}

/// The options of commands that check files and report their diagnostics.
#[derive(Args, Clone, Default)]
pub struct CheckOpts {
    #[command(flatten)]
    pub project: ProjectOpts,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The options of a run (`aether FILE`, `aether run FILE`).
#[derive(Args, Clone)]
pub struct RunOpts {
    /// Stop the run after this many seconds, reading and checking the file included
    /// (TIMEOUT_ERROR; default 30, 0 for no limit).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Stop the run after this many statements and loop iterations (TIMEOUT_ERROR).
    #[arg(long, value_name = "N", default_value_t = aether::run::DEFAULT_MAX_STEPS)]
    pub max_steps: u64,
    /// Fix the clock and the random seed (also `AETHERRA_DETERMINISTIC=1`).
    #[arg(long)]
    pub deterministic: bool,
    /// The memory store: a SQLite file, or `:memory:` for none (also `AETHER_MEMORY`;
    /// default `.aetherra/memory.db`).
    #[arg(long, value_name = "PATH")]
    pub memory: Option<String>,
    /// The most the memory store's data may take: `256MiB` (the default), `64 MiB`, `1GiB`,
    /// or bytes; past it, writes fail with RUNTIME_ERROR. Overrides `quota` under `[memory]`
    /// in aether.toml.
    #[arg(long, value_name = "SIZE", value_parser = aether::run::memory::parse_quota)]
    pub memory_quota: Option<u64>,
    /// Write what the script asked of the host (calls of host functions and plugins,
    /// capabilities, open verbs, unhandled events, notifications) to FILE as JSON lines;
    /// without it, a summary is printed on stderr.
    #[arg(long, value_name = "FILE")]
    pub effects: Option<PathBuf>,
    /// After the body, run timers and schedules (`every 30 minutes:`) on the virtual clock
    /// up to this much time since the start: `24h` (the default), `30m`, `7d`, `90s`.
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MigrateFormat {
    /// For people: fixes, diffs and a summary.
    Text,
    /// One JSON document: per file its status, fixes and edits of the original text.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal (`NO_COLOR` and `FORCE_COLOR` decide first).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Run a script (the same as `aether FILE`).
    Run {
        /// The script to run; `-` reads it from stdin.
        file: PathBuf,
        /// Print `AETHER_ERROR_CODE:<n>` on stderr.
        #[arg(long)]
        emit_error_code: bool,
        /// Print one JSON status line on stdout (after the script's own output).
        #[arg(long)]
        json_status: bool,
        /// Fail an unsigned or mismatching script with SIGNATURE_ERROR before running it
        /// (also AETHERRA_SCRIPT_VERIFY_STRICT=1, or `strict = true` under `[trust]`).
        #[arg(long)]
        strict: bool,
        /// The path that a script read from stdin (`-`) has: shown in diagnostics, and
        /// where its `aether.toml` and imported modules are looked up.
        #[arg(long, value_name = "PATH")]
        stdin_filename: Option<PathBuf>,
        #[command(flatten)]
        checks: CheckOpts,
        #[command(flatten)]
        run: RunOpts,
    },
    /// Check files and directories (parse and validate; `*.aether` files under directories).
    Check {
        /// Files or directories (default: the current directory); `-` alone reads stdin.
        paths: Vec<PathBuf>,
        /// The output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 0 even when files have errors.
        #[arg(long)]
        exit_zero: bool,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Check only the files of shard K of N (by a stable hash of the path), 1 <= K <= N.
        #[arg(long, value_name = "K/N")]
        shard: Option<aether::bulk::Shard>,
        /// No progress bar and no summary line.
        #[arg(long, short)]
        quiet: bool,
        /// Apply the safe fixes of the reported diagnostics (legacy spellings, see `aether
        /// explain L001`), then report what remains.
        #[arg(long)]
        fix: bool,
        /// With `--fix`, apply unsafe fixes too (they may change what the file does).
        #[arg(long, requires = "fix")]
        unsafe_fixes: bool,
        /// The path that source read from stdin (`-`) has: shown in diagnostics, and where
        /// its `aether.toml` and imported modules are looked up.
        #[arg(long, value_name = "PATH")]
        stdin_filename: Option<PathBuf>,
        #[command(flatten)]
        checks: CheckOpts,
    },
    /// Rewrite legacy syntax by span (L001-L005 and M001 whitespace hygiene): show the
    /// changes (`--dry-run`, the default), only the diff (`--diff`), or write them (`--apply`).
    #[command(group(clap::ArgGroup::new("mode").args(["dry_run", "diff", "apply"])))]
    Migrate {
        /// Files or directories (default: the current directory).
        paths: Vec<PathBuf>,
        /// Per file, the fixes with their lines and a unified diff; writes nothing (the default).
        #[arg(long)]
        dry_run: bool,
        /// Only the unified diff; exit 1 when anything would change or a file is refused.
        #[arg(long)]
        diff: bool,
        /// Write the files (atomically, permissions kept) and print a summary.
        #[arg(long)]
        apply: bool,
        /// Also write a Markdown report of the files, fixes, diffs and refusals.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Only these rules (ids, id prefixes such as `L`, or names; comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "RULES")]
        select: Vec<String>,
        /// Not these rules.
        #[arg(long, value_delimiter = ',', value_name = "RULES")]
        ignore: Vec<String>,
        /// Apply unsafe fixes too (they may change what the file does).
        #[arg(long)]
        unsafe_fixes: bool,
        /// Migrate signed files too, removing their `# @signature:` line (sign them again
        /// afterwards).
        #[arg(long)]
        strip_signature: bool,
        /// The output format.
        #[arg(long, value_enum, default_value_t = MigrateFormat::Text)]
        format: MigrateFormat,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        #[command(flatten)]
        checks: CheckOpts,
    },
    /// Write a first `aether.toml` declaring every function, verb and name the files use
    /// that nothing defines, and say how many errors remain after adopting it.
    Init {
        /// Files or directories to survey (default: the current directory). The file is
        /// written in the first directory given.
        paths: Vec<PathBuf>,
        /// Replace an existing aether.toml.
        #[arg(long)]
        force: bool,
        /// A directory to search for imported modules (repeatable). The survey reads no
        /// configuration: it writes the first one.
        #[arg(long, value_name = "DIR")]
        plugin_path: Vec<PathBuf>,
    },
    /// Write the parse baseline (`parse_baseline.json`), or merge shard baselines.
    #[command(args_conflicts_with_subcommands = true)]
    Baseline {
        #[command(subcommand)]
        action: Option<BaselineAction>,
        /// The directory to scan.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The baseline file to write.
        #[arg(long, default_value = "parse_baseline.json")]
        output: PathBuf,
        /// Only the first N files in sorted order (0 = all).
        #[arg(long, default_value_t = 0)]
        limit: usize,
        /// Only the files of shard K of N (merge the shards with `aether baseline merge`).
        #[arg(long, value_name = "K/N")]
        shard: Option<aether::bulk::Shard>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// A file whose check takes longer than this many seconds is recorded as timed out.
        #[arg(long, value_name = "SECONDS", default_value_t = 4.0)]
        timeout: f64,
        #[command(flatten)]
        checks: CheckOpts,
    },
    /// Compare a new parse baseline with a reference and fail on regressions.
    Gate {
        /// The new baseline.
        #[arg(long)]
        new: PathBuf,
        /// The reference baseline.
        #[arg(long = "ref")]
        reference: PathBuf,
        /// Largest absolute increase of a code that is not a regression.
        #[arg(long, default_value_t = 5)]
        abs_threshold: u64,
        /// Largest relative increase of a code that is not a regression.
        #[arg(long, default_value_t = 0.10)]
        rel_threshold: f64,
        /// A missing reference is an error (instead of all zeros).
        #[arg(long)]
        fail_on_missing_ref: bool,
    },
    /// Check every workflow under a root, run the ones that pass, and classify the failures
    /// (JSON and Markdown artifacts, history snapshots, trends).
    Classify {
        /// The directory to scan.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The JSON artifact.
        #[arg(long, default_value = "workflow_failures.json")]
        output: PathBuf,
        /// The Markdown report.
        #[arg(long, default_value = "workflow_failures.md")]
        markdown: PathBuf,
        /// Classify only the first N files in sorted order (0 = all).
        #[arg(long, default_value_t = 0)]
        limit: usize,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Where snapshots, `trends.json` and `trends.svg` go.
        #[arg(long, default_value = ".aetherra/workflow_history")]
        history_dir: PathBuf,
        /// Fingerprints of known failures (one per line, `#` comments).
        #[arg(long, default_value = ".aetherra/workflow_suppressions.txt")]
        suppressions: PathBuf,
        /// Stop the run of each workflow after this many seconds (TIMEOUT_ERROR).
        #[arg(long, value_name = "SECONDS", default_value_t = 8.0)]
        timeout: f64,
        #[command(flatten)]
        project: ProjectOpts,
    },
    /// Print the syntax tree of a file, or count node kinds over many files (`--stats`).
    Parse {
        /// The file to print (several with `--stats`, and directories).
        paths: Vec<PathBuf>,
        /// The output format of the tree.
        #[arg(long, value_enum, default_value_t = TreeFormat::Json)]
        format: TreeFormat,
        /// Count node kinds (generic fallbacks and error nodes on their own lines).
        #[arg(long)]
        stats: bool,
    },
    /// Print the token stream of a file (after the layout pass, comments included).
    Tokens {
        /// The file to tokenize.
        file: PathBuf,
    },
    /// Sign scripts: HMAC-SHA256 header, or Ed25519 with `--key`.
    Sign(super::trust::SignArgs),
    /// Write an Ed25519 key pair (private key mode 0600).
    Keygen(super::trust::KeygenArgs),
    /// Verify signatures and scan for risky calls; writes aether_static_report.md.
    Verify {
        #[command(flatten)]
        verify: super::trust::VerifyArgs,
        #[command(flatten)]
        config: ConfigOpts,
    },
    /// Run the go/no-go release gates; writes gate_results.json and gate_sign_off.md.
    Gates {
        #[command(flatten)]
        gates: super::trust::GatesArgs,
        #[command(flatten)]
        checks: CheckOpts,
    },
    /// Explain a diagnostic code by id (`V001`) or name (`unknown-function`), a builtin or a
    /// command verb; `builtins` and `verbs` list those; no argument lists the codes.
    Explain {
        /// A diagnostic id or name, a builtin, a verb, `builtins` or `verbs`.
        code: Option<String>,
    },
    /// Print a shell completion script on stdout.
    Completions {
        /// The shell to complete for.
        shell: Shell,
    },
    /// Print the manual page (roff) on stdout (`aether man | man -l -`).
    Man,
    /// Start the language server on stdin/stdout (Language Server Protocol), for editors.
    Lsp {
        #[command(flatten)]
        checks: CheckOpts,
    },
}

#[derive(Subcommand)]
pub enum BaselineAction {
    /// Combine shard baselines into one (files must not overlap).
    Merge {
        /// The shard baselines.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The merged baseline.
        #[arg(long, default_value = "parse_baseline.json")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with their source lines, for people.
    Human,
    /// One line per diagnostic: `file:line:col: severity[ID]: message`.
    Concise,
    /// One JSON document of every file and diagnostic.
    Json,
    /// One JSON line per file.
    Ndjson,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions annotations (`::error file=..,line=..::`).
    Github,
}

/// The shells `aether completions` writes for, and where their scripts go.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Save as `~/.local/share/bash-completion/completions/aether`.
    Bash,
    /// Save as `_aether` in a directory of `$fpath`.
    Zsh,
    /// Save as `~/.config/fish/completions/aether.fish`.
    Fish,
    /// Save, and dot-source it from `$PROFILE`.
    Powershell,
    /// Save, and `use` or `eval` it from `rc.elv`.
    Elvish,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    /// Every node with its kind name and byte span, as JSON.
    Json,
    /// Rust's debug printing of the tree.
    Debug,
}

impl ProjectOpts {
    /// Where checks take their configuration from.
    pub fn config_source(&self) -> aether::project::config::ConfigSource {
        self.config.source()
    }
}

impl ConfigOpts {
    pub fn source(&self) -> aether::project::config::ConfigSource {
        use aether::project::config::ConfigSource;
        match &self.config {
            _ if self.isolated => ConfigSource::Isolated,
            Some(file) => ConfigSource::File(file.clone()),
            None => ConfigSource::Discover,
        }
    }

    /// Settings that only carry the configuration (for commands that check nothing).
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        Settings::new(Vec::new(), false).with_config(self.source())
    }
}

impl CheckOpts {
    /// The settings of the checks, with the configuration file of `--config` loaded.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        Settings::new(self.project.plugin_path.clone(), self.deny_warnings)
            .with_config(self.project.config_source())
    }
}

pub fn use_color(choice: ColorChoice) -> bool {
    use_color_on(choice, io::stderr().is_terminal())
}

/// The colour policy for a stream that is (or is not) a terminal: the flag, then `NO_COLOR`
/// and `FORCE_COLOR`, then the terminal test.
pub fn use_color_on(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty()) {
                true
            } else {
                terminal
            }
        }
    }
}
