//! The builtin functions of `crate::registry::builtins`, implemented.
//!
//! Every name in the registry has an arm here; `tests/run.rs` calls each one through the real
//! binary, so a registered name without an implementation fails the tests.

use super::eval::{Interp, R};
use super::value::{Fields, Value};
use crate::registry::builtins::Builtin;
use crate::run::memory::{Entry, Query};
use crate::syntax::span::Span;
use std::rc::Rc;

/// The map a memory entry reads as: its content's fields plus `id` (when the content is a map),
/// or `{id, content, tags, category, ts}`.
pub(super) fn entry_value<'a>(e: &Entry) -> Value<'a> {
    if let serde_json::Value::Object(o) = &e.content {
        let mut m: Fields<'a> = o
            .iter()
            .map(|(k, v)| (Rc::from(k.as_str()), Value::from_json(v)))
            .collect();
        m.entry(Rc::from("id")).or_insert(Value::Int(e.id));
        return Value::map(m);
    }
    let mut m = Fields::default();
    m.insert(Rc::from("id"), Value::Int(e.id));
    m.insert(Rc::from("content"), Value::from_json(&e.content));
    m.insert(
        Rc::from("tags"),
        Value::list(e.tags.iter().map(|t| Value::str(t)).collect()),
    );
    m.insert(Rc::from("category"), Value::str(&e.category));
    m.insert(Rc::from("ts"), Value::Float(e.ts));
    Value::map(m)
}

fn numbers<'a>(args: &[Value<'a>]) -> Vec<Value<'a>> {
    match args {
        [Value::List(l)] => l.borrow().clone(),
        _ => args.to_vec(),
    }
}

impl<'a> Interp<'a, '_> {
    pub(super) fn call_builtin(
        &mut self,
        b: &'static Builtin,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        // Keyword arguments fill their parameter's position.
        let mut a: Vec<Value<'a>> = args;
        for (k, v) in kwargs {
            match b.params.iter().position(|p| *p == k) {
                Some(i) => {
                    while a.len() <= i {
                        a.push(Value::Null);
                    }
                    a[i] = v;
                }
                None => {
                    return self.fail(span, format!("'{}' has no parameter '{k}'", b.name));
                }
            }
        }
        if a.len() < b.required {
            return self.fail(
                span,
                format!(
                    "'{}' is missing the argument '{}'",
                    b.name,
                    b.params[a.len()]
                ),
            );
        }
        let arg = |i: usize| a.get(i).cloned().unwrap_or(Value::Null);
        let given = |i: usize| a.get(i).is_some_and(|v| !matches!(v, Value::Null));
        Ok(match b.name {
            "abs" => match arg(0) {
                Value::Int(i) => match i.checked_abs() {
                    Some(a) => Value::Int(a),
                    None => Value::Float((i as f64).abs()),
                },
                Value::Float(f) => Value::Float(f.abs()),
                other => {
                    return self.fail(span, format!("abs needs a number, not {}", other.a_type()))
                }
            },
            "all" | "any" => {
                let items = self.items(&arg(0), span)?;
                if b.name == "all" {
                    Value::Bool(items.iter().all(Value::truthy))
                } else {
                    Value::Bool(items.iter().any(Value::truthy))
                }
            }
            "available_plugins" => {
                let mut names: Vec<String> =
                    self.plugins.iter().map(|p| p.name.to_string()).collect();
                for dir in &self.opts.plugin_paths {
                    if let Ok(rd) = std::fs::read_dir(dir) {
                        for e in rd.flatten() {
                            let p = e.path();
                            if p.extension().is_some_and(|x| x == "aether") {
                                if let Some(stem) = p.file_stem() {
                                    names.push(stem.to_string_lossy().into_owned());
                                }
                            }
                        }
                    }
                }
                names.sort();
                names.dedup();
                Value::list(names.iter().map(|n| Value::str(n)).collect())
            }
            "average" => {
                let items = self.items(&arg(0), span)?;
                if items.is_empty() {
                    Value::Null
                } else {
                    let mut total = 0.0;
                    for v in &items {
                        match v.as_f64() {
                            Some(f) => total += f,
                            None => {
                                return self.fail(
                                    span,
                                    format!("average needs numbers, found {}", v.a_type()),
                                )
                            }
                        }
                    }
                    Value::Float(total / items.len() as f64)
                }
            }
            "call_plugin" | "run_plugin" => {
                let name = arg(0).display();
                if !self.plugin_available(&name) && self.host.declared().has_plugin(&name) {
                    // A plugin the host provides: the call is a request.
                    let path = match b.name {
                        "call_plugin" if given(1) => format!("{name}.{}", arg(1).display()),
                        _ => name.clone(),
                    };
                    let skip = if b.name == "call_plugin" { 2 } else { 1 };
                    let rest: Vec<Value<'a>> = a.iter().skip(skip).cloned().collect();
                    return self.request(super::host::EffectKind::Plugin, &path, &rest, &[], span);
                }
                let p = self.find_plugin(&name, span)?;
                let (function, rest) = if b.name == "call_plugin" && given(1) {
                    (Some(arg(1).display()), a.iter().skip(2).cloned().collect())
                } else {
                    let skip = if b.name == "call_plugin" { 2 } else { 1 };
                    (None, a.iter().skip(skip).cloned().collect())
                };
                match function {
                    Some(f) => match p.env.get(&f) {
                        Some(func) => self.call_value(&func, rest, Vec::new(), span)?,
                        None => {
                            return self
                                .fail(span, format!("plugin '{name}' has no function '{f}'"))
                        }
                    },
                    None => self.run_plugin_blocks(&p, &["on_run"], rest)?,
                }
            }
            "check_confidence" => {
                let value = if given(0) {
                    arg(0).as_f64().unwrap_or(0.0)
                } else {
                    self.confidence
                };
                let threshold = if given(1) {
                    arg(1).as_f64().unwrap_or(0.5)
                } else {
                    0.5
                };
                Value::Bool(value >= threshold)
            }
            "count" => {
                let items = self.items(&arg(0), span)?;
                if given(1) {
                    let f = arg(1);
                    let mut n = 0;
                    for item in items {
                        if self.call_value(&f, vec![item], Vec::new(), span)?.truthy() {
                            n += 1;
                        }
                    }
                    Value::Int(n)
                } else {
                    Value::Int(items.len() as i64)
                }
            }
            "delete_memory" | "delete_memory_entry" => {
                let id = self.id_arg(&arg(0), span)?;
                let r = self.memory.delete(id);
                Value::Bool(self.mem(span, r)?)
            }
            "detect_anomalies" => {
                let data = if given(0) {
                    arg(0)
                } else {
                    self.logs(None, None, None, None, span)?
                };
                let mut out = Vec::new();
                for item in self.items(&data, span)? {
                    let level = match &item {
                        Value::Map(m) => m.borrow().get("level").map(Value::display),
                        _ => None,
                    };
                    if level.is_some_and(|l| {
                        matches!(
                            l.to_lowercase().as_str(),
                            "warning" | "warn" | "error" | "critical"
                        )
                    }) {
                        out.push(item);
                    }
                }
                Value::list(out)
            }
            "escalate_to" => {
                let target = arg(0).display();
                let message = if given(1) {
                    arg(1).display()
                } else {
                    String::new()
                };
                let id = self.record(
                    "escalation",
                    &[
                        ("target", Value::str(&target)),
                        ("message", Value::str(&message)),
                    ],
                    span,
                )?;
                self.request(
                    super::host::EffectKind::Builtin,
                    "escalate_to",
                    &[Value::str(&target), Value::str(&message)],
                    &[],
                    span,
                )?;
                self.print(
                    span,
                    &format!(
                        "escalated to {target}{}",
                        if message.is_empty() {
                            String::new()
                        } else {
                            format!(": {message}")
                        }
                    ),
                )?;
                Value::Int(id)
            }
            "evaluate_confidence" => {
                let v = if given(0) {
                    arg(0)
                } else {
                    self.globals.get("goal").unwrap_or(Value::Null)
                };
                let c = match &v {
                    Value::Null => 0.0,
                    Value::Bool(b) => f64::from(u8::from(*b)),
                    Value::Int(_) | Value::Float(_) => v.as_f64().unwrap_or(0.0).clamp(0.0, 1.0),
                    Value::Str(s) => 1.0 - 1.0 / (1.0 + s.split_whitespace().count() as f64),
                    Value::List(l) => 1.0 - 1.0 / (1.0 + l.borrow().len() as f64),
                    Value::Map(m) => 1.0 - 1.0 / (1.0 + m.borrow().len() as f64),
                    _ => 0.5,
                };
                self.confidence = c;
                Value::Float(c)
            }
            "float" => match arg(0) {
                Value::Int(i) => Value::Float(i as f64),
                Value::Float(f) => Value::Float(f),
                Value::Str(s) => match s.trim().parse::<f64>() {
                    Ok(f) => Value::Float(f),
                    Err(_) => return self.fail(span, format!("cannot convert \"{s}\" to a float")),
                },
                other => {
                    return self.fail(
                        span,
                        format!("cannot convert {} to a float", other.a_type()),
                    )
                }
            },
            "generate_uuid" => {
                let hi = (self.random() * 2f64.powi(52)) as u64;
                let lo = (self.random() * 2f64.powi(52)) as u64;
                let x = ((hi as u128) << 52 | lo as u128) & ((1u128 << 104) - 1);
                let h = format!("{x:026x}");
                Value::str(&format!(
                    "{}-{}-4{}-a{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[12..15],
                    &h[15..18],
                    &h[18..26].repeat(2)[..12]
                ))
            }
            "get_global" => {
                let r = self.memory.get_global(&arg(0).display());
                match self.mem(span, r)? {
                    Some(j) => Value::from_json(&j),
                    None => arg(1),
                }
            }
            "get_memory" => {
                let id = self.id_arg(&arg(0), span)?;
                let r = self.memory.get(id);
                match self.mem(span, r)? {
                    Some(e) => entry_value(&e),
                    None => Value::Null,
                }
            }
            "int" => match arg(0) {
                Value::Int(i) => Value::Int(i),
                Value::Float(f) if f.is_finite() => Value::Int(f.trunc() as i64),
                Value::Bool(b) => Value::Int(i64::from(b)),
                Value::Str(s) => match s.trim().parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => match s.trim().parse::<f64>() {
                        Ok(f) if f.is_finite() && f.abs() < 9.2e18 => Value::Int(f.trunc() as i64),
                        _ => return self.fail(span, format!("cannot convert \"{s}\" to an int")),
                    },
                },
                other => {
                    return self.fail(span, format!("cannot convert {} to an int", other.a_type()))
                }
            },
            "len" => match arg(0) {
                Value::Str(s) => Value::Int(s.chars().count() as i64),
                Value::List(l) => Value::Int(l.borrow().len() as i64),
                Value::Map(m) => Value::Int(m.borrow().len() as i64),
                other => return self.fail(span, format!("{} has no length", other.a_type())),
            },
            "load_feature_index" => {
                let r = self.memory.get_global("feature_index");
                match self.mem(span, r)? {
                    Some(j) => Value::from_json(&j),
                    None => Value::map(Fields::default()),
                }
            }
            "load_logs" => {
                let source = given(0).then(|| arg(0).display());
                let tag = given(1).then(|| arg(1).display());
                let limit = arg(2).as_f64().map(|n| n.max(0.0) as usize);
                let window = arg(3).as_f64();
                self.logs(source, tag, limit, window, span)?
            }
            "log" | "print" | "narrate" | "trace" => {
                let text = a.iter().map(Value::display).collect::<Vec<_>>().join(" ");
                let text = match b.name {
                    "trace" => format!("trace: {text}"),
                    _ => text,
                };
                if b.name == "log" {
                    self.log_line(&text, span)?;
                } else {
                    self.print(span, &text)?;
                }
                Value::Null
            }
            "max" | "min" => {
                let items = numbers(&a);
                let pick = items.into_iter().reduce(|x, y| {
                    let o = super::methods::order(&x, &y);
                    if (b.name == "min") == (o == std::cmp::Ordering::Greater) {
                        y
                    } else {
                        x
                    }
                });
                pick.unwrap_or(Value::Null)
            }
            "metrics" => {
                let r = self.memory.get_global("metrics");
                let current = self.mem(span, r)?.unwrap_or_else(|| serde_json::json!({}));
                if !given(0) {
                    Value::from_json(&current)
                } else {
                    let mut m = match current {
                        serde_json::Value::Object(m) => m,
                        _ => serde_json::Map::new(),
                    };
                    m.insert(arg(0).display(), self.kept(&arg(1), span)?);
                    let r = self
                        .memory
                        .set_global("metrics", &serde_json::Value::Object(m));
                    self.mem(span, r)?;
                    Value::Null
                }
            }
            "notify" => {
                // The recipient is a user, a team or a channel, whichever is given.
                let user = [0, 2, 3]
                    .into_iter()
                    .find(|&i| given(i))
                    .map_or_else(|| "operator".to_string(), |i| arg(i).display());
                let content = arg(1).display();
                let id = self.record(
                    "notification",
                    &[
                        ("user", Value::str(&user)),
                        ("content", Value::str(&content)),
                    ],
                    span,
                )?;
                self.print(span, &format!("notify {user}: {content}"))?;
                self.request(
                    super::host::EffectKind::Builtin,
                    "notify",
                    &[Value::str(&user), Value::str(&content)],
                    &[],
                    span,
                )?;
                Value::Int(id)
            }
            "now" => Value::Float(self.now()),
            "plugin" => self.plugin_value(&arg(0).display(), span)?,
            "random" => Value::Float(self.random()),
            "range" => {
                let nums: Vec<i64> = a.iter().map(|v| v.as_f64().unwrap_or(0.0) as i64).collect();
                let (start, stop, step) = match nums.as_slice() {
                    [stop] => (0, *stop, 1),
                    [start, stop] => (*start, *stop, 1),
                    [start, stop, step, ..] => (*start, *stop, *step),
                    [] => (0, 0, 1),
                };
                if step == 0 {
                    return self.fail(span, "range step cannot be zero");
                }
                let n = ((i128::from(stop) - i128::from(start)) / i128::from(step)).max(0);
                if n > 10_000_000 {
                    return self.fail(span, "range too large");
                }
                let mut out = Vec::with_capacity(n as usize);
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    out.push(Value::Int(i));
                    match i.checked_add(step) {
                        Some(next) => i = next,
                        None => break,
                    }
                }
                Value::list(out)
            }
            "reflect" => {
                let topic = given(0).then(|| arg(0).display());
                let q = Query {
                    text: topic.clone(),
                    ..Query::default()
                };
                let r = self.memory.search(&q);
                let n = self.mem(span, r)?.len();
                let about = topic.clone().unwrap_or_else(|| "everything".into());
                self.print(span, &format!("reflect: {n} memories about {about}"))?;
                let mut m = Fields::default();
                m.insert(Rc::from("topic"), Value::str(&about));
                m.insert(Rc::from("memories"), Value::Int(n as i64));
                Value::map(m)
            }
            "round" => {
                let x = arg(0).as_f64().unwrap_or(0.0);
                let d = arg(1).as_f64().unwrap_or(0.0) as i32;
                if d <= 0 && !given(1) {
                    Value::Int(x.round() as i64)
                } else {
                    // Past 17 digits an f64 has nothing left to round; far to the left of
                    // the point everything rounds to 0 (and `10^d` would overflow to NaN).
                    Value::Float(match d {
                        17.. => x,
                        ..=-309 => 0.0,
                        _ => {
                            let f = 10f64.powi(d);
                            let r = (x * f).round() / f;
                            if r.is_finite() {
                                r
                            } else {
                                x
                            }
                        }
                    })
                }
            }
            "search_memory" | "search_memory_one" => {
                let mut q = self.query(&arg(0));
                q.limit = if b.name == "search_memory_one" {
                    Some(1)
                } else {
                    arg(1).as_f64().map(|n| n.max(0.0) as usize)
                };
                let r = self.memory.search(&q);
                let found: Vec<Value<'a>> = self.mem(span, r)?.iter().map(entry_value).collect();
                if b.name == "search_memory_one" {
                    found.into_iter().next().unwrap_or(Value::Null)
                } else {
                    Value::list(found)
                }
            }
            "self_heal" => {
                let component = if given(0) {
                    arg(0).display()
                } else {
                    "system".into()
                };
                self.record("self_heal", &[("component", Value::str(&component))], span)?;
                self.print(span, &format!("self-heal: {component}"))?;
                Value::Bool(true)
            }
            "set_global" => {
                let json = self.kept(&arg(1), span)?;
                let r = self.memory.set_global(&arg(0).display(), &json);
                self.mem(span, r)?;
                Value::Null
            }
            "sleep" => {
                // A plain number is seconds; a duration literal (`2m`) already is; a unit
                // word scales the number: `sleep(5, "minutes")`.
                let amount = arg(0).as_f64().unwrap_or(0.0);
                let factor = match arg(1) {
                    Value::Null => 1.0,
                    unit => match unit.display().as_str() {
                        "ms" | "millisecond" | "milliseconds" => 0.001,
                        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
                        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                        "h" | "hr" | "hour" | "hours" => 3600.0,
                        "d" | "day" | "days" => 86400.0,
                        other => return self.fail(span, format!("sleep: unknown unit '{other}'")),
                    },
                };
                self.wait(amount * factor, span)?;
                Value::Null
            }
            "setTimeout" | "setInterval" => {
                let callback = arg(0);
                if !callback.is_callable() {
                    return self.fail(
                        span,
                        format!("{}: the first argument must be a function", b.name),
                    );
                }
                let delay = arg(1).as_f64().unwrap_or(0.0);
                let extra = a.get(2..).map(<[Value<'a>]>::to_vec).unwrap_or_default();
                let now = self.now();
                let repeat = b.name == "setInterval";
                Value::Int(self.timers.set(now, delay, callback, extra, repeat, span))
            }
            "clearTimeout" | "clearInterval" => {
                if let Value::Int(id) = arg(0) {
                    self.timers.clear(id);
                }
                Value::Null
            }
            "sorted" => {
                let items = self.items(&arg(0), span)?;
                let list = Value::list(items);
                let sorted = self.call_method(list, "sorted", vec![arg(1)], span)?;
                if arg(2).truthy() {
                    self.call_method(sorted, "reversed", Vec::new(), span)?
                } else {
                    sorted
                }
            }
            "store" => {
                let tags: Vec<String> = if given(1) {
                    vec![arg(1).display()]
                } else {
                    Vec::new()
                };
                let ts = self.now();
                let json = self.kept(&arg(0), span)?;
                let r = self.memory.store("memory", &json, &tags, ts);
                Value::Int(self.mem(span, r)?)
            }
            "store_memory" => {
                let tags: Vec<String> = match arg(1) {
                    Value::List(l) => l.borrow().iter().map(Value::display).collect(),
                    Value::Null => Vec::new(),
                    other => super::eval::split_tags(&other.display()),
                };
                let category = if given(2) {
                    arg(2).display()
                } else {
                    "memory".into()
                };
                let ts = self.now();
                let json = self.kept(&arg(0), span)?;
                let r = self.memory.store(&category, &json, &tags, ts);
                Value::Int(self.mem(span, r)?)
            }
            "str" => match arg(0) {
                s @ Value::Str(_) => s,
                other => Value::str(&other.display()),
            },
            "sum" => {
                let mut total = Value::Int(0);
                for v in numbers(&a) {
                    total = self.binary(crate::syntax::ast::BinOp::Add, total, v, span)?;
                }
                total
            }
            "summarize" => {
                let source = arg(0);
                let text = match &source {
                    Value::Null => {
                        let r = self.memory.count(None);
                        format!("{} memories", self.mem(span, r)?)
                    }
                    Value::Str(s) => {
                        let q = Query {
                            tags: vec![s.to_string()],
                            ..Query::default()
                        };
                        let r = self.memory.search(&q);
                        let tagged = self.mem(span, r)?.len();
                        let r = self.memory.count(Some(s));
                        let in_category = self.mem(span, r)?;
                        format!("{} entries about {s}", tagged + in_category)
                    }
                    Value::List(l) => format!("{} items", l.borrow().len()),
                    Value::Map(m) => format!("{} fields", m.borrow().len()),
                    other => other.display(),
                };
                Value::str(&text)
            }
            "typeof" => Value::str(arg(0).type_name()),
            "update_memory" => {
                let id = self.id_arg(&arg(0), span)?;
                // Merging is the default because a partial map (`{reviewed: true}`) is what
                // scripts pass; replacing the whole content must be asked for.
                let r = if arg(2).truthy() {
                    let json = self.kept(&arg(1), span)?;
                    self.memory.replace(id, &json)
                } else {
                    let fields = match self.kept(&arg(1), span)? {
                        serde_json::Value::Object(m) => m,
                        _ => {
                            return self.fail(
                                span,
                                format!(
                                    "update_memory merges a map of fields, not {}; pass \
                                     replace=true to replace the content with another value",
                                    arg(1).a_type()
                                ),
                            )
                        }
                    };
                    self.memory.update(id, &fields)
                };
                Value::Bool(self.mem(span, r)?)
            }
            other => return self.unsupported(span, format!("the builtin '{other}'")),
        })
    }

    fn items(&self, v: &Value<'a>, span: Span) -> R<'a, Vec<Value<'a>>> {
        match v {
            Value::List(l) => Ok(l.borrow().clone()),
            Value::Map(m) => Ok(m.borrow().values().cloned().collect()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::str(&c.to_string())).collect()),
            Value::Null => Ok(Vec::new()),
            other => self.fail(span, format!("expected a list, found {}", other.a_type())),
        }
    }

    fn id_arg(&self, v: &Value<'a>, span: Span) -> R<'a, i64> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Map(m) => match m.borrow().get("id") {
                Some(Value::Int(i)) => Ok(*i),
                _ => self.fail(span, "the entry has no numeric 'id'"),
            },
            other => self.fail(
                span,
                format!("a memory id is an int, not {}", other.a_type()),
            ),
        }
    }

    /// A memory query from a text or a map of fields (`{ type: "cache" }`).
    pub(super) fn query(&self, q: &Value<'a>) -> Query {
        match q {
            Value::Map(m) => {
                let mut query = Query::default();
                for (k, v) in m.borrow().iter() {
                    match &**k {
                        "category" => query.category = Some(v.display()),
                        "tag" => query.tags.push(v.display()),
                        "text" | "query" => query.text = Some(v.display()),
                        _ => {
                            query.fields.insert(k.to_string(), v.to_json());
                        }
                    }
                }
                query
            }
            Value::Null => Query::default(),
            other => Query {
                text: Some(other.display()),
                ..Query::default()
            },
        }
    }

    /// Store a map entry in a category; returns its id.
    pub(super) fn record(
        &mut self,
        category: &str,
        fields: &[(&str, Value<'a>)],
        span: Span,
    ) -> R<'a, i64> {
        let mut content = serde_json::Map::new();
        for (k, v) in fields {
            content.insert(k.to_string(), self.kept(v, span)?);
        }
        let ts = self.now();
        let r = self
            .memory
            .store(category, &serde_json::Value::Object(content), &[], ts);
        self.mem(span, r)
    }

    /// `log` output: printed, and kept as a `log` entry so `load_logs` sees it.
    pub(super) fn log_line(&mut self, text: &str, span: Span) -> R<'a, ()> {
        self.print(span, text)?;
        let source = self.source_name();
        self.record(
            "log",
            &[
                ("message", Value::str(text)),
                ("level", Value::str("info")),
                ("source", Value::str(&source)),
            ],
            span,
        )?;
        Ok(())
    }

    fn logs(
        &mut self,
        source: Option<String>,
        tag: Option<String>,
        limit: Option<usize>,
        window: Option<f64>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let mut q = Query {
            category: Some("log".into()),
            limit,
            since: window.map(|w| self.now() - w),
            ..Query::default()
        };
        if let Some(s) = source {
            q.fields
                .insert("source".into(), serde_json::Value::String(s));
        }
        if let Some(t) = tag {
            q.tags.push(t);
        }
        let r = self.memory.search(&q);
        Ok(Value::list(
            self.mem(span, r)?.iter().map(entry_value).collect(),
        ))
    }
}
