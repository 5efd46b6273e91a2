//! Write a deterministic synthetic corpus for the bulk benchmarks (`benches/corpus.sh`):
//! `cargo run --release --example synth_corpus -- OUT_DIR FILES [SUBDIRS]`
//! (`SUBDIRS`: a comma-separated list of `corpus/` folders to draw from; default all of them)
//!
//! Each file joins two of the repository's own `corpus/` files (all of them: valid, invalid,
//! foreign, validation and run cases), taken in sorted order, into directories of 1,000 files,
//! so the synthetic corpus has the real mix of dialects and failures at about 30 lines a file
//! (100,000 files make about 3 million lines). Each file ends with a comment naming its
//! number, so no two files are byte-identical.
//!
//! So that cases that check clean in `corpus/` check clean here too, the output also gets
//! what they rely on beside them: one `aether.toml` whose `[host]` section joins those of the
//! configurations of the cases drawn from (the names, functions, verbs and plugins they
//! declare the host provides; their other settings, such as ignored rules, are not copied),
//! and the module files the cases import (`import "lib/util"`), at the same path relative to
//! the output root, where the module lookup of every case finds them. Both are at the root,
//! not in the `dNNN` directories of cases.

use std::path::{Path, PathBuf};

/// The configuration that applies to `file`: the nearest `aether.toml` at or above its
/// directory, not above `root`.
fn config_of(file: &Path, root: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(root))
        .map(|d| d.join("aether.toml"))
        .find(|c| c.is_file())
}

/// The `[host]` sections of `configs` joined: lists as unions in first-seen order, tables
/// (`returns`, `costs`) with the first configuration's entry for each key.
fn joined_host(configs: &[PathBuf]) -> toml::Table {
    let mut host = toml::Table::new();
    for c in configs {
        let text = std::fs::read_to_string(c).unwrap_or_default();
        let Ok(table) = text.parse::<toml::Table>() else {
            eprintln!("skipping {}: not valid TOML", c.display());
            continue;
        };
        let Some(toml::Value::Table(h)) = table.get("host") else {
            continue;
        };
        for (key, value) in h {
            match (host.get_mut(key), value) {
                (None, v) => {
                    host.insert(key.clone(), v.clone());
                }
                (Some(toml::Value::Array(have)), toml::Value::Array(more)) => {
                    // A function is declared once, by the first configuration that names it
                    // (`"notify"` and `"notify(channel)"` are the same function).
                    let name = |v: &toml::Value| {
                        v.as_str()
                            .map(|s| s.split('(').next().unwrap_or(s).trim().to_string())
                    };
                    for v in more {
                        if !have
                            .iter()
                            .any(|h| name(h) == name(v) && h.is_str() || h == v)
                        {
                            have.push(v.clone());
                        }
                    }
                }
                (Some(toml::Value::Table(have)), toml::Value::Table(more)) => {
                    for (k, v) in more {
                        have.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                _ => {}
            }
        }
    }
    host
}

/// The module paths a case imports (`import "lib/util"`, `import "sys/util.aether" as u`,
/// `use sysmon`).
fn imports(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("use "))?;
            let path = rest.split_whitespace().next()?.trim_matches(['"', '\'']);
            let path = path.strip_suffix(".aether").unwrap_or(path);
            (!path.is_empty() && !path.contains("..") && !path.starts_with('/'))
                .then(|| path.to_string())
        })
        .collect()
}

/// The module file `module` names for the case `file`, looked up as the checker does: in the
/// case's directory and its parents up to its configuration's directory.
fn module_file(module: &str, file: &Path, root: &Path) -> Option<PathBuf> {
    let top = config_of(file, root).and_then(|c| c.parent().map(Path::to_path_buf))?;
    file.ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(&top))
        .map(|d| d.join(format!("{module}.aether")))
        .find(|p| p.is_file())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "aether") {
            out.push(p);
        }
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: synth_corpus OUT_DIR FILES [SUBDIRS]");
        std::process::exit(2);
    };
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"));
    let mut sources = Vec::new();
    match args.get(3) {
        Some(list) => {
            for sub in list.split(',') {
                collect(&corpus.join(sub), &mut sources);
            }
        }
        None => collect(corpus, &mut sources),
    }
    if sources.is_empty() {
        eprintln!("no .aether files found");
        std::process::exit(2);
    }
    let texts: Vec<(String, Vec<u8>)> = sources
        .iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            (name, std::fs::read(p).unwrap_or_default())
        })
        .collect();
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;
    // What the cases rely on beside them: their configurations' `[host]`, and the modules
    // they import.
    let mut configs: Vec<PathBuf> = Vec::new();
    let mut modules: Vec<(String, PathBuf)> = Vec::new();
    for (p, (_, text)) in sources.iter().zip(&texts) {
        if let Some(c) = config_of(p, corpus) {
            if !configs.contains(&c) {
                configs.push(c);
            }
        }
        for m in imports(&String::from_utf8_lossy(text)) {
            if let Some(f) = module_file(&m, p, corpus) {
                if !modules.iter().any(|(name, _)| *name == m) {
                    modules.push((m, f));
                }
            }
        }
    }
    let host = joined_host(&configs);
    if !host.is_empty() {
        let mut config = toml::Table::new();
        config.insert("host".into(), toml::Value::Table(host));
        let names: Vec<String> = configs
            .iter()
            .map(|c| c.strip_prefix(corpus).unwrap_or(c).display().to_string())
            .collect();
        let text = format!(
            "# The [host] sections of corpus/{} joined (examples/synth_corpus.rs).\n{}",
            names.join(", corpus/"),
            toml::to_string(&config).unwrap_or_default()
        );
        std::fs::write(out.join("aether.toml"), text)?;
    }
    for (m, f) in &modules {
        let dest = out.join(format!("{m}.aether"));
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(f, dest)?;
    }
    let mut lines = 0usize;
    for i in 0..n {
        let (name, text) = &texts[i % texts.len()];
        let (_, second) = &texts[(i + texts.len() / 2) % texts.len()];
        let dir = out.join(format!("d{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        // Keep a signature header or shebang on its line: the marker goes at the end.
        let mut body = text.clone();
        for part in [
            &b""[..],
            second.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(second),
        ] {
            body.extend_from_slice(part);
            if !body.is_empty() && !body.ends_with(b"\n") {
                body.push(b'\n');
            }
        }
        body.extend_from_slice(format!("# synthetic copy {i}\n").as_bytes());
        lines += body.iter().filter(|b| **b == b'\n').count();
        std::fs::write(dir.join(format!("{i:06}_{name}.aether")), body)?;
    }
    println!(
        "{n} files, {lines} lines in {} (and {} configuration, {} module files)",
        out.display(),
        usize::from(out.join("aether.toml").is_file()),
        modules.len()
    );
    Ok(())
}
