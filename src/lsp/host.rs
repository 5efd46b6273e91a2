//! The host's names from `aether.toml` (`[host]`, `project::host`) in hover and completion,
//! and the code action that declares an unknown function there.
//!
//! The declaration edits the file as text (a list entry added, or a `functions` line, or a
//! `[host]` table appended) so the rest of the file keeps its formatting and line endings; the
//! result is accepted only when the CLI's own loader (`Config::parse`) reads it and finds the
//! function.

use crate::lint::check::Settings;
use crate::lsp::document::{path_to_uri_string, Document, Encoding};
use crate::project::config::Config;
use crate::project::host::{Host, HostFunction};
use crate::syntax::diagnostic::Diagnostic;
use lsp_types as lsp;
use lsp_types::{CompletionItem, CompletionItemKind, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What the configuration of one file declares, and where.
pub struct HostNames {
    pub host: Host,
    config_path: Option<PathBuf>,
}

impl HostNames {
    /// The `[host]` of the configuration that applies to `file` (none when it does not load:
    /// the file is checked without it, as the diagnostics say).
    pub fn of(settings: &Settings, file: Option<&Path>) -> HostNames {
        let config_path = settings
            .project(file)
            .ok()
            .flatten()
            .map(|p| p.config.path.clone());
        HostNames {
            host: settings.host_for(file),
            config_path,
        }
    }

    fn shown_config(&self) -> String {
        self.config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "aether.toml".into())
    }

    pub fn hover(&self, name: &str) -> Option<String> {
        if let Some(f) = self.host.function(name) {
            let how = match &f.params {
                None => "\n\nDeclared without a parameter list: any arguments are accepted.",
                Some(_) => "",
            };
            return Some(format!(
                "```aether\n{}\n```\n(host function, declared under `[host] functions` in `{}`){how}",
                signature(f),
                self.shown_config()
            ));
        }
        let what = if self.host.has_verb(name) {
            "host command verb, `[host] verbs`"
        } else if self.host.has_plugin(name) {
            "host plugin, `[host] plugins`"
        } else if self.host.has_name(name) {
            "value the host binds, `[host] names`"
        } else {
            return None;
        };
        Some(format!(
            "```aether\n{name}\n```\n({what} in `{}`)",
            self.shown_config()
        ))
    }

    pub fn completions(&self) -> Vec<CompletionItem> {
        let item = |label: &str, kind, detail: String| CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: Some(detail),
            ..Default::default()
        };
        let mut items: Vec<CompletionItem> = self
            .host
            .functions
            .iter()
            .map(|f| item(&f.name, CompletionItemKind::FUNCTION, signature(f)))
            .collect();
        items.extend(
            (self.host.names.iter())
                .map(|n| item(n, CompletionItemKind::VARIABLE, "host name".into())),
        );
        items.extend(
            (self.host.plugins.iter())
                .map(|n| item(n, CompletionItemKind::MODULE, "host plugin".into())),
        );
        items.extend(
            (self.host.verbs.iter())
                .map(|n| item(n, CompletionItemKind::KEYWORD, "host command verb".into())),
        );
        items
    }

    /// The parameter names of a declared host function (none for a bare name).
    pub fn params(&self, name: &str) -> Vec<String> {
        self.host
            .function(name)
            .and_then(|f| f.params.as_ref())
            .map(|ps| {
                ps.iter()
                    .filter(|p| !p.rest)
                    .map(|p| p.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `notify(channel, message=?)` as `aether.toml` spells it; a bare name as itself.
fn signature(f: &HostFunction) -> String {
    let Some(params) = &f.params else {
        return f.name.clone();
    };
    let ps: Vec<String> = params
        .iter()
        .map(|p| match (p.rest, p.optional) {
            (true, _) => format!("...{}", p.name),
            (false, true) => format!("{}=?", p.name),
            (false, false) => p.name.clone(),
        })
        .collect();
    format!("{}({})", f.name, ps.join(", "))
}

/// `text` with `name` declared under `[host] functions`, or `None` when the text cannot be
/// edited safely (the loader must read the result and find the function).
pub fn declare(text: &str, name: &str, path: &Path) -> Option<String> {
    let (at, insert) = insertion(text, name, path)?;
    Some(format!("{}{insert}{}", &text[..at], &text[at..]))
}

/// Where to insert what, for [`declare`]: one insertion, so the edit touches nothing else.
fn insertion(text: &str, name: &str, path: &Path) -> Option<(usize, String)> {
    #[derive(serde::Deserialize, Default)]
    struct Raw {
        #[serde(default)]
        host: Option<RawHost>,
    }
    #[derive(serde::Deserialize, Default)]
    struct RawHost {
        #[serde(default)]
        functions: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let quoted = toml::Value::String(name.to_string()).to_string();
    let raw: Raw = toml::from_str(text).ok()?;
    let (at, insert) = match raw.host.as_ref().and_then(|h| h.functions.as_ref()) {
        // Add to the list, after its last entry (or inside the empty brackets).
        Some(list) => match list.get_ref().last() {
            Some(last) => (last.span().end, format!(", {quoted}")),
            None => (list.span().start + 1, quoted.clone()),
        },
        None => match host_header_end(text) {
            // A `[host]` table without functions: the key right under its header.
            Some(at) => (at, format!("functions = [{quoted}]{eol}")),
            None => {
                let mut out = String::new();
                if !text.is_empty() && !text.ends_with('\n') {
                    out.push_str(eol);
                }
                if !text.trim().is_empty() {
                    out.push_str(eol);
                }
                out.push_str(&format!("[host]{eol}functions = [{quoted}]{eol}"));
                (text.len(), out)
            }
        },
    };
    let edited = format!("{}{insert}{}", &text[..at], &text[at..]);
    let config = Config::parse(&edited, path).ok()?;
    config.host.function(name).is_some().then_some((at, insert))
}

/// Where the line after a `[host]` header starts.
fn host_header_end(text: &str) -> Option<usize> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("").trim();
        if code == "[host]" {
            return Some(start + line.len());
        }
        start += line.len();
    }
    None
}

/// "Declare `NAME` as host function" for each unknown-function diagnostic (V001) in the
/// range: an edit of the nearest `aether.toml`, or a new one at the workspace root (the
/// file's directory without one).
pub fn declare_actions(
    doc: &Document,
    diagnostics: &[&Diagnostic],
    settings: &Settings,
    workspace_root: Option<&Path>,
    enc: Encoding,
    to_lsp: impl Fn(&Diagnostic) -> lsp::Diagnostic,
) -> Vec<lsp::CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in diagnostics.iter().filter(|d| d.rule.id == "V001") {
        let Some(name) = doc.text.get(d.span.range()) else {
            continue;
        };
        let existing = settings
            .project(doc.path.as_deref())
            .ok()
            .flatten()
            .map(|p| p.config.path.clone());
        let edit = match existing {
            Some(path) => {
                // The file as on disk: the edit's positions are into that text.
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Some((at, insert)) = insertion(&text, name, &path) else {
                    continue;
                };
                let Some(uri) = uri_of(&path) else { continue };
                let file = Document::new(uri.clone(), 0, text);
                let here = file.lines.position(&file.text, at, enc);
                lsp::WorkspaceEdit {
                    changes: Some(
                        [(
                            uri,
                            vec![lsp::TextEdit {
                                range: lsp::Range {
                                    start: here,
                                    end: here,
                                },
                                new_text: insert,
                            }],
                        )]
                        .into(),
                    ),
                    ..Default::default()
                }
            }
            None => {
                let dir = workspace_root
                    .filter(|r| doc.path.as_deref().is_some_and(|p| p.starts_with(r)))
                    .map(Path::to_path_buf)
                    .or_else(|| {
                        doc.path
                            .as_deref()
                            .and_then(Path::parent)
                            .map(Path::to_path_buf)
                    });
                let Some(dir) = dir else { continue };
                let path = dir.join("aether.toml");
                let Some(new) = declare("", name, &path) else {
                    continue;
                };
                let Some(uri) = uri_of(&path) else { continue };
                lsp::WorkspaceEdit {
                    document_changes: Some(lsp::DocumentChanges::Operations(vec![
                        lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(
                            lsp::CreateFile {
                                uri: uri.clone(),
                                options: Some(lsp::CreateFileOptions {
                                    overwrite: Some(false),
                                    ignore_if_exists: Some(true),
                                }),
                                annotation_id: None,
                            },
                        )),
                        lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
                            text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                                uri,
                                version: None,
                            },
                            edits: vec![lsp::OneOf::Left(lsp::TextEdit {
                                range: lsp::Range::default(),
                                new_text: new,
                            })],
                        }),
                    ])),
                    ..Default::default()
                }
            }
        };
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: format!("Declare `{name}` as host function in aether.toml"),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(d)]),
            edit: Some(edit),
            is_preferred: Some(false),
            ..Default::default()
        }));
    }
    out
}

fn uri_of(path: &Path) -> Option<Uri> {
    Uri::from_str(&path_to_uri_string(path)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_keep_the_rest_of_the_file() {
        let path = Path::new("/p/aether.toml");
        let text = "# ours\r\n[lint]\r\nignore = [ \"W004\" ]\r\n\r\n[host]\r\nfunctions = [\r\n  \"a\",\r\n]\r\n";
        let out = declare(text, "frob", path).unwrap();
        assert_eq!(out, text.replace("\"a\",", "\"a\", \"frob\","));
        let out = declare("[host]\nverbs = [\"x\"]\n", "frob", path).unwrap();
        assert_eq!(out, "[host]\nfunctions = [\"frob\"]\nverbs = [\"x\"]\n");
        let out = declare("[host]\nfunctions = []\n", "frob", path).unwrap();
        assert_eq!(out, "[host]\nfunctions = [\"frob\"]\n");
        let out = declare("[lint]\nignore = []", "frob", path).unwrap();
        assert_eq!(
            out,
            "[lint]\nignore = []\n\n[host]\nfunctions = [\"frob\"]\n"
        );
        assert_eq!(
            declare("", "frob", path).unwrap(),
            "[host]\nfunctions = [\"frob\"]\n"
        );
        // A file the loader rejects is not edited.
        assert_eq!(declare("[lint\n", "frob", path), None);
    }
}
