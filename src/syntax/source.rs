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

/// The largest source file read (256 MiB). Real workflows are kilobytes; past this a path
/// is almost certainly not a script, and reading it would only exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 256 << 20;

pub fn load(path: &Path) -> Loaded {
    match read(path) {
        Ok(bytes) => decode(bytes),
        Err(reason) => Loaded::Failed {
            diagnostic: Diagnostic::new(
                &rules::IO_ERROR,
                Span::empty(0),
                format!("cannot read '{}': {reason}", path.display()),
            ),
            text: String::new(),
        },
    }
}

/// Read a regular file of at most [`MAX_SOURCE_BYTES`]. A FIFO would block forever and
/// `/dev/zero` never ends, so anything but a regular file is refused before it is opened
/// for reading; the size is checked on the open file, so a file growing meanwhile is still
/// capped.
fn read(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    if !meta.is_file() {
        return Err(format!("not a regular file ({})", file_kind(&meta)));
    }
    let too_big = || {
        format!(
            "larger than {} MiB, the most a source file may hold",
            MAX_SOURCE_BYTES >> 20
        )
    };
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_big());
    }
    let mut file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    // One read of the size the metadata gave, plus one byte: when it returns that size, the
    // file is read (a short read of a regular file is its end). Only a file that changed
    // size meanwhile takes more reads (`read_to_end` stopped after its first read only when
    // given room to spare, and otherwise made a second, empty read to see the end).
    let size = meta.len() as usize;
    let mut bytes = vec![0; size + 1];
    let n = loop {
        match file.read(&mut bytes) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_reason(&e)),
        }
    };
    bytes.truncate(n);
    if n != size {
        file.take(MAX_SOURCE_BYTES + 1 - n as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| io_reason(&e))?;
    }
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "a special file"
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
