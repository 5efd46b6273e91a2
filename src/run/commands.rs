//! Command lines (NeuroCode, English and `$var` dialects): what each verb does.
//!
//! A verb that names a function or builtin is a call without parentheses. Verbs with a data
//! effect (`append`, `remove`, `summarize ... into`, `store ... as`, `trigger`, `show`,
//! `status`, `goal`, `run`, `use`) do exactly that. The reasoning verbs (`learn`, `suggest`,
//! `optimize`, `analyze`, ...) record the phrase in memory under the verb's name and print it:
//! that is their meaning for a script run (the runtime's agents act on those records).
//! Verbs whose effect needs something a script run does not have (files, agents) stop with
//! UNSUPPORTED_FEATURE.

use super::eval::{Interp, R};
use super::host::EffectKind;
use super::value::Env;
use super::value::{Fields, Value};
use crate::syntax::ast::*;
use crate::syntax::position::{Block as BlockRole, Position};
use crate::syntax::span::Span;
use std::rc::Rc;

/// Words that join the parts of a command phrase (`append x to y`, `summarize a into b`).
const CONNECTORS: &[&str] = &["into", "as", "in", "on", "from", "to", "with"];

/// Verbs that record their phrase in memory under their own name.
const RECORDING: &[&str] = &[
    "adapt",
    "align",
    "analyze",
    "apply",
    "autonomous",
    "backup",
    "check",
    "collaborate",
    "connect",
    "coordinate",
    "create",
    "decide",
    "detect",
    "develop",
    "ensure",
    "establish",
    "evaluate",
    "evolve",
    "execute",
    "expose_command",
    "implement",
    "learn",
    "load",
    "maintain",
    "measure",
    "monitor",
    "observe",
    "optimize",
    "plan",
    "reason",
    "reflective",
    "refactor",
    "repair",
    "retry",
    "schedule",
    "share",
    "simulate",
    "speak",
    "suggest",
    "sync",
    "tag",
    "update",
    "validate",
    "verify",
];

/// Verbs this module gives a meaning of their own (the others are requests to the host).
const OWN: &[&str] = &[
    "append",
    "remove",
    "summarize",
    "store",
    "reflect",
    "goal",
    "set_goal",
    "show",
    "status",
    "memory",
    "run",
    "use",
    "trigger",
    "emit",
    "pattern",
    "think",
    "write",
];

/// Whether a verb does something of its own in a run (`status`, `learn`), as opposed to
/// asking the host.
pub(super) fn implemented(verb: &str) -> bool {
    OWN.contains(&verb) || RECORDING.contains(&verb)
}

impl<'a> Interp<'a, '_> {
    /// A bare word line that is not a variable: a call without arguments.
    pub(super) fn command_word(
        &mut self,
        name: &'a str,
        span: Span,
        env: &Env<'a>,
    ) -> R<'a, Value<'a>> {
        if let Some(b) = crate::registry::builtins::lookup(name) {
            return self.call_builtin(b, Vec::new(), Vec::new(), span);
        }
        self.verb(name, &[], None, None, env, span)
    }

    pub(super) fn command(
        &mut self,
        c: &'a Command<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let verb = c.verb.node;
        // A function or builtin used as a verb: `narrate "text"`, `warm_cache target`.
        let callee = env
            .get(verb)
            .or_else(|| crate::registry::builtins::lookup(verb).map(Value::Builtin));
        // `summarize "day" into digest`, `store $x in memory as "t"`, `reflect on tags="a"`:
        // a builtin that is also a verb takes its phrase form when the phrase uses it.
        let phrase_form = matches!(callee, Some(Value::Builtin(_)))
            && ((matches!(verb, "summarize" | "store" | "reflect") && !Self::plain_args(&c.parts))
                || (verb == "plugin" && c.parts.len() > 1));
        if let (false, Some(f @ (Value::Func(_) | Value::Builtin(_)))) = (phrase_form, callee) {
            if c.body.is_some() {
                return self.unsupported(span, format!("a block after the command '{verb}'"));
            }
            let mut args = Vec::new();
            let mut kwargs = Vec::new();
            for p in &c.parts {
                match p {
                    Part::Expr { expr } => args.push(self.word_or_value(expr, env)?),
                    Part::Pair { pair } => {
                        kwargs.push((pair.key.node, self.value(&pair.value, env)?))
                    }
                    Part::Word { word, .. } => {
                        return self.unsupported(
                            span,
                            format!("the word '{word}' in a call of '{verb}' without parentheses"),
                        )
                    }
                }
            }
            return self.call_value(&f, args, kwargs, span);
        }
        self.verb(verb, &c.parts, c.frame.as_ref(), c.body.as_ref(), env, span)
    }

    /// An expression among command words: a bare unbound name is the word itself.
    fn word_or_value(&mut self, expr: &'a Expr<'a>, env: &Env<'a>) -> R<'a, Value<'a>> {
        match expr.node {
            ExprKind::Name { name } if env.get(name).is_none() => Ok(Value::str(name)),
            _ => self.eval(expr, env),
        }
    }

    /// Parts that read as a plain argument list: values only, no connecting words.
    fn plain_args(parts: &[Part<'_>]) -> bool {
        parts.iter().all(|p| match p {
            Part::Expr { expr } => match &expr.node {
                ExprKind::Name { name } => !CONNECTORS.contains(name),
                ExprKind::Binary { op: BinOp::In, .. } => false,
                _ => true,
            },
            Part::Word { .. } | Part::Pair { .. } => false,
        })
    }

    /// The phrase of a command as text: words as written, values evaluated.
    fn phrase(&mut self, parts: &'a [Part<'a>], env: &Env<'a>) -> R<'a, String> {
        let mut text = String::new();
        for p in parts {
            let word = match p {
                Part::Word { word, .. } => word.to_string(),
                // `expose_command "x" -> f`: an arrow among the words is written as it is.
                Part::Expr {
                    expr:
                        expr @ Expr {
                            node:
                                ExprKind::Binary {
                                    op: BinOp::Arrow, ..
                                },
                            ..
                        },
                } => self.source_text(expr.span).to_string(),
                // `apply throttling if load > 80%`: words made of unbound names are their text.
                Part::Expr { expr } => self.data(expr, env)?.display(),
                Part::Pair { pair } => {
                    let v = self.value(&pair.value, env)?;
                    format!("{}={}", pair.key.node, v.display())
                }
            };
            // Punctuation attaches to the word before it: `analyze a, b`.
            if !text.is_empty() && !matches!(word.as_str(), "," | ";") {
                text.push(' ');
            }
            text.push_str(&word);
        }
        Ok(text)
    }

    /// Split a phrase at a connecting word: `append X to Y` -> (X parts, Y parts).
    fn split_at_word(
        parts: &'a [Part<'a>],
        word: &str,
    ) -> Option<(&'a [Part<'a>], &'a [Part<'a>])> {
        let i = parts.iter().position(|p| match p {
            Part::Word { word: w, .. } => *w == word,
            Part::Expr { expr } => matches!(expr.node, ExprKind::Name { name } if name == word),
            Part::Pair { .. } => false,
        })?;
        Some((&parts[..i], &parts[i + 1..]))
    }

    fn single_expr(parts: &'a [Part<'a>]) -> Option<&'a Expr<'a>> {
        match parts {
            [Part::Expr { expr }] => Some(expr),
            _ => None,
        }
    }

    fn verb(
        &mut self,
        verb: &'a str,
        parts: &'a [Part<'a>],
        frame: Option<&'a Frame<'a>>,
        body: Option<&'a Block<'a>>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        // A trailing block: the filter of `recall ... where:`, the arguments of a recording
        // verb, or what an open verb phrase asks for.
        let with = match body {
            Some(_) if verb == "recall" => None,
            Some(b) if !implemented(verb) || RECORDING.contains(&verb) => {
                let role = if implemented(verb) {
                    (BlockRole::Arguments, Position::Words)
                } else {
                    (BlockRole::Mapping, Position::Declaration)
                };
                Some(self.in_block(role.0, role.1, |s| s.block_data(b, env))?)
            }
            Some(b) => {
                return self.unsupported(b.span, format!("a block after the command '{verb}'"))
            }
            None => None,
        };
        match verb {
            "append" | "remove" => {
                let joiner = if verb == "append" { "to" } else { "from" };
                // `append x to list` changes a list of the script; anything else (`remove
                // item from queue` of the host, a phrase without `to`) asks the host.
                let local = Self::split_at_word(parts, joiner).and_then(|(item, target)| {
                    Some((Self::single_expr(item)?, Self::single_expr(target)?))
                });
                let target_value = match local {
                    Some((_, target)) => Some(self.eval(target, env)?),
                    None => None,
                };
                let (Some((item, target)), Some(Value::List(_))) = (local, &target_value) else {
                    return self.ask_host(verb, parts, frame, env, span);
                };
                let value = self.eval(item, env)?;
                match target_value.unwrap_or(Value::Null) {
                    Value::List(l) => {
                        if verb == "append" {
                            l.borrow_mut().push(value);
                        } else {
                            let mut l = l.borrow_mut();
                            if let Some(i) = l.iter().position(|v| v.equals(&value)) {
                                l.remove(i);
                            }
                        }
                        Ok(Value::Null)
                    }
                    other => self.fail(
                        target.span,
                        format!("cannot {verb} with {}", other.a_type()),
                    ),
                }
            }
            "summarize" => {
                // `summarize "day" into digest` summarizes a value of the script; any other
                // phrase (`summarize logs from today`) is the host's to do.
                let Some((what, into)) = Self::split_at_word(parts, "into") else {
                    return self.ask_host(verb, parts, frame, env, span);
                };
                let (
                    Some(what),
                    Some(Expr {
                        node: ExprKind::Name { name },
                        ..
                    }),
                ) = (Self::single_expr(what), Self::single_expr(into))
                else {
                    return self.ask_host(verb, parts, frame, env, span);
                };
                let v = self.eval(what, env)?;
                let Some(b) = crate::registry::builtins::lookup("summarize") else {
                    return self.unsupported(span, "'summarize'");
                };
                let s = self.call_builtin(b, vec![v], Vec::new(), span)?;
                env.assign(name, s);
                Ok(Value::Null)
            }
            "store" => {
                // `store $x in memory as "t"`, `store x as "t"`
                let (value_parts, tag) = match Self::split_at_word(parts, "as") {
                    Some((v, t)) => (v, Self::single_expr(t)),
                    None => (parts, None),
                };
                let value_parts = match Self::split_at_word(value_parts, "in") {
                    Some((v, _)) => v,
                    None => value_parts,
                };
                let Some(value) = Self::single_expr(value_parts) else {
                    return self.ask_host(verb, parts, frame, env, span);
                };
                let v = self.eval(value, env)?;
                let tags = match tag {
                    Some(t) => super::eval::split_tags(&self.eval(t, env)?.display()),
                    None => Vec::new(),
                };
                let ts = self.now();
                let json = self.kept(&v, span)?;
                let r = self.memory.store("memory", &json, &tags, ts);
                Ok(Value::Int(self.mem(span, r)?))
            }
            "reflect" => {
                // `reflect on tags="cache,boot"` counts the entries carrying those tags;
                // `reflect on "topic"` is the builtin's text search.
                let mut tags = None;
                let mut topic = None;
                for p in parts {
                    match p {
                        Part::Pair { pair } if matches!(pair.key.node, "tags" | "tag") => {
                            tags = Some(self.value(&pair.value, env)?.display());
                        }
                        Part::Expr { expr }
                            if !matches!(expr.node, ExprKind::Name { name: "on" }) =>
                        {
                            topic = Some(self.word_or_value(expr, env)?);
                        }
                        _ => {}
                    }
                }
                if let Some(t) = tags {
                    let q = crate::run::memory::Query {
                        tags: super::eval::split_tags(&t),
                        ..Default::default()
                    };
                    let r = self.memory.search(&q);
                    let n = self.mem(span, r)?.len();
                    self.print(span, &format!("reflect: {n} memories about {t}"))?;
                    return Ok(Value::Int(n as i64));
                }
                let Some(b) = crate::registry::builtins::lookup("reflect") else {
                    return self.unsupported(span, "'reflect'");
                };
                self.call_builtin(b, topic.into_iter().collect(), Vec::new(), span)
            }
            "goal" | "set_goal" => {
                let text = self.phrase(parts, env)?;
                if text == "status" {
                    let g = self
                        .globals
                        .get("goal")
                        .map_or_else(|| "none".to_string(), |g| g.display());
                    self.print(span, &format!("goal: {g}"))?;
                    return Ok(Value::Null);
                }
                let mut m = Fields::default();
                m.insert(Rc::from("goal"), Value::str(&text));
                let ts = self.now();
                let json = self.kept(&Value::map(m), span)?;
                let r = self.memory.store("goal", &json, &[], ts);
                self.mem(span, r)?;
                self.globals.define("goal", Value::str(&text));
                self.print(span, &format!("goal: {text}"))?;
                Ok(Value::Null)
            }
            "show" => {
                let what = self.phrase(parts, env)?;
                match what.as_str() {
                    "variables" | "vars" => {
                        let mut names = env.names();
                        names.sort_unstable();
                        for n in names {
                            if let Some(v) = env.get(n) {
                                if !matches!(
                                    v,
                                    Value::Func(_) | Value::Plugin(_) | Value::Module(_)
                                ) {
                                    self.print(span, &format!("{n} = {}", v.repr()))?;
                                }
                            }
                        }
                    }
                    _ => self.print(span, &what)?,
                }
                Ok(Value::Null)
            }
            "status" | "memory" if parts.is_empty() || verb == "memory" => {
                let r = self.memory.count(None);
                let n = self.mem(span, r)?;
                let goal = self
                    .globals
                    .get("goal")
                    .map_or_else(|| "none".to_string(), |g| g.display());
                self.print(span, &format!("status: {n} memories, goal: {goal}"))?;
                Ok(Value::Null)
            }
            "run" => match parts {
                [Part::Expr { expr }] => self.eval(expr, env),
                // `run agent "Summarizer" with $log`: the host's agents do it.
                _ => self.ask_host("run", parts, frame, env, span),
            },
            // `use plugin: "net.fetcher"`
            "use" if matches!(parts, [Part::Pair { pair }] if pair.key.node == "plugin") => {
                let [Part::Pair { pair }] = parts else {
                    return self.unsupported(span, "this form of 'use'");
                };
                let name = self.value(&pair.value, env)?.display();
                let p = self.plugin_value(&name, span)?;
                env.assign("active_plugin", p);
                Ok(Value::Null)
            }
            "use" => match parts {
                // `use indexer`, `use plugin "indexer"`
                [Part::Expr { expr }]
                | [Part::Word { .. }, Part::Expr { expr }]
                | [Part::Expr {
                    expr:
                        Expr {
                            node: ExprKind::Name { name: "plugin" },
                            ..
                        },
                }, Part::Expr { expr }] => {
                    let name = self.word_or_value(expr, env)?.display();
                    let p = self.plugin_value(&name, span)?;
                    env.assign("active_plugin", p);
                    Ok(Value::Null)
                }
                // `use sysmon to "watch disks"`: asks the host.
                _ => self.ask_host("use", parts, frame, env, span),
            },
            "trigger" | "emit" => {
                // `emit build_failed(job)` names the event by its callee; the payload binds
                // to the parameters of handlers that declare them (`when build_failed(job):`).
                let (event, args, kwargs) = match parts {
                    [Part::Expr { expr }] => match &expr.node {
                        ExprKind::Call { callee, args } => match callee.node {
                            ExprKind::Name { name } => {
                                let (a, k) = self.call_args(args, env)?;
                                (name.to_string(), a, k)
                            }
                            _ => (self.phrase(parts, env)?, Vec::new(), Vec::new()),
                        },
                        _ => (self.phrase(parts, env)?, Vec::new(), Vec::new()),
                    },
                    _ => (self.phrase(parts, env)?, Vec::new(), Vec::new()),
                };
                self.fire(&event, args, kwargs, span)?;
                Ok(Value::Null)
            }
            "pattern" => {
                let Some(text) = parts.iter().find_map(|p| match p {
                    Part::Expr { expr } if matches!(expr.node, ExprKind::Str { .. }) => Some(expr),
                    _ => None,
                }) else {
                    return self.ask_host(verb, parts, frame, env, span);
                };
                let t = self.eval(text, env)?.display();
                let q = crate::run::memory::Query {
                    text: Some(t),
                    ..Default::default()
                };
                let r = self.memory.search(&q);
                Ok(Value::Int(self.mem(span, r)?.len() as i64))
            }
            "think" => {
                let text = self.phrase(parts, env)?;
                let ts = self.now();
                let r =
                    self.memory
                        .store("thought", &serde_json::Value::String(text.clone()), &[], ts);
                self.mem(span, r)?;
                self.print(span, &format!("think: {text}"))?;
                Ok(Value::Null)
            }
            // `write buffer to disk at "logs/x.log"`: a script has no file system of its
            // own; the write is the host's, recorded as an effect.
            "write" => self.ask_host("write", parts, frame, env, span),
            "recall" => self.recall_phrase(parts, body, env, span),
            "remember" => {
                // `remember the outage as "incident"`: the phrase, tagged with the `as` slot.
                let (what, tags) = match Self::split_at_word(parts, "as") {
                    Some((what, tags)) => (what, self.phrase(tags, env)?),
                    None => (parts, String::new()),
                };
                let text = self.phrase(what, env)?;
                let ts = self.now();
                let r = self.memory.store(
                    "memory",
                    &serde_json::Value::String(text),
                    &super::eval::split_tags(&tags),
                    ts,
                );
                Ok(Value::Int(self.mem(span, r)?))
            }
            // `plugin sysmon.status "disk"`: the plugin's call, like the `plugin:` directive.
            "plugin" => {
                let (mut args, kwargs) =
                    self.at(Position::Words, |s| s.phrase_args(parts, frame, env))?;
                let target = if args.is_empty() {
                    String::new()
                } else {
                    args.remove(0).display()
                };
                self.request(EffectKind::Plugin, &target, &args, &kwargs, span)
            }
            v if RECORDING.contains(&v) => {
                let text = self.phrase(parts, env)?;
                let mut m = Fields::default();
                m.insert(Rc::from("verb"), Value::str(v));
                m.insert(Rc::from("text"), Value::str(&text));
                if let Some(w) = with {
                    m.insert(Rc::from("with"), w);
                }
                let ts = self.now();
                let json = self.kept(&Value::map(m), span)?;
                let r = self.memory.store(v, &json, &[], ts);
                let id = self.mem(span, r)?;
                self.print(span, format!("[{v}] {text}").trim_end())?;
                Ok(Value::Int(id))
            }
            // An open verb phrase (`adapt_strategy to "new load"`) or a verb of the
            // vocabulary without a meaning of its own here: a request to the host, with the
            // phrase's words and values.
            other => {
                let (mut args, kwargs) =
                    self.at(Position::Declaration, |s| s.phrase_args(parts, frame, env))?;
                args.extend(with);
                self.request(EffectKind::Verb, other, &args, &kwargs, span)
            }
        }
    }

    /// A phrase this module does not carry out itself (`remove item from queue` of the host,
    /// `summarize logs from today`): the host is asked to, with the phrase's words and values
    /// (a frame's slots as keywords).
    fn ask_host(
        &mut self,
        verb: &str,
        parts: &'a [Part<'a>],
        frame: Option<&'a Frame<'a>>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let (args, kwargs) = self.at(Position::Words, |s| s.phrase_args(parts, frame, env))?;
        self.request(EffectKind::Verb, verb, &args, &kwargs, span)
    }

    /// `recall plans from today`, `recall notes from last_week where:` + conditions on each
    /// note (the singular of the object names it: `note.kind == "error"`).
    fn recall_phrase(
        &mut self,
        parts: &'a [Part<'a>],
        body: Option<&'a Block<'a>>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let (what, from) = match Self::split_at_word(parts, "from") {
            Some((w, f)) => (w, Some(f)),
            None => (parts, None),
        };
        let what_text = self.phrase(what, env)?;
        let mut q = crate::run::memory::Query::default();
        if !what_text.is_empty() {
            q.text = Some(what_text.clone());
        }
        if let Some(from) = from {
            let day = 86_400.0;
            let now = self.now();
            let start_of_today = now - now.rem_euclid(day);
            q.since = match self.phrase(from, env)?.as_str() {
                "today" => Some(start_of_today),
                "yesterday" => Some(start_of_today - day),
                "last_week" | "this_week" | "last week" => Some(now - 7.0 * day),
                "last_month" | "last month" => Some(now - 30.0 * day),
                _ => None,
            };
        }
        let r = self.memory.search(&q);
        let found: Vec<Value<'a>> = self
            .mem(span, r)?
            .iter()
            .map(|e| Value::from_json(&e.content))
            .collect();
        let Some(filter) = body else {
            return Ok(Value::list(found));
        };
        // The object's last word, singular, names each item (`notes` -> `note`).
        let item: &'a str = match what.last() {
            Some(Part::Expr { expr }) => match expr.node {
                ExprKind::Name { name } => name.strip_suffix('s').unwrap_or(name),
                _ => "item",
            },
            Some(Part::Word { word, .. }) => word.strip_suffix('s').unwrap_or(word),
            _ => "item",
        };
        let mut kept = Vec::new();
        for v in found {
            let scope = env.child();
            scope.define(item, v.clone());
            let mut keep = true;
            for s in &filter.stmts {
                if let StmtKind::Expr { expr, .. } | StmtKind::Guard { cond: expr } = &s.node {
                    keep &= self.eval(expr, &scope)?.truthy();
                }
            }
            if keep {
                kept.push(v);
            }
        }
        Ok(Value::list(kept))
    }

    /// `recall tag: "cache"`, `recall "today"`, `x = recall logs from today`.
    pub(super) fn recall(
        &mut self,
        key: Option<&'a str>,
        value: &'a Expr<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let v = self.word_or_value(value, env)?;
        let mut q = crate::run::memory::Query::default();
        match key {
            Some("tag" | "tags") => q.tags = super::eval::split_tags(&v.display()),
            Some("category") => q.category = Some(v.display()),
            Some(_) | None => q.text = Some(v.display()),
        }
        let r = self.memory.search(&q);
        let found: Vec<Value<'a>> = self
            .mem(span, r)?
            .iter()
            .map(|e| Value::from_json(&e.content))
            .collect();
        Ok(Value::list(found))
    }
}
