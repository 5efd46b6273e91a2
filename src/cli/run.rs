//! `aether FILE` and `aether run FILE`: check, then run a script.

use super::args::RunOpts;
use super::status::{exit_for, Status};
use super::stdin::is_stdin;
use aether::lint::check::{before_run, Settings};
use aether::lint::render;
use aether::syntax::diagnostic::{Code, Diagnostic};
use std::cell::Cell;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

/// What `aether FILE` and `aether run FILE` were asked to do.
pub struct Request<'a> {
    /// The script; `-` reads it from stdin.
    pub file: &'a Path,
    /// `--stdin-filename`.
    pub stdin_name: Option<&'a Path>,
    pub emit_code: bool,
    pub json: bool,
    pub color: bool,
    pub strict: bool,
    pub run: &'a RunOpts,
}

/// The interpreter's options from the flags (the plugin path, host and quota of the file's
/// configuration are added by `cmd_run`).
pub fn run_options(cli: &RunOpts) -> Result<aether::run::RunOptions, String> {
    let timeout = match cli.timeout {
        Some(0.0) => None,
        Some(t) if t.is_finite() && t > 0.0 => Some(std::time::Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(format!(
                "--timeout must be a number of seconds (0 for no limit), not {t}"
            ))
        }
        None => Some(aether::run::DEFAULT_TIMEOUT),
    };
    let deterministic = cli.deterministic
        || std::env::var("AETHERRA_DETERMINISTIC").is_ok_and(|v| v == "1" || v == "true");
    let until = match &cli.until {
        Some(text) => {
            aether::run::host::parse_duration(text).map_err(|e| format!("--until: {e}"))?
        }
        None => aether::run::DEFAULT_UNTIL,
    };
    Ok(aether::run::RunOptions {
        timeout,
        max_steps: cli.max_steps,
        deterministic,
        plugin_paths: Vec::new(),
        memory: aether::run::memory_spec(cli.memory.as_deref()),
        memory_quota: cli
            .memory_quota
            .unwrap_or(aether::run::memory::DEFAULT_QUOTA),
        host: Default::default(),
        until,
    })
}

pub fn cmd_run(req: &Request<'_>, settings: &Settings) -> ExitCode {
    let Request {
        file,
        emit_code,
        json,
        color,
        ..
    } = *req;
    let mut opts = match run_options(req.run) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let input = is_stdin(file).then(|| super::stdin::read(req.stdin_name));
    // Source from stdin is taken to be the file `--stdin-filename` names.
    let path = input
        .as_ref()
        .map_or_else(|| file.to_path_buf(), |i| i.path.clone());
    // The run finds modules where the check did, and its host is the one the check knew.
    opts.plugin_paths = settings.plugin_paths_for(Some(&path));
    opts.host = settings.host_for(Some(&path));
    if req.run.memory_quota.is_none() {
        if let Some(quota) = settings.memory_quota_for(Some(&path)) {
            opts.memory_quota = quota;
        }
    }
    let shown = path.to_string_lossy();
    let signature =
        match super::trust::strict_diagnostic(file, input.as_ref(), req.strict, settings) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    // The warnings of a file that checks, shown before it runs (those of a file that does
    // not check are shown with its errors).
    let warnings = Cell::new(0);
    let outcome = {
        let stdout = io::stdout();
        let mut out = io::LineWriter::new(stdout.lock());
        let validate = before_run(&path, settings);
        // A failed signature is an error of the check, so nothing runs; IO and PARSE
        // still outrank it (the first error shown is the one whose code is reported).
        let check = |parsed: &aether::syntax::Parsed<'_>| {
            let mut diags = validate(parsed);
            if let Some(d) = &signature {
                let worst = aether::syntax::diagnostic::overall_code(&diags);
                if worst.precedence() < Code::SignatureError.precedence() {
                    diags.insert(0, d.clone());
                } else {
                    diags.push(d.clone());
                }
            }
            if !diags.is_empty() && !diags.iter().any(Diagnostic::is_error) {
                warnings.set(diags.len());
                let _ = render::human(
                    &mut io::stderr().lock(),
                    &shown,
                    parsed.source,
                    &diags,
                    color,
                );
            }
            diags
        };
        match input {
            Some(i) => aether::run::run_source(&path, i.loaded, &opts, &check, &mut out),
            None => aether::run::run_file(file, &opts, &check, &mut out),
        }
    };
    let mut err = io::stderr().lock();
    for note in &outcome.notes {
        let _ = writeln!(err, "note: {note}");
    }
    if let Err(e) = report_effects(req.run, &outcome.effects, &mut err) {
        let _ = writeln!(err, "error: cannot write the effects trace: {e}");
        return ExitCode::from(2);
    }
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
            timestamp: aether::bulk::timestamp::now_utc(),
            column,
            errors: outcome.diagnostics.iter().filter(|d| d.is_error()).count(),
            warnings: warnings.get() + outcome.diagnostics.iter().filter(|d| !d.is_error()).count(),
        };
        let line = serde_json::to_string(&status).unwrap_or_default();
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
    exit_for(outcome.code)
}

/// `--effects FILE`: the whole trace as JSON lines; otherwise a summary on stderr.
fn report_effects(
    cli: &RunOpts,
    effects: &[aether::run::host::Effect],
    err: &mut dyn Write,
) -> io::Result<()> {
    let host = aether::run::host::Trace(effects);
    match &cli.effects {
        Some(path) => {
            let mut buf = Vec::new();
            host.write_lines(&mut buf)?;
            std::fs::write(path, buf)
        }
        None => write!(err, "{}", host.summary()),
    }
}
