//! `aether gate`: compare a new parse baseline with a reference.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

pub fn cmd_gate(
    new: &Path,
    reference: &Path,
    cfg: &aether::bulk::gate::GateConfig,
) -> io::Result<ExitCode> {
    use aether::bulk::gate;
    match gate::run(new, reference, cfg) {
        Ok(report) => {
            if report.ref_missing {
                eprintln!(
                    "note: reference {} not found; comparing against zeros",
                    reference.display()
                );
            }
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::other)?;
            writeln!(out)?;
            for r in &report.regressions {
                eprintln!(
                    "regression: {} went from {} to {} (+{}, +{:.1}%)",
                    r.code,
                    r.old,
                    r.new,
                    r.delta,
                    r.relative_increase * 100.0
                );
            }
            Ok(ExitCode::from(gate::exit_code(&report)))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(gate::EXIT_INPUT_ERROR))
        }
    }
}
