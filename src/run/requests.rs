//! The evaluator's side of the host interface: when a call, a name or a phrase reaches past
//! the script, it becomes a request to the run's host (`host.rs`), recorded as an effect and
//! answered from `[host.returns]`.

use super::eval::{Interp, R};
use super::host::EffectKind;
use super::value::{Env, Value};
use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::position::{Block as BlockRole, Position};
use crate::syntax::span::Span;
use std::rc::Rc;

impl<'a> Interp<'a, '_> {
    /// Asks the host for `name` with these arguments; the answer is the call's value.
    pub(super) fn request(
        &mut self,
        kind: EffectKind,
        name: &str,
        args: &[Value<'a>],
        kwargs: &[(&str, Value<'a>)],
        span: Span,
    ) -> R<'a, Value<'a>> {
        let mut list: Vec<serde_json::Value> = args.iter().map(Value::to_json).collect();
        if !kwargs.is_empty() {
            list.push(serde_json::Value::Object(
                kwargs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ));
        }
        let line = self.line_of(span);
        let elapsed = self.elapsed;
        let budgets = self.budgets;
        match self.host.request(
            kind,
            name,
            serde_json::Value::Array(list),
            elapsed,
            line,
            budgets,
        ) {
            Ok(answer) => Ok(Value::from_json(&answer)),
            Err(over) => self.fail(
                span,
                format!(
                    "'{name}' would exceed the policy's {} of {} (spent {} with it)",
                    over.budget,
                    super::value::format_float(over.limit),
                    super::value::format_float(over.spent)
                ),
            ),
        }
    }

    /// A name nothing in the script binds, that the host binds: a `[host] names` entry, a
    /// declared plugin, or one of the runtime's ambient names (`event`, `memory`, `config`).
    /// Its value is `[host.returns]`'s, else a handle whose members and calls are requests.
    pub(super) fn host_name(&self, name: &str) -> Option<Value<'a>> {
        if !self.host_binds(name) {
            return None;
        }
        Some(if self.host.has_answer(name) {
            Value::from_json(&self.host.answer(name))
        } else {
            Value::Host(Rc::from(name))
        })
    }

    fn host_binds(&self, name: &str) -> bool {
        let declared = self.host.declared();
        declared.has_name(name)
            || declared.has_plugin(name)
            || self.watched.contains(&name)
            || declared.function(name).is_some()
            || crate::registry::builtins::is_runtime_name(name)
    }

    /// Whether a name means something here: bound by the script, a builtin, or the host's.
    pub(super) fn resolves(&self, name: &str, env: &Env<'a>) -> bool {
        env.get(name).is_some()
            || crate::registry::builtins::lookup(name).is_some()
            || self.host_binds(name)
    }

    /// A bare name used as the object of a member outside code (`analyze a.cpu`,
    /// `report.save(...)`): a word, when the script does not bind it.
    pub(super) fn word_object(&self, object: &'a Expr<'a>, env: &Env<'a>) -> Option<&'a str> {
        match object.node {
            ExprKind::Name { name } if !self.position.reads_names() && env.get(name).is_none() => {
                Some(name)
            }
            _ => None,
        }
    }

    /// A member of a host handle: `[host.returns]`'s value for the dotted path, else a
    /// handle one level deeper.
    pub(super) fn host_member(&self, path: &str, member: &str) -> Value<'a> {
        let full = format!("{path}.{member}");
        if self.host.has_answer(&full) {
            Value::from_json(&self.host.answer(&full))
        } else {
            Value::Host(Rc::from(full.as_str()))
        }
    }

    /// A call of something the host provides, by its path (`sysmon.status`, `memory.has`).
    /// The JavaScript globals the brace dialect leans on (`console.log`, `Math.max`,
    /// `JSON.stringify`, `Date.now`) are answered here; everything else is a request.
    pub(super) fn call_host(
        &mut self,
        path: &str,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let num = |i: usize| args.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
        let float = |f: f64| {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::Int(f as i64)
            } else {
                Value::Float(f)
            }
        };
        match path {
            "console.log" | "console.info" | "console.warn" | "console.error" | "console.debug" => {
                let text: Vec<String> = args.iter().map(Value::display).collect();
                self.print(span, &text.join(" "))?;
                return Ok(Value::Null);
            }
            "Math.floor" => return Ok(float(num(0).floor())),
            "Math.ceil" => return Ok(float(num(0).ceil())),
            "Math.round" => return Ok(float((num(0) + 0.5).floor())),
            "Math.abs" => return Ok(float(num(0).abs())),
            "Math.sqrt" => return Ok(Value::Float(num(0).sqrt())),
            "Math.pow" => return Ok(float(num(0).powf(num(1)))),
            "Math.random" => return Ok(Value::Float(self.random())),
            "Math.max" | "Math.min" => {
                let nums = args.iter().map(|v| v.as_f64().unwrap_or(f64::NAN));
                let r = if path == "Math.max" {
                    nums.fold(f64::NEG_INFINITY, f64::max)
                } else {
                    nums.fold(f64::INFINITY, f64::min)
                };
                return Ok(float(r));
            }
            "JSON.stringify" => {
                let j = args.first().map_or(serde_json::Value::Null, Value::to_json);
                return Ok(Value::str(&j.to_string()));
            }
            "JSON.parse" => {
                let text = args.first().map(Value::display).unwrap_or_default();
                return match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(j) => Ok(Value::from_json(&j)),
                    Err(e) => self.fail(span, format!("JSON.parse: {e}")),
                };
            }
            "Date.now" => return Ok(Value::Int((self.now() * 1000.0) as i64)),
            _ => {}
        }
        let root = path.split('.').next().unwrap_or(path);
        let kind = if self.host.declared().has_plugin(root) {
            EffectKind::Plugin
        } else {
            EffectKind::Host
        };
        self.request(kind, path, &args, &kwargs, span)
    }

    /// A call of a name nothing in the run defines: a declared host function, a capability
    /// named in a declarative position, a declared event, or a verb used as a call. `None`
    /// when it is none of these (the caller reports the unknown function).
    pub(super) fn call_unbound(
        &mut self,
        name: &'a str,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, Option<Value<'a>>> {
        if self.handlers.iter().any(|h| h.event == name) {
            self.fire(name, args, kwargs, span)?;
            return Ok(Some(Value::Null));
        }
        let kind = if self.host.declared().function(name).is_some()
            || self.host.declared().has_plugin(name)
        {
            EffectKind::Host
        } else if !self.position.runs_calls() {
            EffectKind::Capability
        } else if crate::registry::vocabulary::lookup(name).is_some()
            || self.host.declared().has_verb(name)
        {
            // `retry("api")`, `status()`: a command verb written as a call.
            if args.is_empty() && kwargs.is_empty() && super::commands::implemented(name) {
                return self
                    .command_word(name, span, &self.globals.clone())
                    .map(Some);
            }
            EffectKind::Verb
        } else {
            return Ok(None);
        };
        self.request(kind, name, &args, &kwargs, span).map(Some)
    }

    /// Evaluates `f` with the tree's position `inner` (kept a declaration inside one).
    pub(super) fn at<T>(&mut self, inner: Position, f: impl FnOnce(&mut Self) -> T) -> T {
        let outer = self.position;
        self.position = outer.nest(inner);
        let r = f(self);
        self.position = outer;
        r
    }

    /// Runs the statements of a block of the given kind, at the given position.
    pub(super) fn in_block<T>(
        &mut self,
        block: BlockRole,
        inner: Position,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let outer = std::mem::replace(&mut self.block, block);
        let r = self.at(inner, f);
        self.block = outer;
        r
    }

    /// A body that is code wherever it is written (functions, handlers, lifecycle blocks).
    pub(super) fn as_code<T>(&mut self, block: BlockRole, f: impl FnOnce(&mut Self) -> T) -> T {
        let outer = (self.position, self.block);
        self.position = Position::Code;
        self.block = block;
        let r = f(self);
        (self.position, self.block) = outer;
        r
    }

    /// The arguments of a verb phrase, for its effect: each value part evaluated where it is
    /// (a bare word is its text), each `k: v` pair as a keyword. With a frame, the object's
    /// parts are positional and each preposition slot is a keyword (`write buffer to disk at
    /// "x.log"`: `buffer`, `to: "disk"`, `at: "x.log"`).
    pub(super) fn phrase_args(
        &mut self,
        parts: &'a [crate::syntax::ast::Part<'a>],
        frame: Option<&'a crate::syntax::ast::Frame<'a>>,
        env: &Env<'a>,
    ) -> R<'a, (Vec<Value<'a>>, super::expr::KwArgs<'a>)> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        let Some(frame) = frame else {
            for p in parts {
                self.phrase_part(p, &mut args, &mut kwargs, env)?;
            }
            return Ok((args, kwargs));
        };
        for slot in &frame.slots {
            let slice = parts
                .get(slot.start as usize..slot.end as usize)
                .unwrap_or(&[]);
            match &slot.keyword {
                None => {
                    for p in slice {
                        self.phrase_part(p, &mut args, &mut kwargs, env)?;
                    }
                }
                Some(k) => {
                    let mut values = Vec::new();
                    for p in slice {
                        self.phrase_part(p, &mut values, &mut kwargs, env)?;
                    }
                    let v = if values.len() == 1 {
                        values.pop().unwrap_or(Value::Null)
                    } else {
                        Value::list(values)
                    };
                    kwargs.push((k.node, v));
                }
            }
        }
        Ok((args, kwargs))
    }

    fn phrase_part(
        &mut self,
        p: &'a crate::syntax::ast::Part<'a>,
        args: &mut Vec<Value<'a>>,
        kwargs: &mut Vec<(&'a str, Value<'a>)>,
        env: &Env<'a>,
    ) -> R<'a, ()> {
        use crate::syntax::ast::Part;
        match p {
            Part::Word { word, .. } => args.push(Value::str(word)),
            Part::Expr { expr } => args.push(self.data(expr, env)?),
            Part::Pair { pair } => kwargs.push((pair.key.node, self.value(&pair.value, env)?)),
        }
        Ok(())
    }
}
