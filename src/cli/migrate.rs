//! `aether migrate`: rewrite legacy syntax by span, in three modes (show, diff, write), and
//! `aether check --fix`, which applies the same fixes before checking.

use super::args::{use_color_on, ColorChoice, MigrateFormat};
use aether::bulk::artifact::write_atomic;
use aether::bulk::discover::discover;
use aether::bulk::plural;
use aether::fix::{self, Migration, Options, Refusal, RefusalKind};
use aether::lint::check::Settings;
use aether::syntax::source::{self, Loaded};
use aether::syntax::span::LineIndex;
use serde_json::json;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    DryRun,
    Diff,
    Apply,
}

pub struct Request {
    pub paths: Vec<PathBuf>,
    pub mode: Mode,
    pub report: Option<PathBuf>,
    pub format: MigrateFormat,
    pub jobs: usize,
    pub color: ColorChoice,
    pub options: Options,
}

/// One file's result.
struct FileResult {
    path: PathBuf,
    original: String,
    outcome: Result<Migration, String>,
}

impl FileResult {
    fn shown(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    fn migration(&self) -> Option<&Migration> {
        self.outcome.as_ref().ok()
    }

    fn changed(&self) -> bool {
        self.migration().is_some_and(Migration::changed)
    }

    fn refused(&self) -> Option<&Refusal> {
        self.migration().and_then(|m| m.refused.as_ref())
    }
}

/// Migrate every file under `paths` in parallel; results in path order. `Err` holds why a
/// path could not be read at all.
fn migrate_all(
    paths: &[PathBuf],
    settings: &Settings,
    options: &Options,
    jobs: usize,
) -> io::Result<Vec<FileResult>> {
    use rayon::prelude::*;
    let found = discover(paths);
    let mut files = found.files;
    files.sort();
    settings
        .load_configs(files.iter().map(PathBuf::as_path))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(aether::syntax::STACK_SIZE)
        .build()
        .map_err(io::Error::other)?;
    let mut results: Vec<FileResult> = pool.install(|| {
        files
            .par_iter()
            .map(|path| migrate_file(path, settings, options))
            .collect()
    });
    results.extend(found.problems.into_iter().map(|(path, why)| FileResult {
        path,
        original: String::new(),
        outcome: Err(why),
    }));
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(results)
}

fn migrate_file(path: &Path, settings: &Settings, options: &Options) -> FileResult {
    let text = match source::load(path) {
        Loaded::Text(t) => t,
        Loaded::Failed { diagnostic, text } => {
            // A file that is not UTF-8 was read, but cannot be edited as text.
            let outcome = if text.is_empty() {
                Err(diagnostic.message)
            } else {
                Ok(Migration {
                    refused: Some(Refusal::new(RefusalKind::Unreadable, diagnostic.message)),
                    ..Migration::default()
                })
            };
            return FileResult {
                path: path.to_path_buf(),
                original: String::new(),
                outcome,
            };
        }
    };
    let outcome = std::panic::catch_unwind(|| fix::migrate(&text, Some(path), settings, options))
        .unwrap_or_else(|payload| {
            let d = aether::syntax::diagnostic::internal_error(payload);
            Migration {
                text: text.clone(),
                refused: Some(Refusal::new(
                    RefusalKind::Internal,
                    format!("{} (a bug in aether; the file is untouched)", d.message),
                )),
                ..Migration::default()
            }
        });
    FileResult {
        path: path.to_path_buf(),
        original: text,
        outcome: Ok(outcome),
    }
}

/// Write a migrated file in place: a temporary file beside it, renamed over it (through a
/// symlink to the file it names, so the link survives).
fn write_back(path: &Path, text: &str) -> io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    write_atomic(&target, text.as_bytes())
}

pub fn cmd_migrate(req: Request, settings: &Settings) -> io::Result<ExitCode> {
    let unknown = req.options.rules.unknown();
    if !unknown.is_empty() {
        let ids: Vec<&str> = fix::fixable_rules().map(|r| r.id).collect();
        eprintln!(
            "error: {} names no rule with a fix (the rules with fixes: {})",
            unknown.join(", "),
            ids.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let paths = if req.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        req.paths.clone()
    };
    let results = match migrate_all(&paths, settings, &req.options, req.jobs) {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e),
    };

    let mut write_failed = false;
    if req.mode == Mode::Apply {
        for r in &results {
            if let (true, Some(m)) = (r.changed(), r.migration()) {
                if let Err(e) = write_back(&r.path, &m.text) {
                    eprintln!("error: {e}");
                    write_failed = true;
                }
            }
        }
    }

    // Diffs go to stdout, so its terminal decides.
    let color =
        use_color_on(req.color, io::stdout().is_terminal()) && req.format == MigrateFormat::Text;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match req.format {
        MigrateFormat::Json => write_json(&mut out, &results, req.mode)?,
        MigrateFormat::Text => write_text(&mut out, &results, req.mode, color)?,
    }
    out.flush()?;
    if let Some(report) = &req.report {
        let md = markdown_report(&results, req.mode);
        if let Err(e) = write_atomic(report, md.as_bytes()) {
            eprintln!("error: {e}");
            write_failed = true;
        }
    }

    let s = Summary::of(&results);
    if req.format == MigrateFormat::Text {
        eprintln!("{}", s.line(req.mode));
    }
    let code = if s.unreadable > 0 || write_failed {
        2
    } else if match req.mode {
        Mode::DryRun => false,
        Mode::Diff => s.changed > 0 || s.refused > 0,
        Mode::Apply => s.refused > 0,
    } {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}

#[derive(Default)]
struct Summary {
    files: usize,
    changed: usize,
    fixes: usize,
    refused: usize,
    unreadable: usize,
    unsafe_available: usize,
}

impl Summary {
    fn of(results: &[FileResult]) -> Self {
        let mut s = Summary::default();
        for r in results {
            s.files += 1;
            match &r.outcome {
                Err(_) => s.unreadable += 1,
                Ok(m) if m.refused.is_some() => s.refused += 1,
                Ok(m) => {
                    if m.changed() {
                        s.changed += 1;
                        s.fixes += m.applied.len();
                    }
                }
            }
            if let Ok(m) = &r.outcome {
                s.unsafe_available += m.unsafe_available;
            }
        }
        s
    }

    fn line(&self, mode: Mode) -> String {
        let verb = match mode {
            Mode::Apply => "fixed",
            _ => "would fix",
        };
        let mut line = if self.changed == 0 {
            format!("{}: nothing to migrate", plural(self.files, "file"))
        } else {
            format!(
                "{}: {verb} {} in {}",
                plural(self.files, "file"),
                plural(self.fixes, "issue"),
                plural(self.changed, "file")
            )
        };
        if self.refused > 0 {
            line += &format!(", {} refused", self.refused);
        }
        if self.unreadable > 0 {
            line += &format!(", {} unreadable", self.unreadable);
        }
        if self.unsafe_available > 0 {
            line += &format!(
                "; {} not applied (--unsafe-fixes applies {})",
                plural(self.unsafe_available, "unsafe fix"),
                if self.unsafe_available == 1 {
                    "it"
                } else {
                    "them"
                }
            );
        }
        if mode == Mode::DryRun && self.changed > 0 {
            line += "; run with --apply to write the changes";
        }
        line
    }
}

fn unified_diff(r: &FileResult, m: &Migration) -> String {
    let shown = r.shown();
    similar::TextDiff::from_lines(r.original.as_str(), m.text.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&shown, &shown)
        .to_string()
}

fn paint(diff: &str, color: bool) -> String {
    if !color {
        return diff.to_string();
    }
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "1"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let (body, nl) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{nl}"));
        }
    }
    out
}

fn write_text(
    out: &mut impl Write,
    results: &[FileResult],
    mode: Mode,
    color: bool,
) -> io::Result<()> {
    for r in results {
        let shown = r.shown();
        let m = match &r.outcome {
            Err(why) => {
                eprintln!("error: cannot read {shown}: {why}");
                continue;
            }
            Ok(m) => m,
        };
        if let Some(why) = &m.refused {
            eprintln!("refused {shown}: {why}");
            continue;
        }
        if !m.changed() {
            continue;
        }
        match mode {
            Mode::Diff => write!(out, "{}", paint(&unified_diff(r, m), color))?,
            Mode::Apply => {
                let mut ids: Vec<&str> = m.applied.iter().map(|a| a.rule.id).collect();
                ids.sort_unstable();
                ids.dedup();
                writeln!(
                    out,
                    "fixed {shown} ({}: {})",
                    plural(m.applied.len(), "issue"),
                    ids.join(", ")
                )?;
            }
            Mode::DryRun => {
                writeln!(
                    out,
                    "would fix {shown} ({})",
                    plural(m.applied.len(), "issue")
                )?;
                if m.stripped_signature {
                    writeln!(
                        out,
                        "  line 1  removed the signature line (--strip-signature)"
                    )?;
                }
                for a in &m.applied {
                    let unsafe_mark = match a.applicability {
                        aether::syntax::edit::Applicability::Unsafe => " (unsafe)",
                        aether::syntax::edit::Applicability::Safe => "",
                    };
                    writeln!(
                        out,
                        "  line {:<4} {} {}{unsafe_mark}",
                        a.line, a.rule.id, a.title
                    )?;
                }
                write!(out, "{}", paint(&unified_diff(r, m), color))?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

fn write_json(out: &mut impl Write, results: &[FileResult], mode: Mode) -> io::Result<()> {
    let mut files = Vec::new();
    for r in results {
        let path = r.shown();
        let entry = match &r.outcome {
            Err(why) => json!({"path": path, "status": "unreadable", "reason": why}),
            Ok(m) if m.refused.is_some() => {
                json!({"path": path, "status": "refused", "reason": m.refused.as_ref().map(|r| &r.reason)})
            }
            Ok(m) if !m.changed() => continue,
            Ok(m) => {
                let lines = LineIndex::new(&r.original);
                let at = |offset: u32| lines.line_col(&r.original, offset as usize);
                let fixes: Vec<_> = m
                    .applied
                    .iter()
                    .map(|a| {
                        let (line, column) = at(a.span.start);
                        json!({
                            "rule": a.rule.id,
                            "name": a.rule.name,
                            "title": a.title,
                            "applicability": a.applicability,
                            "line": line,
                            "column": column,
                        })
                    })
                    .collect();
                let edits: Vec<_> = m
                    .edits
                    .iter()
                    .map(|e| {
                        let (line, column) = at(e.edit.span.start);
                        let (end_line, end_column) = at(e.edit.span.end);
                        json!({
                            "start": e.edit.span.start,
                            "end": e.edit.span.end,
                            "line": line,
                            "column": column,
                            "end_line": end_line,
                            "end_column": end_column,
                            "replacement": e.edit.replacement,
                            "rules": e.rules,
                        })
                    })
                    .collect();
                json!({
                    "path": path,
                    "status": if mode == Mode::Apply { "fixed" } else { "would_fix" },
                    "fixes": fixes,
                    "edits": edits,
                    "stripped_signature": m.stripped_signature,
                    "unsafe_available": m.unsafe_available,
                })
            }
        };
        files.push(entry);
    }
    let s = Summary::of(results);
    let doc = json!({
        "mode": match mode { Mode::DryRun => "dry-run", Mode::Diff => "diff", Mode::Apply => "apply" },
        "files": files,
        "summary": {
            "files": s.files,
            "changed": s.changed,
            "fixes": s.fixes,
            "refused": s.refused,
            "unreadable": s.unreadable,
            "unsafe_available": s.unsafe_available,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// The Markdown report of the original tool's shape (REFERENCE.md): a section per changed
/// file with a bullet per fix and the diff folded away, then the refused files.
fn markdown_report(results: &[FileResult], mode: Mode) -> String {
    let s = Summary::of(results);
    let mut md = String::from("# .aether Migration Report\n\n");
    md += &format!(
        "Mode: {}. {}: {} changed ({}), {} refused, {} unreadable.\n",
        match mode {
            Mode::Apply => "applied",
            Mode::Diff => "diff",
            Mode::DryRun => "dry run (nothing written)",
        },
        plural(s.files, "file"),
        s.changed,
        plural(s.fixes, "fix"),
        s.refused,
        s.unreadable
    );
    for r in results {
        let Some(m) = r.migration().filter(|m| m.changed()) else {
            continue;
        };
        md += &format!("\n## {}\n\n", r.shown());
        if m.stripped_signature {
            md += "- line 1: signature line removed (`--strip-signature`)\n";
        }
        for a in &m.applied {
            md += &format!(
                "- line {}: {} {} ({})\n",
                a.line, a.rule.id, a.title, a.rule.name
            );
        }
        md += "\n<details><summary>Diff</summary>\n\n```diff\n";
        md += &unified_diff(r, m);
        if !md.ends_with('\n') {
            md.push('\n');
        }
        md += "```\n\n</details>\n";
    }
    let refused: Vec<&FileResult> = results
        .iter()
        .filter(|r| r.refused().is_some() || r.outcome.is_err())
        .collect();
    if !refused.is_empty() {
        md += "\n## Refused and unreadable files\n\n";
        for r in refused {
            let why = match &r.outcome {
                Err(why) => why.as_str(),
                Ok(m) => m.refused.as_ref().map_or("", |r| r.reason.as_str()),
            };
            md += &format!("- `{}`: {why}\n", r.shown());
        }
    }
    md
}

/// `aether check --fix`: apply the fixes of the diagnostics `check` reports (no M001), write
/// the files that changed, and say so on stderr; the check that follows sees the new text.
pub fn fix_before_check(
    paths: &[PathBuf],
    unsafe_fixes: bool,
    jobs: usize,
    settings: &Settings,
) -> io::Result<()> {
    let options = Options {
        unsafe_fixes,
        hygiene: false,
        ..Options::default()
    };
    let results = migrate_all(paths, settings, &options, jobs)?;
    let (mut fixed, mut files) = (0, 0);
    for r in &results {
        if let Some(why) = r.refused() {
            // A file that does not parse has nothing to fix; check reports it next.
            if why.kind != RefusalKind::DoesNotParse {
                eprintln!("warning: not fixing {}: {why}", r.shown());
            }
            continue;
        }
        if let (true, Some(m)) = (r.changed(), r.migration()) {
            match write_back(&r.path, &m.text) {
                Ok(()) => {
                    fixed += m.applied.len();
                    files += 1;
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
    if fixed > 0 {
        eprintln!(
            "fixed {} in {}",
            plural(fixed, "issue"),
            plural(files, "file")
        );
    }
    Ok(())
}
