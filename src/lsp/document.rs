//! An open document: its text, version and the line table that converts between the byte
//! offsets of spans and the line/character positions of the protocol, in the encoding the
//! client and server agreed on (UTF-16 unless the client offers UTF-8).

use crate::syntax::span::{LineIndex, Span};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use std::path::PathBuf;

/// How the `character` of a position counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    fn units(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        }
    }
}

/// Protocol positions (0-based lines, columns in the client's encoding) over the lines of
/// `syntax::span::LineIndex` (which end at `\n`, `\r\n` or a lone `\r`, as in the protocol).
#[derive(Clone, Debug)]
pub struct Lines {
    index: LineIndex,
}

impl Lines {
    pub fn new(text: &str) -> Self {
        Lines {
            index: LineIndex::new(text),
        }
    }

    /// 0-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.index.line(offset) - 1
    }

    /// The text of 0-based line `line` without its terminator, and where it starts.
    fn line_text<'t>(&self, text: &'t str, line: usize) -> (usize, &'t str) {
        let start = self.index.line_start(line + 1).unwrap_or(text.len());
        let end = self.index.line_start(line + 2).unwrap_or(text.len());
        let body = text[start..end].trim_end_matches(['\n', '\r']);
        (start, body)
    }

    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset);
        let (start, body) = self.line_text(text, line);
        // An offset inside a line terminator counts as the end of the line.
        let upto = &body[..(offset - start).min(body.len())];
        let character = upto.chars().map(|c| enc.units(c)).sum();
        Position {
            line: line as u32,
            character,
        }
    }

    /// The byte offset of a position; a character past the end of its line means the end of
    /// the line, and a line past the end of the text the end of the text (as the protocol
    /// asks).
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.index.line_count() {
            return text.len();
        }
        let (start, body) = self.line_text(text, line);
        let mut units = 0u32;
        for (i, c) in body.char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += enc.units(c);
        }
        start + body.len()
    }

    pub fn range(&self, text: &str, span: Span, enc: Encoding) -> Range {
        Range {
            start: self.position(text, span.start as usize, enc),
            end: self.position(text, span.end as usize, enc),
        }
    }
}

pub struct Document {
    pub uri: Uri,
    /// The file on disk, for `file:` URIs: its `aether.toml` and its modules are found from
    /// there.
    pub path: Option<PathBuf>,
    pub version: i32,
    pub text: String,
    pub lines: Lines,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Self {
        Document {
            path: uri_to_path(&uri),
            lines: Lines::new(&text),
            uri,
            version,
            text,
        }
    }

    /// Apply the changes of one `didChange`, in order: a change without a range replaces the
    /// whole text.
    pub fn apply(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(r) => {
                    let start = self.lines.offset(&self.text, r.start, enc);
                    let end = self.lines.offset(&self.text, r.end, enc).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
            self.lines = Lines::new(&self.text);
        }
        self.version = version;
    }

    pub fn range(&self, span: Span, enc: Encoding) -> Range {
        self.lines.range(&self.text, span, enc)
    }

    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        self.lines.offset(&self.text, pos, enc)
    }
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes (`untitled:`).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        // `/C:/dir/file` on Windows.
        let s = s
            .strip_prefix('/')
            .filter(|s| s.get(1..2) == Some(":"))
            .unwrap_or(&s)
            .to_string();
        Some(PathBuf::from(s))
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A `file://` URI for an absolute path, percent-encoding what a URI path may not hold.
pub fn path_to_uri_string(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        // `é` is 2 bytes, 1 UTF-16 unit; `😀` is 4 bytes, 2 units.
        let text = "a\u{e9}b\n\u{1F600}x\r\ny";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(
            lines.position(text, x, Encoding::Utf16),
            Position {
                line: 1,
                character: 2
            }
        );
        assert_eq!(lines.position(text, x, Encoding::Utf8).character, 4);
        assert_eq!(lines.position(text, x, Encoding::Utf32).character, 1);
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            // Every offset but the `\n` of a `\r\n`, which counts as the end of its line.
            let inside_crlf = |i: usize| text.get(i.saturating_sub(1)..=i) == Some("\r\n");
            for (i, _) in text.char_indices().filter(|&(i, _)| !inside_crlf(i)) {
                let p = lines.position(text, i, enc);
                assert_eq!(lines.offset(text, p, enc), i, "{enc:?} {i}");
            }
        }
        // Past the end of a line: its end; past the last line: the end of the text.
        let end_of_first = text.find('\n').unwrap();
        let far = Position {
            line: 0,
            character: 99,
        };
        assert_eq!(lines.offset(text, far, Encoding::Utf16), end_of_first);
        let below = Position {
            line: 9,
            character: 0,
        };
        assert_eq!(lines.offset(text, below, Encoding::Utf16), text.len());
    }

    #[test]
    fn file_uris_become_paths_and_back() {
        let uri: Uri = "file:///tmp/a%20b/c.aether".parse().unwrap();
        assert_eq!(uri_to_path(&uri), Some(PathBuf::from("/tmp/a b/c.aether")));
        let back = path_to_uri_string(std::path::Path::new("/tmp/a b/c.aether"));
        assert_eq!(back, "file:///tmp/a%20b/c.aether");
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(uri_to_path(&untitled), None);
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let uri: Uri = "file:///x.aether".parse().unwrap();
        let mut doc = Document::new(uri, 1, "ab\ncd\n".into());
        let at = |l, c| Position {
            line: l,
            character: c,
        };
        doc.apply(
            2,
            vec![
                TextDocumentContentChangeEvent {
                    range: Some(Range {
                        start: at(1, 0),
                        end: at(1, 1),
                    }),
                    range_length: None,
                    text: "X".into(),
                },
                TextDocumentContentChangeEvent {
                    range: Some(Range {
                        start: at(0, 2),
                        end: at(0, 2),
                    }),
                    range_length: None,
                    text: "!".into(),
                },
            ],
            Encoding::Utf16,
        );
        assert_eq!(doc.text, "ab!\nXd\n");
        assert_eq!(doc.version, 2);
    }
}
