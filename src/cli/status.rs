//! What every single-file command prints last: the JSON status line and the exit status.

use aether::syntax::diagnostic::Code;
use serde::Serialize;
use std::process::ExitCode;

/// The JSON status line of REFERENCE.md; key order is part of the contract.
#[derive(Serialize)]
pub struct Status<'a> {
    pub ok: bool,
    pub code: i32,
    pub code_name: &'static str,
    pub file: &'a str,
    pub phase: &'static str,
    pub message: String,
    pub line: Option<usize>,
    pub timestamp: String,
    pub column: Option<usize>,
    pub errors: usize,
    pub warnings: usize,
}

pub fn exit_for(code: Code) -> ExitCode {
    match code {
        Code::Success => ExitCode::SUCCESS,
        Code::InternalError => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}
