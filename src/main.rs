//! The `aether` command line: parse the arguments, dispatch to one command of `cli/`.

mod cli;

use aether::lint::check::Settings;
use aether::project::config::ConfigError;
use clap::Parser;
use cli::args::{use_color, BaselineAction, Cli, Cmd};
use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    aether::syntax::with_big_stack(run)
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    let color = use_color(cli.color);
    let settings = match Settings::new(cli.plugin_path.clone(), cli.deny_warnings)
        .with_config(cli.config_source())
    {
        Ok(s) => s,
        Err(e) => return config_failure(&e),
    };
    // One file checked or run: its configuration must load (bulk commands load theirs
    // before checking, and report a broken one through their `io::Error`).
    let single = match &cli.command {
        Some(Cmd::Run { file, .. }) => Some(file),
        None => cli.file.as_ref(),
        _ => None,
    };
    if let Some(Err(e)) = single.map(|f| settings.project(Some(f))) {
        return config_failure(&e);
    }
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
        }) => {
            let opts = aether::bulk::Options {
                jobs: worker_threads(jobs),
                shard,
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
        }) => {
            let opts = aether::bulk::Options {
                jobs: worker_threads(jobs),
                shard,
            };
            cli::baseline::cmd_baseline(
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
        }) => {
            // `--timeout` (global) is per workflow here; the original's default is 8 s.
            let run_timeout = cli.timeout.unwrap_or(8.0);
            if !(run_timeout.is_finite() && run_timeout > 0.0) {
                eprintln!("error: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let cfg = aether::bulk::classify::Config {
                root: root.clone(),
                output: output.clone(),
                markdown: markdown.clone(),
                limit,
                jobs: worker_threads(jobs),
                timeout: std::time::Duration::from_secs_f64(run_timeout),
                history_dir: history_dir.clone(),
                suppressions: suppressions.clone(),
                plugin_paths: cli.plugin_path.clone(),
                config: cli.config_source(),
            };
            cli::classify::cmd_classify(&cfg)
        }
        Some(Cmd::Run {
            ref file,
            emit_error_code,
            json_status,
        }) => Ok(cli::run::cmd_run(
            file,
            emit_error_code,
            json_status,
            color,
            &cli,
            &settings,
        )),
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
        }) => {
            use cli::migrate::{Mode, Request};
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
        Some(Cmd::Init { ref paths, force }) => cli::init::cmd_init(paths, force, &cli.plugin_path),
        Some(Cmd::Sign(ref a)) => Ok(cli::trust::cmd_sign(a)),
        Some(Cmd::Keygen(ref a)) => Ok(cli::trust::cmd_keygen(a)),
        Some(Cmd::Verify(ref a)) => Ok(cli::trust::cmd_verify(a)),
        Some(Cmd::Gates(ref a)) => Ok(cli::trust::cmd_gates(a, &settings)),
        Some(Cmd::Explain { code }) => cli::explain::cmd_explain(code.as_deref()),
        Some(Cmd::Lsp) => aether::lsp::serve(settings),
        None => match cli.file {
            Some(file) if cli.check => Ok(cli::check::cmd_check_one(
                &file,
                cli.emit_error_code,
                cli.json_status,
                color,
                cli.strict,
                &settings,
            )),
            Some(ref file) => Ok(cli::run::cmd_run(
                file,
                cli.emit_error_code,
                cli.json_status,
                color,
                &cli,
                &settings,
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
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
