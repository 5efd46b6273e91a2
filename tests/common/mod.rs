//! Invariants every parse must satisfy, whatever the input.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use aether::syntax::parse;
use serde_json::Value;

fn span_of(v: &Value) -> Option<(u32, u32)> {
    let s = v.get("span")?.as_str()?;
    let (a, b) = s.split_once("..")?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Every node's span lies inside its nearest spanned ancestor's span.
fn check_nesting(v: &Value, parent: (u32, u32), path: &str, failures: &mut Vec<String>) {
    let here = match v {
        Value::Object(_) => span_of(v),
        _ => None,
    };
    let inner = match here {
        Some(s) => {
            if s.0 > s.1 || s.0 < parent.0 || s.1 > parent.1 {
                failures.push(format!("{path}: span {s:?} not inside parent {parent:?}"));
            }
            s
        }
        None => parent,
    };
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                check_nesting(c, inner, &format!("{path}.{k}"), failures);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                check_nesting(c, inner, &format!("{path}[{i}]"), failures);
            }
        }
        _ => {}
    }
}

pub fn check_invariants(src: &str) {
    let parsed = parse(src);
    let len = src.len() as u32;
    let mut last = 0;
    for (tok, span) in &parsed.tokens {
        assert!(
            span.start <= span.end && span.end <= len,
            "{tok:?} {span:?} out of bounds"
        );
        assert!(
            span.start >= last,
            "{tok:?} at {span:?} out of order (previous ended {last})"
        );
        assert!(
            src.is_char_boundary(span.start as usize) && src.is_char_boundary(span.end as usize),
            "{tok:?} {span:?} not on char boundaries"
        );
        last = span.start;
    }
    for d in &parsed.diagnostics {
        assert!(
            d.span.end <= len,
            "diagnostic {:?} out of bounds",
            d.message
        );
    }
    let tree = serde_json::to_value(&parsed.file).expect("AST serializes");
    let mut failures = Vec::new();
    check_nesting(&tree, (0, len), "file", &mut failures);
    assert!(
        failures.is_empty(),
        "span nesting violated:\n{}",
        failures.join("\n")
    );
}

/// xorshift64*: a deterministic generator, so a seed reproduces a run (the property tests
/// in `robustness.rs` and the fuzzer in `fuzz.rs`).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The text of every `.aether` file under `corpus/`, sorted.
pub fn corpus_texts() -> Vec<String> {
    let mut out: Vec<String> = corpus_files().into_iter().map(|(_, t)| t).collect();
    out.sort();
    out
}

/// Every `.aether` file under `corpus/` with its text, in path order.
pub fn corpus_files() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("corpus")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("corpus dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "aether") {
                if let Ok(t) = std::fs::read_to_string(&p) {
                    out.push((p, t));
                }
            }
        }
    }
    out.sort();
    out
}
