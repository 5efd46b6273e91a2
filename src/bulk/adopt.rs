//! Adoption in one command (`aether init`): survey a tree for the names its files use that
//! nothing defines, and write them as the `[host]` declarations of a first `aether.toml`.
//!
//! Every file is checked without configuration; each unresolved callee, command verb and
//! name read becomes one entry with its call count, file count and the arities seen, sorted
//! by file count (the names many files share are the host's API; a name in one file is more
//! often a typo). The user reviews the list, deletes the typos, and commits the file.

use crate::bulk::plural;
use crate::lint::check::Settings;
use crate::lint::validate::{self, Inventory};
use crate::project::host::Host;
use crate::syntax::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

/// One name to declare, and the evidence for it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub uses: usize,
    pub files: BTreeSet<usize>,
    /// Argument counts of the calls (functions only).
    pub arities: BTreeSet<usize>,
    /// The closest known name, and whether this one is a slip of the fingers on it (a
    /// typo: written commented out, so adopting the file does not declare it).
    pub close_to: Option<String>,
    pub typo: bool,
}

#[derive(Debug, Default)]
pub struct Survey {
    pub files: usize,
    /// Files that did not parse: they hold no usable names, and their errors remain.
    pub unparsed: usize,
    pub functions: BTreeMap<String, Seen>,
    pub verbs: BTreeMap<String, Seen>,
    pub names: BTreeMap<String, Seen>,
    /// Plugins and modules the files reach for that no file of the tree defines.
    pub plugins: BTreeMap<String, Seen>,
    /// Error diagnostics of the tree before adoption.
    pub errors: usize,
}

/// Checks every file of `files` without configuration and collects what it leaves
/// unresolved.
pub fn survey(files: &[PathBuf], settings: &Settings) -> Survey {
    let host = Host::default();
    type PerFile = (Option<(Inventory, Vec<String>, Vec<String>)>, usize);
    let per_file: Vec<PerFile> = files
        .par_iter()
        .map(|path| {
            let text = match crate::syntax::source::load(path) {
                crate::syntax::source::Loaded::Text(t) => t,
                crate::syntax::source::Loaded::Failed { .. } => return (None, 1),
            };
            let parsed = crate::syntax::parse(&text);
            let parse_errors = parsed.diagnostics.iter().filter(|d| d.is_error()).count();
            if parse_errors > 0 {
                return (None, parse_errors);
            }
            let cx = validate::Context {
                file: Some(path),
                modules: &settings.modules,
                host: &host,
            };
            let (diagnostics, inventory) = validate::validate_with_inventory(&parsed.file, &cx);
            let errors = diagnostics
                .iter()
                .filter(|d| Diagnostic::is_error(d))
                .count();
            // Module paths found as files are the tree's own; the rest are the host's.
            let refs = super::plugin_refs::collect(&parsed.file, &text);
            let dirs = settings.plugin_paths_for(Some(path));
            let mut wanted = refs.plugins;
            wanted.extend(
                refs.modules
                    .into_iter()
                    .filter(|m| {
                        crate::project::modules::find_module(m, Some(path), &dirs).is_none()
                    })
                    .map(|m| m.strip_suffix(".aether").map_or(m.clone(), str::to_string)),
            );
            (Some((inventory, wanted, refs.defined)), errors)
        })
        .collect();
    let mut survey = Survey {
        files: files.len(),
        ..Survey::default()
    };
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for (i, (inventory, errors)) in per_file.into_iter().enumerate() {
        survey.errors += errors;
        let Some((inv, wanted, plugins_defined)) = inventory else {
            survey.unparsed += 1;
            continue;
        };
        defined.extend(plugins_defined);
        for name in wanted {
            let seen = survey.plugins.entry(name).or_default();
            seen.uses += 1;
            seen.files.insert(i);
        }
        for (map, found) in [
            (&mut survey.functions, inv.functions),
            (&mut survey.verbs, inv.verbs),
            (&mut survey.names, inv.names),
        ] {
            for u in found {
                let seen = map.entry(u.name).or_default();
                seen.uses += 1;
                seen.files.insert(i);
                seen.arities.extend(u.arity);
                seen.typo |= u.typo;
                seen.close_to = seen.close_to.take().or(u.close_to);
            }
        }
    }
    // A plugin some file of the tree defines is not the host's.
    survey.plugins.retain(|name, _| {
        let stem = name.strip_suffix(".aether").unwrap_or(name);
        let last = stem.rsplit('/').next().unwrap_or(stem);
        !defined.contains(stem) && !defined.contains(last)
    });
    survey
}

/// The `aether.toml` that declares everything the survey found.
pub fn render(survey: &Survey) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# aether.toml: written by `aether init` from {}.\n\
         # Review the lists below: each name is used but defined in no file, so either the\n\
         # host runtime provides it (keep it) or it is a typo (delete it, and fix the file).\n\
         # `aether check` reports the typos again once they are deleted here.",
        plural(survey.files, "file")
    );
    let _ = writeln!(out, "\n[host]");
    list(
        &mut out,
        "functions",
        "Called but defined nowhere. Add a signature to check arity and keywords:\n\
         # \"notify(channel, message=?)\".",
        &survey.functions,
        true,
    );
    list(
        &mut out,
        "verbs",
        "Command verbs outside the built-in vocabulary (`aether explain verbs`).",
        &survey.verbs,
        false,
    );
    list(
        &mut out,
        "plugins",
        "Plugins and modules used but defined by no file (the mock host of `aether run`\n\
         # provides them; give answers under [host.returns]).",
        &survey.plugins,
        false,
    );
    list(
        &mut out,
        "names",
        "Values the runtime binds, read in code but assigned nowhere.",
        &survey.names,
        false,
    );
    out
}

fn list(out: &mut String, key: &str, doc: &str, seen: &BTreeMap<String, Seen>, arities: bool) {
    let _ = writeln!(out, "# {doc}");
    if seen.is_empty() {
        let _ = writeln!(out, "{key} = []");
        return;
    }
    let mut entries: Vec<(&String, &Seen)> = seen.iter().collect();
    // Most files first; then most uses; then by name, so the file is deterministic.
    entries.sort_by(|a, b| {
        b.1.files
            .len()
            .cmp(&a.1.files.len())
            .then(b.1.uses.cmp(&a.1.uses))
            .then(a.0.cmp(b.0))
    });
    let width = entries.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 4;
    let _ = writeln!(out, "{key} = [");
    for (name, s) in entries {
        let quoted = format!("\"{name}\",");
        let uses = plural(s.uses, if arities { "call" } else { "use" });
        let files = plural(s.files.len(), "file");
        let mut note = format!("{uses} in {files}");
        if arities {
            let list: Vec<String> = s.arities.iter().map(usize::to_string).collect();
            let _ = write!(
                note,
                "; {} {}",
                if list.len() == 1 { "arity" } else { "arities" },
                list.join(", ")
            );
        }
        let lead = match (&s.close_to, s.typo) {
            (Some(known), true) => {
                let _ = write!(note, "; a typo of `{known}`: not declared");
                "# "
            }
            (Some(known), false) => {
                let _ = write!(note, "; close to `{known}`");
                "  "
            }
            (None, _) => "  ",
        };
        let _ = writeln!(out, "  {lead}{quoted:<width$}# {note}");
    }
    let _ = writeln!(out, "]");
}
