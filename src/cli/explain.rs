//! `aether explain`: the documentation of diagnostics, builtins and command verbs.

use aether::syntax::diagnostic::{find_rule, rules, Severity};
use std::io::{self, Write};
use std::process::ExitCode;

pub fn cmd_explain(code: Option<&str>) -> io::Result<ExitCode> {
    use aether::registry::{builtins, vocabulary};
    let mut out = io::stdout().lock();
    let Some(key) = code else {
        return list_rules(&mut out);
    };
    if let Some(r) = find_rule(key) {
        let severity = match r.severity {
            Severity::Error => "error, code",
            Severity::Warning => "warning; with `--deny-warnings` an error of code",
        };
        writeln!(
            out,
            "{} {} ({severity} {} {})\n",
            r.id,
            r.name,
            r.code.number(),
            r.code.name()
        )?;
        writeln!(out, "{}\n\n{}", r.summary, r.doc)?;
        if let Some(fix) = r.fix {
            let applied_by = if r.id == "M001" {
                "`aether migrate`"
            } else {
                "`aether migrate` and `aether check --fix`"
            };
            writeln!(out, "\nFix ({applied_by}): {fix}")?;
        }
    } else if key == "builtins" {
        for b in builtins::BUILTINS {
            writeln!(out, "{:<48} {}", b.signature(), b.doc)?;
        }
    } else if key == "verbs" {
        for v in vocabulary::VERBS {
            writeln!(out, "{:<16} {}", v.name, v.doc)?;
        }
    } else if let Some(b) = builtins::lookup(key) {
        writeln!(out, "{} (builtin function)\n\n{}", b.signature(), b.doc)?;
    } else if let Some(v) = vocabulary::lookup(key) {
        writeln!(out, "{} (command verb)\n\n{}", v.name, v.doc)?;
    } else {
        let hint = nearest_entry(key)
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        eprintln!(
            "error: `{key}` is not a diagnostic code, builtin or command verb{hint}\n  \
             `aether explain` lists the codes, `aether explain builtins` the builtins, \
             `aether explain verbs` the verbs"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The table of every rule, columns aligned to their widest cell. A warning does not decide
/// a file's code, so its code cell says it applies only when warnings are denied.
fn list_rules(out: &mut impl Write) -> io::Result<ExitCode> {
    let rows: Vec<[String; 5]> = rules::ALL
        .iter()
        .map(|r| {
            let (severity, code) = match r.severity {
                Severity::Error => ("error", r.code.name().to_string()),
                Severity::Warning => ("warning", format!("{} if denied", r.code.name())),
            };
            [
                r.id.to_string(),
                r.name.to_string(),
                severity.to_string(),
                code,
                r.summary.to_string(),
            ]
        })
        .collect();
    let header = ["ID", "NAME", "SEVERITY", "CODE", "SUMMARY"].map(String::from);
    let mut width = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (w, cell) in width.iter().zip(row) {
            line.push_str(&format!("{cell:<w$}  "));
        }
        line.push_str(&row[4]);
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "\n`aether explain ID` (or NAME) explains one; `aether explain builtins` lists the builtin \
         functions, `aether explain verbs` the command verbs."
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The rule id or name, builtin or verb closest to a key `explain` does not know.
fn nearest_entry(key: &str) -> Option<&'static str> {
    use aether::registry::{builtins, vocabulary};
    let candidates = rules::ALL
        .iter()
        .flat_map(|r| [r.id, r.name])
        .chain(builtins::BUILTINS.iter().map(|b| b.name))
        .chain(vocabulary::VERBS.iter().map(|v| v.name))
        .chain(["builtins", "verbs"]);
    aether::lint::validate::suggest::closest(key, candidates)
}
