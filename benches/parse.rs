//! Lexer and parser throughput over corpus-shaped input.
//!
//! `cargo bench --bench parse` — each case reports bytes per second. The inputs are the
//! valid corpus files (each parsed on its own, as a bulk check does) and one large file made
//! by repeating them, so both many-small-files and one-big-file shapes are measured.
//! `validate` times the semantic pass alone over an already parsed tree, beside the parse of
//! the same input, so the two can be compared directly.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

fn corpus() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "aether") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    walk(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/valid")),
        &mut out,
    );
    out
}

fn benches(c: &mut Criterion) {
    let files = corpus();
    let total: usize = files.iter().map(String::len).sum();
    // One ~1 MB file: the corpus repeated, each copy starting at column 0.
    let mut big = String::new();
    while big.len() < 1 << 20 {
        for f in &files {
            big.push_str(f.trim_start_matches('\u{FEFF}'));
            big.push('\n');
        }
    }

    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("lex", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| aether::syntax::lexer::lex(f).len())
                .sum::<usize>()
        })
    });
    g.bench_function("lex+layout+parse", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| aether::syntax::parse(f).file.stmts.len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("one_megabyte_file");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(20);
    g.bench_function("lex", |b| b.iter(|| aether::syntax::lexer::lex(&big).len()));
    // The layout pass alone, over tokens lexed outside the timed loop.
    let lines = aether::syntax::span::LineIndex::new(&big);
    let raw = aether::syntax::lexer::lex(&big);
    g.bench_function("layout", |b| {
        b.iter_with_large_drop(|| aether::syntax::layout::layout_lexed(&big, &raw, &lines))
    });
    drop(raw);
    g.bench_function("lex+layout", |b| {
        b.iter_with_large_drop(|| aether::syntax::layout::layout_source(&big, &lines))
    });
    g.bench_function("lex+layout+parse", |b| {
        b.iter(|| aether::syntax::parse(&big).file.stmts.len())
    });
    let parsed = aether::syntax::parse(&big);
    let modules = aether::lint::validate::ModuleCache::default();
    let cx = aether::lint::validate::Context {
        file: None,
        modules: &modules,
        host: &Default::default(),
    };
    g.bench_function("validate", |b| {
        b.iter(|| aether::lint::validate::validate(&parsed.file, &cx).len())
    });
    g.finish();
}

/// One statement form repeated 2,000 times: where the time per line goes.
fn statement_forms(c: &mut Criterion) {
    let forms = [
        ("name", "x\n"),
        ("call", "foo(a, b)\n"),
        ("assign", "x = foo(a, b) + 1\n"),
        ("let", "let x = a.b.c\n"),
        ("entry", "threshold: 0.75\n"),
        ("entry_text", "schedule: every 2 hours\n"),
        ("goal", "goal: \"Summarize logs\" priority: high\n"),
        ("command", "learn from \"operator feedback\"\n"),
        ("log_interpolated", "log \"loaded {n} items\"\n"),
        ("if_brace", "if x > 1 { y() }\n"),
        ("map", "cfg = { a: 1, b: \"x\", c: [1, 2] }\n"),
    ];
    let mut g = c.benchmark_group("statement_forms");
    g.sample_size(20);
    for (name, line) in forms {
        let src = line.repeat(2000);
        g.throughput(Throughput::Bytes(src.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| aether::syntax::parse(&src).file.stmts.len())
        });
    }
    g.finish();
}

criterion_group!(parse, benches, statement_forms);
criterion_main!(parse);
