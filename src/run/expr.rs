//! Expressions: operators, calls, members, strings.

use super::eval::{Interp, R};
use super::host::EffectKind;
use super::value::Env;
use super::value::{format_float, Body, Fields, Value, MAX_SIZE};
use crate::syntax::ast::*;
use crate::syntax::span::Span;
use std::rc::Rc;

/// Keyword arguments of a call, in source order.
pub(super) type KwArgs<'a> = Vec<(&'a str, Value<'a>)>;

impl<'a> Interp<'a, '_> {
    /// The hot expression kinds, in a small function; everything else is `eval_other`, kept
    /// out of line so the frequent path has a small stack frame.
    pub(super) fn eval(&mut self, expr: &'a Expr<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match &expr.node {
            ExprKind::Int { value } => Ok(Value::Int(*value)),
            ExprKind::Name { name } => match env.get(name) {
                Some(v) => Ok(v),
                None => self.unbound_name(name, expr.span),
            },
            ExprKind::Call { callee, args } => self.call_expr(callee, args, env, expr.span),
            // Short-circuit operators and `->` are in `eval_other`.
            ExprKind::Binary { op, lhs, rhs }
                if !matches!(op, BinOp::And | BinOp::Or | BinOp::Coalesce | BinOp::Arrow) =>
            {
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                self.binary(*op, l, r, expr.span)
            }
            ExprKind::Member {
                object,
                name,
                optional,
            } => {
                // `analyze a.cpu` among words: a dotted word, as written.
                if self.word_object(object, env).is_some() {
                    return Ok(Value::str(self.source_text(expr.span).trim()));
                }
                let obj = self.eval(object, env)?;
                if *optional && matches!(obj, Value::Null) {
                    return Ok(Value::Null);
                }
                self.member(obj, name.node, name.span)
            }
            ExprKind::Index { object, index } => {
                let obj = self.eval(object, env)?;
                let idx = self.eval(index, env)?;
                self.index(obj, idx, index.span)
            }
            _ => self.eval_other(expr, env),
        }
    }

    /// `new Map()`, `new Set(items)`, `new Array()`, `new Date()` are made here; `new X(...)`
    /// of anything else is a request to the host for a new X.
    fn construct(
        &mut self,
        callee: &'a Expr<'a>,
        args: &'a [Arg<'a>],
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let (pos, kw) = self.call_args(args, env)?;
        let class = self.source_text(callee.span).trim();
        match class {
            "Map" | "Object" => Ok(Value::map(Fields::default())),
            "Array" | "Set" => {
                let mut items = match pos.first() {
                    Some(Value::List(l)) => l.borrow().clone(),
                    _ => Vec::new(),
                };
                if class == "Set" {
                    let mut seen: Vec<Value<'a>> = Vec::new();
                    items.retain(|v| {
                        let new = !seen.iter().any(|s| s.equals(v));
                        if new {
                            seen.push(v.clone());
                        }
                        new
                    });
                }
                Ok(Value::list(items))
            }
            "Date" => Ok(Value::Int((self.now() * 1000.0) as i64)),
            _ => {
                let name = format!("new {class}");
                self.request(EffectKind::Host, &name, &pos, &kw, span)
            }
        }
    }

    /// A name the script does not bind: a builtin, a word (outside code), a value the host
    /// binds, or an error the validator would have reported (V009).
    #[inline(never)]
    fn unbound_name(&mut self, name: &'a str, span: Span) -> R<'a, Value<'a>> {
        if let Some(b) = crate::registry::builtins::lookup(name) {
            return Ok(Value::Builtin(b));
        }
        match name {
            "undefined" => return Ok(Value::Null),
            "Infinity" => return Ok(Value::Float(f64::INFINITY)),
            "NaN" => return Ok(Value::Float(f64::NAN)),
            _ => {}
        }
        if !self.position.reads_names() {
            return Ok(Value::str(name));
        }
        if let Some(v) = self.host_name(name) {
            return Ok(v);
        }
        self.fail(span, format!("'{name}' is not defined"))
    }

    #[inline(never)]
    fn eval_other(&mut self, expr: &'a Expr<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match &expr.node {
            ExprKind::Int { .. }
            | ExprKind::Name { .. }
            | ExprKind::Call { .. }
            | ExprKind::Member { .. }
            | ExprKind::Index { .. } => self.eval(expr, env),
            ExprKind::Null => Ok(Value::Null),
            ExprKind::Bool { value } => Ok(Value::Bool(*value)),
            ExprKind::Float { value } => Ok(Value::Float(*value)),
            // `85%` is the fraction 0.85.
            ExprKind::Percent { value } => Ok(Value::Float(value / 100.0)),
            ExprKind::Duration { value, unit } => Ok(seconds(*value, unit)),
            ExprKind::Str { parts, .. } => self.string(parts, env),
            ExprKind::Regex { .. } => self.unsupported(expr.span, "a regex literal"),
            ExprKind::Var { name } => Ok(env.get(name).unwrap_or(Value::Null)),
            ExprKind::Placeholder { name } => Ok(Value::str(&format!("{{{{{name}}}}}"))),
            // `[ curious: 0.8, cautious: 0.4 ]` (configuration blocks): pairs in brackets
            // make a map.
            ExprKind::List { items }
                if !items.is_empty()
                    && items
                        .iter()
                        .all(|i| matches!(i.node, ExprKind::ListPair { .. })) =>
            {
                let mut m = Fields::default();
                for i in items {
                    if let ExprKind::ListPair { key, value } = &i.node {
                        let k: Rc<str> = match &key.node {
                            ExprKind::Name { name } => Rc::from(*name),
                            _ => self.eval(key, env)?.key(),
                        };
                        let v = self.data(value, env)?;
                        m.insert(k, v);
                    }
                }
                Ok(Value::map(m))
            }
            ExprKind::List { items } => {
                // `[x * 2 for x in xs]`: the brackets hold a comprehension, which is the list.
                if let [item @ Expr {
                    node: ExprKind::Comprehension(_),
                    ..
                }] = items.as_slice()
                {
                    return self.eval(item, env);
                }
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match &i.node {
                        ExprKind::Unary {
                            op: UnOp::Spread,
                            expr: inner,
                        } => match self.eval(inner, env)? {
                            Value::List(l) => out.extend(l.borrow().iter().cloned()),
                            other => {
                                return self.fail(
                                    inner.span,
                                    format!("cannot spread {} into a list", other.a_type()),
                                )
                            }
                        },
                        _ => out.push(self.eval(i, env)?),
                    }
                }
                Ok(Value::list(out))
            }
            ExprKind::ListPair { .. } => {
                self.unsupported(expr.span, "a 'key: value' pair in a list")
            }
            ExprKind::Map { entries } => {
                let mut m = Fields::with_capacity_and_hasher(entries.len(), Default::default());
                for e in entries {
                    match e {
                        MapEntry::Pair { key, value } => {
                            let k: Rc<str> = match &key.node {
                                ExprKind::Name { name } => Rc::from(*name),
                                _ => self.eval(key, env)?.key(),
                            };
                            let v = self.eval(value, env)?;
                            m.insert(k, v);
                        }
                        MapEntry::Shorthand { name } => {
                            let v = env.get(name.node).unwrap_or(Value::Null);
                            m.insert(Rc::from(name.node), v);
                        }
                        MapEntry::Spread { value } => match self.eval(value, env)? {
                            Value::Map(other) => {
                                for (k, v) in other.borrow().iter() {
                                    m.insert(k.clone(), v.clone());
                                }
                            }
                            Value::Null => {}
                            other => {
                                return self.fail(
                                    value.span,
                                    format!("cannot spread {} into a map", other.a_type()),
                                )
                            }
                        },
                    }
                }
                Ok(Value::map(m))
            }
            ExprKind::Tuple { items } => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                Ok(Value::list(out))
            }
            ExprKind::Paren { expr } => self.eval(expr, env),
            ExprKind::Unary { op, expr: inner } => {
                let v = self.eval(inner, env)?;
                match (op, &v) {
                    (UnOp::Not, _) => Ok(Value::Bool(!v.truthy())),
                    // `-i64::MIN` does not fit: it becomes a float, as overflowing `*` does.
                    (UnOp::Neg, Value::Int(i)) => Ok(i
                        .checked_neg()
                        .map_or(Value::Float(-(*i as f64)), Value::Int)),
                    (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
                    (UnOp::Plus, Value::Int(_) | Value::Float(_)) => Ok(v),
                    (UnOp::PreInc | UnOp::PreDec, _) => {
                        let delta = if *op == UnOp::PreInc { 1 } else { -1 };
                        let new = self.binary(BinOp::Add, v, Value::Int(delta), expr.span)?;
                        self.assign(inner, AssignOp::Set, new.clone(), env, expr.span)?;
                        Ok(new)
                    }
                    _ => self.fail(
                        expr.span,
                        format!("unary operator cannot apply to {}", v.a_type()),
                    ),
                }
            }
            ExprKind::Postfix { op, expr: inner } => {
                let old = self.eval(inner, env)?;
                let delta = if *op == PostOp::Inc { 1 } else { -1 };
                let new = self.binary(BinOp::Add, old.clone(), Value::Int(delta), expr.span)?;
                self.assign(inner, AssignOp::Set, new, env, expr.span)?;
                Ok(old)
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::And => {
                    let l = self.eval(lhs, env)?;
                    if !l.truthy() {
                        return Ok(l);
                    }
                    self.eval(rhs, env)
                }
                BinOp::Or => {
                    let l = self.eval(lhs, env)?;
                    if l.truthy() {
                        return Ok(l);
                    }
                    self.eval(rhs, env)
                }
                BinOp::Coalesce => {
                    let l = self.eval(lhs, env)?;
                    if !matches!(l, Value::Null) {
                        return Ok(l);
                    }
                    self.eval(rhs, env)
                }
                BinOp::Arrow => self.unsupported(expr.span, "the '->' operator in an expression"),
                // The other operators are on `eval`'s fast path.
                _ => self.eval(expr, env),
            },
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                if self.eval(cond, env)?.truthy() {
                    self.eval(then, env)
                } else {
                    self.eval(otherwise, env)
                }
            }
            ExprKind::Slice { object, start, end } => {
                let obj = self.eval(object, env)?;
                let s = match start {
                    Some(e) => Some(self.eval(e, env)?),
                    None => None,
                };
                let e = match end {
                    Some(e) => Some(self.eval(e, env)?),
                    None => None,
                };
                let mut args = vec![s.unwrap_or(Value::Int(0))];
                if let Some(e) = e {
                    args.push(e);
                }
                self.call_method(obj, "slice", args, expr.span)
            }
            ExprKind::Lambda { params, body } => {
                let body = match body {
                    LambdaBody::Expr { expr } => Body::Expr(expr),
                    LambdaBody::Block { block } => Body::Block(block),
                };
                Ok(self.function("<lambda>", params, body, env, expr.span))
            }
            ExprKind::FnExpr { params, body } => {
                Ok(self.function("<function>", params, Body::Block(body), env, expr.span))
            }
            ExprKind::New { callee, args } => self.construct(callee, args, env, expr.span),
            ExprKind::IfExpr {
                cond,
                then,
                otherwise,
            } => {
                if self.eval(cond, env)?.truthy() {
                    self.block_value(then, env)
                } else {
                    self.eval(otherwise, env)
                }
            }
            ExprKind::BlockExpr { block } => self.block_value(block, env),
            ExprKind::CallPath(call) => self.call_path(call, env, expr.span),
            ExprKind::Comprehension(c) => {
                let it = self.eval(&c.iter, env)?;
                let items: Vec<Value<'a>> = match it {
                    Value::List(l) => l.borrow().clone(),
                    Value::Map(m) => m.borrow().keys().map(|k| Value::Str(k.clone())).collect(),
                    other => {
                        return self
                            .fail(c.iter.span, format!("cannot loop over {}", other.a_type()))
                    }
                };
                let inner = env.child();
                let mut out = Vec::new();
                for item in items {
                    if let [one] = c.vars.as_slice() {
                        inner.define(one.node, item);
                    } else if let Value::List(parts) = &item {
                        for (i, v) in c.vars.iter().enumerate() {
                            inner.define(
                                v.node,
                                parts.borrow().get(i).cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                    if let Some(cond) = &c.cond {
                        if !self.eval(cond, &inner)?.truthy() {
                            continue;
                        }
                    }
                    out.push(self.eval(&c.element, &inner)?);
                }
                Ok(Value::list(out))
            }
            ExprKind::Predicate {
                expr: inner,
                predicate,
            } => {
                // `digest exists` asks whether the name is bound: an unbound one is not.
                let v = match inner.node {
                    ExprKind::Name { name } if !self.resolves(name, env) => Value::Null,
                    _ => self.eval(inner, env)?,
                };
                let empty = match &v {
                    Value::Null | Value::Host(_) => true,
                    Value::Str(s) => s.is_empty(),
                    Value::List(l) => l.borrow().is_empty(),
                    Value::Map(m) => m.borrow().is_empty(),
                    _ => false,
                };
                Ok(Value::Bool(match *predicate {
                    "exists" => !matches!(v, Value::Null),
                    "not empty" => !empty,
                    _ => empty,
                }))
            }
            ExprKind::Assign { target, op, value } => {
                let v = self.eval(value, env)?;
                self.assign(target, *op, v.clone(), env, expr.span)?;
                Ok(v)
            }
            ExprKind::Error => self.unsupported(expr.span, "an expression that did not parse"),
        }
    }

    fn block_value(&mut self, block: &'a Block<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        // An if-expression's block: its last expression statement is its value.
        let Some((last, init)) = block.stmts.split_last() else {
            return Ok(Value::Null);
        };
        self.exec_stmts(init, env)?;
        match &last.node {
            StmtKind::Expr { expr, body: None } => self.eval(expr, env),
            _ => {
                self.exec_stmts(std::slice::from_ref(last), env)?;
                Ok(Value::Null)
            }
        }
    }

    fn string(&mut self, parts: &'a [StrPart<'a>], env: &Env<'a>) -> R<'a, Value<'a>> {
        if let [StrPart::Text { text }] = parts {
            return Ok(Value::str(text));
        }
        let mut out = String::new();
        for p in parts {
            match p {
                StrPart::Text { text } => out.push_str(text),
                StrPart::Raw { text, .. } => out.push_str(text),
                StrPart::Interp { expr, spec } => {
                    let v = self.eval(expr, env)?;
                    match spec {
                        Some(spec) => out.push_str(&format_spec(&v, spec)),
                        None => v.push_display(&mut out),
                    }
                    self.did_work(out.len());
                    if out.len() > MAX_SIZE {
                        return self
                            .fail(expr.span, format!("a string of more than {MAX_SIZE} bytes"));
                    }
                }
            }
        }
        Ok(Value::str(&out))
    }

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        l: Value<'a>,
        r: Value<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        use Value::*;
        let v = match (op, &l, &r) {
            (BinOp::Eq, _, _) => Bool(l.equals(&r)),
            // A host value the mock host has no answer for is unknown: it is less, greater
            // or equal to nothing (give it one under `[host.returns]`).
            (BinOp::Lt | BinOp::Gt | BinOp::LtEq | BinOp::GtEq, Host(_), _)
            | (BinOp::Lt | BinOp::Gt | BinOp::LtEq | BinOp::GtEq, _, Host(_)) => Bool(false),
            (BinOp::NotEq, _, _) => Bool(!l.equals(&r)),
            (BinOp::Add, Int(a), Int(b)) => match a.checked_add(*b) {
                Some(v) => Int(v),
                None => Float(*a as f64 + *b as f64),
            },
            (BinOp::Sub, Int(a), Int(b)) => match a.checked_sub(*b) {
                Some(v) => Int(v),
                None => Float(*a as f64 - *b as f64),
            },
            (BinOp::Mul, Int(a), Int(b)) => match a.checked_mul(*b) {
                Some(v) => Int(v),
                None => Float(*a as f64 * *b as f64),
            },
            (BinOp::Add, Str(_), _) | (BinOp::Add, _, Str(_)) => {
                let mut out = String::new();
                l.push_display(&mut out);
                r.push_display(&mut out);
                self.did_work(out.len());
                if out.len() > MAX_SIZE {
                    return self.fail(span, format!("a string of more than {MAX_SIZE} bytes"));
                }
                Value::str(&out)
            }
            (BinOp::Add, List(a), List(b)) => {
                if a.borrow().len() + b.borrow().len() > MAX_SIZE {
                    return self.fail(span, format!("a list of more than {MAX_SIZE} items"));
                }
                let mut v = a.borrow().clone();
                v.extend(b.borrow().iter().cloned());
                Value::list(v)
            }
            (BinOp::Mul, Str(s), Int(n)) | (BinOp::Mul, Int(n), Str(s)) => {
                let n = (*n).max(0) as usize;
                if s.len().saturating_mul(n) > MAX_SIZE {
                    return self.fail(span, format!("a string of more than {MAX_SIZE} bytes"));
                }
                Value::str(&s.repeat(n))
            }
            (BinOp::Div | BinOp::Rem, _, Int(0)) => return self.fail(span, "division by zero"),
            (BinOp::Div, Int(a), Int(b)) => match (a.checked_rem(*b), a.checked_div(*b)) {
                (Some(0), Some(q)) => Int(q),
                _ => Float(*a as f64 / *b as f64),
            },
            // Python's modulo: the result has the divisor's sign (`-7 % 3 == 2`, `7 % -3 == -2`).
            (BinOp::Rem, Int(a), Int(b)) => match a.checked_rem(*b) {
                Some(r) if r != 0 && (r < 0) != (*b < 0) => Int(r + b),
                Some(r) => Int(r),
                None => Int(0),
            },
            (BinOp::Pow, Int(a), Int(b)) if (0..64).contains(b) => match a.checked_pow(*b as u32) {
                Some(v) => Int(v),
                None => Float((*a as f64).powf(*b as f64)),
            },
            (BinOp::Lt | BinOp::Gt | BinOp::LtEq | BinOp::GtEq, Str(a), Str(b)) => {
                let o = a.cmp(b);
                Bool(compare(op, o))
            }
            (BinOp::In, _, _) => Bool(self.contains(&r, &l, span)?),
            (BinOp::NotIn, _, _) => Bool(!self.contains(&r, &l, span)?),
            (BinOp::Contains, _, _) => Bool(self.contains(&l, &r, span)?),
            (BinOp::Range, Int(a), Int(b)) => {
                if i128::from(*b) - i128::from(*a) >= 10_000_000 {
                    return self.fail(span, "range too large");
                }
                Value::list((*a..=*b).map(Int).collect())
            }
            _ => match (l.as_f64(), r.as_f64()) {
                (Some(a), Some(b)) => match op {
                    BinOp::Add => Float(a + b),
                    BinOp::Sub => Float(a - b),
                    BinOp::Mul => Float(a * b),
                    BinOp::Div => {
                        if b == 0.0 {
                            return self.fail(span, "division by zero");
                        }
                        Float(a / b)
                    }
                    BinOp::Rem => {
                        if b == 0.0 {
                            return self.fail(span, "division by zero");
                        }
                        let r = a % b;
                        Float(if r != 0.0 && (r < 0.0) != (b < 0.0) {
                            r + b
                        } else {
                            r
                        })
                    }
                    BinOp::Pow => Float(a.powf(b)),
                    BinOp::Lt | BinOp::Gt | BinOp::LtEq | BinOp::GtEq => Bool(compare(
                        op,
                        a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
                    )),
                    _ => return self.type_error(op, &l, &r, span),
                },
                _ => return self.type_error(op, &l, &r, span),
            },
        };
        Ok(v)
    }

    fn type_error<T>(&self, op: BinOp, l: &Value<'a>, r: &Value<'a>, span: Span) -> R<'a, T> {
        self.fail(
            span,
            format!(
                "operator '{}' cannot combine {} and {}",
                op.symbol(),
                l.a_type(),
                r.a_type()
            ),
        )
    }

    fn contains(&self, container: &Value<'a>, item: &Value<'a>, span: Span) -> R<'a, bool> {
        Ok(match container {
            Value::List(l) => l.borrow().iter().any(|v| v.equals(item)),
            Value::Map(m) => m.borrow().contains_key(&*item.key()),
            Value::Str(s) => s.contains(item.display().as_str()),
            Value::Null => false,
            other => {
                return self.fail(
                    span,
                    format!("cannot look for a value in {}", other.a_type()),
                )
            }
        })
    }

    pub(super) fn member(&mut self, obj: Value<'a>, name: &str, span: Span) -> R<'a, Value<'a>> {
        match &obj {
            Value::Map(m) => {
                if let Some(v) = m.borrow().get(name) {
                    return Ok(v.clone());
                }
                if matches!(name, "length" | "size") {
                    return Ok(Value::Int(m.borrow().len() as i64));
                }
                if super::methods::is_method(&obj, name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), Rc::from(name)))));
                }
                Ok(Value::Null)
            }
            Value::List(l) if name == "length" => Ok(Value::Int(l.borrow().len() as i64)),
            Value::Str(s) if name == "length" => Ok(Value::Int(s.chars().count() as i64)),
            Value::Plugin(p) => Ok(p.env.get(name).unwrap_or(Value::Null)),
            Value::Host(path) => Ok(self.host_member(path, name)),
            Value::Module(m) => match m.env.get(name) {
                Some(v) => Ok(v),
                None => self.fail(span, format!("module '{}' has no '{name}'", m.path)),
            },
            Value::Null => self.fail(span, format!("cannot read '{name}' of null")),
            _ if super::methods::is_method(&obj, name) => {
                Ok(Value::Method(Rc::new((obj.clone(), Rc::from(name)))))
            }
            other => self.fail(span, format!("{} has no field '{name}'", other.a_type())),
        }
    }

    pub(super) fn index(&mut self, obj: Value<'a>, idx: Value<'a>, span: Span) -> R<'a, Value<'a>> {
        match (&obj, &idx) {
            (Value::List(l), Value::Int(i)) => {
                let l = l.borrow();
                let i = if *i < 0 { *i + l.len() as i64 } else { *i };
                Ok(usize::try_from(i)
                    .ok()
                    .and_then(|i| l.get(i).cloned())
                    .unwrap_or(Value::Null))
            }
            (Value::Str(s), Value::Int(i)) => {
                let n = s.chars().count() as i64;
                let i = if *i < 0 { *i + n } else { *i };
                Ok(usize::try_from(i)
                    .ok()
                    .and_then(|i| s.chars().nth(i))
                    .map_or(Value::Null, |c| Value::str(&c.to_string())))
            }
            (Value::Map(m), k) => Ok(m.borrow().get(&*k.key()).cloned().unwrap_or(Value::Null)),
            (Value::Null, _) => self.fail(span, "cannot index into null"),
            (o, i) => self.fail(
                span,
                format!("cannot index {} with {}", o.a_type(), i.a_type()),
            ),
        }
    }

    pub(super) fn call_args(
        &mut self,
        args: &'a [Arg<'a>],
        env: &Env<'a>,
    ) -> R<'a, (Vec<Value<'a>>, KwArgs<'a>)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Positional { value } => pos.push(self.eval(value, env)?),
                Arg::Keyword { name, value } => kw.push((name.node, self.eval(value, env)?)),
                Arg::Spread { value } => match self.eval(value, env)? {
                    Value::List(l) => pos.extend(l.borrow().iter().cloned()),
                    other => {
                        return self.fail(value.span, format!("cannot spread {}", other.a_type()))
                    }
                },
            }
        }
        Ok((pos, kw))
    }

    fn call_expr(
        &mut self,
        callee: &'a Expr<'a>,
        args: &'a [Arg<'a>],
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        match &callee.node {
            ExprKind::Member {
                object,
                name,
                optional,
            } => {
                // `- save: report.save("weekly")` in a declaration: `report` is a word, so
                // the call names a capability of the host (`report.save`).
                if let Some(word) = self
                    .word_object(object, env)
                    .filter(|w| crate::registry::builtins::lookup(w).is_none())
                {
                    let (pos, kw) = self.call_args(args, env)?;
                    let path = format!("{word}.{}", name.node);
                    return self.request(EffectKind::Capability, &path, &pos, &kw, span);
                }
                let obj = self.eval(object, env)?;
                if *optional && matches!(obj, Value::Null) {
                    return Ok(Value::Null);
                }
                let (pos, kw) = self.call_args(args, env)?;
                match &obj {
                    Value::Host(path) => {
                        let full = format!("{path}.{}", name.node);
                        self.call_host(&full, pos, kw, span)
                    }
                    Value::Map(m) if m.borrow().contains_key(name.node) => {
                        let f = m.borrow().get(name.node).cloned().unwrap_or(Value::Null);
                        self.call_value(&f, pos, kw, span)
                    }
                    Value::Plugin(_) | Value::Module(_) => {
                        let f = self.member(obj.clone(), name.node, name.span)?;
                        self.call_value(&f, pos, kw, span)
                    }
                    _ => self.call_method(obj, name.node, pos, span),
                }
            }
            ExprKind::Name { name } => {
                let f = match env.get(name) {
                    Some(v) => v,
                    None => match crate::registry::builtins::lookup(name) {
                        Some(b) => Value::Builtin(b),
                        None => match crate::registry::builtins::renamed(name)
                            .and_then(crate::registry::builtins::lookup)
                        {
                            Some(b) => Value::Builtin(b),
                            None => {
                                let (pos, kw) = self.call_args(args, env)?;
                                return match self.call_unbound(name, pos, kw, span)? {
                                    Some(v) => Ok(v),
                                    None => {
                                        self.fail(callee.span, format!("unknown function '{name}'"))
                                    }
                                };
                            }
                        },
                    },
                };
                let (pos, kw) = self.call_args(args, env)?;
                self.call_value(&f, pos, kw, span)
            }
            _ => {
                let f = self.eval(callee, env)?;
                let (pos, kw) = self.call_args(args, env)?;
                self.call_value(&f, pos, kw, span)
            }
        }
    }

    fn call_path(&mut self, call: &'a CallPath<'a>, env: &Env<'a>, span: Span) -> R<'a, Value<'a>> {
        let path = call.path.node.as_str();
        let (pos, kw) = match &call.args {
            Some(a) => self.call_args(a, env)?,
            None => (Vec::new(), Vec::new()),
        };
        let Some((module, name)) = path.rsplit_once('.') else {
            let f = match env.get(path) {
                Some(v) => v,
                None => return self.fail(span, format!("unknown function '{path}'")),
            };
            return self.call_value(&f, pos, kw, span);
        };
        let target = match env.get(module) {
            Some(v @ (Value::Module(_) | Value::Plugin(_) | Value::Host(_))) => v,
            // `call sys/storage.compact(segs)` of a module the host provides.
            _ if self.host.declared().has_plugin(module) && !self.plugin_available(module) => {
                return self.call_host(path, pos, kw, span);
            }
            _ => Value::Module(self.load_module(module, call.path.span)?),
        };
        let f = self.member(target, name, call.path.span)?;
        self.call_value(&f, pos, kw, span)
    }
}

fn compare(op: BinOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        BinOp::Lt => o == Less,
        BinOp::Gt => o == Greater,
        BinOp::LtEq => o != Greater,
        _ => o != Less,
    }
}

/// Seconds in a duration literal (`5s`, `30m`, `2h`, `1d`, `3w`).
fn seconds<'a>(value: f64, unit: &str) -> Value<'a> {
    let factor = match unit {
        "ms" => 0.001,
        "m" | "min" | "mins" | "minutes" => 60.0,
        "h" | "hr" | "hours" => 3600.0,
        "d" | "days" => 86400.0,
        "w" | "weeks" => 604_800.0,
        _ => 1.0,
    };
    let s = value * factor;
    if s == s.trunc() && s.abs() < 9e15 {
        Value::Int(s as i64)
    } else {
        Value::Float(s)
    }
}

/// The widest field and longest precision a format spec may ask for.
const MAX_SPEC: usize = 1_000;

/// The format specs seen in files: `.2f`, `.1%`, `d`, `>8`, `<8`, `,`.
fn format_spec(v: &Value<'_>, spec: &str) -> String {
    let spec = spec.trim_start_matches(':');
    if let Some(prec) = spec.strip_prefix('.') {
        let (digits, kind) = prec.split_at(
            prec.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(prec.len()),
        );
        // Widths and precisions are clamped: the formatter refuses values past 65,535.
        let p: usize = digits.parse::<usize>().unwrap_or(6).min(MAX_SPEC);
        if let Some(f) = v.as_f64() {
            return match kind {
                "%" => format!("{:.*}%", p, f * 100.0),
                _ => format!("{f:.p$}"),
            };
        }
    }
    if spec == "d" {
        if let Some(f) = v.as_f64() {
            return format!("{}", f.round() as i64);
        }
    }
    if let Some(w) = spec.strip_prefix('>').and_then(|w| w.parse::<usize>().ok()) {
        let w = w.min(MAX_SPEC);
        return format!("{:>w$}", v.display());
    }
    if let Some(w) = spec.strip_prefix('<').and_then(|w| w.parse::<usize>().ok()) {
        let w = w.min(MAX_SPEC);
        return format!("{:<w$}", v.display());
    }
    match v {
        Value::Float(f) => format_float(*f),
        other => other.display(),
    }
}
