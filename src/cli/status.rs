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
    ExitCode::from(exit_status(code))
}

/// The process exit status of a file's structured code: 0, 1, or 2 for an internal error.
pub fn exit_status(code: Code) -> u8 {
    match code {
        Code::Success => 0,
        Code::InternalError => 2,
        _ => 1,
    }
}
