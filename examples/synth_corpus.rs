//! Write a deterministic synthetic corpus for the bulk benchmarks (`benches/corpus.sh`):
//! `cargo run --release --example synth_corpus -- OUT_DIR FILES [SUBDIRS]`
//! (`SUBDIRS`: a comma-separated list of `corpus/` folders to draw from; default all of them)
//!
//! Each file joins two of the repository's own `corpus/` files (all of them: valid, invalid,
//! foreign, validation and run cases), taken in sorted order, into directories of 1,000 files,
//! so the synthetic corpus has the real mix of dialects and failures at about 30 lines a file
//! (100,000 files make about 3 million lines). Each file ends with a comment naming its
//! number, so no two files are byte-identical.

use std::path::{Path, PathBuf};

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
    println!("{n} files, {lines} lines in {}", out.display());
    Ok(())
}
