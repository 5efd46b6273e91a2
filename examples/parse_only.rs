//! Parse files and print how many statements and diagnostics they have: the parser alone,
//! for instruction counts (`valgrind --tool=callgrind target/release/examples/parse_only FILE`).
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("readable file");
        let parsed = aether::syntax::parse(&text);
        println!(
            "{path}: {} statements, {} diagnostics",
            parsed.file.stmts.len(),
            parsed.diagnostics.len()
        );
    }
}
