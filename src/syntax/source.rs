//! Reading `.aether` files: I/O failures and invalid UTF-8 become IO_ERROR diagnostics.

use crate::syntax::diagnostic::{rules, Diagnostic};
use crate::syntax::span::{LineIndex, Span};
use std::path::Path;

pub enum Loaded {
    Text(String),
    /// The file could not be read or decoded; the diagnostic says why. For invalid UTF-8 the
    /// lossily decoded text is kept so the error can be shown in context.
    Failed {
        diagnostic: Diagnostic,
        text: String,
    },
}

pub fn load(path: &Path) -> Loaded {
    match std::fs::read(path) {
        Ok(bytes) => decode(bytes),
        Err(e) => Loaded::Failed {
            diagnostic: Diagnostic::new(
                &rules::IO_ERROR,
                Span::empty(0),
                format!("cannot read '{}': {}", path.display(), io_reason(&e)),
            ),
            text: String::new(),
        },
    }
}

pub fn decode(bytes: Vec<u8>) -> Loaded {
    match String::from_utf8(bytes) {
        Ok(s) => Loaded::Text(s),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // The lossy text has the same prefix, so the offset is valid in it too.
            let line = LineIndex::new(&text).line(offset);
            Loaded::Failed {
                diagnostic: Diagnostic::new(
                    &rules::INVALID_UTF8,
                    Span::new(offset, offset + 1),
                    format!("invalid UTF-8 at byte offset {offset} (line {line})"),
                )
                .with_label("this byte does not start a valid UTF-8 sequence"),
                text,
            }
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file".into(),
        PermissionDenied => "permission denied".into(),
        IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}
