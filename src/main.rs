//! The `aether` command line.

use aether::check::{check_path, Outcome, Settings};
use aether::diagnostic::{find_rule, rules, Code, Severity};
use aether::render;
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "aether",
    version,
    about = "Parser, checker and toolchain for .aether files"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// The script to check (`--check`) or run.
    file: Option<PathBuf>,
    /// Parse and validate only; do not run.
    #[arg(long)]
    check: bool,
    /// Print `AETHER_ERROR_CODE:<n>` on stderr.
    #[arg(long)]
    emit_error_code: bool,
    /// Print one JSON status line on stdout.
    #[arg(long)]
    json_status: bool,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// A directory to search for imported modules (repeatable); the checked file's directory
    /// and its parents up to the repository root are searched after these.
    #[arg(long, value_name = "DIR", global = true)]
    plugin_path: Vec<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    deny_warnings: bool,
    /// Stop a run after this many seconds (TIMEOUT_ERROR). `classify`: per workflow
    /// (default 8); `baseline`: a check that takes longer is reported as timed out (default 4).
    #[arg(long, value_name = "SECONDS", global = true)]
    timeout: Option<f64>,
    /// Stop a run after this many statements and loop iterations (TIMEOUT_ERROR).
    #[arg(long, value_name = "N", global = true, default_value_t = aether::interp::DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Fix the clock and the random seed (also `AETHERRA_DETERMINISTIC=1`).
    #[arg(long, global = true)]
    deterministic: bool,
    /// The memory store: a SQLite file, or `:memory:` for none (also `AETHER_MEMORY`;
    /// default `.aetherra/memory.db`).
    #[arg(long, value_name = "PATH", global = true)]
    memory: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a script (the same as `aether FILE`).
    Run {
        file: PathBuf,
        /// Print `AETHER_ERROR_CODE:<n>` on stderr.
        #[arg(long)]
        emit_error_code: bool,
        /// Print one JSON status line on stdout (after the script's own output).
        #[arg(long)]
        json_status: bool,
    },
    /// Check files and directories (parse and validate; `*.aether` files under directories).
    Check {
        /// Files or directories (default: the current directory).
        paths: Vec<PathBuf>,
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
    },
    /// Print the syntax tree of a file, or count node kinds over many files (`--stats`).
    Parse {
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = TreeFormat::Json)]
        format: TreeFormat,
        /// Count node kinds (generic fallbacks and error nodes on their own lines).
        #[arg(long)]
        stats: bool,
    },
    /// Print the token stream of a file (after the layout pass, comments included).
    Tokens { file: PathBuf },
    /// Explain a diagnostic code by id (`V001`) or name (`unknown-function`), a builtin or a
    /// command verb; `builtins` and `verbs` list those; no argument lists the codes.
    Explain { code: Option<String> },
}

#[derive(Subcommand)]
enum BaselineAction {
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
enum Format {
    Human,
    Concise,
    Json,
    Ndjson,
    Sarif,
    Junit,
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TreeFormat {
    Json,
    Debug,
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty()) {
                true
            } else {
                io::stderr().is_terminal()
            }
        }
    }
}

fn main() -> ExitCode {
    aether::check::with_big_stack(run)
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    let color = use_color(cli.color);
    let settings = Settings::new(cli.plugin_path.clone(), cli.deny_warnings);
    let result = match cli.command {
        Some(Cmd::Check {
            ref paths,
            format,
            exit_zero,
            jobs,
            shard,
            quiet,
        }) => {
            let opts = aether::bulk::Options {
                jobs: jobs.unwrap_or(0),
                shard,
            };
            cmd_check(
                paths.clone(),
                format,
                exit_zero,
                color,
                quiet,
                &opts,
                &settings,
            )
        }
        Some(Cmd::Baseline {
            action:
                Some(BaselineAction::Merge {
                    ref parts,
                    ref output,
                }),
            ..
        }) => cmd_baseline_merge(parts, output),
        Some(Cmd::Baseline {
            action: None,
            ref root,
            ref output,
            limit,
            shard,
            jobs,
        }) => {
            let opts = aether::bulk::Options {
                jobs: jobs.unwrap_or(0),
                shard,
            };
            cmd_baseline(
                root,
                output,
                limit,
                cli.timeout.unwrap_or(4.0),
                &opts,
                &settings,
            )
        }
        Some(Cmd::Gate {
            ref new,
            ref reference,
            abs_threshold,
            rel_threshold,
            fail_on_missing_ref,
        }) => {
            let cfg = aether::gate::GateConfig {
                abs_threshold,
                rel_threshold,
                fail_on_missing_ref,
            };
            cmd_gate(new, reference, &cfg)
        }
        Some(Cmd::Parse {
            paths,
            format,
            stats,
        }) => cmd_parse(paths, format, stats),
        Some(Cmd::Tokens { file }) => cmd_tokens(&file),
        Some(Cmd::Classify {
            ref root,
            ref output,
            ref markdown,
            limit,
            jobs,
            ref history_dir,
            ref suppressions,
        }) => {
            // `--timeout` (global) is per workflow here; the original's default is 8 s.
            let run_timeout = cli.timeout.unwrap_or(8.0);
            if !(run_timeout.is_finite() && run_timeout > 0.0) {
                eprintln!("error: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let cfg = aether::classify::Config {
                root: root.clone(),
                output: output.clone(),
                markdown: markdown.clone(),
                limit,
                jobs: jobs.unwrap_or(0),
                timeout: std::time::Duration::from_secs_f64(run_timeout),
                history_dir: history_dir.clone(),
                suppressions: suppressions.clone(),
                plugin_paths: cli.plugin_path.clone(),
            };
            cmd_classify(&cfg)
        }
        Some(Cmd::Run {
            ref file,
            emit_error_code,
            json_status,
        }) => Ok(cmd_run(file, emit_error_code, json_status, color, &cli)),
        Some(Cmd::Explain { code }) => cmd_explain(code.as_deref()),
        None => match cli.file {
            Some(file) if cli.check => Ok(cmd_check_one(
                &file,
                cli.emit_error_code,
                cli.json_status,
                color,
                &settings,
            )),
            Some(ref file) => Ok(cmd_run(
                file,
                cli.emit_error_code,
                cli.json_status,
                color,
                &cli,
            )),
            None => {
                eprintln!("error: no file given; see `aether --help`");
                Ok(ExitCode::from(2))
            }
        },
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`aether ... | head`) is not a failure of the tool.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The JSON status line of REFERENCE.md; key order is part of the contract.
#[derive(Serialize)]
struct Status<'a> {
    ok: bool,
    code: i32,
    code_name: &'static str,
    file: &'a str,
    phase: &'static str,
    message: String,
    line: Option<usize>,
    timestamp: String,
    column: Option<usize>,
    errors: usize,
    warnings: usize,
}

fn exit_for(code: Code) -> ExitCode {
    match code {
        Code::Success => ExitCode::SUCCESS,
        Code::InternalError => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn cmd_check_one(
    file: &Path,
    emit_code: bool,
    json: bool,
    color: bool,
    settings: &Settings,
) -> ExitCode {
    let shown = file.to_string_lossy();
    let outcome = check_path(file, settings);
    let mut err = io::stderr().lock();
    let _ = render::human(&mut err, &shown, &outcome.text, &outcome.diagnostics, color);
    if emit_code {
        let _ = writeln!(err, "AETHER_ERROR_CODE:{}", outcome.code.number());
    }
    if json {
        let first = outcome.first_error();
        let (line, column) = match first {
            // A file that cannot be opened, or a crash, has no line to point at.
            Some(d) if d.has_location() => {
                let (l, c) = outcome.lines.line_col(&outcome.text, d.span.start as usize);
                (Some(l), Some(c))
            }
            _ => (None, None),
        };
        let phase = match outcome.code {
            Code::IoError => "read",
            _ => "parse",
        };
        let status = Status {
            ok: outcome.code == Code::Success,
            code: outcome.code.number(),
            code_name: outcome.code.name(),
            file: &shown,
            phase,
            message: first.map_or_else(|| "parse ok".to_string(), |d| d.message.clone()),
            line,
            timestamp: aether::timestamp::now_utc(),
            column,
            errors: count(&outcome, Severity::Error),
            warnings: count(&outcome, Severity::Warning),
        };
        let line = serde_json::to_string(&status).unwrap_or_default();
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
    exit_for(outcome.code)
}

fn run_options(cli: &Cli) -> Result<aether::interp::RunOptions, String> {
    let timeout = match cli.timeout {
        Some(t) if t.is_finite() && t > 0.0 => Some(std::time::Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(format!(
                "--timeout must be a positive number of seconds, not {t}"
            ))
        }
        None => None,
    };
    let deterministic = cli.deterministic
        || std::env::var("AETHERRA_DETERMINISTIC").is_ok_and(|v| v == "1" || v == "true");
    Ok(aether::interp::RunOptions {
        timeout,
        max_steps: cli.max_steps,
        deterministic,
        plugin_paths: cli.plugin_path.clone(),
        memory: aether::interp::memory_spec(cli.memory.as_deref()),
    })
}

fn cmd_run(file: &Path, emit_code: bool, json: bool, color: bool, cli: &Cli) -> ExitCode {
    let opts = match run_options(cli) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let shown = file.to_string_lossy();
    let outcome = {
        let stdout = io::stdout();
        let mut out = io::LineWriter::new(stdout.lock());
        let settings = Settings::new(opts.plugin_paths.clone(), cli.deny_warnings);
        aether::interp::run_file(file, &opts, &settings, &mut out)
    };
    let mut err = io::stderr().lock();
    match &outcome.error_file {
        // An error inside an imported module points into that module's text.
        Some(path) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let _ = render::human(
                &mut err,
                &path.to_string_lossy(),
                &text,
                &outcome.diagnostics,
                color,
            );
        }
        None => {
            let _ = render::human(&mut err, &shown, &outcome.text, &outcome.diagnostics, color);
        }
    }
    if emit_code {
        let _ = writeln!(err, "AETHER_ERROR_CODE:{}", outcome.code.number());
    }
    if json {
        let first = outcome.diagnostics.iter().find(|d| d.is_error());
        let (line, column) = match first {
            // An error inside an imported module: the script's line that called into it.
            Some(_) if outcome.error_file.is_some() => (outcome.call_line, None),
            Some(d) if d.has_location() => {
                let (l, c) = outcome.lines.line_col(&outcome.text, d.span.start as usize);
                (Some(l), Some(c))
            }
            _ => (None, None),
        };
        let status = Status {
            ok: outcome.code == Code::Success,
            code: outcome.code.number(),
            code_name: outcome.code.name(),
            file: &shown,
            phase: outcome.phase,
            message: first.map_or_else(|| "ok".to_string(), |d| d.message.clone()),
            line,
            timestamp: aether::timestamp::now_utc(),
            column,
            errors: outcome.diagnostics.iter().filter(|d| d.is_error()).count(),
            warnings: outcome.diagnostics.iter().filter(|d| !d.is_error()).count(),
        };
        let line = serde_json::to_string(&status).unwrap_or_default();
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
    exit_for(outcome.code)
}

fn count(o: &Outcome, sev: Severity) -> usize {
    o.diagnostics.iter().filter(|d| d.severity == sev).count()
}

fn cmd_check(
    paths: Vec<PathBuf>,
    format: Format,
    exit_zero: bool,
    color: bool,
    quiet: bool,
    opts: &aether::bulk::Options,
    settings: &Settings,
) -> io::Result<ExitCode> {
    use aether::formats;
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    let start = std::time::Instant::now();
    // Progress goes to stderr, only for people: hidden when stderr is not a terminal.
    let bar = if quiet || !io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} checked {pos} files ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut files, mut errors, mut warnings, mut failed) = (0usize, 0, 0, 0);
    let mut worst = Code::Success;
    // Document formats need every result; the others are written as results arrive.
    let mut kept: Vec<(String, Outcome)> = Vec::new();
    let progress = |n: usize| bar.inc(n as u64);
    aether::bulk::check_all(&paths, settings, opts, &progress, |r| {
        let shown = r.path.to_string_lossy().into_owned();
        let o = r.outcome;
        files += 1;
        errors += count(&o, Severity::Error);
        warnings += count(&o, Severity::Warning);
        if o.code != Code::Success {
            failed += 1;
        }
        if o.code.precedence() > worst.precedence() {
            worst = o.code;
        }
        match format {
            Format::Human => {
                if !o.diagnostics.is_empty() {
                    bar.suspend(|| {
                        render::human(&mut out, &shown, &o.text, &o.diagnostics, color)
                    })?;
                }
            }
            Format::Concise => {
                render::concise(&mut out, &shown, &o.text, &o.lines, &o.diagnostics)?
            }
            Format::Ndjson => formats::ndjson(&mut out, &[(shown, o)])?,
            Format::Github => formats::github(&mut out, &[(shown, o)])?,
            Format::Json | Format::Sarif | Format::Junit => kept.push((shown, o)),
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    match format {
        Format::Json => formats::json(&mut out, &kept)?,
        Format::Sarif => formats::sarif(&mut out, &kept, &formats::Tool::AETHER)?,
        Format::Junit => formats::junit(&mut out, &kept, start.elapsed())?,
        _ => {}
    }
    out.flush()?;
    if !quiet {
        eprintln!(
            "checked {files} files: {failed} failed, {errors} errors, {warnings} warnings in {:.2}s",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(if exit_zero && worst != Code::InternalError {
        ExitCode::SUCCESS
    } else {
        exit_for(worst)
    })
}

fn cmd_baseline(
    root: &Path,
    output: &Path,
    limit: usize,
    timeout: f64,
    opts: &aether::bulk::Options,
    settings: &Settings,
) -> io::Result<ExitCode> {
    use aether::baseline::{self, FileEntry};
    if !root.exists() {
        eprintln!("error: the root {} does not exist", root.display());
        return Ok(ExitCode::from(2));
    }
    let start = std::time::Instant::now();
    let mut entries = Vec::new();
    let roots = [root.to_path_buf()];
    let progress = |_: usize| {};
    aether::bulk::check_all(&roots, settings, opts, &progress, |r| {
        if limit == 0 || entries.len() < limit {
            let shown = aether::discover::shown(&r.path, root);
            // A check is linear in the file's size and cannot hang, so it is not interrupted;
            // one that took longer than `--timeout` is reported as the original reports a
            // timed-out check.
            entries.push(if r.elapsed.as_secs_f64() > timeout {
                FileEntry::timeout(shown)
            } else {
                FileEntry::from_outcome(shown, &r.outcome)
            });
        }
        Ok(())
    })?;
    let b = baseline::Baseline::from_entries(entries);
    baseline::write_atomic(output, &b)?;
    eprintln!(
        "baseline of {} files ({:.2}% failing) written to {} in {:.2}s",
        b.total,
        b.failure_rate * 100.0,
        output.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_baseline_merge(parts: &[PathBuf], output: &Path) -> io::Result<ExitCode> {
    use aether::baseline;
    let mut read = Vec::new();
    for p in parts {
        match baseline::read(p) {
            Ok(b) => read.push(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    match baseline::merge(read) {
        Ok(b) => {
            baseline::write_atomic(output, &b)?;
            eprintln!(
                "merged {} baselines ({} files) into {}",
                parts.len(),
                b.total,
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(baseline::MergeError::DuplicatePath {
            path,
            first,
            second,
        }) => {
            eprintln!(
                "error: '{path}' is in both {} and {}; shards must not overlap",
                parts[first].display(),
                parts[second].display()
            );
            Ok(ExitCode::from(2))
        }
    }
}

fn cmd_gate(new: &Path, reference: &Path, cfg: &aether::gate::GateConfig) -> io::Result<ExitCode> {
    use aether::gate;
    match gate::run(new, reference, cfg) {
        Ok(report) => {
            if report.ref_missing {
                eprintln!(
                    "note: reference {} not found; comparing against zeros",
                    reference.display()
                );
            }
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::other)?;
            writeln!(out)?;
            for r in &report.regressions {
                eprintln!(
                    "regression: {} went from {} to {} (+{}, +{:.1}%)",
                    r.code,
                    r.old,
                    r.new,
                    r.delta,
                    r.relative_increase * 100.0
                );
            }
            Ok(ExitCode::from(gate::exit_code(&report)))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(gate::EXIT_INPUT_ERROR))
        }
    }
}

fn cmd_classify(cfg: &aether::classify::Config) -> io::Result<ExitCode> {
    use aether::classify;
    if !cfg.root.exists() {
        eprintln!("error: the root {} does not exist", cfg.root.display());
        return Ok(ExitCode::from(2));
    }
    let start = std::time::Instant::now();
    for artifact in [&cfg.output, &cfg.markdown] {
        if let Some(dir) = artifact.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
    }
    let report = classify::classify(cfg)?;
    let mut json = serde_json::to_vec_pretty(&report).map_err(io::Error::other)?;
    json.push(b'\n');
    aether::artifact::write_atomic(&cfg.output, &json)?;
    classify::write_history(&cfg.history_dir, &report, &json)?;
    // The report links the chart by a path relative to the report's own directory.
    let svg = cfg.history_dir.join("trends.svg");
    let base = cfg.markdown.parent().unwrap_or(Path::new(""));
    let link = relative_link(base, &svg);
    let md = classify::markdown(&report, Some(&link));
    aether::artifact::write_atomic(&cfg.markdown, md.as_bytes())?;
    let s = &report.summary;
    eprintln!(
        "classified {} workflows: {} failed ({} suppressed), failure rate {:.2}% in {:.2}s; wrote {} and {}",
        s.total,
        s.failed,
        s.suppressed_failures,
        s.failure_rate * 100.0,
        start.elapsed().as_secs_f64(),
        cfg.output.display(),
        cfg.markdown.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `to` as a relative link from the directory `from` (either may be absolute or relative to
/// the working directory).
fn relative_link(from: &Path, to: &Path) -> String {
    let absolute = |p: &Path| {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
    };
    let (from, to) = (absolute(from), absolute(to));
    let normal = |p: &Path| -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other.as_os_str().to_os_string()),
            }
        }
        out
    };
    let (from, to) = (normal(&from), normal(&to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn read_text(path: &Path) -> io::Result<String> {
    match aether::source::load(path) {
        aether::source::Loaded::Text(t) => Ok(t),
        aether::source::Loaded::Failed { diagnostic, .. } => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            diagnostic.message,
        )),
    }
}

fn cmd_parse(paths: Vec<PathBuf>, format: TreeFormat, stats: bool) -> io::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if stats {
        let files = aether::discover::discover(&paths).files;
        let s = aether::stats::collect(&files);
        s.write(&mut out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let [path] = paths.as_slice() else {
        eprintln!("error: `aether parse` takes one file (or many with `--stats`)");
        return Ok(ExitCode::from(2));
    };
    let text = read_text(path)?;
    let parsed = aether::syntax::parse(&text);
    match format {
        TreeFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &parsed.file)?;
            writeln!(out)?;
        }
        TreeFormat::Debug => writeln!(out, "{:#?}", parsed.file)?,
    }
    out.flush()?;
    let shown = path.to_string_lossy();
    render::human(
        &mut io::stderr().lock(),
        &shown,
        &text,
        &parsed.diagnostics,
        false,
    )?;
    Ok(exit_for(aether::diagnostic::overall_code(
        &parsed.diagnostics,
    )))
}

fn cmd_tokens(path: &Path) -> io::Result<ExitCode> {
    let text = read_text(path)?;
    let parsed = aether::syntax::parse(&text);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut comments = parsed.comments.iter().peekable();
    for (tok, span) in &parsed.tokens {
        while let Some(c) = comments.next_if(|c| c.start <= span.start) {
            let (l, col) = parsed.lines.line_col(&text, c.start as usize);
            writeln!(
                out,
                "{l}:{col}\t{}..{}\tComment\t{:?}",
                c.start,
                c.end,
                &text[c.range()]
            )?;
        }
        let (l, col) = parsed.lines.line_col(&text, span.start as usize);
        writeln!(
            out,
            "{l}:{col}\t{}..{}\t{}\t{:?}",
            span.start,
            span.end,
            tok.kind_name(),
            &text[span.range()]
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_explain(code: Option<&str>) -> io::Result<ExitCode> {
    use aether::{builtins, vocabulary};
    let mut out = io::stdout().lock();
    let Some(key) = code else {
        for r in rules::ALL {
            writeln!(
                out,
                "{}  {:<30} {:<18} {}",
                r.id,
                r.name,
                r.code.name(),
                r.summary
            )?;
        }
        writeln!(
            out,
            "\n`aether explain builtins` lists the builtin functions, `aether explain verbs` the command verbs."
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(r) = find_rule(key) {
        let severity = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            out,
            "{} {} ({severity}, code {} {})\n",
            r.id,
            r.name,
            r.code.number(),
            r.code.name()
        )?;
        writeln!(out, "{}\n\n{}", r.summary, r.doc)?;
    } else if key == "builtins" {
        for b in builtins::BUILTINS {
            writeln!(out, "{:<48} {}", b.signature(), b.doc)?;
        }
    } else if key == "verbs" {
        for v in vocabulary::VERBS {
            writeln!(out, "{:<16} {}", v.name, v.doc)?;
        }
    } else if let Some(b) = builtins::lookup(key) {
        writeln!(out, "{} (builtin function)\n\n{}", b.signature(), b.doc)?;
    } else if let Some(v) = vocabulary::lookup(key) {
        writeln!(out, "{} (command verb)\n\n{}", v.name, v.doc)?;
    } else {
        eprintln!(
            "error: `{key}` is not a diagnostic code, builtin or command verb; `aether explain` lists the codes"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
