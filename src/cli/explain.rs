//! `aether explain`: the documentation of diagnostics, builtins and command verbs.

use aether::syntax::diagnostic::{find_rule, rules, Severity};
use std::io::{self, Write};
use std::process::ExitCode;

pub fn cmd_explain(code: Option<&str>) -> io::Result<ExitCode> {
    use aether::registry::{builtins, vocabulary};
    let mut out = io::stdout().lock();
    let Some(key) = code else {
        for r in rules::ALL {
            writeln!(
                out,
                "{}  {:<30} {:<18} {}",
                r.id,
                r.name,
                r.code.name(),
                r.summary
            )?;
        }
        writeln!(
            out,
            "\n`aether explain builtins` lists the builtin functions, `aether explain verbs` the command verbs."
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(r) = find_rule(key) {
        let severity = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            out,
            "{} {} ({severity}, code {} {})\n",
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
        eprintln!(
            "error: `{key}` is not a diagnostic code, builtin or command verb; `aether explain` lists the codes"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
