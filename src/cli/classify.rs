//! `aether classify`: check and run every workflow under a root, classify the failures and
//! write the reports.

use aether::bulk::plural;
use std::io;
use std::path::Path;
use std::process::ExitCode;

pub fn cmd_classify(cfg: &aether::bulk::classify::Config) -> io::Result<ExitCode> {
    use aether::bulk::classify;
    if !cfg.root.exists() {
        eprintln!("error: the root {} does not exist", cfg.root.display());
        return Ok(ExitCode::from(2));
    }
    let start = std::time::Instant::now();
    for artifact in [&cfg.output, &cfg.markdown] {
        if let Some(dir) = artifact.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
    }
    let report = classify::classify(cfg)?;
    let mut json = serde_json::to_vec_pretty(&report).map_err(io::Error::other)?;
    json.push(b'\n');
    aether::bulk::artifact::write_atomic(&cfg.output, &json)?;
    classify::write_history(&cfg.history_dir, &report, &json)?;
    // The report links the chart by a path relative to the report's own directory.
    let svg = cfg.history_dir.join("trends.svg");
    let base = cfg.markdown.parent().unwrap_or(Path::new(""));
    let link = relative_link(base, &svg);
    let md = classify::markdown(&report, Some(&link));
    aether::bulk::artifact::write_atomic(&cfg.markdown, md.as_bytes())?;
    let s = &report.summary;
    eprintln!(
        "classified {}: {} failed ({} suppressed), failure rate {:.2}% in {:.2}s; wrote {} and {}",
        plural(s.total, "workflow"),
        s.failed,
        s.suppressed_failures,
        s.failure_rate * 100.0,
        start.elapsed().as_secs_f64(),
        cfg.output.display(),
        cfg.markdown.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `to` as a relative link from the directory `from` (either may be absolute or relative to
/// the working directory).
fn relative_link(from: &Path, to: &Path) -> String {
    let absolute = |p: &Path| {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
    };
    let (from, to) = (absolute(from), absolute(to));
    let normal = |p: &Path| -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other.as_os_str().to_os_string()),
            }
        }
        out
    };
    let (from, to) = (normal(&from), normal(&to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.to_string_lossy().into_owned()),
    );
    parts.join("/")
}
