//! Heap and CPU time of each stage of `aether check` on one file:
//! `cargo run --release --example stages -- FILE [RUNS [STAGE]]`
//!
//! Memory, with a counting allocator: for each stage, the bytes it allocated that are still
//! live when it ends, and the highest live total seen during it (the text itself included).
//! Stages run as in `syntax::parse` and `lint::check::diagnose`: lex, layout, the bracket
//! table, the parse, validation.
//!
//! Speed: lex (into a vector, and only counted), layout (over tokens lexed beforehand) and
//! the two together, each the fastest of RUNS (default 10) by the thread's CPU time (Linux
//! `schedstat`), so time the thread spends waiting for a core on a loaded machine is not
//! counted.
//!
//! With STAGE, only that stage runs, once, for an instruction count that load does not
//! change (`valgrind --tool=callgrind`): `lex` (counted), `lex-vec` (into a vector),
//! `lex-vec+layout` (minus `lex-vec`: the layout pass alone), `lex+layout` (as `parse` runs
//! them), `none` (reading the file and the line index, which every stage includes).

use aether::lint::check::{self, Settings};
use aether::syntax;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(n, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let n = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(n, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mb(n: impl TryInto<i64>) -> String {
    format!("{:8.1} MB", n.try_into().unwrap_or(0) as f64 / 1e6)
}

struct Meter {
    before: usize,
}

impl Meter {
    fn start() -> Self {
        let before = LIVE.load(Relaxed);
        PEAK.store(before, Relaxed);
        Meter { before }
    }
    fn end(self, what: &str) {
        let live = LIVE.load(Relaxed);
        println!(
            "{what:<34} kept {} (live {})  peak during {}",
            mb(live.wrapping_sub(self.before) as isize),
            mb(live),
            mb(PEAK.load(Relaxed))
        );
    }
}

/// CPU time of this thread so far, in nanoseconds.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn speed<T>(what: &str, bytes: usize, runs: usize, mut f: impl FnMut() -> T) {
    let mut best = u64::MAX;
    for _ in 0..runs {
        let t = cpu_ns();
        let out = std::hint::black_box(f());
        best = best.min(cpu_ns() - t);
        drop(out);
    }
    println!(
        "{what:<12} {:8.1} ms  {:7.1} MB/s",
        best as f64 / 1e6,
        bytes as f64 / (best as f64 / 1e9) / 1e6
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: stages FILE [RUNS]");
    let runs = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    // One stage only, for instruction counts (`valgrind --tool=callgrind`); `none` reads the
    // file and builds the line index, the part every stage's count includes.
    if let Some(stage) = std::env::args().nth(3) {
        let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
        let lines = syntax::span::LineIndex::new(&text);
        let n = match stage.as_str() {
            "lex" => syntax::lexer::Lexer::new(&text).count(),
            "lex-vec" => syntax::lexer::lex(&text).len(),
            // Minus `lex-vec`: the layout pass alone.
            "lex-vec+layout" => {
                let raw = syntax::lexer::lex(&text);
                syntax::layout::layout_lexed(&text, &raw, &lines)
                    .tokens
                    .len()
            }
            "lex+layout" => syntax::layout::layout_source(&text, &lines).tokens.len(),
            _ => 0,
        };
        println!("{stage}: {n} tokens");
        return;
    }
    let m = Meter::start();
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    m.end("source text");
    let m = Meter::start();
    let lines = syntax::span::LineIndex::new(&text);
    m.end("line index");
    let m = Meter::start();
    let laid = syntax::layout::layout_source(&text, &lines);
    m.end(&format!("laid-out tokens ({})", laid.tokens.len()));
    let m = Meter::start();
    let closers = syntax::parser::closers(&laid.tokens);
    m.end("bracket table");
    let m = Meter::start();
    let fast = syntax::reuse::fast(&text, &laid.tokens, &closers);
    m.end(&format!(
        "tree ({} statements, {} errors)",
        fast.stmts.as_ref().map_or(0, Vec::len),
        fast.error_count
    ));
    drop((fast, closers, laid, lines));
    let m = Meter::start();
    let parsed = syntax::parse(&text);
    m.end("syntax::parse (all of the above)");
    let m = Meter::start();
    let diags = check::diagnose(&parsed, None, &Settings::default());
    m.end(&format!(
        "validate + diagnose ({} diagnostics)",
        diags.len()
    ));
    drop(parsed);
    drop(diags);
    let m = Meter::start();
    let outcome = check::check_text(text, None, &Settings::default());
    m.end("check_text (parse + diagnose)");
    drop(outcome);

    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let lines = syntax::span::LineIndex::new(&text);
    let n = text.len();
    speed("lex", n, runs, || syntax::lexer::lex(&text));
    speed("lex, count", n, runs, || {
        syntax::lexer::Lexer::new(&text).count()
    });
    let raw = syntax::lexer::lex(&text);
    speed("layout", n, runs, || {
        syntax::layout::layout_lexed(&text, &raw, &lines)
    });
    drop(raw);
    speed("lex+layout", n, runs, || {
        syntax::layout::layout_source(&text, &lines)
    });
}
