//! Stage `fix`: applying the fixes that diagnostics carry, safely, to a fixed point. It backs
//! `aether migrate` and `aether check --fix`.
//!
//! Takes in: a file's text and the check settings. Gives out: the new text, the fixes applied
//! (rule, line, title) and the edits of the original text that produce it, or the reason the
//! file was refused. Depends on: `syntax` (edits, tokens) and `lint` (the diagnostics and
//! their fixes, and the re-check after each pass).
//!
//! The loop follows ruff (CRAFT.md, "Fixes as edits"): check, take the non-overlapping fixes
//! left to right, apply them, check the result again, repeat until nothing is left to fix (at
//! most `MAX_PASSES`). Every pass must leave the file parsing and without any error it did not
//! have; otherwise the whole file is refused and left untouched. Signed files are refused
//! unless the caller agrees to drop the signature, since any edit would invalidate it.

mod compose;
pub mod hygiene;

pub use compose::ComposedEdit;

use crate::lint::check::{diagnose, Settings};
use crate::syntax::diagnostic::{rules, Diagnostic, Rule, Severity};
use crate::syntax::edit::{apply_edits, Applicability, Edit};
use crate::syntax::span::{LineIndex, Span};
use compose::Composed;
use std::collections::BTreeMap;
use std::path::Path;

/// Conflicting fixes wait for a later pass; a file that still has fixes after this many
/// passes is refused as a bug ("failed to converge"), never written half-done.
pub const MAX_PASSES: usize = 10;

/// The first line of a signed file (REFERENCE.md, signing).
pub const SIGNATURE_PREFIX: &str = "# @signature:";

/// Which rules' fixes to apply.
#[derive(Clone, Debug, Default)]
pub struct RuleFilter {
    /// Only these (by id prefix or name); `None` means every rule with a fix.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

impl RuleFilter {
    /// A selector names a rule by id (`L002`), id prefix (`L`) or name (`unquoted-goal`).
    fn matches(selector: &str, rule: &Rule) -> bool {
        let s = selector.trim();
        !s.is_empty()
            && (rule.id.len() >= s.len() && rule.id[..s.len()].eq_ignore_ascii_case(s)
                || rule.name.eq_ignore_ascii_case(s))
    }

    pub fn allows(&self, rule: &Rule) -> bool {
        let selected = match &self.select {
            Some(sel) => sel.iter().any(|s| Self::matches(s, rule)),
            None => true,
        };
        selected && !self.ignore.iter().any(|s| Self::matches(s, rule))
    }

    /// The selectors that name no rule with a fix (usage errors).
    pub fn unknown(&self) -> Vec<String> {
        self.select
            .iter()
            .flatten()
            .chain(&self.ignore)
            .filter(|s| !fixable_rules().any(|r| Self::matches(s, r)))
            .cloned()
            .collect()
    }
}

/// The rules whose diagnostics can carry a fix.
pub fn fixable_rules() -> impl Iterator<Item = &'static Rule> {
    rules::ALL.iter().copied().filter(|r| r.fix.is_some())
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub rules: RuleFilter,
    /// Apply unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Run M001 whitespace hygiene (`aether migrate` does; `check --fix` does not, since
    /// `check` does not report it).
    pub hygiene: bool,
    /// Remove a signature line instead of refusing a signed file that would change.
    pub strip_signature: bool,
}

/// One fix that was applied.
#[derive(Clone, Debug)]
pub struct Applied {
    pub rule: &'static Rule,
    pub title: String,
    pub applicability: Applicability,
    /// Where it applied, in the original text.
    pub span: Span,
    /// 1-based line in the original text.
    pub line: usize,
}

/// Why a file was left untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// The file does not parse, so its legacy forms cannot be known.
    DoesNotParse,
    /// It is signed and would change (`--strip-signature` not given).
    Signed,
    /// A pass would have added a parse or validation error.
    WouldAddError,
    /// It cannot be edited as text (not UTF-8).
    Unreadable,
    /// A bug in aether: no convergence, edits that do not compose, a panic.
    Internal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub reason: String,
}

impl Refusal {
    pub fn new(kind: RefusalKind, reason: impl Into<String>) -> Self {
        Refusal {
            kind,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// The result of migrating one text.
#[derive(Debug, Default)]
pub struct Migration {
    /// The new text (the original when unchanged or refused).
    pub text: String,
    pub applied: Vec<Applied>,
    /// The edits of the original text that give `text`, sorted, non-overlapping.
    pub edits: Vec<ComposedEdit>,
    /// Why the file was left untouched although fixes were found.
    pub refused: Option<Refusal>,
    /// Fixes found but not applied because they are unsafe.
    pub unsafe_available: usize,
    pub stripped_signature: bool,
}

impl Migration {
    pub fn changed(&self) -> bool {
        self.refused.is_none() && !self.edits.is_empty()
    }
}

/// Migrate `text` (the file at `path`, for configuration and module lookup).
pub fn migrate(text: &str, path: Option<&Path>, settings: &Settings, opts: &Options) -> Migration {
    let signed = text.starts_with(SIGNATURE_PREFIX);
    let offset = if signed {
        text.find('\n').map_or(text.len(), |i| i + 1)
    } else {
        0
    };
    let mut m = migrate_body(&text[offset..], path, settings, opts);
    if m.refused.is_some() || m.edits.is_empty() {
        m.text = text.to_string();
        shift(&mut m, offset);
        return m;
    }
    if signed {
        if !opts.strip_signature {
            let rules: Vec<&str> = m.applied.iter().map(|a| a.rule.id).collect();
            return Migration {
                text: text.to_string(),
                refused: Some(Refusal::new(
                    RefusalKind::Signed,
                    format!(
                        "the file is signed (line 1 `{SIGNATURE_PREFIX}`) and the fixes ({}) \
                         would invalidate its signature; pass --strip-signature to remove it, \
                         then sign the file again",
                        dedup(rules).join(", ")
                    ),
                )),
                unsafe_available: m.unsafe_available,
                ..Migration::default()
            };
        }
        shift(&mut m, offset);
        m.edits.insert(
            0,
            ComposedEdit {
                edit: Edit::delete(Span::new(0, offset)),
                rules: vec!["signature"],
            },
        );
        m.stripped_signature = true;
    }
    let lines = LineIndex::new(text);
    for a in &mut m.applied {
        a.line = lines.line(a.span.start as usize);
    }
    m.applied.sort_by_key(|a| (a.span.start, a.rule.id));
    m
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Move spans found in the body after a signature line to positions of the whole file.
fn shift(m: &mut Migration, offset: usize) {
    let off = offset as u32;
    for a in &mut m.applied {
        a.span = Span {
            start: a.span.start + off,
            end: a.span.end + off,
        };
    }
    for e in &mut m.edits {
        e.edit.span = Span {
            start: e.edit.span.start + off,
            end: e.edit.span.end + off,
        };
    }
}

/// The diagnostics of `text` for fixing: the check's own (configuration and suppressions
/// applied), plus M001 when asked; and whether the text parsed.
fn diagnostics(
    text: &str,
    path: Option<&Path>,
    settings: &Settings,
    opts: &Options,
) -> (Vec<Diagnostic>, bool) {
    let parsed = crate::syntax::parse(text);
    let parses = !parsed.has_errors();
    let mut diags = diagnose(&parsed, path, settings);
    let ignored = |rule: &Rule| {
        settings
            .project(path)
            .ok()
            .flatten()
            .is_some_and(|p| p.config.ignored_rules(path).contains(rule))
    };
    if opts.hygiene && parses && !ignored(&rules::WHITESPACE_HYGIENE) {
        diags.extend(hygiene::check(text, &parsed.tokens));
    }
    (diags, parses)
}

/// The fix of `d` when its rule is selected.
fn selected<'d>(d: &'d Diagnostic, opts: &Options) -> Option<&'d crate::syntax::edit::Fix> {
    d.fix.as_ref().filter(|_| opts.rules.allows(d.rule))
}

/// Errors by rule: a pass may not add any.
fn error_counts(diags: &[Diagnostic]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        *m.entry(d.rule.id).or_insert(0) += 1;
    }
    m
}

/// The first error of `after` that `before` does not account for.
fn added_error<'d>(before: &[Diagnostic], after: &'d [Diagnostic]) -> Option<&'d Diagnostic> {
    let old = error_counts(before);
    let new = error_counts(after);
    let rule = new
        .iter()
        .find(|(id, n)| **n > old.get(*id).copied().unwrap_or(0))
        .map(|(id, _)| *id)?;
    after
        .iter()
        .find(|d| d.severity == Severity::Error && d.rule.id == rule)
}

fn migrate_body(text: &str, path: Option<&Path>, settings: &Settings, opts: &Options) -> Migration {
    let refuse = |kind: RefusalKind, reason: String| Migration {
        text: text.to_string(),
        refused: Some(Refusal::new(kind, reason)),
        ..Migration::default()
    };
    let (first, parses) = diagnostics(text, path, settings, opts);
    if !parses {
        let lines = LineIndex::new(text);
        let e = first.iter().find(|d| d.is_error());
        let at = e.map_or(String::new(), |d| {
            format!(
                " (line {}: {})",
                lines.line(d.span.start as usize),
                d.message
            )
        });
        // Its legacy forms cannot be known; say so rather than call it clean.
        return refuse(
            RefusalKind::DoesNotParse,
            format!("the file does not parse{at}; fix its syntax first"),
        );
    }
    // A selected rule's fix applies when it is safe or unsafe fixes are allowed; the other
    // unsafe ones are counted, so the summary can say they exist.
    let wanted = |d: &Diagnostic| {
        selected(d, opts)
            .is_some_and(|f| f.applicability == Applicability::Safe || opts.unsafe_fixes)
    };
    let unsafe_held = |diags: &[Diagnostic]| {
        diags
            .iter()
            .filter(|d| selected(d, opts).is_some() && !wanted(d))
            .count()
    };

    let mut cur = text.to_string();
    let mut diags = first.clone();
    let mut composed = Composed::default();
    let mut applied: Vec<Applied> = Vec::new();
    for pass_no in 1..=MAX_PASSES + 1 {
        let fixable: Vec<&Diagnostic> = diags.iter().filter(|d| wanted(d)).collect();
        if fixable.is_empty() {
            break;
        }
        if pass_no > MAX_PASSES {
            let ids = dedup(fixable.iter().map(|d| d.rule.id).collect());
            return refuse(
                RefusalKind::Internal,
                format!(
                    "the fixes did not converge after {MAX_PASSES} passes (rules {}); this is \
                     a bug in aether, please report it with this file",
                    ids.join(", ")
                ),
            );
        }
        let pass = compose::select(fixable);
        let plain: Vec<Edit> = pass.edits.iter().map(|(e, _)| e.clone()).collect();
        let next = apply_edits(&cur, &plain);
        if next == cur {
            break;
        }
        let (after, parses) = diagnostics(&next, path, settings, opts);
        let ids = dedup(pass.taken.iter().map(|d| d.rule.id).collect());
        let why = if parses {
            added_error(&first, &after)
        } else {
            after.iter().find(|d| d.is_error())
        };
        if let Some(why) = why {
            let lines = LineIndex::new(&next);
            return refuse(
                RefusalKind::WouldAddError,
                format!(
                    "the fixes ({}) would add an error: {} {} at line {}; the file is left as \
                     it was",
                    ids.join(", "),
                    why.rule.id,
                    why.message,
                    lines.line(why.span.start as usize)
                ),
            );
        }
        let to_original = composed.mapping();
        for d in &pass.taken {
            let Some(fix) = &d.fix else { continue };
            let at = to_original.position(fix.span().start);
            applied.push(Applied {
                rule: d.rule,
                title: fix.title.clone(),
                applicability: fix.applicability,
                span: Span {
                    start: at,
                    end: to_original.position(fix.span().end).max(at),
                },
                line: 0,
            });
        }
        composed.add_pass(&pass.edits, &next);
        // The composition is what reports show; never let it disagree with the text.
        if apply_edits(text, &composed.edits()) != next {
            return refuse(
                RefusalKind::Internal,
                "internal error: the edits of several passes do not compose; this is a bug in \
                 aether, please report it with this file"
                    .into(),
            );
        }
        cur = next;
        diags = after;
    }
    let lines = LineIndex::new(text);
    for a in &mut applied {
        a.line = lines.line(a.span.start as usize);
    }
    Migration {
        unsafe_available: unsafe_held(&diags),
        text: cur,
        applied,
        edits: composed.edits,
        refused: None,
        stripped_signature: false,
    }
}
