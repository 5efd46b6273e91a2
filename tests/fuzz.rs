//! A mutation fuzzer for parse time, run by hand (it is `#[ignore]`d, so `cargo test` skips
//! it):
//!
//! ```sh
//! cargo test --test fuzz -- --ignored --nocapture
//! AETHER_FUZZ_ROUNDS=20000 AETHER_FUZZ_SEED=7 AETHER_FUZZ_BUDGET_MS=2000 \
//!     cargo test --test fuzz -- --ignored --nocapture
//! ```
//!
//! Each round takes a corpus file, mutates it (insertions of syntax fragments, deletions,
//! copies, and *nesting*: a slice of the file or a fragment repeated inside itself up to 40
//! times, which is what makes a backtracking parser take exponential time) and parses it
//! through `aether::syntax::parse` on a worker thread. An input whose parse takes longer than
//! the budget (default 2 s, debug build) is written to `target/tmp/fuzz-slow/` and fails the
//! run; since a parse cannot be interrupted, the run stops at the first one. Panics are
//! reported the same way. `tests/complexity.rs` then says for a form found here whether its
//! time grows faster than its size.

mod common;

use common::{corpus_texts, Rng};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Syntax fragments to insert; the openers are also used for nesting.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    ":",
    "\n",
    "\n    ",
    "end\n",
    "if ",
    "else ",
    "=>",
    "x => ",
    "(x) => ",
    "() => ",
    "f(",
    "a[",
    "new M(",
    "call p.f(",
    "{a: ",
    "[x for x in ",
    " if ",
    " else ",
    " ? ",
    " : ",
    "lambda x: ",
    "function(a) {",
    "xs.map(a => {\n",
    "f\"{",
    "- ",
    "1. ",
    "goal: ",
    "plugin p {",
    "fn f(",
    "let ",
    "=",
    "==",
    ",",
    "not ",
    "...",
    "?.",
    "@",
    "junk ",
    "$x ",
    "case 1: ",
    "when a:\n",
    "every 5m {\n",
    "`",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut s: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 => {
                let frag = FRAGMENTS[rng.below(FRAGMENTS.len())];
                s.splice(at..at, frag.chars());
            }
            1 if !s.is_empty() => {
                let end = (at + 1 + rng.below(20)).min(s.len());
                s.drain(at.min(end)..end);
            }
            2 if !s.is_empty() => {
                let end = (at + 1 + rng.below(40)).min(s.len());
                let copy: Vec<char> = s[at.min(end)..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, copy);
            }
            3 => {
                // A fragment nested inside itself: `f(f(f(...`.
                let frag = FRAGMENTS[rng.below(FRAGMENTS.len())];
                let times = 2 + rng.below(39);
                s.splice(at..at, frag.repeat(times).chars());
            }
            4 if !s.is_empty() => {
                // A slice of the file nested inside itself: the text up to `at`'s slice end
                // is repeated before the slice's end, so whatever the slice opens nests.
                let start = at.saturating_sub(1 + rng.below(30));
                let piece: String = s[start..at.min(s.len())].iter().collect();
                let times = 2 + rng.below(24);
                s.splice(at..at, piece.repeat(times).chars());
            }
            _ => {
                let c = char::from_u32(rng.below(0x3000) as u32).unwrap_or('?');
                s.insert(at, c);
            }
        }
    }
    s.into_iter().collect()
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "a fuzzer: run by hand with --ignored (see the module documentation)"]
fn mutated_corpus_parses_within_the_time_budget() {
    let rounds = env_or("AETHER_FUZZ_ROUNDS", 3000) as usize;
    let seed = env_or("AETHER_FUZZ_SEED", 0x9E37_79B9_7F4A_7C15);
    let budget = Duration::from_millis(env_or("AETHER_FUZZ_BUDGET_MS", 2000));
    let texts = corpus_texts();
    assert!(
        texts.len() > 50,
        "corpus not found (run from the repository root)"
    );
    let mut rng = Rng(seed | 1);
    let (mut slowest, mut slowest_round) = (Duration::ZERO, 0);
    let started = Instant::now();
    for round in 0..rounds {
        let src = mutate(&mut rng, &texts[round % texts.len()]);
        let (tx, rx) = mpsc::channel();
        let input = src.clone();
        std::thread::Builder::new()
            .stack_size(aether::syntax::STACK_SIZE)
            .spawn(move || {
                let t = Instant::now();
                let ok = std::panic::catch_unwind(|| {
                    std::hint::black_box(aether::syntax::parse(&input).diagnostics.len());
                })
                .is_ok();
                let _ = tx.send((ok, t.elapsed()));
            })
            .expect("thread starts");
        let outcome = rx.recv_timeout(budget);
        let problem = match outcome {
            Ok((true, took)) => {
                if took > slowest {
                    (slowest, slowest_round) = (took, round);
                }
                continue;
            }
            Ok((false, _)) => "panicked",
            Err(_) => "took longer than the budget",
        };
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-slow");
        std::fs::create_dir_all(&dir).expect("output directory");
        let file = dir.join(format!("seed{seed}-round{round}.aether"));
        std::fs::write(&file, &src).expect("input written");
        panic!(
            "round {round}: parsing {problem} ({budget:?}); the input is {}",
            file.display()
        );
    }
    eprintln!(
        "{rounds} inputs in {:.1?}; the slowest parse took {slowest:.1?} (round {slowest_round})",
        started.elapsed()
    );
}
