//! Operator precedence and associativity, shown as fully parenthesised trees.

use aether::syntax::ast::{ExprKind, StmtKind};

fn show(e: &aether::syntax::ast::Expr) -> String {
    match &e.node {
        ExprKind::Binary { op, lhs, rhs } => format!("({} {op:?} {})", show(lhs), show(rhs)),
        ExprKind::Unary { op, expr } => format!("({op:?} {})", show(expr)),
        ExprKind::Predicate { expr, predicate } => format!("({} {predicate})", show(expr)),
        ExprKind::Conditional {
            cond,
            then,
            otherwise,
        } => format!("({} ? {} : {})", show(cond), show(then), show(otherwise)),
        ExprKind::Name { name } => name.to_string(),
        ExprKind::Int { value } => value.to_string(),
        other => format!("{other:?}"),
    }
}

fn tree(src: &str) -> String {
    let text = format!("x = {src}\n");
    let parsed = aether::syntax::parse(&text);
    assert!(!parsed.has_errors(), "{src}: {:?}", parsed.diagnostics);
    match &parsed.file.stmts[0].node {
        StmtKind::Assign {
            value: aether::syntax::ast::AssignValue::Expr { expr },
            ..
        } => show(expr),
        other => panic!("{src}: not an assignment: {other:?}"),
    }
}

#[test]
fn precedence_table() {
    let cases = [
        ("a + b * c", "(a Add (b Mul c))"),
        ("a - b - c", "((a Sub b) Sub c)"),
        ("a ** b ** c", "(a Pow (b Pow c))"),
        ("-a ** 2", "(Neg (a Pow 2))"),
        ("2 ** -1", "(2 Pow (Neg 1))"),
        ("-a * b", "((Neg a) Mul b)"),
        ("not a == b", "(Not (a Eq b))"),
        ("not a and b", "((Not a) And b)"),
        ("a or b and c", "(a Or (b And c))"),
        ("a || b && c", "(a Or (b And c))"),
        ("x not in y or z", "((x NotIn y) Or z)"),
        ("a ?? b || c", "(a Coalesce (b Or c))"),
        ("a -> b + c", "(a Arrow (b Add c))"),
        ("1..n + 1", "(1 Range (n Add 1))"),
        ("x exists and y", "((x exists) And y)"),
        ("not x exists", "(Not (x exists))"),
        ("a + b is not empty", "((a Add b) not empty)"),
        ("c ? a : b", "(c ? a : b)"),
        ("a if c else b", "(c ? a : b)"),
        ("a if c else b if d else e", "(c ? a : (d ? b : e))"),
    ];
    for (src, want) in cases {
        assert_eq!(tree(src), want, "{src}");
    }
}
