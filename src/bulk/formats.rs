//! Machine output formats of `aether check`: JSON (one array), NDJSON, SARIF 2.1.0, JUnit XML
//! and GitHub Actions workflow commands.
//!
//! Every format is a pure function over results already computed: a slice of
//! `(path as shown, Outcome)` sorted by path, written to any `Write`. Nothing here reads files,
//! the clock or the environment, so the same results always give the same bytes (JUnit's
//! `time` is a parameter). Human and concise output, and the JSON shape of one diagnostic,
//! live in `render.rs`; the JSON shape of one file is here (`file_json`).
//!
//! Locations, the same in every format:
//! - Lines are 1-based and count from the file's first byte (`LineIndex`). Columns are 1-based;
//!   JSON, NDJSON, JUnit and GitHub count them in characters, like the human and concise
//!   output, while SARIF counts UTF-16 code units, the SARIF default (`columnKind`
//!   `utf16CodeUnits`, also stated explicitly), which is what GitHub code scanning and editors
//!   expect. End columns point just past the last character (exclusive).
//! - A file that cannot be read (I001) and a crash (INTERNAL_ERROR) have no place in the text
//!   to point at ([`has_location`]): SARIF omits the `region`, GitHub the `line`/`col`
//!   properties, and JUnit still lists them (at 1:1, as the concise format does). Invalid
//!   UTF-8 (I002) points at the first bad byte. JSON and NDJSON keep their existing shape
//!   (`line`/`column` 1:1 for those).
//!
//! Per format, how a file that could not be checked looks:
//! - SARIF: a result like any other (rule I001, I002 or X001, level `error`), without a
//!   region when [`has_location`] says so; `invocations[0].executionSuccessful` is false when
//!   any file hit an internal error.
//! - JUnit: IO_ERROR and INTERNAL_ERROR files get `<error>` (the check could not be done),
//!   every other failing code `<failure>` (the check was done and the file has problems).
//! - GitHub: an `::error` line with `file` and `title` but no position.

use crate::lint::check::Outcome;
use crate::lint::render::{self, JsonDiagnostic};
use crate::syntax::diagnostic::{Code, Diagnostic, Rule, Severity};
use crate::syntax::span::{LineIndex, Span};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

/// The JSON object of one checked file: one element of `--format json`, one line of
/// `--format ndjson`. Keys in this order; the shape is a contract.
#[derive(Serialize)]
pub struct FileJson<'a> {
    pub path: &'a str,
    pub ok: bool,
    pub code: i32,
    pub code_name: &'static str,
    pub diagnostics: Vec<JsonDiagnostic>,
}

pub fn file_json<'a>(path: &'a str, outcome: &Outcome) -> FileJson<'a> {
    FileJson {
        path,
        ok: outcome.code == Code::Success,
        code: outcome.code.number(),
        code_name: outcome.code.name(),
        diagnostics: outcome
            .diagnostics
            .iter()
            .map(|d| render::json_diagnostic(d, &outcome.text, &outcome.lines))
            .collect(),
    }
}

/// `--format json`: one pretty-printed array of [`FileJson`], then a newline.
pub fn json(out: &mut dyn Write, results: &[(String, Outcome)]) -> io::Result<()> {
    let files: Vec<FileJson> = results.iter().map(|(p, o)| file_json(p, o)).collect();
    serde_json::to_writer_pretty(&mut *out, &files)?;
    writeln!(out)
}

/// `--format ndjson`: one compact [`FileJson`] per line, clean files included.
pub fn ndjson(out: &mut dyn Write, results: &[(String, Outcome)]) -> io::Result<()> {
    for (path, outcome) in results {
        serde_json::to_writer(&mut *out, &file_json(path, outcome))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Whether a diagnostic points at a place in the file's text: not when the file could not be
/// read at all (I001; invalid UTF-8, I002, does point at its byte) nor for a crash.
pub fn has_location(d: &Diagnostic) -> bool {
    d.has_location()
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A position in three units: line, character column, UTF-16 column (all 1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
    column_utf16: usize,
}

/// Start and end of a span, clamped to the text and widened to character boundaries.
fn positions(src: &str, lines: &LineIndex, span: Span) -> (Pos, Pos) {
    let len = src.len();
    let mut start = (span.start as usize).min(len);
    let mut end = (span.end as usize).min(len).max(start);
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    while !src.is_char_boundary(end) {
        end += 1;
    }
    (position(src, lines, start), position(src, lines, end))
}

/// `offset` must be a character boundary of `src`.
fn position(src: &str, lines: &LineIndex, offset: usize) -> Pos {
    let (line, column) = lines.line_col(src, offset);
    // The `column - 1` characters before `offset` are the line's prefix.
    let prefix_utf16: usize = src[..offset]
        .chars()
        .rev()
        .take(column - 1)
        .map(char::len_utf16)
        .sum();
    Pos {
        line,
        column,
        column_utf16: prefix_utf16 + 1,
    }
}

/// The tool as SARIF names it.
#[derive(Clone, Copy, Debug)]
pub struct Tool<'a> {
    pub version: &'a str,
    /// `tool.driver.informationUri`, an absolute URI; omitted when `None`.
    pub information_uri: Option<&'a str>,
}

const fn non_empty(s: &str) -> Option<&str> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

impl Tool<'static> {
    /// This build: the crate's version, and its `homepage` (else `repository`) from
    /// Cargo.toml when one is set.
    pub const AETHER: Tool<'static> = Tool {
        version: env!("CARGO_PKG_VERSION"),
        information_uri: match non_empty(env!("CARGO_PKG_HOMEPAGE")) {
            Some(uri) => Some(uri),
            None => non_empty(env!("CARGO_PKG_REPOSITORY")),
        },
    };
}

/// A path as a SARIF `artifactLocation.uri`: forward slashes, percent-encoded (RFC 3986),
/// relative paths kept relative (a relative reference); absolute paths become `file:` URIs.
pub fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1..3] == *b":/";
    let (prefix, rest) = if drive {
        ("file:///", path.as_str())
    } else if path.starts_with('/') {
        ("file://", path.as_str())
    } else {
        ("", path.as_str())
    };
    let mut uri = String::from(prefix);
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            // The drive's colon; elsewhere a colon in the first segment would read as a scheme.
            || (b == b':' && drive && i == 1);
        if keep {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn sarif_region(src: &str, lines: &LineIndex, span: Span) -> Value {
    let (s, e) = positions(src, lines, span);
    json!({
        "startLine": s.line,
        "startColumn": s.column_utf16,
        "endLine": e.line,
        "endColumn": e.column_utf16,
    })
}

fn sarif_location(uri: &str, region: Option<Value>) -> Map<String, Value> {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), json!({ "uri": uri }));
    if let Some(region) = region {
        physical.insert("region".into(), region);
    }
    let mut location = Map::new();
    location.insert("physicalLocation".into(), Value::Object(physical));
    location
}

fn sarif_rule(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.doc },
        "defaultConfiguration": { "level": severity_name(r.severity) },
        "help": { "text": format!("{}\n\n`aether explain {}` shows this text.", r.doc, r.id) },
        "properties": { "code": r.code.number(), "code_name": r.code.name() },
    })
}

fn sarif_result(uri: &str, o: &Outcome, d: &Diagnostic, rule_index: usize) -> Value {
    let located = has_location(d);
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.rule.id));
    result.insert("ruleIndex".into(), json!(rule_index));
    result.insert("level".into(), json!(severity_name(d.severity)));
    result.insert("message".into(), json!({ "text": d.message }));
    let region = located.then(|| sarif_region(&o.text, &o.lines, d.span));
    let mut primary = sarif_location(uri, region);
    if !d.label.is_empty() && d.label != d.message {
        primary.insert("message".into(), json!({ "text": d.label }));
    }
    result.insert("locations".into(), json!([primary]));
    if located && !d.secondary.is_empty() {
        let related: Vec<Value> = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut loc = Map::new();
                loc.insert("id".into(), json!(i));
                loc.extend(sarif_location(
                    uri,
                    Some(sarif_region(&o.text, &o.lines, l.span)),
                ));
                loc.insert("message".into(), json!({ "text": l.message }));
                Value::Object(loc)
            })
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    let mut properties = Map::new();
    if !d.notes.is_empty() {
        properties.insert("notes".into(), json!(d.notes));
    }
    if let Some(help) = &d.help {
        properties.insert("help".into(), json!(help));
    }
    if !properties.is_empty() {
        result.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(result)
}

/// `--format sarif`: one SARIF 2.1.0 log with one run. `tool.driver.rules` lists the rules
/// that occur, sorted by id; each result refers to its rule by `ruleId` and `ruleIndex`.
/// Per result: `message.text` is the diagnostic's message, the primary location's message
/// its label (when it has its own), `relatedLocations` its secondary labels, and
/// `properties.notes` / `properties.help` its notes and help. Clean files produce no result.
pub fn sarif(out: &mut dyn Write, results: &[(String, Outcome)], tool: &Tool) -> io::Result<()> {
    let mut used: BTreeMap<&str, &Rule> = BTreeMap::new();
    for (_, o) in results {
        for d in &o.diagnostics {
            used.insert(d.rule.id, d.rule);
        }
    }
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut sarif_results = Vec::new();
    for (path, o) in results {
        let uri = sarif_uri(path);
        for d in &o.diagnostics {
            sarif_results.push(sarif_result(&uri, o, d, index[d.rule.id]));
        }
    }
    let mut driver = Map::new();
    driver.insert("name".into(), json!("aether"));
    if let Some(uri) = tool.information_uri {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("version".into(), json!(tool.version));
    driver.insert("semanticVersion".into(), json!(tool.version));
    driver.insert(
        "rules".into(),
        Value::Array(used.values().map(|r| sarif_rule(r)).collect()),
    );
    let crashed = results.iter().any(|(_, o)| o.code == Code::InternalError);
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "invocations": [{ "executionSuccessful": !crashed }],
            "columnKind": "utf16CodeUnits",
            "results": sarif_results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// XML 1.0 escaping for attribute values (`attribute`) or text content. Characters XML 1.0
/// forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) become U+FFFD. Line breaks
/// and tabs in attributes, and CR in text, are written as character references so that a
/// parser's normalisation gives back the original.
pub fn xml_escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Whether a failing file is a JUnit `<error>` (it could not be checked) rather than a
/// `<failure>` (it was checked and has problems).
pub fn junit_is_error(code: Code) -> bool {
    matches!(code, Code::IoError | Code::InternalError)
}

/// `--format junit`: JUnit XML for CI test reports. One `<testsuites>` holding one
/// `<testsuite>`, both named `aether check`, with one `<testcase classname="aether.check"
/// name=PATH file=PATH>` per file. A failing file gets one `<failure>` (or `<error>`, see
/// [`junit_is_error`]) whose `message` is the first error's message and `type` the code name,
/// and whose text lists every diagnostic of the file in the concise format
/// (`path:line:col: severity[ID]: message`). A passing file with warnings lists them in
/// `<system-out>`. `elapsed` is the whole run's time (`time`, seconds); test cases carry no
/// time, and there is no `timestamp`, so the output is reproducible.
pub fn junit(
    out: &mut dyn Write,
    results: &[(String, Outcome)],
    elapsed: Duration,
) -> io::Result<()> {
    let tests = results.len();
    let errors = results
        .iter()
        .filter(|(_, o)| junit_is_error(o.code))
        .count();
    let failures = results
        .iter()
        .filter(|(_, o)| o.code != Code::Success && !junit_is_error(o.code))
        .count();
    let time = format!("{:.3}", elapsed.as_secs_f64());
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="aether check" tests="{tests}" failures="{failures}" errors="{errors}" time="{time}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="aether check" tests="{tests}" failures="{failures}" errors="{errors}" skipped="0" time="{time}">"#
    )?;
    for (path, o) in results {
        let name = xml_escape(path, true);
        write!(
            out,
            r#"    <testcase classname="aether.check" name="{name}" file="{name}""#
        )?;
        if o.diagnostics.is_empty() && o.code == Code::Success {
            writeln!(out, "/>")?;
            continue;
        }
        writeln!(out, ">")?;
        let mut listing = Vec::new();
        render::concise(&mut listing, path, &o.text, &o.lines, &o.diagnostics)?;
        let listing = xml_escape(&String::from_utf8_lossy(&listing), false);
        if o.code == Code::Success {
            writeln!(out, "      <system-out>{listing}</system-out>")?;
        } else {
            let tag = if junit_is_error(o.code) {
                "error"
            } else {
                "failure"
            };
            let message = o
                .first_error()
                .or_else(|| o.diagnostics.iter().find(|d| d.is_error()))
                .map_or(o.code.name(), |d| d.message.as_str());
            writeln!(
                out,
                r#"      <{tag} message="{}" type="{}">{listing}</{tag}>"#,
                xml_escape(message, true),
                o.code.name()
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Escaping for the message of a GitHub workflow command.
pub fn github_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value of a GitHub workflow command.
pub fn github_escape_property(s: &str) -> String {
    github_escape_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// `--format github`: GitHub Actions workflow commands, one line per diagnostic:
/// `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=ID name::MESSAGE`
/// (`::warning` for warnings). Columns count characters; `endColumn` is exclusive.
/// Diagnostics without a location ([`has_location`]) carry only `file` and `title`. Clean
/// files print nothing.
pub fn github(out: &mut dyn Write, results: &[(String, Outcome)]) -> io::Result<()> {
    for (path, o) in results {
        for d in &o.diagnostics {
            let mut props = format!("file={}", github_escape_property(path));
            if has_location(d) {
                let (s, e) = positions(&o.text, &o.lines, d.span);
                props.push_str(&format!(
                    ",line={},col={},endLine={},endColumn={}",
                    s.line, s.column, e.line, e.column
                ));
            }
            let title = format!("{} {}", d.rule.id, d.rule.name);
            writeln!(
                out,
                "::{} {props},title={}::{}",
                severity_name(d.severity),
                github_escape_property(&title),
                github_escape_data(&d.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let src = "a\r\n\u{e9}\u{1d11e}x";
        let lines = LineIndex::new(src);
        let x = src.find('x').unwrap();
        assert_eq!(
            position(src, &lines, x),
            Pos {
                line: 2,
                column: 3,
                column_utf16: 4
            }
        );
        // Inside a multi-byte character: widened to its boundaries.
        let (s, e) = positions(src, &lines, Span::new(x - 3, x - 2));
        assert_eq!((s.column, e.column), (2, 3));
        assert_eq!((s.column_utf16, e.column_utf16), (2, 4));
        // Past the end: clamped.
        let (s, e) = positions(src, &lines, Span::new(100, 200));
        assert_eq!((s.line, s.column, e.column), (2, 4, 4));
    }

    #[test]
    fn uris() {
        assert_eq!(sarif_uri("corpus/a b/x.aether"), "corpus/a%20b/x.aether");
        assert_eq!(sarif_uri(r"dir\100%.aether"), "dir/100%25.aether");
        assert_eq!(
            sarif_uri("/abs/caf\u{e9}.aether"),
            "file:///abs/caf%C3%A9.aether"
        );
        assert_eq!(sarif_uri(r"C:\x\y.aether"), "file:///C:/x/y.aether");
        assert_eq!(sarif_uri("a:b.aether"), "a%3Ab.aether");
        assert_eq!(sarif_uri("x/a:b.aether"), "x/a%3Ab.aether");
    }
}
