//! Events and time: handlers of named events, `when COND:` watches and `every N UNIT:`
//! schedules.
//!
//! - `when disk_full:`, `when build_failed(job):`, `on event "deploy":`, `on deploy(v):`
//!   register a handler. `emit NAME(args)`, `trigger NAME` or a call of the event's name fire
//!   every handler of that name, binding the payload to the head's parameters. An event with
//!   no handler in the run goes to the host (an `event` effect).
//! - `when COND:` with any other condition is a watch: after each top-level statement and
//!   each scheduled job the condition is evaluated, and the body runs each time it turns from
//!   false to true. A condition that reads a name neither the script nor the host binds
//!   (`when idle_for > 30m:`) is the host's to signal: the mock host never does, so the watch
//!   stays quiet.
//! - `every 30 minutes:` blocks join the timers (`timers.rs`): after the body they run on the
//!   virtual clock, in time order, until `--until`.

use super::eval::{Handler, Interp, Watch, R};
use super::host::EffectKind;
use super::value::{Body, Env, Value};
use crate::syntax::ast::*;
use crate::syntax::position::Block as BlockRole;
use crate::syntax::span::Span;
use crate::syntax::visit::{walk_expr, Visitor};

impl<'a> Interp<'a, '_> {
    /// `when COND:` in a code block: an event handler when the condition is an event's name
    /// (`disk_full`, `build_failed(job)`), else a watch.
    pub(super) fn register_when(
        &mut self,
        cond: &'a Expr<'a>,
        body: &'a Block<'a>,
        env: &Env<'a>,
    ) -> R<'a, ()> {
        if let Some((event, params)) = self.event_head(cond, env) {
            self.handlers.push(Handler {
                event: event.to_string(),
                params,
                body,
                env: env.clone(),
            });
            return Ok(());
        }
        // A name the condition reads that nothing binds is the host's to signal: from now on
        // it reads as a host value, which the mock host never sets, so the watch stays quiet.
        let mut reads = Reads(Vec::new());
        reads.visit_expr(cond);
        for name in reads.0 {
            if !self.resolves(name, env) {
                self.watched.push(name);
            }
        }
        self.watches.push(Watch {
            cond,
            body,
            env: env.clone(),
            was: false,
        });
        // A watch whose condition already holds fires now, after the statement that set it.
        self.poll_watches()
    }

    /// The event a `when` head names: a bare name or a call of a name that is neither bound
    /// nor a builtin (`when ready:` with `ready = true` above is a watch on the variable).
    fn event_head(&self, cond: &'a Expr<'a>, env: &Env<'a>) -> Option<(&'a str, &'a [Arg<'a>])> {
        let (name, params): (&'a str, &'a [Arg<'a>]) = match &cond.node {
            ExprKind::Name { name } => (name, &[]),
            ExprKind::Call { callee, args } => match callee.node {
                ExprKind::Name { name } => (name, args),
                _ => return None,
            },
            _ => return None,
        };
        let bound = env.get(name).is_some() || crate::registry::builtins::lookup(name).is_some();
        (!bound).then_some((name, params))
    }

    /// `on event "x":`, `on deploy(v):`, `on deploy:`: the event a trigger head names.
    pub(super) fn register_on(
        &mut self,
        head: &'a [Part<'a>],
        body: &'a Block<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, ()> {
        let mut found: Option<(String, &'a [Arg<'a>])> = None;
        for p in head {
            let Part::Expr { expr } = p else { continue };
            match &expr.node {
                ExprKind::Str { .. } => found = Some((self.eval(expr, env)?.display(), &[])),
                ExprKind::Call { callee, args } => {
                    if let ExprKind::Name { name } = callee.node {
                        found = Some((name.to_string(), args));
                    }
                }
                // `on event deploy:`: the word after `event`.
                ExprKind::Name { name } if *name != "event" && found.is_none() => {
                    found = Some((name.to_string(), &[]))
                }
                _ => {}
            }
        }
        let Some((event, params)) = found else {
            return self.unsupported(span, "an 'on' handler without an event name");
        };
        self.handlers.push(Handler {
            event,
            params,
            body,
            env: env.clone(),
        });
        Ok(())
    }

    /// Fires every handler of `event`, in the order they were declared, with the payload
    /// bound to their parameters. With no handler, the event goes to the host.
    pub(super) fn fire(
        &mut self,
        event: &str,
        args: Vec<Value<'a>>,
        kwargs: Vec<(&'a str, Value<'a>)>,
        span: Span,
    ) -> R<'a, ()> {
        let handlers: Vec<(&'a [Arg<'a>], &'a Block<'a>, Env<'a>)> = self
            .handlers
            .iter()
            .filter(|h| h.event == event)
            .map(|h| (h.params, h.body, h.env.clone()))
            .collect();
        if handlers.is_empty() {
            self.request(EffectKind::Event, event, &args, &kwargs, span)?;
            return Ok(());
        }
        for (params, body, env) in handlers {
            let scope = env.child();
            let mut positional = args.iter();
            for p in params {
                let name = match p {
                    Arg::Positional { value } | Arg::Keyword { value, .. } => match value.node {
                        ExprKind::Name { name } => Some(name),
                        _ => None,
                    },
                    Arg::Spread { .. } => None,
                };
                let key = match p {
                    Arg::Keyword { name, .. } => Some(name.node),
                    _ => name,
                };
                let given = key
                    .and_then(|k| kwargs.iter().find(|(n, _)| *n == k))
                    .map(|(_, v)| v.clone())
                    .or_else(|| positional.next().cloned())
                    .unwrap_or(Value::Null);
                if let Some(n) = name.or(key) {
                    scope.define(n, given);
                }
            }
            scope.define("event", Value::str(event));
            self.enter(event, span)?;
            let r = self.as_code(BlockRole::Code, |s| s.exec_stmts(&body.stmts, &scope));
            self.leave();
            r?;
        }
        Ok(())
    }

    /// Evaluates each watch; a body runs when its condition turns true.
    pub(super) fn poll_watches(&mut self) -> R<'a, ()> {
        let mut i = 0;
        while i < self.watches.len() {
            let (cond, body, env, was) = {
                let w = &self.watches[i];
                (w.cond, w.body, w.env.clone(), w.was)
            };
            i += 1;
            let now = self
                .as_code(BlockRole::Code, |s| s.eval(cond, &env))?
                .truthy();
            self.watches[i - 1].was = now;
            if now && !was {
                let scope = env.child();
                self.as_code(BlockRole::Code, |s| s.exec_stmts(&body.stmts, &scope))?;
            }
        }
        Ok(())
    }

    /// The words of a trigger head as written (`changes` of `monitor changes:`).
    pub(super) fn head_text(&self, head: &'a [Part<'a>], span: Span) -> &'a str {
        self.source_text(parts_span(head).unwrap_or(span)).trim()
    }

    /// `every 30 minutes:` / `every 1h:`: the body runs each period after the body of the
    /// script, on the virtual clock.
    pub(super) fn register_every(
        &mut self,
        head: &'a [Part<'a>],
        body: &'a Block<'a>,
        env: &Env<'a>,
        span: Span,
    ) -> R<'a, ()> {
        let Some(period) = self.period(head, env)? else {
            return self.fail(
                span,
                format!(
                    "'every {}' does not name a period (write e.g. 'every 30 minutes' or 'every 1h')",
                    self.head_text(head, span)
                ),
            );
        };
        // The job's name in traces: the head as written (`every 30 minutes`).
        let name = self
            .source_text(parts_span(head).map_or(span, |h| Span {
                start: span.start,
                end: h.end,
            }))
            .trim();
        let job = self.function(name, &[], Body::Block(body), env, span);
        let now = self.now();
        self.timers
            .set(now, period * 1000.0, job, Vec::new(), true, span);
        Ok(())
    }

    /// The period of an `every` head in seconds: `5 minutes`, `1h`, `30s`, `hour`, `day`.
    fn period(&mut self, head: &'a [Part<'a>], env: &Env<'a>) -> R<'a, Option<f64>> {
        let exprs: Vec<&'a Expr<'a>> = head
            .iter()
            .filter_map(|p| match p {
                Part::Expr { expr } => Some(expr),
                _ => None,
            })
            .collect();
        let unit_of = |e: &Expr<'_>| match e.node {
            ExprKind::Name { name } => unit_seconds(name),
            _ => None,
        };
        Ok(match exprs.as_slice() {
            [n, unit, ..] if unit_of(unit).is_some() => {
                let v = self.eval(n, env)?;
                v.as_f64().map(|n| n * unit_of(unit).unwrap_or(1.0))
            }
            [one, ..] => match &one.node {
                // `every hour`, `every 30_seconds`
                ExprKind::Name { name } => match name.split_once('_') {
                    Some((n, unit)) => n
                        .parse::<f64>()
                        .ok()
                        .zip(unit_seconds(unit))
                        .map(|(n, u)| n * u),
                    None => unit_seconds(name),
                },
                _ => {
                    // `every 1h`: a duration literal is its number of seconds.
                    self.eval(one, env)?.as_f64()
                }
            },
            [] => None,
        }
        .filter(|p| p.is_finite() && *p > 0.0))
    }
}

impl<'a> Interp<'a, '_> {
    /// When a `schedule:` first fires after now, and its period, in seconds: `every 2 hours`,
    /// `every 24h`, `hourly`, `daily at "06:00"`, `weekly on "Friday"` (at midnight unless
    /// `at` says otherwise). `None` for a schedule with no period.
    pub(super) fn schedule_timing(
        &mut self,
        s: &'a Schedule<'a>,
        env: &Env<'a>,
    ) -> R<'a, Option<(f64, f64)>> {
        const DAY: f64 = 86_400.0;
        let period = match (&s.every, &s.unit, &s.cadence) {
            (Some(n), unit, _) => {
                let n = self.eval(n, env)?.as_f64();
                let scale = match unit {
                    Some(u) => unit_seconds(u.node),
                    None => Some(1.0),
                };
                n.zip(scale).map(|(n, u)| n * u)
            }
            (None, _, Some(c)) => match c.node {
                "hourly" => Some(3600.0),
                "daily" | "nightly" => Some(DAY),
                "weekly" => Some(7.0 * DAY),
                "monthly" => Some(30.0 * DAY),
                _ => None,
            },
            _ => None,
        };
        let Some(period) = period.filter(|p| p.is_finite() && *p > 0.0) else {
            return Ok(None);
        };
        let now = self.now();
        let at = match &s.at {
            Some(e) => {
                let text = self.eval(e, env)?.display();
                let mut hm = text.split(':').map(|x| x.trim().parse::<f64>().ok());
                match (hm.next().flatten(), hm.next().flatten()) {
                    (Some(h), m) => Some(h * 3600.0 + m.unwrap_or(0.0) * 60.0),
                    _ => None,
                }
            }
            None => None,
        };
        let weekday = match &s.on {
            Some(e) => {
                let day = self.eval(e, env)?.display().to_lowercase();
                [
                    "sunday",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                ]
                .iter()
                .position(|d| day.starts_with(&d[..3]))
            }
            None => None,
        };
        if at.is_none() && weekday.is_none() {
            return Ok(Some((period, period)));
        }
        // The next moment at that time of day (and on that day of the week) after now.
        let day_start = now - now.rem_euclid(DAY);
        let mut due = day_start + at.unwrap_or(0.0);
        while due <= now
            || weekday
                .is_some_and(|w| (((due / DAY).floor() as i64 + 4).rem_euclid(7)) as usize != w)
        {
            due += DAY;
        }
        Ok(Some((due - now, period)))
    }
}

fn unit_seconds(word: &str) -> Option<f64> {
    Some(match word.trim_end_matches('s') {
        "second" | "sec" | "" => 1.0,
        "minute" | "min" => 60.0,
        "hour" | "hr" => 3600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        _ => return None,
    })
}

fn parts_span(parts: &[Part<'_>]) -> Option<Span> {
    let spans: Vec<Span> = parts
        .iter()
        .map(|p| match p {
            Part::Expr { expr } => expr.span,
            Part::Pair { pair } => pair.key.span.to(pair.value.span()),
            Part::Word { span, .. } => *span,
        })
        .collect();
    Some(spans.first()?.to(*spans.last()?))
}

/// The names an expression reads (not callees, not member names, not lambda parameters'
/// bodies).
struct Reads<'a>(Vec<&'a str>);

impl<'a> Visitor<'a> for Reads<'a> {
    fn visit_expr(&mut self, expr: &'a Expr<'a>) {
        match &expr.node {
            ExprKind::Name { name } => self.0.push(name),
            ExprKind::Call { callee, args } => {
                if !matches!(callee.node, ExprKind::Name { .. }) {
                    self.visit_expr(callee);
                }
                args.iter().for_each(|a| self.visit_arg(a));
            }
            ExprKind::Lambda { .. } => {}
            _ => walk_expr(self, expr),
        }
    }
}
