//! `aether init`: survey a tree and write its first `aether.toml` (see `bulk::adopt`).

use aether::bulk::adopt;
use aether::bulk::discover::discover;
use aether::bulk::plural;
use aether::lint::check::{check_path, Settings};
use aether::project::config::ConfigSource;
use rayon::prelude::*;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn cmd_init(paths: &[PathBuf], force: bool, plugin_paths: &[PathBuf]) -> io::Result<ExitCode> {
    let roots = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    // The file goes where `aether check` of these paths will find it: in the first
    // directory given (or the directory of the first file).
    let home = if roots[0].is_dir() {
        roots[0].clone()
    } else {
        roots[0]
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let target = home.join("aether.toml");
    if target.exists() && !force {
        eprintln!(
            "error: {} already exists; pass --force to replace it",
            target.display()
        );
        return Ok(ExitCode::from(2));
    }
    let found = discover(&roots);
    for (path, problem) in &found.problems {
        eprintln!("warning: {}: {problem}", path.display());
    }
    let isolated = Settings::new(plugin_paths.to_vec(), false);
    let survey = adopt::survey(&found.files, &isolated);
    aether::bulk::artifact::write_atomic(&target, adopt::render(&survey).as_bytes())?;

    // What adoption leaves: the same files checked under the new configuration.
    let adopted = match Settings::new(plugin_paths.to_vec(), false)
        .with_config(ConfigSource::File(target.clone()))
    {
        Ok(s) => s,
        Err(e) => {
            // The file we just wrote must load; if it does not, that is our bug.
            eprintln!("error: the written configuration does not load: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let remaining: usize = found
        .files
        .par_iter()
        .map(|f| {
            check_path(f, &adopted)
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count()
        })
        .sum();
    println!(
        "wrote {}: {}, {}, {}, {} from {}",
        target.display(),
        plural(survey.functions.len(), "function"),
        plural(survey.verbs.len(), "verb"),
        plural(survey.plugins.len(), "plugin"),
        plural(survey.names.len(), "name"),
        plural(survey.files, "file")
    );
    println!(
        "errors: {} before, {} after adoption{}",
        survey.errors,
        remaining,
        if survey.unparsed > 0 {
            format!(
                " ({} not parse; `aether check` shows why)",
                match survey.unparsed {
                    1 => "1 file does".to_string(),
                    n => format!("{n} files do"),
                }
            )
        } else {
            String::new()
        }
    );
    println!("review the [host] lists: delete the names that are typos, then commit the file");
    Ok(ExitCode::SUCCESS)
}
