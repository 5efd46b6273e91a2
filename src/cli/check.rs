//! `aether FILE --check` (one file, the original checker's contract) and `aether check PATHS`
//! (whole trees in parallel, in every output format).

use super::args::Format;
use super::status::{exit_for, exit_status, Status};
use super::stdin::is_stdin;
use aether::bulk::plural;
use aether::lint::check::{check_loaded, check_path, Outcome, Settings};
use aether::lint::render;
use aether::syntax::diagnostic::{Code, Severity};
use aether::syntax::edit::Applicability;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check one file (`-`: stdin) and report it; returns the exit status.
pub fn cmd_check_one(
    file: &Path,
    stdin_name: Option<&Path>,
    emit_code: bool,
    json: bool,
    color: bool,
    strict: bool,
    settings: &Settings,
) -> u8 {
    let input = is_stdin(file).then(|| super::stdin::read(stdin_name));
    let shown = match &input {
        Some(i) => i.shown(),
        None => file.to_string_lossy().into_owned(),
    };
    let signature = match super::trust::strict_diagnostic(file, input.as_ref(), strict, settings) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut outcome = match input {
        Some(i) => check_loaded(i.loaded, Some(&i.path), settings),
        None => check_path(file, settings),
    };
    // IO and PARSE outrank SIGNATURE; SIGNATURE outranks VALIDATION (REFERENCE.md).
    if let Some(d) = signature {
        if outcome.code.precedence() < Code::SignatureError.precedence() {
            outcome.code = Code::SignatureError;
            outcome.diagnostics.insert(0, d);
        }
    }
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
            timestamp: aether::bulk::timestamp::now_utc(),
            column,
            errors: count(&outcome, Severity::Error),
            warnings: count(&outcome, Severity::Warning),
        };
        let line = serde_json::to_string(&status).unwrap_or_default();
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
    exit_status(outcome.code)
}

fn count(o: &Outcome, sev: Severity) -> usize {
    o.diagnostics.iter().filter(|d| d.severity == sev).count()
}

/// Check `paths` in parallel, or the source of `stdin` (`aether check -`).
#[allow(clippy::too_many_arguments)]
pub fn cmd_check(
    paths: Vec<PathBuf>,
    stdin: Option<super::stdin::Stdin>,
    format: Format,
    exit_zero: bool,
    color: bool,
    quiet: bool,
    opts: &aether::bulk::Options,
    settings: &Settings,
) -> io::Result<ExitCode> {
    use aether::bulk::formats;
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
        progress_bar()
    };
    // When stdout is the same screen, every write to it happens with the bar taken off and
    // is flushed before the bar comes back, so no bar is left among the diagnostics.
    let shares_screen = !bar.is_hidden() && io::stdout().is_terminal();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut files, mut errors, mut warnings, mut failed) = (0usize, 0, 0, 0);
    let mut fixable = 0usize;
    let mut worst = Code::Success;
    // Document formats need every result; the others are written as results arrive.
    let mut kept: Vec<(String, Outcome)> = Vec::new();
    let mut text: Vec<u8> = Vec::new();
    let progress = |p: aether::bulk::Progress| match p {
        aether::bulk::Progress::Found(n) => {
            bar.set_length(n as u64);
            // The rate and the ETA count from the first check, not from the walk.
            bar.reset();
            if n > 0 {
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
        }
        aether::bulk::Progress::Checked => bar.inc(1),
    };
    let mut each = |r: aether::bulk::FileResult| -> io::Result<()> {
        let shown = r.path.to_string_lossy().into_owned();
        let o = r.outcome;
        files += 1;
        errors += count(&o, Severity::Error);
        warnings += count(&o, Severity::Warning);
        fixable += o
            .diagnostics
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Safe)
            })
            .count();
        if o.code != Code::Success {
            failed += 1;
        }
        if o.code.precedence() > worst.precedence() {
            worst = o.code;
        }
        text.clear();
        match format {
            Format::Human => {
                if !o.diagnostics.is_empty() {
                    render::human(&mut text, &shown, &o.text, &o.diagnostics, color)?
                }
            }
            Format::Concise => {
                render::concise(&mut text, &shown, &o.text, &o.lines, &o.diagnostics)?
            }
            Format::Ndjson => formats::ndjson(&mut text, &[(shown, o)])?,
            Format::Github => formats::github(&mut text, &[(shown, o)])?,
            Format::Json | Format::Sarif | Format::Junit => kept.push((shown, o)),
        }
        if text.is_empty() {
            Ok(())
        } else if shares_screen {
            bar.suspend(|| {
                out.write_all(&text)?;
                out.flush()
            })
        } else {
            out.write_all(&text)
        }
    };
    match stdin {
        Some(input) => {
            let outcome = check_loaded(input.loaded, Some(&input.path), settings);
            let path = input.path;
            let elapsed = start.elapsed();
            each(aether::bulk::FileResult {
                path,
                outcome,
                elapsed,
            })?;
        }
        None => {
            aether::bulk::check_all(&paths, settings, opts, &progress, each)?;
        }
    }
    bar.finish_and_clear();
    match format {
        Format::Json => formats::json(&mut out, &kept)?,
        Format::Sarif => formats::sarif(&mut out, &kept, &formats::Tool::AETHER)?,
        Format::Junit => formats::junit(&mut out, &kept, start.elapsed())?,
        _ => {}
    }
    out.flush()?;
    if !quiet {
        if files == 0 {
            // As ruff does: nothing to check is not a failure (exit 0), but it is rarely
            // what was meant, so it is said.
            let shard = opts.shard.map_or_else(String::new, |s| {
                format!(" in shard {}/{}", s.index, s.count)
            });
            eprintln!("warning: no .aether files found under the given paths{shard}");
        } else {
            let fixes = match fixable {
                0 => String::new(),
                n => format!(" ({n} fixable with `aether check --fix`)"),
            };
            eprintln!(
                "checked {}: {failed} failed, {}, {}{fixes} in {:.2}s",
                plural(files, "file"),
                plural(errors, "error"),
                plural(warnings, "warning"),
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(if exit_zero && worst != Code::InternalError {
        ExitCode::SUCCESS
    } else {
        exit_for(worst)
    })
}

/// The bar of `aether check`: files checked of the total, whole files per second, and the time
/// left. (indicatif's own `{per_sec}` prints four decimals.)
fn progress_bar() -> indicatif::ProgressBar {
    let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let per_sec = state.per_sec();
        let per_sec = if per_sec.is_finite() { per_sec } else { 0.0 };
        let _ = write!(w, "{per_sec:.0} files/s");
    };
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{bar:30}] {pos}/{len} files, {rate}, ETA {eta}",
    )
    .map(|s| s.with_key("rate", rate).progress_chars("=> "))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(style);
    bar
}
