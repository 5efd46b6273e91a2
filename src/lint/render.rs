//! Renderers for diagnostics: ariadne reports for people, and the JSON shape for machines.

use crate::syntax::diagnostic::{Diagnostic, Severity};
use crate::syntax::edit::Applicability;
use crate::syntax::span::LineIndex;
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};
use serde::Serialize;
use std::io::{self, Write};

/// How many diagnostics of one file `human` renders; the rest are counted in one line (a
/// report costs about 0.1 ms, and a file of 500,000 stray `)` would take a minute to show).
/// The machine formats are complete.
pub const HUMAN_LIMIT: usize = 200;

/// Render with ariadne; byte-indexed spans, colour only when asked for. At most
/// `HUMAN_LIMIT` diagnostics, then a line saying how many more there are.
pub fn human(
    out: &mut dyn Write,
    path: &str,
    src: &str,
    diags: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let len = src.len();
    let clamp = |r: std::ops::Range<usize>| {
        let mut s = r.start.min(len);
        let mut e = r.end.min(len).max(s);
        while s > 0 && !src.is_char_boundary(s) {
            s -= 1;
        }
        while e < len && !src.is_char_boundary(e) {
            e += 1;
        }
        s..e
    };
    if diags.is_empty() {
        return Ok(());
    }
    // Built once per file: ariadne indexes the lines of the source it is given.
    let source = Source::from(src);
    let mut frame = Vec::new();
    for d in diags.iter().take(HUMAN_LIMIT) {
        // A file that could not be read, or a crash, has no text to point into: one line, as
        // rustc prints "couldn't read".
        if !d.has_location() {
            let sev = match d.severity {
                Severity::Error => "Error",
                Severity::Warning => "Warning",
            };
            writeln!(out, "[{} {}] {sev}: {}", d.rule.id, d.rule.name, d.message)?;
            continue;
        }
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let primary = if d.severity == Severity::Error {
            Color::Red
        } else {
            Color::Yellow
        };
        let span = clamp(d.span.range());
        let mut labels = vec![(
            span.clone(),
            if d.label.is_empty() {
                &d.message
            } else {
                &d.label
            },
            primary,
        )];
        for l in &d.secondary {
            labels.push((clamp(l.span.range()), &l.message, Color::Blue));
        }
        // ariadne starts a new frame (repeating the header) whenever a label lies above the
        // one before it: given in text order, all labels share one frame read top to bottom.
        labels.sort_by_key(|(r, _, _)| (r.start, r.end));
        let labels = labels.into_iter().map(|(range, message, color)| {
            Label::new((path, range))
                .with_message(message)
                .with_color(color)
        });
        let mut report = Report::build(kind, (path, span))
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(format!("{} {}", d.rule.id, d.rule.name))
            .with_message(&d.message)
            .with_labels(labels);
        for n in &d.notes {
            report = report.with_note(n);
        }
        if let Some(h) = &d.help {
            report = report.with_help(h);
        }
        if let Some(f) = &d.fix {
            let how = match f.applicability {
                Applicability::Safe => "`aether check --fix`",
                Applicability::Unsafe => {
                    "`aether check --fix --unsafe-fixes`, may change behaviour"
                }
            };
            report = report.with_note(format!("fixable: {} ({how})", f.title));
        }
        frame.clear();
        report.finish().write((path, &source), &mut frame)?;
        write_trimmed(out, &frame)?;
    }
    if let Some(more) = diags.len().checked_sub(HUMAN_LIMIT).filter(|&n| n > 0) {
        let s = if more == 1 { "" } else { "s" };
        writeln!(
            out,
            "{path}: {more} more diagnostic{s} not shown (the first {HUMAN_LIMIT} are); \
             `--format concise` or `--format json` lists all {}",
            diags.len()
        )?;
    }
    Ok(())
}

/// Copy a rendered frame without the spaces ariadne leaves at the ends of lines (also those
/// just before a closing colour code), so the output diffs and pastes cleanly.
fn write_trimmed(out: &mut dyn Write, frame: &[u8]) -> io::Result<()> {
    for line in frame.split_inclusive(|&b| b == b'\n') {
        let (body, newline) = match line.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (line, &b""[..]),
        };
        // Peel trailing colour codes (`ESC [ ... m`) and spaces, keep the codes.
        let mut end = body.len();
        let mut codes = Vec::new();
        loop {
            if end > 0 && body[end - 1] == b' ' {
                end -= 1;
            } else if end > 0 && body[end - 1] == b'm' {
                match body[..end].iter().rposition(|&b| b == 0x1b) {
                    Some(esc)
                        if body[esc + 1..end - 1].first().is_some_and(|&b| b == b'[')
                            && body[esc + 2..end - 1]
                                .iter()
                                .all(|b| b.is_ascii_digit() || *b == b';') =>
                    {
                        codes.push(&body[esc..end]);
                        end = esc;
                    }
                    _ => break,
                }
            } else {
                break;
            }
        }
        out.write_all(&body[..end])?;
        for code in codes.iter().rev() {
            out.write_all(code)?;
        }
        out.write_all(newline)?;
    }
    Ok(())
}

/// One line per diagnostic: `path:line:col: severity[ID]: message`.
pub fn concise(
    out: &mut dyn Write,
    path: &str,
    src: &str,
    lines: &LineIndex,
    diags: &[Diagnostic],
) -> io::Result<()> {
    for d in diags {
        let (line, col) = lines.line_col(src, d.span.start as usize);
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            out,
            "{path}:{line}:{col}: {sev}[{}]: {}",
            d.rule.id, d.message
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

/// The machine shape of one diagnostic (`--format json`).
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub id: &'static str,
    pub name: &'static str,
    pub code: i32,
    pub code_name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub start: u32,
    pub end: u32,
    pub labels: Vec<JsonLabel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

pub fn json_diagnostic(d: &Diagnostic, src: &str, lines: &LineIndex) -> JsonDiagnostic {
    let (line, column) = lines.line_col(src, d.span.start as usize);
    let (end_line, end_column) = lines.line_col(src, d.span.end as usize);
    JsonDiagnostic {
        id: d.rule.id,
        name: d.rule.name,
        code: d.rule.code.number(),
        code_name: d.rule.code.name(),
        severity: d.severity,
        message: d.message.clone(),
        line,
        column,
        end_line,
        end_column,
        start: d.span.start,
        end: d.span.end,
        labels: d
            .secondary
            .iter()
            .map(|l| {
                let (line, column) = lines.line_col(src, l.span.start as usize);
                let (end_line, end_column) = lines.line_col(src, l.span.end as usize);
                JsonLabel {
                    line,
                    column,
                    end_line,
                    end_column,
                    message: l.message.clone(),
                }
            })
            .collect(),
        notes: d.notes.clone(),
        help: d.help.clone(),
    }
}
