//! The AST walk reaches every expression, in source order.

use aether::syntax::ast::{Expr, ExprKind, Stmt};
use aether::syntax::visit::{walk_expr, walk_file, walk_stmt, Visitor};
use serde_json::Value;

#[derive(Default)]
struct Recorder {
    starts: Vec<u32>,
    names: usize,
}

impl<'a> Visitor<'a> for Recorder {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        self.starts.push(stmt.span.start);
        walk_stmt(self, stmt);
    }
    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        self.starts.push(expr.span.start);
        if matches!(expr.node, ExprKind::Name { .. }) {
            self.names += 1;
        }
        walk_expr(self, expr);
    }
}

fn json_names(v: &Value) -> usize {
    match v {
        Value::Object(m) => {
            let here = usize::from(m.get("kind").and_then(Value::as_str) == Some("Name"));
            here + m.values().map(json_names).sum::<usize>()
        }
        Value::Array(a) => a.iter().map(json_names).sum(),
        _ => 0,
    }
}

#[test]
fn walk_reaches_every_name_in_source_order() {
    let mut files = 0;
    let mut stack = vec![std::path::PathBuf::from("corpus/valid")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let parsed = aether::syntax::parse(&src);
            let mut rec = Recorder::default();
            walk_file(&mut rec, &parsed.file);
            let tree = serde_json::to_value(&parsed.file).unwrap();
            assert_eq!(
                rec.names,
                json_names(&tree),
                "{}: names missed by the walk",
                path.display()
            );
            assert!(
                rec.starts.windows(2).all(|w| w[0] <= w[1]),
                "{}: walk not in source order",
                path.display()
            );
            files += 1;
        }
    }
    assert!(files > 50);
}
