//! The `aether` command line: parse the arguments, dispatch to one command of `cli/`.

mod cli;

use aether::lint::check::Settings;
use aether::project::config::ConfigError;
use clap::Parser;
use cli::args::{use_color, BaselineAction, CheckOpts, Cli, Cmd};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    aether::syntax::with_big_stack(run)
}

fn run() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Err(e) = cli::usage::before_parse(&args) {
        return e.report();
    }
    let cli = Cli::parse_from(args);
    if let Err(e) = cli::usage::after_parse(&cli) {
        return e.report();
    }
    let color = use_color(cli.color);
    let result = match cli.command {
        Some(Cmd::Check {
            ref paths,
            format,
            exit_zero,
            jobs,
            shard,
            quiet,
            fix,
            unsafe_fixes,
            ref stdin_filename,
            ref checks,
        }) => {
            let settings = match checks.settings() {
                Ok(s) => s,
                Err(e) => return config_failure(&e),
            };
            let opts = aether::bulk::Options {
                jobs: worker_threads(jobs),
                shard,
            };
            // `-` (stdin) is the only path when it is given (`usage::after_parse`).
            let stdin = match paths.as_slice() {
                [p] if cli::stdin::is_stdin(p) => {
                    let name = stdin_filename
                        .clone()
                        .unwrap_or_else(|| cli::stdin::STDIN_NAME.into());
                    if let Err(e) = settings.project(Some(&name)) {
                        return config_failure(&e);
                    }
                    Some(cli::stdin::read(Some(&name)))
                }
                _ => None,
            };
            if fix {
                let roots = if paths.is_empty() {
                    vec![std::path::PathBuf::from(".")]
                } else {
                    paths.clone()
                };
                if let Err(e) =
                    cli::migrate::fix_before_check(&roots, unsafe_fixes, opts.jobs, &settings)
                {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
            cli::check::cmd_check(
                paths.clone(),
                stdin,
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
        }) => cli::baseline::cmd_baseline_merge(parts, output),
        Some(Cmd::Baseline {
            action: None,
            ref root,
            ref output,
            limit,
            shard,
            jobs,
            timeout,
            ref checks,
        }) => {
            let settings = match checks.settings() {
                Ok(s) => s,
                Err(e) => return config_failure(&e),
            };
            let opts = aether::bulk::Options {
                jobs: worker_threads(jobs),
                shard,
            };
            cli::baseline::cmd_baseline(root, output, limit, timeout, &opts, &settings)
        }
        Some(Cmd::Gate {
            ref new,
            ref reference,
            abs_threshold,
            rel_threshold,
            fail_on_missing_ref,
        }) => {
            let cfg = aether::bulk::gate::GateConfig {
                abs_threshold,
                rel_threshold,
                fail_on_missing_ref,
            };
            cli::gate::cmd_gate(new, reference, &cfg)
        }
        Some(Cmd::Parse {
            paths,
            format,
            stats,
        }) => cli::inspect::cmd_parse(paths, format, stats),
        Some(Cmd::Tokens { file }) => cli::inspect::cmd_tokens(&file),
        Some(Cmd::Classify {
            ref root,
            ref output,
            ref markdown,
            limit,
            jobs,
            ref history_dir,
            ref suppressions,
            timeout,
            ref project,
        }) => {
            if !(timeout.is_finite() && timeout > 0.0) {
                eprintln!("error: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let cfg = aether::bulk::classify::Config {
                root: root.clone(),
                output: output.clone(),
                markdown: markdown.clone(),
                limit,
                jobs: worker_threads(jobs),
                timeout: std::time::Duration::from_secs_f64(timeout),
                history_dir: history_dir.clone(),
                suppressions: suppressions.clone(),
                plugin_paths: project.plugin_path.clone(),
                config: project.config_source(),
            };
            cli::classify::cmd_classify(&cfg)
        }
        Some(Cmd::Run {
            ref file,
            emit_error_code,
            json_status,
            strict,
            ref stdin_filename,
            ref checks,
            ref run,
        }) => {
            let files = std::slice::from_ref(file);
            let settings = match single_file_settings(checks, files, stdin_filename.as_deref()) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let req = cli::run::Request {
                file,
                stdin_name: stdin_filename.as_deref(),
                emit_code: emit_error_code,
                json: json_status,
                color,
                strict,
                run,
            };
            Ok(cli::run::cmd_run(&req, &settings))
        }
        Some(Cmd::Migrate {
            ref paths,
            dry_run: _,
            diff,
            apply,
            ref report,
            ref select,
            ref ignore,
            unsafe_fixes,
            strip_signature,
            format,
            jobs,
            ref checks,
        }) => {
            use cli::migrate::{Mode, Request};
            let settings = match checks.settings() {
                Ok(s) => s,
                Err(e) => return config_failure(&e),
            };
            let req = Request {
                paths: paths.clone(),
                mode: if apply {
                    Mode::Apply
                } else if diff {
                    Mode::Diff
                } else {
                    Mode::DryRun
                },
                report: report.clone(),
                format,
                jobs: worker_threads(jobs),
                color: cli.color,
                options: aether::fix::Options {
                    rules: aether::fix::RuleFilter {
                        select: (!select.is_empty()).then(|| select.clone()),
                        ignore: ignore.clone(),
                    },
                    unsafe_fixes,
                    hygiene: true,
                    strip_signature,
                },
            };
            cli::migrate::cmd_migrate(req, &settings)
        }
        Some(Cmd::Init {
            ref paths,
            force,
            ref plugin_path,
        }) => cli::init::cmd_init(paths, force, plugin_path),
        Some(Cmd::Sign(ref a)) => Ok(cli::trust::cmd_sign(a)),
        Some(Cmd::Keygen(ref a)) => Ok(cli::trust::cmd_keygen(a)),
        Some(Cmd::Verify {
            ref verify,
            ref config,
        }) => match config.settings() {
            Ok(settings) => Ok(cli::trust::cmd_verify(verify, &settings)),
            Err(e) => return config_failure(&e),
        },
        Some(Cmd::Gates {
            ref gates,
            ref checks,
        }) => match checks.settings() {
            Ok(settings) => Ok(cli::trust::cmd_gates(gates, &settings)),
            Err(e) => return config_failure(&e),
        },
        Some(Cmd::Explain { code }) => cli::explain::cmd_explain(code.as_deref()),
        Some(Cmd::Completions { shell }) => cli::shell::cmd_completions(shell),
        Some(Cmd::Man) => cli::shell::cmd_man(),
        Some(Cmd::Lsp { ref checks }) => match checks.settings() {
            Ok(settings) => aether::lsp::serve(settings),
            Err(e) => return config_failure(&e),
        },
        // `after_parse` made sure of one file to run, or files to check.
        None => {
            let stdin_name = cli.stdin_filename.as_deref();
            let settings = match single_file_settings(&cli.checks, &cli.files, stdin_name) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if cli.check {
                // One after another, each reported as `aether FILE --check` reports it.
                let worst = cli
                    .files
                    .iter()
                    .map(|file| {
                        cli::check::cmd_check_one(
                            file,
                            stdin_name,
                            cli.emit_error_code,
                            cli.json_status,
                            color,
                            cli.strict,
                            &settings,
                        )
                    })
                    .fold(0, u8::max);
                Ok(ExitCode::from(worst))
            } else {
                let req = cli::run::Request {
                    file: &cli.files[0],
                    stdin_name,
                    emit_code: cli.emit_error_code,
                    json: cli.json_status,
                    color,
                    strict: cli.strict,
                    run: &cli.run,
                };
                Ok(cli::run::cmd_run(&req, &settings))
            }
        }
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`aether ... | head`) is not a failure of the tool.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) if e.get_ref().is_some_and(|i| i.is::<ConfigError>()) => {
            let inner = e.into_inner().map(|i| i.to_string()).unwrap_or_default();
            eprintln!("aether: error: {inner}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The settings of `aether FILE...` and `aether run FILE`. The configuration of every file
/// must load (bulk commands load theirs before checking, and report a broken one through
/// their `io::Error`); source from stdin has the configuration of `--stdin-filename`.
fn single_file_settings(
    checks: &CheckOpts,
    files: &[PathBuf],
    stdin_name: Option<&Path>,
) -> Result<Settings, ExitCode> {
    let settings = checks.settings().map_err(|e| config_failure(&e))?;
    for file in files {
        let file = match stdin_name {
            Some(name) if cli::stdin::is_stdin(file) => name,
            _ if cli::stdin::is_stdin(file) => Path::new(cli::stdin::STDIN_NAME),
            _ => file,
        };
        settings
            .project(Some(file))
            .map_err(|e| config_failure(&e))?;
    }
    Ok(settings)
}

/// A configuration that does not load is a usage error, as in ruff.
fn config_failure(e: &ConfigError) -> ExitCode {
    eprintln!("aether: error: {e}");
    ExitCode::from(2)
}

/// `--jobs N`, clamped: every worker has a large stack for deep nesting, so thousands of
/// them only stall the machine. 0 (the default) means one per core.
fn worker_threads(jobs: Option<usize>) -> usize {
    const MAX_JOBS: usize = 256;
    match jobs {
        Some(n) if n > MAX_JOBS => {
            eprintln!("note: --jobs {n} is more than {MAX_JOBS}; using {MAX_JOBS} worker threads");
            MAX_JOBS
        }
        n => n.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// `--help`, completions and the manual page say what every argument is for.
    #[test]
    fn every_argument_and_value_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
                for value in arg.get_possible_values() {
                    if !value.is_hide_set() && value.get_help().is_none() {
                        missing.push(format!("{path} {id}={}", value.get_name()));
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut cmd = super::Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "aether", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:#?}");
    }
}
