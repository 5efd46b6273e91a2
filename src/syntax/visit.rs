//! A read-only walk over the AST, in source order.
//!
//! Later stages (the validator, the interpreter's pre-pass, the migrator, `parse --stats`)
//! override the `visit_*` methods they care about and call the matching `walk_*` function to
//! continue into children. The walk functions match every variant exhaustively, so a new node
//! kind cannot be silently skipped.

use crate::syntax::ast::*;

/// `'a` is both the borrow of the tree and its source: the AST is covariant, so a
/// `&'a Stmt<'s>` is a `&'a Stmt<'a>`, and a visitor may keep references into the tree
/// (the validator keeps names in its scopes).
pub trait Visitor<'a>: Sized {
    fn visit_stmt(&mut self, stmt: &'a Stmt<'a>) {
        walk_stmt(self, stmt);
    }
    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        walk_expr(self, expr);
    }
    fn visit_block(&mut self, block: &'a Block<'a>) {
        walk_block(self, block);
    }
    fn visit_value(&mut self, value: &'a Value<'a>) {
        walk_value(self, value);
    }
    fn visit_part(&mut self, part: &'a Part<'a>) {
        walk_part(self, part);
    }
    fn visit_arg(&mut self, arg: &'a Arg<'a>) {
        walk_arg(self, arg);
    }
    fn visit_param(&mut self, param: &'a Param<'a>) {
        walk_param(self, param);
    }
    fn visit_key_value(&mut self, kv: &'a KeyValue<'a>) {
        walk_key_value(self, kv);
    }
}

pub fn walk_file<'a, V: Visitor<'a>>(v: &mut V, file: &'a File<'a>) {
    for s in &file.stmts {
        v.visit_stmt(s);
    }
}

pub fn walk_block<'a, V: Visitor<'a>>(v: &mut V, block: &'a Block<'a>) {
    for s in &block.stmts {
        v.visit_stmt(s);
    }
}

fn opt_block<'a, V: Visitor<'a>>(v: &mut V, block: &'a Option<Block<'a>>) {
    if let Some(b) = block {
        v.visit_block(b);
    }
}

fn assign_value<'a, V: Visitor<'a>>(v: &mut V, value: &'a AssignValue<'a>) {
    match value {
        AssignValue::Expr { expr } => v.visit_expr(expr),
        AssignValue::Stmt { stmt } => v.visit_stmt(stmt),
    }
}

pub fn walk_stmt<'a, V: Visitor<'a>>(v: &mut V, stmt: &'a Stmt<'a>) {
    match &stmt.node {
        StmtKind::Expr { expr, body } => {
            v.visit_expr(expr);
            opt_block(v, body);
        }
        StmtKind::Let { value, .. } => {
            if let Some(value) = value {
                assign_value(v, value);
            }
        }
        StmtKind::Assign { target, value, .. } => {
            v.visit_expr(target);
            assign_value(v, value);
        }
        StmtKind::TypedAssign { value, .. } => v.visit_expr(value),
        StmtKind::Directive { kv, .. } | StmtKind::Entry { kv } => v.visit_key_value(kv),
        StmtKind::Section { body, .. }
        | StmtKind::Plugin { body, .. }
        | StmtKind::Behavior { body, .. } => v.visit_block(body),
        StmtKind::Await { names } => names.iter().for_each(|e| v.visit_expr(e)),
        StmtKind::ListItem { item } => v.visit_stmt(item),
        StmtKind::Step { stmt, .. } => v.visit_stmt(stmt),
        StmtKind::If {
            branches,
            else_body,
        } => {
            for b in branches {
                v.visit_expr(&b.cond);
                v.visit_block(&b.body);
            }
            opt_block(v, else_body);
        }
        StmtKind::Guard { cond } => v.visit_expr(cond),
        StmtKind::For { iter, body, .. } => {
            v.visit_expr(iter);
            v.visit_block(body);
        }
        StmtKind::While { cond, body } | StmtKind::When { cond, body } => {
            v.visit_expr(cond);
            v.visit_block(body);
        }
        StmtKind::Try {
            body,
            catches,
            finally,
        } => {
            v.visit_block(body);
            for c in catches {
                if let Some(x) = &c.exception {
                    v.visit_expr(x);
                }
                v.visit_block(&c.body);
            }
            opt_block(v, finally);
        }
        StmtKind::Match { subject, cases } => {
            v.visit_expr(subject);
            for c in cases {
                c.patterns.iter().for_each(|p| v.visit_expr(p));
                v.visit_block(&c.body);
            }
        }
        StmtKind::Return { value } => {
            if let Some(x) = value {
                v.visit_expr(x);
            }
        }
        StmtKind::Throw { value }
        | StmtKind::Log { value }
        | StmtKind::Think { value }
        | StmtKind::Wait { duration: value } => v.visit_expr(value),
        StmtKind::Function { params, body, .. } => {
            params.iter().for_each(|p| v.visit_param(p));
            v.visit_block(body);
        }
        StmtKind::NamedBlock { args, body, .. } => {
            if let Some(args) = args {
                args.iter().for_each(|a| v.visit_arg(a));
            }
            v.visit_block(body);
        }
        StmtKind::Trigger { head, body, .. } => {
            head.iter().for_each(|p| v.visit_part(p));
            v.visit_block(body);
        }
        StmtKind::Remember { value, tags, body } => {
            v.visit_expr(value);
            if let Some(t) = tags {
                v.visit_expr(t);
            }
            opt_block(v, body);
        }
        StmtKind::Recall { value, into, .. } => {
            v.visit_expr(value);
            if let Some(x) = into {
                v.visit_expr(x);
            }
        }
        StmtKind::Phrase { body, .. } => opt_block(v, body),
        StmtKind::Command { command } => {
            command.parts.iter().for_each(|p| v.visit_part(p));
            opt_block(v, &command.body);
        }
        StmtKind::Import { .. }
        | StmtKind::Use { .. }
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Foreign { .. }
        | StmtKind::Error => {}
    }
}

pub fn walk_key_value<'a, V: Visitor<'a>>(v: &mut V, kv: &'a KeyValue<'a>) {
    if let Some(value) = &kv.value {
        v.visit_value(value);
    }
    for o in &kv.options {
        v.visit_value(&o.value);
    }
    opt_block(v, &kv.body);
}

pub fn walk_value<'a, V: Visitor<'a>>(v: &mut V, value: &'a Value<'a>) {
    match value {
        Value::Expr { expr } => v.visit_expr(expr),
        Value::Invoke { invoke, .. } => invoke.args.iter().for_each(|p| v.visit_part(p)),
        Value::Schedule { schedule, .. } => {
            for e in [&schedule.every, &schedule.at, &schedule.on]
                .into_iter()
                .flatten()
            {
                v.visit_expr(e);
            }
        }
        Value::Text { .. } | Value::BlockScalar { .. } => {}
    }
}

pub fn walk_part<'a, V: Visitor<'a>>(v: &mut V, part: &'a Part<'a>) {
    match part {
        Part::Expr { expr } => v.visit_expr(expr),
        Part::Pair { pair } => v.visit_value(&pair.value),
        Part::Word { .. } => {}
    }
}

pub fn walk_arg<'a, V: Visitor<'a>>(v: &mut V, arg: &'a Arg<'a>) {
    match arg {
        Arg::Positional { value } | Arg::Keyword { value, .. } | Arg::Spread { value } => {
            v.visit_expr(value)
        }
    }
}

pub fn walk_param<'a, V: Visitor<'a>>(v: &mut V, param: &'a Param<'a>) {
    if let Some(d) = &param.default {
        v.visit_expr(d);
    }
}

/// A map literal's entries as code that reads names: every value, and each key that is an
/// expression, but not a bare-word key (`{ error: x }`: the word is the key's text, not a
/// read of `error`). A shorthand entry (`{ x }`) reads `x` but has no expression of its own:
/// `shorthand` gets its name, in source order with the rest.
///
/// Not what [`walk_expr`] does (it visits every key, for visitors that want all the tree);
/// for those that track which names are read (the validator, the editor's highlighting).
pub fn walk_map_reads<'a, V: Visitor<'a>>(
    v: &mut V,
    entries: &'a [MapEntry<'a>],
    mut shorthand: impl FnMut(&mut V, &'a Name<'a>),
) {
    for e in entries {
        match e {
            MapEntry::Pair { key, value } => {
                if !matches!(key.node, ExprKind::Name { .. }) {
                    v.visit_expr(key);
                }
                v.visit_expr(value);
            }
            MapEntry::Spread { value } => v.visit_expr(value),
            MapEntry::Shorthand { name } => shorthand(v, name),
        }
    }
}

pub fn walk_expr<'a, V: Visitor<'a>>(v: &mut V, expr: &'a Expr<'a>) {
    match &expr.node {
        ExprKind::Null
        | ExprKind::Bool { .. }
        | ExprKind::Int { .. }
        | ExprKind::Float { .. }
        | ExprKind::Percent { .. }
        | ExprKind::Duration { .. }
        | ExprKind::Regex { .. }
        | ExprKind::Name { .. }
        | ExprKind::Var { .. }
        | ExprKind::Placeholder { .. }
        | ExprKind::Error => {}
        ExprKind::Str { parts, .. } => {
            for p in parts {
                if let StrPart::Interp { expr, .. } = p {
                    v.visit_expr(expr);
                }
            }
        }
        ExprKind::List { items } | ExprKind::Tuple { items } => {
            items.iter().for_each(|e| v.visit_expr(e))
        }
        ExprKind::ListPair { key, value } => {
            v.visit_expr(key);
            v.visit_expr(value);
        }
        ExprKind::Map { entries } => {
            for e in entries {
                match e {
                    MapEntry::Pair { key, value } => {
                        v.visit_expr(key);
                        v.visit_expr(value);
                    }
                    MapEntry::Spread { value } => v.visit_expr(value),
                    MapEntry::Shorthand { .. } => {}
                }
            }
        }
        ExprKind::Paren { expr }
        | ExprKind::Unary { expr, .. }
        | ExprKind::Postfix { expr, .. }
        | ExprKind::Predicate { expr, .. } => v.visit_expr(expr),
        ExprKind::Binary { lhs, rhs, .. } => {
            v.visit_expr(lhs);
            v.visit_expr(rhs);
        }
        ExprKind::Conditional {
            cond,
            then,
            otherwise,
        } => {
            // Source order differs by spelling (`c ? a : b` vs `a if c else b`).
            let mut parts = [cond, then, otherwise];
            parts.sort_by_key(|e| e.span.start);
            parts.iter().for_each(|e| v.visit_expr(e));
        }
        ExprKind::Call { callee, args } | ExprKind::New { callee, args } => {
            v.visit_expr(callee);
            args.iter().for_each(|a| v.visit_arg(a));
        }
        ExprKind::Member { object, .. } => v.visit_expr(object),
        ExprKind::Index { object, index } => {
            v.visit_expr(object);
            v.visit_expr(index);
        }
        ExprKind::Slice { object, start, end } => {
            v.visit_expr(object);
            for e in [start, end].into_iter().flatten() {
                v.visit_expr(e);
            }
        }
        ExprKind::Lambda { params, body } => {
            params.iter().for_each(|p| v.visit_param(p));
            match body {
                LambdaBody::Expr { expr } => v.visit_expr(expr),
                LambdaBody::Block { block } => v.visit_block(block),
            }
        }
        ExprKind::FnExpr { params, body } => {
            params.iter().for_each(|p| v.visit_param(p));
            v.visit_block(body);
        }
        ExprKind::IfExpr {
            cond,
            then,
            otherwise,
        } => {
            v.visit_expr(cond);
            v.visit_block(then);
            v.visit_expr(otherwise);
        }
        ExprKind::BlockExpr { block } => v.visit_block(block),
        ExprKind::CallPath(call) => {
            if let Some(args) = &call.args {
                args.iter().for_each(|a| v.visit_arg(a));
            }
        }
        ExprKind::Comprehension(c) => {
            // Source order: element, then `for ... in iter`, then `if cond`.
            v.visit_expr(&c.element);
            v.visit_expr(&c.iter);
            if let Some(cond) = &c.cond {
                v.visit_expr(cond);
            }
        }
        ExprKind::Assign { target, value, .. } => {
            v.visit_expr(target);
            v.visit_expr(value);
        }
    }
}
