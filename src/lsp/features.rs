//! The answers of the server: capabilities, diagnostics in the protocol's shape, code
//! actions, hover, completion, go to definition and the outline.

use crate::fix;
use crate::lint::check::Settings;
use crate::lsp::document::{path_to_uri_string, Document, Encoding};
use crate::lsp::host::HostNames;
use crate::lsp::index::{rank, DefKind, Symbol};
use crate::lsp::Analysis;
use crate::registry::{builtins, vocabulary};
use crate::syntax::diagnostic::{Diagnostic, Severity};
use crate::syntax::edit::Applicability;
use crate::syntax::span::Span;
use lsp_types as lsp;
use lsp_types::{
    CodeActionKind, CodeActionOrCommand, CompletionItem, CompletionItemKind, Position,
    PositionEncodingKind, Uri,
};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// The kind of the "fix all" action: `source.fixAll` for this server, so an editor can run it
/// on save (`"editor.codeActionsOnSave": { "source.fixAll.aether": "explicit" }`).
pub const FIX_ALL: CodeActionKind = CodeActionKind::new("source.fixAll.aether");

/// UTF-8 when the client offers it (no conversion of columns), else UTF-16, the protocol's
/// default.
pub fn negotiate_encoding(init: &lsp::InitializeParams) -> Encoding {
    let offered = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

/// Where diagnostic codes link to: `initializationOptions.docsUrl` when the client gives
/// one, else `docs/diagnostics.md` of the source tree the binary was built from, when it is
/// still there (`cargo install --path .` keeps the checkout). `None`: codes without links.
pub fn docs_url(options: Option<&serde_json::Value>) -> Option<String> {
    if let Some(url) = options
        .and_then(|o| o.get("docsUrl"))
        .and_then(|u| u.as_str())
    {
        return Some(url.to_string());
    }
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    local.is_file().then(|| path_to_uri_string(&local))
}

pub fn capabilities(encoding: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        // `(` and `,` open an argument: keyword arguments are offered there.
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: crate::lsp::semantic::legend(),
                    range: Some(true),
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    ..Default::default()
                },
            ),
        ),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, FIX_ALL]),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// One diagnostic of the check, as the protocol has it: the rule id as `code` (linked to its
/// documentation), secondary labels as related information, the help and notes after the
/// message, and tags for dead code and legacy forms.
pub fn to_lsp(
    d: &Diagnostic,
    doc: &Document,
    enc: Encoding,
    docs_url: Option<&str>,
) -> lsp::Diagnostic {
    let range = if d.has_location() {
        doc.range(d.span, enc)
    } else {
        lsp::Range::default()
    };
    let mut message = d.message.clone();
    if !d.label.is_empty() && d.label != d.message {
        message.push_str(&format!("\n{}", d.label));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location {
                uri: doc.uri.clone(),
                range: doc.range(l.span, enc),
            },
            message: l.message.clone(),
        })
        .collect();
    let tags = match d.rule.id {
        "W002" | "W007" => vec![lsp::DiagnosticTag::UNNECESSARY],
        id if id.starts_with('L') => vec![lsp::DiagnosticTag::DEPRECATED],
        _ => vec![],
    };
    let code_description = docs_url.and_then(|base| {
        let anchor = format!("{}-{}", d.rule.id.to_ascii_lowercase(), d.rule.name);
        let href = Uri::from_str(&format!("{base}#{anchor}")).ok()?;
        Some(lsp::CodeDescription { href })
    });
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.rule.id.to_string())),
        code_description,
        source: Some("aether".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (!tags.is_empty()).then_some(tags),
        data: None,
    }
}

pub struct ActionContext<'a> {
    pub settings: &'a Settings,
    /// Where a new `aether.toml` goes when the file has none.
    pub workspace_root: Option<&'a std::path::Path>,
    pub encoding: Encoding,
    pub docs_url: Option<&'a str>,
}

fn text_edits(
    doc: &Document,
    edits: &[crate::syntax::edit::Edit],
    enc: Encoding,
) -> Vec<lsp::TextEdit> {
    edits
        .iter()
        .map(|e| lsp::TextEdit {
            range: doc.range(e.span, enc),
            new_text: e.replacement.clone(),
        })
        .collect()
}

fn workspace_edit(doc: &Document, edits: Vec<lsp::TextEdit>) -> lsp::WorkspaceEdit {
    lsp::WorkspaceEdit {
        changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
        ..Default::default()
    }
}

/// A quick fix for each diagnostic in the range that has a fix (safe ones preferred, unsafe
/// ones marked), and "fix all": what `aether check --fix` would write, as one set of edits.
pub fn code_actions(
    doc: &Document,
    analysis: &Analysis,
    p: &lsp::CodeActionParams,
    cx: &ActionContext<'_>,
) -> Vec<CodeActionOrCommand> {
    let wants = |kind: &CodeActionKind| {
        p.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|k| {
                kind.as_str() == k.as_str()
                    || kind.as_str().starts_with(&format!("{}.", k.as_str()))
            })
        })
    };
    let mut actions = Vec::new();
    let start = doc.offset(p.range.start, cx.encoding) as u32;
    let end = doc.offset(p.range.end, cx.encoding) as u32;
    if wants(&CodeActionKind::QUICKFIX) {
        for d in &analysis.diagnostics {
            let Some(f) = &d.fix else { continue };
            if d.span.start > end || d.span.end < start {
                continue;
            }
            let safe = f.applicability == Applicability::Safe;
            let title = if safe {
                format!("{} ({})", f.title, d.rule.id)
            } else {
                format!("{} ({}, unsafe)", f.title, d.rule.id)
            };
            actions.push(CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(d, doc, cx.encoding, cx.docs_url)]),
                edit: Some(workspace_edit(doc, text_edits(doc, &f.edits, cx.encoding))),
                is_preferred: Some(safe),
                ..Default::default()
            }));
        }
        let unknown: Vec<&Diagnostic> = (analysis.diagnostics.iter())
            .filter(|d| d.span.start <= end && d.span.end >= start)
            .collect();
        actions.extend(crate::lsp::host::declare_actions(
            doc,
            &unknown,
            cx.settings,
            cx.workspace_root,
            cx.encoding,
            |d| to_lsp(d, doc, cx.encoding, cx.docs_url),
        ));
    }
    let any_safe = analysis.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe)
    });
    if any_safe && wants(&FIX_ALL) {
        let options = fix::Options {
            hygiene: false,
            unsafe_fixes: false,
            ..fix::Options::default()
        };
        let m = fix::migrate(&doc.text, doc.path.as_deref(), cx.settings, &options);
        let title = "Fix all auto-fixable problems (aether check --fix)".to_string();
        if let Some(why) = &m.refused {
            actions.push(CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(FIX_ALL),
                disabled: Some(lsp::CodeActionDisabled {
                    reason: why.reason.clone(),
                }),
                ..Default::default()
            }));
        } else if m.changed() {
            let edits: Vec<_> = m.edits.iter().map(|c| c.edit.clone()).collect();
            actions.push(CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(FIX_ALL),
                edit: Some(workspace_edit(doc, text_edits(doc, &edits, cx.encoding))),
                ..Default::default()
            }));
        }
    }
    actions
}

/// The word (identifier) under or just before the cursor.
pub(crate) fn word_at(text: &str, offset: usize) -> Option<Span> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = start;
    while let Some(c) = text[end..].chars().next().filter(|&c| is_word(c)) {
        end += c.len_utf8();
    }
    while let Some(c) = text[..start].chars().next_back().filter(|&c| is_word(c)) {
        start -= c.len_utf8();
    }
    let starts_with_digit = text[start..].starts_with(|c: char| c.is_ascii_digit());
    (start < end && !starts_with_digit).then(|| Span::new(start, end))
}

fn markdown(value: String) -> lsp::HoverContents {
    lsp::HoverContents::Markup(lsp::MarkupContent {
        kind: lsp::MarkupKind::Markdown,
        value,
    })
}

/// The file's own definition of the name under the cursor (function with its parameters,
/// parameter, variable, import, plugin, block), else the builtin, the host function its
/// `aether.toml` declares, or the command verb of that name, as `aether explain NAME` shows
/// it.
pub fn hover(
    doc: &Document,
    analysis: &Analysis,
    pos: Position,
    enc: Encoding,
    host: &HostNames,
) -> Option<lsp::Hover> {
    let offset = doc.offset(pos, enc);
    let word = word_at(&doc.text, offset)?;
    let name = &doc.text[word.range()];
    let line = |d: &crate::lsp::index::Def| doc.lines.line(d.span.start as usize) + 1;
    let value = if let Some(def) = analysis.index.resolve(name, offset) {
        match &def.kind {
            DefKind::Function { signature, .. } => format!(
                "```aether\n{signature}\n```\nfunction defined on line {}",
                line(def)
            ),
            DefKind::Parameter { of: Some(f) } => {
                format!("```aether\n{name}\n```\nparameter of `{f}`")
            }
            DefKind::Parameter { of: None } => {
                format!("```aether\n{name}\n```\nparameter of a lambda")
            }
            DefKind::Variable => format!(
                "```aether\n{name}\n```\nvariable, first assigned on line {}",
                line(def)
            ),
            DefKind::Import { module, .. } => {
                format!(
                    "```aether\n{name}\n```\nimport of `{module}` (line {})",
                    line(def)
                )
            }
            DefKind::Plugin => format!(
                "```aether\nplugin {name}\n```\ndeclared on line {}",
                line(def)
            ),
            DefKind::Block => format!(
                "```aether\n{name}\n```\nblock declared on line {}",
                line(def)
            ),
            DefKind::Event => format!(
                "```aether\n{name}\n```\nevent, handled on line {}",
                line(def)
            ),
        }
    } else if let Some(b) = builtins::lookup(name) {
        format!(
            "```aether\n{}\n```\n(builtin function)\n\n{}",
            b.signature(),
            b.doc
        )
    } else if let Some(text) = host.hover(name) {
        text
    } else if let Some(v) = vocabulary::lookup(name) {
        format!("```aether\n{}\n```\n(command verb)\n\n{}", v.name, v.doc)
    } else {
        return None;
    };
    Some(lsp::Hover {
        contents: markdown(value),
        range: Some(doc.range(word, enc)),
    })
}

/// Inside a call's parentheses, the keyword arguments not yet given (`name=`) first; then
/// the names visible at the cursor (innermost first), the builtins, the host functions and
/// the command verbs they do not shadow. The client filters by what has been typed.
pub fn completion(
    doc: &Document,
    analysis: &Analysis,
    pos: Position,
    enc: Encoding,
    host: &HostNames,
) -> lsp::CompletionResponse {
    let offset = doc.offset(pos, enc);
    let mut items = keyword_arguments(doc, analysis, offset, host);
    let mut defs: Vec<_> = analysis.index.visible(offset).collect();
    defs.sort_by_key(|d| rank(d));
    let mut seen = HashSet::new();
    for d in defs {
        if !seen.insert(d.name.clone()) {
            continue;
        }
        let (kind, detail) = match &d.kind {
            DefKind::Function { signature, .. } => {
                (CompletionItemKind::FUNCTION, signature.clone())
            }
            DefKind::Parameter { of } => (
                CompletionItemKind::VARIABLE,
                match of {
                    Some(f) => format!("parameter of {f}"),
                    None => "parameter".into(),
                },
            ),
            DefKind::Variable => (CompletionItemKind::VARIABLE, "variable".into()),
            DefKind::Import { module, .. } => {
                (CompletionItemKind::MODULE, format!("import {module}"))
            }
            DefKind::Plugin => (CompletionItemKind::MODULE, "plugin".into()),
            DefKind::Block => (CompletionItemKind::EVENT, "block".into()),
            DefKind::Event => (CompletionItemKind::EVENT, "event".into()),
        };
        items.push(CompletionItem {
            label: d.name.clone(),
            kind: Some(kind),
            detail: Some(detail),
            ..Default::default()
        });
    }
    for b in builtins::BUILTINS {
        if seen.insert(b.name.to_string()) {
            items.push(CompletionItem {
                label: b.name.to_string(),
                kind: Some(CompletionItemKind::FUNCTION),
                detail: Some(b.signature()),
                documentation: Some(lsp::Documentation::String(b.doc.to_string())),
                ..Default::default()
            });
        }
    }
    for item in host.completions() {
        if seen.insert(item.label.clone()) {
            items.push(item);
        }
    }
    for v in vocabulary::VERBS {
        if seen.insert(v.name.to_string()) {
            items.push(CompletionItem {
                label: v.name.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                detail: Some("command verb".into()),
                documentation: Some(lsp::Documentation::String(v.doc.to_string())),
                ..Default::default()
            });
        }
    }
    lsp::CompletionResponse::Array(items)
}

struct OpenCall {
    callee: String,
    /// Where the callee's name is, to resolve it by the scopes there.
    at: usize,
    /// Arguments before the cursor given by position: they fill the first parameters.
    positional: usize,
    given: Vec<String>,
}

/// The call whose argument list holds `offset`, read from the real lexer's tokens up to the
/// cursor (the text being typed rarely parses): the callee's name and where it is, and the
/// keyword arguments already given and how many positional ones come before the cursor.
/// Only when the cursor starts an argument (`f(`, `f(a, `, or a word typed there).
fn open_call(text: &str, offset: usize) -> Option<OpenCall> {
    use crate::syntax::token::Token;
    let tokens = crate::syntax::lexer::lex(text.get(..offset)?);
    let mut tokens: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Newline | Token::Comment))
        .collect();
    // A word being typed right at the cursor is the prefix the client filters by.
    if let Some(last) = tokens.last() {
        if matches!(last.token, Token::Ident(_)) && last.span.end as usize == offset {
            tokens.pop();
        }
    }
    if !matches!(
        tokens.last().map(|t| t.token),
        Some(Token::LParen | Token::Comma)
    ) {
        return None;
    }
    let mut depth = 0usize;
    let mut given = Vec::new();
    let mut commas = 0usize;
    for i in (0..tokens.len()).rev() {
        match tokens[i].token {
            Token::RParen | Token::RBracket | Token::RBrace => depth += 1,
            Token::LBracket | Token::LBrace | Token::LMap if depth == 0 => return None,
            Token::LBracket | Token::LBrace | Token::LMap => depth -= 1,
            Token::LParen if depth > 0 => depth -= 1,
            Token::Comma if depth == 0 => commas += 1,
            Token::LParen => {
                let callee = tokens.get(i.checked_sub(1)?)?;
                let Token::Ident(name) = callee.token else {
                    return None;
                };
                return Some(OpenCall {
                    callee: name.to_string(),
                    at: callee.span.start as usize,
                    positional: commas.saturating_sub(given.len()),
                    given,
                });
            }
            Token::Eq if depth == 0 => {
                if let Some(Token::Ident(k)) = i.checked_sub(1).map(|j| tokens[j].token) {
                    given.push(k.to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// `name=` for each parameter of the called function (the file's, a builtin or a host
/// function) that the call does not give yet.
fn keyword_arguments(
    doc: &Document,
    analysis: &Analysis,
    offset: usize,
    host: &HostNames,
) -> Vec<CompletionItem> {
    let Some(OpenCall {
        callee,
        at,
        positional,
        given,
    }) = open_call(&doc.text, offset)
    else {
        return Vec::new();
    };
    let params: Vec<String> = match analysis.index.resolve(&callee, at).map(|d| &d.kind) {
        Some(DefKind::Function { params, .. }) => params.clone(),
        Some(_) => Vec::new(),
        None => match builtins::lookup(&callee) {
            Some(b) => b.params.iter().map(|p| p.to_string()).collect(),
            None => host.params(&callee),
        },
    };
    params
        .into_iter()
        .skip(positional)
        .filter(|p| !given.contains(p))
        .enumerate()
        .map(|(i, p)| CompletionItem {
            label: format!("{p}="),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(format!("keyword argument of {callee}")),
            // Before every name, in the order of the parameters.
            sort_text: Some(format!("0{i:03}")),
            insert_text: Some(format!("{p}=")),
            ..Default::default()
        })
        .collect()
}

pub fn symbols(doc: &Document, analysis: &Analysis, enc: Encoding) -> lsp::DocumentSymbolResponse {
    fn convert(doc: &Document, s: &Symbol, enc: Encoding) -> lsp::DocumentSymbol {
        let kind = crate::lsp::workspace::protocol_kind(s.kind);
        #[allow(deprecated)]
        lsp::DocumentSymbol {
            name: if s.name.is_empty() {
                "?".into()
            } else {
                s.name.clone()
            },
            detail: s.detail.clone(),
            kind,
            tags: None,
            deprecated: None,
            range: doc.range(s.span, enc),
            selection_range: doc.range(s.selection, enc),
            children: (!s.children.is_empty())
                .then(|| s.children.iter().map(|c| convert(doc, c, enc)).collect()),
        }
    }
    lsp::DocumentSymbolResponse::Nested(
        analysis
            .index
            .symbols
            .iter()
            .map(|s| convert(doc, s, enc))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_calls_from_the_tokens_before_the_cursor() {
        let call = |t: &str| open_call(t, t.len()).map(|c| (c.callee, c.positional, c.given));
        assert_eq!(call("x = f("), Some(("f".into(), 0, vec![])));
        assert_eq!(
            call("f(g(1), b=2, "),
            Some(("f".into(), 1, vec!["b".to_string()]))
        );
        assert_eq!(call("f(a, re"), Some(("f".into(), 1, vec![])));
        // A word typed as the first argument: the prefix of a keyword argument.
        assert_eq!(call("f(re"), Some(("f".into(), 0, vec![])));
        assert_eq!(call("f(a) "), None);
        assert_eq!(call("[f(1), "), None);
    }

    #[test]
    fn words_under_the_cursor() {
        let text = "x = load_logs(tag=\"a\")";
        let at = |i| word_at(text, i).map(|s| &text[s.range()]);
        assert_eq!(at(4), Some("load_logs"));
        assert_eq!(at(13), Some("load_logs"));
        assert_eq!(at(0), Some("x"));
        assert_eq!(at(3), None);
    }
}
