//! Methods on strings, lists and maps: the JavaScript and Python spellings the dialects use.

use super::eval::{Interp, R};
use super::value::{Fields, Value};
use crate::syntax::span::Span;
use std::rc::Rc;

const STR_METHODS: &[&str] = &[
    "toLowerCase",
    "lower",
    "toUpperCase",
    "upper",
    "trim",
    "strip",
    "split",
    "replace",
    "includes",
    "contains",
    "startsWith",
    "startswith",
    "endsWith",
    "endswith",
    "slice",
    "substring",
    "indexOf",
    "find",
    "repeat",
    "padStart",
    "padEnd",
    "toString",
    "format",
    "capitalize",
    "title",
    "isdigit",
    "count",
    "join",
];

const LIST_METHODS: &[&str] = &[
    "push",
    "append",
    "pop",
    "shift",
    "unshift",
    "insert",
    "extend",
    "concat",
    "filter",
    "map",
    "forEach",
    "find",
    "findIndex",
    "some",
    "every",
    "any",
    "all",
    "includes",
    "contains",
    "indexOf",
    "index",
    "slice",
    "join",
    "reverse",
    "reversed",
    "sort",
    "sorted",
    "sort_by",
    "reduce",
    "remove",
    "count",
    "first",
    "last",
    "length",
    "len",
    "sum",
    "min",
    "max",
    "unique",
    "flat",
    "copy",
    "toString",
    "clear",
];

const MAP_METHODS: &[&str] = &[
    "keys",
    "values",
    "items",
    "entries",
    "get",
    "has",
    "hasOwnProperty",
    "has_key",
    "set",
    "delete",
    "remove",
    "pop",
    "merge",
    "update",
    "copy",
    "length",
    "len",
    "size",
    "clear",
    "toString",
];

pub fn is_method(recv: &Value<'_>, name: &str) -> bool {
    match recv {
        Value::Str(_) => STR_METHODS.contains(&name),
        Value::List(_) => LIST_METHODS.contains(&name),
        Value::Map(_) => MAP_METHODS.contains(&name),
        _ => false,
    }
}

fn arg<'a>(args: &[Value<'a>], i: usize) -> Value<'a> {
    args.get(i).cloned().unwrap_or(Value::Null)
}

/// Clamp a JavaScript-style slice index (negative counts from the end).
fn clamp_index(i: &Value<'_>, len: usize, default: usize) -> usize {
    match i {
        Value::Int(i) if *i < 0 => len.saturating_sub(i.unsigned_abs() as usize),
        Value::Int(i) => (*i as usize).min(len),
        Value::Float(f) => clamp_index(&Value::Int(*f as i64), len, default),
        _ => default,
    }
}

impl<'a> Interp<'a, '_> {
    pub(super) fn call_method(
        &mut self,
        recv: Value<'a>,
        name: &str,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        match &recv {
            Value::Str(s) => self.str_method(s.clone(), name, args, span),
            Value::List(_) => self.list_method(recv, name, args, span),
            Value::Map(_) => self.map_method(recv, name, args, span),
            Value::Null => self.fail(span, format!("cannot call '{name}' on null")),
            other => self.fail(span, format!("{} has no method '{name}'", other.a_type())),
        }
    }

    fn callback(&mut self, f: &Value<'a>, args: Vec<Value<'a>>, span: Span) -> R<'a, Value<'a>> {
        // JavaScript callbacks get (item, index); a one-parameter lambda just ignores extras.
        let args = match f {
            Value::Func(func) => {
                let n = func.params.len().max(1);
                args.into_iter().take(n).collect()
            }
            _ => args.into_iter().take(1).collect(),
        };
        self.call_value(f, args, Vec::new(), span)
    }

    /// Refuse a string or list that would grow past the size limit, before building it.
    fn within_limit(&mut self, size: usize, span: Span) -> R<'a, ()> {
        self.did_work(size);
        if size > super::value::MAX_SIZE {
            return self.fail(
                span,
                format!(
                    "a result of more than {} bytes or items",
                    super::value::MAX_SIZE
                ),
            );
        }
        Ok(())
    }

    /// `sep.join(items)` / `items.join(sep)`, stopping as soon as it passes the size limit.
    fn join(&mut self, items: &[Value<'a>], sep: &str, span: Span) -> R<'a, String> {
        let mut out = String::new();
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            v.push_display(&mut out);
            self.within_limit(out.len(), span)?;
        }
        Ok(out)
    }

    fn str_method(
        &mut self,
        s: Rc<str>,
        name: &str,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let text = |i: usize| arg(&args, i).display();
        Ok(match name {
            "toLowerCase" | "lower" => Value::str(&s.to_lowercase()),
            "toUpperCase" | "upper" => Value::str(&s.to_uppercase()),
            "trim" | "strip" => Value::str(s.trim()),
            "capitalize" => {
                let mut c = s.chars();
                Value::str(&match c.next() {
                    Some(f) => f
                        .to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect(),
                    None => String::new(),
                })
            }
            "title" => Value::str(
                &s.split(' ')
                    .map(|w| {
                        let mut c = w.chars();
                        match c.next() {
                            Some(f) => f.to_uppercase().chain(c).collect(),
                            None => String::new(),
                        }
                    })
                    .collect::<Vec<String>>()
                    .join(" "),
            ),
            "split" => {
                let parts: Vec<Value<'a>> = match args.first() {
                    None | Some(Value::Null) => s.split_whitespace().map(Value::str).collect(),
                    Some(sep) => {
                        let sep = sep.display();
                        if sep.is_empty() {
                            s.chars().map(|c| Value::str(&c.to_string())).collect()
                        } else {
                            s.split(sep.as_str()).map(Value::str).collect()
                        }
                    }
                };
                Value::list(parts)
            }
            "replace" => {
                let (from, to) = (text(0), text(1));
                let hits = if from.is_empty() {
                    s.chars().count() + 1
                } else {
                    s.matches(from.as_str()).count()
                };
                let size =
                    (s.len() - hits * from.len()).saturating_add(hits.saturating_mul(to.len()));
                self.within_limit(size, span)?;
                Value::str(&s.replace(from.as_str(), to.as_str()))
            }
            "includes" | "contains" => Value::Bool(s.contains(text(0).as_str())),
            "startsWith" | "startswith" => Value::Bool(s.starts_with(text(0).as_str())),
            "endsWith" | "endswith" => Value::Bool(s.ends_with(text(0).as_str())),
            "indexOf" | "find" => Value::Int(
                s.find(text(0).as_str())
                    .map_or(-1, |b| s[..b].chars().count() as i64),
            ),
            "count" => Value::Int(s.matches(text(0).as_str()).count() as i64),
            "slice" | "substring" => {
                let chars: Vec<char> = s.chars().collect();
                let a = clamp_index(&arg(&args, 0), chars.len(), 0);
                let b = clamp_index(&arg(&args, 1), chars.len(), chars.len());
                Value::str(&chars[a.min(b)..b.max(a.min(b))].iter().collect::<String>())
            }
            "repeat" => match arg(&args, 0) {
                Value::Int(n) if (0..1 << 20).contains(&n) => {
                    self.within_limit(s.len().saturating_mul(n as usize), span)?;
                    Value::str(&s.repeat(n as usize))
                }
                _ => return self.fail(span, "repeat needs a count between 0 and 1048576"),
            },
            "padStart" | "padEnd" => {
                let width = arg(&args, 0).as_f64().unwrap_or(0.0).max(0.0);
                let fill = match args.get(1) {
                    Some(v) => v.display(),
                    None => " ".into(),
                };
                let widest = fill.chars().map(char::len_utf8).max().unwrap_or(1);
                // Checked before building: a width past the limit is an error, not a
                // silently shorter string.
                self.within_limit(
                    (width * widest as f64).min(usize::MAX as f64) as usize,
                    span,
                )?;
                let width = width as usize;
                let len = s.chars().count();
                let pad: String = fill
                    .chars()
                    .cycle()
                    .take(width.saturating_sub(len))
                    .collect();
                if name == "padStart" {
                    Value::str(&format!("{pad}{s}"))
                } else {
                    Value::str(&format!("{s}{pad}"))
                }
            }
            "isdigit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
            "join" => match arg(&args, 0) {
                Value::List(l) => Value::str(&self.join(&l.borrow(), &s, span)?),
                other => {
                    return self.fail(span, format!("join needs a list, not {}", other.a_type()))
                }
            },
            "toString" => Value::Str(s),
            "format" => {
                let mut out = String::new();
                let mut rest: &str = &s;
                let mut i = 0;
                while let Some(p) = rest.find("{}") {
                    out.push_str(&rest[..p]);
                    out.push_str(&arg(&args, i).display());
                    i += 1;
                    rest = &rest[p + 2..];
                }
                out.push_str(rest);
                Value::str(&out)
            }
            _ => return self.fail(span, format!("a string has no method '{name}'")),
        })
    }

    fn list_method(
        &mut self,
        recv: Value<'a>,
        name: &str,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let Value::List(list) = &recv else {
            return self.fail(span, "not a list");
        };
        let items = || list.borrow().clone();
        Ok(match name {
            "push" | "append" => {
                if list.borrow().len() >= super::value::MAX_SIZE {
                    return self.fail(
                        span,
                        format!("a list of more than {} items", super::value::MAX_SIZE),
                    );
                }
                list.borrow_mut().extend(args);
                Value::Int(list.borrow().len() as i64)
            }
            "extend" | "concat" if name == "extend" => {
                if let Value::List(other) = arg(&args, 0) {
                    let other = other.borrow().clone();
                    if list.borrow().len() + other.len() > super::value::MAX_SIZE {
                        return self.fail(
                            span,
                            format!("a list of more than {} items", super::value::MAX_SIZE),
                        );
                    }
                    list.borrow_mut().extend(other);
                }
                Value::Null
            }
            "concat" => {
                let mut v = items();
                for a in args {
                    match a {
                        Value::List(o) => v.extend(o.borrow().iter().cloned()),
                        other => v.push(other),
                    }
                    if v.len() > super::value::MAX_SIZE {
                        return self.fail(
                            span,
                            format!("a list of more than {} items", super::value::MAX_SIZE),
                        );
                    }
                }
                Value::list(v)
            }
            "pop" => list.borrow_mut().pop().unwrap_or(Value::Null),
            "shift" => {
                let mut l = list.borrow_mut();
                if l.is_empty() {
                    Value::Null
                } else {
                    l.remove(0)
                }
            }
            "unshift" => {
                let mut l = list.borrow_mut();
                for (i, a) in args.into_iter().enumerate() {
                    l.insert(i, a);
                }
                Value::Int(l.len() as i64)
            }
            "insert" => {
                let len = list.borrow().len();
                let i = clamp_index(&arg(&args, 0), len, len);
                list.borrow_mut().insert(i, arg(&args, 1));
                Value::Null
            }
            "clear" => {
                list.borrow_mut().clear();
                Value::Null
            }
            "remove" => {
                // Find first, then borrow mutably: the target may contain the list itself.
                let target = arg(&args, 0);
                let found = list.borrow().iter().position(|v| v.equals(&target));
                match found {
                    Some(i) => {
                        list.borrow_mut().remove(i);
                        Value::Bool(true)
                    }
                    None => Value::Bool(false),
                }
            }
            "filter" | "map" | "forEach" | "find" | "findIndex" | "some" | "every" | "any"
            | "all" => {
                let f = arg(&args, 0);
                let mut out = Vec::new();
                for (i, item) in items().into_iter().enumerate() {
                    let r = self.callback(&f, vec![item.clone(), Value::Int(i as i64)], span)?;
                    match name {
                        "filter" if r.truthy() => out.push(item),
                        "map" => out.push(r),
                        "find" if r.truthy() => return Ok(item),
                        "findIndex" if r.truthy() => return Ok(Value::Int(i as i64)),
                        "some" | "any" if r.truthy() => return Ok(Value::Bool(true)),
                        "every" | "all" if !r.truthy() => return Ok(Value::Bool(false)),
                        _ => {}
                    }
                }
                match name {
                    "filter" | "map" => Value::list(out),
                    "find" | "forEach" => Value::Null,
                    "findIndex" => Value::Int(-1),
                    "some" | "any" => Value::Bool(false),
                    _ => Value::Bool(true),
                }
            }
            "reduce" => {
                let f = arg(&args, 0);
                let mut it = items().into_iter();
                let mut acc = match args.get(1) {
                    Some(v) => v.clone(),
                    None => it.next().unwrap_or(Value::Null),
                };
                for item in it {
                    acc = self.call_value(&f, vec![acc, item], Vec::new(), span)?;
                }
                acc
            }
            "includes" | "contains" => {
                let t = arg(&args, 0);
                Value::Bool(list.borrow().iter().any(|v| v.equals(&t)))
            }
            "indexOf" | "index" => {
                let t = arg(&args, 0);
                Value::Int(
                    list.borrow()
                        .iter()
                        .position(|v| v.equals(&t))
                        .map_or(-1, |i| i as i64),
                )
            }
            "count" => {
                let t = arg(&args, 0);
                Value::Int(list.borrow().iter().filter(|v| v.equals(&t)).count() as i64)
            }
            "slice" => {
                let v = items();
                let a = clamp_index(&arg(&args, 0), v.len(), 0);
                let b = clamp_index(&arg(&args, 1), v.len(), v.len());
                Value::list(if a < b { v[a..b].to_vec() } else { Vec::new() })
            }
            "join" => {
                let sep = match args.first() {
                    Some(v) => v.display(),
                    None => ",".into(),
                };
                Value::str(&self.join(&list.borrow(), &sep, span)?)
            }
            "reverse" => {
                list.borrow_mut().reverse();
                recv.clone()
            }
            "reversed" => {
                let mut v = items();
                v.reverse();
                Value::list(v)
            }
            "sort" | "sorted" | "sort_by" => {
                let mut v = items();
                let f = arg(&args, 0);
                let comparator = matches!(&f, Value::Func(func) if func.params.len() >= 2);
                let sorted: Vec<Value<'a>> = if comparator {
                    // JavaScript's `(a, b) => a - b`: negative, zero or positive.
                    let mut failure = None;
                    v.sort_by(|a, b| {
                        if failure.is_some() {
                            return std::cmp::Ordering::Equal;
                        }
                        match self.call_value(&f, vec![a.clone(), b.clone()], Vec::new(), span) {
                            Ok(r) => match r.as_f64() {
                                Some(x) => x.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal),
                                None => {
                                    failure = Some(self.fail(
                                        span,
                                        format!(
                                            "a sort comparator returned {}, not a number",
                                            r.a_type()
                                        ),
                                    ));
                                    std::cmp::Ordering::Equal
                                }
                            },
                            Err(e) => {
                                failure = Some(Err(e));
                                std::cmp::Ordering::Equal
                            }
                        }
                    });
                    if let Some(f) = failure {
                        return f;
                    }
                    v
                } else {
                    let mut keyed = Vec::with_capacity(v.len());
                    for item in v.drain(..) {
                        let k = match &f {
                            Value::Null => item.clone(),
                            key => self.callback(key, vec![item.clone()], span)?,
                        };
                        keyed.push((k, item));
                    }
                    keyed.sort_by(|(a, _), (b, _)| order(a, b));
                    keyed.into_iter().map(|(_, v)| v).collect()
                };
                if name == "sort" {
                    *list.borrow_mut() = sorted;
                    recv.clone()
                } else {
                    Value::list(sorted)
                }
            }
            "first" => list.borrow().first().cloned().unwrap_or(Value::Null),
            "last" => list.borrow().last().cloned().unwrap_or(Value::Null),
            "length" | "len" => Value::Int(list.borrow().len() as i64),
            "sum" => {
                let mut total = Value::Int(0);
                for v in items() {
                    total = self.binary(crate::syntax::ast::BinOp::Add, total, v, span)?;
                }
                total
            }
            "min" | "max" => {
                let v = items();
                let pick = v.into_iter().reduce(|a, b| {
                    let o = order(&a, &b);
                    if (name == "min") == (o == std::cmp::Ordering::Greater) {
                        b
                    } else {
                        a
                    }
                });
                pick.unwrap_or(Value::Null)
            }
            "unique" => {
                let mut out: Vec<Value<'a>> = Vec::new();
                for v in items() {
                    if !out.iter().any(|o| o.equals(&v)) {
                        out.push(v);
                    }
                }
                Value::list(out)
            }
            "flat" => {
                let mut out = Vec::new();
                for v in items() {
                    match v {
                        Value::List(inner) => out.extend(inner.borrow().iter().cloned()),
                        other => out.push(other),
                    }
                }
                Value::list(out)
            }
            "copy" => Value::list(items()),
            "toString" => Value::str(&recv.display()),
            _ => return self.fail(span, format!("a list has no method '{name}'")),
        })
    }

    fn map_method(
        &mut self,
        recv: Value<'a>,
        name: &str,
        args: Vec<Value<'a>>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let Value::Map(map) = &recv else {
            return self.fail(span, "not a map");
        };
        let key = |i: usize| -> Rc<str> { arg(&args, i).key() };
        Ok(match name {
            "keys" => Value::list(map.borrow().keys().map(|k| Value::Str(k.clone())).collect()),
            "values" => Value::list(map.borrow().values().cloned().collect()),
            "items" | "entries" => Value::list(
                map.borrow()
                    .iter()
                    .map(|(k, v)| Value::list(vec![Value::Str(k.clone()), v.clone()]))
                    .collect(),
            ),
            "get" => map
                .borrow()
                .get(&key(0))
                .cloned()
                .unwrap_or_else(|| arg(&args, 1)),
            "has" | "hasOwnProperty" | "has_key" => Value::Bool(map.borrow().contains_key(&key(0))),
            "set" => {
                map.borrow_mut().insert(key(0), arg(&args, 1));
                recv.clone()
            }
            "delete" | "remove" | "pop" => map
                .borrow_mut()
                .shift_remove(&key(0))
                .unwrap_or(Value::Null),
            "merge" | "update" => {
                let mut out: Fields<'a> = if name == "merge" {
                    map.borrow().clone()
                } else {
                    Fields::default()
                };
                for a in &args {
                    if let Value::Map(o) = a {
                        // Copied out first: `m.update(m)` reads and writes the same map.
                        let entries: Vec<(Rc<str>, Value<'a>)> = o
                            .borrow()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        for (k, v) in entries {
                            if name == "merge" {
                                out.insert(k, v);
                            } else {
                                map.borrow_mut().insert(k, v);
                            }
                        }
                    }
                }
                if name == "merge" {
                    Value::map(out)
                } else {
                    Value::Null
                }
            }
            "copy" => Value::map(map.borrow().clone()),
            "length" | "len" | "size" => Value::Int(map.borrow().len() as i64),
            "clear" => {
                map.borrow_mut().clear();
                Value::Null
            }
            "toString" => Value::str(&recv.display()),
            _ => return self.fail(span, format!("a map has no method '{name}'")),
        })
    }
}

/// A total order for sorting: numbers, then strings, then everything else by text.
pub(super) fn order(a: &Value<'_>, b: &Value<'_>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => match (a, b) {
            (Value::Str(x), Value::Str(y)) => x.cmp(y),
            _ => a.display().cmp(&b.display()),
        },
    }
}
