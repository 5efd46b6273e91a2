//! `aether completions SHELL` and `aether man`: generated from the command line definition,
//! so they list every subcommand and flag there is.

use super::args::{Cli, Shell};
use clap::CommandFactory;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn cmd_completions(shell: Shell) -> io::Result<ExitCode> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
        Shell::Elvish => clap_complete::Shell::Elvish,
    };
    // Generated into memory: clap_complete panics when a write fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "aether", &mut script);
    write_out(&script)
}

/// The manual page in roff.
pub fn cmd_man() -> io::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    write_out(&page)
}

fn write_out(bytes: &[u8]) -> io::Result<ExitCode> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
