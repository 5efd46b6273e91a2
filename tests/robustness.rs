//! Bad input never panics, hangs or overflows the stack, and always yields valid spans.
//! Each case runs on a thread with the stack size the CLI uses.

mod common;
use aether::lint::check::check_text;
use aether::syntax::diagnostic::Code;
use aether::syntax::source::{decode, Loaded};
use aether::syntax::with_big_stack;
use common::{check_invariants, corpus_texts, Rng};

fn code_of(src: String) -> Code {
    with_big_stack(move || {
        check_invariants(&src);
        check_text(src, None, &Default::default()).code
    })
}

#[test]
fn ten_thousand_nested_brackets_parse() {
    let n = 10_000;
    for (open, close) in [("(", ")"), ("[", "]"), ("{a: ", "}")] {
        let src = format!("x = {}1{}\n", open.repeat(n), close.repeat(n));
        assert_eq!(code_of(src), Code::Success, "nested {open}");
    }
    let blocks = format!("x = 1\n{}{}", "if x {\n".repeat(3000), "}\n".repeat(3000));
    assert_eq!(code_of(blocks), Code::Success);
}

#[test]
fn nesting_beyond_the_limit_is_an_error_not_a_crash() {
    let n = aether::syntax::layout::MAX_NESTING + 10;
    let src = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    let outcome = with_big_stack(move || check_text(src, None, &Default::default()));
    assert_eq!(outcome.code, Code::ParseError);
    assert_eq!(outcome.diagnostics[0].rule.name, "nesting-too-deep");
    let chain = format!("x = {}\n", vec!["a"; 50_000].join(" + "));
    assert_eq!(code_of(chain), Code::ParseError);
    let unclosed = format!("x = {}\n", "(".repeat(10_000));
    assert_eq!(code_of(unclosed), Code::ParseError);
}

#[test]
fn fifty_megabyte_line() {
    let src = format!("x = \"{}\"\n", "a".repeat(50 << 20));
    assert_eq!(code_of(src), Code::Success);
}

#[test]
fn control_characters_line_endings_and_bom() {
    assert_eq!(code_of("goal: \"x\"\0\n".into()), Code::ParseError);
    assert_eq!(code_of("goal: \"x\"\rreflect()\r".into()), Code::Success);
    assert_eq!(
        code_of("\u{FEFF}goal: \"x\"\r\na = true\r\nif a:\r\n    reflect()\r\n".into()),
        Code::Success
    );
    assert_eq!(
        code_of("a = c = 1\nif a:\n\treflect()\n\tif c:\n\t\tnarrate(c)\n".into()),
        Code::Success
    );
    assert_eq!(code_of("\r\n\r\n\n".into()), Code::Success);
    assert_eq!(code_of(String::new()), Code::Success);
}

#[test]
fn unterminated_things_at_end_of_file() {
    for src in [
        "x = \"abc",
        "x = f\"\"\"abc\n# not a comment\n",
        "fn f() {\n  if x {\n",
        "notes: |\n  text",
        "x = [1, 2,",
        "x = {a: ",
        "if x:",
        "define f()\n    reflect()\n",
        "x = \"{a",
        "`",
        "$",
        "\\",
    ] {
        let c = code_of(src.to_string());
        assert!(
            matches!(c, Code::ParseError | Code::Success),
            "{src:?} gave {c:?}"
        );
    }
    assert_eq!(code_of("x = \"abc".into()), Code::ParseError);
    assert_eq!(code_of("fn f() {\n  if x {\n".into()), Code::ParseError);
}

#[test]
fn invalid_utf8_is_an_io_error_with_the_offset() {
    match decode(b"goal: \"x\"\nname: \"\xff\"\n".to_vec()) {
        Loaded::Failed { diagnostic, .. } => {
            assert_eq!(diagnostic.code(), Code::IoError);
            assert!(
                diagnostic.message.contains("byte offset 17"),
                "{}",
                diagnostic.message
            );
        }
        Loaded::Text(_) => panic!("invalid UTF-8 decoded"),
    }
}

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "\"\"\"",
    ":",
    "\n",
    "\n    ",
    "\r\n",
    "\t",
    "end\n",
    "if ",
    "else",
    "=>",
    "->",
    "/",
    "//",
    "#",
    "|\n",
    "{{",
    "}}",
    "f\"{",
    "$",
    "@",
    "\\",
    "\0",
    "é",
    "→",
    "🚀",
    "- ",
    "1.",
    "85%",
    "2h",
    "0x",
    "...",
    "?.",
    "case x:",
    "default:",
    "goal: ",
    "plugin p {",
    "fn f(",
    "let ",
    "=",
    "==",
    "===",
    ";",
    ",",
    "not in",
    "lambda ",
    "`",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut s: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(s.len() + 1);
        match rng.below(4) {
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
            _ => {
                let c = char::from_u32(rng.below(0x3000) as u32).unwrap_or('?');
                s.insert(at, c);
            }
        }
    }
    s.into_iter().collect()
}

/// The fast pass (keyword dispatch, no labels) and the error pass must accept the same
/// files and build the same trees; and re-parsing only the failing statements with the error
/// pass (what `parse` does) must report exactly what the error pass over the whole file does.
fn same_tree_from_both_passes(src: &str) {
    use aether::syntax::{parse_with, Pass};
    let fast = parse_with(src, Pass::FastFirst);
    let rich = parse_with(src, Pass::ErrorPassOnly);
    assert_eq!(fast.file, rich.file, "trees differ for:\n{src}");
    assert_eq!(fast.has_errors(), rich.has_errors());
    assert_eq!(
        format!("{:?}", fast.diagnostics),
        format!("{:?}", rich.diagnostics),
        "diagnostics differ for:\n{src}"
    );
}

#[test]
fn both_passes_agree_on_the_corpus() {
    for src in corpus_texts() {
        same_tree_from_both_passes(&src);
    }
}

/// A property test in place of a fuzzer: mutated corpus files and random text never panic
/// (in the parser or the validator) and always give valid spans.
#[test]
fn mutated_corpus_never_panics() {
    let texts = corpus_texts();
    assert!(texts.len() > 50, "corpus not found");
    with_big_stack(move || {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let base = &texts[round % texts.len()];
            let src = mutate(&mut rng, base);
            let result = std::panic::catch_unwind(|| {
                check_invariants(&src);
                same_tree_from_both_passes(&src);
                // The validator also walks trees with error nodes without panicking (the
                // check itself only validates files that parse).
                let parsed = aether::syntax::parse(&src);
                let modules = aether::lint::validate::ModuleCache::default();
                let cx = aether::lint::validate::Context {
                    file: None,
                    modules: &modules,
                    host: &Default::default(),
                };
                for d in aether::lint::validate::validate(&parsed.file, &cx) {
                    assert!(d.span.end as usize <= src.len(), "{d:?}");
                }
            });
            assert!(result.is_ok(), "round {round} panicked on:\n{src}");
        }
        for round in 0..500 {
            let len = rng.below(200);
            let src: String = (0..len)
                .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
                .collect();
            let result = std::panic::catch_unwind(|| check_invariants(&src));
            assert!(result.is_ok(), "random round {round} panicked on:\n{src:?}");
        }
    });
}

/// Running any corpus file, and mutations of them, never panics: every outcome is a
/// structured code other than INTERNAL_ERROR (scripts run with a small step budget, an
/// in-memory store and a fixed clock, writing to a sink).
#[test]
fn running_corpus_files_and_mutations_never_panics() {
    let dir = std::env::temp_dir().join(format!("aether-run-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let texts = corpus_texts();
    let opts = aether::run::RunOptions {
        max_steps: 20_000,
        deterministic: true,
        timeout: Some(std::time::Duration::from_secs(5)),
        ..Default::default()
    };
    with_big_stack(move || {
        let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
        for round in 0..(texts.len() * 3) {
            let base = &texts[round % texts.len()];
            let src = if round < texts.len() {
                base.clone()
            } else {
                mutate(&mut rng, base)
            };
            let path = dir.join(format!("case{round}.aether"));
            std::fs::write(&path, &src).unwrap();
            let settings = aether::lint::check::Settings::default();
            let check = aether::lint::check::before_run(&path, &settings);
            let outcome = aether::run::run_file(&path, &opts, &check, &mut std::io::sink());
            assert_ne!(
                outcome.code,
                Code::InternalError,
                "round {round}: {:?}\n{src}",
                outcome.diagnostics.first().map(|d| &d.message)
            );
        }
    });
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("aether-run-robust-{}", std::process::id())),
    );
}
