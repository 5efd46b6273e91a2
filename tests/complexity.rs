//! Parsing is linear in the input size: nesting a recursive form twice as deep at most about
//! doubles the parse time.
//!
//! Every recursive form of the grammar (expressions, brackets, lambdas, strings, and the block
//! statements of every dialect) is built nested 10, 12, 15, 20, 40, ... 640 and 1,000 levels
//! deep (forms nested by indentation up to 320: their text grows with the square of the
//! depth), in three variants:
//!
//! - `valid`: the nested form, complete, four copies side by side (one per line);
//! - `broken`: the same with `@ @` at the innermost point, four copies (an expression fails
//!   there, and every form around it is abandoned for the next alternative, or recovered);
//! - `unclosed`: only the openers, cut off at the end of the file (the layout pass closes what
//!   is left open, as in `a[a[a[a[`).
//!
//! Each size is parsed through `aether::syntax::parse` (lexer, layout, both parser passes when
//! the file has errors) repeatedly; the time of one parse is the median of several batches.
//! The input size is the number of tokens the parser gets (indentation is whitespace, so an
//! indented form has more bytes than tokens). Between consecutive sizes the time may grow by at
//! most 1.75 times the growth of the input (< 3.5x per doubling), and the time per token from 80
//! levels to the deepest by at most 3 times: a backtracking form that re-parses its contents grows
//! exponentially and fails at the first doubling, a quadratic one at the latest in the second
//! check. A ratio over the limit is measured again before it counts, so a burst of load on
//! the machine does not fail the test. Timing is relative, within one run: no absolute
//! budget.
//!
//! `AETHER_COMPLEXITY_REPORT=1` prints every measurement; `AETHER_COMPLEXITY_ONLY=index`
//! measures only the forms whose name contains `index`.

use std::fmt::Write as _;
use std::sync::mpsc;

// The allocator the `aether` binary runs with, so the times are those users see. With glibc's
// allocator and small files' trees no longer compacted, single deep forms (`fn_block` at 640
// levels) took 4x the time of half their depth in two of three runs, with this one none of
// four (presumably glibc's heap bookkeeping: compacting only adds parser work).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    Valid,
    Broken,
    Unclosed,
}

/// Nesting levels measured. The small steps at the start make an exponential form fail
/// after milliseconds instead of minutes.
const DEPTHS: [usize; 10] = [10, 12, 15, 20, 40, 80, 160, 320, 640, 1000];
/// The deepest nesting measured for forms nested by indentation.
const INDENTED_MAX_DEPTH: usize = 320;
/// Copies side by side in the `valid` and `broken` variants.
const WIDTH: usize = 4;
/// Batches per size; the median is taken.
const BATCHES: usize = 5;
/// A batch repeats the parse until it has run this long.
const MIN_BATCH: Duration = Duration::from_millis(3);
/// Allowed growth of the time per step, relative to the growth of the nesting.
const STEP_SLACK: f64 = 1.75;
/// Allowed growth of the time per nesting level from `OVERALL_FROM` to the deepest size.
const OVERALL_SLACK: f64 = 3.0;
const OVERALL_FROM: usize = 80;
/// A variant that runs longer than this is reported as super-linear (its thread is left
/// behind; the process ends with the test binary).
const VARIANT_BUDGET: Duration = Duration::from_secs(30);

/// A form nested by repeating `open` before and `close` after the innermost `inner`.
struct Nest {
    lead: &'static str,
    open: &'static str,
    inner: &'static str,
    close: &'static str,
    tail: &'static str,
}

impl Nest {
    fn build(&self, depth: usize, variant: Variant) -> String {
        let mut s = String::from(self.lead);
        s.push_str(&self.open.repeat(depth));
        if variant == Variant::Unclosed {
            return s;
        }
        s.push_str(if variant == Variant::Broken {
            "@ @"
        } else {
            self.inner
        });
        s.push_str(&self.close.repeat(depth));
        s.push_str(self.tail);
        s
    }
}

const fn nest(
    lead: &'static str,
    open: &'static str,
    inner: &'static str,
    close: &'static str,
    tail: &'static str,
) -> Nest {
    Nest {
        lead,
        open,
        inner,
        close,
        tail,
    }
}

/// Forms on one line (or in brackets, where newlines do not count).
const NESTED: &[(&str, Nest)] = &[
    // Lambdas.
    ("arrow", nest("f = ", "x => ", "1", "", "")),
    ("paren_arrow", nest("f = ", "(x) => ", "1", "", "")),
    ("empty_arrow", nest("f = ", "() => ", "1", "", "")),
    (
        "params_arrow",
        nest("f = ", "(a, b: int = 1, ...r) => ", "a", "", ""),
    ),
    (
        "destructuring_arrow",
        nest("f = ", "([a, b], {c, d}) => ", "a", "", ""),
    ),
    ("arrow_in_parens", nest("f = ", "(x => ", "1", ")", "")),
    ("arrow_in_list", nest("f = ", "[x => ", "1", "]", "")),
    (
        "arrow_in_map_call",
        nest("f = ", "xs.map(x => ", "x", ")", ""),
    ),
    (
        "arrow_block_body",
        nest("f = ", "x => { return ", "1", " }", ""),
    ),
    ("arrow_assign_body", nest("f = ", "x => y = ", "1", "", "")),
    (
        "function_expr",
        nest("f = ", "function(x) { return ", "1", " }", ""),
    ),
    ("lambda_keyword", nest("f = ", "lambda x: ", "x", "", "")),
    // Postfix forms.
    ("index", nest("x = ", "a[", "0", "]", "")),
    ("slice", nest("x = ", "a[1:", "0", "]", "")),
    ("slice_start", nest("x = ", "a[", "0", ":]", "")),
    ("call", nest("x = ", "f(", "1", ")", "")),
    ("call_two_args", nest("x = ", "f(1, ", "1", ")", "")),
    ("keyword_arg", nest("x = ", "f(k=", "1", ")", "")),
    ("spread_arg", nest("x = ", "f(...", "xs", ")", "")),
    ("method_call", nest("x = ", "a.b(", "1", ").c", "")),
    ("optional_call", nest("x = ", "a?.b(", "1", ")", "")),
    ("new", nest("x = ", "new Map(", "1", ")", "")),
    ("call_path", nest("x = ", "call sys/x.f(", "1", ")", "")),
    // Brackets.
    ("paren", nest("x = ", "(", "1", ")", "")),
    ("paren_sum", nest("x = ", "(1 + ", "1", ")", "")),
    ("tuple", nest("x = ", "(1, ", "1", ")", "")),
    ("list", nest("x = ", "[", "1", "]", "")),
    ("list_two_items", nest("x = ", "[1, ", "1", "]", "")),
    ("list_pair", nest("x = ", "[k: ", "1", "]", "")),
    ("list_spread", nest("x = ", "[...", "xs", "]", "")),
    ("map", nest("x = ", "{a: ", "1", "}", "")),
    ("map_string_key", nest("x = ", "{\"a\": ", "1", "}", "")),
    ("map_computed_key", nest("x = ", "{[", "k", "]: 1}", "")),
    ("map_spread", nest("x = ", "{...", "m", "}", "")),
    ("comprehension", nest("x = ", "[x for x in ", "xs", "]", "")),
    (
        "comprehension_condition",
        nest("x = ", "[x for x in xs if ", "a", "]", ""),
    ),
    (
        "generator_arg",
        nest("x = ", "any(x for x in ", "xs", ")", ""),
    ),
    // Conditionals and operators.
    (
        "if_expr_then",
        nest("x = ", "if a { ", "1", " } else { 2 }", ""),
    ),
    (
        "if_expr_else",
        nest("x = ", "if a { 1 } else ", "{ 2 }", "", ""),
    ),
    ("ternary_then", nest("x = ", "a ? ", "1", " : 2", "")),
    ("ternary_else", nest("x = ", "a ? 1 : ", "2", "", "")),
    (
        "python_conditional",
        nest("x = ", "1 if a else ", "2", "", ""),
    ),
    ("not", nest("x = ", "not (", "a", ")", "")),
    ("negation", nest("x = ", "-(", "a", ")", "")),
    ("prefix_chain", nest("x = ", "- ", "a", "", "")),
    ("binary_chain", nest("x = ", "a + ", "a", "", "")),
    // Strings: an interpolation holds an expression.
    ("interpolated_call", nest("x = f\"{", "f(", "1", ")", "}\"")),
    (
        "interpolated_arrow",
        nest("x = \"n {", "xs.map(x => ", "x", ")", "}\""),
    ),
    ("type_args", nest("let x: ", "List[", "int", "]", " = 1")),
    // Statements with brace blocks.
    ("if_block", nest("", "if a {\n", "b()\n", "}\n", "")),
    (
        "if_else_block",
        nest("", "if a { b() } else {\n", "b()\n", "}\n", ""),
    ),
    (
        "else_if_chain",
        nest(
            "if a { b() } else",
            " if a { b() } else",
            " { b() }",
            "",
            "\n",
        ),
    ),
    ("while_block", nest("", "while a {\n", "b()\n", "}\n", "")),
    ("for_block", nest("", "for x in xs {\n", "b()\n", "}\n", "")),
    ("fn_block", nest("", "fn f(a) {\n", "b()\n", "}\n", "")),
    ("plugin_block", nest("", "plugin p {\n", "b()\n", "}\n", "")),
    ("named_block", nest("", "config {\n", "b()\n", "}\n", "")),
    (
        "call_with_block",
        nest("", "goal(\"x\") {\n", "b()\n", "}\n", ""),
    ),
    (
        "command_with_block",
        nest("", "store x in memory {\n", "b()\n", "}\n", ""),
    ),
    (
        "remember_block",
        nest("", "remember x as \"t\" {\n", "b()\n", "}\n", ""),
    ),
    (
        "try_block",
        nest("", "try {\n", "b()\n", "} catch (e) {\n}\n", ""),
    ),
    (
        "match_block",
        nest("", "match x {\ncase 1: {\n", "b()\n", "}\n}\n", ""),
    ),
    ("every_block", nest("", "every 5m {\n", "b()\n", "}\n", "")),
    ("when_block", nest("", "when a {\n", "b()\n", "}\n", "")),
    (
        "lambda_block_lines",
        nest("x = ", "xs.map(a => {\n", "b()\n", "})\n", ""),
    ),
    (
        "function_block_lines",
        nest("x = ", "f(function(a) {\n", "b()\n", "})\n", ""),
    ),
    (
        "if_without_else_assigned",
        nest("", "x = if a {\n", "b()\n", "}\n", ""),
    ),
    (
        "lambda_in_if_condition",
        nest("", "if f(e => {\n", "b()\n", "})\n", ""),
    ),
    ("colon_inline", nest("", "if a: ", "b()", "", "\n")),
    ("numbered_step", nest("", "1. ", "b()", "", "\n")),
    ("key_brace_map", nest("", "a: {\n", "b: 1\n", "}\n", "")),
];

/// Forms still parsed in time exponential in their nesting (`known_slow_forms`, ignored):
/// - a statement whose leading expression holds a block, followed by more words, is parsed
///   as an expression, then again as a command (and an assignment's value again as a
///   statement), so every nested block is parsed two or three times per level (an
///   unterminated string after `})` is enough). Fixing it needs the statement forms to share
///   the parse of their leading expression;
/// - when `function(a = ...` has no block, the parameter list fails and the same text is
///   parsed again as a call of `function` (`fn()` may call a parameter named `fn`): in the
///   error pass, which does not memoize, its default values are parsed twice per level.
const KNOWN_SLOW: &[(&str, Nest)] = &[
    (
        "function_default_values",
        nest("f = ", "function(a = ", "1", ") {}", ""),
    ),
    (
        "command_after_lambda_block",
        nest("", "xs.map(a => {\n", "b()\n", "}) extra\n", ""),
    ),
    (
        "words_after_assigned_lambda_block",
        nest("", "f = x => {\n", "b()\n", "} junk\n", ""),
    ),
];

/// Forms nested by indentation: `header(level)` opens a level, `footer(level)` closes it
/// (`end` lines), `inner` is the innermost line.
struct Indented {
    header: fn(&str) -> String,
    inner: &'static str,
    footer: fn(&str) -> String,
}

fn no_footer(_: &str) -> String {
    String::new()
}

const INDENTED: &[(&str, Indented)] = &[
    (
        "if_colon",
        Indented {
            header: |i| format!("{i}if a:\n"),
            inner: "b()",
            footer: no_footer,
        },
    ),
    (
        "while_colon",
        Indented {
            header: |i| format!("{i}while a:\n"),
            inner: "b()",
            footer: no_footer,
        },
    ),
    (
        "function_colon",
        Indented {
            header: |i| format!("{i}function f(a):\n"),
            inner: "b()",
            footer: no_footer,
        },
    ),
    (
        "try_colon",
        Indented {
            header: |i| format!("{i}try:\n"),
            inner: "b()",
            footer: |i| format!("{i}except Exception as e:\n{i}  b()\n"),
        },
    ),
    (
        "when_end",
        Indented {
            header: |i| format!("{i}when a:\n"),
            inner: "b()",
            footer: |i| format!("{i}end\n"),
        },
    ),
    (
        "for_end",
        Indented {
            header: |i| format!("{i}for x in xs\n"),
            inner: "b()",
            footer: |i| format!("{i}end\n"),
        },
    ),
    (
        "define_end",
        Indented {
            header: |i| format!("{i}define f(a)\n"),
            inner: "b()",
            footer: |i| format!("{i}end\n"),
        },
    ),
    (
        "if_else_end",
        Indented {
            header: |i| format!("{i}if a\n"),
            inner: "b()",
            footer: |i| format!("{i}else\n{i}  b()\n{i}end\n"),
        },
    ),
    (
        "key_suite",
        Indented {
            header: |i| format!("{i}a:\n"),
            inner: "b: 1",
            footer: no_footer,
        },
    ),
    (
        "yaml_list",
        Indented {
            header: |i| format!("{i}- a:\n"),
            inner: "- b",
            footer: no_footer,
        },
    ),
    (
        "command_suite",
        Indented {
            header: |i| format!("{i}simulate agent for 12h\n"),
            inner: "observe metrics",
            footer: |i| format!("{i}end\n"),
        },
    ),
    (
        "entry_with_suite",
        Indented {
            header: |i| format!("{i}command: \"search\"\n"),
            inner: "input: x",
            footer: no_footer,
        },
    ),
];

impl Indented {
    fn build(&self, depth: usize, variant: Variant) -> String {
        let mut s = String::new();
        for level in 0..depth {
            s.push_str(&(self.header)(&" ".repeat(level)));
        }
        let indent = " ".repeat(depth);
        s.push_str(&indent);
        match variant {
            // The blocks close at the end of the file; the innermost line is missing.
            Variant::Unclosed => s.push_str("b(\n"),
            Variant::Broken => s.push_str("b(@ @)\n"),
            Variant::Valid => {
                s.push_str(self.inner);
                s.push('\n');
            }
        }
        if variant != Variant::Unclosed {
            for level in (0..depth).rev() {
                s.push_str(&(self.footer)(&" ".repeat(level)));
            }
        }
        s
    }
}

fn source(name: &str, depth: usize, variant: Variant) -> String {
    let one = |d| {
        if let Some((_, n)) = NESTED.iter().chain(KNOWN_SLOW).find(|(k, _)| *k == name) {
            n.build(d, variant)
        } else if let Some((_, n)) = INDENTED.iter().find(|(k, _)| *k == name) {
            n.build(d, variant)
        } else {
            panic!("no form {name}")
        }
    };
    if variant == Variant::Unclosed {
        return one(depth);
    }
    let unit = one(depth);
    let mut s = String::new();
    for _ in 0..WIDTH {
        s.push_str(&unit);
        if !unit.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// Parse once; whether the parse reported anything.
fn parse_once(src: &str) -> bool {
    let parsed = aether::syntax::parse(std::hint::black_box(src));
    !parsed.diagnostics.is_empty()
}

/// The parser's input size: tokens after the layout pass (indentation is whitespace, so a
/// deeply indented file has many more bytes than tokens).
fn tokens(src: &str) -> usize {
    aether::syntax::parse(src).tokens.len()
}

/// Median time of one parse, or `None` when the first parse alone took longer than `limit`.
fn measure(src: &str, limit: Duration) -> Option<Duration> {
    let t = Instant::now();
    parse_once(src);
    let first = t.elapsed();
    if first > limit {
        return None;
    }
    let per_batch = (MIN_BATCH.as_secs_f64() / first.as_secs_f64().max(1e-7)).ceil() as u32;
    let per_batch = per_batch.clamp(1, 100_000);
    let mut times: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                parse_once(src);
            }
            t.elapsed() / per_batch
        })
        .collect();
    times.sort();
    Some(times[BATCHES / 2])
}

struct Point {
    depth: usize,
    size: usize,
    time: Duration,
}

/// Measure one form's variant at every depth; `Err` describes a super-linear step.
fn check_variant(name: &str, variant: Variant) -> Result<String, String> {
    let mut report = String::new();
    let mut points: Vec<Point> = Vec::new();
    // An indented form's text grows with the square of its depth (each level is indented one
    // column more), so past a few hundred levels lexing the indentation would dominate.
    let indented = INDENTED.iter().any(|(k, _)| *k == name);
    for depth in DEPTHS {
        if indented && depth > INDENTED_MAX_DEPTH {
            break;
        }
        let src = source(name, depth, variant);
        let size = tokens(&src);
        if depth == DEPTHS[0] && variant == Variant::Valid {
            // The valid variant is valid. (The others may parse too: `@ @` is punctuation
            // to a command, and anything is text after `key:`; they make the parser try and
            // abandon forms, which is what they are for.)
            assert!(!parse_once(&src), "{name}: diagnostics for\n{src}");
        }
        let Some(prev) = points.last() else {
            let time = measure(&src, Duration::from_secs(10))
                .ok_or_else(|| format!("{name}/{variant:?}: nesting {depth} over 10 s\n"))?;
            let _ = write!(report, " {depth}:{time:.1?}");
            points.push(Point { depth, size, time });
            continue;
        };
        let allowed = STEP_SLACK * size as f64 / prev.size as f64;
        // A single parse this long is over the limit whatever the batches would say.
        let limit = prev
            .time
            .mul_f64(allowed * 10.0)
            .max(Duration::from_millis(200));
        let (mut before, mut time) = (prev.time, measure(&src, limit));
        // Over the limit: measure both sizes again before it counts.
        for _ in 0..3 {
            match time {
                Some(t) if t.as_secs_f64() <= allowed * before.as_secs_f64() => break,
                None => break,
                Some(_) => {
                    let prev_src = source(name, prev.depth, variant);
                    before = measure(&prev_src, Duration::from_secs(60)).unwrap_or(before);
                    time = measure(&src, limit);
                }
            }
        }
        let Some(time) = time else {
            return Err(format!(
                "{name}/{variant:?}: nesting {} -> {depth}: {before:.2?} -> over {limit:.2?};{report}\n",
                prev.depth
            ));
        };
        let _ = write!(report, " {depth}:{time:.1?}");
        let ratio = time.as_secs_f64() / before.as_secs_f64().max(1e-9);
        if ratio > allowed {
            return Err(format!(
                "{name}/{variant:?}: nesting {} -> {depth} ({} -> {size} tokens): \
                 {before:.2?} -> {time:.2?} ({ratio:.1}x, allowed {allowed:.1}x);{report}\n",
                prev.depth, prev.size
            ));
        }
        points.push(Point { depth, size, time });
    }
    let per_token = |p: &Point| p.time.as_secs_f64() / p.size as f64;
    if let (Some(from), Some(last)) = (
        points.iter().find(|p| p.depth == OVERALL_FROM),
        points.last(),
    ) {
        let growth = per_token(last) / per_token(from);
        if growth > OVERALL_SLACK {
            return Err(format!(
                "{name}/{variant:?}: time per token grew {growth:.1}x from nesting {} to {};{report}\n",
                from.depth, last.depth
            ));
        }
    }
    Ok(format!("{name}/{variant:?}:{report}\n"))
}

fn all_forms() -> Vec<&'static str> {
    NESTED
        .iter()
        .chain(KNOWN_SLOW)
        .map(|(k, _)| *k)
        .chain(INDENTED.iter().map(|(k, _)| *k))
        .collect()
}

/// Run `check_variant` on a thread with the CLI's stack, giving up after `VARIANT_BUDGET`.
fn run_variant(name: &'static str, variant: Variant) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(aether::syntax::STACK_SIZE)
        .spawn(move || {
            let r = std::panic::catch_unwind(|| check_variant(name, variant));
            let _ = tx.send(r);
        })
        .expect("thread starts");
    match rx.recv_timeout(VARIANT_BUDGET) {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(format!("{name}/{variant:?}: panicked\n")),
        Err(_) => Err(format!(
            "{name}/{variant:?}: still parsing after {VARIANT_BUDGET:?}\n"
        )),
    }
}

/// The two tests measure one after the other, not side by side.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn check_forms(filter: impl Fn(&str) -> bool) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let only = std::env::var("AETHER_COMPLEXITY_ONLY").ok();
    let mut failures = String::new();
    let mut report = String::new();
    for name in all_forms() {
        if !filter(name) || only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        for variant in [Variant::Valid, Variant::Broken, Variant::Unclosed] {
            match run_variant(name, variant) {
                Ok(r) => report.push_str(&r),
                Err(e) => failures.push_str(&e),
            }
        }
    }
    if std::env::var_os("AETHER_COMPLEXITY_REPORT").is_some() {
        eprint!("{report}");
    }
    assert!(failures.is_empty(), "super-linear parse times:\n{failures}");
}

#[test]
fn expression_forms_parse_in_linear_time() {
    check_forms(|name| {
        NESTED
            .iter()
            .any(|(k, n)| *k == name && !n.open.contains('\n'))
    });
}

#[test]
#[ignore = "known exponential forms, not fixed yet (see KNOWN_SLOW)"]
fn known_slow_forms() {
    check_forms(|name| KNOWN_SLOW.iter().any(|(k, _)| *k == name));
}

#[test]
fn block_forms_parse_in_linear_time() {
    check_forms(|name| {
        INDENTED.iter().any(|(k, _)| *k == name)
            || NESTED
                .iter()
                .any(|(k, n)| *k == name && n.open.contains('\n'))
    });
}
