//! `aether parse` and `aether tokens`: the tree and the token stream, for people and tools.

use super::args::TreeFormat;
use super::status::exit_for;
use aether::lint::render;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn read_text(path: &Path) -> io::Result<String> {
    match aether::syntax::source::load(path) {
        aether::syntax::source::Loaded::Text(t) => Ok(t),
        aether::syntax::source::Loaded::Failed { diagnostic, .. } => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            diagnostic.message,
        )),
    }
}

pub fn cmd_parse(paths: Vec<PathBuf>, format: TreeFormat, stats: bool) -> io::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if stats {
        let files = aether::bulk::discover::discover(&paths).files;
        let s = aether::syntax::stats::collect(&files);
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
    Ok(exit_for(aether::syntax::diagnostic::overall_code(
        &parsed.diagnostics,
    )))
}

pub fn cmd_tokens(path: &Path) -> io::Result<ExitCode> {
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
