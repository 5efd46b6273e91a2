//! Usage errors clap cannot see, because the top level takes files: a mistyped subcommand
//! (`aether chek`), a directory or several files given to a run, `-` given twice, and
//! `--plugin-path` directories that do not exist. All exit 2, like clap's own errors.

use super::args::{Cli, Cmd};
use super::stdin::is_stdin;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub enum Usage {
    /// An error in clap's own shape (and colours).
    Clap(clap::Error),
    /// One line, after `error: `.
    Message(String),
}

impl Usage {
    pub fn report(self) -> ExitCode {
        match self {
            Usage::Clap(e) => {
                let _ = e.print();
            }
            Usage::Message(m) => eprintln!("error: {m}"),
        }
        ExitCode::from(2)
    }
}

/// Before clap parses `args`: the first positional argument of the top level is either a
/// subcommand or a file. When it is neither an existing path nor a subcommand but close to
/// one, it was a mistyped subcommand, and saying "cannot read 'chek'" would mislead.
pub fn before_parse(args: &[OsString]) -> Result<(), Usage> {
    let mut cmd = Cli::command();
    cmd.build();
    let Some(first) = first_positional(&cmd, args) else {
        return Ok(());
    };
    let Some(word) = first.to_str() else {
        return Ok(());
    };
    if word == "-" || cmd.find_subcommand(word).is_some() || Path::new(word).exists() {
        return Ok(());
    }
    if word == "fmt" || word == "format" {
        return Err(Usage::Message(format!(
            "aether has no formatter ('{word}'); `aether migrate` rewrites legacy spellings, \
             and `aether check` reports problems"
        )));
    }
    let Some(similar) = similar_subcommand(&cmd, word) else {
        return Ok(());
    };
    let mut err = clap::Error::new(ErrorKind::InvalidSubcommand).with_cmd(&cmd);
    err.insert(
        ContextKind::InvalidSubcommand,
        ContextValue::String(word.to_string()),
    );
    err.insert(
        ContextKind::SuggestedSubcommand,
        ContextValue::String(similar.to_string()),
    );
    err.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![format!(
            "to pass '{word}' as a file, use 'aether -- {word}'"
        )
        .into()]),
    );
    err.insert(
        ContextKind::Usage,
        ContextValue::StyledStr(cmd.render_usage()),
    );
    Err(Usage::Clap(err))
}

/// The first argument of the top level that is not an option or an option's value; an
/// argument after `--` is a file whatever it is called.
fn first_positional<'a>(cmd: &clap::Command, args: &'a [OsString]) -> Option<&'a OsString> {
    let takes_value: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            return None;
        }
        if text == "-" || !text.starts_with('-') {
            return Some(arg);
        }
        if takes_value.iter().any(|t| *t == text) {
            rest.next();
        }
    }
    None
}

/// The subcommand `word` is most likely a misspelling of: a word (no dot or slash, so not a
/// file name) close to a subcommand's name by the rule of every "did you mean" of aether
/// (`suggest::closest`).
fn similar_subcommand<'c>(cmd: &'c clap::Command, word: &str) -> Option<&'c str> {
    if !word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    aether::lint::validate::suggest::closest(word, cmd.get_subcommands().map(|s| s.get_name()))
}

/// After clap: what the parsed arguments cannot mean.
pub fn after_parse(cli: &Cli) -> Result<(), Usage> {
    for dir in plugin_paths(cli) {
        if !dir.is_dir() {
            let why = if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(Usage::Message(format!(
                "--plugin-path '{}' {why}",
                dir.display()
            )));
        }
    }
    match &cli.command {
        None => top_level(cli),
        Some(Cmd::Check { paths, fix, .. }) if paths.iter().any(|p| is_stdin(p)) => {
            if paths.len() > 1 {
                Err(Usage::Message(
                    "`-` (stdin) must be the only path of `aether check`".into(),
                ))
            } else if *fix {
                Err(Usage::Message(
                    "`--fix` rewrites files; it cannot fix `-` (stdin)".into(),
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// `aether FILE...`: files to check, or one file to run.
fn top_level(cli: &Cli) -> Result<(), Usage> {
    let files = &cli.files;
    if files.is_empty() {
        return Err(Usage::Message("no file given; see `aether --help`".into()));
    }
    if files.iter().filter(|f| is_stdin(f)).count() > 1 {
        return Err(Usage::Message("`-` (stdin) can be given once".into()));
    }
    if let Some(dir) = files.iter().find(|f| f.is_dir()) {
        let dir = dir.display();
        return Err(Usage::Message(format!(
            "`{dir}` is a directory; use `aether check {dir}`"
        )));
    }
    if files.len() > 1 && !cli.check {
        return Err(Usage::Message(format!(
            "`aether FILE` runs one file, and {} were given; add `--check` to check them all",
            files.len()
        )));
    }
    Ok(())
}

/// The `--plugin-path` directories of the command, if it takes them.
fn plugin_paths(cli: &Cli) -> &[PathBuf] {
    match &cli.command {
        None => &cli.checks.project.plugin_path,
        Some(
            Cmd::Run { checks, .. }
            | Cmd::Check { checks, .. }
            | Cmd::Migrate { checks, .. }
            | Cmd::Baseline { checks, .. }
            | Cmd::Gates { checks, .. },
        ) => &checks.project.plugin_path,
        Some(Cmd::Classify { project, .. }) => &project.plugin_path,
        Some(Cmd::Init { plugin_path, .. }) => plugin_path,
        _ => &[],
    }
}
